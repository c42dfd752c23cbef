"""Plain, immutable value objects handed out by the storage layer and the operations.

Timestamps are timezone-aware UTC datetimes here; the storage layer converts to and from the
naive-UTC values the schema holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from core.models.enums import CommitOperation, Priority
from core.models.refs import branch_short
from core.models.times import stored_time, unreadable_time


@dataclass(frozen=True, slots=True)
class BlobInfo:
    content_hash: str
    payload: dict[str, Any]
    byte_size: int
    token_count: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CommitInfo:
    commit_hash: str
    tract_id: str
    parent_hash: str | None
    content_hash: str
    content_type: str
    operation: CommitOperation
    response_to: str | None
    message: str | None
    token_count: int
    metadata: dict[str, Any] | None
    generation_config: dict[str, Any] | None
    created_at: datetime

    @property
    def short(self) -> str:
        return self.commit_hash[:8]

    @property
    def time_unreadable(self) -> bool:
        """Its stored ``created_at`` is not a time (a damaged row; ``verify`` names it)."""
        return unreadable_time(self.created_at)

    @property
    def is_edit(self) -> bool:
        return self.operation is CommitOperation.EDIT


@dataclass(frozen=True, slots=True)
class RefInfo:
    tract_id: str
    ref_name: str
    commit_hash: str | None
    symbolic_target: str | None


@dataclass(frozen=True)
class HeadState:
    """Where HEAD is: the commit, the attached branch (short name) or detached."""

    ref: RefInfo | None
    commit: str | None
    commit_time: datetime | None = None

    @property
    def exists(self) -> bool:
        return self.ref is not None

    @property
    def branch(self) -> str | None:
        if self.ref is not None and self.ref.symbolic_target:
            return branch_short(self.ref.symbolic_target)
        return None

    @property
    def detached(self) -> bool:
        return self.ref is not None and not self.ref.symbolic_target


@dataclass(frozen=True, slots=True)
class AnnotationInfo:
    id: int
    tract_id: str
    target_hash: str
    priority: Priority
    reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Retention:
    """What compression must keep of an IMPORTANT commit (tract-ai v7 ``retention_json``):
    ``instructions`` for the summarizer, and ``match_patterns`` the summary must contain
    (``match_mode``: ``substring`` or ``regex``)."""

    instructions: str | None = None
    match_patterns: tuple[str, ...] = ()
    match_mode: str = "substring"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Retention:
        patterns = raw.get("match_patterns") or ()
        mode = raw.get("match_mode")
        instructions = raw.get("instructions")
        return cls(
            instructions=instructions if isinstance(instructions, str) else None,
            match_patterns=tuple(str(p) for p in patterns) if isinstance(patterns, list) else (),
            match_mode=mode if mode in ("substring", "regex") else "substring",
        )

    def missing_in(self, text: str) -> tuple[str, ...]:
        """The patterns ``text`` does not contain (a regex that does not compile counts as
        missing: it can never be shown to be kept)."""
        return tuple(p for p in self.match_patterns if not self.matches(p, text))

    def matches(self, pattern: str, text: str) -> bool:
        if self.match_mode != "regex":
            return pattern in text
        try:
            return re.search(pattern, text) is not None
        except re.error:
            return False

    def to_dict(self) -> dict[str, Any]:
        """The stored form, keys as tract-ai writes them."""
        return {
            "instructions": self.instructions,
            "match_patterns": list(self.match_patterns) or None,
            "match_mode": self.match_mode,
        }


@dataclass(frozen=True, slots=True)
class RegisteredTag:
    name: str
    description: str | None
    auto_created: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """One row of tract-ai's append-only ``config_change_log`` (v12)."""

    id: int
    change_type: str
    change_key: str | None
    config_json: str | None
    previous_json: str | None
    source: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BehavioralSpec:
    """One of tract-ai's ``behavioral_specs`` (v13): a gate, maintainer, middleware, profile
    or template definition, as stored JSON text."""

    spec_type: str
    spec_name: str
    spec_json: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OperationConfig:
    """One of tract-ai's ``operation_configs`` (v11): an operation's saved settings."""

    config_key: str
    config_json: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """What a store holds besides history: its layout and tract-ai's settings tables."""

    schema_version: int | None
    layout: str
    rules: str
    config_changes: tuple[ConfigChange, ...]
    behavioral_specs: tuple[BehavioralSpec, ...]
    operation_configs: tuple[OperationConfig, ...]
    registered_tags: tuple[RegisteredTag, ...]


