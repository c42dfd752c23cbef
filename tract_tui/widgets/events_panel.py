"""The operation-event panel: every compress / reorganize / import / revert, newest first.

The list is a paged Line API view (thousands of events cost one page). The detail pane shows
an event's sources and results side by side — sources are the originals it consumed, kept
but unreachable — plus its parameters. Selecting an event highlights both sets in the graph;
``enter`` jumps to the first result, ``o`` to the first source, ``r`` reverts (after asking,
because it moves a branch). Stored text is data: only ``Text`` built from safe strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker

from core.read import StoreReader
from core.views.events import EventRow
from core.views.graph_rows import RowInfo
from core.views.text import display_line, first_line, fit
from tract_tui.actions import bindings_for
from tract_tui.failures import Failure
from tract_tui.timefmt import absolute, relative, short_absolute
from tract_tui.widgets.graph_style import format_tokens
from tract_tui.widgets.messages import HighlightCommits, JumpToCommit, RevertRequested
from tract_tui.widgets.virtual_list import VirtualList, pane_hidden
from tract_tui.workers import WorkerEndings

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import CompactionLoss, RevertResult

SHOWN_COMMITS = 100  # per side; an event of 5,000 sources shows the first 100 and a count
DEBOUNCE = 0.08  # seconds the cursor rests on an event before its commits are fetched


def count(n: int) -> str:
    return str(n) if n < 100_000 else format_tokens(n)


def tokens_text(row: EventRow) -> str:
    """``1727 → 90 (5%)``; a dash when the event moved no tokens (an import)."""
    if not row.tokens_before and not row.tokens_after:
        return "—"
    if not row.tokens_before:
        return f"0 → {count(row.tokens_after)}"
    pct = row.ratio * 100
    share = "<1%" if 0 < pct < 0.5 else f"{pct:.0f}%"
    return f"{count(row.tokens_before)} → {count(row.tokens_after)} ({share})"


def by_text(row: EventRow) -> str:
    parts = [p for p in (row.summarizer, row.model) if p]
    return display_line("/".join(parts)) if parts else "—"


def commit_text(info: RowInfo | None) -> str:
    """A commit's first line without the ``<type>: `` prefix its default message carries."""
    if info is None:
        return ""
    return first_line(info.headline, 300)


def lost_cell(row: EventRow, loss: CompactionLoss | None, asked: bool) -> str:
    """The events list's ``lost`` column: identifiers the compaction's summaries dropped."""
    if row.event_type != "compress" or not row.sources:
        return "—"
    if loss is None:
        return "…" if not asked else "?"
    return str(loss.count)


class EventList(VirtualList[EventRow]):
    BINDINGS = bindings_for("events")
    empty_text = "No operation events yet (compress a range with z in the graph)"

    class LossesArrived(Message):
        """What a page's compactions lost (worked out after the page is shown)."""

        def __init__(self, losses: dict[str, CompactionLoss], asked: list[str]) -> None:
            super().__init__()
            self.losses = losses
            self.asked = asked

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        # Per compress event; events never change, so kept across reloads.
        self.losses: dict[str, CompactionLoss] = {}
        self.asked: set[str] = set()  # worked out (a compress without texts has no entry)

    def fetch(self, offset: int, limit: int) -> tuple[Sequence[EventRow], int]:
        page = self.reader.events_page(offset, limit)
        return page.rows, page.total

    def page_arrived(self, offset: int, rows: Sequence[EventRow]) -> None:
        wanted = [
            r.event_id
            for r in rows
            if r.event_type == "compress" and r.sources and r.event_id not in self.asked
        ]
        if wanted:
            self._fetch_losses(wanted)

    @work(thread=True, group="event-losses", exit_on_error=False)
    def _fetch_losses(self, event_ids: list[str]) -> None:
        self.post_message(self.LossesArrived(self.reader.compaction_losses(event_ids), event_ids))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """The lost column is a nicety: it stays at "…" (the log has why)."""
        if worker.group != "event-losses":
            super().worker_failed(worker, failed)

    def on_event_list_losses_arrived(self, message: LossesArrived) -> None:
        self.losses.update(message.losses)
        self.asked.update(message.asked)
        self.refresh()

    def header(self) -> str:
        return (
            f" {fit('type', 10)} {fit('when', 8)} {fit('time (UTC)', 11)} "
            f"{fit('branch', 9)} {fit('tokens', 16)} {fit('lost', 4, right=True)} by"
        )

    def row_key(self, row: EventRow) -> str:
        return row.event_id

    def render_row(self, row: EventRow, index: int) -> list[Segment]:
        now = self.now
        lost = lost_cell(row, self.losses.get(row.event_id), row.event_id in self.asked)
        return [
            Segment(" "),
            Segment(fit(display_line(row.event_type), 10), self.part("accent")),
            Segment(" "),
            Segment(fit(relative(row.created_at, now), 8), self.part("dim")),
            Segment(" "),
            Segment(fit(short_absolute(row.created_at), 11), self.part("dim")),
            Segment(" "),
            Segment(fit(display_line(row.branch or "—"), 9), self.part("good")),
            Segment(" "),
            Segment(fit(tokens_text(row), 16)),
            Segment(" "),
            Segment(
                fit(lost, 4, right=True),
                self.part("bad" if lost.isdigit() and lost != "0" else "dim"),
            ),
            Segment(" "),
            Segment(by_text(row), self.part("dim")),
        ]

    def _panel(self) -> EventsPanel:
        return self.query_ancestor(EventsPanel)

    def action_open(self) -> None:
        self._panel().jump(results=True)

    def action_jump_sources(self) -> None:
        self._panel().jump(results=False)

    def action_revert(self) -> None:
        self._panel().revert()


