#!/usr/bin/env bash
# Creates the virtual environment of the webhook signature tests' receiver (the official Standard
# Webhooks library, `standardwebhooks`, pinned in tests/webhooks/requirements.txt), or leaves it as
# it is when it already holds those pins.
#
#   scripts/webhooks-venv.sh    # into $WEBHOOKS_TEST_VENV, else $CARGO_TARGET_DIR/webhooks-venv, else target/webhooks-venv
#
# The tests (tests/integration/service/webhook_signatures.rs) run it on first use and look in the
# same place; .ci/run runs it before the test stages. When pip fails and the package index does not
# answer at all, it exits with 75 (EX_TEMPFAIL) and says so: the tests then print why they skip.
# Any other failure exits 1 and the tests fail with this script's output.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="${WEBHOOKS_TEST_VENV:-$target_dir/webhooks-venv}"
requirements=tests/webhooks/requirements.txt

if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
  echo "Standard Webhooks library: $venv is up to date"
  exit 0
fi
echo "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $venv"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"; then
  # Unreachable or refusing? Ask the index pip uses (PIP_INDEX_URL or its configuration, else
  # PyPI's) for the package's page, once, with a short timeout.
  index="${PIP_INDEX_URL:-$("$venv/bin/pip" config get global.index-url 2> /dev/null || true)}"
  index="${index:-https://pypi.org/simple}"
  rm -rf "$venv"
  if ! python3 - "$index" << 'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1].rstrip("/") + "/standardwebhooks/", timeout=15)
except Exception as error:
    print(f"the package index {sys.argv[1]} does not answer: {error}", file=sys.stderr)
    sys.exit(1)
PY
  then
    echo "pip is unreachable: the Standard Webhooks library cannot be installed" >&2
    exit 75
  fi
  echo "pip install -r $requirements failed (the index answers): see above" >&2
  exit 1
fi
cp "$requirements" "$venv/requirements.txt"
"$venv/bin/python" -c 'import importlib.metadata as m; print("standardwebhooks", m.version("standardwebhooks"))'
