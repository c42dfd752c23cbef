"""A Line API list whose rows are fetched page by page, on demand (the toolong recipe).

Only the pages around the viewport are held (an LRU of pages); the first line is a sticky
column header. Subclasses say how to fetch a page (in a worker thread, through the reader)
and how to draw one row; everything else — cursor, scrolling, placeholders while a page is
loading, "the latest selection wins" — lives here, so a list of 100,000 events costs the same
as a list of ten.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane
from textual.worker import Worker

from core.views.text import display_line, fit
from tract_tui.failures import Failure
from tract_tui.timefmt import now_for
from tract_tui.workers import WorkerEndings

T = TypeVar("T")

PAGE = 100
MAX_PAGES = 30  # rows kept: 3,000 around wherever the user has been lately
CLOCK_TICK = 30.0  # seconds between refreshes of relative times ("3m ago")


def pane_hidden(widget: Widget) -> bool:
    """Whether ``widget`` sits in a tab that is not the active one.

    When a tab switch hides the focused list, Textual hands the focus to a sibling (our detail
    pane), and a focus inside a tab makes ``TabbedContent`` switch back to it. A panel stops
    that ``DescendantFocus`` while its tab is hidden, so the tab the user chose stays.
    """
    try:
        pane = widget.query_ancestor(TabPane)
        tabs = widget.query_ancestor(TabbedContent)
    except NoMatches:
        return False
    return tabs.active != pane.id


def cut(strip: Strip, width: int) -> Strip:
    """``strip`` cut to ``width`` cells, an ellipsis in the last cell when something was cut
    (a row's last column is free text: a purpose, a summarizer name)."""
    if strip.cell_length <= width:
        return strip
    if width <= 0:
        return Strip([])
    head = list(strip.crop(0, width - 1))
    style = head[-1].style if head else None
    return Strip([*head, Segment("…", style)], width)


class VirtualList(ScrollView, Generic[T], WorkerEndings, can_focus=True):
    """Rows ``0..total-1`` fetched in pages of ``PAGE``; line 0 is the column header."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "vlist--header",
        "vlist--cursor",
        "vlist--placeholder",
        "vlist--dim",
        "vlist--accent",
        "vlist--good",
        "vlist--bad",
    }
    DEFAULT_CSS = """
    VirtualList { background: $surface; overflow-x: hidden; }
    VirtualList > .vlist--header { color: $text-muted; text-style: bold; background: $boost; }
    VirtualList > .vlist--cursor { background: $accent 40%; }
    VirtualList:focus > .vlist--cursor { background: $accent 70%; }
    VirtualList > .vlist--placeholder { color: $text-disabled; }
    VirtualList > .vlist--dim { color: $text-muted; }
    VirtualList > .vlist--accent { color: $text-warning; }
    VirtualList > .vlist--good { color: $text-success; }
    VirtualList > .vlist--bad { color: $text-error; }
    """
    empty_text = "Nothing here yet"

    class Highlighted(Message):
        """The row under the cursor changed (or arrived); ``row`` is None when empty."""

        # A message class cannot share the list's type parameter: the panel that handles it
        # knows which list it holds, so the row is typed by the handler.
        def __init__(self, vlist: VirtualList[Any], index: int, row: Any) -> None:
            super().__init__()
            self.vlist = vlist
            self.index = index
            self.row = row

        @property
        def control(self) -> VirtualList[Any]:
            return self.vlist

    class _Page(Message):
        def __init__(
            self, generation: int, page: int, rows: Sequence[Any], total: int, error: str | None
        ) -> None:
            super().__init__()
            self.generation = generation
            self.page = page
            self.rows = rows
            self.total = total
            self.error = error

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cursor = 0
        self.total: int | None = None  # None until the first page arrives
        self.error: str | None = None
        self._pages: OrderedDict[int, Sequence[T]] = OrderedDict()
        self._pending: set[int] = set()
        self._loading: dict[Worker[Any], tuple[int, int]] = {}  # → (generation, page)
        self._generation = 0
        self._announced: tuple[int, int] | None = None  # (generation, index) last posted
        self._want_key: str | None = None
        # "Now" for relative times, read once per load and tick (not per row: a frozen test
        # clock would advance with every painted line).
        self.now = datetime.now(UTC)

    def on_mount(self) -> None:
        self.now = now_for(self.app)
        self.set_interval(CLOCK_TICK, self._tick)

    def _tick(self) -> None:
        self.now = now_for(self.app)
        self.refresh()

    # -- subclass API -----------------------------------------------------------------------

    def fetch(self, offset: int, limit: int) -> tuple[Sequence[T], int]:
        """Rows ``offset..offset+limit`` and the total (runs in a worker thread)."""
        raise NotImplementedError

    def header(self) -> str:
        return ""

    def render_row(self, row: T, index: int) -> list[Segment]:
        raise NotImplementedError

    def row_key(self, row: T) -> str:
        """A row's id (for :meth:`select_key`)."""
        raise NotImplementedError

    def page_arrived(self, offset: int, rows: Sequence[T]) -> None:
        """A page is here (on the UI thread): a subclass may fetch slower extras for it."""

    # -- data -------------------------------------------------------------------------------

    def reload(self, *, prepended: int = 0) -> None:
        """Forget every page and fetch the one under the cursor again. ``prepended``: that many
        rows were written on top since (lists are newest first), so the selection moves down
        with its row; what is on screen stays, unless the list is at its top and the selection
        still shows (then the new rows show above it)."""
        selected = self.selected
        if prepended > 0 and self.total and selected is not None:
            self._want_key = self.row_key(selected)  # checked when its page is in
            top, rows = self.scroll_offset.y, max(1, self.size.height - 1)
            self.cursor += prepended
            self.total += prepended
            self._update_size()
            if top or self.cursor >= rows:
                self.scroll_to(y=top + prepended, animate=False, immediate=True)
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self._announced = None
        self._request(self.cursor // PAGE)

    def select_key(self, key: str) -> None:
        """Reload from the top and select the row with ``key`` when the first page has it
        (what was just written — a compile record, an event — is newest, so on top)."""
        self._want_key = key
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.reload()

    def row_at(self, index: int) -> T | None:
        page = self._pages.get(index // PAGE)
        if page is None:
            return None
        offset = index % PAGE
        return page[offset] if offset < len(page) else None

    @property
    def selected(self) -> T | None:
        return self.row_at(self.cursor)

    def _request(self, page: int) -> None:
        if page < 0 or page in self._pages or page in self._pending:
            return
        if self.total is not None and page * PAGE >= max(self.total, 1):
            return
        self._pending.add(page)
        self._loading[self._load(self._generation, page)] = (self._generation, page)

    @work(thread=True, group="vlist-pages", exit_on_error=False)
    def _load(self, generation: int, page: int) -> None:
        rows, total = self.fetch(page * PAGE, PAGE)
        self.post_message(self._Page(generation, page, rows, total, None))

    def worker_ended(self, worker: Worker[Any]) -> None:
        self._loading.pop(worker, None)

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Shown in the list, not as a toast; the store is untouched by reads."""
        where = self._loading.pop(worker, None)
        if where is None:
            super().worker_failed(worker, failed)
            return
        generation, page = where
        self.post_message(self._Page(generation, page, (), 0, failed.because))

    def on_virtual_list__page(self, message: _Page) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._pending.discard(message.page)
        self.error = message.error
        self.now = now_for(self.app)
        if message.error is None:
            self._pages[message.page] = message.rows
            self._pages.move_to_end(message.page)
            self.page_arrived(message.page * PAGE, message.rows)
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
            self.total = message.total
        elif self.total is None:
            self.total = 0
        if self.total and self.cursor >= self.total:
            self.move_to(self.total - 1)
        if self._want_key is not None:
            want, self._want_key = self._want_key, None
            for i, row in enumerate(message.rows):
                if self.row_key(row) == want:
                    self.move_to(message.page * PAGE + i)
                    break
        self._update_size()
        self.refresh()
        self._prefetch()
        self._announce()

    def _prefetch(self) -> None:
        top = self.scroll_offset.y
        for row in (top - PAGE // 2, top, self.cursor, top + self.size.height + PAGE // 2):
            if self.total is None or 0 <= row < self.total:
                self._request(max(0, row) // PAGE)
        page = self._pages.get(self.cursor // PAGE)
        if page is not None:
            self._pages.move_to_end(self.cursor // PAGE)

    def _announce(self) -> None:
        """Tell the parent what is selected, once per (load, index), when the row is here."""
        key = (self._generation, self.cursor)
        row = self.selected
        if self._announced == key or (row is None and self.total):
            return
        self._announced = key
        self.post_message(self.Highlighted(self, self.cursor, row))

    def _update_size(self) -> None:
        self.virtual_size = Size(self.size.width, (self.total or 0) + 1)

    # -- navigation -------------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if not self.total:
            return
        index = max(0, min(index, self.total - 1))
        old, self.cursor = self.cursor, index
        rows = max(1, self.size.height - 1)  # the header takes a line
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False)
        # ScrollView.refresh_line takes a virtual line (it subtracts the scroll itself); the
        # header is line 0, so row i is line i + 1.
        self.refresh_line(old + 1)
        self.refresh_line(index + 1)
        self._prefetch()
        if old != index:
            self._announce()

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.size.height - 2))

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.size.height - 2))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to((self.total or 1) - 1)

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if y is not None and int(y) >= 1:
            self.move_to(self.scroll_offset.y + int(y) - 1)

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._prefetch()

    def on_resize(self) -> None:
        self._update_size()
        self._prefetch()

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        style = self.get_component_rich_style
        if y == 0:
            return Strip([Segment(fit(self.header(), width), style("vlist--header"))])
        index = self.scroll_offset.y + y - 1
        if self.total is None or (self.total == 0 and index == 0):
            if index != 0:
                return Strip.blank(width, self.rich_style)
            if self.error:
                text, look = f"Cannot read: {display_line(self.error)}", style("vlist--bad")
            else:
                text = "Loading…" if self.total is None else self.empty_text
                look = style("vlist--placeholder")
            return Strip([Segment(fit(" " + text, width), look)])
        if index >= self.total:
            return Strip.blank(width, self.rich_style)
        row = self.row_at(index)
        if row is None:
            segments = [Segment(fit(" …", width), style("vlist--placeholder"))]
        else:
            segments = self.render_row(row, index)
        # Every cell on the list's colours (a bare segment is the terminal's default).
        strip = cut(Strip(Segment.apply_style(segments, style=self.rich_style)), width)
        if index == self.cursor:
            cursor = style("vlist--cursor")
            # Over the segments: a cell's own background must not hide the cursor.
            overlaid = Strip(Segment.apply_style(strip, post_style=cursor), strip.cell_length)
            return overlaid.extend_cell_length(width, self.rich_style + cursor)
        return strip.extend_cell_length(width, self.rich_style)

    def part(self, name: str) -> Style:
        """A component style by short name (``dim``, ``accent``, ``good``, ``bad``)."""
        return self.get_component_rich_style(f"vlist--{name}")