class EventDetail(VerticalScroll, WorkerEndings, can_focus=True):
    """One event: what it is, its sources and results side by side, its parameters."""

    BINDINGS = [*bindings_for("detail"), *bindings_for("scroll")]

    class _Commits(Message):
        def __init__(self, event_id: str, infos: dict[str, RowInfo], refusal: str | None) -> None:
            super().__init__()
            self.event_id = event_id
            self.infos = infos
            self.refusal = refusal  # why it cannot be reverted now (None: it can)

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.row: EventRow | None = None
        self.loaded: str | None = None  # the event whose commit details are shown
        self._timer: Timer | None = None
        self.head = Static(Text("No event selected", style="dim"), classes="event-head")
        self.sources = Static(classes="event-side")
        self.results = Static(classes="event-side")
        self.lost = Static(classes="event-lost")
        self.params = Static(classes="event-params")

    def compose(self) -> ComposeResult:
        yield self.head
        yield self.lost
        with Horizontal(classes="event-sides"):
            yield self.sources
            yield self.results
        yield self.params

    def show_loss(self, row: EventRow, loss: CompactionLoss | None, asked: bool) -> None:
        self.lost.update(render_lost(row, loss, asked))

    def show(self, row: EventRow | None) -> None:
        self.row = row
        if row is None:
            self.head.update(Text("No event selected", style="dim"))
            for part in (self.sources, self.results, self.params, self.lost):
                part.update("")
            return
        events = self.query_ancestor(EventsPanel).event_list
        self.head.update(render_head(row, events.now))
        self.show_loss(row, events.losses.get(row.event_id), row.event_id in events.asked)
        self.params.update(render_params(row))
        self.sources.update(render_side(row, "sources", None))
        self.results.update(render_side(row, "results", None))
        self.scroll_home(animate=False)
        # Debounced: holding j over many events starts one fetch, for where it stops.
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, lambda: self._start(row))

    def _start(self, row: EventRow) -> None:
        self._timer = None
        if self.row is row:
            self._load(row)

    @work(thread=True, exclusive=True, group="event-commits", exit_on_error=False)
    def _load(self, row: EventRow) -> None:
        wanted = [*row.sources[:SHOWN_COMMITS], *row.results[:SHOWN_COMMITS]]
        infos = self.reader.row_details(wanted)
        refusal = self.reader.revert_refusal(row.event_id)
        self.post_message(self._Commits(row.event_id, infos, refusal))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """The columns keep their hashes; details are a nicety (the log has why)."""
        if worker.group != "event-commits":
            super().worker_failed(worker, failed)

    def on_event_detail__commits(self, message: _Commits) -> None:
        if self.row is None or message.event_id != self.row.event_id:
            return
        self.sources.update(render_side(self.row, "sources", message.infos))
        self.results.update(render_side(self.row, "results", message.infos))
        self.params.update(render_params(self.row, message.refusal))
        self.loaded = message.event_id

    def action_jump(self) -> None:
        self.query_ancestor(EventsPanel).jump(results=True)

    def action_back(self) -> None:
        self.query_ancestor(EventsPanel).event_list.focus()


def render_head(row: EventRow, now: datetime) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(display_line(row.event_type), style="bold")
    out.append(f" {row.event_id[:12]}", style="yellow")
    if row.branch:
        out.append(" on ")
        out.append(display_line(row.branch), style="bold green")
    out.append(f"\n{absolute(row.created_at)} UTC ({relative(row.created_at, now)})", style="dim")
    out.append(f"\ntokens {tokens_text(row)}  by {by_text(row)}")
    return out


LOST_SHOWN = 40  # identifiers listed in the detail; the rest are counted