@dataclass(frozen=True, slots=True)
class OperationEvent:
    event_id: str
    tract_id: str
    event_type: str
    branch_name: str | None
    created_at: datetime
    original_tokens: int
    compressed_tokens: int
    params: dict[str, Any] | None
    sources: tuple[str, ...] = ()
    results: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        if not self.original_tokens:
            return 0.0
        return self.compressed_tokens / self.original_tokens


@dataclass(frozen=True, slots=True)
class CompileRecord:
    record_id: str
    tract_id: str
    head_hash: str
    token_count: int
    commit_count: int
    token_source: str
    params: dict[str, Any] | None
    created_at: datetime
    effectives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpawnPointer:
    id: int
    parent_tract_id: str
    parent_commit_hash: str | None
    child_tract_id: str
    purpose: str
    inheritance_mode: str
    display_name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PolicyProposal:
    proposal_id: str
    tract_id: str
    policy_name: str
    action_type: str
    action_params: dict[str, Any] | None
    reason: str | None
    status: str
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class PolicyLogEntry:
    id: int
    tract_id: str
    policy_name: str
    trigger: str
    action_type: str | None
    reason: str | None
    outcome: str
    commit_hash: str | None
    error_message: str | None
    created_at: datetime


def _read_only(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        f"a compiled message's {type(self).__name__} is shared and read-only; change a copy"
        " (dict(m) or list(m))"
    )


