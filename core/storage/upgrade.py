"""Upgrading a store: a backup first (SQLite), then one transaction.

Three things an upgrade may do, each only when needed: bring tract-ai's layout to a version
(the v6 floor for a v1–v5 store, or the version ``to`` asks for), repair a store tract-ai
c2f26dd relabelled without renaming its edit column, and apply our own additions.
``upgrade_store`` counts every table's rows before and after, so a caller can show (and tests
can check) that nothing was lost.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, func, inspect, select, table
from sqlalchemy.exc import SQLAlchemyError

from core.errors import StoreError, StoreNotFoundError, StoreReadOnlyError
from core.storage.connection import (
    StoreLocation,
    advisory_xact_lock,
    make_engine,
    parse_location,
    read_connection,
    write_connection,
)
from core.storage.inspection import (
    check_sqlite_header,
    first_line,
    inspect_sqlite,
    locked_error,
    refuse_unusable,
)
from core.storage.our_names import WRITE_FLOOR
from core.storage.schema_head import NEWEST_TRACT_AI_VERSION
from core.storage.tract_ai_steps import upgrade_tract_ai
from core.storage.versions import StoreVersion, detect


@dataclass(frozen=True)
class UpgradeReport:
    """What an upgrade did: versions, the backup, and every table's row count around it."""

    store: str
    from_label: str
    to_label: str
    backup: Path | None
    rows_before: dict[str, int]
    rows_after: dict[str, int]

    def summary(self) -> str:
        where = f"; backup: {self.backup}" if self.backup else ""
        return f"upgraded {self.store} from {self.from_label} to {self.to_label}{where}"


def count_rows(engine: Engine) -> dict[str, int]:
    with read_connection(engine) as conn:
        names = sorted(inspect(conn).get_table_names())
        return {
            name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
            for name in names
        }


def backup_sqlite(path: Path, version: StoreVersion) -> Path:
    """``VACUUM INTO`` a new file beside the store; returns its path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    tag = "v1early" if version.early_v1 else f"v{version.schema_version}"
    suffix = path.suffix or ".db"
    dest = path.with_name(f"{path.stem}.backup-{tag}-{stamp}{suffix}")
    n = 1
    while dest.exists():
        n += 1
        dest = path.with_name(f"{path.stem}.backup-{tag}-{stamp}-{n}{suffix}")
    # Written under a temporary name and renamed once complete and on disk: a process killed
    # mid-copy must not leave a truncated file that looks like a backup (the crash harness,
    # tests/reliability, found one). An interrupted copy leaves only "<backup>.partial".
    partial = dest.with_name(dest.name + ".partial")
    # Quoted: a "?", "#" or "%" in the path would otherwise end or alter the URI (and open
    # some other, empty, database to back up).
    con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    try:
        partial.unlink(missing_ok=True)
        con.execute("VACUUM INTO ?", (str(partial),))
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"{path}: backup to {dest} failed ({exc})") from None
    finally:
        con.close()
    with partial.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    return dest


def target_version(
    version: StoreVersion, to: int | None = None, *, for_writes: bool = False
) -> int:
    """tract-ai's version after the upgrade (never below the store's own)."""
    current = version.schema_version or 1
    if to is None:
        return max(current, WRITE_FLOOR)
    if to < max(current, WRITE_FLOOR) or to > NEWEST_TRACT_AI_VERSION:
        low = max(current, WRITE_FLOOR)
        allowed = f"v{low}" if low == NEWEST_TRACT_AI_VERSION else f"v{low}..v13"
        raise StoreError(
            f"cannot upgrade {version.label} to tract-ai schema v{to} "
            f"(possible: {allowed}; stores are never moved back)"
        )
    return to


def nothing_to_do(version: StoreVersion, to: int | None, for_writes: bool) -> bool:
    if not version.ours_at_head or version.legacy:
        return False
    if version.touched and not for_writes:
        return False
    return target_version(version, to) == version.schema_version


def upgrade_in_transaction(
    conn: Connection, version: StoreVersion, *, to: int | None = None, for_writes: bool = False
) -> None:
    """Everything the upgrade does, inside the caller's transaction."""
    from core.storage.migrate import MIGRATION_LOCK, apply_ours  # alembic: lazily

    advisory_xact_lock(conn, MIGRATION_LOCK)  # PostgreSQL: one migrator at a time
    target = target_version(version, to, for_writes=for_writes)
    if target != version.schema_version or version.legacy or (version.touched and not for_writes):
        upgrade_tract_ai(conn, version, target, rename=not for_writes and target >= 8)
    apply_ours(conn)


def upgrade_store(
    target: str | os.PathLike[str] | StoreLocation,
    version: StoreVersion | None = None,
    *,
    backup: bool = True,
    to: int | None = None,
    for_writes: bool = False,
) -> UpgradeReport:
    """Upgrade a store in one transaction (backing up SQLite files first).

    Without ``to``: a v1–v5 store becomes v6, a relabelled store gets its edit column renamed
    (unless ``for_writes``: then only what writing needs), and our additions are applied.
    With ``to``: tract-ai's layout is brought to that version as well.
    """
    location = target if isinstance(target, StoreLocation) else parse_location(target)
    if location.path is not None:
        if not location.path.is_file():
            raise StoreNotFoundError(f"{location.path}: no such store")
        check_sqlite_header(location.path)
        if not os.access(location.path, os.W_OK):
            raise StoreReadOnlyError(f"{location.path}: read-only file; cannot upgrade it")
        version = version or inspect_sqlite(location.path)
    engine = make_engine(location, pool=False)
    try:
        if version is None:
            with read_connection(engine) as conn:
                version = detect(conn)
        refuse_unusable(location, version)
        target_version(version, to)  # refuse an impossible target before any backup
        before = count_rows(engine)
        if nothing_to_do(version, to, for_writes):
            return UpgradeReport(
                location.display, version.label, version.label, None, before, before
            )
        backup_path = (
            backup_sqlite(location.path, version) if backup and location.path is not None else None
        )
        try:
            with write_connection(engine) as conn:
                from core.storage.migrate import MIGRATION_LOCK

                advisory_xact_lock(conn, MIGRATION_LOCK)  # PostgreSQL: one migrator at a time
                # Whoever held the lock before us may have upgraded the store already.
                locked_version = detect(conn)
                done_meanwhile = nothing_to_do(locked_version, to, for_writes)
                if not done_meanwhile:
                    refuse_unusable(location, locked_version)
                    upgrade_in_transaction(conn, locked_version, to=to, for_writes=for_writes)
                after_version = detect(conn)
        except SQLAlchemyError as exc:
            locked = locked_error(location, exc)
            if locked is not None:
                raise locked from None
            raise StoreError(
                f"{location.display}: upgrade failed, store left at {version.label} "
                f"({first_line(exc)})"
            ) from None
        after = count_rows(engine)
    finally:
        engine.dispose()
    if done_meanwhile:  # another process upgraded it while we waited: nothing changed
        version, before = after_version, after
    return UpgradeReport(
        location.display, version.label, after_version.label, backup_path, before, after
    )
