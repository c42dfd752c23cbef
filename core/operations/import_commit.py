"""Import (cherry-pick) one commit from another branch or tract (docs/behaviour.md §8)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from core.errors import ImportCommitError, NotFoundError
from core.models.content import Payload
from core.models.enums import CommitOperation, Priority
from core.models.records import CommitInfo, HeadState, OperationEvent
from core.operations.commit import AUTO_PIN_REASON, write_commit
from core.operations.context import TractContext, advance_head, head_state, require_attached
from core.operations.merge_conflicts import ABORT, RESOLVED, SKIP
from core.operations.navigation import resolve
from core.operations.reorganize import (
    EDIT_TARGET_MISSING,
    ReplayIssue,
    Resolver,
    ask,
    copy_annotation,
    load_payloads,
    resolved_metadata,
    resolved_payload,
)
from core.storage.repositories import UnitOfWork


@dataclass(frozen=True)
class ImportResult:
    original: str
    commit: CommitInfo | None  # None when the resolver said skip
    event_id: str | None
    issue: ReplayIssue | None = None
    source_tract: str | None = None

    @property
    def skipped(self) -> bool:
        return self.commit is None


def import_commit(
    uow: UnitOfWork,
    ctx: TractContext,
    ref: str,
    resolver: Resolver | None = None,
    source_tract: str | None = None,
) -> ImportResult:
    """Replay ``ref`` (of this tract, or of ``source_tract``) on HEAD as a new commit."""
    uow.lock_tract(ctx.tract_id)
    state = head_state(uow, ctx.tract_id)
    require_attached(state, "import a commit")
    cross = source_tract is not None and source_tract != ctx.tract_id
    original = _find_original(uow, ctx, ref, source_tract if cross else None)
    payload = load_payloads(uow, [original], ImportCommitError)[original.content_hash]
    issue = _missing_edit_target(uow, state, original, payload)
    copy = _Copy(
        payload,
        original.operation,
        original.response_to,
        original.metadata,
        original.generation_config,
    )
    if issue is not None:
        answered = _resolve(ctx, resolver, issue, original)
        if answered is None:  # the resolver chose to skip it
            return ImportResult(original.commit_hash, None, None, issue, source_tract)
        copy = answered
    new = write_commit(
        uow,
        ctx,
        copy.payload,
        parent=state.commit,
        operation=copy.operation,
        response_to=copy.response_to,
        message=original.message,
        metadata=copy.metadata,
        generation_config=copy.config,
        not_before=state.commit_time,
    )
    advance_head(uow, ctx.tract_id, state, new.commit_hash)
    _carry_priority(uow, ctx, original, new)
    params: dict[str, Any] = {"original_commit": original.commit_hash}
    if cross:
        params["source_tract"] = source_tract
    if issue is not None:
        params["resolved"] = issue.kind
    event_id = uuid.uuid4().hex
    uow.events.add(
        OperationEvent(
            event_id=event_id,
            tract_id=ctx.tract_id,
            event_type="import",
            branch_name=None,
            created_at=ctx.now(),
            original_tokens=0,
            compressed_tokens=0,
            params=params,
            sources=(original.commit_hash,),
            results=(new.commit_hash,),
        )
    )
    return ImportResult(original.commit_hash, new, event_id, issue, source_tract)


@dataclass(frozen=True)
class _Copy:
    """What the imported commit is written with."""

    payload: Payload
    operation: CommitOperation
    response_to: str | None
    metadata: dict[str, Any] | None
    config: dict[str, Any] | None


def _find_original(
    uow: UnitOfWork, ctx: TractContext, ref: str, source_tract: str | None
) -> CommitInfo:
    src_ctx = replace(ctx, tract_id=source_tract) if source_tract else ctx
    where = f" of tract {source_tract}" if source_tract else ""
    try:
        original_hash = resolve(uow, src_ctx, ref)
    except NotFoundError as exc:
        raise ImportCommitError(f"cannot import {ref!r}{where}: {exc}") from None
    original = uow.commits.get(original_hash)
    if original is None:  # resolve() only returns existing hashes; a concurrent GC aside
        raise ImportCommitError(f"cannot import {ref!r}{where}: commit not found")
    return original


def _missing_edit_target(
    uow: UnitOfWork, state: HeadState, original: CommitInfo, payload: Payload
) -> ReplayIssue | None:
    """An EDIT whose target is not on the current branch cannot be replayed as it is."""
    if not original.is_edit:
        return None
    target = original.response_to
    on_branch = state.commit is not None and target is not None
    if on_branch and uow.commits.is_ancestor(str(target), str(state.commit)):
        return None
    return ReplayIssue(
        EDIT_TARGET_MISSING,
        original.commit_hash,
        target,
        f"EDIT {original.short} targets {str(target)[:8]}, which is not in the "
        + ("current branch" if state.commit else "empty current branch"),
        original,
        payload,
    )


def _resolve(
    ctx: TractContext, resolver: Resolver | None, issue: ReplayIssue, original: CommitInfo
) -> _Copy | None:
    """The resolver's answer as what to write; ``None`` when it skips the commit."""
    if resolver is None:
        raise ImportCommitError(f"cannot import: {issue.message} (no resolver)")
    answer = ask(resolver, issue)
    if answer.action == SKIP:
        return None
    if answer.action == ABORT:
        raise ImportCommitError(f"import of {original.short} aborted by the resolver")
    if answer.action != RESOLVED or answer.text is None:
        raise ImportCommitError(f"import of {original.short} left unresolved: {issue.message}")
    return _Copy(
        resolved_payload(ctx, answer.text),
        CommitOperation.APPEND,
        None,
        resolved_metadata(original),
        answer.generation_config or original.generation_config,
    )


def _carry_priority(
    uow: UnitOfWork, ctx: TractContext, original: CommitInfo, new: CommitInfo
) -> None:
    # The copy keeps its original's priority; a type pinned by default is pinned as on commit.
    in_force = uow.annotations.in_force([original.commit_hash], ctx.now()).get(original.commit_hash)
    if in_force is not None:
        copy_annotation(uow, ctx, in_force, new)
    elif ctx.registry.default_priority(new.content_type) is Priority.PINNED:
        uow.annotations.add(
            ctx.tract_id, new.commit_hash, Priority.PINNED, AUTO_PIN_REASON, new.created_at
        )
