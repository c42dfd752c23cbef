"""Refs and annotations over SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from core.engine.clock import from_storage, to_storage
from core.models.enums import Priority
from core.models.records import AnnotationInfo, RefInfo
from core.models.refs import HEAD
from core.storage import schema as s
from core.storage.repositories import AnnotationRepository, RefRepository
from core.storage.sqla import statements as st
from core.storage.sqla._common import (
    ANNOTATION_COLUMNS,
    annotation_from_row,
    chunks,
    run_prepared,
    unique,
)


def _ref(row: Any) -> RefInfo:
    return RefInfo(row.tract_id, row.ref_name, row.commit_hash, row.symbolic_target)


class SqlRefRepository(RefRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, tract_id: str, ref_name: str) -> RefInfo | None:
        row = self.conn.execute(st.get_ref(), {"tract_id": tract_id, "ref_name": ref_name}).first()
        return _ref(row) if row else None

    def head_state(self, tract_id: str) -> tuple[RefInfo | None, str | None, datetime | None]:
        # One query: HEAD, the branch row it names when symbolic, and the commit's time.
        cursor = run_prepared(self.conn, st.head_state(), {"tract_id": tract_id, "head": HEAD})
        row = cursor.fetchone()
        cursor.close()
        if row is None:
            return None, None, None
        tract, name, direct, symbolic, branch_commit, commit_time = row
        info = RefInfo(tract, name, direct, symbolic)
        commit = branch_commit if symbolic else direct
        when = from_storage(commit_time) if commit and commit_time else None
        return info, commit, when

    def list(self, tract_id: str) -> list[RefInfo]:
        rows = self.conn.execute(
            select(s.refs).where(s.refs.c.tract_id == tract_id).order_by(s.refs.c.ref_name)
        )
        return [_ref(r) for r in rows]

    def set_direct(self, tract_id: str, ref_name: str, commit_hash: str) -> None:
        run_prepared(
            self.conn,
            st.set_ref(self.conn.dialect.name),
            {
                "tract_id": tract_id,
                "ref_name": ref_name,
                "commit_hash": commit_hash,
                "symbolic_target": None,
            },
        ).close()

    def set_symbolic(self, tract_id: str, ref_name: str, target: str) -> None:
        self.conn.execute(
            st.set_ref(self.conn.dialect.name),
            {
                "tract_id": tract_id,
                "ref_name": ref_name,
                "commit_hash": None,
                "symbolic_target": target,
            },
        )

    def delete(self, tract_id: str, ref_name: str) -> bool:
        r = s.refs.c
        res = self.conn.execute(
            delete(s.refs).where(r.tract_id == tract_id, r.ref_name == ref_name)
        )
        return bool(res.rowcount)

    def delete_pointing_at(self, hashes: Iterable[str]) -> int:
        n = 0
        for batch in chunks(unique(hashes)):
            n += self.conn.execute(delete(s.refs).where(s.refs.c.commit_hash.in_(batch))).rowcount
        return n


class SqlAnnotationRepository(AnnotationRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self, tract_id: str, target: str, priority: Priority, reason: str | None, at: datetime
    ) -> AnnotationInfo:
        res = self.conn.execute(
            st.insert_annotation(),
            {
                "tract_id": tract_id,
                "target_hash": target,
                "priority": priority.name,
                "reason": reason,
                "created_at": to_storage(at),
            },
        )
        new_id = int(res.scalar_one())
        return AnnotationInfo(new_id, tract_id, target, priority, reason, at)

    def history(self, target: str) -> list[AnnotationInfo]:
        a = s.annotations.c
        rows = self.conn.execute(
            select(*ANNOTATION_COLUMNS).where(a.target_hash == target).order_by(a.created_at, a.id)
        )
        return [annotation_from_row(r) for r in rows]

    def in_force(
        self, targets: Iterable[str], at: datetime | None = None
    ) -> dict[str, AnnotationInfo]:
        out: dict[str, AnnotationInfo] = {}
        stmt = st.annotations_in_force(at is not None)
        for batch in chunks(unique(targets)):
            params: dict[str, object] = {"hashes": batch}
            if at is not None:
                params["at"] = to_storage(at)
            for r in self.conn.execute(stmt, params):
                out[r.target_hash] = annotation_from_row(r)
        return out

    def in_force_for_tract(
        self, tract_id: str, at: datetime | None = None
    ) -> dict[str, AnnotationInfo]:
        """Every annotated commit of a tract in one query (annotations are sparse)."""
        a = s.annotations.c
        stmt = select(*ANNOTATION_COLUMNS).where(a.tract_id == tract_id)
        if at is not None:
            stmt = stmt.where(a.created_at <= to_storage(at))
        out: dict[str, AnnotationInfo] = {}
        for r in self.conn.execute(stmt.order_by(a.created_at, a.id)):
            out[r.target_hash] = annotation_from_row(r)  # later rows win
        return out

    def max_id(self, tract_id: str) -> int:
        cursor = run_prepared(self.conn, st.max_annotation_id(), {"tract_id": tract_id})
        value = cursor.fetchone()[0]
        cursor.close()
        return int(value or 0)

    def since(self, tract_id: str, after_id: int) -> list[AnnotationInfo]:
        rows = self.conn.execute(st.annotations_since(), {"tract_id": tract_id, "after": after_id})
        return [annotation_from_row(r) for r in rows]

    def delete_for(self, targets: Iterable[str]) -> int:
        n = 0
        for batch in chunks(unique(targets)):
            n += self.conn.execute(
                delete(s.annotations).where(s.annotations.c.target_hash.in_(batch))
            ).rowcount
        return n
