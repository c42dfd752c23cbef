"""Plain, immutable value objects handed out by the storage layer and the operations.

Timestamps are timezone-aware UTC datetimes here; the storage layer converts to and from the
naive-UTC values the schema holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.models.enums import CommitOperation, Priority
from core.models.refs import branch_short
from core.models.times import unreadable_time


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
