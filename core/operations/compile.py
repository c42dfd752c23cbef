"""Compiling a tract: full and incremental compiles, time travel, recorded compiles.

The ``Compiler`` keeps a per-head LRU of :class:`~core.engine.compiler.Snapshot` s. A compile
of a head that extends a cached head by plain commits patches that snapshot (moving it to the
new head) — O(new commits) — and annotation changes since the snapshot are re-applied from
the annotations table, so a cached compile always equals a full one.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from core.engine.build_once import BuiltOnce
from core.engine.collector import collector_paused
from core.engine.compile_order import sequence_order
from core.engine.snapshot import Snapshot
from core.engine.tokens import REPLY_PRIMER
from core.errors import CompileError
from core.models.compiled import CompiledContext, CompileRow, Rendered
from core.models.content import BUILTIN_TYPES
from core.models.records import CommitInfo, CompileRecord, HeadState
from core.operations.context import TractContext, head_state
from core.storage.repositories import UnitOfWork

# How far back a new head may be from a cached one: a small window first (an agent turn adds
# a commit or two), then a wider one before giving up and compiling in full.
INCREMENTAL_WINDOWS = (4, 64)
CACHE_SIZE = 8
CALIBRATIONS_KEPT = 64
TOOL_CACHE_SIZE = 256
WRITTEN_KEPT = 64


class _Loader:
    """Adapts a unit of work to the compiler's SequenceLoader (compress plans walk with it)."""

    def __init__(self, uow: UnitOfWork, encoding: str) -> None:
        self.uow = uow
        self.encoding = encoding

    def chain(self, head: str, limit: int | None) -> list[CompileRow]:
        return self.uow.commits.compile_chain(head, self.encoding, limit=limit)

    def merge_parents(self, hashes: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return self.uow.parents.parents_of(hashes)


class _Graph:
    """The commits a cold compile orders: a tract's rows (with their first parents) and its
    merges' parents, loaded whole in two set-based queries the first time one of its commits
    is asked for."""

    def __init__(self, uow: UnitOfWork, encoding: str, lean: bool = False) -> None:
        self.uow = uow
        self.encoding = encoding
        self.lean = lean
        self.rows: dict[str, CompileRow] = {}
        self.merges: dict[str, tuple[str, ...]] = {}
        self.tracts: list[str] = []

    def parents_of(self, commit_hash: str) -> tuple[str | None, tuple[str, ...]] | None:
        row = self.rows.get(commit_hash)
        if row is None:
            if not self._load(commit_hash):
                return None
            row = self.rows[commit_hash]
        return row[1], self.merges.get(commit_hash, ())

    def _load(self, commit_hash: str) -> bool:
        # A commit outside the tracts loaded so far (a clone's parent keeps its hash).
        tract = self.uow.commits.tract_of(commit_hash)
        if tract is None or tract in self.tracts:
            return False
        self.tracts.append(tract)
        commits = self.uow.commits
        rows = commits.tract_compile_rows(tract, self.encoding, lean=self.lean)
        if self.rows:
            self.rows.update(rows)
        else:
            self.rows = rows
        self.merges.update(commits.tract_merge_parents(tract))
        return commit_hash in self.rows


def _cold_sequence(
    uow: UnitOfWork, head: str, encoding: str, lean: bool = False
) -> list[CompileRow]:
    """The compile order of ``head`` with every row: loaded set-based, ordered in memory."""
    graph = _Graph(uow, encoding, lean)
    order = sequence_order(head, graph.parents_of)
    rows, merges = graph.rows, graph.merges
    out = list(map(rows.__getitem__, order))
    if merges:
        for i, h in enumerate(order):
            parents = merges.get(h)
            if parents:
                out[i] = out[i]._replace(n_parents=len(parents))
    return out


class QuietHead(NamedTuple):
    """What a tract knows while nothing but its own appends has changed the store since it
    last read HEAD: the store's change token then, HEAD as it is now, and the head whose
    snapshot that read compiled (the appends since extend it; see Compiler.compile_known)."""

    token: tuple[int, int, int]
    state: HeadState
    base: str

    def appended(self, info: CommitInfo) -> QuietHead:
        """After one more append on the attached branch, committed as the store's only
        change (so its own commit count moved by one)."""
        token = (self.token[0], self.token[1], self.token[2] + 1)
        return QuietHead(
            token, HeadState(self.state.ref, info.commit_hash, info.created_at), self.base
        )


def empty_context() -> CompiledContext:
    return CompiledContext((), 0, "", (), ())


class Compiler:
    """Compiles one tract. Thread-safe; one per :class:`core.Tract`."""

    def __init__(self, ctx: TractContext, cache_size: int = CACHE_SIZE) -> None:
        self.ctx = ctx
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Snapshot] = OrderedDict()
        self._token_memo: dict[str, int] = {}
        self._lock = threading.RLock()
        # head -> (prompt, completion, delta) from record_usage; survives clear() because a
        # hash names immutable content, and re-applies when that head is rebuilt.
        self._calibrations: OrderedDict[str, tuple[int, int, int]] = OrderedDict()
        # head -> the tools a compile of it carries (immutable for a hash, like the above).
        self._tool_cache: OrderedDict[str, tuple[dict[str, Any], ...]] = OrderedDict()
        # Commits this tract appended and committed, as a compile reads them (note_written):
        # the next compile extends its snapshot from these instead of reading them back.
        self._written: OrderedDict[str, CompileRow] = OrderedDict()
        # Compiles "as of" a time being built now, by (head, time): a second thread asking
        # the same waits for the first instead of building it again (the records panel's
        # record view and reproduction both compile a record's head as of its time). Kept
        # only while being built: a big as-of snapshot is not held for later.
        self._flights: BuiltOnce[Snapshot] = BuiltOnce()
        self._generation = 0  # moved by clear(): a build begun before it is not shared

    def clear(self) -> None:
        """Structural operations (merge, compress, import, rebase, GC) invalidate the cache."""
        with self._lock:
            self._cache.clear()
            self._written.clear()
            self._generation += 1

    def note_written(self, row: CompileRow) -> None:
        """A commit this tract has just committed, exactly as a compile would read it back.
        A hash names immutable content, so the row stays true whoever moves HEAD later."""
        with self._lock:
            self._written[row.commit_hash] = row
            while len(self._written) > WRITTEN_KEPT:
                self._written.popitem(last=False)

    # -- token cache: stored per blob, else counted once per process ---------------------

    def _trusted(self, row: CompileRow) -> bool:
        # Stored counts were made with the built-in models; a custom model may render
        # the same type differently.
        return row.content_type in BUILTIN_TYPES and row.content_type not in (
            self.ctx.registry.custom
        )

    def cached(self, row: CompileRow) -> int | None:
        content_type = row.content_type
        if content_type not in BUILTIN_TYPES or content_type in self.ctx.registry.custom:
            return None
        if self.ctx.rules.uses_metadata(row.metadata_json):
            return None  # its message takes fields from the commit, not just the blob
        tokens = row.message_tokens
        if tokens is not None:
            return tokens
        return self._token_memo.get(row.content_hash)

    def count(self, row: CompileRow, rendered: Rendered) -> int:
        value = self.ctx.rules.message_tokens(self.ctx.counter, rendered)
        if self._trusted(row) and not self.ctx.rules.uses_metadata(row.metadata_json):
            if len(self._token_memo) > 200_000:
                self._token_memo.clear()
            self._token_memo[row.content_hash] = value
        return value

    def _new_snapshot(self) -> Snapshot:
        return Snapshot(self.ctx.registry, self.ctx.counter, self, self.ctx.rules)

    @property
    def _cache_key(self) -> str:
        return self.ctx.rules.token_cache_key(self.ctx.counter.encoding_name)

    def _tools(self, uow: UnitOfWork, head: str) -> tuple[dict[str, Any], ...]:
        """c2f26dd: the tools of the nearest first-parent ancestor of ``head`` that has any."""
        if not self.ctx.rules.is_head:
            return ()
        found = self._tool_cache.get(head)
        if found is None:
            found = self._tool_cache[head] = uow.head_tables.tools_for_head(head)
            while len(self._tool_cache) > TOOL_CACHE_SIZE:
                self._tool_cache.popitem(last=False)
        return found

    # -- compiling --------------------------------------------------------------------------

    def compile(
        self,
        uow: UnitOfWork,
        *,
        head: str | None = None,
        at_time: datetime | None = None,
        include_edit_annotations: bool = False,
    ) -> CompiledContext:
        """Compile ``head`` (a commit hash; HEAD when None), optionally as of ``at_time``."""
        if head is None:
            head = head_state(uow, self.ctx.tract_id).commit
        if head is None:
            return empty_context()
        source = self.ctx.counter.source
        tools = self._tools(uow, head)
        if at_time is not None:
            snap = self._as_of(uow, head, at_time)
            with self._lock:  # a snapshot shared with another thread's flight
                return snap.context(
                    source, include_edit_annotations=include_edit_annotations, tools=tools
                )
        with self._lock:
            snap = self._cached(uow, head)
            return snap.context(
                source, include_edit_annotations=include_edit_annotations, tools=tools
            )

    def read_once(self, uow: UnitOfWork, head: str) -> tuple[Snapshot, CompiledContext]:
        """A compile of ``head`` for a reader of every message once (``compile --json``):
        a snapshot of its own, never cached, from lean rows (``tract_compile_rows``), with
        the context it gives. The same messages, tokens and calibration as :meth:`compile`."""
        snap = self._full(uow, head, lean=True)
        with self._lock:
            self._recalibrate(snap)
        context = snap.context(self.ctx.counter.source, tools=self._tools(uow, head))
        return snap, context

    def rows_of(self, head: str) -> list[CompileRow] | None:
        """``head``'s compile order as its cached snapshot holds it, every commit with its
        first parent (None: no snapshot of ``head`` is cached). Commits never change, so this
        holds for any compile or record of ``head``."""
        with self._lock:
            snap = self._cache.get(head)
            return None if snap is None else list(snap.rows)

    def compile_known(
        self, head: str, base: str, *, include_edit_annotations: bool = False
    ) -> CompiledContext | None:
        """Compile ``head`` without reading the store, or None when that cannot be done.

        For a caller that knows nothing changed in the store since ``base``'s snapshot was
        compiled (and its annotations applied) except the commits it appended since, noted
        by :meth:`note_written`: ``head`` is ``base`` or extends it by those. Such commits
        carry no tools, so ``head`` has ``base``'s.
        """
        with self._lock:
            snap = self._cache.get(base)
            if snap is None:
                return None
            tools: tuple[dict[str, Any], ...] = ()
            if self.ctx.rules.is_head:
                found = self._tool_cache.get(base)
                if found is None:
                    return None
                tools = found
            newer: list[CompileRow] = []
            at = head
            while at != base:
                row = self._written.get(at)
                if row is None or row.n_parents >= 2 or row.parent_hash is None:
                    return None
                newer.append(row)
                at = row.parent_hash
            if newer:
                del self._cache[base]  # the snapshot moves to the new head
                newer.reverse()
                snap.append(newer, {}, head)
                self._recalibrate(snap, [r.commit_hash for r in newer])
                self._cache[head] = snap
                if self.ctx.rules.is_head:
                    self._tool_cache[head] = tools
                    while len(self._tool_cache) > TOOL_CACHE_SIZE:
                        self._tool_cache.popitem(last=False)
            else:
                self._cache.move_to_end(head)
            return snap.context(
                self.ctx.counter.source,
                include_edit_annotations=include_edit_annotations,
                tools=tools,
            )

    def calibrate(
        self, uow: UnitOfWork, head: str, prompt: int, completion: int
    ) -> CompiledContext:
        """Usage calibration: ``head`` now compiles to ``prompt`` tokens, labelled ``api:``."""
        with self._lock:
            snap = self._cached(uow, head)
            snap.calibrate(prompt, completion)
            self._calibrations[head] = (prompt, completion, snap.api_delta)
            self._calibrations.move_to_end(head)
            while len(self._calibrations) > CALIBRATIONS_KEPT:
                self._calibrations.popitem(last=False)
            return snap.context(self.ctx.counter.source, tools=self._tools(uow, head))

    def _recalibrate(self, snap: Snapshot, hashes: Sequence[str] | None = None) -> None:
        """Re-apply the newest calibration among ``hashes`` (default: the whole sequence)."""
        if not self._calibrations:
            return
        if hashes is None:
            found = [(snap.index[h], h) for h in self._calibrations if h in snap.index]
            newest = max(found)[1] if found else None
        else:
            newest = next((h for h in reversed(hashes) if h in self._calibrations), None)
        if newest is not None:
            snap.calibrate(*self._calibrations[newest])

    def _as_of(self, uow: UnitOfWork, head: str, at_time: datetime) -> Snapshot:
        """``head`` compiled as of ``at_time``, built once for the threads asking at once.
        A waiter takes the builder's snapshot only if its own read sees the same
        annotations (commits never change; an as-of compile depends on nothing else)."""

        def same_annotations(snap: Snapshot) -> bool:
            return snap.annotation_mark == uow.annotations.max_id(self.ctx.tract_id)

        return self._flights.get(
            (head, at_time, self._generation),
            lambda: self._full(uow, head, at_time=at_time),
            same_annotations,
        )

    def _full(
        self, uow: UnitOfWork, head: str, *, at_time: datetime | None = None, lean: bool = False
    ) -> Snapshot:
        tract = self.ctx.tract_id
        mark = uow.annotations.max_id(tract)
        with collector_paused():  # every object the load makes stays alive
            sequence = _cold_sequence(uow, head, self._cache_key, lean)
            if not sequence:
                raise CompileError(f"commit {head[:12]} not found")
            priorities = uow.annotations.in_force_for_tract(tract, at_time or self.ctx.now())
            snap = self._new_snapshot()
            snap.load(head, sequence, priorities, at_time=at_time)
        snap.annotation_mark = mark
        return snap

    def _cached(self, uow: UnitOfWork, head: str) -> Snapshot:
        snap = self._cache.get(head)
        if snap is not None:
            self._cache.move_to_end(head)
            self._refresh_annotations(uow, snap)
            return snap
        snap = self._extend_cached(uow, head)
        if snap is None:
            snap = self._full(uow, head)
            self._recalibrate(snap)
        self._cache[head] = snap
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return snap

    def _extend_cached(self, uow: UnitOfWork, head: str) -> Snapshot | None:
        if not self._cache:
            return None
        newer: list[CompileRow] = []
        at: str | None = head
        while at is not None and at not in self._cache:
            row = self._written.get(at)
            if row is None:
                break
            newer.append(row)
            at = row.parent_hash
        if newer and at is not None and at in self._cache:
            return self._extend(uow, head, newer, at)  # nothing read back
        for window in INCREMENTAL_WINDOWS:
            rows = uow.commits.compile_chain(head, self._cache_key, limit=window)
            snap = self._extend_from(uow, head, rows)
            if snap is not None or len(rows) < window:
                return snap
        return None

    def _extend_from(self, uow: UnitOfWork, head: str, rows: list[CompileRow]) -> Snapshot | None:
        for i, row in enumerate(rows):
            if row.commit_hash in self._cache:
                return self._extend(uow, head, rows[:i], row.commit_hash)
        return None

    def _extend(
        self, uow: UnitOfWork, head: str, newer: list[CompileRow], base: str
    ) -> Snapshot | None:
        """Move the snapshot of ``base`` to ``head`` by ``newer`` (newest first)."""
        if any(r.n_parents >= 2 for r in newer):
            return None  # structural: recompile
        snap = self._cache.pop(base)  # moves to the new head
        # An annotation of a new commit is newer than it, so newer than the snapshot's
        # mark: with no new annotation at all, none of them has one (an agent turn
        # skips the query).
        annotated = self._refresh_annotations(uow, snap)
        newer.reverse()
        priorities = uow.annotations.in_force([r.commit_hash for r in newer]) if annotated else {}
        snap.append(newer, priorities, head)
        self._recalibrate(snap, [r.commit_hash for r in newer])
        return snap

    def _refresh_annotations(self, uow: UnitOfWork, snap: Snapshot) -> bool:
        """Apply the annotations made since the snapshot's; False when there were none."""
        tract = self.ctx.tract_id
        mark = uow.annotations.max_id(tract)
        if mark == snap.annotation_mark:
            return False
        changed = {a.target_hash for a in uow.annotations.since(tract, snap.annotation_mark)}
        targets = [h for h in changed if h in snap.index]
        if targets:
            in_force = uow.annotations.in_force(targets, self.ctx.now())
            snap.reprioritise({h: in_force.get(h) for h in targets})
        snap.annotation_mark = mark
        return True


# --- compile records ----------------------------------------------------------------------


def write_record(
    uow: UnitOfWork,
    ctx: TractContext,
    compiled: CompiledContext,
    params: dict[str, Any] | None,
) -> CompileRecord:
    """Persist what a compile produced: counts, label, and the ordered effective commits."""
    record = CompileRecord(
        record_id=uuid.uuid4().hex,
        tract_id=ctx.tract_id,
        head_hash=compiled.head_hash or "",
        token_count=compiled.token_count,
        commit_count=compiled.commit_count,
        token_source=compiled.token_source,
        params=params,
        created_at=ctx.now(),
        effectives=tuple(compiled.commit_hashes),
    )
    uow.records.add(record)
    return record


def recount(ctx: TractContext, compiled: CompiledContext) -> int:
    if not compiled.messages:
        return 0
    return sum(ctx.tokens_of(m) for m in compiled.messages) + REPLY_PRIMER + compiled.tools_tokens
