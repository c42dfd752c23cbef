"""Plant a known bug, run the tests meant to catch it, put the code back (issue 16 §2, §7).

    python -m tests.reliability.planted_bugs            # every bug, one at a time
    python -m tests.reliability.planted_bugs --only reproduce_as_a_set

Each bug is a one-line edit of the real code (the kind of slip the issue found passing the
whole suite). For each: the file is edited, the named tests run (``pytest -x -q``), the file is
restored byte for byte, and the outcome is printed: "caught" when pytest failed, "MISSED"
when it passed. Exits 1 if any bug was missed. Run it on a clean tree: it refuses when a file it
would edit has uncommitted changes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Planted:
    name: str
    path: str
    good: str
    bad: str
    tests: tuple[str, ...]


BUGS = (
    Planted(
        "verify_skips_merge_hashes",
        "core/storage/integrity/scans.py",
        "        if h not in commit_hash_candidates(**fields, merge_parents=merge_parents, "
        "edit_keys=keys):",
        "        if not merge_parents and h not in commit_hash_candidates("
        "**fields, merge_parents=merge_parents, edit_keys=keys):",
        ("tests/core/test_verify.py::test_a_rewired_merge_parent_is_a_hash_mismatch",),
    ),
    Planted(
        "compress_counts_the_last_group_only",
        "core/operations/compress.py",
        "            compressed += ctx.counter.count_text(summary.text)",
        "            compressed = ctx.counter.count_text(summary.text)",
        ("tests/core/test_compress.py::test_an_event_of_several_groups_counts_every_summary",),
    ),
    Planted(
        "reproduce_as_a_set",
        "core/operations/records.py",
        "        matches=recorded == got,",
        "        matches=set(recorded) == set(got),",
        (
            "tests/core/test_records.py::test_a_record_with_two_positions_swapped_does_not_reproduce",
        ),
    ),
    Planted(
        "time_travel_excludes_the_exact_time",
        "core/engine/snapshot.py",
        "            sequence = [r for r in sequence if r.time <= at_time]",
        "            sequence = [r for r in sequence if r.time < at_time]",
        ("tests/core/test_history.py::test_12_time_travel_to_the_exact_time_of_a_commit",),
    ),
    Planted(
        "tui_compress_starts_before_the_cursor",
        "tract_tui/screens/main.py",
        "            self.session, message.from_ref, message.to_ref, activity=self.set_activity",
        '            self.session, message.from_ref and f"{message.from_ref}~1", message.to_ref, '
        "activity=self.set_activity",
        ("tests/tui/test_actions_compress.py::test_compress_extractive_cursor_to_head",),
    ),
    Planted(
        "rebase_records_no_heads",
        "core/operations/reorganize.py",
        '        "head_before": head,\n        "head_after": replay.head,\n',
        "",
        ("tests/core/test_reorganize.py::test_a_rebase_is_reverted_and_restores_the_branch",),
    ),
)


def run(bug: Planted) -> bool:
    """True when the tests caught the bug."""
    path = ROOT / bug.path
    original = path.read_bytes()
    text = original.decode("utf-8")
    if text.count(bug.good) != 1:
        raise SystemExit(f"{bug.name}: the line to change is not in {bug.path} exactly once")
    try:
        path.write_text(text.replace(bug.good, bug.bad), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *bug.tests],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        path.write_bytes(original)
    return done.returncode != 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated bug names")
    args = ap.parse_args(argv)
    chosen = [b for b in BUGS if not args.only or b.name in args.only.split(",")]
    dirty = subprocess.run(
        ["git", "status", "--porcelain", *{b.path for b in chosen}],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if dirty:
        raise SystemExit(f"uncommitted changes in files a bug would edit:\n{dirty}")
    missed = 0
    for bug in chosen:
        caught = run(bug)
        missed += not caught
        print(f"{'caught' if caught else 'MISSED'}  {bug.name}  ({bug.path})", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