def render_lost(row: EventRow, loss: CompactionLoss | None, asked: bool) -> Text:
    """What a compaction lost: identifiers in its sources that no summary mentions."""
    out = Text()
    if row.event_type != "compress" or not row.sources:
        return out
    if loss is None:
        out.append("Lost: … working it out" if not asked else "Lost: no texts to compare")
        out.stylize("dim")
        return out
    out.append(f"Lost in the summary: {loss.count} of {loss.found} identifiers", style="bold")
    if loss.missing_texts:
        out.append(f" ({loss.missing_texts} texts no longer stored)", style="dim")
    if not loss.found:
        none = "its sources name no file, URL, number with a unit, error or code name"
        out.append(f"\n{none}", style="dim")
    elif not loss.lost:
        out.append("\nnothing: every identifier of the sources is in the summary", style="dim")
    for ident in loss.lost[:LOST_SHOWN]:
        out.append(f"\n  {fit(display_line(ident.kind), 9)} ", style="dim")
        out.append(display_line(ident.value), style="magenta")
    if len(loss.lost) > LOST_SHOWN:
        out.append(f"\n  … and {len(loss.lost) - LOST_SHOWN} more (tract-tui events --json)")
    return out


# What a listed commit is to the event: the graph's markers (Σ only for a real summary).
RESULT_MARKS = {"compress": "Σ", "reorganize": "≈", "revert": "↺"}


def side_mark(row: EventRow, side: str) -> str:
    """``◌`` a consumed source; a result: ``Σ`` summary, ``≈`` rebased copy, ``↺`` restored."""
    if side == "sources":
        return "◌"
    return RESULT_MARKS.get(row.event_type, "●")


def render_side(row: EventRow, side: str, infos: dict[str, RowInfo] | None) -> Text:
    hashes = row.sources if side == "sources" else row.results
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(
        f"{side.capitalize()} ({len(hashes)})\n",
        style="bold red" if side == "sources" else "bold green",
    )
    if side == "sources" and row.event_type == "compress":
        out.append("unreachable originals\n", style="dim")
    elif side == "results" and row.event_type == "compress":
        out.append("on the branch\n", style="dim")
    if not hashes:
        out.append("none\n", style="dim")
    for h in hashes[:SHOWN_COMMITS]:
        info = None if infos is None else infos.get(h)
        out.append(f"{side_mark(row, side)} {h[:8]}", style="yellow")
        if infos is None:
            out.append(" …\n", style="dim")
            continue
        if info is None:
            out.append(" (no longer stored)\n", style="dim")
            continue
        # Tokens before the badge: a narrow column cuts the badge, never the figure.
        tokens = format_tokens(info.token_count)
        out.append(f" {tokens:>4} {display_line(info.badge)}\n", style="dim")
        out.append("  " + commit_text(info) + "\n")
    if len(hashes) > SHOWN_COMMITS:
        out.append(f"… and {len(hashes) - SHOWN_COMMITS} more\n", style="dim")
    return out


def render_params(row: EventRow, refusal: str | bool | None = False) -> Text:
    """The event's parameters and whether ``r`` can revert it (``refusal``: the core's
    reason it cannot, None: it can, False: not known yet)."""
    params = row.params or {}
    out = Text()
    out.append("Parameters\n", style="bold")
    if row.params is None:
        out.append("written by tract-ai: no parameters recorded\n", style="dim")
        return _revert_line(out, refusal)
    lines: list[tuple[str, str]] = []
    for key in ("target_tokens", "instructions"):
        if key in params:
            lines.append((key, "—" if params[key] is None else display_line(params[key])))
    if "head_before" in params or "head_after" in params:
        before = str(params.get("head_before") or "nothing")[:8]
        after = str(params.get("head_after") or "nothing")[:8]
        lines.append(("head", f"{before} → {after}"))
    for key in ("replayed", "preserved", "dropped"):
        value = params.get(key)
        if isinstance(value, dict | list):
            lines.append((key, str(len(value))))
    for key in ("reverted_event", "reverted_type", "prompt_version", "token_basis"):
        if params.get(key):
            lines.append((key, display_line(params[key])))
    for key, value in lines:
        out.append(f"{key:<15}", style="dim")
        out.append(value + "\n")
    return _revert_line(out, refusal)


def _revert_line(out: Text, refusal: str | bool | None) -> Text:
    if isinstance(refusal, str):
        out.append(f"{'revert':<15}", style="dim")
        out.append(f"cannot be reverted: {display_line(refusal)}\n", style="yellow")
    elif refusal is None:
        out.append(f"{'revert':<15}", style="dim")
        out.append("r reverts it (after asking)\n")
    return out


