"""Verifying arca-api's X-ARCA-Signature in Python, with the standard library only.

README "Verifying signatures" shows `verify`; the integration tests run this file on deliveries
signed by the service (python3 verify.py SAMPLE.json, the secret in ARCA_WEBHOOK_SECRET).
"""

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, timestamp: str, signature: str, body: bytes) -> bool:
    """True when `signature` (X-ARCA-Signature) signs the raw `body` sent at `timestamp`
    (X-ARCA-Timestamp) with `secret` (whsec_..., the whole string is the key)."""
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False  # too old to be anything but a replay
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    expected = f"sha256={digest}".encode()
    # While a secret is being rotated the header carries two values, comma-separated.
    return any(hmac.compare_digest(expected, value.strip().encode()) for value in signature.split(","))


if __name__ == "__main__":
    import json
    import os
    import sys

    # SAMPLE.json: {"headers": {name: value}, "body": "the body exactly as received"}
    with open(sys.argv[1], encoding="utf-8") as sample_file:
        sample = json.load(sample_file)
    headers = {name.lower(): value for name, value in sample["headers"].items()}
    ok = verify(
        os.environ["ARCA_WEBHOOK_SECRET"],
        headers.get("x-arca-timestamp", ""),
        headers.get("x-arca-signature", ""),
        sample["body"].encode(),
    )
    print("verified" if ok else "refused")
    sys.exit(0 if ok else 1)
