"""Facade methods: explanations (why, the lens, blame), the rebuilt record diff, prefix-cache
breaks, compaction losses, the token timeline and exports. All read; none writes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.engine.clock import from_storage
from core.errors import CompileError
from core.facade.base import FacadeBase
from core.models.compiled import CompiledContext
from core.models.records import CompileRecord
from core.operations import navigation as nav
from core.operations.context import head_state
from core.storage.repositories import UnitOfWork

# core.explain is imported by the methods that use it: opening a store (the app's start, a
# `log`) never explains anything, and these modules cost tens of milliseconds to import.
if TYPE_CHECKING:
    from core.explain.blame import Blame
    from core.explain.cache_breaks import CacheBreak
    from core.explain.diff import RecordDiff
    from core.explain.lost import CompactionLoss
    from core.explain.message_rows import SharedFacts
    from core.explain.models import Explanation, Lens
    from core.explain.stream import CompileStream
    from core.explain.timeline import TokenTimeline


def _time(at_time: datetime | None) -> datetime | None:
    return from_storage(at_time) if at_time is not None else None


class ExplainMixin(FacadeBase):
    def why(
        self,
        commit: str,
        *,
        record: str | None = None,
        at: str | None = None,
        at_time: datetime | None = None,
    ) -> Explanation:
        """Why ``commit`` is (or is not) in a compile: ``record`` (id or prefix), a live
        compile ``at`` a ref (and ``at_time``), else the latest record, else HEAD's compile."""
        from core.explain import service

        with self._read() as uow:
            return service.why(
                uow, self.ctx, self.compiler, commit, record=record, at=at, at_time=_time(at_time)
            )

    def lens(
        self, *, record: str | None = None, at: str | None = None, at_time: datetime | None = None
    ) -> Lens:
        """A mark for every commit relative to one compile (defaults as for :meth:`why`)."""
        from core.explain import service

        with self._read() as uow:
            return service.lens(
                uow, self.ctx, self.compiler, record=record, at=at, at_time=_time(at_time)
            )

    def explain_all(
        self, *, record: str | None = None, at: str | None = None, at_time: datetime | None = None
    ) -> dict[str, Explanation]:
        """Every commit's explanation relative to one compile (reads the whole tract)."""
        from core.explain import service

        with self._read() as uow:
            return service.explain_all(
                uow, self.ctx, self.compiler, record=record, at=at, at_time=_time(at_time)
            )

    def diff_records(self, a: str, b: str) -> RecordDiff:
        from core.explain.diff import diff_records

        with self._read() as uow:
            return diff_records(uow, self.ctx, self.compiler, a, b)

    def blame(
        self, *, record: str | None = None, at: str | None = None, limit: int | None = None
    ) -> tuple[Blame, ...]:
        """Where each message of a compile came from, in message order (a ``record`` as
        recorded; else the live compile ``at`` a ref, HEAD by default); the first ``limit``."""
        from core.explain import service
        from core.explain.blame import BULK, blame_commits
        from core.explain.facts import Facts

        with self._read() as uow:
            subject, positions = service.subject_of(
                uow, self.ctx, self.compiler, record=record, at=at, latest_record=False
            )
            facts = Facts(uow, self.ctx, subject, positions)
            order = list(positions.all())[:limit]
            found = blame_commits(
                uow,
                self.ctx,
                order,
                head=subject.head,
                edits=facts.edit_in_force(),
                hops=facts.hops,
                # A whole compile reads its snapshot; a few commits ask the store.
                rows=self.compiler.rows_of(subject.head)
                if subject.head and len(order) > BULK
                else None,
            )
        return tuple(found[h] for h in order)

    def compile_stream(self, *, at: str | None = None, blame: bool = True) -> CompileStream:
        """HEAD's compile (or ``at`` a ref) for reading every message once, in runs, each
        with its blame (unless ``blame`` is False): ``compile --json`` of a long history
        without holding it whole. The store is read here, in one read transaction; the
        stream's ``runs()`` read nothing more. Nothing is cached."""
        from core.explain.stream import CompileStream

        with self._read() as uow:
            head: str | None
            if at is not None:
                head = nav.resolve(uow, self.ctx, at)
            else:
                head = head_state(uow, self.tract_id).commit
            return CompileStream(uow, self.ctx, self.compiler, head, blame=blame, ref=at or "HEAD")

    def cache_breaks(self, limit: int | None = None, offset: int = 0) -> dict[str, CacheBreak]:
        """Per record (the newest ``limit`` after skipping ``offset``: a page of the records
        list): its prefix-cache break against the previous record on the same line."""
        from core.explain.cache_breaks import MAX_LOOKBACK, cache_breaks

        with self._read() as uow, self._shared_facts().borrowed() as blobs:
            # The page and the records before it that can be "the previous one on the line".
            more = None if limit is None else limit + MAX_LOOKBACK
            records = self._records_with_effectives(uow, more, offset)
            wanted = None if limit is None else {r.record_id for r in records[:limit]}
            return cache_breaks(uow, self.ctx, records, wanted, blobs)

    def compaction_losses(
        self, event_ids: Iterable[str] | None = None
    ) -> dict[str, CompactionLoss]:
        """Per compress event (all, or the ``event_ids`` of a page): the identifiers its
        sources had and its summaries lost."""
        from core.explain.lost import compaction_losses

        with self._read() as uow:
            events = uow.events.list(self.tract_id)
            if event_ids is not None:
                ids = set(event_ids)
                events = [e for e in events if e.event_id in ids]
            return compaction_losses(uow, self.ctx, events)

    def token_timeline(self, limit: int | None = None) -> TokenTimeline:
        """Tokens per record over time (the newest ``limit``), by role and content type."""
        from core.explain.timeline import token_timeline

        with self._read() as uow, self._shared_facts().borrowed() as blobs:
            return token_timeline(uow, self.ctx, self._records_with_effectives(uow, limit), blobs)

    def _shared_facts(self) -> SharedFacts:
        """The blob facts this tract's overlapping reads share (the records panel asks for
        its cache breaks and its token chart at once, of the same records)."""
        from core.explain.message_rows import SharedFacts

        found: SharedFacts | None = self.__dict__.get("_facts_in_use")
        if found is None:  # setdefault is one step: two threads get the same object
            found = self.__dict__.setdefault("_facts_in_use", SharedFacts())
        return found

    def export(
        self,
        fmt: str,
        *,
        record: str | None = None,
        at: str | None = None,
        ascii_json: bool = False,
    ) -> str:
        """A record (as sent) or a live compile (``at`` a ref, HEAD by default) as OpenAI
        messages JSON, Anthropic messages JSON or Markdown (with each message's origin)."""
        from core.explain import service
        from core.explain.blame import blame_commits
        from core.explain.export import FORMATS, render_export
        from core.explain.facts import Facts
        from core.explain.hops import Hops

        if fmt not in FORMATS:
            raise CompileError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
        if record is not None and at is not None:
            raise CompileError("export a record or a compile at a ref, not both")
        with self._read() as uow:
            compiled, title = self._to_export(uow, record, at)
            provenance: list[str] = []
            if fmt == "markdown":
                edits = {}
                if compiled.head_hash:
                    subject, positions = service.subject_of(
                        uow, self.ctx, self.compiler, record=record, at=at, latest_record=False
                    )
                    edits = Facts(uow, self.ctx, subject, positions).edit_in_force()
                found = blame_commits(
                    uow,
                    self.ctx,
                    compiled.commit_hashes,
                    head=compiled.head_hash,
                    edits=edits,
                    hops=Hops(uow, self.tract_id),
                )
                provenance = [found[h].text for h in compiled.commit_hashes]
        return render_export(compiled, fmt, title, provenance, ascii_json=ascii_json)

    def _to_export(
        self, uow: UnitOfWork, record: str | None, at: str | None
    ) -> tuple[CompiledContext, str]:
        from core.operations.records import compile_as_recorded, find_record

        if record is not None:
            rec = find_record(uow, self.ctx, record)
            compiled = compile_as_recorded(uow, self.compiler, rec)
            if compiled is None:
                raise CompileError(
                    f"head {rec.head_hash[:8]} of record {rec.record_id[:8]} is no longer "
                    "in the store: its texts cannot be exported"
                )
            when = rec.created_at.strftime("%Y-%m-%d %H:%M:%S")
            return compiled, f"Compile record {rec.record_id[:8]} ({when})"
        head = nav.resolve(uow, self.ctx, at) if at is not None else None
        compiled = self.compiler.compile(uow, head=head)
        return compiled, f"Compile of {(compiled.head_hash or '')[:8] or 'an empty tract'}"

    def _records_with_effectives(
        self, uow: UnitOfWork, limit: int | None, offset: int = 0
    ) -> list[CompileRecord]:
        records = uow.records.list(self.tract_id, limit=limit, offset=offset)
        lists = uow.records.effectives_of(r.record_id for r in records)
        return [replace(r, effectives=lists.get(r.record_id, ())) for r in records]
