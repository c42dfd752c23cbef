"""Blobs: content-addressed payloads, written once, shared by every tract."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, delete, select

from core.engine.clock import from_storage, to_storage
from core.engine.hashing import stored_payload_json
from core.models.records import BlobInfo
from core.storage import schema as s
from core.storage.repositories import BlobRepository
from core.storage.row_decode import parse_dict
from core.storage.sqla import statements as st
from core.storage.sqla._common import chunks, run_prepared, unique


class SqlBlobRepository(BlobRepository):
    def __init__(self, conn: Connection, *, token_cache: bool = True) -> None:
        self.conn = conn
        # Our token cache is one of our additions: absent until a store's first write.
        self.token_cache = token_cache

    def _rows_to_blobs(self, rows: Iterable[Any]) -> dict[str, BlobInfo]:
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

    def insert_if_absent(self, blob: BlobInfo, payload_json: str | None = None) -> bool:
        params = {
            "content_hash": blob.content_hash,
            "payload_json": payload_json or stored_payload_json(blob.payload),
            "byte_size": blob.byte_size,
            "token_count": blob.token_count,
            "created_at": to_storage(blob.created_at),
        }
        cursor = run_prepared(self.conn, st.insert_blob(self.conn.dialect.name), params)
        written: bool = cursor.rowcount > 0
        cursor.close()
        return written

    def message_tokens(self, hashes: Iterable[str], encoding: str) -> dict[str, int]:
        t = s.blob_message_tokens
        out: dict[str, int] = {}
        if not self.token_cache:
            return out
        for batch in chunks(unique(hashes)):
            rows = self.conn.execute(
                select(t.c.content_hash, t.c.message_tokens).where(
                    t.c.encoding == encoding, t.c.content_hash.in_(batch)
                )
            )
            out.update({r.content_hash: int(r.message_tokens) for r in rows})
        return out

    def set_message_tokens(self, counts: Mapping[str, int], encoding: str) -> None:
        if not counts or not self.token_cache:
            return
        stmt = st.insert_message_tokens(self.conn.dialect.name)
        if len(counts) == 1:  # an append: the prepared path (see run_prepared)
            ((h, n),) = counts.items()
            params = {"content_hash": h, "encoding": encoding, "message_tokens": n}
            run_prepared(self.conn, stmt, params).close()
            return
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
                if self.token_cache:
                    self.conn.execute(
                        delete(s.blob_message_tokens).where(
                            s.blob_message_tokens.c.content_hash.in_(orphans)
                        )
                    )
                deleted.extend(orphans)
        return deleted
