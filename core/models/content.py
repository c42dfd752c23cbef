"""Content types: the payload dicts stored in blobs.

A payload is a dict discriminated by ``content_type``. Validation follows pydantic-style
rules (docs/behaviour.md §1): a missing required field, a wrong type or a value outside an
allowed set is an error; unknown keys are dropped; the normalised payload is the *full dump*
with defaults and ``None`` optionals included, because that dict is what the blob hash covers.

Each type also says how it compiles: the message role, the message text, the optional message
``name``, and the raw text used for per-commit token counts and auto messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ContentValidationError
from core.models.enums import MESSAGE_ROLES, Priority
from core.models.fields import FieldSpec
from core.models.json_text import dumps_indented
from core.models.storable import check_storable

Payload = dict[str, Any]


def _dump_json_indented(payload: Any) -> str:
    # Keys in stored (sorted) order, non-ASCII escaped: what tract-ai sent to models
    # (json.dumps(indent=2, sort_keys=True), made by orjson: see core.models.json_text).
    return dumps_indented(payload, sort_keys=True)


def _dump_json_raw(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True)


@dataclass(frozen=True)
class ContentModel:
    """A content type: its fields and how it compiles."""

    name: str
    fields: tuple[FieldSpec, ...]
    role: Callable[[Payload], str]
    text: Callable[[Payload], str]
    raw_text: Callable[[Payload], str]
    default_priority: Priority = Priority.NORMAL
    builtin: bool = False

    def validate(self, raw: Mapping[str, Any]) -> Payload:
        if not isinstance(raw, Mapping):
            raise ContentValidationError(f"{self.name}: content must be an object")
        out: Payload = {"content_type": self.name}
        for spec in self.fields:
            out[spec.name] = spec.validate(self.name, raw)
        return out

    def message_name(self, payload: Payload) -> str | None:
        if self.name == "dialogue":
            name = payload.get("name")
            return name if isinstance(name, str) else None
        return None


def _field(name: str, kind: type | tuple[type, ...] = str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, kind=kind, **kw)


def _opt(name: str, kind: type | tuple[type, ...] = str, **kw: Any) -> FieldSpec:
    return FieldSpec(name=name, kind=kind, required=False, nullable=True, **kw)


def _text(p: Payload) -> str:
    return str(p.get("text", ""))


def _tool_text(p: Payload) -> str:
    head = f"Tool {p['direction']}: {p['tool_name']}"
    if p.get("status"):
        head += f" ({p['status']})"
    return f"{head}\n{_dump_json_indented(p['payload'])}"


def _session_text(p: Payload) -> str:
    return json.dumps(p, sort_keys=True)


def _const(value: str) -> Callable[[Payload], str]:
    return lambda _p: value


BUILTIN_MODELS: tuple[ContentModel, ...] = (
    ContentModel(
        "instruction",
        (_field("text"),),
        _const("system"),
        _text,
        _text,
        default_priority=Priority.PINNED,
        builtin=True,
    ),
    ContentModel(
        "dialogue",
        (
            _field("role", choices=frozenset(MESSAGE_ROLES)),
            _field("text"),
            _opt("name"),
        ),
        lambda p: str(p["role"]),
        _text,
        _text,
        builtin=True,
    ),
    ContentModel(
        "tool_io",
        (
            _field("tool_name"),
            _field("direction", choices=frozenset({"call", "result"})),
            _field("payload", dict),
            _opt("status", choices=frozenset({"success", "error"})),
        ),
        _const("tool"),
        _tool_text,
        lambda p: _dump_json_raw(p["payload"]),
        builtin=True,
    ),
    ContentModel("reasoning", (_field("text"),), _const("assistant"), _text, _text, builtin=True),
    ContentModel(
        "artifact",
        (_field("artifact_type"), _field("content"), _opt("language")),
        _const("assistant"),
        lambda p: str(p["content"]),
        lambda p: str(p["content"]),
        builtin=True,
    ),
    ContentModel(
        "output",
        (
            _field("text"),
            FieldSpec(
                "format",
                str,
                required=False,
                default="text",
                choices=frozenset({"text", "markdown", "json"}),
            ),
        ),
        _const("assistant"),
        _text,
        _text,
        builtin=True,
    ),
    ContentModel(
        "freeform",
        (_field("payload", dict),),
        _const("assistant"),
        lambda p: _dump_json_indented(p["payload"]),
        lambda p: _dump_json_raw(p["payload"]),
        builtin=True,
    ),
    ContentModel(
        "session",
        (
            _field("session_type", choices=frozenset({"start", "end", "handoff", "checkpoint"})),
            _field("summary"),
            FieldSpec("decisions", list, required=False, default=[], list_of=str),
            FieldSpec("failed_approaches", list, required=False, default=[], list_of=str),
            FieldSpec("next_steps", list, required=False, default=[], list_of=str),
        ),
        _const("system"),
        _session_text,
        _const(""),
        builtin=True,
    ),
)

BUILTIN_TYPES: frozenset[str] = frozenset(m.name for m in BUILTIN_MODELS)


def _unknown_text(p: Payload) -> str:
    """Text of a payload whose type we do not know: ``text``, else ``content``, else JSON."""
    for key in ("text", "content"):
        value = p.get(key)
        if isinstance(value, str):
            return value
    return json.dumps(p, sort_keys=True)


@dataclass
class ContentRegistry:
    """Maps content_type names to models. Custom models are consulted before built-ins."""

    custom: dict[str, ContentModel] = field(default_factory=dict)

    def register(
        self,
        name: str,
        fields: Iterable[FieldSpec],
        *,
        role: str = "assistant",
        text: Callable[[Payload], str] | None = None,
        raw_text: Callable[[Payload], str] | None = None,
        default_priority: Priority = Priority.NORMAL,
    ) -> ContentModel:
        if not name or len(name) > 50:
            raise ContentValidationError(f"content type name must be 1..50 characters: {name!r}")
        text_fn = text or _unknown_text
        model = ContentModel(
            name,
            tuple(fields),
            _const(role),
            text_fn,
            raw_text or text_fn,
            default_priority=default_priority,
        )
        self.custom[name] = model
        return model

    def model(self, content_type: str) -> ContentModel | None:
        return self.custom.get(content_type) or _BUILTIN_BY_NAME.get(content_type)

    def validate(self, raw: Mapping[str, Any]) -> Payload:
        if not isinstance(raw, Mapping):
            raise ContentValidationError(f"content must be an object, got {type(raw).__name__}")
        content_type = raw.get("content_type")
        if not isinstance(content_type, str):
            raise ContentValidationError("content: missing or invalid 'content_type'")
        model = self.model(content_type)
        if model is None:
            raise ContentValidationError(f"unknown content_type {content_type!r}")
        check_storable(raw, "content")  # before validating: that copies nested values
        return model.validate(raw)

    # Compilation helpers cope with any content_type found in a store (docs/behaviour.md §1).

    def role(self, payload: Payload) -> str:
        model = self.model(str(payload.get("content_type")))
        if model is None:
            return "assistant"
        try:
            return model.role(payload)
        except (KeyError, TypeError):
            return "assistant"

    def text(self, payload: Payload) -> str:
        model = self.model(str(payload.get("content_type")))
        if model is None:
            return _unknown_text(payload)
        try:
            return model.text(payload)
        except (KeyError, TypeError):
            return _unknown_text(payload)

    def raw_text(self, payload: Payload) -> str:
        model = self.model(str(payload.get("content_type")))
        if model is None:
            return _unknown_text(payload)
        try:
            return model.raw_text(payload)
        except (KeyError, TypeError):
            return _unknown_text(payload)

    def render(self, payload: Payload) -> tuple[str, str, str | None]:
        """Role, text and name of the message a payload compiles to (one model lookup)."""
        model = self.model(str(payload.get("content_type")))
        if model is None:
            return "assistant", _unknown_text(payload), None
        try:
            return model.role(payload), model.text(payload), self.name(payload)
        except (KeyError, TypeError):
            return "assistant", _unknown_text(payload), None

    def name(self, payload: Payload) -> str | None:
        if payload.get("content_type") == "dialogue":
            value = payload.get("name")
            return value if isinstance(value, str) else None
        return None

    def default_priority(self, content_type: str) -> Priority:
        model = self.model(content_type)
        return model.default_priority if model else Priority.NORMAL


_BUILTIN_BY_NAME: dict[str, ContentModel] = {m.name: m for m in BUILTIN_MODELS}

DEFAULT_REGISTRY = ContentRegistry()


# Shorthand constructors: plain payload dicts, validated when committed.


def instruction(text: str) -> Payload:
    return {"content_type": "instruction", "text": text}


def dialogue(role: str, text: str, name: str | None = None) -> Payload:
    return {"content_type": "dialogue", "role": role, "text": text, "name": name}


def tool_io(
    tool_name: str, direction: str, payload: dict[str, Any], status: str | None = None
) -> Payload:
    return {
        "content_type": "tool_io",
        "tool_name": tool_name,
        "direction": direction,
        "payload": payload,
        "status": status,
    }


def reasoning(text: str) -> Payload:
    return {"content_type": "reasoning", "text": text}


def artifact(artifact_type: str, content: str, language: str | None = None) -> Payload:
    return {
        "content_type": "artifact",
        "artifact_type": artifact_type,
        "content": content,
        "language": language,
    }


def output(text: str, format: str = "text") -> Payload:
    return {"content_type": "output", "text": text, "format": format}


def freeform(payload: dict[str, Any]) -> Payload:
    return {"content_type": "freeform", "payload": payload}


def session(
    session_type: str,
    summary: str,
    decisions: list[str] | None = None,
    failed_approaches: list[str] | None = None,
    next_steps: list[str] | None = None,
) -> Payload:
    return {
        "content_type": "session",
        "session_type": session_type,
        "summary": summary,
        "decisions": decisions or [],
        "failed_approaches": failed_approaches or [],
        "next_steps": next_steps or [],
    }
