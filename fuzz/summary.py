"""Prints the cases Schemathesis ran per check, from its NDJSON report, and exits 1 on failures.

    python fuzz/summary.py REPORT_DIR DIALECT

A case is one request (with its answer); every check runs on each case it applies to. The
numbers are the ones the CI log and the issue's closing note quote.
"""

import collections
import json
import pathlib
import sys


def main():
    report_dir = pathlib.Path(sys.argv[1])
    dialect = sys.argv[2] if len(sys.argv) > 2 else "?"
    reports = sorted(report_dir.glob("*.ndjson"))
    if not reports:
        print(f"fuzz ({dialect}): no NDJSON report in {report_dir}", file=sys.stderr)
        return 1
    per_check = collections.defaultdict(collections.Counter)
    cases = set()
    per_phase = collections.Counter()
    errors = 0
    with reports[-1].open() as lines:
        for line in lines:
            event = json.loads(line)
            if "NonFatalError" in event or "FatalError" in event:
                errors += 1
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished.get("recorder") or {}
            for case_id, checks in (recorder.get("checks") or {}).items():
                if case_id not in cases:
                    cases.add(case_id)
                    per_phase[finished.get("phase", "?")] += 1
                for check in checks:
                    per_check[check["name"]][check["status"]] += 1
    failed = sum(counts.get("failure", 0) for counts in per_check.values())
    phases = ", ".join(f"{phase} {count}" for phase, count in sorted(per_phase.items()))
    print(f"fuzz ({dialect}): {len(cases)} cases ({phases}); checks run per case:")
    width = max((len(name) for name in per_check), default=10)
    for name in sorted(per_check):
        counts = per_check[name]
        total = sum(counts.values())
        print(
            f"  {name:<{width}}  {total:>6} run  {counts.get('success', 0):>6} passed"
            f"  {counts.get('failure', 0):>4} failed  {counts.get('skip', 0):>6} skipped"
        )
    print(f"fuzz ({dialect}): {failed} failed checks, {errors} errors")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
