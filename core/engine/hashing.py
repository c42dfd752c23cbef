"""Content and commit hashes, exactly as tract-ai computes them (docs/store-format.md §6)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from core.engine.clock import from_storage
from core.models.enums import CommitOperation

# What ``json.dumps`` with these options makes, without building an encoder on every call
# (three per append).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_STORED = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def canonical_json(obj: Any) -> bytes:
    """Sorted keys, compact separators, no ASCII escaping, UTF-8."""
    return _CANONICAL.encode(obj).encode("utf-8")


def stored_payload_json(payload: dict[str, Any]) -> str:
    """The ``blobs.payload_json`` text: sorted keys, default separators, no ASCII escaping."""
    return _STORED.encode(payload)


def content_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def timestamp_iso(created_at: datetime) -> str:
    """``created_at`` read as UTC and rendered by ``isoformat()`` (no fraction when µs = 0)."""
    return from_storage(created_at).isoformat()


def commit_hash(
    *,
    content_hash: str,
    parent_hash: str | None,
    content_type: str,
    operation: CommitOperation,
    created_at: datetime,
    response_to: str | None = None,
    parent_hashes: Iterable[str] | None = None,
    edit_key: str = "response_to",
) -> str:
    """SHA-256 of the canonical commit dict.

    ``parent_hashes`` (all parents of a merge, first included) is hashed sorted; pass None for
    ordinary commits and for tract-ai 0.1 merges, which did not cover their other parents.
    ``edit_key`` is ``reply_to`` for commits of the early v1 layout.
    """
    doc: dict[str, Any] = {
        "content_hash": content_hash,
        "parent_hash": parent_hash,
        "content_type": content_type,
        "operation": operation.value,
        "timestamp_iso": timestamp_iso(created_at),
    }
    if response_to is not None:
        doc[edit_key] = response_to
    if parent_hashes is not None:
        doc["parent_hashes"] = sorted(parent_hashes)
    return hashlib.sha256(canonical_json(doc)).hexdigest()


def commit_hash_candidates(
    *,
    content_hash: str,
    parent_hash: str | None,
    content_type: str,
    operation: CommitOperation,
    created_at: datetime,
    response_to: str | None,
    merge_parents: Iterable[str] | None,
    edit_keys: Iterable[str] = ("response_to", "reply_to"),
) -> set[str]:
    """Every hash form a genuine commit with these fields may carry (for verification).

    ``edit_keys``: the keys the EDIT target may be hashed under in this store's layout.
    """
    kwargs: dict[str, Any] = dict(
        content_hash=content_hash,
        parent_hash=parent_hash,
        content_type=content_type,
        operation=operation,
        created_at=created_at,
        response_to=response_to,
    )
    keys = list(edit_keys) if response_to is not None else ["response_to"]
    parents = list(merge_parents) if merge_parents is not None else None
    out: set[str] = set()
    for key in keys:
        out.add(commit_hash(**kwargs, edit_key=key))
        if parents is not None:
            out.add(commit_hash(**kwargs, parent_hashes=parents, edit_key=key))
    return out
