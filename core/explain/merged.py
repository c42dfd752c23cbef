"""Which merge on HEAD's first-parent chain brought each other commit into a compile.

A commit off the chain was brought in by the oldest chain commit whose history holds it: the
merges after that one hold it too, but it was already there. The compile order
(``core.engine.compile_order``) places every such commit just before that merge, so a whole
compile's answer is read off its order in one pass. A few commits are walked forward from,
child by child, to every chain commit they reach; the oldest of those is the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.engine.compile_order import sequence_order
from core.models.compiled import CompileRow
from core.storage.repositories import UnitOfWork

MAX_MERGE_WALK = 10_000  # commits a forward walk visits before it settles for what it found


def from_order(order: Iterable[str], chain: Iterable[str]) -> dict[str, str]:
    """Off-chain commit → the chain commit that brought it in, from a compile order (root
    first): each run of off-chain commits was brought in by the chain commit after it."""
    on_chain = chain if isinstance(chain, set | frozenset) else set(chain)
    found: dict[str, str] = {}
    pending: list[str] = []
    for h in order:
        if h in on_chain:
            if pending:
                found.update(dict.fromkeys(pending, h))
                pending.clear()
        else:
            pending.append(h)
    return found  # a run after the last chain commit cannot happen: HEAD is on the chain


def from_rows(rows: Sequence[CompileRow], head: str) -> dict[str, str]:
    """:func:`from_order` over a compiled snapshot's rows (every commit of the compile order,
    with its first parent), its chain followed in memory from ``head``."""
    parent = {r.commit_hash: r.parent_hash for r in rows}
    chain: set[str] = set()
    current: str | None = head
    while current is not None and current in parent and current not in chain:
        chain.add(current)
        current = parent[current]
    return from_order((r.commit_hash for r in rows), chain)


class _Parents:
    """First parents and merge parents, loaded a tract at a time as the order reaches it (a
    clone's first commit keeps its parent's hash, in the tract it was cloned from)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.first: dict[str, str | None] = {}
        self.merges: dict[str, tuple[str, ...]] = {}
        self.tracts: set[str] = set()

    def __call__(self, commit_hash: str) -> tuple[str | None, tuple[str, ...]] | None:
        if commit_hash not in self.first:
            tract = self.uow.commits.tract_of(commit_hash)
            if tract is None or tract in self.tracts:
                return None
            self.tracts.add(tract)
            self.first.update(self.uow.commits.tract_first_parents(tract))
            self.merges.update(self.uow.commits.tract_merge_parents(tract))
            if commit_hash not in self.first:
                return None
        return self.first[commit_hash], self.merges.get(commit_hash, ())


def from_graph(uow: UnitOfWork, head: str) -> dict[str, str]:
    """:func:`from_order` for ``head`` without a compiled snapshot: the compile order computed
    from the commit graph alone (hashes and parents, set-based reads)."""
    parents = _Parents(uow)
    order = sequence_order(head, parents)
    chain: set[str] = set()
    current: str | None = head
    while current is not None and current not in chain:
        chain.add(current)
        found = parents(current)
        current = found[0] if found is not None else None
    return from_order(order, chain)


def walk_forward(
    uow: UnitOfWork, chain: Sequence[str], off: Iterable[str], *, cap: int = MAX_MERGE_WALK
) -> dict[str, str]:
    """For a few commits off ``chain`` (newest first): the oldest chain commit each reaches
    going forward, one query per layer of children. Each (commit, asker) pair is walked once;
    after ``cap`` commits the walk settles for what it has found."""
    age = {h: len(chain) - i for i, h in enumerate(chain)}  # 1: the root
    best: dict[str, str] = {}
    reached: dict[str, set[str]] = {h: {h} for h in off if h not in age}
    frontier = {h: set(asked) for h, asked in reached.items()}
    walked = 0
    while frontier and walked < cap:
        walked += len(frontier)
        children = uow.lineage.children(frontier)
        nxt: dict[str, set[str]] = {}
        for parent, asked in frontier.items():
            for child in children.get(parent, ()):
                if child in age:
                    for a in asked:
                        known = best.get(a)
                        if known is None or age[child] < age[known]:
                            best[a] = child
                    continue
                have = reached.setdefault(child, set())
                new = asked - have
                if new:
                    have |= new
                    nxt.setdefault(child, set()).update(new)
        frontier = nxt
    return best
