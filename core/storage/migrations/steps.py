"""Building blocks of the migrations: inspector-driven, idempotent, dialect-neutral."""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op
from sqlalchemy import Connection, Table, inspect


def conn() -> Connection:
    return op.get_bind()


def tables() -> set[str]:
    return set(inspect(conn()).get_table_names())


def columns(table: str) -> set[str]:
    return {c["name"] for c in inspect(conn()).get_columns(table)}


def indexes(table: str) -> set[str]:
    return {name for i in inspect(conn()).get_indexes(table) if (name := i.get("name"))}


def create_missing(new_tables: Iterable[Table]) -> None:
    """Create each table (with its indexes) unless it exists."""
    existing = tables()
    for table in new_tables:
        if table.name not in existing:
            table.create(conn())
            existing.add(table.name)


def quote(name: str) -> str:
    return conn().dialect.identifier_preparer.quote(name)
