"""SIGKILL at random moments of compress, import, revert and upgrade (issue 5, item 3).

62 kills on SQLite (``crash.SQLITE_PLAN``; about 25 s on a 2-core machine) and a smaller set
on PostgreSQL. After each kill ``crash_checks`` requires: the store opens, ``verify`` is
clean, the operation's event is complete or absent (nothing half-written), no branch lost a
commit; an interrupted upgrade leaves the store all old or all new and every backup intact.
``python -m tests.reliability.report --only crashes`` prints the same figures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.crash import POSTGRES_PLAN, SQLITE_PLAN, CampaignReport, run_campaign
from tests.reliability.crash_stores import PostgresProvider, SqliteProvider
from tests.reliability.report import markdown

WRITING_OPS = ("compress", "import", "revert")


def _report(report: CampaignReport) -> None:
    print(f"\n{markdown(report.rows())}\n{len(report.kills)} kills in {report.elapsed_s:.1f} s")


def test_sigkill_campaign_on_sqlite(tmp_path: Path, shipped_stores: Path) -> None:
    report = run_campaign(SqliteProvider(tmp_path), SQLITE_PLAN)
    _report(report)
    assert report.problems == []
    assert len(report.kills) == sum(SQLITE_PLAN.values()) >= 50
    died = {op: {k.phase for k in report.kills if k.op == op} for op in SQLITE_PLAN}
    for op in (*WRITING_OPS, "upgrade-big-v3"):
        assert "in write transaction" in died[op], f"no {op} kill landed mid-transaction"
    aimed = [k.phase for k in report.kills if k.op == "upgrade-big-v3@backup"]
    assert aimed.count("in backup") >= len(aimed) // 2, aimed
    outcomes = {k.outcome for k in report.kills}
    assert outcomes <= {"absent", "complete", "old", "new"}


@pytest.mark.postgres
def test_sigkill_campaign_on_postgres(tmp_path: Path, pg_fresh: Callable[[], str]) -> None:
    report = run_campaign(PostgresProvider(tmp_path, pg_fresh), POSTGRES_PLAN)
    _report(report)
    assert report.problems == []
    assert len(report.kills) == sum(POSTGRES_PLAN.values())
    assert {k.outcome for k in report.kills} <= {"absent", "complete", "old", "new"}
