"""Merge parents: the ``commit_parents`` rows of merge commits (all parents, in order)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, insert, select

from core.storage import schema as s
from core.storage.repositories import CommitParentRepository
from core.storage.sqla._common import chunks, unique


class SqlCommitParentRepository(CommitParentRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, commit_hash: str, parents: Sequence[str]) -> None:
        self.conn.execute(
            insert(s.commit_parents),
            [
                {"commit_hash": commit_hash, "parent_hash": p, "position": i}
                for i, p in enumerate(parents)
            ],
        )

    def parents_of(self, hashes: Iterable[str]) -> dict[str, tuple[str, ...]]:
        cp = s.commit_parents.c
        acc: dict[str, list[tuple[int, str]]] = {}
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(
                select(cp.commit_hash, cp.parent_hash, cp.position).where(cp.commit_hash.in_(batch))
            )
            for r in rows:
                acc.setdefault(r.commit_hash, []).append((int(r.position), r.parent_hash))
        return {h: tuple(p for _, p in sorted(v)) for h, v in acc.items()}

    def merges_with_parent(self, parent_hash: str) -> list[str]:
        cp = s.commit_parents.c
        rows = self.conn.execute(select(cp.commit_hash).where(cp.parent_hash == parent_hash))
        return sorted(r[0] for r in rows)

    def delete_for(self, hashes: Iterable[str]) -> int:
        cp = s.commit_parents.c
        n = 0
        for batch in chunks(unique(hashes)):
            res = self.conn.execute(
                delete(s.commit_parents).where(
                    cp.commit_hash.in_(batch) | cp.parent_hash.in_(batch)
                )
            )
            n += int(res.rowcount or 0)
        return n
