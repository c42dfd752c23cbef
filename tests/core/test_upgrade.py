"""Upgrading tract-ai stores of every schema version to v6 + our private head revision.

- The two shipped stores (real tract-ai v3 and v5 files, copied): every table's rows before
  and after, compressions → operation events, the VACUUM INTO backup, idempotence, and
  ``Store.open`` upgrading a SQLite file on its own.
- Stores built from the reference DDL of every other version (early v1, two intermediate v1
  layouts, v1, v2, v4, and v3/v5 too), each with realistic rows: counts preserved, the v6
  structure reached, refs converted, hashes still verifying.
- PostgreSQL: a v5 layout is refused with the upgrade command, then upgraded.
- The whole revision chain run from an empty database builds the same tables as a fresh store.
- A failing upgrade leaves the store exactly as it was; rows still in a -wal are kept.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from core.engine.hashing import commit_hash, content_hash, stored_payload_json
from core.errors import StoreError, StoreNeedsUpgradeError
from core.models.enums import CommitOperation, Priority
from core.models.records import BlobInfo, CommitInfo
from core.storage.connection import make_engine, parse_location, write_connection
from core.storage.our_names import ALEMBIC_VERSION_TABLE
from core.storage.store import Store, UpgradeReport, upgrade_store
from core.storage.versions import HEAD_REVISION
from tests.core._store_builders import (
    LAYOUTS,
    LEGACY_TABLES,
    V6_TABLES,
    Built,
    build_sqlite_store,
    build_v5_with_sqlalchemy,
    columns,
    count_rows,
    ro_uri,
    sqlite_counts,
    structure,
    unverified_blobs,
    unverified_commits,
)

UNCHANGED = (
    "blobs",
    "commits",
    "refs",
    "annotations",
    "commit_parents",
    "spawn_pointers",
    "policy_proposals",
    "policy_log",
)
PRIVATE_TABLES = {ALEMBIC_VERSION_TABLE, "tract_tui_blob_message_tokens"}


def sqlite_rows(path: Path, sql: str, *params: Any) -> list[tuple]:
    con = sqlite3.connect(ro_uri(path), uri=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def legacy_rows(path: Path) -> dict[str, list[tuple]]:
    tables = {r[0] for r in sqlite_rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    out: dict[str, list[tuple]] = {"compressions": [], "links": []}
    if "compressions" not in tables:
        return out
    out["compressions"] = sqlite_rows(
        path,
        "SELECT compression_id, tract_id, branch_name, created_at, original_tokens, "
        "compressed_tokens, target_tokens, instructions FROM compressions ORDER BY 1",
    )
    out["links"] = sorted(
        sqlite_rows(
            path, "SELECT compression_id, commit_hash, 'source', position FROM compression_sources"
        )
        + sqlite_rows(
            path, "SELECT compression_id, commit_hash, 'result', position FROM compression_results"
        )
    )
    return out


def assert_events_match_legacy(path: Path, legacy: dict[str, list[tuple]]) -> None:
    events = sqlite_rows(
        path,
        "SELECT event_id, tract_id, branch_name, created_at, original_tokens, compressed_tokens, "
        "event_type, params_json FROM operation_events ORDER BY 1",
    )
    assert len(events) == len(legacy["compressions"])
    for ev, old in zip(events, legacy["compressions"], strict=True):
        assert ev[:6] == old[:6]  # same id, tract, branch, created_at text, tokens
        assert ev[6] == "compress"
        target_tokens, instructions = old[6], old[7]
        expected = {
            k: v
            for k, v in (("target_tokens", target_tokens), ("instructions", instructions))
            if v is not None
        }
        if expected:
            assert json.loads(ev[7]) == expected
        else:
            assert ev[7] is None  # SQL NULL, not JSON null
    links = sorted(
        sqlite_rows(path, "SELECT event_id, commit_hash, role, position FROM operation_commits")
    )
    assert links == legacy["links"]


def assert_at_head(path: Path) -> None:
    assert sqlite_rows(path, "SELECT value FROM _trace_meta WHERE \"key\" = 'schema_version'") == [
        ("6",)
    ]
    assert sqlite_rows(path, f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}") == [
        (HEAD_REVISION,)
    ]


def append_commit(target: Path | str, built: Built) -> str:
    """Append one commit on main through the repositories, as our operations would."""
    when = datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
    payload = {"content_type": "dialogue", "name": None, "role": "user", "text": "and now?"}
    chash = content_hash(payload)
    parent = built.head
    h = commit_hash(
        content_hash=chash,
        parent_hash=parent,
        content_type="dialogue",
        operation=CommitOperation.APPEND,
        created_at=when,
    )
    with Store.open(target) as store, store.write() as uow:
        uow.blobs.insert_if_absent(
            BlobInfo(chash, payload, len(stored_payload_json(payload)), 4, when)
        )
        uow.commits.insert(
            CommitInfo(
                h,
                built.tract_id,
                parent,
                chash,
                "dialogue",
                CommitOperation.APPEND,
                None,
                None,
                4,
                None,
                None,
                when,
            )
        )
        uow.refs.set_direct(built.tract_id, "refs/heads/main", h)
        uow.annotations.add(built.tract_id, h, Priority.PINNED, "keep", when)
    return h


def sqlite_engine(path: Path) -> Engine:
    return create_engine(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def fresh_structure(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("fresh") / "fresh.db"
    Store.open(path, create=True).close()
    engine = sqlite_engine(path)
    try:
        return structure(engine)
    finally:
        engine.dispose()


# --- the shipped tract-ai stores ----------------------------------------------------------


@pytest.mark.parametrize("name", ["upstream_v3.db", "upstream_v5.db"])
def test_shipped_store_upgrade(name: str, fixture_store, fresh_structure: dict[str, Any]) -> None:
    path = fixture_store(name)
    old_version = sqlite_rows(path, "SELECT value FROM _trace_meta WHERE \"key\"='schema_version'")
    before = sqlite_counts(path)
    legacy = legacy_rows(path)
    refs_before = sorted(sqlite_rows(path, "SELECT * FROM refs"))
    commits_before = sorted(sqlite_rows(path, "SELECT * FROM commits"))

    report = upgrade_store(path)

    after = sqlite_counts(path)
    print(f"\n{name}: rows before {before}\n{name}: rows after  {after}")
    assert report.rows_before == before
    assert report.rows_after == after
    for table in UNCHANGED:
        assert after.get(table, 0) == before.get(table, 0), table
    assert after["_trace_meta"] == before["_trace_meta"]
    assert after["operation_events"] == before["compressions"]
    assert after["operation_commits"] == (
        before["compression_sources"] + before["compression_results"]
    )
    assert after["compile_records"] == after["compile_effectives"] == 0
    assert not set(LEGACY_TABLES) & set(after)
    assert set(after) == set(V6_TABLES) | PRIVATE_TABLES
    assert_events_match_legacy(path, legacy)
    assert_at_head(path)
    assert sorted(sqlite_rows(path, "SELECT * FROM refs")) == refs_before
    assert sorted(sqlite_rows(path, "SELECT * FROM commits")) == commits_before
    engine = sqlite_engine(path)
    try:
        assert structure(engine) == fresh_structure
        with engine.connect() as conn:
            assert unverified_commits(conn) == []
            assert unverified_blobs(conn) == []
    finally:
        engine.dispose()

    # The backup: beside the store, made by VACUUM INTO, an intact copy of the old version.
    assert report.backup is not None and report.backup.parent == path.parent
    assert report.backup.name.startswith(path.stem + ".backup-")
    assert sqlite_counts(report.backup) == before
    assert sqlite_rows(report.backup, "PRAGMA integrity_check") == [("ok",)]
    backup_version = "SELECT value FROM _trace_meta WHERE \"key\"='schema_version'"
    assert sqlite_rows(report.backup, backup_version) == old_version
    assert legacy_rows(report.backup) == legacy

    # Again: a no-op, no second backup, the file untouched.
    data = path.read_bytes()
    again = upgrade_store(path)
    assert again.backup is None
    assert again.rows_before == again.rows_after == after
    assert again.from_label == again.to_label
    assert path.read_bytes() == data
    assert len(list(path.parent.glob("*.backup-*"))) == 1


def test_first_write_upgrades_a_sqlite_file(fixture_store) -> None:
    """Opening and reading write nothing; the first write backs up and upgrades to v6."""
    path = fixture_store("upstream_v3.db")
    before = sorted(path.parent.iterdir())
    seen: list[UpgradeReport] = []
    with Store.open(path, on_upgrade=seen.append) as store:
        assert not store.version.at_head and not store.readonly
        with store.read() as uow:
            assert uow.commits.count(uow.commits.tract_ids()[0]) == 223
        assert store.upgrade_report is None and sorted(path.parent.iterdir()) == before
        with store.write() as uow:
            uow.meta.set("tract_tui.note", "first write")
        assert store.version.at_head
        report = store.upgrade_report
        assert report is not None and seen == [report]
        assert report.from_label == "tract-ai schema v3"
        assert "upgraded" in report.summary() and str(report.backup) in report.summary()
        assert report.backup is not None and report.backup.is_file()
        with store.read() as uow:
            [tract] = uow.commits.tract_ids()
            assert uow.commits.count(tract) == 223
            events = uow.events.list(tract)
            assert [e.event_type for e in events] == ["compress", "compress"]
            assert sorted(len(e.sources) for e in events) == [11, 34]
            assert all(len(e.results) == 1 for e in events)
            head = uow.refs.head_state(tract)[1]
            assert head is not None and len(uow.commits.first_parent_hashes(head)) > 1
    with Store.open(path) as store:
        assert store.upgrade_report is None


def test_upgrade_of_a_store_in_an_awkward_directory(tmp_path: Path, fixture_store) -> None:
    """A path with '#', '?', '%' and spaces: the backup must still be of this store."""
    src = fixture_store("upstream_v5.db")
    odd = tmp_path / "agent #1 ?draft% 50"
    odd.mkdir()
    path = odd / "my store?.db"
    src.rename(path)
    before = sqlite_counts(path)
    report = upgrade_store(path)
    assert report.backup is not None and report.backup.parent == odd
    assert sqlite_counts(report.backup) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent #1 ?draft% 50", "stores"]
    assert_at_head(path)


# --- stores built from the DDL of every version -------------------------------------------


@pytest.fixture(params=list(LAYOUTS))
def built(request: pytest.FixtureRequest, tmp_path: Path, shared_dir: Path) -> Built:
    return build_sqlite_store(tmp_path / f"{request.param}.db", request.param)


def test_built_store_upgrades(built: Built, fresh_structure: dict[str, Any]) -> None:
    path = built.path
    assert path is not None
    layout = built.layout
    before = sqlite_counts(path)
    assert before == built.expected_counts()  # the builder wrote what it says

    report = upgrade_store(path)

    after = sqlite_counts(path)
    for table, n in before.items():
        if table not in LEGACY_TABLES:
            # A bare early HEAD becomes refs/heads/main + a symbolic HEAD: one more ref.
            added = 1 if table == "refs" and layout.bare_head else 0
            assert after[table] == n + added, table
    for table in (
        "commit_parents",
        "spawn_pointers",
        "policy_proposals",
        "policy_log",
        "operation_events",
        "operation_commits",
        "compile_records",
        "compile_effectives",
    ):
        assert table in after
    native = built.v6_rows
    assert after["operation_events"] == len(built.compressions) + native.get("operation_events", 0)
    assert after["operation_commits"] == sum(
        len(c.sources) + len(c.results) for c in built.compressions
    ) + native.get("operation_commits", 0)
    assert after["compile_effectives"] == native.get("compile_effectives", 0)
    assert not set(LEGACY_TABLES) & set(after)
    assert_at_head(path)
    assert dict(sqlite_rows(path, 'SELECT "key", value FROM _trace_meta')) == {
        **built.meta,
        "schema_version": "6",
    }

    engine = sqlite_engine(path)
    try:
        assert structure(engine) == fresh_structure  # names, types, keys, index names/columns
        with engine.connect() as conn:
            assert unverified_commits(conn) == []
            assert unverified_blobs(conn) == []
        for table in ("commits", "refs", "annotations"):
            assert "repo_id" not in columns(engine, table)
        assert "reply_to" not in columns(engine, "commits")
    finally:
        engine.dispose()

    # Every commit row is the one written (hashes never rewritten), with the renamed columns.
    rows = {
        r[0]: r[1:]
        for r in sqlite_rows(
            path,
            "SELECT commit_hash, tract_id, parent_hash, response_to, operation, "
            "generation_config_json FROM commits",
        )
    }
    assert set(rows) == {c.commit_hash for c in built.commits.values()}
    for c in built.commits.values():
        tract, parent, edit_target, op, _gen = rows[c.commit_hash]
        assert (tract, parent, edit_target, op) == (
            built.tract_id,
            c.parent_hash,
            c.edit_target,
            c.operation.name,
        )
    edit = built.commits["edit"]
    assert edit.commit_hash == commit_hash(
        content_hash=edit.content_hash,
        parent_hash=edit.parent_hash,
        content_type=edit.content_type,
        operation=CommitOperation.EDIT,
        created_at=edit.created_at,
        response_to=edit.edit_target,
        edit_key=layout.edit_col,
    )

    # Refs: tract-ai v1+ conventions everywhere.
    refs = {
        r[0]: r[1:]
        for r in sqlite_rows(
            path,
            "SELECT ref_name, commit_hash, symbolic_target FROM refs WHERE tract_id = ?",
            built.tract_id,
        )
    }
    assert refs["HEAD"] == (None, "refs/heads/main")
    assert refs["refs/heads/main"] == (built.head, None)
    if not layout.bare_head:
        assert refs == built.refs

    # The store reads through the repositories.
    with Store.open(path) as store, store.read() as uow:
        assert uow.refs.head_state(built.tract_id)[1] == built.head
        assert uow.commits.count(built.tract_id) == len(built.commits)
        in_force = uow.annotations.in_force([built.h("call"), built.h("system")])
        assert in_force[built.h("call")].priority.name == "NORMAL"
        assert in_force[built.h("system")].priority.name == "PINNED"
        assert uow.commits.edits_of([built.h("answer")])[built.h("answer")][0].commit_hash == (
            built.h("edit")
        )
        for comp in built.compressions:
            event = uow.events.get(comp.compression_id)
            assert event is not None
            assert (event.sources, event.results) == (comp.sources, comp.results)
            assert event.params == comp.expected_params
        if layout.merges:
            assert uow.parents.parents_of([built.h("merge")]) == {
                built.h("merge"): (built.h("ok"), built.h("out"))
            }
    # ... and takes new writes the way tract-ai would read them.
    new_head = append_commit(path, built)
    assert sqlite_rows(
        path,
        "SELECT commit_hash FROM refs WHERE tract_id = ? AND ref_name = ?",
        built.tract_id,
        "refs/heads/main",
    ) == [(new_head,)]

    # The backup is the old layout, intact.
    assert report.backup is not None
    assert sqlite_counts(report.backup) == before
    backup_engine = sqlite_engine(report.backup)
    try:
        assert layout.tract_col in columns(backup_engine, "commits")
        assert layout.edit_col in columns(backup_engine, "commits")
    finally:
        backup_engine.dispose()

    # And again: nothing to do.
    data = path.read_bytes()
    assert upgrade_store(path).backup is None
    assert path.read_bytes() == data


def test_early_v1_is_recognised_by_its_columns(tmp_path: Path, shared_dir: Path) -> None:
    for name in ("v1early", "v1mid_tract_id", "v1mid_bare_head", "v1"):
        built = build_sqlite_store(tmp_path / f"{name}.db", name)
        report = upgrade_store(built.path)
        expected = "tract-ai schema v1" + (" (early layout)" if built.layout.early else "")
        assert report.from_label == expected, name


def test_early_v1_upgrade_renames_and_converts(tmp_path: Path, shared_dir: Path) -> None:
    built = build_sqlite_store(tmp_path / "early.db", "v1early")
    path = built.path
    assert path is not None
    assert sqlite_rows(path, "SELECT ref_name, commit_hash, symbolic_target FROM refs") == [
        ("HEAD", built.head, None)
    ]
    upgrade_store(path)
    engine = sqlite_engine(path)
    try:
        cols = columns(engine, "commits")
        assert {"tract_id", "response_to", "generation_config_json"} <= set(cols)
        assert columns(engine, "refs")[0] == "tract_id"
        assert "tract_id" in columns(engine, "annotations")
        indexes = {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("commits")}
    finally:
        engine.dispose()
    assert indexes == {
        "ix_commits_tract_id": ["tract_id"],
        "ix_commits_tract_type": ["tract_id", "content_type"],
        "ix_commits_tract_time": ["tract_id", "created_at"],
        "ix_commits_response_to": ["response_to"],
        "tract_tui_ix_commits_parent_hash": ["parent_hash"],
        "tract_tui_ix_commits_content_hash": ["content_hash"],
    }
    assert sorted(sqlite_rows(path, "SELECT ref_name, commit_hash, symbolic_target FROM refs")) == [
        ("HEAD", None, "refs/heads/main"),
        ("refs/heads/main", built.head, None),
    ]
    # The added column is NULL for old commits (tract-ai reads NULL and JSON null alike).
    assert sqlite_rows(
        path, "SELECT COUNT(*) FROM commits WHERE generation_config_json IS NULL"
    ) == [(len(built.commits),)]
    # The EDIT's hash uses the early "reply_to" key, and still verifies.
    edit = built.commits["edit"]
    kwargs = dict(
        content_hash=edit.content_hash,
        parent_hash=edit.parent_hash,
        content_type=edit.content_type,
        operation=CommitOperation.EDIT,
        created_at=edit.created_at,
        response_to=edit.edit_target,
    )
    assert edit.commit_hash == commit_hash(**kwargs, edit_key="reply_to")
    assert edit.commit_hash != commit_hash(**kwargs)


def test_compression_params_become_event_params(tmp_path: Path, shared_dir: Path) -> None:
    built = build_sqlite_store(tmp_path / "v4.db", "v4")
    upgrade_store(built.path)
    params = dict(sqlite_rows(built.path, "SELECT event_id, params_json FROM operation_events"))
    by_id = {c.compression_id: c for c in built.compressions}
    keep = next(c for c in built.compressions if c.instructions == "keep names")
    assert json.loads(params[keep.compression_id]) == {
        "target_tokens": 500,
        "instructions": "keep names",
    }
    neither = next(c for c in built.compressions if c.target_tokens is None)
    assert params[neither.compression_id] is None
    only = next(c for c in built.compressions if c.target_tokens == 200)
    assert json.loads(params[only.compression_id]) == {"target_tokens": 200}
    assert set(params) == set(by_id)


# --- PostgreSQL ---------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_store_behind_head_is_refused_then_upgraded(
    pg_url: str, pg_admin_engine, pg_schema: str
) -> None:
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        built = build_v5_with_sqlalchemy(engine)
        before = count_rows(engine)
    finally:
        engine.dispose()
    assert before == built.expected_counts()

    with pytest.raises(StoreNeedsUpgradeError) as info:
        Store.open(pg_url)
    message = str(info.value)
    shown = make_url(pg_url).render_as_string(hide_password=True)
    assert "\n" not in message
    assert f"tract-tui upgrade '{shown}'" in message
    password = make_url(pg_url).password
    if password:
        assert ":***@" in message and f":{password}@" not in message
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        assert count_rows(engine) == before  # refused: nothing created, nothing changed
        assert not inspect(engine).has_table(ALEMBIC_VERSION_TABLE)
    finally:
        engine.dispose()

    report = upgrade_store(pg_url)
    assert report.backup is None
    assert report.from_label == "tract-ai schema v5"
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        after = count_rows(engine)
        for table in UNCHANGED:
            assert after[table] == before[table], table
        assert after["operation_events"] == len(built.compressions)
        assert not set(LEGACY_TABLES) & set(after)
        with engine.connect() as conn:
            assert unverified_commits(conn) == []
            assert unverified_blobs(conn) == []
            meta = dict(conn.execute(text('SELECT "key", value FROM _trace_meta')).all())
            assert meta["schema_version"] == "6"
            events = {
                r[0]: r[1:]
                for r in conn.execute(
                    text(
                        "SELECT event_id, event_type, params_json::text, "
                        "to_char(created_at, 'YYYY-MM-DD HH24:MI:SS.US') FROM operation_events"
                    )
                )
            }
            links = sorted(
                tuple(r)
                for r in conn.execute(
                    text("SELECT event_id, role, position, commit_hash FROM operation_commits")
                )
            )
        for comp in built.compressions:
            event_type, params, created = events[comp.compression_id]
            assert event_type == "compress" and created == comp.created_at
            assert (json.loads(params) if params is not None else None) == comp.expected_params
        assert links == sorted(
            [
                (c.compression_id, "source", i, h)
                for c in built.compressions
                for i, h in enumerate(c.sources)
            ]
            + [
                (c.compression_id, "result", i, h)
                for c in built.compressions
                for i, h in enumerate(c.results)
            ]
        )
    finally:
        engine.dispose()

    with Store.open(pg_url) as store:
        assert store.version.at_head
        with store.read() as uow:
            assert uow.refs.head_state(built.tract_id)[1] == built.head
    new_head = append_commit(pg_url, built)
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        with engine.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT operation::text FROM commits WHERE commit_hash = :h"),
                    {"h": new_head},
                ).scalar_one()
                == "APPEND"
            )
            assert unverified_commits(conn) == []
            assert unverified_blobs(conn) == []
        after = count_rows(engine)
    finally:
        engine.dispose()
    again = upgrade_store(pg_url)
    assert again.from_label == again.to_label and again.rows_before == again.rows_after == after


@pytest.mark.postgres
def test_postgres_store_open_upgrades_when_asked(pg_url: str) -> None:
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        built = build_v5_with_sqlalchemy(engine)
    finally:
        engine.dispose()
    with Store.open(pg_url, auto_upgrade=True) as store:
        assert store.version.at_head
        with store.read() as uow:
            assert uow.events.count(built.tract_id) == len(built.compressions)
            assert uow.refs.head_state(built.tract_id)[1] == built.head


# --- the chain from nothing ---------------------------------------------------------------


def test_chain_from_an_empty_database_builds_a_fresh_store(
    store_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """tract-ai's steps from an empty early-v1 layout, then ours, build what create builds."""
    from core.storage.migrations import legacy

    location = parse_location(store_url)
    engine = make_engine(location, pool=False)
    try:
        with write_connection(engine) as conn:
            md, _ = legacy.early_v1_tables()
            md.create_all(conn)
            conn.execute(text("INSERT INTO _trace_meta VALUES ('schema_version', '1')"))
        upgrade_store(store_url, backup=False)
        chained = structure(engine)
        with engine.connect() as conn:
            meta = dict(conn.execute(text('SELECT "key", value FROM _trace_meta')).all())
            revision = conn.execute(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}"))
            revision = revision.scalar_one()
    finally:
        engine.dispose()
    assert meta == {"schema_version": "6"}
    assert revision == HEAD_REVISION
    assert not set(LEGACY_TABLES) & set(chained)

    fresh_url = (
        str(tmp_path / "fresh.db")
        if location.is_sqlite
        else request.getfixturevalue("pg_url_factory")()
    )
    with Store.open(fresh_url, create=True) as fresh:
        assert chained == structure(fresh.engine)
    with Store.open(store_url) as store:
        assert store.version.at_head and store.upgrade_report is None


