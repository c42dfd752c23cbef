"""What every operation needs besides a unit of work: the tract, its types, tokens and clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.engine.clock import SYSTEM_CLOCK, Clock
from core.engine.rules import B226678, CompileRules
from core.engine.tokens import TokenCounter, default_counter
from core.errors import DetachedHeadError
from core.models.compiled import Message
from core.models.content import DEFAULT_REGISTRY, ContentRegistry, Payload
from core.models.records import HeadState
from core.models.refs import HEAD, branch_ref
from core.storage.repositories import UnitOfWork


@dataclass
class TractContext:
    tract_id: str
    registry: ContentRegistry = field(default_factory=lambda: DEFAULT_REGISTRY)
    counter: TokenCounter = field(default_factory=default_counter)
    clock: Clock = field(default_factory=lambda: SYSTEM_CLOCK)
    # Whose compile rules the store follows (tract-ai b226678 or c2f26dd).
    rules: CompileRules = field(default_factory=lambda: B226678)

    def now(self, after: datetime | None = None) -> datetime:
        return self.clock.now(after)

    def raw_tokens(self, payload: Payload) -> int:
        return self.counter.count_text(self.registry.raw_text(payload))

    def message_tokens(self, payload: Payload, metadata: object = None) -> int:
        """Tokens of the message this payload compiles to (no reply primer)."""
        rendered = self.rules.render(self.registry, payload, metadata)
        return self.rules.message_tokens(self.counter, rendered)

    def tokens_of(self, message: Message) -> int:
        """Tokens of a compiled message, tool fields included (no reply primer)."""
        rendered = (
            message.role,
            message.content,
            message.name,
            message.tool_call_id,
            message.tool_calls,
        )
        return self.rules.message_tokens(self.counter, rendered)

    @property
    def token_cache_key(self) -> str:
        return self.rules.token_cache_key(self.counter.encoding_name)


def head_state(uow: UnitOfWork, tract_id: str) -> HeadState:
    return HeadState(*uow.refs.head_state(tract_id))


def require_attached(state: HeadState, action: str) -> None:
    if state.detached:
        raise DetachedHeadError(
            f"cannot {action} on a detached HEAD (at {str(state.commit)[:8]}); switch to a branch"
        )


def advance_head(uow: UnitOfWork, tract_id: str, state: HeadState, new_commit: str) -> None:
    """Move the attached branch (or create HEAD → main on a tract's first commit)."""
    if state.ref is None:
        uow.refs.set_direct(tract_id, branch_ref("main"), new_commit)
        uow.refs.set_symbolic(tract_id, HEAD, branch_ref("main"))
    elif state.ref.symbolic_target:
        uow.refs.set_direct(tract_id, state.ref.symbolic_target, new_commit)
    else:
        uow.refs.set_direct(tract_id, HEAD, new_commit)
