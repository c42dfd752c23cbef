"""Blobs, commits and merge parents over SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union,
    update,
)

from core.engine.clock import from_storage, to_storage
from core.models.enums import CommitOperation
from core.models.records import BlobInfo, CommitInfo, CompileRow
from core.storage import schema as s
from core.storage.repositories import (
    BlobRepository,
    CommitParentRepository,
    CommitRepository,
)
from core.storage.sqla._common import (
    COMMIT_COLUMNS,
    chunks,
    commit_from_row,
    parse_dict,
    raw_text,
    unique,
)
from core.storage.sqla.dialect import insert_ignore


class SqlBlobRepository(BlobRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _rows_to_blobs(self, rows: Iterable) -> dict[str, BlobInfo]:
        out: dict[str, BlobInfo] = {}
        for r in rows:
            out[r.content_hash] = BlobInfo(
                content_hash=r.content_hash,
                payload=parse_dict(r.payload_json) or {},
                byte_size=int(r.byte_size or 0),
                token_count=int(r.token_count or 0),
                created_at=from_storage(r.created_at),
            )
        return out

    def get(self, content_hash: str) -> BlobInfo | None:
        return self.get_many([content_hash]).get(content_hash)

    def get_many(self, hashes: Iterable[str]) -> dict[str, BlobInfo]:
        out: dict[str, BlobInfo] = {}
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(select(s.blobs).where(s.blobs.c.content_hash.in_(batch)))
            out.update(self._rows_to_blobs(rows))
        return out

    def insert_if_absent(self, blob: BlobInfo) -> bool:
        from core.engine.hashing import stored_payload_json

        payload_json = stored_payload_json(blob.payload)
        stmt = insert_ignore(self.conn, s.blobs, ["content_hash"]).values(
            content_hash=blob.content_hash,
            payload_json=payload_json,
            byte_size=blob.byte_size,
            token_count=blob.token_count,
            created_at=to_storage(blob.created_at),
        )
        return bool(self.conn.execute(stmt).rowcount)

    def message_tokens(self, hashes: Iterable[str], encoding: str) -> dict[str, int]:
        t = s.blob_message_tokens
        out: dict[str, int] = {}
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(
                select(t.c.content_hash, t.c.message_tokens).where(
                    t.c.encoding == encoding, t.c.content_hash.in_(batch)
                )
            )
            out.update({r.content_hash: int(r.message_tokens) for r in rows})
        return out

    def set_message_tokens(self, counts: Mapping[str, int], encoding: str) -> None:
        if not counts:
            return
        stmt = insert_ignore(self.conn, s.blob_message_tokens, ["content_hash", "encoding"])
        rows = [
            {"content_hash": h, "encoding": encoding, "message_tokens": n}
            for h, n in counts.items()
        ]
        for batch in chunks(rows, 500):
            self.conn.execute(stmt, batch)

    def iter_raw(self, batch: int = 2000) -> Iterator[list[tuple[str, str]]]:
        last = ""
        while True:
            rows = self.conn.execute(
                select(s.blobs.c.content_hash, s.blobs.c.payload_json)
                .where(s.blobs.c.content_hash > last)
                .order_by(s.blobs.c.content_hash)
                .limit(batch)
            ).all()
            if not rows:
                return
            yield [(r[0], r[1]) for r in rows]
            last = rows[-1][0]

    def delete_orphans(self, candidates: Iterable[str]) -> list[str]:
        deleted: list[str] = []
        for batch in chunks(unique(candidates)):
            used = {
                r[0]
                for r in self.conn.execute(
                    select(s.commits.c.content_hash)
                    .where(s.commits.c.content_hash.in_(batch))
                    .distinct()
                )
            }
            orphans = [h for h in batch if h not in used]
            if orphans:
                self.conn.execute(delete(s.blobs).where(s.blobs.c.content_hash.in_(orphans)))
                self.conn.execute(
                    delete(s.blob_message_tokens).where(
                        s.blob_message_tokens.c.content_hash.in_(orphans)
                    )
                )
                deleted.extend(orphans)
        return deleted


class SqlCommitRepository(CommitRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, commit_hash: str) -> CommitInfo | None:
        row = self.conn.execute(
            select(*COMMIT_COLUMNS).where(s.commits.c.commit_hash == commit_hash)
        ).first()
        return commit_from_row(row) if row else None

    def get_many(self, hashes: Iterable[str]) -> dict[str, CommitInfo]:
        out: dict[str, CommitInfo] = {}
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(
                select(*COMMIT_COLUMNS).where(s.commits.c.commit_hash.in_(batch))
            )
            for r in rows:
                out[r.commit_hash] = commit_from_row(r)
        return out

    def insert(self, commit: CommitInfo) -> None:
        self.conn.execute(
            insert(s.commits).values(
                commit_hash=commit.commit_hash,
                tract_id=commit.tract_id,
                parent_hash=commit.parent_hash,
                content_hash=commit.content_hash,
                content_type=commit.content_type,
                operation=commit.operation,
                response_to=commit.response_to,
                message=commit.message,
                token_count=commit.token_count,
                metadata_json=commit.metadata,
                generation_config_json=commit.generation_config,
                created_at=to_storage(commit.created_at),
            )
        )

    def exists_in_tract(self, tract_id: str, hashes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        for batch in chunks(unique(hashes)):
            found.update(
                r[0]
                for r in self.conn.execute(
                    select(s.commits.c.commit_hash).where(
                        s.commits.c.tract_id == tract_id, s.commits.c.commit_hash.in_(batch)
                    )
                )
            )
        return found

    def by_prefix(self, tract_id: str, prefix: str, limit: int = 20) -> list[str]:
        # Range scan on the primary key: prefix <= hash < prefix + U+FFFF-ish.
        lo = prefix.lower()
        hi = lo + "g"  # hashes are lower-case hex: "g" sorts after every digit and a-f
        rows = self.conn.execute(
            select(s.commits.c.commit_hash)
            .where(
                s.commits.c.commit_hash >= lo,
                s.commits.c.commit_hash < hi,
                s.commits.c.tract_id == tract_id,
            )
            .order_by(s.commits.c.commit_hash)
            .limit(limit)
        )
        return [r[0] for r in rows if r[0].startswith(lo)]

    def _chain_cte(self, head: str, limit: int | None):
        """The first-parent walk from ``head``.

        Unbounded walks use UNION over the hash alone, so a corrupt store with a parent cycle
        still terminates; the caller restores chain order with :func:`_order_chain`. Bounded
        walks carry a depth and stop at ``limit``.
        """
        c = s.commits.c
        if limit is None:
            chain = select(literal(head).label("h")).cte("chain", recursive=True)
            step = (
                select(c.parent_hash)
                .select_from(chain.join(s.commits, c.commit_hash == chain.c.h))
                .where(c.parent_hash.is_not(None))
            )
            return chain.union(step)
        chain = select(literal(head).label("h"), literal(0).label("d")).cte("chain", recursive=True)
        step = (
            select(c.parent_hash, (chain.c.d + 1).label("d"))
            .select_from(chain.join(s.commits, c.commit_hash == chain.c.h))
            .where(c.parent_hash.is_not(None), chain.c.d + 1 < limit)
        )
        return chain.union_all(step)

    def first_parent_chain(
        self, head: str, *, limit: int | None = None, stop_at: Iterable[str] = ()
    ) -> list[CommitInfo]:
        chain = self._chain_cte(head, limit)
        rows = self.conn.execute(
            select(*COMMIT_COLUMNS).select_from(
                chain.join(s.commits, s.commits.c.commit_hash == chain.c.h)
            )
        ).all()
        stops = set(stop_at)
        out: list[CommitInfo] = []
        for r in _order_chain(head, rows):
            if r.commit_hash in stops:
                break
            out.append(commit_from_row(r))
        return out

    def compile_chain(
        self, head: str, encoding: str, *, limit: int | None = None
    ) -> list[CompileRow]:
        chain = self._chain_cte(head, limit)
        c = s.commits.c
        b = s.blobs.c
        mt = s.blob_message_tokens
        n_parents = (
            select(func.count())
            .where(s.commit_parents.c.commit_hash == c.commit_hash)
            .scalar_subquery()
        )
        stmt = select(
            c.commit_hash,
            c.parent_hash,
            c.content_hash,
            c.content_type,
            raw_text(c.operation).label("operation"),
            c.response_to,
            c.created_at,
            raw_text(c.generation_config_json).label("generation_config_json"),
            n_parents.label("n_parents"),
            b.payload_json,
            mt.c.message_tokens,
        ).select_from(
            chain.join(s.commits, c.commit_hash == chain.c.h)
            .outerjoin(s.blobs, b.content_hash == c.content_hash)
            .outerjoin(mt, and_(mt.c.content_hash == c.content_hash, mt.c.encoding == encoding))
        )
        return [
            CompileRow(
                r.commit_hash,
                r.parent_hash,
                r.content_hash,
                r.content_type,
                str(r.operation).upper() == "EDIT",
                r.response_to,
                from_storage(r.created_at),
                r.generation_config_json,
                int(r.n_parents or 0),
                r.payload_json,
                r.message_tokens,
            )
            for r in _order_chain(head, self.conn.execute(stmt).all())
        ]

    def first_parent_hashes(self, head: str, *, limit: int | None = None) -> list[str]:
        chain = self._chain_cte(head, limit)
        c = s.commits.c
        rows = self.conn.execute(
            select(c.commit_hash, c.parent_hash).select_from(
                chain.join(s.commits, c.commit_hash == chain.c.h)
            )
        ).all()
        return [r.commit_hash for r in _order_chain(head, rows)]

    def ancestors(self, heads: Iterable[str], *, merge_parents: bool = True) -> set[str]:
        seeds = unique(heads)
        if not seeds:
            return set()
        sql = _ANCESTORS_SQL[self.conn.dialect.name if merge_parents else "first_parent"]
        out: set[str] = set()
        for batch in chunks(seeds):
            stmt = text(sql).bindparams(bindparam("heads", expanding=True))
            out.update(r[0] for r in self.conn.execute(stmt, {"heads": batch}))
        return out

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        if ancestor == descendant:
            return True
        return ancestor in self.ancestors([descendant])

    def children(self, commit_hash: str) -> list[str]:
        c = s.commits.c
        cp = s.commit_parents.c
        stmt = union(
            select(c.commit_hash).where(c.parent_hash == commit_hash),
            select(cp.commit_hash).where(cp.parent_hash == commit_hash),
        )
        return sorted(r[0] for r in self.conn.execute(stmt))

    def edits_of(self, targets: Iterable[str]) -> dict[str, list[CommitInfo]]:
        out: dict[str, list[CommitInfo]] = {}
        c = s.commits.c
        for batch in chunks(unique(targets)):
            rows = self.conn.execute(
                select(*COMMIT_COLUMNS)
                .where(c.response_to.in_(batch), c.operation == CommitOperation.EDIT)
                .order_by(c.created_at, c.commit_hash)
            )
            for r in rows:
                info = commit_from_row(r)
                out.setdefault(info.response_to or "", []).append(info)
        return out

    def count(self, tract_id: str) -> int:
        return int(
            self.conn.execute(
                select(func.count()).select_from(s.commits).where(s.commits.c.tract_id == tract_id)
            ).scalar_one()
        )

    def tract_ids(self) -> list[str]:
        stmt = union(select(s.commits.c.tract_id), select(s.refs.c.tract_id))
        return sorted(r[0] for r in self.conn.execute(stmt))

    def tract_stats(self) -> dict[str, tuple[int, datetime | None, bool]]:
        c = s.commits.c
        out: dict[str, tuple[int, datetime | None, bool]] = {
            t: (0, None, False) for t in self.tract_ids()
        }
        for r in self.conn.execute(
            select(c.tract_id, func.count(), func.max(c.created_at)).group_by(c.tract_id)
        ):
            out[r[0]] = (int(r[1]), from_storage(r[2]) if r[2] else None, False)
        ended = self.conn.execute(
            select(c.tract_id)
            .join(s.blobs, s.blobs.c.content_hash == c.content_hash)
            .where(
                c.content_type == "session",
                s.blobs.c.payload_json.like('%"session_type": "end"%'),
            )
            .distinct()
        )
        for (tract_id,) in ended:
            count, latest, _ = out.get(tract_id, (0, None, False))
            out[tract_id] = (count, latest, True)
        return out

    def iter_all(
        self, tract_id: str | None = None, batch: int = 2000
    ) -> Iterator[list[CommitInfo]]:
        c = s.commits.c
        last_time = None
        last_hash = ""
        while True:
            stmt = select(*COMMIT_COLUMNS).order_by(c.created_at, c.commit_hash).limit(batch)
            if tract_id is not None:
                stmt = stmt.where(c.tract_id == tract_id)
            if last_time is not None:
                stmt = stmt.where(
                    (c.created_at > last_time)
                    | and_(c.created_at == last_time, c.commit_hash > last_hash)
                )
            rows = self.conn.execute(stmt).all()
            if not rows:
                return
            yield [commit_from_row(r) for r in rows]
            last_time, last_hash = rows[-1].created_at, rows[-1].commit_hash

    def set_parent(self, commit_hash: str, parent_hash: str | None) -> None:
        self.conn.execute(
            update(s.commits)
            .where(s.commits.c.commit_hash == commit_hash)
            .values(parent_hash=parent_hash)
        )

    def delete_many(self, hashes: Sequence[str]) -> None:
        c = s.commits.c
        for batch in chunks(unique(hashes)):
            # Explicit, so it also holds where the FK actions are not enforced.
            self.conn.execute(
                update(s.commits).where(c.parent_hash.in_(batch)).values(parent_hash=None)
            )
            self.conn.execute(
                update(s.commits).where(c.response_to.in_(batch)).values(response_to=None)
            )
            self.conn.execute(
                update(s.spawn_pointers)
                .where(s.spawn_pointers.c.parent_commit_hash.in_(batch))
                .values(parent_commit_hash=None)
            )
            self.conn.execute(delete(s.commits).where(c.commit_hash.in_(batch)))


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


def _order_chain(head: str, rows: Sequence[Any]) -> list[Any]:
    """Rows of a first-parent walk in chain order (newest first), cycle-safe."""
    by_hash = {r.commit_hash: r for r in rows}
    out: list[Any] = []
    seen: set[str] = set()
    current: str | None = head
    while current is not None and current in by_hash and current not in seen:
        seen.add(current)
        row = by_hash[current]
        out.append(row)
        current = row.parent_hash
    return out


# Reachability over both parent kinds. SQLite (≥3.34) accepts several recursive selects in one
# CTE; PostgreSQL allows one recursive reference, so it joins a LATERAL union instead. Both use
# the primary keys at every step (no scan of the edge tables).
_ANCESTORS_SQL = {
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
