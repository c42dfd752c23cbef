"""Whole-tract reads for a cold compile: every commit of a tract as ``CompileRow`` s, its
merges' parents and its first parents, each in one set-based read (SQLite's join, or
sequential scans joined in memory when the tract is most of the store)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from core.models.compiled import CompileRow
from core.storage.sqla import compile_reads as cr
from core.storage.sqla._common import raw_rows, run_prepared

# Fewer commits than this: the probes cost less than reading every blob.
SCAN_MIN_COMMITS = 2_000


def _keyed_rows(raw: Iterable[Sequence[Any]], lean: bool) -> dict[str, CompileRow]:
    """``CompileRow`` s by commit hash, in the order read. A parent read before its child
    (the usual order) lends the child its hash string: one string per commit, not two.

    ``lean`` (a compile read once, not kept): a commit whose message tokens are stored
    keeps no content hash (only counting a message looks it up), and one that is not an
    EDIT keeps no time (only edits are compared by time). ~190 B less per commit."""
    out: dict[str, CompileRow] = {}
    got = out.get
    make = CompileRow._make
    for h, p, ch, ct, e, r, at, g, n, pj, t, m in raw:
        if p is not None and (parent := got(p)) is not None:
            p = parent[0]
        if lean:
            ch = "" if t is not None else ch
            at = at if e else None
        out[h] = make((h, p, ch, ct, e, r, at, g, n, pj, t, m))
    return out


class TractReads:
    """The whole-tract reads of ``SqlCommitRepository`` (a mixin: its connection, edit
    column and token-cache flag)."""

    conn: Connection
    edit_column: str
    token_cache: bool
    _known_counts: dict[str, tuple[int, int, int]]

    def tract_compile_rows(
        self, tract_id: str, encoding: str, *, lean: bool = False
    ) -> dict[str, CompileRow]:
        params = {"tract_id": tract_id, "enc": encoding}
        if self.conn.dialect.name == "sqlite" and self._tract_holds_the_blobs(tract_id):
            return self._compile_rows_by_scans(params, lean)
        return self._compile_rows_joined(params, lean)

    def _compile_rows_joined(
        self, params: dict[str, Any], lean: bool = False
    ) -> dict[str, CompileRow]:
        sqlite = self.conn.dialect.name == "sqlite"
        stmt = cr.compile_rows(self.edit_column, self.token_cache, sqlite)
        cursor = run_prepared(self.conn, stmt, params)
        try:  # row by row: a fetched list would be a second copy of every row at once
            return _keyed_rows(cursor, lean)
        finally:
            cursor.close()

    def _tract_holds_the_blobs(self, tract_id: str) -> bool:
        # Scanning every blob pays when the tract's commits use most of them: SQLite then
        # reads the blobs and token counts in order instead of probing two random indexes
        # per commit (~25% of a 100k cold compile's reading). Index counts decide: the tract
        # holds nearly all commits (other tracts' blobs, however large, are not read for
        # it) and there are not many more blobs than its commits.
        blobs, commits, ours = self._counts(tract_id)
        return ours >= SCAN_MIN_COMMITS and ours * 10 >= commits * 9 and blobs <= 2 * ours

    def _tract_holds_the_commits(self, tract_id: str) -> bool:
        _, commits, ours = self._counts(tract_id)
        return ours >= SCAN_MIN_COMMITS and ours * 10 >= commits * 9

    def _counts(self, tract_id: str) -> tuple[int, int, int]:
        """The store's blobs and commits and the tract's commits (read once per tract: a
        cold compile asks twice in one transaction)."""
        known = self._known_counts.get(tract_id)
        if known is None:
            row = raw_rows(self.conn, cr.blob_and_commit_counts(), {"tract_id": tract_id})[0]
            blobs, commits, ours = (int(n) for n in row)
            known = self._known_counts[tract_id] = (blobs, commits, ours)
        return known

    def _compile_rows_by_scans(
        self, params: dict[str, Any], lean: bool = False
    ) -> dict[str, CompileRow]:
        """:meth:`_compile_rows_joined`'s rows, its joins made in a dict: the same values in
        the same order. Commits sharing a blob also share its text, and one content type
        string serves every commit of that type."""
        payloads: dict[str, Any] = dict(raw_rows(self.conn, cr.all_payloads(), {}))
        tokens: dict[str, Any] = (
            dict(raw_rows(self.conn, cr.all_message_tokens(), params)) if self.token_cache else {}
        )
        payload, token = payloads.get, tokens.get
        kinds: dict[str, str] = {}
        kind = kinds.setdefault
        cursor = run_prepared(self.conn, cr.compile_rows_unjoined(self.edit_column), params)
        out: dict[str, CompileRow] = {}
        got, make = out.get, CompileRow._make
        try:  # row by row: a fetched list would be a second copy of every row at once
            for h, p, ch, ct, e, r, at, g, n, m in cursor:  # as _keyed_rows, joins inline
                if p is not None and (parent := got(p)) is not None:
                    p = parent[0]
                t = token(ch)
                pj = payload(ch)
                if lean:
                    ch = "" if t is not None else ch
                    at = at if e else None
                out[h] = make((h, p, ch, kind(ct, ct), e, r, at, g, n, pj, t, m))
            return out
        finally:
            cursor.close()

    def tract_merge_parents(self, tract_id: str) -> dict[str, tuple[str, ...]]:
        acc: dict[str, list[tuple[int, str]]] = {}
        # A tract that is most of a SQLite store: read the parent rows and look each
        # commit's tract up, not the other way round (SQLite, without statistics, walks all
        # of the tract's commits probing for parent rows: 1.4 s against 0.2 s at 1M).
        by_parents = self.conn.dialect.name == "sqlite" and self._tract_holds_the_commits(tract_id)
        stmt = cr.tract_merge_parents(by_parents)
        rows = raw_rows(self.conn, stmt, {"tract_id": tract_id})
        for commit_hash, parent_hash, position in rows:
            acc.setdefault(commit_hash, []).append((int(position), parent_hash))
        return {h: tuple(p for _, p in sorted(v)) for h, v in acc.items()}

    def tract_first_parents(self, tract_id: str) -> dict[str, str | None]:
        return dict(raw_rows(self.conn, cr.tract_first_parents(), {"tract_id": tract_id}))
