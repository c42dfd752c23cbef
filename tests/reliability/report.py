"""Reproduce the reliability figures (issue 5) and print them as Markdown tables.

    python -m tests.reliability.report                       # SQLite (+ PostgreSQL if
                                                             #   TRACT_TEST_POSTGRES_URL is set)
    python -m tests.reliability.report --postgres URL --only crashes
    python -m tests.reliability.report --keep DIR            # keep the stores and logs

Runs the same code as the tests (``tests/reliability/test_*.py``,
``tests/tui/test_live_writer.py``): the two-writer scenario, the SIGKILL campaign and the TUI
beside a live writer. PostgreSQL runs use fresh schemas of the given database, dropped
afterwards. Exits 1 if any run found a problem (and lists them).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

POSTGRES_ENV = "TRACT_TEST_POSTGRES_URL"
PARTS = ("writers", "crashes", "tui")


def markdown(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(no rows)"
    keys = list(rows[0])

    def cell(value: Any) -> str:
        if isinstance(value, dict):
            return ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        return str(value)

    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(cell(r.get(k, "")) for k in keys) + " |" for r in rows]
    return "\n".join(lines)


@contextmanager
def postgres_schemas(base_url: str) -> Iterator[Callable[[], str]]:
    """Fresh schemas in ``base_url``'s database (each a URL with its search_path)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    engine = create_engine(base_url, poolclass=NullPool)
    made: list[str] = []

    def new_url() -> str:
        name = f"t_rel_{uuid.uuid4().hex[:20]}"
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={name}"})
        return url.render_as_string(hide_password=False)

    try:
        yield new_url
    finally:
        for name in made:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


def run(parts: tuple[str, ...], workdir: Path, postgres: str | None) -> list[str]:
    from tests.reliability.crash import POSTGRES_PLAN, SQLITE_PLAN, run_campaign
    from tests.reliability.crash_stores import PostgresProvider, SqliteProvider
    from tests.reliability.writers import run_writers

    problems: list[str] = []
    if "writers" in parts:
        rows, extra = [], []
        report = run_writers(
            str(workdir / "writers-sqlite" / "store.db"), workdir / "writers-sqlite"
        )
        rows.append(report.row())
        extra.append(("sqlite", report))
        if postgres:
            with postgres_schemas(postgres) as new_url:
                report = run_writers(new_url(), workdir / "writers-postgres")
            rows.append(report.row())
            extra.append(("postgresql", report))
        print("\n### Two writers: agent appending while an operator rewrites\n")
        print(markdown(rows))
        for backend, r in extra:
            print(
                f"\n{backend}: agent {r.agent_commits} commits in {r.agent_elapsed_s:.1f} s "
                f"(commit median {r.agent_commit_ms_median} ms, max {r.agent_commit_ms_max} ms); "
                f"{r.compress_events} compress events; {r.records_reproduced} compile records "
                f"reproduce; verify checked {r.verify_rows} rows; operator counts {r.operator}"
            )
            problems += [f"writers/{backend}: {p}" for p in r.problems]
    if "crashes" in parts:
        reports = [run_campaign(SqliteProvider(workdir / "crash-sqlite"), SQLITE_PLAN)]
        if postgres:
            with postgres_schemas(postgres) as new_url:
                provider = PostgresProvider(workdir / "crash-postgres", new_url)
                reports.append(run_campaign(provider, POSTGRES_PLAN))
        print("\n### SIGKILL campaign\n")
        print(markdown([row for r in reports for row in r.rows()]))
        for r in reports:
            print(f"\n{r.backend}: {len(r.kills)} kills in {r.elapsed_s:.1f} s")
            problems += [f"crashes/{r.backend}: {p}" for p in r.problems]
    if "tui" in parts:
        from tests.reliability.tui_live import measure_live_writer

        live = asyncio.run(measure_live_writer(workdir / "tui"))
        print("\n### TUI beside a live writer (agent every 50 ms, poll 0.5 s)\n")
        print(markdown([live.row()]))
        problems += [f"tui: {p}" for p in live.problems]
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--postgres", default=os.environ.get(POSTGRES_ENV), help="base database URL")
    ap.add_argument("--only", default=",".join(PARTS), help="comma-separated: " + ",".join(PARTS))
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = ap.parse_args(argv)
    parts = tuple(p for p in args.only.split(",") if p)
    unknown = set(parts) - set(PARTS)
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        problems = run(parts, args.keep, args.postgres)
    else:
        with tempfile.TemporaryDirectory(prefix="tract-reliability-") as tmp:
            problems = run(parts, Path(tmp), args.postgres)
    print(f"\ntotal {time.perf_counter() - started:.1f} s; problems: {len(problems)}")
    for p in problems:
        print(f"- {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
