"""Applying a compression plan, and reverting one (docs/behaviour.md §9: provenance, revert).

The summaries are made *before* the write transaction (an LLM call must never hold the
store's write lock), then one transaction moves the plan onto the branch as it is now (commits
appended since the plan are replayed too; a change to the range itself refuses, see
``compress_onto``), rewrites the range — summaries at each group's first commit, kept
commits re-created with their annotations — replays every later commit (edit targets
remapped, merges re-parented), moves the branch and writes one ``compress`` event. The
originals stay stored, reachable through the event.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import CompressionError, NotFoundError, RevertError
from core.models.content import dialogue
from core.models.records import CommitInfo, OperationEvent
from core.models.refs import branch_ref
from core.operations.commit import write_commit
from core.operations.compress_onto import GroupKey, group_key, onto_current_head
from core.operations.compress_plan import KEPT, SUMMARISED, CompressPlan
from core.operations.context import TractContext
from core.operations.records import find_event
from core.operations.summarizers import Summarizer, Summary, SummaryInput
from core.storage.repositories import UnitOfWork

PRESERVED_MESSAGE = "Preserved pinned commit"
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class CompressResult:
    event_id: str
    branch: str
    head_before: str
    new_head: str | None
    summaries: tuple[str, ...]
    preserved: dict[str, str]
    replayed: dict[str, str]
    original_tokens: int
    compressed_tokens: int
    tokens_before: int
    tokens_after_estimate: int
    source_count: int = 0  # consumed originals (summarised commits and absorbed edits)
    appended: int = 0  # commits appended after the plan, replayed on top
    replanned: str | None = None  # why the range was planned again before it was written
    # Retention patterns of IMPORTANT commits that the written summaries do not contain
    # (said, not refused: tract-ai writes such summaries too).
    retention_missed: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        return self.compressed_tokens / self.original_tokens if self.original_tokens else 0.0


@dataclass(frozen=True)
class RevertResult:
    event_id: str
    reverted_event: str
    branch: str
    head: str | None


def summarize_plan(
    plan: CompressPlan,
    summarizer: Summarizer,
    *,
    cancel: threading.Event | None = None,
    progress: Progress | None = None,
    reuse: Mapping[GroupKey, Summary] | None = None,
) -> list[Summary]:
    """One summary per group, in order. Raises on failure or cancellation; writes nothing.

    ``reuse`` maps a group's key (``group_key``) to a summary already made for the same
    commits and text: that group is not summarised again (an LLM is not asked twice)."""
    out: list[Summary] = []
    total = len(plan.groups)
    for group in plan.groups:
        if cancel is not None and cancel.is_set():
            raise CompressionError("compression cancelled; nothing was written")
        known = reuse.get(group_key(group)) if reuse else None
        if known is not None:
            out.append(known)
            continue
        if progress is not None:
            progress(group.index, total, f"summarising group {group.index + 1} of {total}")
        out.append(
            summarizer.summarize(
                SummaryInput(
                    group.index,
                    group.text,
                    len(group.commits),
                    group.raw_tokens,
                    retention=group.retention,
                ),
                target_tokens=plan.target_tokens,
                instructions=plan.instructions,
                cancel=cancel,
            )
        )
    if progress is not None:
        progress(total, total, "writing")
    return out


def apply_plan(
    uow: UnitOfWork,
    ctx: TractContext,
    plan: CompressPlan,
    summaries: Sequence[Summary],
    summarizer_info: dict[str, Any],
) -> CompressResult:
    """Finalise atomically (the caller's transaction), onto the branch's tip as it is now:
    commits appended since the plan are replayed after the range. Raises
    ``RangeChangedError`` (nothing written) when the range itself changed."""
    if len(summaries) != len(plan.groups):
        raise CompressionError(
            f"{len(summaries)} summaries for {len(plan.groups)} groups; give one per group"
        )
    uow.lock_tract(ctx.tract_id)  # before reading the tip: no writer moves it under us
    plan = onto_current_head(uow, ctx, plan)
    rebuild = _Rebuilder(uow, ctx, plan)
    first_of_group: set[str] = {g.commits[0] for g in plan.groups}
    group_of = {p.commit_hash: p.group for p in plan.selected}
    results: list[str] = []
    compressed = 0
    for planned in plan.selected:
        if planned.role == SUMMARISED and planned.commit_hash in first_of_group:
            index = group_of[planned.commit_hash]
            assert index is not None
            group = plan.groups[index]
            summary = summaries[index]
            results.append(rebuild.summary(summary, len(group.commits)))
            compressed += ctx.counter.count_text(summary.text)
        elif planned.role == KEPT:
            rebuild.recreate(planned.commit_hash, kept=True)
    for commit_hash in plan.replay:
        rebuild.recreate(commit_hash, kept=False)
    ref = branch_ref(plan.branch)
    if rebuild.tip is None:
        uow.refs.delete(ctx.tract_id, ref)  # rewritten from the root: the branch is unborn
    else:
        uow.refs.set_direct(ctx.tract_id, ref, rebuild.tip)
    summary_tokens = [ctx.message_tokens(dialogue("assistant", s.text)) for s in summaries]
    after = plan.estimated_after(summary_tokens)
    event_id = uuid.uuid4().hex
    params: dict[str, Any] = {
        "target_tokens": plan.target_tokens,
        "instructions": plan.instructions,
        **summarizer_info,
        "branch": plan.branch,
        "head_before": plan.head_before,
        "head_after": rebuild.tip,
        "groups": [list(g.commits) for g in plan.groups],
        "preserved": rebuild.preserved,
        "replayed": rebuild.replayed,
        "dropped": list(plan.by_role("dropped")),
        "structural": list(plan.by_role("structural")),
        "widened": list(plan.widened),
        "token_basis": f"message text, {ctx.counter.source or 'unlabelled counter'}",
        "compiled_tokens_before": plan.tokens_before,
        "compiled_tokens_after_estimate": after,
    }
    if plan.planned_head is not None:  # the token figures above are the planned head's
        params["planned_head"] = plan.planned_head
        params["appended_since_plan"] = list(plan.appended)
    uow.events.add(
        OperationEvent(
            event_id=event_id,
            tract_id=ctx.tract_id,
            event_type="compress",
            branch_name=plan.branch,
            created_at=ctx.now(),
            original_tokens=plan.original_tokens,
            compressed_tokens=compressed,
            params=params,
            sources=plan.sources,
            results=tuple(results),
        )
    )
    return CompressResult(
        event_id=event_id,
        branch=plan.branch,
        head_before=plan.head_before,
        new_head=rebuild.tip,
        summaries=tuple(results),
        preserved=dict(rebuild.preserved),
        replayed=dict(rebuild.replayed),
        original_tokens=plan.original_tokens,
        compressed_tokens=compressed,
        tokens_before=plan.tokens_before,
        tokens_after_estimate=after,
        source_count=len(plan.sources),
        appended=len(plan.appended),
        retention_missed=tuple(
            p for g, s in zip(plan.groups, summaries, strict=True) for p in g.missing_in(s.text)
        ),
    )


class _Rebuilder:
    """Writes the new chain commit by commit, remembering old → new hashes."""

    def __init__(self, uow: UnitOfWork, ctx: TractContext, plan: CompressPlan) -> None:
        self.uow = uow
        self.ctx = ctx
        recreated = [p.commit_hash for p in plan.selected if p.role == KEPT] + list(plan.replay)
        wanted = [*recreated, *([plan.base] if plan.base else [])]
        self.commits: dict[str, CommitInfo] = uow.commits.get_many(wanted)
        missing = [h for h in wanted if h not in self.commits]
        if missing:
            raise NotFoundError(f"commit {missing[0][:12]} vanished; preview again")
        self.blobs = uow.blobs.get_many(self.commits[h].content_hash for h in recreated)
        self.annotations = uow.annotations.in_force(recreated, ctx.now())
        self.merge_parents = uow.parents.parents_of(recreated)
        self.tip: str | None = plan.base
        self.tip_time: datetime | None = self.commits[plan.base].created_at if plan.base else None
        self.mapping: dict[str, str] = {}
        self.preserved: dict[str, str] = {}
        self.replayed: dict[str, str] = {}

    def _advance(self, info: CommitInfo) -> str:
        self.tip, self.tip_time = info.commit_hash, info.created_at
        return info.commit_hash

    def summary(self, summary: Summary, count: int) -> str:
        info = write_commit(
            self.uow,
            self.ctx,
            dialogue("assistant", summary.text),
            parent=self.tip,
            message=f"Compressed {count} commits",
            generation_config=summary.generation_config,
            not_before=self.tip_time,
        )
        return self._advance(info)

    def recreate(self, old: str, *, kept: bool) -> str:
        original = self.commits[old]
        blob = self.blobs.get(original.content_hash)
        if blob is None or not blob.payload:
            raise CompressionError(
                f"commit {old[:12]} has no readable content; cannot re-create it"
            )
        parents = self.merge_parents.get(old)
        merge = [self.tip, *parents[1:]] if parents and len(parents) >= 2 and self.tip else None
        message = original.message
        if kept and message is None:
            message = PRESERVED_MESSAGE
        response_to = original.response_to
        if response_to is not None:
            response_to = self.mapping.get(response_to, response_to)
        info = write_commit(
            self.uow,
            self.ctx,
            blob.payload,
            parent=self.tip,
            operation=original.operation,
            response_to=response_to,
            message=message,
            metadata=original.metadata,
            generation_config=original.generation_config,
            merge_parents=merge,
            not_before=self.tip_time,
            known_tokens=(original.content_hash, original.token_count),
        )
        annotation = self.annotations.get(old)
        if annotation is not None:
            self.uow.annotations.add(
                self.ctx.tract_id,
                info.commit_hash,
                annotation.priority,
                annotation.reason,
                info.created_at,
            )
        self.mapping[old] = info.commit_hash
        (self.preserved if kept else self.replayed)[old] = info.commit_hash
        return self._advance(info)


def recorded_heads(event: OperationEvent) -> dict[str, Any] | None:
    """The event's params with ``head_before`` / ``head_after``, or None when unknown.

    Our reorganize events before these keys were added recorded ``old_head`` and the replayed
    copies: the head after is the last copy (a rebase that replays nothing writes no event)."""
    params = dict(event.params or {})
    if "head_before" in params and "head_after" in params:
        return params
    if event.event_type == "reorganize" and "old_head" in params and event.results:
        return {**params, "head_before": params["old_head"], "head_after": event.results[-1]}
    return None


def _history_stored(uow: UnitOfWork, head: str) -> bool:
    """Whether ``head`` and its whole first-parent chain are still stored (GC removes the
    originals a compress replayed once nothing reaches them)."""
    chain = uow.commits.first_parent_hashes(head)
    if not chain or chain[0] != head:
        return False
    last = uow.commits.get(chain[-1])
    return last is not None and last.parent_hash is None


def revert_refusal(uow: UnitOfWork, ctx: TractContext, event: OperationEvent) -> str | None:
    """Why ``event`` cannot be reverted now, in one sentence, or None when it can.

    The one check: ``revert_event`` refuses with it, and the app says it before asking."""
    event_id = event.event_id
    if event.event_type not in ("compress", "reorganize"):
        return f"a {event.event_type} event cannot be reverted"
    params = recorded_heads(event)
    if params is None or not event.branch_name:
        why = (
            "it was written by tract-ai, which records no parameters"
            if event.params is None
            else "its parameters do not say where the branch was before and after it"
        )
        return f"event {event_id[:12]} cannot be reverted: {why} (no branch heads to restore)"
    current = uow.refs.get(ctx.tract_id, branch_ref(event.branch_name))
    tip = current.commit_hash if current is not None else None
    if tip == params["head_before"] and tip != params["head_after"]:
        return (
            f"event {event_id[:12]} is already reverted: branch {event.branch_name} is back at "
            f"{str(tip)[:8]}"
        )
    if tip != params["head_after"]:
        now = tip[:8] if tip else "nothing"
        return (
            f"branch {event.branch_name} moved since this {event.event_type} "
            f"(now at {now}, was {str(params['head_after'])[:8]}); reverting would drop "
            "the commits made since"
        )
    restored = params["head_before"]
    if restored and not _history_stored(uow, restored):
        return (
            f"event {event_id[:12]} cannot be reverted: the history it would restore (head "
            f"{str(restored)[:8]}) was garbage-collected"
        )
    return None


def revert_event(uow: UnitOfWork, ctx: TractContext, event_id: str) -> RevertResult:
    """Put a branch back to its head before a compress/reorganize, if it has not moved since."""
    uow.lock_tract(ctx.tract_id)
    event = find_event(uow, ctx, event_id)
    event_id = event.event_id
    refusal = revert_refusal(uow, ctx, event)
    if refusal is not None:
        raise RevertError(refusal)
    params = recorded_heads(event)
    assert params is not None and event.branch_name  # revert_refusal said so
    ref = branch_ref(event.branch_name)
    current = uow.refs.get(ctx.tract_id, ref)
    tip = current.commit_hash if current is not None else None
    restored = params["head_before"]
    if restored:
        uow.refs.set_direct(ctx.tract_id, ref, restored)
    else:
        uow.refs.delete(ctx.tract_id, ref)
    revert_id = uuid.uuid4().hex
    uow.events.add(
        OperationEvent(
            event_id=revert_id,
            tract_id=ctx.tract_id,
            event_type="revert",
            branch_name=event.branch_name,
            created_at=ctx.now(),
            original_tokens=event.compressed_tokens,
            compressed_tokens=event.original_tokens,
            params={
                "reverted_event": event_id,
                "reverted_type": event.event_type,
                "head_before": tip,
                "head_after": restored,
            },
            sources=event.results,
            results=event.sources,
        )
    )
    return RevertResult(revert_id, event_id, event.branch_name, restored)
