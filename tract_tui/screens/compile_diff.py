"""The compile diff: what changed from one compile record to another.

Commits kept, added and removed (each removal explained through the operation events:
"compressed into 3f2a…"), commits re-created under a new hash, and messages whose text
changed, as a text diff. ``m`` switches unified / side by side (side by side needs 100
columns; narrower terminals stay unified and say so), ``o`` shows only changes, ``escape``
closes. The diff is computed and laid out in a worker; the view draws only visible lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from core.read import StoreReader
from core.views.records import RecordRow
from core.views.text import display_line
from tract_tui.failures import Failure
from tract_tui.timefmt import absolute
from tract_tui.widgets.diff_lines import Line, build_lines
from tract_tui.widgets.diff_view import DiffView
from tract_tui.widgets.footer import KeyFooter
from tract_tui.workers import WorkerEndings

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import RecordDiff

SIDE_BY_SIDE_MIN = 100


class CompileDiffScreen(Screen[None], WorkerEndings):
    # The keys (context "diff") live on the DiffView, which has the focus; the mode keys run
    # this screen's actions (``screen.toggle_mode``).
    DEFAULT_CSS = """
    CompileDiffScreen > #diff-head { height: auto; background: $boost; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis; }
    CompileDiffScreen > DiffView { height: 1fr; }
    """

    class _Ready(Message):
        def __init__(
            self, key: tuple[bool, bool, int], diff: RecordDiff, lines: list[Line]
        ) -> None:
            super().__init__()
            self.key = key
            self.diff = diff
            self.lines = lines

    def __init__(self, reader: StoreReader, a: RecordRow, b: RecordRow) -> None:
        super().__init__()
        self.reader = reader
        self.a = a
        self.b = b
        self.diff: RecordDiff | None = None
        self.want_side_by_side = False
        self.only_changes = False
        self.error = ""
        self.head = Static(id="diff-head")
        self.view = DiffView(reader, id="diff-view")

    def compose(self) -> ComposeResult:
        yield self.head
        yield self.view
        yield KeyFooter()

    def on_mount(self) -> None:
        self.view.focus()
        self._render_head()
        self._compute(self._key())

    @property
    def side_by_side(self) -> bool:
        """Side by side when asked for and there is room for two columns."""
        return self.want_side_by_side and self.size.width >= SIDE_BY_SIDE_MIN

    def _key(self) -> tuple[bool, bool, int]:
        """What the layout depends on: the mode, the filter, and the width texts wrap to."""
        width = self.view.size.width or self.size.width or self.app.size.width
        return (self.side_by_side, self.only_changes, width)

    @work(thread=True, exclusive=True, group="compile-diff", exit_on_error=False)
    def _compute(self, key: tuple[bool, bool, int], diff: RecordDiff | None = None) -> None:
        if diff is None:
            diff = self.reader.diff_records(self.a.record_id, self.b.record_id)
        lines = build_lines(diff, side_by_side=key[0], only_changes=key[1], width=key[2])
        self.post_message(self._Ready(key, diff, lines))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Reads only: say why in the header, and in a toast naming the log."""
        if worker.group == "compile-diff":
            self.error = failed.reason
            self._render_head()
        super().worker_failed(worker, failed)

    def on_compile_diff_screen__ready(self, message: _Ready) -> None:
        self.diff = message.diff
        self._render_head()
        if message.key == self._key():
            self.view.show(message.lines, side_by_side=message.key[0])
            self.view.laid_out_for = message.key
        else:  # the mode changed while this was being laid out
            self._compute(self._key(), self.diff)

    def _relayout(self) -> None:
        self._render_head()
        if self.diff is not None:
            self._compute(self._key(), self.diff)

    def action_toggle_mode(self) -> None:
        self.want_side_by_side = not self.want_side_by_side
        if self.want_side_by_side and not self.side_by_side:
            self.notify(
                f"Side by side needs {SIDE_BY_SIDE_MIN} columns; showing unified",
                severity="warning",
            )
        self._relayout()

    def action_toggle_only_changes(self) -> None:
        self.only_changes = not self.only_changes
        self._relayout()

    def action_close(self) -> None:
        self.dismiss()

    def on_resize(self) -> None:
        # Texts wrap to the width: a new width (or room for two columns) lays them out again,
        # once the view has its new size.
        self.call_after_refresh(self._follow_width)

    def _follow_width(self) -> None:
        if self.diff is not None and self.view.laid_out_for != self._key():
            self._relayout()

    def _render_head(self) -> None:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("Compile diff", style="bold")
        for name, row in (("a", self.a), ("b", self.b)):
            out.append(f"\n{name} ", style="bold")
            out.append(row.record_id[:8], style="yellow")
            out.append(f"  {absolute(row.created_at)}  head ")
            out.append(row.head_hash[:8] or "(empty)", style="yellow")
            out.append(f"  {row.commit_count} commits  {row.token_count:,} tokens")
            out.append(f"  {display_line(row.token_source or '—')}", style="dim")
        out.append("\n")
        diff = self.diff
        if self.error:
            out.append(f"Cannot diff: {display_line(self.error)}", style="bold red")
        elif diff is None:
            out.append("Computing the diff…", style="dim")
        else:
            delta = diff.token_delta
            sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
            out.append(f"tokens {diff.a.token_count:,} → {diff.b.token_count:,} ")
            out.append(f"({sign}{abs(delta):,})", style="green" if delta <= 0 else "yellow")
            if not diff.tokens_comparable:
                out.append(" (different token sources)", style="dim")
            n = diff.counts  # the sizes of the sections below, so they always agree
            out.append(
                f"   removed {n.removed} · added {n.added} · re-created {n.recreated}"
                f" · text changed {n.changed} · kept {n.kept}",
                style="dim",
            )
        mode = "side by side" if self.side_by_side else "unified"
        if self.want_side_by_side and not self.side_by_side:
            mode = f"unified (side by side needs {SIDE_BY_SIDE_MIN} columns)"
        shown = "only changes" if self.only_changes else "everything"
        out.append(f"\nview: {mode} · showing {shown}", style="italic")
        self.head.update(out)
