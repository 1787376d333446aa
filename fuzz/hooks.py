"""Schemathesis hooks for scripts/fuzz.sh.

`schema_valid_accepted` replaces the built-in positive_data_acceptance check: a request the
OpenAPI document says is valid must be accepted, except when the service refuses it for a
business rule the document cannot express (a CUIT's check digit, an ARCA rule). Such refusals
are recognised by the problem's `code` — and, for a `VALIDATION_ERROR`, only when every field
error it lists is one of the business rules below (its field and the start of its message) —
never by the status alone. The allow-lists below are the whole set; a refusal they do not
name fails the run, and the fix is then in the schema (it must say what the service refuses),
not here.
"""

import re

import schemathesis

# Problem codes that refuse a well-formed request for a reason no schema can express.
BUSINESS_RULE_CODES = {
    # ARCA refused the invoice (WSFEv1's own rules: dates, totals by class, associations).
    "ARCA_VALIDATION_FAILED": "an ARCA rule",
    # The account has no active certificate (a previous case deleted it).
    "NO_CERTIFICATE": "the account's state",
    # WSAA refused a certificate the request uploaded.
    "CERTIFICATE_REJECTED": "ARCA's certificate rules",
    # The invoice cannot be edited in its current status.
    "CONFLICT": "the resource's state",
    "NOT_FOUND": "the resource does not exist",
    # ARCA's padrón: the CUIT a receiver or customer was given by is not registered, or its
    # answer does not settle the IVA condition the request left out; what the padrón holds.
    "TAXPAYER_NOT_FOUND": "the padrón's data",
    "TAXPAYER_DATA_INCOMPLETE": "the padrón's data",
    "TAXPAYER_INACTIVE": "the padrón's data",
    "INVALID_CUIT": "the padrón's data",
    # The certificate lacks a relation in ARCA for the service the request needs.
    "ARCA_SERVICE_NOT_AUTHORIZED": "the certificate's authorizations in ARCA",
    # ARCA's wsfecred refused accepting or rejecting an FCE (unknown voucher, not addressed to
    # the account's CUIT, already accepted, a balance that is not the voucher's): ARCA's records.
    "ARCA_REFUSED": "ARCA's FCE account",
    # CAEA contingency: `"contingencia": true` from an account without a contingency point of
    # sale, while ARCA's CAE service answers, or without a usable CAEA; a contingency series at
    # its last number: the account's setup and ARCA's state, not the request's shape.
    "CONTINGENCY_NOT_CONFIGURED": "the account's contingency points of sale",
    "CONTINGENCY_NOT_ACTIVE": "ARCA's CAE service answers",
    "CAEA_UNAVAILABLE": "the account's CAEA",
    "CAEA_SERIES_EXHAUSTED": "the contingency series",
    # A capability whose settings this server lacks: `mode: simple` invoices without an AI
    # provider (AI_BASE_URL, AI_MODEL), which the fuzzed `serve` never has. The server's setup,
    # not the request's shape.
    "NOT_CONFIGURED": "a setting of this server",
}

