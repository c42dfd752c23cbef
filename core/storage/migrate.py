"""Running Alembic from code: stamping recognised legacy stores, upgrading in one transaction.

The Alembic configuration is built here (script location inside the package, a private
version table), so users never need an ``alembic.ini``. The caller passes a connection that is
already inside its write transaction: the stamp, every step and the final version marker
commit together or not at all.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from core.storage.connection import advisory_xact_lock
from core.storage.schema import ALEMBIC_VERSION_TABLE
from core.storage.versions import StoreVersion

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIGRATION_LOCK = "tract-tui:migrate"


def alembic_config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("version_table", ALEMBIC_VERSION_TABLE)
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def script_revisions() -> tuple[str, ...]:
    """The revisions of the shipped scripts, oldest first (tests compare with REVISIONS)."""
    script = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([rev.revision for rev in script.walk_revisions()]))


def _current_revision(conn: Connection) -> str | None:
    # Inspect first: a failed SELECT would abort the whole transaction on PostgreSQL.
    if not inspect(conn).has_table(ALEMBIC_VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}")).scalar()


def upgrade_in_transaction(conn: Connection, version: StoreVersion) -> str:
    """Stamp ``version.revision`` if the store carries no revision yet, then upgrade to head.

    Returns the revision the store was at. Must run inside the caller's transaction.
    """
    advisory_xact_lock(conn, MIGRATION_LOCK)  # PostgreSQL: one migrator at a time
    cfg = alembic_config(conn)
    start = version.revision or "tai_v1early"
    if _current_revision(conn) is None:
        command.stamp(cfg, start)
    command.upgrade(cfg, "head")
    return start


def stamp_head(conn: Connection) -> None:
    command.stamp(alembic_config(conn), "head")
