"""PostgreSQL as the shared store: several processes at once, and a long-lived connection.

- Two real processes upgrading one legacy (v5) store at the same moment: the migration's
  advisory lock lets one upgrade and the other find the store already at head. The test holds
  the lock itself until both processes are waiting on it, so the race happens on every run.
- Two processes creating a store in one empty schema at the same moment: one creates, the
  other opens what it made (each gets its own tract).
- Pre-ping: the server ends the app's pooled connection; the next read reconnects.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from core import Tract, create_tract
from core.storage.connection import lock_key, make_engine, parse_location
from core.storage.migrate import MIGRATION_LOCK
from core.storage.our_names import ALEMBIC_VERSION_TABLE
from core.storage.store import Store
from core.storage.versions import HEAD_REVISION
from tests.core._store_builders import build_v5_with_sqlalchemy, count_rows

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]

# Each worker says "ready" once imported and connected, then acts when told "go".
UPGRADE = """
import json, sys
from core.storage.store import upgrade_store
url = sys.argv[1]
print("ready", flush=True)
sys.stdin.readline()
report = upgrade_store(url)
print(json.dumps({"from": report.from_label, "to": report.to_label,
                  "before": report.rows_before, "after": report.rows_after}), flush=True)
"""

CREATE = """
import json, sys
from core import create_tract
url = sys.argv[1]
print("ready", flush=True)
sys.stdin.readline()
with create_tract(url) as t:
    t.user("hello from " + sys.argv[2])
    print(json.dumps({"tract": t.tract_id}), flush=True)
"""


def _waiting_on(admin: Engine, name: str) -> int:
    """How many sessions wait for the advisory lock ``name`` in this database."""
    unsigned = lock_key(name) & 0xFFFF_FFFF_FFFF_FFFF
    with admin.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND database = (SELECT oid FROM pg_database "
                    "WHERE datname = current_database()) "
                    "AND classid = :hi AND objid = :lo AND objsubid = 1"
                ),
                {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF},
            ).scalar_one()
        )


def race(admin: Engine, script: str, url: str, n: int = 2) -> list[dict[str, Any]]:
    """Run ``n`` processes of ``script`` against ``url``, all released at once while this
    test holds the migration lock; returns what each printed last (as JSON)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, url, str(i)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(n)
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        with admin.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": lock_key(MIGRATION_LOCK)})
            for p in procs:
                assert p.stdin is not None
                p.stdin.write("go\n")
                p.stdin.flush()
            deadline = time.monotonic() + 30
            while _waiting_on(admin, MIGRATION_LOCK) < n:  # both blocked on the lock
                assert time.monotonic() < deadline, "the processes never reached the lock"
                assert all(p.poll() is None for p in procs), "a process ended before the lock"
                time.sleep(0.05)
            holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(MIGRATION_LOCK)})
            holder.commit()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def test_two_processes_upgrade_one_legacy_store_once(pg_url: str, pg_admin_engine: Engine) -> None:
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        built = build_v5_with_sqlalchemy(engine)
        before = count_rows(engine)
    finally:
        engine.dispose()

    reports = race(pg_admin_engine, UPGRADE, pg_url)

    upgraded = [r for r in reports if r["from"] != r["to"]]
    assert len(upgraded) == 1, reports  # the other one found the store at head
    assert upgraded[0]["from"] == "tract-ai schema v5"
    assert {r["to"] for r in reports} == {f"tract-ai schema v6 + tract-tui {HEAD_REVISION}"}
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        after = count_rows(engine)
        with engine.connect() as conn:
            versions = conn.execute(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}"))
            assert versions.all() == [(HEAD_REVISION,)]
            meta = conn.execute(text('SELECT "key", value FROM _trace_meta')).all()
            event_ids = [r[0] for r in conn.execute(text("SELECT event_id FROM operation_events"))]
    finally:
        engine.dispose()
    assert upgraded[0]["after"] == after
    for table in ("blobs", "commits", "refs", "annotations", "commit_parents", "spawn_pointers"):
        assert after[table] == before[table], table
    assert dict(meta)["schema_version"] == "6" and len(meta) == before["_trace_meta"]
    assert sorted(event_ids) == sorted(c.compression_id for c in built.compressions)
    assert after["operation_commits"] == sum(
        len(c.sources) + len(c.results) for c in built.compressions
    )
    with Store.open(pg_url) as store, store.read() as uow:
        assert store.version.at_head
        assert uow.refs.head_state(built.tract_id)[1] == built.head


def test_two_processes_create_one_store_at_once(pg_url: str, pg_admin_engine: Engine) -> None:
    reports = race(pg_admin_engine, CREATE, pg_url)

    made = {r["tract"] for r in reports}
    assert len(made) == 2
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {ALEMBIC_VERSION_TABLE}")).scalar() == 1
            meta = conn.execute(text('SELECT "key", value FROM _trace_meta')).all()
            tracts = {r[0] for r in conn.execute(text("SELECT DISTINCT tract_id FROM commits"))}
    finally:
        engine.dispose()
    assert meta == [("schema_version", "6")]
    assert tracts == made


def _backend_pid(t: Tract) -> int:
    with t.store.read() as uow:
        return int(uow.conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        deadline = time.monotonic() + 10
        # pg_stat_activity is a snapshot taken once per transaction: end it before each look.
        while conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}
        ).scalar():
            conn.rollback()
            assert time.monotonic() < deadline, "the server did not end the connection"
            time.sleep(0.02)


def test_pre_ping_replaces_a_connection_the_server_ended(
    pg_url: str, pg_admin_engine: Engine
) -> None:
    with create_tract(pg_url) as t:
        first = t.user("before the server dropped us").commit_hash
        pid = _backend_pid(t)  # the pool hands the same connection back every time
        assert _backend_pid(t) == pid
        _terminate(pg_admin_engine, pid)

        assert [c.commit_hash for c in t.log()] == [first]  # the next read just works
        assert _backend_pid(t) != pid
        t.user("and writes too")
        assert len(t.log()) == 2

    # Control: the same kill breaks an engine without pre-ping, so the test above is real.
    bare = create_engine(pg_url)
    try:
        with bare.connect() as conn:
            pid = int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
        _terminate(pg_admin_engine, pid)
        with pytest.raises(OperationalError), bare.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        bare.dispose()
