"""Commit search: one set-based query (LIKE over ``commits.message`` and ``blobs.payload_json``)
streamed newest first, then a check of each candidate's *values* in Python.

The query text is always a bound parameter and its LIKE wildcards (``%``, ``_``) and the escape
character are escaped (``ESCAPE '\\'``), so ``50%``, ``a_b``, ``it's`` and ``C:\\x`` match
literally. The JSON text holds keys too (``"role": "user"``), so a LIKE hit is only a candidate:
it counts when the needle occurs in the message or in a string value of the payload.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from core.storage import schema as s

ESCAPE = "\\"
_ROLE_PATTERNS = ('%"role": "{}"%', '%"role":"{}"%')  # our dumps and compact JSON


def escape_like(text: str) -> str:
    """``text`` as a LIKE pattern body that matches it literally (with ``ESCAPE '\\'``)."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def _json_forms(text: str) -> list[str]:
    """How ``text`` appears inside a JSON string: raw UTF-8 and ASCII-escaped dumps."""
    forms = [json.dumps(text, ensure_ascii=False)[1:-1], json.dumps(text)[1:-1]]
    return list(dict.fromkeys(forms))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _own_message(message: str | None, content_type: str) -> str:
    # Auto messages start with "<content_type>: "; the type is a filter, not text.
    prefix = f"{content_type}: "
    text = message or ""
    return text[len(prefix) :] if text.startswith(prefix) else text


def _searchable(payload: dict[str, Any]) -> dict[str, Any]:
    # The type and role are filters (type:, role:), not text: "user" must not match every
    # user message through its role field.
    return {k: v for k, v in payload.items() if k not in ("content_type", "role")}


def search_commits(
    conn: Connection,
    tract_id: str,
    *,
    text: str | None,
    content_type: str | None,
    role: str | None,
    role_types: Sequence[str],
    limit: int,
) -> list[str]:
    c = s.commits.c
    b = s.blobs.c
    stmt = (
        select(c.commit_hash, c.content_type, c.message, b.payload_json)
        .select_from(s.commits.join(s.blobs, b.content_hash == c.content_hash))
        .where(c.tract_id == tract_id)
        .order_by(c.created_at.desc(), c.commit_hash.desc())
    )
    if content_type:
        stmt = stmt.where(c.content_type == content_type)
    if role:
        dialogue_role = or_(
            *(
                b.payload_json.like(p.format(escape_like(role)), escape=ESCAPE)
                for p in _ROLE_PATTERNS
            )
        )
        clauses = [and_(c.content_type == "dialogue", dialogue_role)]
        if role_types:
            clauses.append(c.content_type.in_(list(role_types)))
        stmt = stmt.where(or_(*clauses))
    needle = text.casefold() if text else None
    if text:
        likes = [c.message.ilike(f"%{escape_like(text)}%", escape=ESCAPE)]
        likes += [
            b.payload_json.ilike(f"%{escape_like(form)}%", escape=ESCAPE)
            for form in _json_forms(text)
        ]
        stmt = stmt.where(or_(*likes))
    out: list[str] = []
    for row in conn.execute(stmt.execution_options(yield_per=500)):
        if role or needle:
            try:
                payload = json.loads(row.payload_json)
            except (TypeError, ValueError):
                payload = {}
            if not isinstance(payload, dict):
                payload = {}
            if role and row.content_type == "dialogue" and payload.get("role") != role:
                continue
            if needle and not (
                needle in _own_message(row.message, row.content_type).casefold()
                or any(needle in v.casefold() for v in _strings(_searchable(payload)))
            ):
                continue
        out.append(row.commit_hash)
        if len(out) >= limit:
            break
    return out
