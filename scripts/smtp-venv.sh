#!/usr/bin/env bash
# Creates the virtual environment of the email tests' SMTP server (aiosmtpd, pinned in
# tests/smtp/requirements.txt), or leaves it as it is when it already holds those pins.
#
#   scripts/smtp-venv.sh    # into $SMTP_TEST_VENV, else $CARGO_TARGET_DIR/smtp-venv, else target/smtp-venv
#
# The tests (tests/integration/smtp_server.rs) look in the same place and fail, naming this
# script, when it is missing. .ci/run runs it before the test stages.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="${SMTP_TEST_VENV:-$target_dir/smtp-venv}"
requirements=tests/smtp/requirements.txt

if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
  echo "SMTP test server: $venv is up to date"
  exit 0
fi
echo "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$venv/requirements.txt"
"$venv/bin/python" -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)'
