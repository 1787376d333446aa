#!/usr/bin/env bash
# Creates the virtual environment of one of the tests' Python tools, pinned in
# tests/<name>/requirements.txt, or leaves it as it is when it already holds those pins:
#
#   scripts/python-venv.sh smtp       # aiosmtpd: the email tests' SMTP server
#   scripts/python-venv.sh webhooks   # the Standard Webhooks library: the signature tests' receiver
#   scripts/python-venv.sh mcp        # the official MCP Python SDK: the MCP server tests' client
#   scripts/python-venv.sh NAME DIR   # into DIR rather than $CARGO_TARGET_DIR/NAME-venv (else target/NAME-venv)
#
# The tests (tests/integration/support.rs, `python_venv`) run it on first use and look in the same
# place; .ci/run runs it before the test stages. When pip fails and the package index does not
# answer at all, it exits with 75 (EX_TEMPFAIL) and says so: the tests then print why they skip.
# Any other failure exits 1 and the tests fail with this script's output.
set -euo pipefail

name="${1:?usage: scripts/python-venv.sh NAME [DIR]}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
venv="${2:-$target_dir/$name-venv}"
requirements="tests/$name/requirements.txt"
[ -f "$requirements" ] || { echo "no $requirements" >&2; exit 1; }
packages="$(grep -v '^#' "$requirements" | tr '\n' ' ')"

if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
  echo "$name: $venv is up to date ($packages)"
  exit 0
fi
echo "installing ${packages}into $venv"
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv"
if ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"; then
  # Unreachable or refusing? Ask the index pip uses (PIP_INDEX_URL or its configuration, else
  # PyPI's) for the first package's page, once, with a short timeout.
  index="${PIP_INDEX_URL:-$("$venv/bin/pip" config get global.index-url 2> /dev/null || true)}"
  index="${index:-https://pypi.org/simple}"
  first="$(grep -v '^#' "$requirements" | head -n1 | sed 's/[=<>!~ ].*//')"
  rm -rf "$venv"
  if ! python3 - "$index" "$first" << 'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1].rstrip("/") + "/" + sys.argv[2] + "/", timeout=15)
except Exception as error:
    print(f"the package index {sys.argv[1]} does not answer: {error}", file=sys.stderr)
    sys.exit(1)
PY
  then
    echo "pip is unreachable: $packages cannot be installed" >&2
    exit 75
  fi
  echo "pip install -r $requirements failed (the index answers): see above" >&2
  exit 1
fi
cp "$requirements" "$venv/requirements.txt"
echo "$name: installed into $venv"
