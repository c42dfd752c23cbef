"""Rebase (reorganize): replay the current branch onto another branch's tip (docs/behaviour.md §8).

Also home of what rebase and import share: the issue a resolver is asked about (answers are read
with merge's :func:`~core.operations.merge_conflicts.coerce_resolution`, so one resolver serves
merge, rebase and import), the freeform shape of a resolved EDIT, and annotation copying.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from core.errors import BranchNotFoundError, RebaseError, SemanticSafetyError
from core.models import content as c
from core.models.content import Payload
from core.models.records import AnnotationInfo, CommitInfo, OperationEvent
from core.models.refs import branch_ref
from core.operations.commit import write_commit
from core.operations.context import TractContext, head_state
from core.operations.merge_conflicts import (
    ABORT,
    RESOLVED,
    SKIP,
    Resolution,
    coerce_resolution,
)
from core.storage.repositories import UnitOfWork

EDIT_TARGET_MISSING = "edit_target_missing"


@dataclass(frozen=True)
class ReplayIssue:
    """What a resolver is asked about: a commit that cannot be replayed as it is."""

    kind: str
    commit_hash: str
    target_hash: str | None
    message: str
    commit: CommitInfo
    payload: dict[str, Any] | None = None  # the commit's content, for a resolver to rewrite

    @property
    def description(self) -> str:
        return self.message


Resolver = Callable[[ReplayIssue], Any]


def ask(resolver: Resolver, issue: ReplayIssue) -> Resolution:
    """Call the resolver; its answer is read as merge reads one (a :class:`Resolution`, a
    dict or object with ``action``/``text``, or a bare string meaning resolved text)."""
    return coerce_resolution(resolver(issue))


def resolved_payload(ctx: TractContext, text: str) -> dict[str, Any]:
    """What a resolved EDIT becomes when its target is absent: freeform ``{"text": …}``."""
    return ctx.registry.validate(c.freeform({"text": text}))


def resolved_metadata(original: CommitInfo) -> dict[str, Any]:
    return {
        **(original.metadata or {}),
        "original_operation": "EDIT",
        "original_response_to": original.response_to,
    }


def copy_annotation(
    uow: UnitOfWork, ctx: TractContext, in_force: AnnotationInfo | None, copy: CommitInfo
) -> None:
    """Give a re-created commit its original's annotation in force (same priority, reason)."""
    if in_force is not None:
        uow.annotations.add(
            ctx.tract_id, copy.commit_hash, in_force.priority, in_force.reason, copy.created_at
        )


def load_payloads(
    uow: UnitOfWork, commits: list[CommitInfo], error: type[Exception]
) -> dict[str, dict[str, Any]]:
    blobs = uow.blobs.get_many(x.content_hash for x in commits)
    for x in commits:
        if x.content_hash not in blobs:
            raise error(f"commit {x.short}: its content blob {x.content_hash[:12]} is missing")
    return {h: b.payload for h, b in blobs.items()}


# --- rebase ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebaseResult:
    target_branch: str
    branch: str | None
    old_head: str | None
    new_head: str | None
    replayed: tuple[tuple[str, str], ...] = ()  # (original, copy) in replay order
    skipped: tuple[str, ...] = ()
    warnings: tuple[ReplayIssue, ...] = ()
    event_id: str | None = None
    noop: bool = False
    fast_forward: bool = False
    resolved: dict[str, str] = field(default_factory=dict)  # original → resolver text

    @property
    def mapping(self) -> dict[str, str]:
        return dict(self.replayed)


def rebase(
    uow: UnitOfWork,
    ctx: TractContext,
    target_branch: str,
    resolver: Resolver | None = None,
) -> RebaseResult:
    """Replay the current branch's commits after the merge base onto ``target_branch``.

    One transaction: the copies, their annotations, the branch move and the ``reorganize``
    event are written together, and nothing is written when any check fails.
    """
    uow.lock_tract(ctx.tract_id)
    tract = ctx.tract_id
    state = head_state(uow, tract)
    if state.detached:
        raise RebaseError(f"cannot rebase a detached HEAD (at {str(state.commit)[:8]})")
    if state.commit is None or state.ref is None or not state.ref.symbolic_target:
        raise RebaseError("nothing to rebase: the current branch has no commits")
    head = state.commit
    branch = state.branch
    target_ref = uow.refs.get(tract, branch_ref(target_branch))
    if target_ref is None or not target_ref.commit_hash:
        raise BranchNotFoundError(f"no branch named {target_branch!r}")
    onto = target_ref.commit_hash

    def result(new_head: str, **kw: Any) -> RebaseResult:
        return RebaseResult(target_branch, branch, head, new_head, **kw)

    if onto == head or uow.commits.is_ancestor(onto, head):
        return result(head, noop=True)
    onto_ancestors = uow.commits.ancestors([onto])
    # Newest first, stopping at the merge base (the first commit the target also has).
    chain = uow.commits.first_parent_chain(head, stop_at=onto_ancestors)
    chain.reverse()
    if not chain:  # HEAD is behind the target: nothing to replay, the branch fast-forwards
        uow.refs.set_direct(tract, state.ref.symbolic_target, onto)
        return result(onto, fast_forward=True)

    _refuse_merges(uow, chain)
    payloads = load_payloads(uow, chain, RebaseError)
    in_range = {x.commit_hash for x in chain}
    warnings = _missing_edit_targets(chain, payloads, onto_ancestors, in_range, target_branch)
    decisions = _decide(warnings, resolver)
    replay = _replay(uow, ctx, chain, payloads, decisions, onto, in_range)
    uow.refs.set_direct(tract, state.ref.symbolic_target, replay.head)  # HEAD stays attached
    event_id = _record_event(uow, ctx, branch, target_branch, head, onto, replay)
    return result(
        replay.head,
        replayed=tuple(replay.replayed),
        skipped=tuple(replay.skipped),
        warnings=tuple(warnings),
        event_id=event_id,
        resolved=replay.resolved,
    )


