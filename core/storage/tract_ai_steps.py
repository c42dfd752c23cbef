"""tract-ai's own version chain: the layout steps from the early v1 layout to v13.

These move ``_trace_meta.schema_version``, so they run only when asked: the floor (a v1–v5
store becomes v6 at its first write, the oldest layout we write), ``tract-tui upgrade --to N``,
and the repair of a store tract-ai c2f26dd relabelled without renaming its edit column. Every
step is driven by what the inspector finds (idempotent, both dialects), and the caller runs all
of them in one transaction. Our own additions are a separate chain (``core.storage.migrate``).

Layouts: ``docs/store-format.md`` (v1–v6) and ``docs/tract-ai-versions.md`` (v7–v13).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from sqlalchemy import Connection, MetaData, Table, inspect, text

from core.errors import StoreError
from core.storage import schema
from core.storage import schema_head as head
from core.storage.versions import StoreVersion

# --- helpers ----------------------------------------------------------------------------------


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


def _columns(conn: Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


def _indexes(conn: Connection, table: str) -> set[str]:
    return {name for i in inspect(conn).get_indexes(table) if (name := i.get("name"))}


def create_missing(conn: Connection, tables: Iterable[Table]) -> None:
    """Create each table (with its indexes) unless it exists."""
    existing = _tables(conn)
    for table in tables:
        if table.name not in existing:
            table.create(conn)
            existing.add(table.name)


def set_schema_version(conn: Connection, version: int) -> None:
    """tract-ai's own marker, kept right after every step as tract-ai does."""
    updated = conn.execute(
        text("UPDATE _trace_meta SET value = :v WHERE \"key\" = 'schema_version'"),
        {"v": str(version)},
    ).rowcount
    if not updated:
        conn.execute(
            text("INSERT INTO _trace_meta (\"key\", value) VALUES ('schema_version', :v)"),
            {"v": str(version)},
        )


# --- the early v1 layout → v1 -----------------------------------------------------------------

_INDEX_RENAMES = {
    "commits": [
        ("ix_commits_repo_id", "ix_commits_tract_id", "tract_id"),
        ("ix_commits_repo_type", "ix_commits_tract_type", "tract_id, content_type"),
        ("ix_commits_repo_time", "ix_commits_tract_time", "tract_id, created_at"),
        ("ix_commits_reply_to", "ix_commits_response_to", "response_to"),
    ],
    "annotations": [("ix_annotations_repo_id", "ix_annotations_tract_id", "tract_id")],
}


def _v1(conn: Connection) -> None:
    """Normalise any v1 layout: repo_id → tract_id, reply_to → response_to, a nullable
    generation_config_json, the index names, and a bare HEAD → refs/heads/main + symbolic
    HEAD. Column-driven: intermediate v1 stores carry only some of these differences."""
    if "_trace_meta" not in _tables(conn):
        create_missing(conn, [schema.trace_meta])
    for table in ("commits", "refs", "annotations"):
        if "repo_id" in _columns(conn, table):
            conn.exec_driver_sql(f"ALTER TABLE {table} RENAME COLUMN repo_id TO tract_id")
    cols = _columns(conn, "commits")
    if "reply_to" in cols:
        conn.exec_driver_sql("ALTER TABLE commits RENAME COLUMN reply_to TO response_to")
    if "generation_config_json" not in cols:
        conn.exec_driver_sql("ALTER TABLE commits ADD COLUMN generation_config_json JSON")
    for table, renames in _INDEX_RENAMES.items():
        present = _indexes(conn, table)
        for old, new, cols_sql in renames:
            if old in present:
                conn.exec_driver_sql(f"DROP INDEX {old}")
            if new not in present:
                conn.exec_driver_sql(f"CREATE INDEX {new} ON {table} ({cols_sql})")
    bare = conn.execute(
        text(
            "SELECT h.tract_id, h.commit_hash FROM refs h WHERE h.ref_name = 'HEAD' "
            "AND h.commit_hash IS NOT NULL AND h.symbolic_target IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM refs b WHERE b.tract_id = h.tract_id "
            "AND b.ref_name LIKE 'refs/heads/%')"
        )
    ).all()
    for tract_id, commit_hash in bare:
        conn.execute(
            text(
                "INSERT INTO refs (tract_id, ref_name, commit_hash, symbolic_target) "
                "VALUES (:t, 'refs/heads/main', :h, NULL)"
            ),
            {"t": tract_id, "h": commit_hash},
        )
        conn.execute(
            text(
                "UPDATE refs SET commit_hash = NULL, symbolic_target = 'refs/heads/main' "
                "WHERE tract_id = :t AND ref_name = 'HEAD'"
            ),
            {"t": tract_id},
        )
    set_schema_version(conn, 1)


