"""The commit graph: a Line API list over a streaming ``GraphModel``.

Only visible rows are rendered. Rows arrive page by page from a thread worker (the first page
paints at once; the rest stream in while the user scrolls); each row's details (badge, marks,
message) are fetched for the visible window plus a margin and show a placeholder until then.
A key press touches only cached data, so it costs the same at row 1 and at row 100,000.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from core.views.graph import GraphMode, GraphModel
from core.views.graph_rows import RowInfo
from core.views.lane_render import UNICODE, render_row
from core.views.text import display_line, first_line
from tract_tui.actions import bindings_for
from tract_tui.gateway import FirstScreen, RefsState, StoreGateway
from tract_tui.widgets.graph_actions import GraphActions
from tract_tui.widgets.graph_style import (
    LANE_COLOURS,
    format_tokens,
    marks_for,
)
from tract_tui.widgets.virtual_list import cell

FIRST_PAGE = 300
PAGE = 5000
DETAIL_MARGIN = 60  # rows fetched above and below the viewport
FIRST_DETAILS = 80  # rows whose details come with the first page
DETAIL_CACHE = 4000


class GraphView(GraphActions, ScrollView, can_focus=True):
    """Every branch of the tract as lanes, one commit per line."""

    BINDINGS = bindings_for("graph")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph--cursor",
        "graph--hash",
        "graph--label",
        "graph--head",
        "graph--badge",
        "graph--tokens",
        "graph--dim",
        "graph--mark",
        "graph--source",
        "graph--result",
        "graph--match",
        "graph--placeholder",
        "graph--skipped",
        "graph--filtered",
    }
    DEFAULT_CSS = """
    GraphView {
        background: $surface;
        overflow-x: hidden;
    }
    GraphView > .graph--cursor { background: $accent 40%; }
    GraphView:focus > .graph--cursor { background: $accent 70%; }
    GraphView > .graph--hash { color: $warning; }
    GraphView > .graph--label { color: $success; text-style: bold; }
    GraphView > .graph--head { color: $accent; text-style: bold; }
    GraphView > .graph--badge { color: $secondary; }
    GraphView > .graph--tokens { color: $text-muted; }
    GraphView > .graph--dim { color: $text-disabled; }
    GraphView > .graph--mark { color: $warning; text-style: bold; }
    GraphView > .graph--source { background: $error 25%; }
    GraphView > .graph--result { background: $success 25%; }
    GraphView > .graph--match { text-style: bold underline; }
    GraphView > .graph--filtered { color: $text-disabled; }
    GraphView > .graph--placeholder { color: $text-disabled; }
    GraphView > .graph--skipped { color: $text-muted; text-style: strike; }
    """

    # No repaint on change: move_to refreshes just the two lines involved (a full repaint
    # per key re-rendered every visible row).
    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Selected(Message):
        """The highlighted commit changed."""

        def __init__(self, commit_hash: str | None) -> None:
            super().__init__()
            self.commit_hash = commit_hash

    class _Rows(Message):
        def __init__(self, generation: int, complete: bool) -> None:
            super().__init__()
            self.generation = generation
            self.complete = complete

    class _Details(Message):
        def __init__(self, generation: int, details: dict[str, RowInfo]) -> None:
            super().__init__()
            self.generation = generation
            self.details = details

    def __init__(self, gateway: StoreGateway, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.gateway = gateway
        self.mode = GraphMode()
        self.model = GraphModel({}, self.mode)
        self.refs: RefsState | None = None
        self.details: OrderedDict[str, RowInfo] = OrderedDict()
        self._pending: set[str] = set()
        self._generation = 0
        self._want_selection: str | None = None
        self.mark: str | None = None  # range anchor for compress
        self.highlight_sources: frozenset[str] = frozenset()
        self.highlight_results: frozenset[str] = frozenset()
        self.matches: frozenset[str] = frozenset()
        self.filter_matches = False  # dim the rows that do not match
        self._goto_pending: str | None = None
        self._stale: dict[str, RowInfo] = {}  # details of the previous scan, until refetched
        self._painted = threading.Event()  # the newest scan's first rows are on screen
        self.glyphs = UNICODE
        self._graph_width = 2

    # -- loading ----------------------------------------------------------------------------

    def reload(self, *, keep: str | None = None) -> None:
        """Re-read refs and rows from the store; keep the selection by hash."""
        keep = keep or self._want_selection or self.selected_hash
        self._generation += 1
        self._want_selection = keep
        first = self._first_screen_now() if self._generation == 1 else None
        if first is not None:
            self._install(self._generation, first)
            self.on_graph_view__rows(self._Rows(self._generation, first.after is None))
            if first.after is None:
                return
        self._scan(self._generation, self.mode, first)

    def _first_screen_now(self) -> FirstScreen | None:
        """On open, the first screen is read here, so the first frame shows rows. A few
        queries (~25 ms at 100k commits); a thread would take ten times as long, starved of
        the interpreter while start-up builds and styles the widgets (sqlite3 hands the GIL
        back on every row). On failure the scan worker reads again and reports."""
        try:
            return self.gateway.first_screen(self.mode, FIRST_PAGE, FIRST_DETAILS)
        except Exception:
            return None

    @work(thread=True, exclusive=True, group="graph-scan", exit_on_error=False)
    def _scan(self, generation: int, mode: GraphMode, first: FirstScreen | None) -> None:
        try:
            self._scan_pages(generation, mode, first)
        except Exception as exc:  # shown, never a traceback
            message = display_line(f"Could not read the graph: {exc or type(exc).__name__}")
            self.app.call_from_thread(
                self.notify, message, severity="error", timeout=10, markup=False
            )

    def _scan_pages(self, generation: int, mode: GraphMode, first: FirstScreen | None) -> None:
        worker = get_current_worker()
        if first is None:
            first = self.gateway.first_screen(mode, FIRST_PAGE, FIRST_DETAILS)
            self.app.call_from_thread(self._install, generation, first)
            self.post_message(self._Rows(generation, first.after is None))
        model, after = first.model, first.after
        # Let the first rows reach the screen before the rest of the scan competes with the
        # UI thread for the interpreter.
        self._painted.wait(timeout=1.0)
        while after is not None and not worker.is_cancelled:
            rows = self.gateway.graph_page(after, PAGE)
            last = len(rows) < PAGE
            model.feed(rows, last=last)
            self.post_message(self._Rows(generation, last))
            after = None if last else (rows[-1].created_at, rows[-1].commit_hash)

    def _install(self, generation: int, first: FirstScreen) -> None:
        if generation != self._generation:
            return
        model, details = first.model, first.details
        self.model = model
        self.refs = first.refs
        # The cursor is an index: move it with the model swap, or until the first page's
        # _Rows arrives it would name another commit (new rows above it shift every index),
        # and a key pressed in between (pin, compile, compress) would act on that commit.
        index = model.index_of(self._want_selection) if self._want_selection else None
        if index is not None:
            self.cursor = index
        # Keep showing the old details until the new ones arrive: a reload (live update)
        # must not flash placeholders over every row.
        self._stale = dict(self.details)
        self.details.clear()
        self.details.update(details)
        self._pending.clear()
        self._painted.clear()
        self.call_after_refresh(self._painted.set)

    def on_graph_view__rows(self, message: _Rows) -> None:
        if message.generation != self._generation:
            return
        self._update_size()
        if self._want_selection is not None:
            index = self.model.index_of(self._want_selection)
            if index is not None:
                self._want_selection = None
                self.move_to(index, center=True)
            elif message.complete:
                self._want_selection = None
                self.move_to(min(self.cursor, max(0, len(self.model) - 1)))
        elif message.complete and self.cursor >= len(self.model):
            self.move_to(max(0, len(self.model) - 1))
        self.refresh()
        self._request_details()
        if self.cursor == 0 or message.complete:
            self.post_message(self.Selected(self.selected_hash))
        self.rows_arrived(message.complete)

    def _update_size(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.model))

    # -- details ----------------------------------------------------------------------------

    def _request_details(self) -> None:
        top = self.scroll_offset.y
        start = max(0, top - DETAIL_MARGIN)
        stop = min(len(self.model), top + self.size.height + DETAIL_MARGIN)
        missing = [
            h
            for h in self.model.hashes[start:stop]
            if h not in self.details and h not in self._pending
        ]
        if missing:
            self._pending.update(missing)
            self._fetch_details(self._generation, missing)

    @work(thread=True, group="graph-details", exit_on_error=False)
    def _fetch_details(self, generation: int, hashes: list[str]) -> None:
        self.post_message(self._Details(generation, self.gateway.row_details(hashes)))

    def on_graph_view__details(self, message: _Details) -> None:
        if message.generation != self._generation:
            return
        self._pending.difference_update(message.details)
        self.details.update(message.details)
        while len(self.details) > DETAIL_CACHE:
            self.details.popitem(last=False)
        self.refresh()

    def invalidate(self, hashes: Iterable[str]) -> None:
        """Forget cached details (after pin/skip) so they are fetched again."""
        for h in hashes:
            self.details.pop(h, None)
        self._request_details()

    # -- navigation -------------------------------------------------------------------------

    @property
    def selected_hash(self) -> str | None:
        if 0 <= self.cursor < len(self.model):
            return self.model.hashes[self.cursor]
        return None

    def move_to(self, index: int, *, center: bool = False) -> None:
        if not len(self.model):
            return
        index = max(0, min(index, len(self.model) - 1))
        old = self.cursor
        self.cursor = index
        height = max(1, self.size.height)
        top = self.scroll_offset.y
        if center and not top <= index < top + height:
            self.scroll_to(y=max(0, index - height // 2), animate=False)
        elif index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)
        self.refresh_line(old)  # ScrollView.refresh_line takes a virtual row (it scrolls)
        self.refresh_line(index)
        self._request_details()
        if self._want_selection is not None:
            # A reload is in flight: it must restore this choice, not the one it started with
            # (else a key pressed during a live update is undone when the rows arrive).
            self._want_selection = self.selected_hash
        if old != index:
            self.post_message(self.Selected(self.selected_hash))

    def select_hash(self, commit_hash: str) -> bool:
        index = self.model.index_of(commit_hash)
        if index is None:
            return False
        self.move_to(index, center=True)
        return True

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._request_details()

    def on_resize(self) -> None:
        self._update_size()
        self._request_details()

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if y is not None:
            self.move_to(self.scroll_offset.y + int(y))

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        if row >= len(self.model):
            return Strip.blank(width, self.rich_style)
        commit_hash = self.model.hashes[row]
        layouts = self.model.layouts(row, row + 1)
        segments: list[Segment] = []
        base = self.rich_style
        if layouts:
            for text, colour in render_row(layouts[0], self.glyphs):
                style = (
                    base + Style(color=LANE_COLOURS[colour % len(LANE_COLOURS)])
                    if (colour is not None)
                    else base
                )
                segments.append(Segment(text, style))
            used = sum(len(s.text) for s in segments)
            if used > self._graph_width:  # lines drawn before used a narrower pad: redraw
                self._graph_width = used
                self.refresh()
            pad = min(self._graph_width, 24) - used
            if pad > 0:
                segments.append(Segment(" " * pad, base))
        segments.extend(self._row_segments(commit_hash, row))
        strip = Strip(segments)
        if row == self.cursor:
            strip = _overlay(strip, self.get_component_rich_style("graph--cursor"))
        elif commit_hash in self.highlight_sources:
            strip = _overlay(strip, self.get_component_rich_style("graph--source"))
        elif commit_hash in self.highlight_results:
            strip = _overlay(strip, self.get_component_rich_style("graph--result"))
        elif self.filter_matches and commit_hash not in self.matches:
            dim = self.get_component_rich_style("graph--filtered")  # over the lane colours
            strip = Strip(Segment.apply_style(strip, post_style=dim), strip.cell_length)
        strip = strip.crop(self.scroll_offset.x, self.scroll_offset.x + width)
        style = self.get_component_rich_style("graph--cursor") if row == self.cursor else base
        return strip.extend_cell_length(width, style)

    def _row_segments(self, commit_hash: str, row: int) -> list[Segment]:
        style = self.get_component_rich_style
        info = self.details.get(commit_hash) or self._stale.get(commit_hash)
        dim = self.model.unreachable[row]
        hash_style = style("graph--dim") if dim else style("graph--hash")
        out = [
            Segment(
                marks_for(info, anchored=commit_hash == self.mark, glyphs=self.glyphs),
                style("graph--mark"),
            ),
            Segment(" "),
            Segment(commit_hash[:8], hash_style),
            Segment(" "),
        ]
        for label in self.model.labels.get(commit_hash, ()):
            out.append(
                Segment(
                    f"({display_line(label)})",  # a branch name is stored text too
                    style("graph--head") if label.startswith("HEAD") else style("graph--label"),
                )
            )
            out.append(Segment(" "))
        if info is None:
            out.append(Segment("…", style("graph--placeholder")))
            return out
        text_style = (
            style("graph--dim") if dim else (style("graph--skipped") if info.skipped else Style())
        )
        out += [
            Segment(cell(display_line(info.badge), 5), style("graph--badge")),
            Segment(f"{format_tokens(info.token_count):>6} ", style("graph--tokens")),
        ]
        match_style = style("graph--match") if commit_hash in self.matches else Style()
        message = info.message
        prefix = f"{info.content_type}: "
        if message.startswith(prefix):  # the badge already says the type
            message = message[len(prefix) :]
        if info.damaged:  # what the quick check or verify would say about this row
            message = f"⚠ damaged ({'; '.join(info.damage)}) {message}"
        out.append(Segment(first_line(message, 200), text_style + match_style))
        return out


def _overlay(strip: Strip, style: Style) -> Strip:
    """Put ``style`` over every segment (its background wins over the segments' own)."""
    return Strip(Segment.apply_style(strip, post_style=style), strip.cell_length)