# --- atomicity and multi-tract ------------------------------------------------------------


def test_failed_upgrade_leaves_the_store_as_it_was(tmp_path: Path, shared_dir: Path) -> None:
    """Every step runs in one transaction: a failure half-way leaves the old version intact."""
    built = build_sqlite_store(tmp_path / "v3.db", "v3")
    path = built.path
    con = sqlite3.connect(path)  # a dangling legacy link (foreign keys off, as some tools do)
    con.execute(
        "INSERT INTO compression_sources (compression_id, commit_hash, position) VALUES (?, ?, 9)",
        (built.compressions[0].compression_id, "d" * 64),
    )
    con.commit()
    con.close()
    before = sqlite_counts(path)
    ddl = sorted(sqlite_rows(path, "SELECT type, name, sql FROM sqlite_master"))
    with pytest.raises(StoreError) as info:
        upgrade_store(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message and "v3" in message
    assert sqlite_counts(path) == before
    assert sorted(sqlite_rows(path, "SELECT type, name, sql FROM sqlite_master")) == ddl
    assert sqlite_rows(path, "SELECT value FROM _trace_meta WHERE \"key\" = 'schema_version'") == [
        ("3",)
    ]


def test_early_v1_with_several_tracts(tmp_path: Path, shared_dir: Path) -> None:
    others = ["b" * 32, "c" * 32]
    built = build_sqlite_store(tmp_path / "multi.db", "v1early", more_tracts=others)
    heads = dict(sqlite_rows(built.path, "SELECT repo_id, commit_hash FROM refs"))
    assert set(heads) == {built.tract_id, *others}
    upgrade_store(built.path)
    refs = sorted(sqlite_rows(built.path, "SELECT * FROM refs"))
    assert refs == sorted(
        [(t, "HEAD", None, "refs/heads/main") for t in heads]
        + [(t, "refs/heads/main", h, None) for t, h in heads.items()]
    )
    engine = sqlite_engine(built.path)
    try:
        with engine.connect() as conn:
            assert unverified_commits(conn) == []
            assert unverified_blobs(conn) == []
    finally:
        engine.dispose()


def test_upgrade_keeps_transactions_still_in_the_wal(fixture_store, tmp_path: Path) -> None:
    """tract-ai killed mid-session leaves committed rows only in -wal: they must survive."""
    live = fixture_store("upstream_v5.db", "live.db")
    writer = sqlite3.connect(live)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")
        target = writer.execute("SELECT commit_hash FROM commits LIMIT 1").fetchone()[0]
        writer.execute(
            "INSERT INTO annotations (tract_id, target_hash, priority, reason, created_at) "
            "SELECT tract_id, commit_hash, 'SKIP', 'late', '2026-11-26 08:31:00.000001' "
            "FROM commits WHERE commit_hash = ?",
            (target,),
        )
        writer.commit()
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for suffix in ("", "-wal", "-shm"):  # the files as a crash would leave them
            shutil.copyfile(f"{live}{suffix}", crashed / f"store.db{suffix}")
    finally:
        writer.close()
    path = crashed / "store.db"
    assert Path(f"{path}-wal").stat().st_size > 0
    report = upgrade_store(path)
    assert report.rows_before["annotations"] == report.rows_after["annotations"] == 6
    assert sqlite_counts(report.backup)["annotations"] == 6
    assert sqlite_rows(path, "SELECT reason FROM annotations WHERE reason = 'late'") == [("late",)]


def test_revision_list_matches_the_shipped_migrations() -> None:
    """versions.REVISIONS drives detection; it must list every migration script, in order."""
    from core.storage.migrate import script_revisions
    from core.storage.versions import OURS_REVISIONS

    assert script_revisions() == OURS_REVISIONS
    assert OURS_REVISIONS[-1] == HEAD_REVISION
