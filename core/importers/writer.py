"""Writing import plans into a store: commits, compress events, compile records, branches.

Everything runs inside the caller's one write transaction. Nodes whose key is already in the
tract (``metadata_json.source_id``) are skipped, so an import is idempotent and a grown file
adds only its new records. Commit times are the source's, floored just after the parent's, so
the store's rule "a commit is later than its parent" holds and the graph stays in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.engine import hashing
from core.engine.clock import ONE_MICROSECOND
from core.engine.tokens import MESSAGE_OVERHEAD, NAME_OVERHEAD
from core.errors import ContentValidationError
from core.importers import import_records, import_refs
from core.importers.memory import TractMemory
from core.importers.model import Notes, TractPlan
from core.models.enums import CommitOperation, Priority
from core.models.records import BlobInfo, CommitInfo, OperationEvent, SpawnPointer
from core.operations.commit import AUTO_PIN_REASON, auto_message
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

MAX_KEPT_UNKNOWN = 256 * 1024  # bytes of unknown records kept whole in an import event
MAX_WARNINGS = 100


@dataclass
class TractOutcome:
    tract_id: str
    title: str | None = None
    commits: list[str] = field(default_factory=list)
    compactions: int = 0
    records: int = 0
    branches: dict[str, str] = field(default_factory=dict)
    event_id: str | None = None


@dataclass
class _Row:
    key: str
    info: CommitInfo
    payload: dict[str, Any]
    tokens: int
    message_tokens: int | None
    skip: str | None


class PlanWriter:
    """Writes plans for one store; ``memory`` (per tract) may outlive it (a follower)."""

    def __init__(
        self,
        uow: UnitOfWork,
        ctx: TractContext,
        memory: dict[str, TractMemory],
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.memory = memory
        self.progress = progress
        self._done = self._total = 0
        self._counted: dict[str, tuple[int, int | None]] = {}  # blob hash → tokens

    def mem(self, tract_id: str) -> TractMemory:
        m = self.memory.get(tract_id)
        if m is None:
            m = self.memory[tract_id] = TractMemory(tract_id)
        return m

    def write(
        self, plans: list[TractPlan], notes: Notes, source: dict[str, Any]
    ) -> list[TractOutcome]:
        self._total = sum(len(p.nodes) for p in plans)
        outcomes = [self._tract(plan) for plan in plans]
        self._spawns(plans)
        for i, (plan, out) in enumerate(zip(plans, outcomes, strict=True)):
            if out.commits or out.compactions or (i == 0 and (notes.unknown or notes.warnings)):
                out.event_id = self._event(plan, out, notes if i == 0 else None, source)
        return outcomes

    # -- one tract --------------------------------------------------------------------------

    def _tract(self, plan: TractPlan) -> TractOutcome:
        uow, mem = self.uow, self.mem(plan.tract_id)
        uow.lock_tract(plan.tract_id)
        needed = {n.key for n in plan.nodes} | {n.parent for n in plan.nodes if n.parent}
        needed |= {c.closes for c in plan.compactions if c.closes}
        needed |= {k for c in plan.compactions for k in c.results}
        needed |= {c.head for c in plan.calls}
        mem.lookup(uow, needed)
        out = TractOutcome(plan.tract_id, plan.title)
        rows = self._rows(plan, mem)
        self._insert(plan.tract_id, rows, mem)
        out.commits = [r.info.commit_hash for r in rows]
        if plan.compactions:
            out.compactions = import_records.compactions(uow, plan, mem)
        if plan.calls:
            out.records = import_records.calls(uow, plan, mem)
        if rows or out.compactions:
            out.branches = import_refs.update(uow, plan.tract_id, plan.prefix, mem)
        return out

    def _rows(self, plan: TractPlan, mem: TractMemory) -> list[_Row]:
        taken: set[str] = set()
        for _ in range(8):  # a hash taken by another tract moves its commit by 1 µs, then retry
            rows, known = self._plan_rows(plan, mem, taken)
            clash = set(self.uow.commits.get_many(r.info.commit_hash for r in rows))
            if not clash:
                mem.known.update(known)
                return rows
            taken |= clash
        raise ContentValidationError(f"{plan.tract_id}: cannot place imported commits (hash clash)")

    def _plan_rows(
        self, plan: TractPlan, mem: TractMemory, taken: set[str]
    ) -> tuple[list[_Row], dict[str, tuple[str, datetime]]]:
        known: dict[str, tuple[str, datetime]] = {}
        rows: list[_Row] = []
        last: datetime | None = None
        for node in plan.nodes:
            self._done += 1
            if self.progress is not None and self._done % 512 == 0:
                self.progress(self._done, self._total)
            if node.key in mem.known or node.key in known:
                continue
            parent = ptime = None
            if node.parent is not None:
                found = known.get(node.parent) or mem.known.get(node.parent)
                if found is not None:
                    parent, ptime = found
            try:
                payload = self.ctx.registry.validate(node.payload)
            except ContentValidationError as exc:  # an importer bug, not bad input: say so
                raise ContentValidationError(f"line {node.line}: {exc}") from None
            if node.at is not None:
                at = node.at
            else:  # no time in the source: just after what came before it in the file
                before = max((t for t in (ptime, last) if t is not None), default=None)
                at = before + ONE_MICROSECOND if before is not None else self.ctx.now()
            if ptime is not None and at <= ptime:
                at = ptime + ONE_MICROSECOND
            content_hash, tokens, mtokens = self._blob(payload)
            ctype = str(payload["content_type"])
            while True:
                h = hashing.commit_hash(
                    content_hash=content_hash,
                    parent_hash=parent,
                    content_type=ctype,
                    operation=CommitOperation.APPEND,
                    created_at=at,
                )
                if h not in taken:
                    break
                at += ONE_MICROSECOND
            taken.add(h)
            info = CommitInfo(
                commit_hash=h,
                tract_id=plan.tract_id,
                parent_hash=parent,
                content_hash=content_hash,
                content_type=ctype,
                operation=CommitOperation.APPEND,
                response_to=None,
                message=auto_message(ctype, self.ctx.registry.raw_text(payload)),
                token_count=tokens,
                metadata=node.metadata or None,
                generation_config=node.config,
                created_at=at,
            )
            skip = node.metadata.get("skip")
            rows.append(_Row(node.key, info, payload, tokens, mtokens, skip))
            known[node.key] = (h, at)
            last = at
        return rows, known

    def _blob(self, payload: dict[str, Any]) -> tuple[str, int, int | None]:
        content_hash = hashing.content_hash(payload)
        cached = self._counted.get(content_hash)
        if cached is not None:
            return content_hash, *cached
        reg, counter = self.ctx.registry, self.ctx.counter
        raw = reg.raw_text(payload)
        tokens = counter.count_text(raw)
        mtokens: int | None = None
        if counter.encoding_name:
            text, name = reg.text(payload), reg.name(payload)
            body = tokens if text == raw else counter.count_text(text)
            mtokens = MESSAGE_OVERHEAD + counter.count_text(reg.role(payload)) + body
            if name is not None:
                mtokens += counter.count_text(name) + NAME_OVERHEAD
        self._counted[content_hash] = (tokens, mtokens)
        return content_hash, tokens, mtokens

    def _insert(self, tract_id: str, rows: list[_Row], mem: TractMemory) -> None:
        uow, encoding = self.uow, self.ctx.counter.encoding_name
        fresh: dict[str, int] = {}
        seen: set[str] = set()
        for row in rows:
            info = row.info
            if info.content_hash not in seen:
                seen.add(info.content_hash)
                stored = hashing.stored_payload_json(row.payload)
                written = uow.blobs.insert_if_absent(
                    BlobInfo(
                        info.content_hash,
                        row.payload,
                        len(stored.encode("utf-8")),
                        row.tokens,
                        info.created_at,
                    )
                )
                if written and row.message_tokens is not None:
                    fresh[info.content_hash] = row.message_tokens
            uow.commits.insert(info)
            mem.parent_of[info.commit_hash] = info.parent_hash
            mem.written.add(info.commit_hash)
            if row.skip:
                uow.annotations.add(
                    tract_id, info.commit_hash, Priority.SKIP, row.skip, info.created_at
                )
                mem.skipped.add(info.commit_hash)
            elif self.ctx.registry.default_priority(info.content_type) is Priority.PINNED:
                uow.annotations.add(
                    tract_id, info.commit_hash, Priority.PINNED, AUTO_PIN_REASON, info.created_at
                )
        if fresh and encoding:
            uow.blobs.set_message_tokens(fresh, encoding)

    # -- child tracts and the import event --------------------------------------------------

    def _spawns(self, plans: list[TractPlan]) -> None:
        for plan in plans:
            for spawn in plan.spawns:
                if self.uow.spawns.for_child(spawn.child) is not None:
                    continue
                parent_commit = None
                if spawn.parent_node is not None:
                    mem = self.mem(plan.tract_id)
                    mem.lookup(self.uow, {spawn.parent_node})
                    found = mem.known.get(spawn.parent_node)
                    parent_commit = found[0] if found else None
                self.uow.spawns.add(
                    SpawnPointer(
                        id=0,
                        parent_tract_id=plan.tract_id,
                        parent_commit_hash=parent_commit,
                        child_tract_id=spawn.child,
                        purpose=spawn.purpose,
                        inheritance_mode="selective",
                        display_name=spawn.display_name,
                        created_at=self.ctx.now(),
                    )
                )

    def _event(
        self, plan: TractPlan, out: TractOutcome, notes: Notes | None, source: dict[str, Any]
    ) -> str:
        params: dict[str, Any] = {**source, "format": plan.format, "commits": len(out.commits)}
        if plan.title:
            params["title"] = plan.title
        if plan.info:
            params["session"] = plan.info
        if out.records:
            params["compile_records"] = out.records
        if notes is not None:
            params["skipped"] = dict(sorted(notes.skipped.items()))
            if notes.warnings:
                params["warnings"] = notes.warnings[:MAX_WARNINGS]
                if len(notes.warnings) > MAX_WARNINGS:
                    params["warnings_not_kept"] = len(notes.warnings) - MAX_WARNINGS
            kept, size = [], 0
            for item in notes.unknown:
                size += len(repr(item))
                if size > MAX_KEPT_UNKNOWN:
                    break
                kept.append(item)
            if kept:
                params["unknown_records"] = kept
            if len(kept) < len(notes.unknown):
                params["unknown_records_not_kept"] = len(notes.unknown) - len(kept)
        event_id = uuid.uuid4().hex
        self.uow.events.add(
            OperationEvent(
                event_id=event_id,
                tract_id=plan.tract_id,
                event_type="import",
                branch_name="main",
                created_at=self.ctx.now(),
                original_tokens=0,
                compressed_tokens=0,
                params=params,
                sources=(),
                results=tuple(out.commits),
            )
        )
        return event_id
