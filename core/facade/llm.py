"""Facade methods: chat, usage calibration, the token budget, and reading records and events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from core.errors import CompileError, TractError
from core.facade.base import FacadeBase
from core.models.enums import CommitOperation
from core.operations import budget as budget_op
from core.operations import navigation as nav
from core.operations import records as records_op
from core.operations.context import head_state
from core.storage.repositories import UnitOfWork

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core.llm.client import ChatClient
    from core.operations import chat as chat_op
    from core.views import events as events_view


class LLMMixin(FacadeBase):
    budget: budget_op.TokenBudget | None

    # -- budget (called by Tract.commit before it writes) -----------------------------------

    def _check_budget(
        self,
        uow: UnitOfWork,
        content: Mapping[str, Any],
        operation: CommitOperation = CommitOperation.APPEND,
        response_to: str | None = None,
    ) -> None:
        budget_op.check_budget(
            uow, self.ctx, self.compiler, self.budget, content, operation, response_to
        )

    # -- LLM calls --------------------------------------------------------------------------

    def chat(
        self, text: str, client: ChatClient | None = None, **kwargs: Any
    ) -> chat_op.ChatResult:
        """Commit ``text``, send the compiled context, commit the reply (docs/behaviour.md §13).

        Without a client, one is built from the environment / config file (``purpose=chat``)
        and closed afterwards.
        """
        from core.operations import chat as chat_op

        if self.in_batch:  # before building a client: refuse without side effects
            raise chat_op.ChatRefusedError("chat() makes an LLM call and is refused inside batch()")
        owned = None
        if client is None:
            from core.llm.client import OpenAICompatibleClient
            from core.llm.config import resolve_settings

            owned = client = OpenAICompatibleClient(resolve_settings(purpose="chat"))
        try:
            return chat_op.chat(
                self._write, self.ctx, self.compiler, self.budget, text, client, **kwargs
            )
        finally:
            if owned is not None:
                owned.close()

    def record_usage(self, usage: Mapping[str, Any], head: str | None = None) -> Any:
        """Calibrate HEAD's compiled size to an API usage report (OpenAI or Anthropic)."""
        from core.operations import chat as chat_op

        if head is not None:
            with self._read() as uow:
                current = head_state(uow, self.tract_id).commit
            if self.resolve(head) != current:
                raise TractError("record_usage calibrates HEAD only; check out that commit first")
        with self._read() as uow:
            return chat_op.record_usage(uow, self.ctx, self.compiler, usage)

    # -- compile records --------------------------------------------------------------------

    def reproduce(self, record_id: str) -> records_op.Reproduction:
        with self._read() as uow:
            return records_op.reproduce(uow, self.ctx, self.compiler, record_id)

    def token_breakdown(
        self, at: str | None = None, record_id: str | None = None
    ) -> records_op.Breakdown:
        """Tokens per role and content type of HEAD, ``at`` a commit, or a record as sent."""
        if at is not None and record_id is not None:
            raise CompileError("token_breakdown takes a commit or a record, not both")
        with self._read() as uow:
            if record_id is not None:
                record = records_op.find_record(uow, self.ctx, record_id)
                compiled = records_op.compile_as_recorded(uow, self.compiler, record)
                if compiled is None:
                    raise CompileError(
                        f"head {record.head_hash[:8]} of record {record.record_id[:8]} "
                        "is no longer in the store"
                    )
            else:
                head = nav.resolve(uow, self.ctx, at) if at is not None else None
                compiled = self.compiler.compile(uow, head=head)
        return records_op.token_breakdown(compiled, self.ctx.counter)

    # -- operation events -------------------------------------------------------------------

    def events(self, limit: int | None = None, offset: int = 0) -> events_view.EventPage:
        from core.views import events as events_view

        with self._read() as uow:
            return events_view.list_events(uow, self.tract_id, limit=limit, offset=offset)

    def event(self, event_id: str) -> events_view.EventRow:
        from core.views import events as events_view

        with self._read() as uow:
            return events_view.get_event(uow, self.tract_id, event_id)
