"""Facade methods: compress (preview, apply) and revert."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import CompressionError, LLMConfigError
from core.facade.base import FacadeBase
from core.llm.client import ChatClient, OpenAICompatibleClient
from core.llm.config import endpoint_configured, resolve_settings
from core.models.content import dialogue
from core.models.enums import SUMMARIZER_NAMES
from core.operations.compress import (
    CompressResult,
    Progress,
    RevertResult,
    apply_plan,
    revert_event,
    summarize_plan,
)
from core.operations.compress_plan import CompressPlan, plan_compression
from core.operations.summarizers import (
    ExtractiveSummarizer,
    LLMSummarizer,
    ManualSummarizer,
    Summarizer,
    Summary,
)

__all__ = ["SUMMARIZER_NAMES", "CompressMixin", "CompressPreview"]


@dataclass(frozen=True)
class CompressPreview:
    """A plan plus extractive drafts: what the preview screen shows and the user edits."""

    plan: CompressPlan
    drafts: tuple[str, ...]  # one extractive draft per group
    draft_tokens_after: int  # compiled tokens if the drafts were used


class CompressMixin(FacadeBase):
    def compress_preview(
        self,
        *,
        commits: Sequence[str] | None = None,
        from_ref: str | None = None,
        to_ref: str | None = None,
        preserve: Sequence[str] = (),
        target_tokens: int | None = None,
        instructions: str | None = None,
    ) -> CompressPreview:
        """Dry run: groups, kept/dropped/summarised commits, tokens before and after."""
        plan = self._plan(commits, from_ref, to_ref, preserve, target_tokens, instructions)
        drafts = summarize_plan(plan, ExtractiveSummarizer(self.ctx.counter))
        after = plan.estimated_after(
            [self.ctx.message_tokens(dialogue("assistant", d.text)) for d in drafts]
        )
        return CompressPreview(plan, tuple(d.text for d in drafts), after)

    def _plan(
        self,
        commits: Sequence[str] | None,
        from_ref: str | None,
        to_ref: str | None,
        preserve: Sequence[str],
        target_tokens: int | None,
        instructions: str | None,
    ) -> CompressPlan:
        with self._read() as uow:
            return plan_compression(
                uow,
                self.ctx,
                self.compiler,
                commits=commits,
                from_ref=from_ref,
                to_ref=to_ref,
                preserve=preserve,
                target_tokens=target_tokens,
                instructions=instructions,
            )

    def make_summarizer(
        self,
        name: str | Summarizer = "auto",
        *,
        texts: Sequence[str] | None = None,
        client: ChatClient | None = None,
        model: str | None = None,
    ) -> Summarizer:
        """``auto``: the LLM endpoint when one is configured, else the extractive summarizer."""
        if not isinstance(name, str):
            return name
        if name not in SUMMARIZER_NAMES:
            raise CompressionError(
                f"unknown summarizer {name!r} (use {', '.join(SUMMARIZER_NAMES)})"
            )
        if name == "manual" or (name == "auto" and texts is not None):
            if texts is None:
                raise CompressionError("the manual summarizer needs the summary text")
            return ManualSummarizer(list(texts))
        if name == "llm" or (name == "auto" and (client is not None or endpoint_configured())):
            if self.in_batch:
                raise LLMConfigError("LLM calls are refused inside a batch")
            if client is None:
                client = OpenAICompatibleClient(resolve_settings(model=model, purpose="summary"))
            return LLMSummarizer(client, model=model)
        return ExtractiveSummarizer(self.ctx.counter)

    def compress(
        self,
        *,
        commits: Sequence[str] | None = None,
        from_ref: str | None = None,
        to_ref: str | None = None,
        content: str | None = None,
        summaries: Sequence[str] | None = None,
        summarizer: str | Summarizer = "auto",
        preserve: Sequence[str] = (),
        target_tokens: int | None = None,
        instructions: str | None = None,
        plan: CompressPlan | None = None,
        client: ChatClient | None = None,
        model: str | None = None,
        cancel: threading.Event | None = None,
        progress: Progress | None = None,
    ) -> CompressResult:
        """Compress a range (``from_ref``..``to_ref``), a list of commits, or the branch.

        ``content`` is one manual summary (exactly one group allowed); ``summaries`` gives one
        per group. Pass the ``plan`` of a preview to apply exactly what was shown: applying
        refuses if HEAD moved since.
        """
        if content is not None and summaries is not None:
            raise CompressionError("give either content or summaries, not both")
        if plan is None:
            plan = self._plan(commits, from_ref, to_ref, preserve, target_tokens, instructions)
        texts: Sequence[str] | None = summaries
        if content is not None:
            if len(plan.groups) != 1:
                raise CompressionError(
                    f"a manual summary replaces exactly one group; this range has "
                    f"{len(plan.groups)} (pinned commits split it): give one text per group"
                )
            texts = [content]
        chosen = self.make_summarizer(summarizer, texts=texts, client=client, model=model)
        made: list[Summary] = summarize_plan(plan, chosen, cancel=cancel, progress=progress)
        if cancel is not None and cancel.is_set():
            raise CompressionError("compression cancelled; nothing was written")
        with self._write() as uow:
            result = apply_plan(uow, self.ctx, plan, made, chosen.describe())
        self.compiler.clear()
        return result

    def revert(self, event_id: str) -> RevertResult:
        """Undo a compress/reorganize while its branch has not moved; recorded as an event."""
        with self._write() as uow:
            result = revert_event(uow, self.ctx, event_id)
        self.compiler.clear()
        return result
