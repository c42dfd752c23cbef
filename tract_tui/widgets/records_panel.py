"""The compile-record panel: every recorded compile, newest first, and one record in detail.

The list is a paged Line API view. A record shows its effective commits in order (a bounded
table: the first 500), its tokens by role and by content type, and a reproducibility badge
computed in a worker (does compiling its head as of its time give the same commits? if not,
why). ``space`` marks up to two records; ``d`` opens the compile diff of the marked pair (or
of the selected record and the one before it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Static
from textual.worker import Worker

from core.read import StoreReader
from core.views.record_view import RecordView
from core.views.records import RecordRow
from core.views.text import display_line, fit
from tract_tui.actions import bindings_for
from tract_tui.failures import Failure
from tract_tui.timefmt import relative
from tract_tui.widgets.messages import (
    CompileDiffRequested,
    ContentRequested,
    ExportRequested,
    JumpToCommit,
    LensRequested,
)
from tract_tui.widgets.record_render import (
    blame_label,
    break_cell,
    purpose_text,
    render_badge,
    render_break,
    render_breakdown,
    render_summary,
    source_label,
)
from tract_tui.widgets.token_chart import TokenChart
from tract_tui.widgets.virtual_list import VirtualList, pane_hidden
from tract_tui.workers import WorkerEndings

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import Blame, CacheBreak, Reproduction

MARKS = ("①", "②")
TABLE_LIMIT = 500
DEBOUNCE = 0.12  # seconds the cursor rests on a record before it is loaded


class RecordList(VirtualList[RecordRow]):
    BINDINGS = bindings_for("records")
    empty_text = "No compile records yet (C records a compile of HEAD)"

    class BreaksArrived(Message):
        """Cache breaks for a page of records (worked out after the page is shown)."""

        def __init__(self, breaks: dict[str, CacheBreak]) -> None:
            super().__init__()
            self.breaks = breaks

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.marks: list[RecordRow] = []
        # Prefix-cache breaks by record id; records never change, so they are kept across
        # reloads (a new record is worked out when its page arrives).
        self.breaks: dict[str, CacheBreak] = {}

    def fetch(self, offset: int, limit: int) -> tuple[Sequence[RecordRow], int]:
        page = self.reader.records_page(offset, limit)
        return page.rows, page.total

    def page_arrived(self, offset: int, rows: Sequence[RecordRow]) -> None:
        if any(r.record_id not in self.breaks for r in rows):
            self._fetch_breaks(offset, len(rows))

    @work(thread=True, group="record-breaks", exit_on_error=False)
    def _fetch_breaks(self, offset: int, limit: int) -> None:
        self.post_message(self.BreaksArrived(self.reader.cache_breaks(limit, offset)))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """The cache column is a nicety: it stays at "…" (the log has why)."""
        if worker.group != "record-breaks":
            super().worker_failed(worker, failed)

    def on_record_list_breaks_arrived(self, message: BreaksArrived) -> None:
        self.breaks.update(message.breaks)
        self.refresh()

    def header(self) -> str:
        return (
            f"    {fit('when', 8)} {fit('head', 8)} "
            f"{fit('commits', 7, right=True)} {fit('tokens', 7, right=True)} "
            f"{fit('cache', 10)} {fit('counted by', 12)} purpose"
        )

    def row_key(self, row: RecordRow) -> str:
        return row.record_id

    def mark_of(self, row: RecordRow) -> str:
        for i, marked in enumerate(self.marks):
            if marked.record_id == row.record_id:
                return MARKS[i]
        return " "

    def render_row(self, row: RecordRow, index: int) -> list[Segment]:
        cache, look = break_cell(self.breaks.get(row.record_id))
        return [
            Segment(" "),
            Segment(fit(self.mark_of(row), 2), self.part("accent")),
            Segment(" "),
            Segment(fit(relative(row.created_at, self.now), 8), self.part("dim")),
            Segment(" "),
            Segment(fit(row.head_hash[:8] or "(empty)", 8), self.part("accent")),
            Segment(" "),
            Segment(fit(str(row.commit_count), 7, right=True)),
            Segment(" "),
            Segment(fit(f"{row.token_count:,}", 7, right=True)),
            Segment(" "),
            Segment(fit(cache, 10), self.part(look)),
            Segment(" "),
            Segment(fit(source_label(row.token_source), 12), self.part("dim")),
            Segment(" "),
            Segment(purpose_text(row, short=True)),
        ]

    def action_open(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(LensRequested(row.record_id))

    def action_commits(self) -> None:
        self.query_ancestor(RecordsPanel).detail.table.focus()

    def action_mark(self) -> None:
        row = self.selected
        if row is None:
            return
        kept = [m for m in self.marks if m.record_id != row.record_id]
        if len(kept) == len(self.marks):  # not marked yet: mark it (the oldest mark drops)
            kept = [*kept, row][-2:]
        self.marks = kept
        self.refresh()

    def action_diff(self) -> None:
        self.query_ancestor(RecordsPanel).open_diff()

    def action_export(self) -> None:
        row = self.selected
        if row is not None:
            self.post_message(ExportRequested(row.record_id, None))

    def action_chart_by(self) -> None:
        self.query_ancestor(RecordsPanel).chart.toggle_by()


class RecordCommits(DataTable[Text]):
    """The record's effective commits and where each came from; ``enter`` shows one in the
    graph."""

    # enter is the detail's jump here (to the commit in the graph), not the list's open
    BINDINGS = [*bindings_for("detail"), *bindings_for("list", skip=("list.open",))]

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.blames: dict[str, Blame] = {}

    def action_jump(self) -> None:
        if (selected := self._selected_hash()) is not None:
            self.post_message(JumpToCommit(selected))

    def action_back(self) -> None:
        self.query_ancestor(RecordsPanel).record_list.focus()

    def _selected_hash(self) -> str | None:
        if self.row_count and self.cursor_row >= 0:
            key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
            return key or None
        return None

    def action_pager(self) -> None:
        if (selected := self._selected_hash()) is not None:
            self.post_message(ContentRequested(selected, "pager"))

    def action_copy_content(self) -> None:
        if (selected := self._selected_hash()) is not None:
            self.post_message(ContentRequested(selected, "clipboard"))


class RecordDetail(VerticalScroll, WorkerEndings):
    class _View(Message):
        def __init__(self, record_id: str, view: RecordView, blames: Sequence[Blame]) -> None:
            super().__init__()
            self.record_id = record_id
            self.view = view
            self.blames = blames

    class _Reproduced(Message):
        def __init__(self, record_id: str, rep: Reproduction) -> None:
            super().__init__()
            self.record_id = record_id
            self.rep = rep

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self._asked: dict[Worker[Any], str] = {}  # a running worker → its record id
        self.row: RecordRow | None = None
        self._timer: Timer | None = None
        self.summary = Static(Text("No record selected", style="dim"), classes="record-summary")
        self.cache = Static(classes="record-cache")
        self.badge = Static(classes="record-badge")
        self.breakdown = Static(classes="record-breakdown")
        self.table = RecordCommits(cursor_type="row", zebra_stripes=False, id="record-commits")
        self.origin = Static(classes="record-origin")
        self.note = Static(classes="record-note")

    def compose(self) -> ComposeResult:
        yield self.summary
        yield self.cache
        yield self.badge
        yield self.breakdown
        yield self.table
        yield self.origin
        yield self.note

    def on_mount(self) -> None:
        self.table.add_columns("#", "hash", "type", "tokens", "from", "text")

    def show(self, row: RecordRow | None) -> None:
        self.row = row
        self.table.clear()
        self.table.blames = {}
        for part in (self.cache, self.badge, self.breakdown, self.origin, self.note):
            part.update("")
        if row is None:
            self.summary.update(Text("No record selected", style="dim"))
            return
        panel = self.query_ancestor(RecordsPanel)
        self.summary.update(render_summary(row, panel.list_now()))
        self.show_break(panel.record_list.breaks.get(row.record_id))
        self.badge.update(Text("… checking reproducibility", style="dim"))
        self.breakdown.update(Text("… loading", style="dim"))
        # Debounced: holding j over a hundred records must not start a hundred compiles
        # (a thread worker cannot be stopped once it runs; only the last selection counts).
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self._start(row.record_id))

    def show_break(self, cb: CacheBreak | None) -> None:
        self.cache.update(render_break(cb))

    def _start(self, record_id: str) -> None:
        self._timer = None
        if self.row is not None and self.row.record_id == record_id:
            self._asked[self._load(record_id)] = record_id
            self._asked[self._reproduce(record_id)] = record_id

    @work(thread=True, exclusive=True, group="record-view", exit_on_error=False)
    def _load(self, record_id: str) -> None:
        view = self.reader.record_view(record_id, TABLE_LIMIT)
        self.post_message(self._View(record_id, view, self.reader.blame(record_id, TABLE_LIMIT)))

    @work(thread=True, exclusive=True, group="record-reproduce", exit_on_error=False)
    def _reproduce(self, record_id: str) -> None:
        self.post_message(self._Reproduced(record_id, self.reader.reproduce(record_id)))

    def worker_ended(self, worker: Worker[Any]) -> None:
        self._asked.pop(worker, None)

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Reads only: say why in place and carry on (no toast)."""
        record_id = self._asked.get(worker)
        if record_id is None or self.row is None or record_id != self.row.record_id:
            return
        if worker.group == "record-view":
            self.breakdown.update(Text(f"Cannot read: {failed.because}", style="red"))
        else:
            self.badge.update(Text(f"? cannot reproduce: {failed.because}", style="yellow"))

    def on_record_detail__view(self, message: _View) -> None:
        if self.row is None or message.record_id != self.row.record_id:
            return
        view = message.view
        self.breakdown.update(render_breakdown(view.breakdown))
        self.table.clear()
        blames = {b.commit_hash: b for b in message.blames}
        self.table.blames = blames
        for c in view.commits:
            tokens = "—" if c.tokens is None else f"{c.tokens:,}"
            self.table.add_row(
                Text(str(c.position), style="dim"),
                Text(c.commit_hash[:8], style="yellow"),
                Text(display_line(c.badge)),
                Text(tokens, justify="right"),
                Text(blame_label(blames.get(c.commit_hash)), style="cyan"),
                Text(c.text, style="" if c.in_recompile else "dim"),
                key=c.commit_hash,
            )
        self.note.update(Text(view.note, style="dim") if view.note else "")

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        """The highlighted message's origin in full, under the table."""
        key = message.row_key.value
        blame = self.table.blames.get(key) if key else None
        if key is None or blame is None:
            self.origin.update("")
            return
        out = Text()
        out.append(f"{key[:8]} ", style="yellow")
        out.append(display_line(blame.text), style="cyan")
        self.origin.update(out)

    def on_record_detail__reproduced(self, message: _Reproduced) -> None:
        if self.row is None or message.record_id != self.row.record_id:
            return
        self.badge.update(render_badge(message.rep))


