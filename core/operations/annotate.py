"""Annotations: the append-only priority history of commits (docs/behaviour.md §2)."""

from __future__ import annotations

from core.errors import NotFoundError
from core.models.enums import Priority
from core.models.records import AnnotationInfo
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork


def annotate(
    uow: UnitOfWork,
    ctx: TractContext,
    target: str,
    priority: Priority,
    reason: str | None = None,
) -> AnnotationInfo:
    """Append an annotation row. ``target`` must be a full hash of this tract."""
    if not uow.commits.exists_in_tract(ctx.tract_id, [target]):
        raise NotFoundError(f"commit {target[:12]} not found in this tract")
    uow.lock_tract(ctx.tract_id)
    return uow.annotations.add(ctx.tract_id, target, priority, reason, ctx.now())


def priority_in_force(uow: UnitOfWork, ctx: TractContext, target: str) -> Priority:
    info = uow.annotations.in_force([target], ctx.now()).get(target)
    if info is not None:
        return info.priority
    commit = uow.commits.get(target)
    if commit is None:
        raise NotFoundError(f"commit {target[:12]} not found")
    return ctx.rules.default_priority(ctx.registry, commit.content_type)
