"""Whose compile rules a store follows: tract-ai b226678 (schema ≤ v6) or c2f26dd (v7 on).

A store compiles as the tract-ai that owns it compiles it (``docs/tract-ai-versions.md``). The
two differ in what a commit renders to and in which commits compile at all:

- b226678 (:data:`B226678`): every commit compiles unless skipped; a tool call renders as
  ``Tool call: NAME`` plus indented JSON; reasoning defaults to NORMAL.
- c2f26dd (:data:`C2F26DD`): ``config`` and ``metadata`` commits never compile; of several
  instructions with the same ``name`` only the one nearest HEAD does; reasoning defaults to
  SKIP; tool calls render compactly (``bash(command='ls')``, ``bash → output``); a message
  takes ``tool_calls``, ``tool_call_id`` and (role ``tool``) ``name`` from commit metadata,
  and those fields count as tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.engine.tokens import TokenCounter, full_message_tokens
from core.models import json_text
from core.models.compiled import MISSING_CONTENT, Rendered
from core.models.content import ContentRegistry, Payload
from core.models.enums import Priority

B226678_NAME = "b226678"
C2F26DD_NAME = "c2f26dd"


def parse_json(raw: Any) -> Any:
    """A stored JSON value (text on SQLite, parsed on PostgreSQL); None when absent."""
    if raw is None or raw == "null":
        return None
    if isinstance(raw, (dict, list)):
        return raw
    try:
        return json_text.loads(raw)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class CompileRules:
    """How one tract-ai revision turns commits into messages."""

    name: str

    @property
    def is_head(self) -> bool:
        return self.name == C2F26DD_NAME

    # -- which commits compile ------------------------------------------------------------

    def compilable(self, content_type: str) -> bool:
        return not (self.is_head and content_type in NEVER_COMPILED)

    def default_priority(self, registry: ContentRegistry, content_type: str) -> Priority:
        if self.is_head and content_type not in registry.custom:
            return _HEAD_DEFAULTS.get(content_type, Priority.NORMAL)
        return registry.default_priority(content_type)

    @property
    def dedupes_named_instructions(self) -> bool:
        return self.is_head

    def token_cache_key(self, encoding: str) -> str:
        """The key of a blob's cached message tokens: the rules render a blob differently."""
        return f"{encoding}@{self.name}" if self.is_head and encoding else encoding

    # -- rendering -------------------------------------------------------------------------

    def render(
        self, registry: ContentRegistry, payload: Payload | None, metadata: Any = None
    ) -> Rendered:
        if payload is None:
            return "system", MISSING_CONTENT, None, None, None
        if not self.is_head:
            role, text, name = registry.render(payload)
            return role, text, name, None, None
        return _render_head(registry, payload, parse_json(metadata))

    def uses_metadata(self, metadata_raw: Any) -> bool:
        """Whether a commit's metadata changes its message (so per-blob counts do not hold)."""
        if metadata_raw is None or metadata_raw == "null" or self.name != C2F26DD_NAME:
            return False
        if isinstance(metadata_raw, str):
            return "tool_call" in metadata_raw or '"name"' in metadata_raw
        return isinstance(metadata_raw, dict) and bool(
            {"tool_calls", "tool_call_id", "name"} & metadata_raw.keys()
        )

    def message_tokens(self, counter: TokenCounter, rendered: Rendered) -> int:
        role, text, name, call_id, calls = rendered
        return full_message_tokens(counter, role, text, name, call_id, calls)


# Types c2f26dd knows and never compiles (b226678 has no such types).
NEVER_COMPILED = frozenset({"config", "metadata"})
_HEAD_DEFAULTS = {
    "instruction": Priority.PINNED,
    "session": Priority.PINNED,
    "reasoning": Priority.SKIP,
}
_HEAD_ROLES = {
    "instruction": "system",
    "session": "system",
    "config": "system",
    "tool_io": "tool",
}
_CALL_MAX = 200  # a compact tool call is cut to this many characters
_ARG_MAX = 60  # a longer string argument is cut to 57 characters and "..."


def _render_head(registry: ContentRegistry, payload: Payload, meta: Any) -> Rendered:
    content_type = str(payload.get("content_type", "unknown"))
    if content_type in registry.custom:
        role, text, name = registry.render(payload)
    else:
        if content_type == "dialogue":
            role = str(payload.get("role", "user"))
        else:
            role = _HEAD_ROLES.get(content_type, "assistant")
        text = _head_text(content_type, payload)
        name = payload.get("name") if content_type == "dialogue" else None
    meta = meta if isinstance(meta, dict) else {}
    call_id = meta.get("tool_call_id")
    calls = _tool_calls(meta.get("tool_calls"))
    if role == "tool" and "name" in meta:
        name = meta["name"]
    return role, text, name if isinstance(name, str) else None, call_id, calls


def _head_text(content_type: str, payload: Payload) -> str:
    if content_type == "tool_io":
        return compact_tool_io(
            str(payload.get("tool_name", "unknown")),
            str(payload.get("direction", "call")),
            payload.get("payload") or {},
            payload.get("status"),
        )
    if content_type == "freeform":
        return json.dumps(payload.get("payload", {}), indent=2)
    for key in ("text", "content"):
        if key in payload:
            return str(payload[key])
    return json.dumps(payload)


def compact_tool_io(tool: str, direction: str, payload: Any, status: Any) -> str:
    """c2f26dd's one-line form of a tool call or result."""
    if not isinstance(payload, dict):
        payload = {}
    if direction == "result":
        keys = list(payload)
        if len(keys) == 1 and keys[0] in ("result", "error", "text"):
            value = str(payload[keys[0]])
            return f"{tool} ✗ {value}" if status == "error" else f"{tool} → {value}"
        header = tool + (" ✗" if status == "error" else " →" if status else "")
        return f"{header}\n{json.dumps(payload, separators=(',', ':'))}"
    args = []
    for key, value in payload.items():
        if isinstance(value, str):
            shown = repr(value[: _ARG_MAX - 3] + "...") if len(value) > _ARG_MAX else repr(value)
        else:
            shown = json.dumps(value, separators=(",", ":"))
        args.append(f"{key}={shown}")
    call = f"{tool}({', '.join(args)})"
    return call if len(call) <= _CALL_MAX else call[: _CALL_MAX - 3] + "..."


def _tool_calls(raw: Any) -> tuple[dict[str, Any], ...] | None:
    """Stored calls (``{id, name, arguments, type}``) in OpenAI's wire form; malformed
    entries are left out rather than guessed at."""
    if not isinstance(raw, list):
        return None
    out = []
    for call in raw:
        if not isinstance(call, dict) or "id" not in call or "name" not in call:
            continue
        out.append(
            {
                "id": str(call["id"]),
                "type": str(call.get("type", "function")),
                "function": {
                    "name": str(call["name"]),
                    "arguments": json.dumps(call.get("arguments", {})),
                },
            }
        )
    return tuple(out) or None


B226678 = CompileRules(B226678_NAME)
C2F26DD = CompileRules(C2F26DD_NAME)


def rules_named(name: str) -> CompileRules:
    return C2F26DD if name == C2F26DD_NAME else B226678
