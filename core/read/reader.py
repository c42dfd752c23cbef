"""``StoreReader``: the read models of one tract, each one read transaction.

Everything a screen or a report shows comes from here: refs and their labels, the graph (its
first screen and further pages), row and commit details, the fingerprint that tells a poller
"something changed", event and record pages, a record as sent, search and a quick health
check. Each method opens its own read transaction on the store (one pooled connection per
thread; safe to call from worker threads) and returns plain immutable data. Writes are not
here: they are ``Tract`` methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.models.records import CommitInfo
from core.models.refs import branch_short, is_branch
from core.operations.context import head_state
from core.tract import Tract
from core.views.graph import GraphMode, GraphModel, ScanRow, ref_labels
from core.views.graph_rows import RowInfo, row_details

if TYPE_CHECKING:  # imported by the reads that return them: opening a store needs none
    from core.explain.blame import Blame
    from core.explain.cache_breaks import CacheBreak
    from core.explain.diff import RecordDiff
    from core.explain.lost import CompactionLoss
    from core.explain.models import Explanation, Lens
    from core.explain.timeline import TokenTimeline
    from core.facade.compress import CompressPreview
    from core.operations.records import Reproduction
    from core.storage.repositories import UnitOfWork
    from core.views.commit_detail import CommitDetail
    from core.views.events import EventPage
    from core.views.health import QuickCheck
    from core.views.record_view import RecordView
    from core.views.records import RecordPage
    from core.views.search import SearchQuery

PageKey = tuple[object, str]  # (created_at as stored, commit hash): where the next page starts
GRAPH_PAGE = 5000


@dataclass(frozen=True)
class RefsState:
    labels: dict[str, list[str]]  # commit → labels (``HEAD → main``, ``feature``, ``HEAD``)
    branch: str | None
    head: str | None
    detached: bool
    branches: tuple[str, ...]


@dataclass(frozen=True)
class Fingerprint:
    """Cheap summary of everything a screen shows; a change means "reload"."""

    refs: tuple[tuple[str, str | None, str | None], ...]
    newest: str | None  # newest commit: no count(*), which grows with the history
    annotations: int
    events: int
    records: int


@dataclass(frozen=True)
class GraphDelta:
    """What was written above a graph's newest scanned commit, read in one transaction."""

    refs: RefsState
    rows: list[ScanRow]  # newest first, every one sorting above the watermark
    complete: bool  # False: more than the limit asked for (rescan instead)
    watermark_kept: bool  # False: the watermark commit is gone (GC): rescan
    # Older commits whose row details the writes changed: the targets of the new EDIT commits
    # and of the annotations made since ``annotations_after``.
    touched: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FirstScreen:
    """The graph's first page, laid out, with the details of its first rows."""

    refs: RefsState
    model: GraphModel  # fed with the first page; the scan goes on feeding it
    details: dict[str, RowInfo]
    after: PageKey | None  # where the next page starts; None when complete


