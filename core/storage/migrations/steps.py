"""Building blocks of the migrations: inspector-driven, idempotent, dialect-neutral."""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op
from sqlalchemy import Connection, Table, inspect, text


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


def set_schema_version(version: int) -> None:
    """tract-ai's own marker; kept correct after every step, as tract-ai does."""
    c = conn()
    updated = c.execute(
        text("UPDATE _trace_meta SET value = :v WHERE \"key\" = 'schema_version'"),
        {"v": str(version)},
    ).rowcount
    if not updated:
        c.execute(
            text("INSERT INTO _trace_meta (\"key\", value) VALUES ('schema_version', :v)"),
            {"v": str(version)},
        )


def quote(name: str) -> str:
    return conn().dialect.identifier_preparer.quote(name)
