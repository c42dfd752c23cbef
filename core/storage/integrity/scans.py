"""The integrity audit behind ``tract-tui verify``: batched hash scans, references, cycles.

Dangling references, bad positions and EDIT rules are single set-based queries over whole
tables (anti-joins, GROUP BY), streamed. Blob and commit hashes are recomputed over
keyset-paged batches; only a commit → parents map is kept, for the parent-cycle search.

It lives in the storage layer because it reads the stored rows themselves (raw enum text,
unparsed timestamps, rows that no foreign key protects), which the repositories deliberately
decode leniently or never return. The reference checks are in ``references.py``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Connection, Select, func, inspect, select

from core.engine.clock import from_storage
from core.engine.hashing import commit_hash, commit_hash_candidates, content_hash
from core.engine.rules import NEVER_COMPILED
from core.models.content import DEFAULT_REGISTRY
from core.models.enums import CommitOperation
from core.storage import schema as s
from core.storage.integrity.references import ReferenceChecks
from core.storage.schema_head import ADDED_TABLES, commits_table
from core.storage.sqla._common import raw_text
from core.storage.sqla.uow import SqlUnitOfWork
from core.storage.versions import detect

Progress = Callable[[str, int], None]


def _json_object_problem(raw: Any) -> str | None:
    """Why a stored JSON column that must hold an object (or null) does not, else None."""
    if raw is None or isinstance(raw, dict):
        return None
    if not isinstance(raw, (str, bytes)):
        return f"is a {type(raw).__name__}, not a JSON object"
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return f"is not valid JSON ({exc.args[0] if exc.args else exc})"
    if value is not None and not isinstance(value, dict):
        return f"is a JSON {type(value).__name__}, not an object"
    return None


class ProblemSink(Protocol):
    rows_checked: dict[str, int]

    def add(self, kind: str, table: str, key: tuple[str | int, ...], detail: str) -> None: ...


class Checker(ReferenceChecks):
    """Runs every check over one connection, reporting through ``sink``."""

    def __init__(
        self,
        conn: Connection,
        sink: ProblemSink,
        batch: int = 2000,
        progress: Progress | None = None,
    ) -> None:
        self.conn = conn
        self.report = sink
        self.batch = batch
        self.progress = progress or (lambda _stage, _n: None)
        self.tables = set(inspect(conn).get_table_names())
        self.version = detect(conn)
        # response_to (≤ v8) or edit_target (v8 on): read through one table object either way.
        self.commits_t = commits_table(self.version.edit_column or "response_to")
        self.edges: dict[str, tuple[str, ...]] = {}  # commit → its parents (cycle search)
        self.custom_types: dict[str, int] = {}  # unknown but consistent content types
        # (hash, recomputed) of roots whose hash may have been made over a parent gc removed
        self.parent_cleared: list[tuple[str, str]] = []

    def emit(
        self, stmt: Select[Any], kind: str, table: str, nkeys: int, detail: Callable[[Any], str]
    ) -> None:
        for row in self.conn.execute(stmt.execution_options(yield_per=1000)):
            self.report.add(kind, table, tuple(row[:nkeys]), detail(row))

    def required_tables(self) -> list[str]:
        """The tables tract-ai's layout of this version must have (stores tract-ai c2f26dd
        creates have no policy tables; the tables later versions add are checked too)."""
        version = self.version.schema_version or 6
        names = [n for n in s.V6_TABLES if version <= 6 or not n.startswith("policy_")]
        for added_in, tables in ADDED_TABLES.items():
            if version >= added_in:
                names.extend(t.name for t in tables)
        return names

    def run(self) -> None:
        for name in self.required_tables():
            if name not in self.tables:
                self.report.add("missing_table", name, (), "table is missing")
        if self.conn.dialect.name == "sqlite":
            for (msg,) in self.conn.exec_driver_sql("PRAGMA quick_check"):
                if msg != "ok":
                    self.report.add("sqlite_integrity", "(database file)", (), str(msg))
            self.progress("quick_check", 1)
        for name in s.V6_TABLES:
            if name in self.tables:
                self.report.rows_checked[name] = int(
                    self.conn.execute(
                        select(func.count()).select_from(s.Base.metadata.tables[name])
                    ).scalar_one()
                )
        self.progress("row counts", sum(self.report.rows_checked.values()))
        self.blobs()
        self.commits()
        self.references()
        self.edit_targets()
        self.refs()
        self.positions()
        self.cycles()
        self.parents_cleared()
        notes = getattr(self.report, "notes", None)
        if self.custom_types and isinstance(notes, list):
            listed = ", ".join(f"{t!r} ({n})" for t, n in sorted(self.custom_types.items()))
            notes.append(f"content types this tool does not know (custom types?): {listed}")
        if self.parent_cleared and isinstance(notes, list):
            shown = ", ".join(h[:12] for h, _ in self.parent_cleared[:5])
            more = ", …" if len(self.parent_cleared) > 5 else ""
            notes.append(
                f"{len(self.parent_cleared)} commit(s) whose parent was collected (tract-ai's gc "
                f"clears the link), so their hash cannot be recomputed: {shown}{more}"
            )

    def blobs(self) -> None:
        done = 0
        for rows in SqlUnitOfWork(self.conn, writable=False).blobs.iter_raw(self.batch):
            for stored, text in rows:
                try:
                    payload = json.loads(text)
                except (TypeError, ValueError) as exc:
                    self.report.add(
                        "invalid_json", "blobs", (stored,), f"payload_json is invalid JSON ({exc})"
                    )
                    continue
                if not isinstance(payload, dict):
                    self.report.add(
                        "invalid_payload",
                        "blobs",
                        (stored,),
                        f"payload is a JSON {type(payload).__name__}, not an object",
                    )
                computed = content_hash(payload)
                if computed != stored:
                    self.report.add(
                        "hash_mismatch",
                        "blobs",
                        (stored,),
                        f"hash mismatch (stored {stored}, computed {computed})",
                    )
            done += len(rows)
            self.progress("blobs", done)

    def commits(self) -> None:
        commits = self.commits_t
        c, cp = commits.c, s.commit_parents.c
        base = (
            select(
                c.commit_hash,
                c.parent_hash,
                c.content_hash,
                c.content_type,
                raw_text(c.operation).label("op"),
                c.response_to.label("response_to"),
                raw_text(c.created_at).label("ts"),
                s.blobs.c.payload_json,
                raw_text(c.token_count).label("tokens"),
                raw_text(c.metadata_json).label("meta"),
                raw_text(c.generation_config_json).label("gen"),
            )
            .select_from(commits.outerjoin(s.blobs, s.blobs.c.content_hash == c.content_hash))
            .order_by(c.commit_hash)
            .limit(self.batch)
        )
        last, done = "", 0
        while rows := self.conn.execute(base.where(c.commit_hash > last)).all():
            merges: dict[str, list[tuple[int, str]]] = {}
            for m in self.conn.execute(
                select(cp.commit_hash, cp.parent_hash, cp.position).where(
                    cp.commit_hash >= rows[0].commit_hash, cp.commit_hash <= rows[-1].commit_hash
                )
            ):
                merges.setdefault(m.commit_hash, []).append((int(m.position), m.parent_hash))
            for row in rows:
                parents = [p for _, p in sorted(merges.get(row.commit_hash, []))]
                self.commit_row(row, parents or None)
            done += len(rows)
            last = rows[-1].commit_hash
            self.progress("commits", done)

    def commit_row(self, row: Any, merge_parents: list[str] | None) -> None:
        h = row.commit_hash
        # Interned, so a hash held as a parent and as a key is one object (~90 B/commit saved).
        edges = tuple(
            sys.intern(p)
            for p in dict.fromkeys(
                [*([row.parent_hash] if row.parent_hash else []), *(merge_parents or [])]
            )
        )
        if edges:
            self.edges[sys.intern(h)] = edges
        if row.payload_json is not None:
            try:
                payload = json.loads(row.payload_json)
            except (TypeError, ValueError):
                payload = None  # reported with the blob
            if (
                DEFAULT_REGISTRY.model(str(row.content_type)) is None
                and str(row.content_type) not in self.rules_types
            ):
                self.unknown_type(row, payload)
            if isinstance(payload, dict) and payload.get("content_type") != row.content_type:
                self.report.add(
                    "content_type_mismatch",
                    "commits",
                    (h,),
                    f"content_type {row.content_type!r} differs from its blob "
                    f"{row.content_hash} ({payload.get('content_type')!r})",
                )
        self.commit_values(row)
        if row.op not in CommitOperation.__members__:
            self.report.add(
                "invalid_value",
                "commits",
                (h,),
                f"operation {row.op!r} is not APPEND or EDIT; hash not checked",
            )
            return
        try:
            created_at = from_storage(row.ts)
        except (TypeError, ValueError):
            self.report.add(
                "invalid_value",
                "commits",
                (h,),
                f"created_at {row.ts!r} is not a timestamp; hash not checked",
            )
            return
        fields = dict(
            content_hash=row.content_hash,
            parent_hash=row.parent_hash,
            content_type=row.content_type,
            operation=CommitOperation[row.op],
            created_at=created_at,
            response_to=row.response_to,
        )
        keys = self.edit_keys
        if h not in commit_hash_candidates(**fields, merge_parents=merge_parents, edit_keys=keys):
            computed = commit_hash(**fields, parent_hashes=merge_parents, edit_key=keys[0])
            if row.parent_hash is None and not merge_parents:
                # tract-ai's gc (both versions) deletes a commit that a kept one has as its
                # parent (an import's source keeps its own, collected, parent) and sets the
                # kept one's parent_hash to NULL: the hash was made over a commit no longer
                # anywhere. Its blob is still checked; a tract's first commit is not excused
                # (``parents_cleared``).
                self.parent_cleared.append((h, computed))
                return
            self.report.add(
                "hash_mismatch", "commits", (h,), f"hash mismatch (stored {h}, computed {computed})"
            )

    def parents_cleared(self) -> None:
        """A root whose hash does not recompute is excused only when an older root of its
        tract exists (the tract's real first commit): gc never clears the first commit's
        parent, so a first commit that fails is damage."""
        if not self.parent_cleared:
            return
        c = self.commits_t.c
        firsts = {
            tract: first
            for tract, first in self.conn.execute(
                select(c.tract_id, func.min(raw_text(c.created_at)))
                .where(c.parent_hash.is_(None))
                .group_by(c.tract_id)
            )
        }
        where: dict[str, tuple[str, str]] = {}  # hash → (tract, time), read in chunks
        hashes = [h for h, _ in self.parent_cleared]
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            for h, tract, ts in self.conn.execute(
                select(c.commit_hash, c.tract_id, raw_text(c.created_at)).where(
                    c.commit_hash.in_(chunk)
                )
            ):
                where[h] = (tract, ts)
        excused = []
        for h, computed in self.parent_cleared:
            tract, ts = where[h]
            if firsts.get(tract) == ts:
                self.report.add(
                    "hash_mismatch",
                    "commits",
                    (h,),
                    f"hash mismatch (stored {h}, computed {computed})",
                )
            else:
                excused.append((h, computed))
        self.parent_cleared = excused

    @property
    def rules_types(self) -> frozenset[str]:
        """Content types the store's tract-ai knows beyond ours (c2f26dd's never-compiled
        ``config`` and ``metadata``), so verify does not call them custom."""
        return NEVER_COMPILED if self.version.rules == "c2f26dd" else frozenset()

    @property
    def edit_keys(self) -> tuple[str, ...]:
        """The keys an EDIT's target may have in a genuine commit hash of this layout.

        A store with ``edit_target`` hashes its EDITs with that key; its older EDITs (written
        before tract-ai 27a3cdc, or before ``upgrade --to``) keep ``response_to``. Other stores
        use ``response_to``, and early v1 commits ``reply_to``.
        """
        if self.version.edit_column == "edit_target":
            return ("edit_target", "response_to")
        return ("response_to", "reply_to")

    def commit_values(self, row: Any) -> None:
        """Columns no hash covers, which readers would otherwise meet as a surprise."""
        h = row.commit_hash
        for column, raw in (("metadata_json", row.meta), ("generation_config_json", row.gen)):
            problem = _json_object_problem(raw)
            if problem:
                self.report.add("invalid_value", "commits", (h,), f"{column} {problem}")
        try:
            tokens = int(row.tokens)
        except (TypeError, ValueError):
            self.report.add(
                "invalid_value", "commits", (h,), f"token_count {row.tokens!r} is not a number"
            )
        else:
            if tokens < 0:
                self.report.add(
                    "invalid_value", "commits", (h,), f"token_count {tokens} is negative"
                )

    def unknown_type(self, row: Any, payload: Any) -> None:
        """A content type nothing here knows: damage when its blob disagrees (or cannot be
        read); a custom type of tract-ai's (the blob says the same) is only noted."""
        name = str(row.content_type)
        if isinstance(payload, dict) and payload.get("content_type") == name:
            self.custom_types[name] = self.custom_types.get(name, 0) + 1
            return
        self.report.add(
            "unknown_content_type",
            "commits",
            (row.commit_hash,),
            f"content_type {name!r} is not a known content type, and its blob does not say it",
        )

    def cycles(self) -> None:
        for members in find_cycles(self.edges):
            shown = ", ".join(members[:5]) + (", …" if len(members) > 5 else "")
            self.report.add(
                "cycle",
                "commits",
                (members[0],),
                f"parent cycle: commit is its own ancestor "
                f"({len(members)} commit(s) in the cycle: {shown})",
            )
        self.edges = {}


def find_cycles(edges: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """Strongly connected parent cycles (each sorted), from a commit → parents map.

    Commits nothing points at are pruned first (Kahn), so a clean DAG costs one linear pass;
    only what remains goes through an iterative Tarjan search.
    """
    children: dict[str, int] = {}
    for ps in edges.values():
        for p in ps:
            if p in edges:
                children[p] = children.get(p, 0) + 1
    stack = [n for n in edges if not children.get(n)]
    while stack:
        for p in edges[stack.pop()]:
            if p in edges:
                children[p] -= 1
                if children[p] == 0:
                    stack.append(p)
    rest = {n for n, k in children.items() if k > 0}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: list[str] = []
    on_set: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(rest):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = len(index)
        on_stack.append(root)
        on_set.add(root)
        while work:
            node, it = work[-1]
            nxt = next((p for p in it if p in rest), None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    on_stack.append(nxt)
                    on_set.add(nxt)
                    work.append((nxt, iter(edges[nxt])))
                elif nxt in on_set:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    top = on_stack.pop()
                    on_set.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1 or node in edges[node]:
                    found.append(sorted(comp))
    return found