# Field errors of a VALIDATION_ERROR for rules no JSON Schema can state: the field (a regular
# expression over its path) and the message the service gives for that rule (a regular
# expression matched at its start).
BUSINESS_RULE_FIELD_ERRORS = [
    # The CUIT's check digit (modulo 11 over the first ten digits).
    (
        r"(cuit|cuit_emisor|cuits\[[0-9]+\]|cliente\.cuit|documento_numero|cliente\.documento_numero)",
        "not a valid CUIT: the CUIT check digit",
    ),
    # A receiver (or customer) is identified by `cuit` or by `documento_tipo` + `documento_numero`,
    # and only a CUIT's name and IVA condition can come from the padrón: rules between fields.
    (r"(cliente\.)?(documento_tipo|documento_numero|razon_social|condicion_iva)", r"required \("),
    (r"(cliente\.)?documento_tipo", r"must be 80 \(CUIT\) or omitted when (cliente\.)?cuit is given"),
    (r"(cliente\.)?documento_numero", r"differs from (cliente\.)?cuit"),
    # A DNI of only zeros is no DNI (ARCA's padrón refuses it); the pattern states the digits.
    (r"dni", r"(a DNI is not 0|ARCA's padrón refused it)"),
    (r"(documento_numero|cliente\.documento_numero)", "not a valid CUIL: the CUIT check digit"),
    # The document number's form depends on the document type (another field).
    (r"(documento_numero|cliente\.documento_numero)", "a DNI is 7 or 8 digits"),
    (r"(documento_numero|cliente\.documento_numero)", "must be 0 with documento_tipo 99"),
    (r"(documento_numero|cliente\.documento_numero)", "not a valid CUIT: a CUIT has 11 digits"),
    (r"(documento_numero|cliente\.documento_numero)", "not a valid CUIL: a CUIT has 11 digits"),
    (r"(documento_numero|cliente\.documento_numero)", r"a [^,]+ number is 1 to 11 digits"),
    # ARCA's code tables (FEParamGetTiposDoc): a code inside the documented range ARCA lacks.
    (r"(documento_tipo|cliente\.documento_tipo)", r"(-?[0-9]+ is )?not an ARCA document type"),
    # A taxed line needs its IVA rate; whether it is taxed is another field (`iva_condicion`).
    (r"items\[[0-9]+\]\.iva_porcentaje", r"one of 0, 2\.5, 5, 10\.5, 21, 27"),
    # ARCA's voucher types (FEParamGetTiposCbte) and tributo ids (FEParamGetTiposTributos).
    (r"(comprobantes_asociados\[[0-9]+\]\.)?tipo_comprobante", r"not a voucher type WSFEv1 authorises"),
    (r"tributos\[[0-9]+\]\.id", r"not an ARCA tributo"),
    # An address's local part is at most 64 characters (the SMTP client's rule): a bound on a
    # part of the string that the document's pattern cannot state without a look-ahead, which
    # makes the generator give up. Domain labels (at most 63) are in the pattern itself.
    (r"(to|cc)\[[0-9]+\]|cliente\.email", r"must be an email address \(name@example\.com\)"),
    # A received FCE's id: its issuer CUIT's check digit, and no voucher numbered 0.
    (r"id", "not a valid CUIT: the CUIT check digit"),
    (r"id", "the point of sale and the number start at 1"),
    # The received-FCE filters: the issue-date range is given from `desde` (rules between two
    # parameters).
    (r"desde", "required with hasta"),
    (r"hasta", "must not be before desde"),
    # An accepted FCE balance is more than zero.
    (r"saldo_aceptado", "must be a positive amount"),
    # ARCA's currency table (FEParamGetTiposMonedas): three characters that name no currency.
    (r"moneda", "unknown currency"),
    # Which voucher classes a receiver's IVA condition may receive (ARCA's rule 10243 and the
    # RG 5616 table): a rule between two fields.
    (r"(cliente\.condicion_iva|tipo_comprobante)", "a receiver in condition [a-z_]+ cannot receive"),
    # A total of 0.00 (every line free, bonificacion 100) is allowed only on the note classes
    # ARCA lets carry a zero base (rule 10020): a rule between the total and tipo_comprobante.
    (r"total", r"the invoice total is 0\.00, which"),
    # A line that rounds to 0.00 is refused unless it is free (bonificacion 100) or the class is
    # a note ARCA lets carry zero: a rule between the line's fields and tipo_comprobante.
    (r"items\[[0-9]+\]", r"the item's amount rounds to 0\.00, which"),
    # Rules between fields that composition applies (the protocol crate's ComposeError), each
    # one of ARCA's: the classes an issuer's IVA condition may issue; a foreign currency's
    # exchange rate and pesos at 1; service dates when services are included, and the dates'
    # order; notes and their associations; no IVA on lines of classes that do not itemise it;
    # amounts beyond 13 integer digits once multiplied; a tributo code that needs a description.
    (r"tipo_comprobante", "the issuer's IVA condition does not allow issuing"),
    (r"cotizacion", "(a foreign currency needs its exchange rate|the exchange rate of pesos is 1)"),
    (r"fecha_servicio_(desde|hasta)|fecha_vencimiento_pago", "invoices that include services need this date"),
    (r"fecha_servicio_hasta", "the service period ends before it starts"),
    (r"fecha_vencimiento_pago", "payment cannot be due before the invoice date"),
    (r"comprobantes_asociados", "a debit or credit note must name"),
    (r"periodo_asociado", "only debit and credit notes carry"),
    (r"items\[[0-9]+\]\.iva_porcentaje", ".* vouchers carry no IVA"),
    (r"items\[[0-9]+\]", r"the item's amount is too large"),
    (r"total", r"the invoice total is too large"),
    (r"tributos\[[0-9]+\]\.descripcion", "this tributo needs a description"),
    # Credit and debit notes: which of `items` and `importe` (exactly one, and what goes with
    # each), the invoice's balance per component, the IVA rates it has, the totals a net amount
    # reaches at its rate, its date: rules between the request and the invoice it adjusts.
    (r"items", r"give (either items or importe|items \(1 to 200 lines\) or importe)"),
    (r"descripcion", r"goes with importe"),
    (r"tributos", r"go with items"),
    (r"items|importe", r"(IVA [0-9.]+ %|IVA Id [0-9]+|net amount|exempt amount|untaxed amount|tributo [0-9]+ \([0-9.]+ %\))( (base|IVA|amount))?(:| [0-9.]+ exceeds the remaining)"),
    (r"importe", r"(no net amount at .* makes exactly|the invoice has several IVA rates)"),
    (r"fecha", r"must not be before the invoice's date"),
    # ARCA's own rules, checked before sending, each named by its code (dates within ARCA's
    # window, totals by class, associations): "ARCA 10016: …".
    (r".+", r"ARCA [0-9]{5}: "),
    # An issuer profile's logo: its content must be a PNG or JPEG (magic bytes and header), of
    # the format `tipo` names and within the pixel limit, and its base64 canonical (no stray
    # bits in the last symbol) — what the bytes are, which no schema can state.
    (r"logo\.contenido_base64", r"(not a PNG or JPEG image|not a valid (PNG|JPEG)|the logo |not standard base64)"),
    (r"logo\.tipo", r"the content is image/"),
    # A webhook URL's host: what it resolves to (the SSRF guard refuses internal and metadata
    # addresses, and a host that does not resolve) and whether it is a valid host at all (an IP
    # literal's form, a domain's characters): facts of DNS and of the host syntax, not of the
    # string's shape that a pattern can state.
    (r"url", r"(resolves to a refused address|the host does not resolve|must be an absolute URL)"),
    # A voucher's QR URL carries base64 of a JSON document: whether it decodes to ARCA's QR data
    # is beyond what a pattern can state.
    (r"qr_url", r"not an ARCA voucher QR URL"),
    # CAEA contingency: a point of sale the account marked as a contingency one issues only
    # under CAEA; an edit is issued with a CAE; a point of sale read from ARCA keeps ARCA's
    # EmisionTipo and is a contingency one only if ARCA registered it for CAEA; a CAEA invoice's
    # date lies in the CAEA's validity: the account's points of sale and grants, not the shape.
    (r"punto_venta", r"point of sale [0-9]+ is a contingency"),
    (r"contingencia", r"(an edited invoice is issued with a CAE|ARCA lists this point of sale)"),
    (r"tipo_emision", r"is ARCA's EmisionTipo"),
    (r"fecha", r".* (is outside the CAEA's validity|is after today|is before [0-9-]+, the date of the previous number)"),
    # Which certificate fields go together, and whether the bundle or PEM can be read.
    (r"body", "send pkcs12_base64"),
    (r"(pkcs12_base64|passphrase|certificate_pem|private_key_pem)", ""),
]

# Statuses that never mean "valid data refused" (as in Schemathesis' own check).
ACCEPTABLE = {401, 403, 404, 409, 429}


def _problem(response):
    content_type = response.headers.get("content-type", [""])
    if isinstance(content_type, list):
        content_type = content_type[0] if content_type else ""
    if not content_type.startswith("application/problem+json"):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _excused(problem):
    code = problem.get("code")
    if code in BUSINESS_RULE_CODES:
        return True
    if code == "VALIDATION_ERROR":
        errors = problem.get("errors", [])
        return bool(errors) and all(_business_rule(error) for error in errors)
    return False


def _business_rule(error):
    field = error.get("field", "")
    message = error.get("message", "")
    return any(
        re.fullmatch(field_pattern, field) and re.match(message_pattern, message)
        for field_pattern, message_pattern in BUSINESS_RULE_FIELD_ERRORS
    )


@schemathesis.check
def schema_valid_accepted(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status >= 500 or status in ACCEPTABLE:
        return None
    problem = _problem(response)
    if problem is not None and _excused(problem):
        return None
    detail = problem if problem is not None else response.text[:500]
    raise AssertionError(f"a schema-valid request was refused with {status}: {detail}")
