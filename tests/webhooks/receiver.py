"""A webhook receiver for the signature tests, verifying with code that is not ours.

    python receiver.py SECRETS_FILE

It listens on 127.0.0.1 at a free port and prints "READY <port>" once it does. Every request
(any method, any path) is checked against each secret in SECRETS_FILE (whitespace-separated, read
again for each request, so a test can subscribe this receiver first and hand it the secret the
answer showed, or both secrets of a rotation, afterwards) in two ways:

- "standard": the official Standard Webhooks library, `standardwebhooks.Webhook(secret).verify(body,
  headers)` (webhook-id, webhook-timestamp, webhook-signature; it refuses a timestamp more than five
  minutes off);
- "arca": X-ARCA-Signature with Python's own hmac: some `sha256=` value among the comma-separated
  ones equals the hex HMAC-SHA256, keyed with the whole secret string, of "{X-ARCA-Timestamp}.{body}",
  compared in constant time, the timestamp also within five minutes.

Then it writes one JSON line to stdout — the method, path, lower-cased headers, the body (parsed
JSON, or null when it is not JSON), per secret "ok" or the error for each check, "verified" (every
check passed under every secret), and the status it answers — and only then answers: 204 when
verified, 400 otherwise. A test that got the answer finds the line already written. It runs until
killed, and never prints a secret.
"""

import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import standardwebhooks

TOLERANCE_SECONDS = 5 * 60
SECRETS_FILE = sys.argv[1] if len(sys.argv) > 1 else None
OUTPUT = threading.Lock()


def secrets():
    if SECRETS_FILE is None:
        return []
    with open(SECRETS_FILE, encoding="ascii") as handle:
        return handle.read().split()


def check_standard(secret, body, headers):
    try:
        standardwebhooks.Webhook(secret).verify(body, headers, json_parse=False)
        return "ok"
    except Exception as error:  # the library's WebhookVerificationError, or a malformed secret
        return f"{type(error).__name__}: {error}"


def check_arca(secret, body, headers):
    timestamp = headers.get("x-arca-timestamp")
    signature = headers.get("x-arca-signature")
    if not timestamp or not signature:
        return "missing X-ARCA-Timestamp or X-ARCA-Signature"
    try:
        seconds = int(timestamp)
    except ValueError:
        return "X-ARCA-Timestamp is not an integer"
    if abs(time.time() - seconds) > TOLERANCE_SECONDS:
        return "X-ARCA-Timestamp is more than five minutes off"
    expected = hmac.new(secret.encode(), f"{seconds}.".encode() + body, hashlib.sha256).hexdigest()
    given = [part.strip()[len("sha256="):] for part in signature.split(",") if part.strip().startswith("sha256=")]
    if any(hmac.compare_digest(expected.encode(), value.encode()) for value in given):
        return "ok"
    return "no sha256= value matches"


class Handler(BaseHTTPRequestHandler):
    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        keys = secrets()
        standard = [check_standard(secret, body, headers) for secret in keys]
        arca = [check_arca(secret, body, headers) for secret in keys]
        verified = bool(keys) and all(result == "ok" for result in standard + arca)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        status = 204 if verified else 400
        record = {
            "method": self.command,
            "path": self.path,
            "headers": headers,
            "body": parsed,
            "standard": standard,
            "arca": arca,
            "verified": verified,
            "status": status,
        }
        with OUTPUT:
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = handle_any
    do_GET = handle_any
    do_PUT = handle_any

    def log_message(self, format, *args):
        pass  # the JSON lines are the log


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sys.stdout.write(f"READY {server.server_address[1]}\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
