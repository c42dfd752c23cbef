"""The app's only door to the store. Every method runs in a worker thread.

Each call opens its own unit of work on the shared engine (one pooled connection per worker
thread; never an ORM object across threads) and returns plain immutable data from
``core.views``. Widgets never build SQL or walk the DAG.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from core import RecordDiff, Tract
from core.facade.compress import CompressPreview
from core.models.enums import Priority
from core.models.records import CompiledContext
from core.operations.compress import CompressResult, Progress, RevertResult
from core.operations.compress_plan import CompressPlan
from core.operations.context import head_state
from core.operations.records import Reproduction
from core.views.commit_detail import CommitDetail, commit_detail
from core.views.events import EventPage, list_events
from core.views.graph import GraphMode, GraphModel, ScanRow, ref_labels
from core.views.graph_rows import RowInfo, row_details
from core.views.health import QuickCheck, quick_check
from core.views.record_view import RecordView, record_view
from core.views.records import RecordPage, list_records
from core.views.search import SearchQuery, search_commits


@dataclass(frozen=True)
class RefsState:
    labels: dict[str, list[str]]  # commit → labels
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
class FirstScreen:
    """The graph's first page, laid out, with the details of its first rows."""

    refs: RefsState
    model: GraphModel  # fed with the first page; the scan goes on feeding it
    details: dict[str, RowInfo]
    after: tuple[object, str] | None  # where the next page starts; None when complete


class StoreGateway:
    def __init__(self, tract: Tract) -> None:
        self.tract = tract
        self.lock = threading.Lock()  # serialises writes from the UI (reads run in parallel)

    @property
    def tract_id(self) -> str:
        return self.tract.tract_id

    @property
    def display(self) -> str:
        return self.tract.store.display

    def refs(self) -> RefsState:
        with self.tract.store.read() as uow:
            state = head_state(uow, self.tract_id)
            refs = uow.refs.list(self.tract_id)
        labels = ref_labels(refs, state.branch, state.commit, state.detached)
        branches = tuple(
            r.ref_name[len("refs/heads/") :] for r in refs if r.ref_name.startswith("refs/heads/")
        )
        return RefsState(labels, state.branch, state.commit, state.detached, branches)

    def graph_page(self, after: tuple[object, str] | None, limit: int) -> list[ScanRow]:
        with self.tract.store.read() as uow:
            rows = uow.commits.graph_page(self.tract_id, after=after, limit=limit)
        return [ScanRow(h, p, t) for h, p, t in rows]

    def first_screen(self, mode: GraphMode, page: int, detail_rows: int) -> FirstScreen:
        refs = self.refs()
        model = GraphModel(refs.labels, mode)
        rows = self.graph_page(None, page)
        complete = len(rows) < page
        model.feed(rows, last=complete)
        details = self.row_details(model.hashes[:detail_rows])
        after = None if complete else (rows[-1].created_at, rows[-1].commit_hash)
        return FirstScreen(refs, model, details, after)

    def row_details(self, hashes: list[str]) -> dict[str, RowInfo]:
        with self.tract.store.read() as uow:
            return row_details(uow, self.tract.ctx, hashes)

    def commit_detail(self, commit_hash: str) -> CommitDetail | None:
        with self.tract.store.read() as uow:
            return commit_detail(uow, self.tract.ctx, commit_hash)

    def quick_check(self) -> QuickCheck:
        """Cheap damage check on open (refs and the newest commits; not a verify)."""
        with self.tract.store.read() as uow:
            return quick_check(uow, self.tract_id)

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

    def events_page(self, offset: int, limit: int) -> EventPage:
        with self.tract.store.read() as uow:
            return list_events(uow, self.tract_id, limit=limit, offset=offset)

    def records_page(self, offset: int, limit: int) -> RecordPage:
        with self.tract.store.read() as uow:
            return list_records(uow, self.tract_id, limit=limit, offset=offset)

    def record_view(self, record_id: str, limit: int = 500) -> RecordView:
        with self.tract.store.read() as uow:
            return record_view(uow, self.tract.ctx, self.tract.compiler, record_id, limit=limit)

    def reproduce(self, record_id: str) -> Reproduction:
        return self.tract.reproduce(record_id)

    def diff_records(self, a: str, b: str) -> RecordDiff:
        return self.tract.diff_records(a, b)

    def revert(self, event_id: str) -> RevertResult:
        with self.lock:
            return self.tract.revert(event_id)

    # -- actions (thin wrappers over the facade; writes are serialised by ``lock``) ---------

    def resolve(self, ref: str) -> str:
        return self.tract.resolve(ref)

    def search(self, query: SearchQuery, limit: int = 5000) -> list[str]:
        with self.tract.store.read() as uow:
            return search_commits(uow, self.tract.ctx, query, limit=limit)

    def compile(self, at: str | None) -> CompiledContext:
        with self.lock:
            return self.tract.compile(at=at, record=True, reason="tui")

    def annotate(self, commit_hash: str, priority: Priority) -> None:
        with self.lock:
            self.tract.annotate(commit_hash, priority, reason="tui")

    def switch(self, branch: str) -> str | None:
        with self.lock:
            return self.tract.switch(branch)

    def compress_preview(
        self, from_ref: str | None, to_ref: str | None, target_tokens: int | None = None
    ) -> CompressPreview:
        return self.tract.compress_preview(
            from_ref=from_ref, to_ref=to_ref, target_tokens=target_tokens
        )

    def compress(
        self,
        plan: CompressPlan,
        *,
        summarizer: str,
        summaries: list[str] | None,
        cancel: threading.Event,
        progress: Progress,
    ) -> CompressResult:
        with self.lock:
            return self.tract.compress(
                plan=plan,
                summarizer=summarizer,
                summaries=summaries,
                cancel=cancel,
                progress=progress,
            )
