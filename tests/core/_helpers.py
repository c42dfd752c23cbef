"""Pieces several core suites share: the frozen start time of their tracts, a raw merge
commit as tract-ai writes one (no SKIP annotation, unlike ``Tract.merge``), and one
hand-hashed root commit written through the repositories."""

from __future__ import annotations

from datetime import UTC, datetime

from core import Tract
from core.engine.hashing import commit_hash, content_hash
from core.models import content as c
from core.models.enums import CommitOperation
from core.models.records import BlobInfo, CommitInfo
from core.operations.commit import write_commit
from core.storage.repositories import UnitOfWork

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def write_merge(
    tract: Tract, parent: str, side: str, *, branch: str = "main", message: str = "merge"
) -> str:
    """A merge commit of ``side`` into ``parent`` (first parent), made the tip of ``branch``."""
    with tract.store.write() as uow:
        merge = write_commit(
            uow,
            tract.ctx,
            c.freeform({"message": message}),
            parent=parent,
            merge_parents=[parent, side],
        )
        uow.refs.set_direct(tract.tract_id, f"refs/heads/{branch}", merge.commit_hash)
    return merge.commit_hash


def insert_root_instruction(uow: UnitOfWork, tract: str = "t1") -> tuple[str, datetime]:
    """An instruction commit with no parent in ``tract`` (blob included): (hash, its time)."""
    when = datetime(2026, 2, 20, 10, 15, 30, 4512, tzinfo=UTC)
    payload = {"content_type": "instruction", "text": "Be brief."}
    chash = content_hash(payload)
    h = commit_hash(
        content_hash=chash,
        parent_hash=None,
        content_type="instruction",
        operation=CommitOperation.APPEND,
        created_at=when,
    )
    uow.blobs.insert_if_absent(BlobInfo(chash, payload, 40, 3, when))
    uow.commits.insert(
        CommitInfo(
            h,
            tract,
            None,
            chash,
            "instruction",
            CommitOperation.APPEND,
            None,
            None,
            3,
            None,
            None,
            when,
        )
    )
    return h, when