# --- v1 → v6 ----------------------------------------------------------------------------------


def _v2(conn: Connection) -> None:
    from core.storage.migrations import legacy

    md = MetaData()
    legacy.stub_commits(md)
    create_missing(conn, legacy.v2_tables(md))
    set_schema_version(conn, 2)


def _v3(conn: Connection) -> None:
    from core.storage.migrations import legacy

    md = MetaData()
    legacy.stub_commits(md)
    create_missing(conn, legacy.v3_tables(md))
    set_schema_version(conn, 3)


def _v4(conn: Connection) -> None:
    create_missing(conn, [schema.spawn_pointers])
    set_schema_version(conn, 4)


def _v5(conn: Connection) -> None:
    # tract-ai c2f26dd names these trigger_* in the stores it creates; a store made before
    # keeps policy_*, and either is left as found.
    if not {"trigger_proposals", "trigger_log"} & _tables(conn):
        create_missing(conn, [schema.policy_proposals, schema.policy_log])
    set_schema_version(conn, 5)


_LEGACY_COMPRESSION = ("compression_results", "compression_sources", "compressions")


def _v6(conn: Connection) -> None:
    """Operation events and compile records; each legacy compression becomes an event with
    the same id, its sources and results become operation_commits rows, and the three legacy
    tables are dropped, children first."""
    create_missing(
        conn,
        [
            schema.operation_events,
            schema.operation_commits,
            schema.compile_records,
            schema.compile_effectives,
        ],
    )
    present = _tables(conn)
    if "compressions" in present:
        # Copied verbatim in SQL: timestamps keep their exact stored text.
        conn.exec_driver_sql(
            "INSERT INTO operation_events (event_id, tract_id, event_type, branch_name, "
            "created_at, original_tokens, compressed_tokens, params_json) "
            "SELECT compression_id, tract_id, 'compress', branch_name, created_at, "
            "original_tokens, compressed_tokens, NULL FROM compressions "
            "WHERE compression_id NOT IN (SELECT event_id FROM operation_events)"
        )
        rows = conn.exec_driver_sql(
            "SELECT compression_id, target_tokens, instructions FROM compressions "
            "WHERE target_tokens IS NOT NULL OR instructions IS NOT NULL"
        ).all()
        for compression_id, target_tokens, instructions in rows:
            params: dict[str, object] = {}
            if target_tokens is not None:
                params["target_tokens"] = target_tokens
            if instructions is not None:
                params["instructions"] = instructions
            conn.execute(
                text("UPDATE operation_events SET params_json = :p WHERE event_id = :e"),
                {"p": json.dumps(params), "e": compression_id},
            )
        for table, role in (("compression_sources", "source"), ("compression_results", "result")):
            if table in present:
                conn.exec_driver_sql(
                    "INSERT INTO operation_commits (event_id, commit_hash, role, position) "
                    f"SELECT s.compression_id, s.commit_hash, '{role}', s.position FROM {table} s "
                    "WHERE NOT EXISTS (SELECT 1 FROM operation_commits o WHERE "
                    "o.event_id = s.compression_id AND o.commit_hash = s.commit_hash "
                    f"AND o.role = '{role}')"
                )
    for table in _LEGACY_COMPRESSION:
        if table in present:
            conn.exec_driver_sql(f"DROP TABLE {table}")
    set_schema_version(conn, 6)


