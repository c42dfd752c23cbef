"""A store we create is a valid tract-ai v6 store: the DDL of its 13 v6 tables is
tract-ai's v6 DDL (from the reference material).

Statements are parsed (table → column/constraint lines in order, index → definition) and
compared part by part, so only whitespace is normalised: a changed type, nullability, default,
constraint, column order or index column fails. Our own additions are exactly the three
private indexes (and private tables), and nothing of v6 changes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from core.models.enums import Priority
from core.storage.our_names import ALEMBIC_VERSION_TABLE, PRIVATE_PREFIX
from core.storage.store import Store
from core.storage.versions import HEAD_REVISION
from tests.core._helpers import insert_root_instruction
from tests.core._store_builders import (
    V6_TABLES,
    parse_reference_ddl,
    parse_sqlite_ddl,
    structure,
)

PRIVATE_INDEXES = {
    "tract_tui_ix_commits_parent_hash": "CREATE INDEX tract_tui_ix_commits_parent_hash ON commits "
    "(parent_hash)",
    "tract_tui_ix_commits_content_hash": "CREATE INDEX tract_tui_ix_commits_content_hash ON "
    "commits (content_hash)",
    "tract_tui_ix_commit_parents_parent": "CREATE INDEX tract_tui_ix_commit_parents_parent ON "
    "commit_parents (parent_hash)",
    "tract_tui_ix_compile_effectives_commit": "CREATE INDEX tract_tui_ix_compile_effectives_commit "
    "ON compile_effectives (commit_hash)",
}


@pytest.fixture
def new_sqlite_store(tmp_path: Path, shared_dir: Path) -> Path:
    path = tmp_path / "new.db"
    Store.open(path, create=True).close()
    return path


def test_v6_tables_match_reference_ddl_line_for_line(new_sqlite_store: Path) -> None:
    ref = parse_reference_ddl("v6")
    ours = parse_sqlite_ddl(new_sqlite_store)
    assert set(ref.tables) == set(V6_TABLES)
    for table in V6_TABLES:
        assert ours.tables.get(table) == ref.tables[table], table


def test_v6_indexes_match_reference_plus_exactly_our_private_ones(new_sqlite_store: Path) -> None:
    ref = parse_reference_ddl("v6")
    ours = parse_sqlite_ddl(new_sqlite_store)
    on_v6 = {
        name: stmt for name, stmt in ours.indexes.items() if ours.index_tables()[name] in V6_TABLES
    }
    public = {n: s for n, s in on_v6.items() if not n.startswith(PRIVATE_PREFIX)}
    private = {n: s for n, s in on_v6.items() if n.startswith(PRIVATE_PREFIX)}
    assert public == ref.indexes
    assert private == PRIVATE_INDEXES


def test_our_additions_are_private(new_sqlite_store: Path) -> None:
    ours = parse_sqlite_ddl(new_sqlite_store)
    extra_tables = set(ours.tables) - set(V6_TABLES)
    assert extra_tables, "the alembic version table at least"
    assert all(t.startswith(PRIVATE_PREFIX) for t in extra_tables), extra_tables
    extra_indexes = set(ours.indexes) - set(parse_reference_ddl("v6").indexes)
    assert all(i.startswith(PRIVATE_PREFIX) for i in extra_indexes), extra_indexes
    # Private tables never put a plain FK on commits/blobs (tract-ai's GC deletes them).
    con = sqlite3.connect(new_sqlite_store)
    try:
        for table in extra_tables:
            for fk in con.execute(f'PRAGMA foreign_key_list("{table}")'):
                assert fk[2] not in ("commits", "blobs") or fk[6] == "CASCADE", (table, fk)
    finally:
        con.close()


def test_schema_version_is_six_and_revision_is_ours(new_sqlite_store: Path) -> None:
    con = sqlite3.connect(new_sqlite_store)
    try:
        meta = dict(con.execute('SELECT "key", value FROM _trace_meta'))
        revision = con.execute(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}").fetchall()
        journal = con.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        con.close()
    assert meta == {"schema_version": "6"}
    assert revision == [(HEAD_REVISION,)]
    assert journal == "wal"


def test_reopening_changes_no_ddl(new_sqlite_store: Path) -> None:
    before = parse_sqlite_ddl(new_sqlite_store)
    with Store.open(new_sqlite_store) as store:
        assert store.version.at_head
        assert store.upgrade_report is None
    assert parse_sqlite_ddl(new_sqlite_store) == before


def test_every_reference_version_parses(shared_dir: Path) -> None:
    """Guards the parser the comparisons rely on: every reference file is fully understood."""
    for version in ("v1early", "v1", "v2", "v3", "v4", "v5", "v6"):
        ddl = parse_reference_ddl(version)
        assert {"blobs", "commits", "refs", "annotations", "_trace_meta"} <= set(ddl.tables)
        assert all(lines for lines in ddl.tables.values())


# --- PostgreSQL ---------------------------------------------------------------------------


def _commit(store: Store) -> str:
    with store.write() as uow:
        h, when = insert_root_instruction(uow)
        uow.annotations.add("t1", h, Priority.PINNED, "Default priority for instruction", when)
    return h


@pytest.mark.postgres
def test_postgres_native_enums_store_upper_case_names(pg_url: str) -> None:
    with Store.open(pg_url, create=True) as store:
        h = _commit(store)
        with store.engine.connect() as conn:
            enums = dict(
                conn.execute(
                    text(
                        "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) "
                        "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid "
                        "WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname"
                    )
                ).all()
            )
            udt = dict(
                conn.execute(
                    text(
                        "SELECT table_name || '.' || column_name, udt_name "
                        "FROM information_schema.columns WHERE table_schema = current_schema() "
                        "AND column_name IN ('operation', 'priority')"
                    )
                ).all()
            )
            op = conn.execute(
                text("SELECT operation::text FROM commits WHERE commit_hash = :h"), {"h": h}
            ).scalar_one()
            prio = conn.execute(text("SELECT priority::text FROM annotations")).scalar_one()
            meta = conn.execute(text("SELECT metadata_json::text FROM commits")).scalar_one()
    assert enums == {
        "commitoperation": ["APPEND", "EDIT"],
        "priority": ["SKIP", "NORMAL", "PINNED"],
    }
    assert udt == {"commits.operation": "commitoperation", "annotations.priority": "priority"}
    assert (op, prio) == ("APPEND", "PINNED")
    assert meta == "null"  # JSON null, not SQL NULL, as tract-ai writes None


@pytest.mark.postgres
def test_postgres_store_has_the_v6_tables_and_private_indexes(
    pg_url: str, shared_dir: Path
) -> None:
    with Store.open(pg_url, create=True) as store:
        found = structure(store.engine)
        with store.engine.connect() as conn:
            version = conn.execute(
                text("SELECT value FROM _trace_meta WHERE \"key\" = 'schema_version'")
            ).scalar_one()
            json_types = set(
                conn.execute(
                    text(
                        "SELECT DISTINCT data_type FROM information_schema.columns "
                        "WHERE table_schema = current_schema() AND column_name IN "
                        "('metadata_json', 'generation_config_json', 'params_json', "
                        "'action_params_json')"
                    )
                ).scalars()
            )
    assert version == "6"
    assert set(V6_TABLES) <= set(found)
    assert json_types == {"json"}  # plain JSON, not JSONB
    ref = parse_reference_ddl("v6")
    for name, stmt in ref.indexes.items():
        table = ref.index_tables()[name]
        cols = stmt.split("(", 1)[1].rstrip(")").split(", ")
        assert found[table]["indexes"].get(name) == (tuple(cols), False), name
    for name, stmt in PRIVATE_INDEXES.items():
        table = stmt.split(" ON ")[1].split(" ")[0]
        assert name in found[table]["indexes"]
