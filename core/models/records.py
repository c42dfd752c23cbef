"""Plain, immutable value objects handed out by the storage layer and the operations.

Timestamps are timezone-aware UTC datetimes here; the storage layer converts to and from the
naive-UTC values the schema holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from core.engine.clock import stored_time, unreadable_time
from core.models.enums import CommitOperation, Priority


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


@dataclass(frozen=True, slots=True)
class AnnotationInfo:
    id: int
    tract_id: str
    target_hash: str
    priority: Priority
    reason: str | None
    created_at: datetime


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


Renderer = Callable[[Any], tuple[str, str, "str | None"]]


# The text a compiled message shows when its content is missing or unreadable. A message is
# *damaged* when its content is this very object (``Message.damaged``): stored text that
# happens to read the same is another string, so it never counts as damage.
MISSING_CONTENT = "[missing content]"


class Message:
    """One compiled message: ``role``, ``content`` and an optional ``name``.

    A compile of a long history builds many messages nobody reads (a screen shows a few
    dozen), so a message may hold its blob's payload and a renderer instead, and render on
    first access. Either way it behaves as an immutable value.
    """

    __slots__ = ("_content", "_name", "_role", "_source")

    def __init__(
        self,
        role: str = "",
        content: str = "",
        name: str | None = None,
        *,
        source: tuple[Renderer, Any] | None = None,
    ) -> None:
        self._role = role
        self._content = content
        self._name = name
        self._source = source

    def _render(self) -> None:
        source = self._source
        if source is not None:
            renderer, raw = source
            self._role, self._content, self._name = renderer(raw)
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
    def damaged(self) -> bool:
        """The content could not be read (missing or unreadable blob): the text is a notice,
        not anything the model was sent."""
        self._render()
        return self._content is MISSING_CONTENT

    def to_dict(self) -> dict[str, str]:
        out = {"role": self.role, "content": self.content}
        if self.name is not None:
            out["name"] = self.name
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.role, self.content, self.name) == (other.role, other.content, other.name)

    def __hash__(self) -> int:
        return hash((self.role, self.content, self.name))

    def __repr__(self) -> str:
        return f"Message(role={self.role!r}, content={self.content!r}, name={self.name!r})"


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

    @property
    def commit_count(self) -> int:
        return len(self.messages)

    def to_dicts(self) -> list[dict[str, str]]:
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

    @property
    def time(self) -> datetime:
        return stored_time(self.created_at)
