"""Resolving refs, reading history, moving HEAD (docs/behaviour.md §3–4)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.errors import AmbiguousRefError, NotFoundError, TractError
from core.models.enums import CommitOperation
from core.models.records import CommitInfo, HeadState
from core.models.refs import HEAD, ORIG_HEAD, PREV_BRANCH, PREV_HEAD, branch_ref
from core.operations.context import TractContext, head_state
from core.storage.repositories import UnitOfWork

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_ANCESTRY = re.compile(r"(?:~\d*|\^)+$")
MIN_PREFIX = 4


def resolve(uow: UnitOfWork, ctx: TractContext, ref: str) -> str:
    """A full hash, then a branch, then a unique hash prefix of ≥ 4 characters.

    ``HEAD`` (and ``ORIG_HEAD``/``PREV_HEAD``) resolve to their commits too, and as in git a
    ``~N`` or ``^`` suffix walks N first parents back (``HEAD~2``, ``main^``).
    """
    ref = ref.strip()
    if not ref:
        raise NotFoundError("empty ref")
    suffix = _ANCESTRY.search(ref)
    if suffix and suffix.start() > 0:
        steps = _steps(suffix.group(0))
        base = resolve(uow, ctx, ref[: suffix.start()])
        chain = uow.commits.first_parent_hashes(base, limit=steps + 1)
        if not chain:  # the ref names a commit that is not stored
            raise NotFoundError(
                f"{ref!r}: {ref[: suffix.start()]} points at commit {base[:12]}, which is not "
                "in the store (a dangling ref; run tract-tui verify)"
            )
        if len(chain) <= steps:
            raise NotFoundError(
                f"{ref!r}: {ref[: suffix.start()]} has only {len(chain) - 1} first parents"
            )
        return chain[steps]
    tract = ctx.tract_id
    full = len(ref) == 64 and _HEX.match(ref)
    if full and uow.commits.exists_in_tract(tract, [ref.lower()]):
        return ref.lower()
    if ref in (HEAD, "@"):
        commit = head_state(uow, tract).commit
        if commit is None:
            raise NotFoundError("HEAD has no commit yet")
        return commit
    branch = uow.refs.get(tract, branch_ref(ref))
    if branch is not None and branch.commit_hash:
        return branch.commit_hash
    if ref in (ORIG_HEAD, PREV_HEAD):
        row = uow.refs.get(tract, ref)
        if row is not None and row.commit_hash:
            return row.commit_hash
    if len(ref) >= MIN_PREFIX and _HEX.match(ref):
        matches = uow.commits.by_prefix(tract, ref, limit=11)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise AmbiguousRefError(ref, matches)
    raise NotFoundError(f"unknown ref {ref!r}: not a commit, branch or unique hash prefix")


def _steps(suffix: str) -> int:
    """``~3^~`` → 5: each ``^`` or bare ``~`` is one step, ``~N`` is N."""
    return sum(int(part[1:]) if part[1:] else 1 for part in re.findall(r"~\d*|\^", suffix))


def log(
    uow: UnitOfWork,
    ctx: TractContext,
    *,
    start: str | None = None,
    limit: int | None = 20,
    op_filter: CommitOperation | None = None,
) -> list[CommitInfo]:
    """Newest first along the first-parent chain from ``start`` (HEAD by default)."""
    head = start or head_state(uow, ctx.tract_id).commit
    if head is None:
        return []
    if op_filter is None:
        return uow.commits.first_parent_chain(head, limit=limit)
    out: list[CommitInfo] = []
    for commit in uow.commits.first_parent_chain(head):
        if commit.operation is op_filter:
            out.append(commit)
            if limit is not None and len(out) >= limit:
                break
    return out


def reset(uow: UnitOfWork, ctx: TractContext, target: str) -> str:
    """Move the attached branch (or a detached HEAD) to ``target``; remember ORIG_HEAD."""
    uow.lock_tract(ctx.tract_id)
    commit = resolve(uow, ctx, target)
    state = head_state(uow, ctx.tract_id)
    if state.commit:
        uow.refs.set_direct(ctx.tract_id, ORIG_HEAD, state.commit)
    if state.ref is not None and state.ref.symbolic_target:
        uow.refs.set_direct(ctx.tract_id, state.ref.symbolic_target, commit)
    else:
        uow.refs.set_direct(ctx.tract_id, HEAD, commit)
        if state.ref is None:  # an empty tract has no branch to move; attach to main
            uow.refs.set_direct(ctx.tract_id, branch_ref("main"), commit)
            uow.refs.set_symbolic(ctx.tract_id, HEAD, branch_ref("main"))
    return commit


def _remember(uow: UnitOfWork, ctx: TractContext, state: HeadState) -> None:
    if state.commit:
        uow.refs.set_direct(ctx.tract_id, PREV_HEAD, state.commit)
    if state.ref is not None and state.ref.symbolic_target:
        uow.refs.set_symbolic(ctx.tract_id, PREV_BRANCH, state.ref.symbolic_target)
    else:
        uow.refs.delete(ctx.tract_id, PREV_BRANCH)


def checkout(uow: UnitOfWork, ctx: TractContext, target: str) -> HeadState:
    """A branch name attaches HEAD; any other ref detaches it; ``-`` goes back."""
    uow.lock_tract(ctx.tract_id)
    tract = ctx.tract_id
    state = head_state(uow, tract)
    if target == "-":
        prev = uow.refs.get(tract, PREV_HEAD)
        if prev is None or not prev.commit_hash:
            raise TractError("no previous position to return to (PREV_HEAD is not set)")
        prev_branch = uow.refs.get(tract, PREV_BRANCH)
        _remember(uow, ctx, state)
        if prev_branch is not None and prev_branch.symbolic_target:
            uow.refs.set_symbolic(tract, HEAD, prev_branch.symbolic_target)
        else:
            uow.refs.set_direct(tract, HEAD, prev.commit_hash)
        return head_state(uow, tract)
    if uow.refs.get(tract, branch_ref(target)) is not None:
        _remember(uow, ctx, state)
        uow.refs.set_symbolic(tract, HEAD, branch_ref(target))
        return head_state(uow, tract)
    commit = resolve(uow, ctx, target)
    _remember(uow, ctx, state)
    uow.refs.set_direct(tract, HEAD, commit)
    return head_state(uow, tract)


def short_hashes(hashes: Sequence[str], n: int = 8) -> str:
    return ", ".join(h[:n] for h in hashes)
