"""Compile order: which commits a compile of a head visits, in what order (docs/behaviour.md §5.2).

``build_sequence`` walks the first-parent chain root first and, before every merge commit,
inserts the commits reachable from its other parents that are not in the sequence yet — each
block in its own compile order, recursively, so nested merges expand too. Every commit appears
once. Turning the sequence into messages is ``core.engine.snapshot``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from core.models.compiled import CompileRow

BLOCK_PAGE = 256


class SequenceLoader(Protocol):
    def chain(self, head: str, limit: int | None) -> list[CompileRow]:
        """First-parent chain from ``head``, newest first."""

    def merge_parents(self, hashes: Sequence[str]) -> dict[str, tuple[str, ...]]: ...


def build_sequence(head: str, loader: SequenceLoader) -> list[CompileRow]:
    """Compile order of ``head``: root first, merges expanded recursively, each commit once."""
    main = loader.chain(head, None)
    main.reverse()
    return expand(main, loader, set())


def expand(
    rows_root_first: Sequence[CompileRow], loader: SequenceLoader, seen: set[str]
) -> list[CompileRow]:
    merges = [r.commit_hash for r in rows_root_first if r.n_parents >= 2]
    parents = loader.merge_parents(merges) if merges else {}
    out: list[CompileRow] = []
    for row in rows_root_first:
        if row.commit_hash in seen:
            continue
        for other in parents.get(row.commit_hash, ())[1:]:
            block = _walk_until_seen(other, loader, seen)
            block.reverse()
            out.extend(expand(block, loader, seen))
        out.append(row)
        seen.add(row.commit_hash)
    return out


def _walk_until_seen(start: str, loader: SequenceLoader, seen: set[str]) -> list[CompileRow]:
    """``start``'s first-parent chain (newest first) up to the first commit already seen.

    The sequence is closed under ancestry at every merge, so stopping there loses nothing.
    Paged, because merged branches are usually short and histories long.
    """
    out: list[CompileRow] = []
    current: str | None = start
    walked: set[str] = set()
    while current is not None and current not in seen:
        page = loader.chain(current, BLOCK_PAGE)
        if not page:
            break
        current = None
        for row in page:
            if row.commit_hash in seen or row.commit_hash in walked:
                current = None
                break
            walked.add(row.commit_hash)
            out.append(row)
            current = row.parent_hash
        else:
            continue
        break
    return out


# -- the same order over hashes alone --------------------------------------------------------

# A commit's first parent and all its parents when it is a merge; None: no such commit.
ParentsOf = Callable[[str], "tuple[str | None, tuple[str, ...]] | None"]


def sequence_order(head: str, parents_of: ParentsOf) -> list[str]:
    """``build_sequence``'s order computed from the commit graph (hashes only): a cold compile
    loads the graph in two set-based queries and then only the rows of this order, instead of
    a chain query per merged branch. Same rules, same result (the property tests compare)."""
    others: dict[str, tuple[str, ...]] = {}
    main = _first_parents(head, parents_of, set(), others)
    main.reverse()
    out: list[str] = []
    _expand_hashes(main, others, parents_of, set(), out)
    return out


def _expand_hashes(
    root_first: Sequence[str],
    others_of: dict[str, tuple[str, ...]],
    parents_of: ParentsOf,
    seen: set[str],
    out: list[str],
) -> None:
    """``expand`` over hashes, with a stack of its own: merged branches nest deeply in long
    histories (thousands of levels), deeper than Python's recursion limit. ``others_of``:
    the other parents of the merges in the blocks, as :func:`_first_parents` found them
    (each commit's parents are looked up once: a million lookups, not two)."""
    # A frame: a block (root first), the position in it, and the other parents of the commit
    # there that are still to expand before it (None: not looked up yet).
    frames: list[list[Any]] = [[root_first, 0, None]]
    append, add = out.append, seen.add
    while frames:
        frame = frames[-1]
        block, i, others = frame
        if others is None:
            # Commits with no other parents (most of a history) go straight out.
            n = len(block)
            while i < n:
                h = block[i]
                if h not in seen:
                    more = others_of.get(h)
                    if more is not None:
                        others = iter(more)
                        break
                    append(h)
                    add(h)
                i += 1
            else:
                frames.pop()
                continue
            frame[1], frame[2] = i, others
        other = next(others, None)
        if other is not None:
            sub = _first_parents(other, parents_of, seen, others_of)
            sub.reverse()
            frames.append([sub, 0, None])
            continue
        h = block[i]
        append(h)
        add(h)
        frame[1], frame[2] = i + 1, None


def _first_parents(
    start: str, parents_of: ParentsOf, seen: set[str], others: dict[str, tuple[str, ...]]
) -> list[str]:
    """``start``'s first-parent chain, newest first, up to the first commit in ``seen`` (or a
    missing commit, or a stored cycle); ``others`` gains each merge's other parents."""
    out: list[str] = []
    walked: set[str] = set()
    current: str | None = start
    while current is not None and current not in seen and current not in walked:
        found = parents_of(current)
        if found is None:
            break
        walked.add(current)
        out.append(current)
        if len(found[1]) > 1:
            others[current] = found[1][1:]
        current = found[0]
    return out
