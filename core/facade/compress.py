"""Facade methods: compress (preview, apply) and revert."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.errors import (
    CompressionError,
    LLMConfigError,
    PreviewChangedError,
    RangeChangedError,
    TractError,
)
from core.facade.base import FacadeBase
from core.models.content import dialogue
from core.models.enums import SUMMARIZER_NAMES

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core.llm.client import ChatClient
    from core.operations.compress import (
        CompressResult,
        Progress,
        RevertResult,
    )
    from core.operations.compress_onto import GroupKey
    from core.operations.compress_plan import CompressPlan
    from core.operations.summarizers import (
        Summarizer,
        Summary,
    )

__all__ = ["SUMMARIZER_NAMES", "CompressMixin", "CompressPreview"]

SUMMARY_MEMO = 64  # summaries remembered per Tract, so a re-plan never asks an LLM twice


@dataclass(frozen=True)
class CompressPreview:
    """A plan plus extractive drafts: what the preview screen shows and the user edits."""

    plan: CompressPlan
    drafts: tuple[str, ...]  # one extractive draft per group
    draft_tokens_after: int  # compiled tokens if the drafts were used

    @property
    def retention(self) -> int:
        """How many retention patterns the groups carry (IMPORTANT commits' rules)."""
        return sum(len(r.match_patterns) for g in self.plan.groups for r in g.retention)

    def missing(self, summaries: Sequence[str] | None = None) -> tuple[tuple[str, ...], ...]:
        """Per group, the retention patterns its summary (the draft, unless given) misses."""
        texts = self.drafts if summaries is None else summaries
        return tuple(g.missing_in(t) for g, t in zip(self.plan.groups, texts, strict=True))


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
        return self._preview_of(plan)

    def _preview_of(self, plan: CompressPlan) -> CompressPreview:
        from core.operations.compress import summarize_plan
        from core.operations.summarizers import ExtractiveSummarizer

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
        from core.operations.compress_plan import plan_compression

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
        from core.llm.client import OpenAICompatibleClient
        from core.llm.config import endpoint_configured, resolve_settings
        from core.operations.summarizers import (
            ExtractiveSummarizer,
            LLMSummarizer,
            ManualSummarizer,
        )

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
        replan: str | None = None,
    ) -> CompressResult:
        """Compress a range (``from_ref``..``to_ref``), a list of commits, or the branch.

        ``content`` is one manual summary (exactly one group allowed); ``summaries`` gives one
        per group. Pass the ``plan`` of a preview to apply what was shown.

        The write goes onto the branch as it is then: commits appended since the plan are
        replayed after the range. If the range itself changed (a commit in it edited,
        annotated, rewritten or gone), the same commits are planned once more, groups whose
        commits and text are unchanged keep their summaries, and the result's ``replanned``
        says why. ``replan="ask"`` (the default with a ``plan``: it is what the user confirmed)
        writes the re-plan only if it shows what the plan showed, else raises
        ``PreviewChangedError`` carrying the new preview; ``"auto"`` (the default without a
        plan) writes it.
        """
        from core.operations.compress_onto import group_key, same_preview
        from core.operations.summarizers import ManualSummarizer

        if replan is None:
            replan = "ask" if plan is not None else "auto"
        if replan not in ("ask", "auto"):
            raise CompressionError(f"replan must be 'ask' or 'auto', not {replan!r}")
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
        made = self._summarize(plan, chosen, cancel, progress, {})
        try:
            return self._apply(plan, made, chosen)
        except RangeChangedError as exc:
            if self.in_batch:  # a batch's other writes are the caller's: no second try
                raise
            why = str(exc)
        fresh = self._replan(plan, why)
        if replan == "ask" and not same_preview(plan, fresh):
            raise PreviewChangedError(
                f"{why}; planned again, the range now differs from the preview: review it "
                "(nothing was written)",
                self._preview_of(fresh),
            )
        reuse = {group_key(g): s for g, s in zip(plan.groups, made, strict=True)}
        if isinstance(chosen, ManualSummarizer) and any(
            group_key(g) not in reuse for g in fresh.groups
        ):
            raise RangeChangedError(
                f"{why}; planned again, its groups differ, so the given summaries no longer "
                "fit them: preview again (nothing was written)"
            )
        made = self._summarize(fresh, chosen, cancel, progress, reuse)
        try:
            result = self._apply(fresh, made, chosen)
        except RangeChangedError as again:
            raise RangeChangedError(
                f"{again}, again after planning once more; nothing was written: try again"
            ) from None
        return replace(result, replanned=why)

    def _summarize(
        self,
        plan: CompressPlan,
        chosen: Summarizer,
        cancel: threading.Event | None,
        progress: Progress | None,
        reuse: dict[GroupKey, Summary],
    ) -> list[Summary]:
        """Summaries per group; a group summarised before by the same summarizer with the same
        settings (a re-plan, a second preview of the same range) is not summarised again."""
        from core.operations.compress import summarize_plan
        from core.operations.compress_onto import group_key
        from core.operations.summarizers import ManualSummarizer

        remembered = not isinstance(chosen, ManualSummarizer)  # the user's text may change
        setting = (
            json.dumps(chosen.describe(), sort_keys=True, default=str),
            plan.target_tokens,
            plan.instructions,
        )
        # Made on first use: the mixin has no __init__ of its own. Guarded by the GIL only,
        # which is enough for a cache (a lost entry costs one more summary, never a wrong one).
        memo = self.__dict__.setdefault("_summary_memo", OrderedDict())
        known = dict(reuse)
        if remembered:
            for group in plan.groups:
                hit = memo.get((setting, group_key(group)))
                if hit is not None:
                    known.setdefault(group_key(group), hit)
        made = summarize_plan(plan, chosen, cancel=cancel, progress=progress, reuse=known)
        if cancel is not None and cancel.is_set():
            raise CompressionError("compression cancelled; nothing was written")
        if remembered:
            for group, summary in zip(plan.groups, made, strict=True):
                memo[(setting, group_key(group))] = summary
                memo.move_to_end((setting, group_key(group)))
            while len(memo) > SUMMARY_MEMO:
                memo.popitem(last=False)
        return made

    def _apply(self, plan: CompressPlan, made: list[Summary], chosen: Summarizer) -> CompressResult:
        from core.operations.compress import apply_plan

        try:
            with self._write() as uow:
                return apply_plan(uow, self.ctx, plan, made, chosen.describe())
        finally:
            self.compiler.clear()

    def _replan(self, plan: CompressPlan, why: str) -> CompressPlan:
        """The same commits planned again (the range as first resolved, not its refs: a ref
        like ``HEAD~5`` names another commit once HEAD moved)."""
        if plan.range_ends is None and plan.picks is None:
            raise RangeChangedError(f"{why}; preview again (nothing was written)")
        first, last = plan.range_ends or (None, None)
        try:
            fresh = self._plan(
                plan.picks, first, last, plan.preserve, plan.target_tokens, plan.instructions
            )
        except TractError as exc:
            raise RangeChangedError(
                f"{why}, and the range cannot be planned again ({exc}); nothing was written"
            ) from None
        if fresh.branch != plan.branch:
            raise RangeChangedError(
                f"{why}, and HEAD is now on {fresh.branch}, not {plan.branch}; nothing was written"
            )
        return fresh

    def revert_refusal(self, event_id: str) -> str | None:
        """Why :meth:`revert` would refuse ``event_id`` now (one sentence), or None: the
        same check, read without writing, so an app can say it before asking."""
        from core.operations.compress import revert_refusal
        from core.operations.records import find_event

        with self._read() as uow:
            return revert_refusal(uow, self.ctx, find_event(uow, self.ctx, event_id))

    def revert(self, event_id: str) -> RevertResult:
        """Undo a compress/reorganize while its branch has not moved; recorded as an event."""
        from core.operations.compress import revert_event

        with self._write() as uow:
            result = revert_event(uow, self.ctx, event_id)
        self.compiler.clear()
        return result
