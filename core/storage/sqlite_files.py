"""SQLite files as files: their header, their journal mode, and how to read one leaving nothing
behind. Standard library only, so the reads that come before anything else (``log``'s first
lines) need not load SQLAlchemy; ``connection`` builds its engines' URLs from the same rules.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

SQLITE_HEADER = b"SQLite format 3\x00"


def has_sqlite_header(path: Path) -> bool:
    """Whether ``path`` starts like a SQLite database (False when it cannot be read)."""
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def sqlite_journal_mode(path: Path) -> str:
    """``wal`` or ``rollback``, from the file header (bytes 18–19 are 2 for WAL)."""
    try:
        with path.open("rb") as fh:
            header = fh.read(20)
    except OSError:
        return "rollback"
    return "wal" if len(header) == 20 and header[18:20] == b"\x02\x02" else "rollback"


def writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def reader_kind(path: Path) -> str:
    """How a reader opens a SQLite file so that it leaves nothing behind (``docs/decisions.md``,
    "Reading never writes").

    - ``ro``: a rollback-journal file, or a WAL file with a ``-wal`` already there (a writer
      owns the side files): ``mode=ro`` creates nothing.
    - ``query_only``: a WAL file we could write, with no ``-wal`` yet. ``mode=ro`` would create
      ``-wal``/``-shm`` and, being read-only, never remove them; a read-write connection with
      ``PRAGMA query_only`` creates them too, but the last one to close removes them (SQLite
      checkpoints an empty log and deletes both), and the file is not written.
    - ``immutable``: a WAL file we cannot write (read-only file or directory) with no ``-wal``:
      nothing can be writing it, and ``immutable=1`` needs no side files at all.
    """
    if sqlite_journal_mode(path) != "wal" or Path(f"{path}-wal").exists():
        return "ro"
    return "query_only" if writable(path) else "immutable"


def reader_uri(path: Path, kind: str) -> str | None:
    """The ``file:`` URI a reader of ``kind`` opens, or None: open the plain path."""
    if kind == "query_only":
        return None
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    return uri + "&immutable=1" if kind == "immutable" else uri


def connect_reader(path: Path, timeout_s: float) -> sqlite3.Connection:
    """A stdlib connection that reads ``path`` as :func:`reader_kind` says, refusing writes.
    The caller closes it (the last close of a ``query_only`` reader removes the side files)."""
    uri = reader_uri(path, reader_kind(path))
    if uri is None:
        conn = sqlite3.connect(str(path), timeout=timeout_s, isolation_level=None)
    else:
        conn = sqlite3.connect(uri, timeout=timeout_s, isolation_level=None, uri=True)
    try:
        conn.execute("PRAGMA query_only=1")
    except BaseException:
        conn.close()
        raise
    return conn
