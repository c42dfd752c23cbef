"""Compile order: which commits a compile of a head visits, in what order (docs/behaviour.md §5.2).

``build_sequence`` walks the first-parent chain root first and, before every merge commit,
inserts the commits reachable from its other parents that are not in the sequence yet — each
block in its own compile order, recursively, so nested merges expand too. Every commit appears
once. Turning the sequence into messages is ``core.engine.snapshot``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.models.records import CompileRow

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
