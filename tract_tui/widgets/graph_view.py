"""The commit graph: a Line API list over a streaming ``GraphModel``, and its keys.

Only visible rows are rendered. Rows arrive page by page from a thread worker (the first page
paints at once; the rest stream in while the user scrolls); each row's details (badge, marks,
message) are fetched for the visible window plus a margin and show a placeholder until then.
A key press touches only cached data, so it costs the same at row 1 and at row 100,000.
Actions on the selection that concern more than the graph (compress, compile, pin, search,
go to) are posted up as messages; the main screen carries them out.

When the store changes (another process appends), :meth:`GraphView.live_update` reads only what
sorts above the newest commit scanned and puts it on top (``GraphModel.prepend``); it rescans
only when that would not give what a fresh scan gives (docs/performance.md, "Live reload").
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import Worker, get_current_worker

from core import Priority
from core.read import FirstScreen, GraphDelta, PageKey, RefsState, StoreReader
from core.views.graph import GraphMode, GraphModel
from core.views.graph_rows import RowInfo
from core.views.lane_render import UNICODE
from tract_tui.actions import bindings_for
from tract_tui.failures import Failure
from tract_tui.widgets.graph_details import RowDetails
from tract_tui.widgets.graph_lens import apply_lens, lens_cell
from tract_tui.widgets.graph_paint import LANE_PAD, lane_segments, overlay, row_segments
from tract_tui.widgets.messages import (
    CompileRequested,
    CompressRequested,
    ContentRequested,
    DialogSettled,
    ExportRequested,
    GotoRequested,
    HighlightCommits,
    LensRequested,
    PriorityRequested,
    SearchCloseRequested,
    SearchRequested,
    TagRequested,
    WhyRequested,
)
from tract_tui.workers import WorkerEndings

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import Lens

FIRST_PAGE = 300
PAGE = 5000
DETAIL_MARGIN = 60  # rows fetched above and below the viewport
FIRST_DETAILS = 80  # rows whose details come with the first page
DELTA_LIMIT = 2000  # more new commits than this at once: rescan (one page of the scan's size)


class GraphView(ScrollView, WorkerEndings, can_focus=True):
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
        "graph--uncompiled",
        "graph--tag",
        "graph--filtered",
        "graph--lens-used",
        "graph--lens-edited",
        "graph--lens-skipped",
        "graph--lens-compressed",
        "graph--lens-replaced",
        "graph--lens-out",
    }
    DEFAULT_CSS = """
    GraphView {
        background: $surface;
        overflow-x: hidden;
    }
    GraphView > .graph--cursor { background: $accent 40%; }
    GraphView:focus > .graph--cursor { background: $accent 70%; }
    GraphView > .graph--hash { color: $text-warning; }
    GraphView > .graph--label { color: $text-success; text-style: bold; }
    GraphView > .graph--head { color: $text-accent; text-style: bold; }
    GraphView > .graph--badge { color: $text-secondary; }
    GraphView > .graph--tokens { color: $text-muted; }
    GraphView > .graph--dim { color: $text-disabled; }
    GraphView > .graph--mark { color: $text-warning; text-style: bold; }
    GraphView > .graph--source { background: $error 25%; }
    GraphView > .graph--result { background: $success 25%; }
    GraphView > .graph--match { text-style: bold underline; }
    GraphView > .graph--filtered { color: $text-disabled; }
    GraphView > .graph--placeholder { color: $text-disabled; }
    GraphView > .graph--skipped { color: $text-muted; text-style: strike; }
    GraphView > .graph--uncompiled { color: $text-muted; text-style: italic; }
    GraphView > .graph--tag { color: $primary; }
    GraphView > .graph--lens-used { color: $success; text-style: bold; }
    GraphView > .graph--lens-edited { color: $warning; text-style: bold; }
    GraphView > .graph--lens-skipped { color: $error; text-style: bold; }
    GraphView > .graph--lens-compressed { color: $accent; text-style: bold; }
    GraphView > .graph--lens-replaced { color: $secondary; text-style: bold; }
    GraphView > .graph--lens-out { color: $text-disabled; }
    """

    # No repaint on change: move_to refreshes just the two lines involved (a full repaint
    # per key re-rendered every visible row).
    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Selected(Message):
        """The highlighted commit changed (or, ``changed``, what its detail shows did)."""

        def __init__(self, commit_hash: str | None, *, changed: bool = False) -> None:
            super().__init__()
            self.commit_hash = commit_hash
            self.changed = changed

    class _Rows(Message):
        def __init__(self, generation: int, complete: bool) -> None:
            super().__init__()
            self.generation = generation
            self.complete = complete

    class _Delta(Message):
        def __init__(
            self,
            generation: int,
            model: GraphModel,
            delta: GraphDelta,
            details: dict[str, RowInfo],
            all_details: bool,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.model = model
            self.delta = delta
            self.details = details
            self.all_details = all_details

    class _Details(Message):
        def __init__(self, generation: int, details: dict[str, RowInfo]) -> None:
            super().__init__()
            self.generation = generation
            self.details = details

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.mode = GraphMode()
        self.model = GraphModel({}, self.mode)
        self.refs: RefsState | None = None
        self.details = RowDetails()
        self._asked: dict[Worker[None], list[str]] = {}  # a details fetch → its hashes
        self._generation = 0
        self._want_selection: str | None = None
        self.mark: str | None = None  # range anchor for compress
        self.highlight_sources: frozenset[str] = frozenset()
        self.highlight_results: frozenset[str] = frozenset()
        self.matches: frozenset[str] = frozenset()
        self.filter_matches = False  # dim the rows that do not match
        self.lens: Lens | None = None  # the record lens (graph_lens), set by the screen
        self._goto_pending: str | None = None
        self._painted = threading.Event()  # the newest scan's first rows are on screen
        self.glyphs = UNICODE
        self._graph_width = 2
        self._details_failed = -1  # the scan whose details fetch last failed (said once)
        self._installed = 0  # the newest scan whose first page is in the model
        self._paint_style: Style | None = None  # rich_style during one render_lines
        self._delta_running = False
        self._delta_wanted = False  # a change came while a delta or a scan's start was running
        # What the next delta must refresh besides new rows: the rows annotated after this
        # annotation id, or (True) every row's details (an event links commits).
        self._annotations_after: int | None = None
        self._all_details = False

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
            return self.reader.first_screen(self.mode, FIRST_PAGE, FIRST_DETAILS)
        except Exception:  # not reported here: the scan worker reads again and reports
            return None

    @work(thread=True, exclusive=True, group="graph-scan", exit_on_error=False)
    def _scan(self, generation: int, mode: GraphMode, first: FirstScreen | None) -> None:
        worker = get_current_worker()
        if first is None:
            first = self.reader.first_screen(mode, FIRST_PAGE, FIRST_DETAILS)
            self.app.call_from_thread(self._install, generation, first)
            self.post_message(self._Rows(generation, first.after is None))
        model, after = first.model, first.after
        # Let the first rows reach the screen before the rest of the scan competes with the
        # UI thread for the interpreter.
        self._painted.wait(timeout=1.0)
        while after is not None and not worker.is_cancelled:
            rows = self.reader.graph_page(after, PAGE)
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
        self._installed = generation
        if self._delta_wanted and not self._delta_running:
            self.call_later(self.live_update)  # what was written while the first page was read
        # The cursor is an index: move it with the model swap, or until the first page's
        # _Rows arrives it would name another commit (new rows above it shift every index),
        # and a key pressed in between (pin, compile, compress) would act on that commit.
        index = model.index_of(self._want_selection) if self._want_selection else None
        if index is not None:
            self.cursor = index
        self.details.restart(details)  # the old ones still draw until the new ones arrive
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
        self._rows_arrived(message.complete)

    def _update_size(self, *, grown: bool = False) -> None:
        size = Size(self.size.width, len(self.model))
        if grown and self.show_vertical_scrollbar and size.width == self.virtual_size.width:
            # Rows came on top of a list that already scrolls: only the scrollbar's thumb
            # changes, so skip the screen's relayout (most of a live update's cost).
            self.set_reactive(GraphView.virtual_size, size)
            self.vertical_scrollbar.window_virtual_size = size.height
            return
        self.virtual_size = size

    # -- live updates: what was written since, on top ---------------------------------------

    def live_update(
        self, *, annotations_after: int | None = None, all_details: bool = False
    ) -> None:
        """The store changed: read what sorts above the newest commit scanned and put it on
        top, keeping the selection and what is on screen; rescan when that cannot be done.
        Rows already shown get their details again when an EDIT names them or they were
        annotated after ``annotations_after``; all of them with ``all_details``."""
        if annotations_after is not None:
            known = self._annotations_after
            after = annotations_after if known is None else min(known, annotations_after)
            self._annotations_after = after
        self._all_details |= all_details
        if self._delta_running or self._installed != self._generation:
            self._delta_wanted = True  # asked again when the running read is in
            return
        watermark = self.model.newest
        if watermark is None:  # nothing scanned yet (an empty tract): a scan is cheap
            self.reload()
            return
        self._delta_wanted = False
        self._delta_running = True
        since, self._annotations_after = self._annotations_after, None
        every, self._all_details = self._all_details, False
        self._read_delta(self._generation, self.model, watermark, since, every)

    @work(thread=True, exclusive=True, group="graph-delta", exit_on_error=False)
    def _read_delta(
        self,
        generation: int,
        model: GraphModel,
        watermark: PageKey,
        annotations_after: int | None,
        all_details: bool,
    ) -> None:
        try:
            delta = self.reader.graph_since(
                watermark, DELTA_LIMIT, annotations_after=annotations_after
            )
            # The details of the rows that will show new or changed come with it: one repaint.
            wanted = [r.commit_hash for r in delta.rows[:FIRST_DETAILS]] + list(delta.touched)
            details = self.reader.row_details(wanted) if wanted else {}
        finally:
            self.app.call_from_thread(setattr, self, "_delta_running", False)
        self.post_message(self._Delta(generation, model, delta, details, all_details))

    def on_graph_view__delta(self, message: _Delta) -> None:
        if message.generation == self._generation and message.model is self.model:
            self._apply_delta(message.delta, message.details, message.all_details)
        if self._delta_wanted and not self._delta_running:
            self.live_update()

    def _apply_delta(
        self, delta: GraphDelta, details: dict[str, RowInfo], all_details: bool
    ) -> None:
        model = self.model
        added = None
        if delta.complete and delta.watermark_kept:
            added = model.prepend(delta.rows, delta.refs.labels)
        if added is None:
            self.reload()
            return
        self.refs = delta.refs
        if added:
            # The selection stays on its commit. At the top, the new rows show above it as
            # long as it stays on screen; anywhere else what is on screen stays in place.
            top, height = self.scroll_offset.y, max(1, self.size.height)
            if len(model) > added:  # there was a row to stay on
                self.cursor += added
            self._update_size(grown=True)
            if top or self.cursor >= height:
                self.scroll_to(y=top + added, animate=False, immediate=True)
        # Rows already shown whose marks changed (edited, annotated; an event's links) have
        # their details read again, the old ones drawn until they arrive.
        if all_details:
            self.details.restart(details)
        else:
            self.details.forget(delta.touched)
            self.details.arrived(details)
        self.refresh()
        self._request_details()
        # The selected commit's detail lists its children and edits: new rows may add some.
        selected = self.selected_hash
        changed = selected in delta.touched or any(selected in r.parents for r in delta.rows)
        self.post_message(self.Selected(selected, changed=changed))
        self._rows_arrived(model.complete)

    # -- details ----------------------------------------------------------------------------

    def _request_details(self) -> None:
        top = self.scroll_offset.y
        start = max(0, top - DETAIL_MARGIN)
        stop = min(len(self.model), top + self.size.height + DETAIL_MARGIN)
        missing = self.details.wanted(self.model.hashes[start:stop])
        if missing:
            self._asked[self._fetch_details(self._generation, missing)] = missing

    @work(thread=True, group="graph-details", exit_on_error=False)
    def _fetch_details(self, generation: int, hashes: list[str]) -> None:
        self.post_message(self._Details(generation, self.reader.row_details(hashes)))

    def on_graph_view__details(self, message: _Details) -> None:
        if message.generation == self._generation:
            self.details.arrived(message.details)
            self.refresh()

    def worker_ended(self, worker: Worker[Any]) -> None:
        self._asked.pop(worker, None)

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Rows whose details failed keep their placeholder and are asked again when shown
        next; the toast is said once per scan, not once per scroll."""
        asked = self._asked.pop(worker, None)
        if asked is None:  # the scan itself
            super().worker_failed(worker, failed)
            return
        self.details.failed(asked)
        if self._details_failed != self._generation:
            self._details_failed = self._generation
            super().worker_failed(worker, failed)

    def invalidate(self, hashes: Iterable[str]) -> None:
        """Forget cached details (after pin/skip) so they are fetched again."""
        self.details.forget(hashes)
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

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's own style is read once per paint, not once per line: it walks the
        # ancestors' styles, a third of what drawing a line cost.
        self._paint_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._paint_style = None

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        base = self._paint_style or self.rich_style
        if row >= len(self.model):
            return Strip.blank(width, base)
        commit_hash = self.model.hashes[row]
        layouts = self.model.layouts(row, row + 1)
        segments: list[Segment] = []
        if layouts:
            dark = self.app.current_theme.dark
            segments = lane_segments(layouts[0], self.glyphs, base, dark=dark)
            used = sum(len(s.text) for s in segments)
            if used > self._graph_width:  # lines drawn before used a narrower pad: redraw
                self._graph_width = used
                self.refresh()
            pad = min(self._graph_width, LANE_PAD) - used
            if pad > 0:
                segments.append(Segment(" " * pad, base))
        info = self.details.shown(commit_hash)
        row_parts = row_segments(
            commit_hash,
            info,
            self.model.labels.get(commit_hash, ()),
            unreachable=self.model.unreachable[row],
            anchored=commit_hash == self.mark,
            matched=commit_hash in self.matches,
            glyphs=self.glyphs,
            style=self.get_component_rich_style,
        )
        outside = False
        if self.lens is not None:
            created = info.created_at if info is not None else None
            cell = lens_cell(self.lens, commit_hash, created, self.glyphs)
            row_parts = apply_lens(row_parts, cell, self.get_component_rich_style)
            outside = cell.outside
        segments.extend(row_parts)
        # Every cell on the widget's own colours: a bare segment would be the terminal's
        # default, which a light theme on a dark terminal shows as black stripes.
        strip = Strip(Segment.apply_style(segments, style=base))
        style = self.get_component_rich_style
        if row == self.cursor:
            strip = overlay(strip, style("graph--cursor"))
        elif commit_hash in self.highlight_sources:
            strip = overlay(strip, style("graph--source"))
        elif commit_hash in self.highlight_results:
            strip = overlay(strip, style("graph--result"))
        elif self.filter_matches and commit_hash not in self.matches:
            strip = overlay(strip, style("graph--filtered"))  # dims over the lane colours
        elif outside:
            strip = overlay(strip, style("graph--lens-out"))
        strip = strip.crop(self.scroll_offset.x, self.scroll_offset.x + width)
        return strip.extend_cell_length(
            width, style("graph--cursor") if row == self.cursor else base
        )

    # -- keys: moving and viewing -----------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.size.height - 1))

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.size.height - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.model) - 1)

    def action_toggle_unreachable(self) -> None:
        self.mode = GraphMode(not self.mode.show_unreachable, self.mode.first_parent)
        self.reload()
        shown = self.mode.show_unreachable
        self.notify("Showing unreachable commits" if shown else "Hiding unreachable commits")

    def action_toggle_first_parent(self) -> None:
        self.mode = GraphMode(self.mode.show_unreachable, not self.mode.first_parent)
        self.reload()
        self.notify("First-parent view" if self.mode.first_parent else "All parents")

    def action_mark(self) -> None:
        selected = self.selected_hash
        self.mark = None if self.mark == selected else selected
        self.refresh()

    def action_open(self) -> None:
        """Enter: move to the selected commit's details, where its links are jumps."""
        for detail in self.screen.query("#graph-detail"):
            detail.focus()
            break

    def action_copy_hash(self) -> None:
        selected = self._need_selection()
        if selected is not None:
            self.app.copy_to_clipboard(selected)
            self.notify(f"Copied {selected[:8]}…")

    def action_pager(self) -> None:
        selected = self._need_selection()
        if selected is not None:
            self.post_message(ContentRequested(selected, "pager"))

    def action_copy_content(self) -> None:
        selected = self._need_selection()
        if selected is not None:
            self.post_message(ContentRequested(selected, "clipboard"))

    # -- keys: actions the screen carries out -----------------------------------------------

    def _need_selection(self) -> str | None:
        selected = self.selected_hash
        if selected is None:
            self.notify("No commit selected", severity="warning")
        return selected

    def action_compress(self) -> None:
        """Anchor..cursor (either order), or cursor..HEAD when nothing is marked."""
        selected = self._need_selection()
        if selected is None:
            return
        if self.mark is None or self.mark == selected:
            self.post_message(CompressRequested(selected, None))
            return
        anchor_row = self.model.index_of(self.mark)
        # Rows are newest first: the larger row index is the older end of the range.
        if anchor_row is not None and anchor_row > self.cursor:
            self.post_message(CompressRequested(self.mark, selected))
        else:
            self.post_message(CompressRequested(selected, self.mark))

    def action_compile_here(self) -> None:
        selected = self._need_selection()
        if selected is not None:
            self.post_message(CompileRequested(selected))

    def action_priority(self, name: str) -> None:
        selected = self._need_selection()
        if selected is None:
            self.post_message(DialogSettled())  # ``i`` opens nothing then
        else:
            self.post_message(PriorityRequested(selected, Priority(name)))

    def action_tag(self) -> None:
        selected = self._need_selection()
        if selected is None:
            self.post_message(DialogSettled())
        else:
            self.post_message(TagRequested(selected))

    def action_untag(self) -> None:
        selected = self._need_selection()
        if selected is None:
            self.post_message(DialogSettled())
        else:
            self.post_message(TagRequested(selected, remove=True))

    def action_search(self) -> None:
        self.post_message(SearchRequested())

    def action_goto(self) -> None:
        self.post_message(GotoRequested())

    def action_clear_search(self) -> None:
        """Escape: the lens goes first, then an event's highlights, then the search."""
        if self.lens is not None:
            self.post_message(LensRequested(None, leave=True))
        elif self.highlight_sources or self.highlight_results:
            self.post_message(HighlightCommits(frozenset(), frozenset()))
        elif self.matches:
            self.post_message(SearchCloseRequested())

    def action_lens(self) -> None:
        self.post_message(LensRequested(None, leave=self.lens is not None))

    def action_export(self) -> None:
        selected = self._need_selection()
        if selected is not None:
            self.post_message(ExportRequested(None, selected))

    def action_why(self) -> None:
        selected = self._need_selection()
        if selected is not None:
            self.post_message(WhyRequested(selected))

    # -- search matches ---------------------------------------------------------------------

    def action_next_match(self) -> None:
        self._step_match(+1)

    def action_prev_match(self) -> None:
        self._step_match(-1)

    def set_matches(self, hashes: frozenset[str], *, filter_matches: bool = False) -> None:
        self.matches = hashes
        self.filter_matches = filter_matches and bool(hashes)
        self.refresh()

    def match_rows(self) -> list[int]:
        """Rows of the loaded matches, in graph order."""
        rows = (self.model.index_of(h) for h in self.matches)
        return sorted(r for r in rows if r is not None)

    def match_position(self) -> tuple[int, int]:
        """(1-based position of the cursor among the matches or 0, number of matches)."""
        rows = self.match_rows()
        position = rows.index(self.cursor) + 1 if self.cursor in rows else 0
        return position, len(self.matches)

    def _step_match(self, step: int) -> None:
        rows = self.match_rows()
        if not rows:
            self.notify("No matches" if self.matches else "No search: press / first", timeout=2)
            return
        if step > 0:
            after = [r for r in rows if r > self.cursor]
            target = after[0] if after else rows[0]  # wrap to the first
        else:
            before = [r for r in rows if r < self.cursor]
            target = before[-1] if before else rows[-1]
        self.move_to(target, center=True)

    # -- go to ------------------------------------------------------------------------------

    def goto_hash(self, commit_hash: str) -> None:
        """Select a commit; if it is not loaded yet, select it when the scan reaches it, and
        show unreachable commits if the full scan does not have it."""
        if self.select_hash(commit_hash):
            return
        self._goto_pending = commit_hash
        if self.model.complete:
            self._reveal_unreachable(commit_hash)
        else:
            self._want_selection = commit_hash

    def _rows_arrived(self, complete: bool) -> None:
        pending = self._goto_pending
        if pending is None:
            return
        if self.model.index_of(pending) is not None:
            self._goto_pending = None
            self.select_hash(pending)
        elif complete:
            self._reveal_unreachable(pending)

    def _reveal_unreachable(self, commit_hash: str) -> None:
        if self.mode.show_unreachable and not self.mode.first_parent:
            self._goto_pending = None
            self.notify(f"{commit_hash[:8]} is not in this tract's graph", severity="warning")
            return
        self.mode = GraphMode(True, False)
        self.notify("Showing unreachable commits to reach it", timeout=3)
        self.reload(keep=commit_hash)