class MessageDict(dict[str, Any]):
    """A compiled message in OpenAI form. Every compile that contains the message hands out
    this very dict (making one per call cost more than the rest of an agent turn), so it
    refuses changes; ``dict(m)`` is a copy to change. Copies and pickles are plain dicts."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self),))


class MessageList(list[Any]):
    """``tool_calls`` of a ``MessageDict``: read-only for the same reason."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only
    append = clear = extend = insert = pop = remove = reverse = sort = _read_only

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        import copy

        return copy.deepcopy(list(self), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


# What a message renders to: role, content, name, tool_call_id, tool_calls (OpenAI form).
Rendered = tuple[str, str, "str | None", Any, "tuple[dict[str, Any], ...] | None"]
Renderer = Callable[[Any], Rendered]


# The text a compiled message shows when its content is missing or unreadable. A message is
# *damaged* when its content is this very object (``Message.damaged``): stored text that
# happens to read the same is another string, so it never counts as damage.
MISSING_CONTENT = "[missing content]"


class Message:
    """One compiled message: ``role``, ``content``, an optional ``name``, and for stores of
    tract-ai c2f26dd the tool fields it takes from commit metadata (``tool_call_id``, and
    ``tool_calls`` in OpenAI's form).

    A compile of a long history builds many messages nobody reads (a screen shows a few
    dozen), so a message may hold its commit and a renderer instead, and render on first
    access. Either way it behaves as an immutable value.
    """

    __slots__ = (
        "_content",
        "_dict",
        "_name",
        "_role",
        "_source",
        "_tool_call_id",
        "_tool_calls",
    )

    def __init__(
        self,
        role: str = "",
        content: str = "",
        name: str | None = None,
        *,
        tool_call_id: Any = None,
        tool_calls: tuple[dict[str, Any], ...] | None = None,
        source: tuple[Renderer, Any] | None = None,
    ) -> None:
        self._role = role
        self._content = content
        self._name = name
        self._tool_call_id = tool_call_id
        self._tool_calls = tool_calls
        self._source = source
        self._dict: MessageDict | None = None

    def _render(self) -> None:
        source = self._source
        if source is not None:
            renderer, raw = source
            (self._role, self._content, self._name, self._tool_call_id, self._tool_calls) = (
                renderer(raw)
            )
            self._source = None

    @property
    def role(self) -> str:
        self._render()
        return self._role

    @property
    def content(self) -> str:
        self._render()
        return self._content

    @property
    def name(self) -> str | None:
        self._render()
        return self._name

    @property
    def tool_call_id(self) -> Any:
        self._render()
        return self._tool_call_id

    @property
    def tool_calls(self) -> tuple[dict[str, Any], ...] | None:
        self._render()
        return self._tool_calls

    def parts(self) -> tuple[str, str, str | None, Any, tuple[dict[str, Any], ...] | None]:
        """``(role, content, name, tool_call_id, tool_calls)`` rendered once: for a reader of
        every message (``compile --json`` at 100k), five property reads cost more."""
        self._render()
        return self._role, self._content, self._name, self._tool_call_id, self._tool_calls

    @property
    def damaged(self) -> bool:
        """The content could not be read (missing or unreadable blob): the text is a notice,
        not anything the model was sent."""
        self._render()
        return self._content is MISSING_CONTENT

    def with_content(self, content: str) -> Message:
        return Message(
            self.role,
            content,
            self.name,
            tool_call_id=self.tool_call_id,
            tool_calls=self.tool_calls,
        )

    def to_dict(self) -> dict[str, Any]:
        """The OpenAI form, made once and shared: a read-only ``MessageDict`` (``dict(m)`` for
        a copy to change)."""
        made = self._dict
        if made is None:
            self._render()
            out: dict[str, Any] = {"role": self._role, "content": self._content}
            if self._name is not None:
                out["name"] = self._name
            if self._tool_calls:
                out["tool_calls"] = MessageList(MessageDict(c) for c in self._tool_calls)
            if self._tool_call_id is not None:
                out["tool_call_id"] = self._tool_call_id
            made = self._dict = MessageDict(out)
        return made

    def _key(self) -> tuple[Any, ...]:
        calls = repr(self.tool_calls) if self.tool_calls else None
        return (self.role, self.content, self.name, repr(self.tool_call_id), calls)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        extra = ""
        if self.tool_call_id is not None:
            extra += f", tool_call_id={self.tool_call_id!r}"
        if self.tool_calls:
            extra += f", tool_calls={list(self.tool_calls)!r}"
        return f"Message(role={self.role!r}, content={self.content!r}, name={self.name!r}{extra})"


@dataclass(frozen=True)
class CompiledContext:
    """The message list a compile produced, parallel to the commits it came from."""

    messages: Sequence[Message]
    token_count: int
    token_source: str
    commit_hashes: Sequence[str]
    generation_configs: Sequence[dict[str, Any] | None]
    message_tokens: Sequence[int] = field(default=())
    content_types: Sequence[str] = field(default=())
    head_hash: str | None = None
    record_id: str | None = None  # set when the compile was recorded
    # tract-ai c2f26dd: the tool definitions a compile carries (those of the nearest
    # first-parent ancestor that has any) and their tokens, included in ``token_count``.
    tools: tuple[dict[str, Any], ...] = ()
    tools_tokens: int = 0

    @property
    def commit_count(self) -> int:
        return len(self.messages)

    def to_dicts(self) -> list[dict[str, Any]]:
        """The messages in OpenAI form: a new list of shared read-only dicts. A compile's own
        message list keeps them (``dicts()``), so after an incremental compile only the new
        messages are made and the rest is one list copy."""
        shared = getattr(self.messages, "dicts", None)
        if shared is not None:
            made: list[dict[str, Any]] = shared()
            return made
        return [m.to_dict() for m in self.messages]

    to_openai = to_dicts

    def to_anthropic(self) -> dict[str, Any]:
        system = [m.content for m in self.messages if m.role == "system"]
        return {
            "system": "\n\n".join(system) if system else None,
            "messages": [m.to_dict() for m in self.messages if m.role != "system"],
        }


class CompileRow(NamedTuple):
    """One commit as the compiler needs it, with its blob's payload text and cached tokens.

    A tuple, not a dataclass: a cold compile builds one per commit (100k+).
    """

    commit_hash: str
    parent_hash: str | None
    content_hash: str
    content_type: str
    is_edit: bool
    response_to: str | None
    created_at: Any  # as stored (SQLite text or a datetime); read it through ``time``
    generation_config: Any  # raw JSON text, a parsed value, or None
    n_parents: int  # commit_parents rows: ≥ 2 means a merge
    payload_json: Any  # raw text (or parsed on PostgreSQL); None when the blob is missing
    message_tokens: int | None  # cached compiled-message tokens for the counter's encoding
    metadata_json: Any = None  # raw text (or parsed); tract-ai c2f26dd compiles tool fields

    @property
    def time(self) -> datetime:
        return stored_time(self.created_at)
