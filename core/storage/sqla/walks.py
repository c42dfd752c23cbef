"""First-parent walks and reachability: ordering walk rows, and the ancestors CTE per dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def order_chain(head: str, rows: Sequence[Any], parent: int = 1) -> list[Any]:
    """Rows of a first-parent walk (column 0 the hash, column ``parent`` the parent) in chain
    order, newest first. Stops where a stored parent cycle would repeat a commit."""
    out: list[Any] = []
    seen: set[str | None] = set()
    expect: str | None = head
    for row in rows:  # SQLite emits a recursive CTE in queue order: usually chain order
        if row[0] != expect or expect in seen:
            break
        seen.add(expect)
        out.append(row)
        expect = row[parent]
    else:
        return out
    by_hash = {r[0]: r for r in rows}
    out, seen, current = [], set(), head
    while current is not None and current in by_hash and current not in seen:
        seen.add(current)
        row = by_hash[current]
        out.append(row)
        current = row[parent]
    return out


# Reachability over both parent kinds. SQLite (≥3.34) accepts several recursive selects in one
# CTE; PostgreSQL allows one recursive reference, so it joins a LATERAL union instead. Both use
# the primary keys at every step (no scan of the edge tables).
ANCESTORS_SQL = {
    "sqlite": """
        WITH RECURSIVE anc(h) AS (
            SELECT commit_hash FROM commits WHERE commit_hash IN :heads
            UNION
            SELECT c.parent_hash FROM commits c JOIN anc ON c.commit_hash = anc.h
                WHERE c.parent_hash IS NOT NULL
            UNION
            SELECT cp.parent_hash FROM commit_parents cp JOIN anc ON cp.commit_hash = anc.h
        )
        SELECT h FROM anc
    """,
    "postgresql": """
        WITH RECURSIVE anc(h) AS (
            SELECT commit_hash FROM commits WHERE commit_hash IN :heads
            UNION
            SELECT e.p FROM anc CROSS JOIN LATERAL (
                SELECT c.parent_hash AS p FROM commits c
                    WHERE c.commit_hash = anc.h AND c.parent_hash IS NOT NULL
                UNION ALL
                SELECT cp.parent_hash FROM commit_parents cp WHERE cp.commit_hash = anc.h
            ) e
        )
        SELECT h FROM anc
    """,
    "first_parent": """
        WITH RECURSIVE anc(h) AS (
            SELECT commit_hash FROM commits WHERE commit_hash IN :heads
            UNION
            SELECT c.parent_hash FROM commits c JOIN anc ON c.commit_hash = anc.h
                WHERE c.parent_hash IS NOT NULL
        )
        SELECT h FROM anc
    """,
}


# Every tract id, with one index seek per tract (a loose index scan), not a pass over every
# commit: opening a store of a million commits asks this first. Plain SQL, shared by the
# repositories and the stdlib quick reads (``core.storage.sqlite_quick``).
TRACT_IDS_SQL = """
    WITH RECURSIVE t(id) AS (
        SELECT MIN(tract_id) FROM commits
        UNION ALL
        SELECT (SELECT MIN(c.tract_id) FROM commits c WHERE c.tract_id > t.id)
            FROM t WHERE t.id IS NOT NULL
    )
    SELECT id FROM t
    UNION
    SELECT tract_id FROM refs
"""