class StoreReader:
    """The read models of ``tract``; safe to share between threads."""

    def __init__(self, tract: Tract) -> None:
        self.tract = tract

    @property
    def tract_id(self) -> str:
        return self.tract.tract_id

    @property
    def display(self) -> str:
        """The store as people should see it (a path, or a URL without its password)."""
        return self.tract.store.display

    # -- refs and the graph -----------------------------------------------------------------

    def refs(self, *, head_arrow: str = "→") -> RefsState:
        with self.tract.store.read() as uow:
            return self._refs(uow, head_arrow)

    def _refs(self, uow: UnitOfWork, head_arrow: str = "→") -> RefsState:
        state = head_state(uow, self.tract_id)
        refs = uow.refs.list(self.tract_id)
        labels = ref_labels(refs, state.branch, state.commit, state.detached, arrow=head_arrow)
        branches = tuple(branch_short(r.ref_name) for r in refs if is_branch(r.ref_name))
        return RefsState(labels, state.branch, state.commit, state.detached, branches)

    def graph_page(self, after: PageKey | None, limit: int) -> list[ScanRow]:
        """The next ``limit`` commits of the tract, newest first, after ``after``."""
        with self.tract.store.read() as uow:
            rows = uow.commits.graph_page(self.tract_id, after=after, limit=limit)
        return [ScanRow(h, p, t) for h, p, t in rows]

    def graph_since(
        self, watermark: PageKey, limit: int, *, annotations_after: int | None = None
    ) -> GraphDelta:
        """The refs and the commits sorting above ``watermark`` (a key ``graph_page`` returned;
        at most ``limit``), in one read transaction so the refs name no commit it missed; with
        the older commits whose details changed (edited; annotated after the annotation id
        ``annotations_after``, when given)."""
        with self.tract.store.read() as uow:
            refs = self._refs(uow)
            rows = uow.commits.graph_page(
                self.tract_id, after=None, limit=limit, newer_than=watermark
            )
            kept = bool(uow.commits.get_many([watermark[1]]))
            new = uow.commits.get_many([h for h, _, _ in rows]) if rows else {}
            touched = {c.response_to for c in new.values() if c.is_edit and c.response_to}
            if annotations_after is not None:
                since = uow.annotations.since(self.tract_id, annotations_after)
                touched.update(a.target_hash for a in since)
        scan = [ScanRow(h, p, t) for h, p, t in rows]
        return GraphDelta(refs, scan, len(scan) < limit, kept, frozenset(touched))

    def first_screen(self, mode: GraphMode, page: int, detail_rows: int) -> FirstScreen:
        refs = self.refs()
        model = GraphModel(refs.labels, mode)
        rows = self.graph_page(None, page)
        complete = len(rows) < page
        model.feed(rows, last=complete)
        details = self.row_details(model.hashes[:detail_rows])
        after = None if complete else (rows[-1].created_at, rows[-1].commit_hash)
        return FirstScreen(refs, model, details, after)

    def graph(
        self,
        mode: GraphMode | None = None,
        *,
        limit: int | None = None,
        head_arrow: str = "→",
    ) -> tuple[RefsState, GraphModel]:
        """The graph as the app draws it, scanned until ``limit`` rows show (or complete)."""
        refs = self.refs(head_arrow=head_arrow)
        model = GraphModel(refs.labels, mode or GraphMode())
        after: PageKey | None = None
        while limit is None or len(model) < limit:
            rows = self.graph_page(after, GRAPH_PAGE)
            last = len(rows) < GRAPH_PAGE
            model.feed(rows, last=last)
            if last:
                break
            after = (rows[-1].created_at, rows[-1].commit_hash)
        return refs, model

    def commits(self, hashes: Sequence[str]) -> dict[str, CommitInfo]:
        """The stored commits among ``hashes`` (set-based: one query per chunk)."""
        with self.tract.store.read() as uow:
            return uow.commits.get_many(hashes)

    def row_details(self, hashes: Sequence[str]) -> dict[str, RowInfo]:
        with self.tract.store.read() as uow:
            return row_details(uow, self.tract.ctx, hashes)

    def commit_detail(self, commit_hash: str) -> CommitDetail | None:
        from core.views.commit_detail import commit_detail

        with self.tract.store.read() as uow:
            return commit_detail(uow, self.tract.ctx, commit_hash)

    def quick_check(self) -> QuickCheck:
        """Cheap damage check on open (refs and the newest commits; not a verify)."""
        from core.views.health import quick_check

        with self.tract.store.read() as uow:
            return quick_check(uow, self.tract_id, registry=self.tract.ctx.registry)

    def fingerprint(self) -> Fingerprint:
        with self.tract.store.read() as uow:
            refs = tuple(
                (r.ref_name, r.commit_hash, r.symbolic_target) for r in uow.refs.list(self.tract_id)
            )
            return Fingerprint(
                refs=refs,
                newest=uow.commits.latest(self.tract_id),
                annotations=uow.annotations.max_id(self.tract_id),
                events=uow.events.count(self.tract_id),
                records=uow.records.count(self.tract_id),
            )

    # -- operation events and compile records (pages on demand; never the whole list) -----

    def events_page(self, offset: int, limit: int | None) -> EventPage:
        from core.views.events import list_events

        with self.tract.store.read() as uow:
            return list_events(uow, self.tract_id, limit=limit, offset=offset)

    def revert_refusal(self, event_id: str) -> str | None:
        """Why the event cannot be reverted now (one sentence), or None when it can."""
        return self.tract.revert_refusal(event_id)

    def records_page(
        self, offset: int, limit: int | None, *, with_commits: bool = False
    ) -> RecordPage:
        from core.views.records import list_records

        with self.tract.store.read() as uow:
            return list_records(
                uow, self.tract_id, limit=limit, offset=offset, with_commits=with_commits
            )

    def record_view(self, record_id: str, limit: int = 500) -> RecordView:
        from core.views.record_view import record_view

        with self.tract.store.read() as uow:
            return record_view(uow, self.tract.ctx, self.tract.compiler, record_id, limit=limit)

    def search(self, query: SearchQuery, limit: int = 5000) -> list[str]:
        from core.views.search import search_commits

        with self.tract.store.read() as uow:
            return search_commits(uow, self.tract.ctx, query, limit=limit)

    # -- reads the tract offers (here so a widget needs nothing but the reader) -------------

    def resolve(self, ref: str) -> str:
        """A ref (branch, hash prefix, ``HEAD~2``) → the full commit hash."""
        return self.tract.resolve(ref)

    def reproduce(self, record_id: str) -> Reproduction:
        return self.tract.reproduce(record_id)

    def diff_records(self, a: str, b: str) -> RecordDiff:
        return self.tract.diff_records(a, b)

    # -- explanations (docs/explanations.md): relative to ``record``, else the latest --------

    def why(self, commit_hash: str, record: str | None = None) -> Explanation:
        return self.tract.why(commit_hash, record=record)

    def lens(self, record: str | None = None) -> Lens:
        return self.tract.lens(record=record)

    def blame(self, record: str, limit: int | None = None) -> tuple[Blame, ...]:
        return self.tract.blame(record=record, limit=limit)

    def cache_breaks(self, limit: int | None = None, offset: int = 0) -> dict[str, CacheBreak]:
        return self.tract.cache_breaks(limit=limit, offset=offset)

    def compaction_losses(
        self, event_ids: Sequence[str] | None = None
    ) -> dict[str, CompactionLoss]:
        return self.tract.compaction_losses(event_ids)

    def token_timeline(self, limit: int | None = None) -> TokenTimeline:
        return self.tract.token_timeline(limit=limit)

    def export(self, fmt: str, *, record: str | None = None, at: str | None = None) -> str:
        return self.tract.export(fmt, record=record, at=at)

    def compress_preview(
        self, from_ref: str | None, to_ref: str | None, target_tokens: int | None = None
    ) -> CompressPreview:
        """What compressing ``from_ref..to_ref`` would do (a dry run; writes nothing)."""
        return self.tract.compress_preview(
            from_ref=from_ref, to_ref=to_ref, target_tokens=target_tokens
        )
