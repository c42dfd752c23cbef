"""The few statements that differ between SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

from sqlalchemy import Connection, Table
from sqlalchemy.sql.dml import Insert


def _module(dialect: str) -> ModuleType:
    # Imported on first use: a SQLite store never loads the postgresql dialect.
    name = "postgresql" if dialect == "postgresql" else "sqlite"
    return importlib.import_module(f"sqlalchemy.dialects.{name}")


def insert_ignore_for(dialect: str, table: Table, keys: Sequence[str]) -> Insert:
    """INSERT that silently skips rows whose key already exists."""
    stmt: Insert = _module(dialect).insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return stmt


def upsert_for(
    dialect: str, table: Table, keys: Sequence[str], update_cols: Sequence[str]
) -> Insert:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET update_cols = excluded."""
    stmt = _module(dialect).insert(table)
    upsert: Insert = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_cols}
    )
    return upsert


def insert_ignore(conn: Connection, table: Table, keys: Sequence[str]) -> Insert:
    return insert_ignore_for(conn.dialect.name, table, keys)


def upsert(
    conn: Connection, table: Table, keys: Sequence[str], update_cols: Sequence[str]
) -> Insert:
    return upsert_for(conn.dialect.name, table, keys, update_cols)
