"""Branches: git-style names, create, switch, list, delete (docs/behaviour.md §4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import (
    BranchError,
    BranchNotFoundError,
    InvalidBranchNameError,
    UnmergedBranchError,
)
from core.models.refs import BRANCH_PREFIX, HEAD, branch_ref, branch_short
from core.operations.context import TractContext, head_state
from core.operations.navigation import _remember, resolve
from core.storage.repositories import UnitOfWork

_FORBIDDEN = re.compile(r"[\s~^:?*\[\\]")


@dataclass(frozen=True)
class BranchInfo:
    name: str
    tip: str | None
    current: bool


def check_branch_name(name: str) -> None:
    """Refuse what git refuses (the subset docs/behaviour.md §4 lists), with the reason."""
    checks = (
        (not name, "empty"),
        (".." in name, "contains '..'"),
        (name.endswith(".lock"), "ends in '.lock'"),
        (name.startswith(".") or name.endswith("."), "starts or ends with '.'"),
        (name.startswith("/") or name.endswith("/"), "starts or ends with '/'"),
        ("//" in name, "contains '//'"),
        (bool(_FORBIDDEN.search(name)), "contains whitespace or one of ~ ^ : ? * [ \\"),
        (any(ord(ch) < 32 or ord(ch) == 127 for ch in name), "contains a control character"),
        (name == "HEAD" or name == "-", "is reserved"),
        (len(BRANCH_PREFIX + name) > 255, "is longer than 244 characters"),
    )
    for failed, reason in checks:
        if failed:
            raise InvalidBranchNameError(name, reason)


def list_branches(uow: UnitOfWork, ctx: TractContext) -> list[BranchInfo]:
    current = head_state(uow, ctx.tract_id).branch
    return [
        BranchInfo(branch_short(r.ref_name), r.commit_hash, branch_short(r.ref_name) == current)
        for r in uow.refs.list(ctx.tract_id)
        if r.ref_name.startswith(BRANCH_PREFIX)
    ]


def create_branch(
    uow: UnitOfWork,
    ctx: TractContext,
    name: str,
    source: str | None = None,
    *,
    switch: bool = True,
) -> str:
    """Create ``name`` at ``source`` (resolved; HEAD by default). Returns the tip."""
    check_branch_name(name)
    uow.lock_tract(ctx.tract_id)
    if uow.refs.get(ctx.tract_id, branch_ref(name)) is not None:
        raise BranchError(f"branch {name!r} already exists")
    state = head_state(uow, ctx.tract_id)
    if source is None:
        if state.commit is None:
            raise BranchError("cannot create a branch: the tract has no commits")
        tip = state.commit
    else:
        tip = resolve(uow, ctx, source)
    uow.refs.set_direct(ctx.tract_id, branch_ref(name), tip)
    if switch:
        _remember(uow, ctx, state)
        uow.refs.set_symbolic(ctx.tract_id, HEAD, branch_ref(name))
    return tip


def switch_branch(uow: UnitOfWork, ctx: TractContext, name: str) -> str | None:
    uow.lock_tract(ctx.tract_id)
    ref = uow.refs.get(ctx.tract_id, branch_ref(name))
    if ref is None:
        raise BranchNotFoundError(f"no branch named {name!r}")
    _remember(uow, ctx, head_state(uow, ctx.tract_id))
    uow.refs.set_symbolic(ctx.tract_id, HEAD, branch_ref(name))
    return ref.commit_hash


def delete_branch(uow: UnitOfWork, ctx: TractContext, name: str, *, force: bool = False) -> None:
    uow.lock_tract(ctx.tract_id)
    ref = uow.refs.get(ctx.tract_id, branch_ref(name))
    if ref is None:
        raise BranchNotFoundError(f"no branch named {name!r}")
    state = head_state(uow, ctx.tract_id)
    if state.branch == branch_short(ref.ref_name):
        raise BranchError(f"cannot delete {name!r}: it is the current branch")
    if not force and ref.commit_hash:
        merged = state.commit is not None and uow.commits.is_ancestor(ref.commit_hash, state.commit)
        if not merged:
            raise UnmergedBranchError(
                f"branch {name!r} is not merged into HEAD (tip {ref.commit_hash[:8]}); "
                "use force to delete it anyway"
            )
    uow.refs.delete(ctx.tract_id, ref.ref_name)
