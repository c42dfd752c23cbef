"""Several tracts in one store: listing them as a spawn tree (docs/behaviour.md §11)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.storage.repositories import UnitOfWork


@dataclass(frozen=True)
class TractSummary:
    tract_id: str
    display_name: str | None
    commit_count: int
    latest: datetime | None
    is_active: bool
    parent_id: str | None
    depth: int = 0
    children: tuple[str, ...] = field(default=())


def list_tracts(uow: UnitOfWork) -> list[TractSummary]:
    """Every tract, as a depth-first spawn tree (roots oldest first, then their children)."""
    stats = uow.commits.tract_stats()
    pointers = {p.child_tract_id: p for p in uow.spawns.all()}
    for child, p in pointers.items():
        stats.setdefault(child, (0, None, False))
        stats.setdefault(p.parent_tract_id, (0, None, False))
    children: dict[str | None, list[str]] = {}
    for tract_id in stats:
        parent = pointers[tract_id].parent_tract_id if tract_id in pointers else None
        if parent == tract_id:
            parent = None
        children.setdefault(parent, []).append(tract_id)

    def order_key(t: str) -> tuple[str, str]:
        latest = stats[t][1]
        return (latest.isoformat() if latest else "", t)

    out: list[TractSummary] = []
    visited: set[str] = set()

    def visit(tract_id: str, depth: int) -> None:
        if tract_id in visited:  # a corrupt pointer cycle must not loop
            return
        visited.add(tract_id)
        count, latest, ended = stats[tract_id]
        pointer = pointers.get(tract_id)
        kids = sorted(children.get(tract_id, []), key=order_key)
        out.append(
            TractSummary(
                tract_id=tract_id,
                display_name=pointer.display_name if pointer else None,
                commit_count=count,
                latest=latest,
                is_active=not ended,
                parent_id=pointer.parent_tract_id if pointer else None,
                depth=depth,
                children=tuple(kids),
            )
        )
        for kid in kids:
            visit(kid, depth + 1)

    for root in sorted(children.get(None, []), key=order_key):
        visit(root, 0)
    for tract_id in sorted(stats):  # members of pointer cycles have no root
        visit(tract_id, 0)
    return out
