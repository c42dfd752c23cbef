"""Quick reads of a SQLite store through the standard library alone.

Importing SQLAlchemy costs ~0.2 s, more than everything ``tract-tui log --limit 20`` then
reads. For a store at the layout we write (tract-ai v6, with or without our additions) the few
reads a first screenful needs are plain SQL here: the tract ids, HEAD, the refs, a
first-parent walk and the commits' rows, decoded by the repositories' own ``commit_from_row``.
Anything else (another layout, a lock, a file SQLite cannot read) answers None, and the
caller opens the store in full, which says what is wrong. Nothing is written and nothing is
left beside the file (``sqlite_files.reader_kind``).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from core.models.records import CommitInfo, RefInfo
from core.models.refs import HEAD
from core.storage.batches import chunks, unique
from core.storage.our_names import ALEMBIC_VERSION_TABLE, OURS_REVISIONS, WRITE_FLOOR
from core.storage.row_decode import COMMIT_FIELDS, commit_from_row
from core.storage.sqla.walks import TRACT_IDS_SQL, order_chain
from core.storage.sqlite_files import connect_reader, has_sqlite_header

# A lock that outlasts this makes the quick read step aside: the full open waits and says so.
PROBE_S = 0.2

_TABLES = frozenset({"commits", "blobs", "refs", "commit_parents", "_trace_meta"})
_HEAD_SQL = (
    "SELECT h.commit_hash, h.symbolic_target, b.commit_hash FROM refs h "
    "LEFT JOIN refs b ON b.tract_id = h.tract_id AND b.ref_name = h.symbolic_target "
    "WHERE h.tract_id = ? AND h.ref_name = ?"
)
_REFS_SQL = (
    "SELECT tract_id, ref_name, commit_hash, symbolic_target FROM refs "
    "WHERE tract_id = ? ORDER BY ref_name"
)
# First parents from ?1, at most ?2 rows; each step one primary-key lookup, the depth bound
# keeping a stored cycle finite (the repositories' chain walk, written for SQLite).
_CHAIN_SQL = (
    "WITH RECURSIVE walk(h, p, d) AS ("
    " SELECT commit_hash, parent_hash, 0 FROM commits WHERE commit_hash = ?1"
    " UNION ALL"
    " SELECT c.commit_hash, c.parent_hash, walk.d + 1 FROM commits c"
    " JOIN walk ON c.commit_hash = walk.p WHERE walk.d + 1 < ?2"
    ") SELECT h, p FROM walk"
)
_COMMITS_SQL = f"SELECT {', '.join(COMMIT_FIELDS)} FROM commits WHERE commit_hash IN "


class QuickStore:
    """A read transaction on a SQLite store at our layout; use :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, target: str) -> QuickStore | None:
        """The store at ``target`` (a plain path), or None when a full open must read it."""
        if "://" in target:
            return None
        path = Path(target).expanduser()
        if not path.is_file() or not has_sqlite_header(path):
            return None
        try:
            conn = connect_reader(path, PROBE_S)
        except sqlite3.Error:
            return None
        try:
            conn.execute("BEGIN")  # one snapshot for every read, as a unit of work has
            if _at_our_layout(conn):
                return cls(conn)
        except sqlite3.Error:
            pass
        conn.close()
        return None

    def __enter__(self) -> QuickStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("ROLLBACK")
        self.conn.close()

    def tract_ids(self) -> list[str]:
        return sorted({r[0] for r in self.conn.execute(TRACT_IDS_SQL) if r[0] is not None})

    def head_state(self, tract_id: str) -> tuple[RefInfo | None, str | None]:
        """HEAD's ref and the commit it resolves to (a branch's, when symbolic)."""
        row = self.conn.execute(_HEAD_SQL, (tract_id, HEAD)).fetchone()
        if row is None:
            return None, None
        direct, symbolic, branch_commit = row
        return RefInfo(tract_id, HEAD, direct, symbolic), branch_commit if symbolic else direct

    def refs(self, tract_id: str) -> list[RefInfo]:
        return [RefInfo(*r) for r in self.conn.execute(_REFS_SQL, (tract_id,))]

    def chain(self, head: str, limit: int) -> list[str]:
        """The first-parent chain from ``head``, newest first, at most ``limit`` commits."""
        rows = self.conn.execute(_CHAIN_SQL, (head, limit)).fetchall()
        return [r[0] for r in order_chain(head, rows)]

    def commits(self, hashes: Iterable[str]) -> dict[str, CommitInfo]:
        out: dict[str, CommitInfo] = {}
        for batch in chunks(unique(hashes)):
            sql = _COMMITS_SQL + f"({', '.join('?' * len(batch))})"
            for row in self.conn.execute(sql, batch):
                out[row[0]] = commit_from_row(row)
        return out


def _at_our_layout(conn: sqlite3.Connection) -> bool:
    """tract-ai's v6 tables and commit columns (the layout we write), as tract-ai b226678
    leaves them or with our additions at any of our revisions (they add indexes and a cache;
    the rows read here are the same)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables >= _TABLES:
        return False
    version = conn.execute(
        "SELECT value FROM _trace_meta WHERE \"key\" = 'schema_version'"
    ).fetchall()
    if [str(v[0]).strip() for v in version] != [str(WRITE_FLOOR)]:
        return False
    if ALEMBIC_VERSION_TABLE in tables:
        ours = conn.execute(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}").fetchall()
        if len(ours) != 1 or ours[0][0] not in OURS_REVISIONS:
            return False  # a newer tract-tui's, or not ours: the full open says which
    columns = {r[1] for r in conn.execute("PRAGMA table_info(commits)")}
    return columns == set(COMMIT_FIELDS)