def _refuse_merges(uow: UnitOfWork, chain: list[CommitInfo]) -> None:
    parents = uow.parents.parents_of(x.commit_hash for x in chain)
    for x in chain:
        if len(parents.get(x.commit_hash, ())) >= 2:
            raise RebaseError(
                f"cannot rebase: merge commit {x.short} is among the commits to replay"
            )


def _missing_edit_targets(
    chain: list[CommitInfo],
    payloads: dict[str, Payload],
    onto_ancestors: Collection[str],
    in_range: Collection[str],
    target_branch: str,
) -> list[ReplayIssue]:
    """EDITs whose target will be on neither the new base nor the replayed commits."""
    return [
        ReplayIssue(
            EDIT_TARGET_MISSING,
            x.commit_hash,
            x.response_to,
            f"EDIT {x.short} targets {str(x.response_to)[:8]}, which is neither on "
            f"{target_branch!r} nor among the replayed commits",
            x,
            payloads[x.content_hash],
        )
        for x in chain
        if x.is_edit and (x.response_to not in onto_ancestors and x.response_to not in in_range)
    ]


@dataclass
class _Replay:
    head: str
    replayed: list[tuple[str, str]] = field(default_factory=list)  # (original, copy)
    skipped: list[str] = field(default_factory=list)
    resolved: dict[str, str] = field(default_factory=dict)  # original → the text appended


def _replay(
    uow: UnitOfWork,
    ctx: TractContext,
    chain: list[CommitInfo],
    payloads: dict[str, Payload],
    decisions: dict[str, Resolution],
    onto: str,
    in_range: Collection[str],
) -> _Replay:
    """Copy ``chain`` onto ``onto`` in order, with each copy's annotation in force."""
    in_force = uow.annotations.in_force(in_range, ctx.now())
    out = _Replay(head=onto)
    parent_info = uow.commits.get(onto)
    parent_time = parent_info.created_at if parent_info else None
    mapping: dict[str, str] = {}
    for x in chain:
        decision = decisions.get(x.commit_hash)
        if decision is not None and decision.action == SKIP:
            out.skipped.append(x.commit_hash)
            continue
        if decision is not None:  # resolved: the target is absent, so the text is appended
            text = decision.text or ""
            out.resolved[x.commit_hash] = text
            copy = write_commit(
                uow,
                ctx,
                resolved_payload(ctx, text),
                parent=out.head,
                message=x.message,
                metadata=resolved_metadata(x),
                generation_config=decision.generation_config or x.generation_config,
                not_before=parent_time,
            )
        else:
            target = x.response_to
            copy = write_commit(
                uow,
                ctx,
                payloads[x.content_hash],
                parent=out.head,
                operation=x.operation,
                response_to=mapping.get(target, target) if target else None,
                message=x.message,
                metadata=x.metadata,
                generation_config=x.generation_config,
                not_before=parent_time,
            )
        copy_annotation(uow, ctx, in_force.get(x.commit_hash), copy)
        mapping[x.commit_hash] = copy.commit_hash
        out.replayed.append((x.commit_hash, copy.commit_hash))
        out.head, parent_time = copy.commit_hash, copy.created_at
    return out


def _record_event(
    uow: UnitOfWork,
    ctx: TractContext,
    branch: str | None,
    target_branch: str,
    head: str,
    onto: str,
    replay: _Replay,
) -> str:
    params: dict[str, Any] = {
        "target_branch": target_branch,
        "old_head": head,
        "onto": onto,
        # What revert needs (the same keys as a compress event): where the branch was before
        # and after, so it can be put back while nothing was committed on top.
        "head_before": head,
        "head_after": replay.head,
    }
    if replay.skipped:
        params["skipped"] = replay.skipped
    if replay.resolved:
        params["resolved"] = sorted(replay.resolved)
    event_id = uuid.uuid4().hex
    uow.events.add(
        OperationEvent(
            event_id=event_id,
            tract_id=ctx.tract_id,
            event_type="reorganize",
            branch_name=branch,
            created_at=ctx.now(),
            original_tokens=0,
            compressed_tokens=0,
            params=params,
            sources=tuple(o for o, _ in replay.replayed),
            results=tuple(n for _, n in replay.replayed),
        )
    )
    return event_id


def _decide(issues: list[ReplayIssue], resolver: Resolver | None) -> dict[str, Resolution]:
    """Ask about every warning before anything is written; abort or no answer stops it all."""
    if not issues:
        return {}
    if resolver is None:
        listed = "; ".join(i.message for i in issues[:3])
        more = f" (+{len(issues) - 3} more)" if len(issues) > 3 else ""
        raise SemanticSafetyError(f"rebase needs a resolver: {listed}{more}")
    out: dict[str, Resolution] = {}
    for issue in issues:
        answer = ask(resolver, issue)
        if answer.action == ABORT:
            raise RebaseError(f"rebase aborted by the resolver at {issue.commit_hash[:8]}")
        if answer.action == RESOLVED and answer.text is None:
            raise RebaseError(f"resolver resolved {issue.commit_hash[:8]} without text")
        if answer.action not in (RESOLVED, SKIP):
            raise SemanticSafetyError(f"unresolved: {issue.message}")
        out[issue.commit_hash] = answer
    return out
