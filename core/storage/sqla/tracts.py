"""Spawn pointers, policy tables (read-only) and ``_trace_meta`` over SQLAlchemy Core."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from core.engine.clock import from_storage, to_storage
from core.models.records import PolicyLogEntry, PolicyProposal, SpawnPointer
from core.storage import schema as s
from core.storage.repositories import MetaRepository, PolicyRepository, SpawnPointerRepository
from core.storage.row_decode import parse_dict
from core.storage.sqla._common import raw_text
from core.storage.sqla.dialect import upsert


def _pointer(r: Any) -> SpawnPointer:
    return SpawnPointer(
        id=int(r.id),
        parent_tract_id=r.parent_tract_id,
        parent_commit_hash=r.parent_commit_hash,
        child_tract_id=r.child_tract_id,
        purpose=r.purpose,
        inheritance_mode=r.inheritance_mode,
        display_name=r.display_name,
        created_at=from_storage(r.created_at),
    )


class SqlSpawnPointerRepository(SpawnPointerRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, pointer: SpawnPointer) -> SpawnPointer:
        new_id = self.conn.execute(
            insert(s.spawn_pointers)
            .values(
                parent_tract_id=pointer.parent_tract_id,
                parent_commit_hash=pointer.parent_commit_hash,
                child_tract_id=pointer.child_tract_id,
                purpose=pointer.purpose,
                inheritance_mode=pointer.inheritance_mode,
                display_name=pointer.display_name,
                created_at=to_storage(pointer.created_at),
            )
            .returning(s.spawn_pointers.c.id)
        ).scalar_one()
        return SpawnPointer(
            int(new_id),
            pointer.parent_tract_id,
            pointer.parent_commit_hash,
            pointer.child_tract_id,
            pointer.purpose,
            pointer.inheritance_mode,
            pointer.display_name,
            pointer.created_at,
        )

    def all(self) -> list[SpawnPointer]:
        rows = self.conn.execute(select(s.spawn_pointers).order_by(s.spawn_pointers.c.id))
        return [_pointer(r) for r in rows]

    def for_child(self, child_tract_id: str) -> SpawnPointer | None:
        row = self.conn.execute(
            select(s.spawn_pointers).where(s.spawn_pointers.c.child_tract_id == child_tract_id)
        ).first()
        return _pointer(row) if row else None


class SqlPolicyRepository(PolicyRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def proposals(self, tract_id: str) -> list[PolicyProposal]:
        p = s.policy_proposals.c
        cols = [c for c in s.policy_proposals.c if c.name != "action_params_json"]
        rows = self.conn.execute(
            select(*cols, raw_text(p.action_params_json).label("action_params_json"))
            .where(p.tract_id == tract_id)
            .order_by(p.created_at)
        )
        return [
            PolicyProposal(
                r.proposal_id,
                r.tract_id,
                r.policy_name,
                r.action_type,
                parse_dict(r.action_params_json),
                r.reason,
                r.status,
                from_storage(r.created_at),
                from_storage(r.resolved_at) if r.resolved_at else None,
            )
            for r in rows
        ]

    def log(self, tract_id: str, limit: int = 100) -> list[PolicyLogEntry]:
        p = s.policy_log.c
        rows = self.conn.execute(
            select(s.policy_log)
            .where(p.tract_id == tract_id)
            .order_by(p.created_at.desc(), p.id.desc())
            .limit(limit)
        )
        return [
            PolicyLogEntry(
                int(r.id),
                r.tract_id,
                r.policy_name,
                r.trigger,
                r.action_type,
                r.reason,
                r.outcome,
                r.commit_hash,
                r.error_message,
                from_storage(r.created_at),
            )
            for r in rows
        ]


class SqlMetaRepository(MetaRepository):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, key: str) -> str | None:
        return self.conn.execute(
            select(s.trace_meta.c.value).where(s.trace_meta.c.key == key)
        ).scalar()

    def set(self, key: str, value: str) -> None:
        self.conn.execute(
            upsert(self.conn, s.trace_meta, ["key"], ["value"]).values(key=key, value=value)
        )

    def all(self) -> dict[str, str]:
        return {r.key: r.value for r in self.conn.execute(select(s.trace_meta))}
