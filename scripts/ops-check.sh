#!/usr/bin/env bash
# Runs the deployment guide's local path, as written: every `sh` block of
# docs/operations/deployment-guide.md marked `<!-- ops-check: N -->`, in order, in one shell,
# stopping at the first failure. The guide is the script: a step that changes there changes
# here, and a block that stops working fails CI.
#
#   scripts/ops-check.sh            # every step
#   SKIP_STEPS="1" scripts/ops-check.sh
#
# CI sets BIN to the debug build it already has and skips step 1 (the release build: CI keeps
# to one build profile); everything else runs verbatim.
set -euo pipefail
cd "$(dirname "$0")/.."

guide=docs/operations/deployment-guide.md
script="$(mktemp)"
trap 'rm -f "$script"' EXIT

# Extract the marked blocks: after a marker line, the next ```sh … ``` fence.
awk -v skip=" ${SKIP_STEPS:-} " '
  /<!-- ops-check: [0-9]+ -->/ { match($0, /[0-9]+/); step = substr($0, RSTART, RLENGTH); armed = 1; next }
  armed && /^```sh/ { inside = 1; armed = 0;
    if (index(skip, " " step " ")) { skipping = 1; print "echo \"== step " step ": skipped\"" }
    else { skipping = 0; print "echo \"== step " step "\"" }
    next }
  inside && /^```/ { inside = 0; next }
  inside && !skipping { print }
' "$guide" > "$script"

steps=$(grep -c '^echo "== step' "$script" || true)
if [ "$steps" -lt 10 ]; then
  echo "ops-check: found only $steps marked steps in $guide" >&2
  exit 1
fi

cleanup() {
  # Whatever a failed run left running.
  for pid_file in "${WORK:-/tmp/arca-ops}"/*.pid; do
    [ -f "$pid_file" ] && kill "$(cat "$pid_file")" 2> /dev/null || true
  done
}
trap 'cleanup; rm -f "$script"' EXIT

export WORK=/tmp/arca-ops
bash -euo pipefail "$script"
echo "ops-check: the deployment guide's local path ran end to end"
