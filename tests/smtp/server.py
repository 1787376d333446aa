"""An SMTP server for the email tests: aiosmtpd (someone else's server) on 127.0.0.1, a free port.

    python server.py --out DIR [--tls-cert PEM --tls-key PEM] [--auth USER:PASS]
                     [--refuse "451 4.3.0 Try again later" --refuse-count N]

It prints "READY <port>" once it listens. Each message it accepts is written to DIR as N.eml (the
bytes received) and N.json (the envelope, and the message parsed by Python's own email package:
headers, and each MIME part's type, file name and content in base64), both complete before the
250 reply goes out, so a client that got its 250 finds them. With --tls-cert, STARTTLS is offered
and required before MAIL; with --auth, AUTH (PLAIN or LOGIN) with those credentials is required.
--refuse answers DATA with that reply for the first N messages (-1: always), then accepts.
It runs until killed.
"""

import argparse
import asyncio
import base64
import email
import email.policy
import json
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, out, refuse, refuse_count):
        self.out = out
        self.refuse = refuse
        self.refuse_count = refuse_count
        self.accepted = 0
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse and (self.refuse_count < 0 or self.refused < self.refuse_count):
            self.refused += 1
            return self.refuse
        self.accepted += 1
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in parsed.walk():
            if part.is_multipart():
                parts.append({"content_type": part.get_content_type(), "multipart": True})
                continue
            payload = part.get_payload(decode=True) or b""
            parts.append(
                {
                    "content_type": part.get_content_type(),
                    "filename": part.get_filename(),
                    "disposition": part.get_content_disposition(),
                    "data_base64": base64.b64encode(payload).decode("ascii"),
                }
            )
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "headers": {
                name: str(parsed[name]) if parsed[name] is not None else None
                for name in ("From", "To", "Cc", "Subject", "Message-ID", "Date", "MIME-Version")
            },
            "content_type": parsed.get_content_type(),
            "parts": parts,
        }
        number = self.accepted
        for name, data in ((f"{number}.eml", raw), (f"{number}.json", json.dumps(summary).encode("utf-8"))):
            partial = os.path.join(self.out, "." + name + ".partial")
            with open(partial, "wb") as handle:
                handle.write(data)
            os.replace(partial, os.path.join(self.out, name))
        return "250 2.0.0 OK: queued as test-" + str(number)


def main():
    # aiosmtpd's own deprecation notices are not the tests' business.
    warnings.simplefilter("ignore", DeprecationWarning)
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--auth")
    parser.add_argument("--refuse")
    parser.add_argument("--refuse-count", type=int, default=-1)
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    handler = Handler(args.out, args.refuse, args.refuse_count)
    tls_context = None
    if args.tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(args.tls_cert, args.tls_key)
    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok)

    def factory():
        return SMTP(
            handler,
            hostname="localhost",
            tls_context=tls_context,
            require_starttls=tls_context is not None,
            authenticator=authenticator,
            auth_required=authenticator is not None,
            auth_require_tls=tls_context is not None,
        )

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, host="127.0.0.1", port=0)
        port = server.sockets[0].getsockname()[1]
        print(f"READY {port}", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    sys.exit(main())