class EventsPanel(Horizontal, WorkerEndings):
    """List + detail; owns the jump and revert behaviour for both."""

    SCOPED_CSS = False
    DEFAULT_CSS = """
    EventsPanel > EventList { width: 3fr; }
    EventsPanel > EventDetail { width: 2fr; border-left: tall $panel; padding: 0 1; }
    EventsPanel .event-sides { height: auto; margin: 1 0; }
    EventsPanel .event-side { width: 1fr; height: auto; padding-right: 1; }
    EventsPanel .event-head, EventsPanel .event-params { height: auto; }
    EventsPanel .event-lost { height: auto; margin-top: 1; }
    EventsPanel .event-side, EventsPanel .event-head { text-wrap: nowrap; text-overflow: ellipsis; }
    MainScreen.narrow EventsPanel > EventList { width: 1fr; height: 3fr; }
    MainScreen.narrow EventsPanel > EventDetail { width: 1fr; height: 2fr; border-left: none;
        border-top: tall $panel; }
    """

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.event_list = EventList(reader, id="event-list")
        self._jumping = False  # a jump to the graph keeps the highlights (on_hide)
        self.detail = EventDetail(reader, id="event-detail")

    def compose(self) -> ComposeResult:
        yield self.event_list
        yield self.detail

    def on_mount(self) -> None:
        self.event_list.reload()

    def reload(self, *, prepended: int = 0) -> None:
        self.event_list.reload(prepended=prepended)

    def select_event(self, event_id: str) -> None:
        self.event_list.select_key(event_id)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Our list, focused on purpose (on_show), may bring its tab forward; the detail pane,
        # handed the focus because a tab switch hid the list, must not.
        if event.widget is not self.event_list and pane_hidden(self):
            event.stop()

    def on_show(self) -> None:
        # Switching to this tab hands the keys to the list. After the refresh: the graph,
        # hidden by the switch, gives its focus away (to any focusable widget) meanwhile.
        self.call_after_refresh(self.event_list.focus)
        self._highlight(self.event_list.selected)

    def on_event_list_losses_arrived(self, message: EventList.LossesArrived) -> None:
        message.stop()
        row = self.detail.row
        if row is not None and row.event_id in message.asked:
            self.detail.show_loss(row, message.losses.get(row.event_id), True)

    def on_virtual_list_highlighted(self, message: VirtualList.Highlighted) -> None:
        message.stop()
        row: EventRow | None = message.row
        self.detail.show(row)
        if not pane_hidden(self):  # only what the user selects, not the first row at start
            self._highlight(row)

    def _highlight(self, row: EventRow | None) -> None:
        sources = frozenset(row.sources) if row else frozenset()
        results = frozenset(row.results) if row else frozenset()
        label = f"{display_line(row.event_type)} {row.event_id[:8]}" if row else ""
        self.post_message(HighlightCommits(sources, results, label))

    def on_hide(self) -> None:
        # Leaving the events view clears its highlights in the graph, unless the user jumped
        # there from the event (enter / o): then they show where its commits are, with a
        # legend, until escape.
        if self._jumping:
            self._jumping = False
        else:
            self.post_message(HighlightCommits(frozenset(), frozenset()))

    # -- jumps ------------------------------------------------------------------------------

    def jump(self, *, results: bool) -> None:
        row = self.event_list.selected
        if row is None:
            return
        hashes = row.results if results else row.sources
        if not hashes:
            self.notify(f"This event has no {'results' if results else 'sources'}", markup=False)
            return
        # Sources of a compress are unreachable originals: the graph must show those.
        self._jumping = True
        self.post_message(JumpToCommit(hashes[0], unreachable=not results))

    # -- revert -----------------------------------------------------------------------------

    def revert(self) -> None:
        """Decided before asking: the core's check runs first; a refusal is said, not asked."""
        row = self.event_list.selected
        if row is not None:
            self._check_revert(row)

    @work(thread=True, exclusive=True, group="revert-check", exit_on_error=False)
    def _check_revert(self, row: EventRow) -> None:
        refusal = self.event_list.reader.revert_refusal(row.event_id)
        self.app.call_from_thread(self._ask_revert, row, refusal)

    def _ask_revert(self, row: EventRow, refusal: str | None) -> None:
        if refusal is not None:
            self.notify(f"Cannot revert: {refusal}", severity="warning", timeout=8, markup=False)
            return
        params = row.params or {}
        branch = display_line(row.branch or "?")
        back = str(params.get("head_before") or "")[:8] or "nothing"
        kept = "summary" if row.event_type == "compress" else "rewritten"
        title = f"Revert {display_line(row.event_type)} {row.event_id[:8]}… on {branch}?"
        body = (
            f"The branch moves back to {back}…; the {kept} commits stay stored "
            "(unreachable, and linked from this event)."
        )
        self.post_message(RevertRequested(row.event_id, (title, body)))

    def reverted(self, r: RevertResult) -> None:
        """The screen reverted the event: say where the branch is, show the new event."""
        head = r.head[:8] if r.head else "no commit"
        branch = display_line(r.branch)
        self.notify(f"Reverted {r.reverted_event[:8]}: {branch} is back at {head}", markup=False)
        self.event_list.move_to(0)
        self.reload()
