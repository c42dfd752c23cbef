"""The compress preview: what a compression would do, the summarizer, and the confirmation.

The preview (groups, kept, dropped, tokens before → estimated after) comes from
``Tract.compress_preview`` in a worker. Confirming applies exactly that plan in a worker with a
progress line; ``escape`` while it runs sets the cancel event (nothing is written). A failure is
shown here and the dialog stays open; the core guarantees the store is untouched. Commits an
agent appends meanwhile are replayed after the range; if the range itself changed and its
re-plan differs from what was confirmed, the new preview replaces this one, to confirm again.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static, TextArea
from textual.worker import Worker

from core import (
    DROPPED,
    KEPT,
    CompressPlan,
    CompressPreview,
    CompressResult,
    Retention,
    endpoint_configured,
)
from core.errors import HeadMovedError, PreviewChangedError
from core.views.text import display_block, display_line
from tract_tui.actions import bindings_for
from tract_tui.external import edit
from tract_tui.failures import Failure
from tract_tui.session import Session
from tract_tui.workers import WorkerEndings


def _short(hashes: tuple[str, ...], limit: int = 6) -> str:
    shown = ", ".join(h[:8] for h in hashes[:limit])
    return shown + (f", … (+{len(hashes) - limit})" if len(hashes) > limit else "")


def preview_text(preview: CompressPreview) -> Text:
    plan = preview.plan
    out = Text()
    first, last = plan.selected[0].commit_hash, plan.selected[-1].commit_hash
    out.append("Range ", style="bold")
    out.append(f"{first[:8]}..{last[:8]}", style="yellow")
    out.append(" on ")
    out.append(display_line(plan.branch), style="bold green")
    out.append(f"  ({len(plan.selected)} commits, HEAD {plan.head_before[:8]})\n")
    out.append(f"Groups to summarise: {len(plan.groups)}\n", style="bold")
    for g, missing in zip(plan.groups, preview.missing(), strict=True):
        out.append(f"  {g.index + 1}. {len(g.commits)} commits · {g.raw_tokens:,} tokens · ")
        out.append(f"{g.commits[0][:8]} … {g.commits[-1][:8]}\n", style="yellow")
        out.append_text(retention_text(g.retention, missing))
    kept, dropped = plan.by_role(KEPT), plan.by_role(DROPPED)
    out.append(f"Kept verbatim (pinned/preserved): {len(kept)}", style="bold")
    out.append(f"  {_short(kept)}\n" if kept else "\n")
    out.append(f"Dropped (skipped): {len(dropped)}", style="bold")
    out.append(f"  {_short(dropped)}\n" if dropped else "\n")
    if plan.replay:
        out.append(f"Replayed on top: {len(plan.replay)} later commits\n")
    for note in plan.widened:
        out.append(f"Note: {display_line(note)}\n", style="italic cyan")
    out.append("Tokens: ", style="bold")
    out.append(f"{plan.tokens_before:,} → ~{preview.draft_tokens_after:,}", style="bold")
    out.append("  (estimate with the extractive drafts)", style="dim")
    return out


def retention_text(rules: tuple[Retention, ...], missing: tuple[str, ...]) -> Text:
    """An IMPORTANT commit's rules in a group: what the summarizer is told, and which of the
    patterns the extractive draft misses."""
    out = Text()
    for rule in rules:
        if rule.instructions:
            out.append("     ! keep: ", style="bold magenta")
            out.append(f"{display_line(rule.instructions)}\n")
    patterns = [p for r in rules for p in r.match_patterns]
    if patterns and missing:
        out.append(f"     ! the draft misses {len(missing)} of {len(patterns)} patterns: ", "red")
        out.append(", ".join(display_line(repr(p)) for p in missing) + "\n", style="red")
    elif patterns:
        out.append(f"     ✓ the draft keeps all {len(patterns)} retention patterns\n", "green")
    return out


class CompressScreen(ModalScreen[CompressResult | None], WorkerEndings):
    """Dismisses with the result of an applied compression, or None."""

    BINDINGS = bindings_for("compress")
    DEFAULT_CSS = """
    CompressScreen { align: center middle; }
    CompressScreen > Vertical { width: 100; max-width: 100%; height: 95%; border: thick $accent;
        background: $surface; padding: 0 1; }
    CompressScreen .title { text-style: bold; height: 1; }
    CompressScreen #body { height: 1fr; }
    CompressScreen #preview { height: auto; }
    CompressScreen RadioSet { layout: horizontal; width: 100%; height: auto; border: none; }
    CompressScreen RadioSet > RadioButton { width: auto; margin-right: 1; }
    CompressScreen .row { height: auto; }
    CompressScreen .label { width: auto; padding: 1 1 0 0; text-style: bold; }
    CompressScreen #target { width: 20; }
    CompressScreen #manual { height: auto; display: none; }
    CompressScreen #manual.shown { display: block; }
    CompressScreen TextArea { height: 8; }
    CompressScreen #status { height: auto; min-height: 1; }
    CompressScreen #status.error { color: $error; text-style: bold; }
    CompressScreen #buttons { height: auto; align-horizontal: right; }
    CompressScreen Button { margin-left: 1; min-width: 10; }
    CompressScreen #repreview { display: none; }
    CompressScreen #repreview.shown { display: block; }
    """

    def __init__(
        self,
        session: Session,
        from_ref: str | None,
        to_ref: str | None,
        *,
        activity: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.session = session
        self.from_ref = from_ref
        self.to_ref = to_ref
        self.activity = activity or (lambda _text: None)
        self.preview: CompressPreview | None = None
        self.cancel_event: threading.Event | None = None  # set while a compression runs
        self.llm = endpoint_configured()
        self._warned: list[str] | None = None  # manual texts already said to miss patterns
        self._last_area: str | None = None  # the summary last focused (e edits it)

    def compose(self) -> ComposeResult:
        start = self.from_ref[:8] if self.from_ref else "root"
        end = self.to_ref[:8] if self.to_ref else "HEAD"
        with Vertical():
            yield Static(Text(f"Compress {start}..{end}"), classes="title")
            with VerticalScroll(id="body"):
                yield Static(Text("Previewing…", style="italic"), id="preview")
                yield Static(Text("Summarizer"), classes="label")
                with RadioSet(id="summarizer"):
                    yield RadioButton(
                        "Auto (LLM)" if self.llm else "Auto (extractive)", value=True, id="auto"
                    )
                    yield RadioButton("Extractive", id="extractive")
                    yield RadioButton(
                        "LLM" if self.llm else "LLM (no endpoint)", id="llm", disabled=not self.llm
                    )
                    yield RadioButton("Manual", id="manual-choice")
                with Horizontal(classes="row"):
                    yield Static(Text("Target tokens per summary"), classes="label")
                    yield Input(placeholder="auto", type="integer", id="target")
                yield Vertical(id="manual")
            yield Static(Text(""), id="status")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Preview again", id="repreview")
                yield Button("Compress", id="confirm", variant="primary", disabled=True)

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()
        self._preview()

    # -- preview ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="compress-preview", exit_on_error=False)
    def _preview(self) -> None:
        preview = self.session.reader.compress_preview(self.from_ref, self.to_ref)
        # call_from_thread awaits a coroutine callback; mypy cannot infer its return type.
        self.app.call_from_thread(self._show_preview, preview)  # type: ignore[arg-type]  # the worker's result, typed loosely by Textual

    async def _show_preview(self, preview: CompressPreview) -> None:
        self.preview = preview
        self.query_one("#preview", Static).update(preview_text(preview))
        manual = self.query_one("#manual", Vertical)
        labels = [
            Text(f"Summary of group {g.index + 1} ({len(g.commits)} commits)")
            for g in preview.plan.groups
        ]
        areas = list(manual.query(TextArea).results(TextArea))
        if len(areas) == len(labels):  # same shape (preview again): refill in place
            for area, label, static, draft in zip(
                areas, labels, manual.query(".label").results(Static), preview.drafts, strict=True
            ):
                static.update(label)
                area.load_text(display_block(draft))
        else:
            await manual.remove_children()  # gone before their ids are used again
            widgets: list[Static | TextArea] = []
            for i, (label, draft) in enumerate(zip(labels, preview.drafts, strict=True)):
                widgets.append(Static(label, classes="label"))
                # A TextArea draws controls raw: a draft quoting stored text is made safe.
                area = TextArea(display_block(draft), id=f"summary-{i}", soft_wrap=True)
                widgets.append(area)
            await manual.mount_all(widgets)
        self.query_one("#repreview", Button).remove_class("shown")
        self.query_one("#confirm", Button).disabled = False
        self._status("Review, then Compress (ctrl+s).")

    # -- choices ----------------------------------------------------------------------------

    @property
    def summarizer(self) -> str:
        pressed = self.query_one(RadioSet).pressed_button
        name = pressed.id if pressed is not None and pressed.id else "auto"
        return "manual" if name == "manual-choice" else name

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.query_one("#manual", Vertical).set_class(self.summarizer == "manual", "shown")

    def select_summarizer(self, name: str) -> None:
        """Pick a summarizer programmatically (tests, palette)."""
        button_id = "manual-choice" if name == "manual" else name
        self.query_one(f"#{button_id}", RadioButton).value = True

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, TextArea):
            self._last_area = event.widget.id

    def action_edit_summary(self) -> None:
        """Write a group's manual summary in $EDITOR (the app is suspended meanwhile)."""
        if self.preview is None or self.cancel_event is not None:
            return
        areas = list(self.query("#manual TextArea").results(TextArea))
        if not areas:
            return
        area = next((a for a in areas if a.id == self._last_area), areas[0])
        self.select_summarizer("manual")
        text, problem = edit(self.app, area.text)
        if text is None:
            self._status(problem or "Not edited.", error=True)
            return
        # What comes back is shown in a TextArea, which draws controls raw: made safe.
        area.load_text(display_block(text.removesuffix("\n")))
        area.focus()
        self._status("Summary written in the editor: review, then Compress (ctrl+s).")

    def _target(self) -> int | None:
        raw = self.query_one("#target", Input).value.strip()
        return int(raw) if raw else None

    # -- apply ------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self.preview is None or self.cancel_event is not None:
            return
        target = self._target()
        if target is not None and target <= 0:
            self._status("Target tokens must be a positive number.", error=True)
            return
        summaries = None
        if self.summarizer == "manual":
            summaries = [area.text for area in self.query("#manual TextArea").results(TextArea)]
            if any(not s.strip() for s in summaries):
                self._status("Every group needs a summary text.", error=True)
                return
            if self._misses_retention(summaries):
                return
        plan = self.preview.plan
        if target is not None:
            plan = dataclasses.replace(plan, target_tokens=target)
        self.cancel_event = threading.Event()
        self.query_one("#confirm", Button).disabled = True
        self._status("Compressing… (escape cancels)")
        self._apply(plan, self.summarizer, summaries, self.cancel_event)

    def _misses_retention(self, summaries: list[str]) -> bool:
        """Say which retention patterns the typed summaries miss, once per set of texts: a
        second confirm with the same texts goes ahead (a miss may be meant)."""
        assert self.preview is not None
        missing = self.preview.missing(summaries)
        if not any(missing) or self._warned == summaries:
            return False
        self._warned = list(summaries)
        said = "; ".join(
            f"group {i + 1}: " + ", ".join(display_line(repr(p)) for p in m)
            for i, m in enumerate(missing)
            if m
        )
        self._status(
            f"The summaries miss retention patterns of IMPORTANT commits ({said}). "
            "Compress again (ctrl+s) to write them anyway.",
            error=True,
        )
        return True

    @work(thread=True, exclusive=True, group="compress-apply", exit_on_error=False)
    def _apply(
        self,
        plan: CompressPlan,
        summarizer: str,
        summaries: list[str] | None,
        cancel: threading.Event,
    ) -> None:
        def progress(done: int, total: int, text: str) -> None:
            self.app.call_from_thread(self._progress, done, total, text)

        result = self.session.write(
            lambda t: t.compress(
                plan=plan,
                summarizer=summarizer,
                summaries=summaries,
                cancel=cancel,
                progress=progress,
            )
        )
        self.app.call_from_thread(self._done, result)

    def _progress(self, done: int, total: int, text: str) -> None:
        if self.cancel_event is not None and self.cancel_event.is_set():
            return
        self._status(f"{display_line(text)}…")
        self.activity(
            f"compressing… {min(done + 1, total)}/{total}"
            if done < total
            else "compressing… writing"
        )

    def _done(self, result: CompressResult) -> None:
        self.cancel_event = None
        self.activity("")
        self.dismiss(result)

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Shown in the dialog, which stays open; the core guarantees nothing was written."""
        previewing = worker.group == "compress-preview"
        cancelled = self.cancel_event is not None and self.cancel_event.is_set()
        self.cancel_event = None
        self.activity("")
        error = failed.error
        if isinstance(error, PreviewChangedError) and isinstance(error.preview, CompressPreview):
            # Never write more than was confirmed: show the new plan and ask again.
            self.call_later(self._replanned, error.preview, failed.because)
            return
        if cancelled:
            self._status("Cancelled: nothing was written.", error=True)
        else:
            self._status(failed.because, error=True)
        stale = isinstance(failed.error, HeadMovedError)
        self.query_one("#repreview", Button).set_class(stale or previewing, "shown")
        self.query_one("#confirm", Button).disabled = stale or self.preview is None

    async def _replanned(self, preview: CompressPreview, because: str) -> None:
        await self._show_preview(preview)
        self._status(because, error=True)

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(Text(text))
        status.set_class(error, "error")

    # -- buttons and keys -------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {
            "confirm": self.action_confirm,
            "cancel": self.action_cancel,
            "repreview": self.action_repreview,
        }[event.button.id or "cancel"]()

    def action_repreview(self) -> None:
        if self.cancel_event is not None:
            return
        self.preview = None
        self.query_one("#confirm", Button).disabled = True
        self.query_one("#preview", Static).update(Text("Previewing…", style="italic"))
        self._status("")
        self._preview()

    def action_cancel(self) -> None:
        if self.cancel_event is not None:
            self.cancel_event.set()
            self._status("Cancelling…")
            return
        self.activity("")
        self.dismiss(None)
