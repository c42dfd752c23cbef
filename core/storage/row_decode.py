"""Decoding stored rows leniently, with no database library: JSON and enum columns arrive as
text and are parsed here, so that a corrupt value in one row never stops a whole query
(``verify`` reports such rows instead). Shared by the SQLAlchemy repositories and the stdlib
quick reads (``sqlite_quick``).
"""

from __future__ import annotations

import json
from typing import Any

from core.engine.clock import stored_time
from core.models.enums import CommitOperation, Priority
from core.models.records import CommitInfo

# What :func:`commit_from_row` unpacks, in order: the ``commits`` columns of the v6 layout
# (``response_to`` is the edit column under whatever name a layout gives it).
COMMIT_FIELDS = (
    "commit_hash",
    "tract_id",
    "parent_hash",
    "content_hash",
    "content_type",
    "operation",
    "response_to",
    "message",
    "token_count",
    "metadata_json",
    "generation_config_json",
    "created_at",
)


def text(value: Any, table: str, key: object, column: str) -> Any:
    """A text column's value; bytes there (SQLite stores whatever it is given) are a damaged
    row, said in words rather than failing later wherever the value is used as text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        from core.errors import StoreDamagedError

        raise StoreDamagedError(
            f"{table} {str(key)[:12]}: {column} holds bytes, not text (a damaged row; "
            "run tract-tui verify)"
        )
    return value


def parse_json(value: Any) -> Any:
    """SQL NULL and JSON ``null`` both give None; unparseable text gives None too."""
    if value is None or value == "null":  # most metadata: tract-ai writes JSON null
        return None
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value  # PostgreSQL drivers hand JSON back already parsed


def parse_dict(value: Any) -> dict[str, Any] | None:
    parsed = parse_json(value)
    return parsed if isinstance(parsed, dict) else None


def parse_operation(value: Any) -> CommitOperation:
    text = str(value or "").upper()
    try:
        return CommitOperation[text]
    except KeyError:
        return CommitOperation.APPEND


def parse_priority(value: Any) -> Priority:
    text = str(value or "").upper()
    try:
        return Priority[text]
    except KeyError:
        return Priority.NORMAL


def commit_from_row(row: Any) -> CommitInfo:
    """A row of the :data:`COMMIT_FIELDS` columns (unpacked by position: a 100k chain reads
    faster)."""
    (h, tract, parent, content, ctype, op, response_to, message, tokens, meta, gen, at) = row
    return CommitInfo(
        commit_hash=h,
        tract_id=tract,
        parent_hash=parent,
        content_hash=content,
        content_type=text(ctype, "commits", h, "content_type"),
        operation=parse_operation(op),
        response_to=response_to,
        message=text(message, "commits", h, "message"),
        token_count=int(tokens or 0),
        metadata=parse_dict(meta),
        generation_config=parse_dict(gen),
        created_at=stored_time(at),
    )
