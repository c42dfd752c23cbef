"""Compress events and compile records of an import.

**Compile records stay linear.** A session of 600 turns over 300 messages would need 180,000
``compile_effectives`` rows if every turn listed its whole context. An imported turn's context
is the chain of commits up to the message before the model's reply, so it *extends* the
context of the previous turn on that chain. Such a record stores only the commits after that
turn's head (positions from 0, as every reader expects) and names the record it extends in
``params_json.extends`` = ``{"record", "count"}``: its context is the first ``count`` commits
of that record, then its own rows. Readers expand it (``core.storage.sqla.record_chains``);
every commit of any context is still listed by some record, so GC keeps it. See
docs/sessions.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from core.engine.clock import ONE_MICROSECOND, SYSTEM_CLOCK
from core.importers.memory import TractMemory
from core.importers.model import SOURCE_ID, TractPlan
from core.models.enums import Priority
from core.models.records import CompileRecord, OperationEvent
from core.storage.repositories import UnitOfWork


def compactions(uow: UnitOfWork, plan: TractPlan, mem: TractMemory) -> int:
    """Write the plan's compactions not written before; returns how many were written."""
    mem.load_audit(uow)
    assert mem.event_keys is not None and mem.closed is not None
    written = 0
    for comp in plan.compactions:
        if comp.key in mem.event_keys:
            continue
        sources: list[str] = []
        results = [mem.known[k][0] for k in comp.results if k in mem.known]
        if comp.closes is not None and comp.closes in mem.known:
            sources = list(reversed(mem.chain(uow, mem.known[comp.closes][0])))
            # What the new line kept from before (e.g. the instructions) was not compressed.
            kept = set(mem.chain(uow, results[0])[1:]) if results else set()
            sources = [h for h in sources if h not in kept]
        times = [mem.known[k][1] for k in comp.results if k in mem.known]
        at = comp.at or (times[0] if times else SYSTEM_CLOCK.now())
        summary_tokens = sum(c.token_count for c in uow.commits.get_many(results).values())
        uow.events.add(
            OperationEvent(
                event_id=uuid.uuid4().hex,
                tract_id=plan.tract_id,
                event_type="compress",
                branch_name=None,
                created_at=at,
                original_tokens=comp.original_tokens,
                compressed_tokens=summary_tokens,
                params={**comp.params, SOURCE_ID: comp.key, "token_basis": _basis()},
                sources=tuple(sources),
                results=tuple(results),
            )
        )
        mem.event_keys.add(comp.key)
        if sources:
            mem.closed.add(sources[-1])
        written += 1
    return written


def _basis() -> str:
    return "original: the session's own pre-compaction figure; compressed: raw-text tokens"


def calls(uow: UnitOfWork, plan: TractPlan, mem: TractMemory) -> int:
    """Write a compile record per model call not written before; returns how many."""
    mem.load_audit(uow)
    assert mem.record_heads is not None and mem.record_keys is not None
    written = 0
    for call in plan.calls:
        if call.key in mem.record_keys or call.head not in mem.known:
            continue
        head, head_time = mem.known[call.head]
        own: list[str] = []
        base: tuple[str, int] | None = None
        for h in _walk(uow, mem, head):
            if h in mem.record_heads:
                base = mem.record_heads[h]
                break
            own.append(h)
        own.reverse()
        _mark_skipped(uow, mem, own)
        own = [h for h in own if h not in mem.skipped]
        params: dict[str, Any] = {"purpose": "import", **call.params, SOURCE_ID: call.key}
        count = len(own)
        if base is not None:
            params["extends"] = {"record": base[0], "count": base[1]}
            count += base[1]
        if call.prompt_tokens is not None:
            tokens = call.prompt_tokens
            label = f"api:{call.prompt_tokens}+{call.completion_tokens or 0}"
        else:
            tokens, label = 0, ""
            params["tokens"] = "the source gives no usage for this call"
        at: datetime = call.at if call.at is not None else head_time
        if at <= head_time:  # a record is made after the commit it compiled
            at = head_time + ONE_MICROSECOND
        record_id = uuid.uuid4().hex
        uow.records.add(
            CompileRecord(
                record_id=record_id,
                tract_id=plan.tract_id,
                head_hash=head,
                token_count=tokens,
                commit_count=count,
                token_source=label,
                params=params,
                created_at=at,
                effectives=tuple(own),
            )
        )
        mem.record_heads[head] = (record_id, count)
        mem.record_keys.add(call.key)
        written += 1
    return written


def _walk(uow: UnitOfWork, mem: TractMemory, head: str) -> Iterator[str]:
    """First parents from ``head`` (itself first), from memory, reading the store once when
    the walk leaves what this import wrote."""
    h: str | None = head
    seen: set[str] = set()
    while h is not None and h not in seen:
        seen.add(h)
        yield h
        if h not in mem.parent_of:
            mem.chain(uow, h)
        h = mem.parent_of.get(h)


def _mark_skipped(uow: UnitOfWork, mem: TractMemory, hashes: list[str]) -> None:
    """SKIP annotations of commits an earlier import wrote (this one's are in memory)."""
    unknown = [h for h in hashes if h not in mem.skipped and h not in mem.written]
    if not unknown:
        return
    for h, ann in uow.annotations.in_force(unknown).items():
        if ann.priority is Priority.SKIP:
            mem.skipped.add(h)
