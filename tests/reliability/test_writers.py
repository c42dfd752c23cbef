"""Two writers, real processes (issue 5, item 2): an agent appends 400 commits while an
operator compresses, imports, compiles and reverts, on SQLite (WAL, busy timeout) and on
PostgreSQL. Every appended commit must exist and be on ``main`` or accounted for by an event;
a compress after the agent appended applies onto its commits; a revert after it is refused
("branch moved") and nothing else fails; ``verify`` is clean and
compiles agree. ``python -m tests.reliability.report --only writers`` prints the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.report import markdown
from tests.reliability.writers import WriterReport, run_writers


def _assert_sound(report: WriterReport) -> None:
    print(f"\n{markdown([report.row()])}\noperator: {report.operator}")
    assert report.problems == []
    assert report.agent_commits == 400
    assert report.accounted.get("lost", 0) == 0
    assert report.operator.get("compress_applied", 0) >= 1
    assert report.operator.get("forced_head_moved_applied", 0) >= 1
    assert report.operator.get("refused_revert_moved", 0) >= 1


def test_agent_and_operator_on_sqlite(tmp_path: Path) -> None:
    _assert_sound(run_writers(str(tmp_path / "store.db"), tmp_path))


@pytest.mark.postgres
def test_agent_and_operator_on_postgres(tmp_path: Path, pg_url: str) -> None:
    _assert_sound(run_writers(pg_url, tmp_path))
