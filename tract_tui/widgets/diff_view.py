"""The compile diff drawn with the Line API: only the visible lines are rendered, and commit
details (badge, tokens, first line) are fetched for the visible window only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker

from core.read import StoreReader
from core.views.graph_rows import RowInfo
from core.views.text import display_line, fit
from tract_tui.actions import bindings_for
from tract_tui.failures import Failure
from tract_tui.widgets.diff_lines import (
    Line,
    Note,
    Pair,
    PairNote,
    PairText,
    Row,
    Side,
    Spans,
    TextLine,
    Title,
    commit_hashes,
)
from tract_tui.widgets.events_panel import commit_text
from tract_tui.workers import WorkerEndings

MARGIN = 60  # lines above and below the viewport whose commits are fetched
SIGN_CLASS = {"-": "removed", "+": "added", "~": "changed", "≈": "recreated"}


class DiffView(ScrollView, WorkerEndings, can_focus=True):
    BINDINGS = bindings_for("diff")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "diff--title",
        "diff--note",
        "diff--removed",
        "diff--added",
        "diff--changed",
        "diff--recreated",
        "diff--hash",
        "diff--dim",
        "diff--hunk",
        "diff--rule",
        "diff--word-removed",
        "diff--word-added",
    }
    DEFAULT_CSS = """
    DiffView { background: $surface; overflow-x: hidden; }
    DiffView > .diff--title { text-style: bold; color: $text; }
    DiffView > .diff--note { color: $text-accent; text-style: italic; }
    DiffView > .diff--removed { color: $text-error; }
    DiffView > .diff--added { color: $text-success; }
    DiffView > .diff--changed { color: $text-warning; }
    DiffView > .diff--recreated { color: $text-secondary; }
    DiffView > .diff--hash { color: $text-warning; }
    DiffView > .diff--dim { color: $text-muted; }
    DiffView > .diff--hunk { color: $text-accent; }
    DiffView > .diff--rule { color: $panel-lighten-2; }
    DiffView > .diff--word-removed { background: $error 35%; text-style: bold; }
    DiffView > .diff--word-added { background: $success 35%; text-style: bold; }
    """

    class _Details(Message):
        def __init__(self, generation: int, asked: list[str], details: dict[str, RowInfo]) -> None:
            super().__init__()
            self.generation = generation
            self.asked = asked
            self.details = details

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.lines: Sequence[Line] = ()
        self.side_by_side = False
        self.laid_out_for: tuple[bool, bool, int] | None = None  # the layout key shown
        self.details: dict[str, RowInfo] = {}
        self._pending: set[str] = set()
        self._gone: set[str] = set()  # asked for, not stored (garbage-collected)
        self._generation = 0

    def show(self, lines: Sequence[Line], *, side_by_side: bool) -> None:
        self.lines = lines
        self.side_by_side = side_by_side
        self.virtual_size = Size(self.size.width, len(lines))
        self.refresh()
        self._request_details()

    # -- details for the visible window ----------------------------------------------------

    def _request_details(self) -> None:
        top = self.scroll_offset.y
        window = self.lines[max(0, top - MARGIN) : top + self.size.height + MARGIN]
        missing = {
            h
            for line in window
            for h in commit_hashes(line)
            if h not in self.details and h not in self._pending and h not in self._gone
        }
        if missing:
            self._pending |= missing
            self._fetch(self._generation, sorted(missing))

    @work(thread=True, group="diff-details", exit_on_error=False)
    def _fetch(self, generation: int, hashes: list[str]) -> None:
        self.post_message(self._Details(generation, hashes, self.reader.row_details(hashes)))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Details are a nicety: the hashes still show (the log has why)."""
        if worker.group == "diff-details":  # not asked again: one failure, one log entry
            self._gone |= self._pending
            self._pending.clear()
            self.refresh()
        else:
            super().worker_failed(worker, failed)

    def on_diff_view__details(self, message: _Details) -> None:
        if message.generation != self._generation:
            return
        self.details.update(message.details)
        self._pending.difference_update(message.asked)
        self._gone.update(h for h in message.asked if h not in message.details)
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._request_details()

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.lines))
        self._request_details()

    # -- rendering --------------------------------------------------------------------------

    def style_of(self, name: str) -> Style:
        return self.get_component_rich_style(f"diff--{name}")

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = self.scroll_offset.y + y
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        segments = Segment.apply_style(self._segments(self.lines[index], width), self.rich_style)
        return Strip(segments).crop(0, width).extend_cell_length(width, self.rich_style)

    def _segments(self, line: Line, width: int) -> list[Segment]:
        half = max(10, (width - 3) // 2)
        rule = Segment(" │ ", self.style_of("rule"))
        if isinstance(line, Title):
            return [Segment(display_line(line.text), self.style_of("title"))]
        if isinstance(line, Note):
            return [Segment("  " + display_line(line.text), self.style_of("note"))]
        if isinstance(line, Row):
            return self._row(line, width)
        if isinstance(line, Pair):
            return [*self._side(line.left, half), rule, *self._side(line.right, half)]
        if isinstance(line, PairNote):
            note = self.style_of("note")
            return [
                Segment(fit("  " + display_line(line.left), half), note),
                rule,
                Segment(fit("  " + display_line(line.right), half), note),
            ]
        if isinstance(line, TextLine):
            style = self._sign_style(line.sign)
            if line.sign in ("h", "@"):
                return [Segment("    " + line.text, style)]
            mark = Segment(
                "¦" if line.cont else line.sign, self.style_of("dim") if line.cont else style
            )
            return [Segment("    "), mark, *self._spans(line.spans, style)]
        assert isinstance(line, PairText)
        return [*self._text_side(line.left, half), rule, *self._text_side(line.right, half)]

    def _sign_style(self, sign: str) -> Style:
        return {
            "h": self.style_of("dim"),
            "@": self.style_of("hunk"),
            "+": self.style_of("added"),
            "-": self.style_of("removed"),
        }.get(sign, Style())

    def _spans(self, spans: Spans, style: Style) -> list[Segment]:
        """Text already made safe; the words that changed stand out on their line."""
        words = {"-": self.style_of("word-removed"), "+": self.style_of("word-added")}
        return [Segment(t, style + words[op] if op in words else style) for op, t in spans]

    def _row(self, row: Row, width: int) -> list[Segment]:
        sign_style = self.style_of(SIGN_CLASS.get(row.sign, "dim"))
        out = [Segment(f" {row.sign} ", sign_style), Segment(row.commit_hash[:8], self._hash())]
        if row.other is not None:
            out += [Segment(" → ", sign_style), Segment(row.other[:8], self._hash())]
        key = row.other or row.commit_hash
        out += self._info(self.details.get(key), key in self._gone)
        return out

    def _side(self, row: Row | None, half: int) -> list[Segment]:
        if row is None:
            return [Segment(" " * half)]
        sign_style = self.style_of(SIGN_CLASS.get(row.sign, "dim"))
        info = self.details.get(row.commit_hash)
        segments = [Segment(f"{row.sign} ", sign_style), Segment(row.commit_hash[:8], self._hash())]
        segments += self._info(info, row.commit_hash in self._gone)
        strip = Strip(segments).crop(0, half).extend_cell_length(half)
        return list(strip)

    def _info(self, info: RowInfo | None, gone: bool) -> list[Segment]:
        if info is None:
            text = " (no longer stored)" if gone else " …"
            return [Segment(text, self.style_of("dim"))]
        return [
            Segment(f" {display_line(info.badge):<5}{info.token_count:>6}  ", self.style_of("dim")),
            Segment(commit_text(info)),
        ]

    def _text_side(self, side: Side | None, half: int) -> list[Segment]:
        if side is None:
            return [Segment(" " * half)]
        style = self.style_of(SIGN_CLASS.get(side.sign, "dim")) if side.sign != " " else Style()
        mark = Segment(
            "¦ " if side.cont else f"{side.sign} ", self.style_of("dim") if side.cont else style
        )
        strip = Strip([mark, *self._spans(side.spans, style)]).crop(0, half)
        return list(strip.extend_cell_length(half))

    def _hash(self) -> Style:
        return self.style_of("hash")
