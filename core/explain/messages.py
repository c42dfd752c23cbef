"""Stored payload text → the message it compiles to (role, text, name) and its tokens."""

from __future__ import annotations

from typing import Any

from core.engine.tokens import message_tokens
from core.models import json_text
from core.operations.context import TractContext

MISSING = ("system", "[missing content]", None)


def parse_payload(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return raw
    try:
        value = json_text.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def render(ctx: TractContext, raw: Any) -> tuple[str, str, str | None]:
    """Role, text and name of the message a stored payload compiles to."""
    payload = parse_payload(raw)
    if payload is None:
        return MISSING
    return ctx.registry.render(payload)


def payload_tokens(ctx: TractContext, raw: Any) -> int:
    role, text, name = render(ctx, raw)
    return message_tokens(ctx.counter, role, text, name)