class RecordsPanel(Horizontal):
    SCOPED_CSS = False
    DEFAULT_CSS = """
    RecordsPanel > #records-left { width: 3fr; }
    RecordsPanel RecordList { height: 1fr; }
    RecordsPanel > RecordDetail { width: 2fr; border-left: tall $panel; padding: 0 1; }
    /* Reading the record's commits: their texts get the room the list had. */
    RecordsPanel > RecordDetail:focus-within { width: 9fr; }
    RecordsPanel .record-summary, RecordsPanel .record-badge, RecordsPanel .record-note,
    RecordsPanel .record-breakdown, RecordsPanel .record-cache,
    RecordsPanel .record-origin { height: auto; }
    RecordsPanel .record-badge, RecordsPanel .record-breakdown { margin-top: 1; }
    RecordsPanel .record-summary, RecordsPanel .record-breakdown { text-wrap: nowrap;
        text-overflow: ellipsis; }
    RecordsPanel RecordCommits { height: 1fr; min-height: 8; margin-top: 1; }
    MainScreen.narrow RecordsPanel > #records-left { width: 1fr; height: 3fr; }
    MainScreen.narrow RecordsPanel TokenChart { display: none; }
    MainScreen.narrow RecordsPanel > RecordDetail { width: 1fr; height: 2fr; border-left: none;
        border-top: tall $panel; }
    """

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.record_list = RecordList(reader, id="record-list")
        self.chart = TokenChart(reader, id="token-chart")
        self.detail = RecordDetail(reader, id="record-detail")

    def compose(self) -> ComposeResult:
        with Vertical(id="records-left"):
            yield self.chart
            yield self.record_list
        yield self.detail

    def on_mount(self) -> None:
        self.record_list.reload()
        self.chart.reload()

    def reload(self, *, prepended: int = 0) -> None:
        self.record_list.reload(prepended=prepended)
        self.chart.reload()

    def select_record(self, record_id: str) -> None:
        self.record_list.select_key(record_id)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Our list, focused on purpose (on_show), may bring its tab forward; the detail pane,
        # handed the focus because a tab switch hid the list, must not.
        if event.widget is not self.record_list and pane_hidden(self):
            event.stop()

    def on_show(self) -> None:
        # Switching to this tab hands the keys to the list. After the refresh: the graph,
        # hidden by the switch, gives its focus away (to any focusable widget) meanwhile.
        self.call_after_refresh(self.record_list.focus)

    def list_now(self) -> datetime:
        return self.record_list.now

    def on_record_list_breaks_arrived(self, message: RecordList.BreaksArrived) -> None:
        message.stop()
        shown = self.detail.row
        if shown is not None and shown.record_id in message.breaks:
            self.detail.show_break(message.breaks[shown.record_id])

    def on_virtual_list_highlighted(self, message: VirtualList.Highlighted) -> None:
        message.stop()
        row, shown = message.row, self.detail.row
        self.chart.select(row.record_id if row is not None else None)
        if row is not None and shown is not None and row.record_id == shown.record_id:
            return  # records are immutable: a reload re-announcing it changes nothing
        self.detail.show(row)

    def diff_pair(self) -> tuple[RecordRow, RecordRow] | str:
        """The two records to diff, older first, or why there are none."""
        records = self.record_list
        marks = records.marks
        selected = records.selected
        if len(marks) == 2:
            pair = (marks[0], marks[1])
        elif len(marks) == 1:
            if selected is None or selected.record_id == marks[0].record_id:
                return "Mark a second record with space (or move to another one)"
            pair = (marks[0], selected)
        else:
            if selected is None:
                return "No record selected"
            before = records.row_at(records.cursor + 1)
            if before is None:
                return "No earlier record to compare with: mark two records with space"
            pair = (before, selected)
        a, b = sorted(pair, key=lambda r: (r.created_at, r.record_id))
        return a, b

    def open_diff(self) -> None:
        pair = self.diff_pair()
        if isinstance(pair, str):
            self.notify(pair, markup=False)
            return
        self.post_message(CompileDiffRequested(*pair))
