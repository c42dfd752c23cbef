"""Our own chain of additions (indexes, the token cache), run through Alembic from code.

It is separate from tract-ai's version (``core.storage.tract_ai_steps``): every step is
idempotent, applies on top of any tract-ai layout from v6 on, never changes
``_trace_meta.schema_version`` and adds nothing tract-ai's own migrations trip over (private
names only). The Alembic configuration is built here, so users need no ``alembic.ini``; the
caller's connection is already inside its write transaction.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from core.storage.connection import advisory_xact_lock
from core.storage.our_names import ALEMBIC_VERSION_TABLE

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
    """The revisions of the shipped scripts, oldest first (tests compare with OURS_REVISIONS)."""
    script = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([rev.revision for rev in script.walk_revisions()]))


def _current_revision(conn: Connection) -> str | None:
    # Inspect first: a failed SELECT would abort the whole transaction on PostgreSQL.
    if not inspect(conn).has_table(ALEMBIC_VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}")).scalar()


def apply_ours(conn: Connection) -> None:
    """Bring our additions to head inside the caller's transaction."""
    advisory_xact_lock(conn, MIGRATION_LOCK)  # PostgreSQL: one migrator at a time
    current = _current_revision(conn)
    if current is not None and current.startswith("tai_"):
        # An older tract-tui kept tract-ai's steps in this table too; they are not ours.
        conn.execute(text(f"DELETE FROM {ALEMBIC_VERSION_TABLE}"))
    command.upgrade(alembic_config(conn), "head")


def stamp_head(conn: Connection) -> None:
    command.stamp(alembic_config(conn), "head")
