"""Ref names: the one place that knows how branches and HEAD are spelled in a store.

A branch is the ref ``refs/heads/<name>``; ``HEAD`` is symbolic (naming a branch) or detached
(naming a commit). See docs/store-format.md §5.
"""

from __future__ import annotations

HEAD = "HEAD"
BRANCH_PREFIX = "refs/heads/"
ORIG_HEAD = "ORIG_HEAD"
PREV_HEAD = "PREV_HEAD"
PREV_BRANCH = "PREV_BRANCH"


def is_branch(ref_name: str) -> bool:
    return ref_name.startswith(BRANCH_PREFIX)


def branch_short(ref_name: str) -> str:
    """``refs/heads/main`` → ``main`` (any other name is returned as it is)."""
    return ref_name[len(BRANCH_PREFIX) :] if is_branch(ref_name) else ref_name


def branch_ref(name: str) -> str:
    """``main`` → ``refs/heads/main`` (a full ref name is returned as it is)."""
    return name if is_branch(name) else BRANCH_PREFIX + name
