"""Reading a store older than the oldest layout we write, without touching it.

tract-ai v1–v5 layouts lack tables every read uses (events, compile records) or name columns
differently (the early v1 layout). Such a SQLite file is read through a copy in the temporary
directory, upgraded to v6 there: what the reader sees is exactly what the store holds, the
store itself stays byte-identical, and the copy is deleted when the store is closed. The copy
is a snapshot: writes another process makes to the original later are not seen until reopened
(old layouts have no live writers in practice; ``docs/decisions.md``).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.exc import SQLAlchemyError

from core.errors import StoreError
from core.storage.connection import make_engine, parse_location
from core.storage.inspection import first_line
from core.storage.sqlite_files import reader_kind
from core.storage.versions import StoreVersion


def reader_uri(path: Path) -> str:
    """A read-only URI for a one-off copy or scan that leaves nothing behind."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    if reader_kind(path) != "ro":
        # No -wal: nothing is pending, and for this short read nobody can start writing
        # underneath us except by waiting on our shared lock.
        uri += "&immutable=1"
    return uri


def vacuum_into(src: Path, dest: Path) -> None:
    con = sqlite3.connect(reader_uri(src), uri=True)
    try:
        con.execute("VACUUM INTO ?", (str(dest),))
    except sqlite3.Error as exc:
        raise StoreError(f"{src}: cannot copy the store ({exc})") from None
    finally:
        con.close()


def migrated_copy(path: Path, version: StoreVersion) -> tuple[Path, Path]:
    """(temporary directory, copy upgraded to the v6 layout) for reading ``path``."""
    tmpdir = Path(tempfile.mkdtemp(prefix="tract-tui-read-"))
    try:
        copy = tmpdir / "store.db"
        vacuum_into(path, copy)
        upgrade_copy(path, copy, version)
        return tmpdir, copy
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise


def upgrade_copy(path: Path, copy: Path, version: StoreVersion) -> bool:
    """Upgrade a throwaway copy for writing; True when foreign-key checks had to be off
    (the store has dangling references the migration's inserts would refuse)."""
    from core.storage.upgrade import upgrade_in_transaction

    for foreign_keys in (True, False):
        engine = make_engine(parse_location(copy), pool=False)
        try:
            with engine.connect() as conn:
                if not foreign_keys:
                    # Before any BEGIN: the pragma is a no-op inside a transaction.
                    driver = conn.connection.driver_connection
                    assert driver is not None  # a live connection has its DB-API connection
                    driver.execute("PRAGMA foreign_keys=OFF")
                with conn.begin():
                    upgrade_in_transaction(conn, version, for_writes=True)
            return not foreign_keys
        except SQLAlchemyError as exc:
            if not foreign_keys:
                raise StoreError(
                    f"{path}: cannot read {version.label} through an upgraded copy "
                    f"({first_line(exc)})"
                ) from None
        finally:
            engine.dispose()
    return False
