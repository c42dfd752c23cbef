"""The token timeline chart above the records list: tokens per compile record, oldest left,
each column stacked by role (``t``: by content type), the compress events marked under it.

Drawn with the Line API from our own layout (see docs/decisions.md): one column per record,
eighth blocks for the heights, a cell shared by two stacks coloured in both (foreground below,
background above). The layout (``chart_cells``) is pure, so tests read it as text.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.message import Message
from textual.strip import Strip
from textual.worker import Worker

from core.read import StoreReader
from core.views.text import display_line, fit
from tract_tui.failures import Failure
from tract_tui.widgets.graph_style import format_tokens
from tract_tui.workers import WorkerEndings

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import TokenTimeline

EIGHTHS = " ▁▂▃▄▅▆▇█"
PALETTE = ("cyan", "magenta", "yellow", "green", "blue", "red", "bright_black", "white")
AXIS = 7  # the y-axis labels' column
MAX_BAR = 4  # cells per record at most
POINTS = 400  # newest records fetched (the chart shows as many as fit)
COMPRESS = "▲"  # under the first record after a compress event
SELECTED = "●"


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    fg: str | None = None  # a stack key (coloured by its legend colour)
    bg: str | None = None


def _stacks(timeline: TokenTimeline, by: str, i: int) -> tuple[tuple[str, int], ...]:
    point = timeline.points[i]
    parts = dict(point.by_role if by == "role" else point.by_content_type)
    order = timeline.roles if by == "role" else timeline.content_types
    return tuple((k, parts[k]) for k in order if parts.get(k))


def column_width(points: int, plot: int) -> tuple[int, int]:
    """(cells per record, cells between records): wide bars for a few records, one cell
    each for many."""
    if points <= 0:
        return 1, 0
    room = plot // points
    if room >= 3:
        return min(MAX_BAR, room - 1), 1
    return 1, 0


def chart_cells(
    timeline: TokenTimeline, by: str, width: int, height: int, selected: str | None = None
) -> list[list[Cell]]:
    """Rows of cells, top first: ``height`` rows of bars (the y axis on the left), then the
    marks row (``▲`` a compress before that record, ``●`` the selected record)."""
    plot = max(1, width - AXIS)
    points = timeline.points[-plot:]  # the newest that fit, at least one cell each
    bar, gap = column_width(len(points), plot)
    offset = len(timeline.points) - len(points)
    top = max((p.message_tokens for p in points), default=0) or 1
    levels = height * 8
    columns: list[list[Cell]] = []
    for i in range(len(points)):
        stacks = _stacks(timeline, by, offset + i)
        bounds, total = [], 0
        for _, tokens in stacks:
            total += tokens
            bounds.append(round(total * levels / top))
        col = []
        for level in range(height):  # bottom first
            lo = level * 8
            k = bisect_right(bounds, lo)  # the stack at this cell's bottom
            if k >= len(stacks):
                col.append(Cell(" "))
                continue
            filled = min(bounds[k], lo + 8) - lo
            above = stacks[k + 1][0] if filled < 8 and k + 1 < len(stacks) else None
            col.append(Cell(EIGHTHS[filled], stacks[k][0], above))
        columns.append(col)
    rows: list[list[Cell]] = []
    space = [Cell(" " * gap)] if gap else []
    for r in range(height):
        label = format_tokens(top) if r == 0 else ("0" if r == height - 1 else "")
        line = [Cell(fit(label, AXIS - 2, right=True) + " ┤")]
        for col in columns:
            cell = col[height - 1 - r]
            line += [*space, Cell(cell.text * bar, cell.fg, cell.bg)]
        rows.append(line)
    compressed_before = _marks(timeline, offset)
    marks = [Cell(" " * (AXIS - 1) + "└")]
    for i, p in enumerate(points):
        if p.record_id == selected:
            mark = Cell(SELECTED, "selected")
        elif (offset + i) in compressed_before:
            mark = Cell(COMPRESS, "compress")
        else:
            mark = Cell("─")
        marks += [Cell("─" * gap), mark, Cell("─" * (bar - 1))]
    rows.append(marks)
    return rows


def _marks(timeline: TokenTimeline, offset: int) -> set[int]:
    """Indexes of the records that come first after a compress event."""
    times = [p.created_at for p in timeline.points]
    out = set()
    for m in timeline.marks:
        i = bisect_right(times, m.created_at)
        if offset <= i < len(times):
            out.add(i)
    return out


def legend(timeline: TokenTimeline, by: str) -> list[tuple[str, str | None]]:
    """The title line: what is shown, each stack key in its colour."""
    keys = timeline.roles if by == "role" else timeline.content_types
    out: list[tuple[str, str | None]] = [(f" tokens by {by} (t)  ", None)]
    for key in keys:
        out += [("■", key), (f" {display_line(key)}  ", None)]
    out += [
        (COMPRESS, "compress"),
        (" compress  ", None),
        (SELECTED, "selected"),
        (" selected", None),
    ]
    return out


class TokenChart(WorkerEndings):
    """The chart; ``reload`` fetches the timeline, ``select`` marks the selected record."""

    HEIGHT = 5  # rows of bars (plus the title and the marks row)
    DEFAULT_CSS = """
    TokenChart { height: 8; background: $surface; border-bottom: tall $panel; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"chart--dim"}

    class _Loaded(Message):
        def __init__(self, timeline: TokenTimeline) -> None:
            super().__init__()
            self.timeline = timeline

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.timeline: TokenTimeline | None = None
        self.by = "role"
        self.selected: str | None = None
        self.error: str | None = None
        self._rows: list[list[Cell]] = []
        self._laid_out: tuple[int, str, str | None] | None = None

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="token-chart", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self._Loaded(self.reader.token_timeline(limit=POINTS)))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        if worker.group == "token-chart":
            self.error = failed.because
            self.refresh()
        else:
            super().worker_failed(worker, failed)

    def on_token_chart__loaded(self, message: _Loaded) -> None:
        self.timeline = message.timeline
        self.error = None
        self._laid_out = None
        self.refresh()

    def toggle_by(self) -> None:
        self.by = "type" if self.by == "role" else "role"
        self._laid_out = None
        self.refresh()

    def select(self, record_id: str | None) -> None:
        if record_id != self.selected:
            self.selected = record_id
            self.refresh()

    def text_lines(self) -> list[str]:
        """What the chart shows, as plain text (for tests and people reading a log)."""
        return [self.render_line(y).text for y in range(self.size.height)]

    def _layout(self) -> list[list[Cell]]:
        key = (self.size.width, self.by, self.selected)
        if self.timeline is not None and key != self._laid_out:
            self._rows = chart_cells(
                self.timeline, self.by, self.size.width, self.HEIGHT, self.selected
            )
            self._laid_out = key
        return self._rows

    def _colour(self, key: str | None) -> str | None:
        if key is None or self.timeline is None:
            return None
        if key == "compress":
            return "red"
        if key == "selected":
            return "bright_white"
        keys = self.timeline.roles if self.by == "role" else self.timeline.content_types
        return PALETTE[keys.index(key) % len(PALETTE)] if key in keys else None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        dim = self.get_component_rich_style("chart--dim")
        if self.timeline is None or not self.timeline.points:
            text = ""
            if y == 0:
                text = (
                    f" Cannot draw the token timeline: {display_line(self.error)}"
                    if self.error
                    else (
                        " Loading the token timeline…"
                        if self.timeline is None
                        else " No compile records yet"
                    )
                )
            return Strip([Segment(fit(text, width), dim)])
        if y == 0:
            segments = [
                Segment(text, Style(color=self._colour(key)) if key else dim)
                for text, key in legend(self.timeline, self.by)
            ]
            return self._on_base(segments, width)
        rows = self._layout()
        if y - 1 >= len(rows):
            return Strip.blank(width, self.rich_style)
        segments = []
        for cell in rows[y - 1]:
            if cell.fg is None:
                segments.append(Segment(cell.text, dim))
            else:
                style = Style(color=self._colour(cell.fg), bgcolor=self._colour(cell.bg))
                segments.append(Segment(cell.text, style))
        return self._on_base(segments, width)

    def _on_base(self, segments: list[Segment], width: int) -> Strip:
        """Every cell on the widget's colours (a bare cell is the terminal's default)."""
        base = self.rich_style
        strip = Strip(Segment.apply_style(segments, style=base)).crop(0, width)
        return strip.extend_cell_length(width, base)
