"""The optional token budget of a tract (docs/behaviour.md §3.4, scenario #18).

The check is made against the compiled size *after* the commit: the current compile total
(from the compile cache, so SKIPped and superseded content does not count and the cost does
not grow with the history) plus what the new commit adds to it. tract-ai summed the raw token
counts of the whole first-parent chain instead (§15.13).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.engine.tokens import REPLY_PRIMER
from core.errors import BudgetExceededError, ContentValidationError
from core.models.enums import CommitOperation, Priority
from core.operations.compile import Compiler
from core.operations.context import TractContext, head_state
from core.storage.repositories import UnitOfWork

log = logging.getLogger("core.budget")


class BudgetAction(enum.Enum):
    WARN = "warn"
    REJECT = "reject"
    CALLBACK = "callback"


@dataclass(frozen=True)
class TokenBudget:
    """``max_tokens`` for the compiled context; what to do when a commit would exceed it."""

    max_tokens: int
    action: BudgetAction = BudgetAction.WARN
    callback: Callable[[int, int], None] | None = None  # (current, max) for CALLBACK

    def __post_init__(self) -> None:
        if self.max_tokens < 0:
            raise ValueError("max_tokens must be >= 0")
        if self.action is BudgetAction.CALLBACK and self.callback is None:
            raise ValueError("a CALLBACK budget needs a callback")


def projected_tokens(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    payload: Mapping[str, Any],
    operation: CommitOperation,
    response_to: str | None,
) -> int:
    """The compiled token count HEAD would have after committing ``payload``."""
    compiled = compiler.compile(uow)
    current = compiled.token_count
    added = ctx.message_tokens(dict(payload))
    if operation is CommitOperation.EDIT:
        # An edit replaces its target's message; an edit of a commit that is not compiled
        # (skipped, or outside the sequence) adds nothing.
        if response_to is None or response_to not in compiled.commit_hashes:
            return current
        i = list(compiled.commit_hashes).index(response_to)
        return current - compiled.message_tokens[i] + added
    if ctx.registry.default_priority(str(payload.get("content_type"))) is Priority.SKIP:
        return current
    return current + added + (0 if compiled.messages else REPLY_PRIMER)


def check_budget(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    budget: TokenBudget | None,
    content: Mapping[str, Any],
    operation: CommitOperation = CommitOperation.APPEND,
    response_to: str | None = None,
) -> None:
    """Apply ``budget`` to a commit that is about to be written. REJECT raises, writing nothing."""
    if budget is None or not isinstance(content, Mapping):
        return
    uow.lock_tract(ctx.tract_id)  # the compile below must see the HEAD the commit extends
    if head_state(uow, ctx.tract_id).detached:
        return  # the commit refuses a detached HEAD itself
    try:
        payload = ctx.registry.validate(content)
    except ContentValidationError:
        return  # the commit itself reports invalid content
    projected = projected_tokens(uow, ctx, compiler, payload, operation, response_to)
    if projected <= budget.max_tokens:
        return
    if budget.action is BudgetAction.REJECT:
        raise BudgetExceededError(projected, budget.max_tokens)
    if budget.action is BudgetAction.CALLBACK and budget.callback is not None:
        budget.callback(projected, budget.max_tokens)
        return
    log.warning("token budget exceeded: %d > %d", projected, budget.max_tokens)
