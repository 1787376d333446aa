"""Schemathesis hooks for scripts/fuzz.sh.

`schema_valid_accepted` replaces the built-in positive_data_acceptance check: a request the
OpenAPI document says is valid must be accepted, except when the service refuses it for a
business rule the document cannot express (a CUIT's check digit, an ARCA rule). Such refusals
are recognised by the problem's `code` (and, for validation problems, by each field error's
`rule`), never by the status alone; the allow-lists below are the whole set.
"""

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

# `rule` of a field error in a VALIDATION_ERROR problem that the schema cannot express.
BUSINESS_RULE_FIELD_RULES = set()

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
        rules = [error.get("rule") for error in problem.get("errors", [])]
        return bool(rules) and all(rule in BUSINESS_RULE_FIELD_RULES for rule in rules)
    return False


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
