"""Applying a compression onto the head as it is at write time (issue 9 §1).

A plan is made in one transaction and written in another, with summaries (perhaps an LLM call)
in between; an agent keeps appending meanwhile. Commits appended after the plan lie after the
range: they are replayed like any commit after the range, in the write transaction. Only a
change to the range itself refuses (``RangeChangedError``):

- the plan's head is no longer on the branch (the branch was rewritten: compressed, rebased,
  reverted, reset) — the range may be gone;
- a commit appended since edits a commit the plan consumes (its text is not in the summary);
- the annotation in force on a selected commit changed (a pin or skip moves commits between
  groups).

The facade answers a refusal by re-planning once from the same commits (see
``core.facade.compress``); this module also says when a re-plan shows the same thing as the
plan it replaces, and which groups can keep their summaries.
"""

from __future__ import annotations

from dataclasses import replace

from core.errors import RangeChangedError
from core.models.records import Retention
from core.models.refs import branch_ref
from core.operations.compress_plan import KEPT, CompressPlan, Group
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

FIRST_LOOK = 512  # commits walked back from the tip before a whole-chain walk


def onto_current_head(uow: UnitOfWork, ctx: TractContext, plan: CompressPlan) -> CompressPlan:
    """The plan moved onto the branch's current tip (the caller holds the tract's lock)."""
    ref = uow.refs.get(ctx.tract_id, branch_ref(plan.branch))
    tip = ref.commit_hash if ref is not None else None
    if not tip:
        raise RangeChangedError(f"branch {plan.branch} was deleted since the plan")
    appended: list[str] = []
    if tip != plan.head_before:
        since = commits_since(uow, tip, plan.head_before)
        if since is None:
            raise RangeChangedError(
                f"branch {plan.branch} was rewritten since the plan (its head then, "
                f"{plan.head_before[:8]}, is no longer on it)"
            )
        appended = since
    _check_annotations(uow, ctx, plan)
    if not appended:
        return plan
    consumed = {p.commit_hash for p in plan.selected if p.role != KEPT}
    rows = uow.commits.get_many(appended)
    for commit_hash in appended:
        row = rows.get(commit_hash)
        if row is not None and row.is_edit and row.response_to in consumed:
            raise RangeChangedError(
                f"commit {commit_hash[:8]}, written since the plan, edits "
                f"{str(row.response_to)[:8]}, which the plan summarises"
            )
    return replace(
        plan,
        head_before=tip,
        replay=plan.replay + tuple(appended),
        planned_head=plan.planned_head or plan.head_before,
        appended=plan.appended + tuple(appended),
    )


def commits_since(uow: UnitOfWork, tip: str, anchor: str) -> list[str] | None:
    """First-parent commits after ``anchor`` up to ``tip``, oldest first; None when ``anchor``
    is not on ``tip``'s first-parent chain. A short walk first: few commits arrive between a
    plan and its write."""
    for limit in (FIRST_LOOK, None):
        hashes = uow.commits.first_parent_hashes(tip, limit=limit)
        if anchor in hashes:
            newer = hashes[: hashes.index(anchor)]
            newer.reverse()
            return newer
        if limit is not None and len(hashes) < limit:
            return None  # the whole chain was walked
    return None


def _check_annotations(uow: UnitOfWork, ctx: TractContext, plan: CompressPlan) -> None:
    if not plan.annotation_ids:
        return
    # The newest annotation, without asking the clock: a tick here would move every later
    # timestamp of a frozen clock (tests, the demo) for nothing.
    now = uow.annotations.in_force([h for h, _ in plan.annotation_ids])
    for commit_hash, planned in plan.annotation_ids:
        current = now.get(commit_hash)
        if (current.id if current is not None else None) != planned:
            what = current.priority.name.lower() if current is not None else "unannotated"
            raise RangeChangedError(
                f"commit {commit_hash[:8]} in the range was annotated since the plan (now {what})"
            )


GroupKey = tuple[tuple[str, ...], str, tuple[Retention, ...]]


def group_key(group: Group) -> GroupKey:
    """Two groups with the same commits, text and retention rules get the same summary."""
    return group.commits, group.text, group.retention


def same_preview(a: CompressPlan, b: CompressPlan) -> bool:
    """Whether ``b`` shows what ``a`` showed: the same commits in the same roles and groups,
    with the same texts. Commits replayed after the range do not count: replaying what was
    appended is what applying onto the current head means."""

    def shown(plan: CompressPlan) -> list[tuple[str, str, int | None, str]]:
        return [(p.commit_hash, p.role, p.group, p.text) for p in plan.selected]

    return shown(a) == shown(b) and [group_key(g) for g in a.groups] == [
        group_key(g) for g in b.groups
    ]