# --- v6 → v13 ---------------------------------------------------------------------------------


def _add_columns(conn: Connection, version: int) -> None:
    tables = _tables(conn)
    for v, table, column, sql_type in head.ADDED_COLUMNS:
        if v == version and table in tables and column not in _columns(conn, table):
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")


def rename_edit_column(conn: Connection) -> None:
    """``commits.response_to`` → ``edit_target`` and its index (tract-ai 27a3cdc's layout)."""
    if "response_to" not in _columns(conn, "commits"):
        return
    conn.exec_driver_sql("ALTER TABLE commits RENAME COLUMN response_to TO edit_target")
    indexes = _indexes(conn, "commits")
    if "ix_commits_response_to" in indexes:
        conn.exec_driver_sql("DROP INDEX ix_commits_response_to")
    if "ix_commits_edit_target" not in indexes:
        conn.exec_driver_sql("CREATE INDEX ix_commits_edit_target ON commits (edit_target)")


def _v7(conn: Connection) -> None:
    _add_columns(conn, 7)
    if conn.dialect.name == "postgresql":
        # The native enum tract-ai made at v6 lacks the new priority. PostgreSQL ≥ 12 adds an
        # enum value inside a transaction (usable once it commits).
        exists = conn.execute(text("SELECT 1 FROM pg_type WHERE typname = 'priority'")).first()
        if exists:
            conn.exec_driver_sql("ALTER TYPE priority ADD VALUE IF NOT EXISTS 'IMPORTANT'")
    set_schema_version(conn, 7)


def _v8(conn: Connection) -> None:
    create_missing(conn, [head.tool_definitions, head.commit_tools])
    rename_edit_column(conn)  # the v8 layout tract-ai 27a3cdc and later write
    set_schema_version(conn, 8)


def _v9(conn: Connection) -> None:
    _add_columns(conn, 9)
    set_schema_version(conn, 9)


def _v10(conn: Connection) -> None:
    _add_columns(conn, 10)
    create_missing(conn, head.ADDED_TABLES[10])
    set_schema_version(conn, 10)


def _v11(conn: Connection) -> None:
    create_missing(conn, head.ADDED_TABLES[11])
    set_schema_version(conn, 11)


def _v12(conn: Connection) -> None:
    create_missing(conn, head.ADDED_TABLES[12])
    tables = _tables(conn)
    if "trigger_log" in tables and "config_snapshot_json" not in _columns(conn, "trigger_log"):
        conn.exec_driver_sql("ALTER TABLE trigger_log ADD COLUMN config_snapshot_json TEXT")
    if "hook_wirings" in tables and "deregistered_at" not in _columns(conn, "hook_wirings"):
        conn.exec_driver_sql("ALTER TABLE hook_wirings ADD COLUMN deregistered_at TIMESTAMP")
    set_schema_version(conn, 12)


def _v13(conn: Connection) -> None:
    create_missing(conn, head.ADDED_TABLES[13])
    set_schema_version(conn, 13)


STEPS: dict[int, Callable[[Connection], None]] = {
    2: _v2,
    3: _v3,
    4: _v4,
    5: _v5,
    6: _v6,
    7: _v7,
    8: _v8,
    9: _v9,
    10: _v10,
    11: _v11,
    12: _v12,
    13: _v13,
}


def upgrade_tract_ai(
    conn: Connection, version: StoreVersion, target: int, *, rename: bool = True
) -> None:
    """Bring tract-ai's layout from ``version`` to ``target`` (inside the caller's
    transaction). ``rename`` also renames the edit column of a v8+ store that still has
    ``response_to`` (the repair of a store tract-ai relabelled without it)."""
    current = version.schema_version or 1
    if target < current:
        raise StoreError(
            f"store is at tract-ai schema v{current}; tract-tui never moves a store back"
        )
    if version.early_v1 or version.edit_column == "reply_to":
        _v1(conn)
    for step in range(current + 1, target + 1):
        STEPS[step](conn)
    if rename and target >= 8:
        rename_edit_column(conn)
