"""SIGKILL during ``tract-tui import FILE --store NEW --create`` (issue 9 §4): the target is
absent or a complete store, never an unusable file; a re-run succeeds and leaves no hidden
file behind. ``python -m tests.reliability.create_kills`` runs 30 kills for docs/reliability.md.
"""

from __future__ import annotations

from pathlib import Path

from tests.reliability.create_kills import run
from tests.reliability.report import markdown


def test_killed_creations_leave_no_unusable_store(tmp_path: Path) -> None:
    report = run(kills=8, seed=3, workdir=tmp_path)
    print(f"\n{markdown([report.row()])}")
    assert report.problems == []
    assert report.kills == 8 and report.aimed == 4
    assert report.outcomes.get("unusable", 0) == 0
