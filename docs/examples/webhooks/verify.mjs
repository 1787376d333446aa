// Verifying arca-api's X-ARCA-Signature in Node, with node:crypto only.
//
// README "Verifying signatures" shows `verify`; the integration tests run this file on deliveries
// signed by the service (node verify.mjs SAMPLE.json, the secret in ARCA_WEBHOOK_SECRET).

import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const TOLERANCE_SECONDS = 5 * 60;

// True when `signature` (X-ARCA-Signature) signs the raw `body` (a Buffer, exactly as received)
// sent at `timestamp` (X-ARCA-Timestamp) with `secret` (whsec_..., the whole string is the key).
export function verify(secret, timestamp, signature, body) {
  if (!/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
    return false; // too old to be anything but a replay
  }
  const digest = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
  const expected = Buffer.from(`sha256=${digest}`);
  // While a secret is being rotated the header carries two values, comma-separated.
  return signature.split(",").some((value) => {
    const given = Buffer.from(value.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // SAMPLE.json: {"headers": {name: value}, "body": "the body exactly as received"}
  const sample = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const headers = Object.fromEntries(Object.entries(sample.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const ok = verify(
    process.env.ARCA_WEBHOOK_SECRET,
    headers["x-arca-timestamp"] ?? "",
    headers["x-arca-signature"] ?? "",
    Buffer.from(sample.body, "utf8"),
  );
  console.log(ok ? "verified" : "refused");
  process.exit(ok ? 0 : 1);
}
