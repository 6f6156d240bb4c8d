"""The tests of several pytest runs added up (scripts/test.sh runs two).

Each run writes its counts to the file named by CRM_TEST_TALLY
(tests/conftest.py); ``python -m tests.tally FILE...`` prints their sum, the
last line in pytest's own words: ``pytest: N passed, N failed, N skipped``
(errors count as failures there)."""

import json
import sys
from pathlib import Path

OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")


def counts(stats):
    """A terminal reporter's stats as counts per outcome, as pytest's closing line counts them."""
    return {outcome: len(stats.get(outcome, ())) for outcome in OUTCOMES}


def main(paths):
    total = dict.fromkeys(OUTCOMES, 0)
    missing = []
    for path in map(Path, paths):
        if not path.exists():
            missing.append(str(path))
            continue
        for outcome, number in json.loads(path.read_text()).items():
            total[outcome] = total.get(outcome, 0) + number
    if missing:
        print(f"no counts from: {', '.join(missing)} (that pytest did not finish)")
    print("all runs: " + ", ".join(f"{total[outcome]} {outcome}" for outcome in OUTCOMES))
    print(f"pytest: {total['passed']} passed, {total['failed'] + total['error']} failed, {total['skipped']} skipped")
    return 1 if missing or total["failed"] or total["error"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
