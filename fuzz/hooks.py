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
}

# Field errors of a VALIDATION_ERROR for rules no JSON Schema can state: the field (a regular
# expression over its path) and the message the service gives for that rule (a regular
# expression matched at its start).
BUSINESS_RULE_FIELD_ERRORS = [
    # The CUIT's check digit (modulo 11 over the first ten digits).
    (r"(cuit|documento_numero|cliente\.documento_numero)", "not a valid CUIT: the CUIT check digit"),
    (r"(documento_numero|cliente\.documento_numero)", "not a valid CUIL: the CUIT check digit"),
    # The document number's form depends on the document type (another field).
    (r"(documento_numero|cliente\.documento_numero)", "a DNI is 7 or 8 digits"),
    (r"(documento_numero|cliente\.documento_numero)", "must be 0 with documento_tipo 99"),
    (r"(documento_numero|cliente\.documento_numero)", "not a valid CUIT: a CUIT has 11 digits"),
    (r"(documento_numero|cliente\.documento_numero)", "not a valid CUIL: a CUIT has 11 digits"),
    (r"(documento_numero|cliente\.documento_numero)", r"a [^,]+ number is 1 to 11 digits"),
    # ARCA's code tables (FEParamGetTiposDoc): a code inside the documented range ARCA lacks.
    (r"(documento_tipo|cliente\.documento_tipo)", r"-?[0-9]+ is not an ARCA document type"),
    # A taxed line needs its IVA rate; whether it is taxed is another field (`iva_condicion`).
    (r"items\[[0-9]+\]\.iva_porcentaje", r"one of 0, 2\.5, 5, 10\.5, 21, 27"),
    # ARCA's voucher types (FEParamGetTiposCbte) and tributo ids (FEParamGetTiposTributos).
    (r"tipo_comprobante", r"not a voucher type WSFEv1 authorises"),
    (r"tributos\[[0-9]+\]\.id", r"not an ARCA tributo"),
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
