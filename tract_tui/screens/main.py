"""The main screen: the graph, the operation events and the compile records, each with a
detail pane, as tabs (keys 1/2/3). Below 100 columns the detail pane moves under the list.

The widgets post what the user asked for (``CompressRequested``, ``PriorityRequested``, …);
this screen carries it out: reads and writes run in thread workers (writes through
``Session.write``), the result comes back on the UI thread, and a failure is one sentence
(``tract_tui.workers``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.lazy import Lazy
from textual.widget import AwaitMount, Widget
from textual.widgets import TabbedContent, TabPane, Tabs
from textual.worker import Worker

from core.models.compiled import CompiledContext
from core.read import Fingerprint
from core.views.graph import GraphMode
from core.views.health import QuickCheck
from core.views.text import display_line
from tract_tui.jumps import JumpHistory, Place
from tract_tui.live import LiveUpdater
from tract_tui.screens.confirm import ConfirmScreen
from tract_tui.screens.main_content import ContentHandlers
from tract_tui.screens.main_explain import ExplainHandlers
from tract_tui.screens.main_jumps import JumpHandlers
from tract_tui.screens.main_writes import WriteHandlers
from tract_tui.session import Session
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.event_legend import EventLegend
from tract_tui.widgets.events_panel import EventsPanel
from tract_tui.widgets.footer import KeyFooter
from tract_tui.widgets.graph_lens import LensBar
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.messages import (
    CompileDiffRequested,
    CompileRequested,
    CompressRequested,
    GotoRequested,
    HighlightCommits,
    JumpToCommit,
    OpenEvent,
    OpenRecord,
    RevertRequested,
    SearchCloseRequested,
    SearchRequested,
)
from tract_tui.widgets.records_panel import RecordsPanel
from tract_tui.widgets.search_bar import SearchBar
from tract_tui.widgets.status_bar import StatusBar
from tract_tui.workers import WorkerEndings

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import CompressResult, RevertResult

T = TypeVar("T")
W = TypeVar("W", bound=Widget)
NARROW = 100
VIEW_LISTS = {"graph": "GraphView", "events": "#event-list", "records": "#record-list"}


class MainScreen(WriteHandlers, ExplainHandlers, ContentHandlers, JumpHandlers, WorkerEndings):
    DEFAULT_CSS = """
    MainScreen TabbedContent { height: 1fr; }
    MainScreen TabPane { padding: 0; }
    MainScreen .split { height: 1fr; }
    MainScreen .split > GraphView { width: 3fr; }
    MainScreen .split > DetailPane { width: 2fr; }
    MainScreen.narrow .split { layout: vertical; }
    MainScreen.narrow .split > GraphView { width: 1fr; height: 3fr; }
    MainScreen.narrow .split > DetailPane { width: 1fr; height: 2fr; border-left: none;
        border-top: tall $panel; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.jumps = JumpHistory()
        self.session = session
        self.reader = session.reader
        self.live: LiveUpdater | None = None
        self._busy: set[Worker[Any]] = set()  # running tasks that show an activity
        self._search_query = ""

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with TabbedContent(id="views", initial="graph"):
            with TabPane("Graph", id="graph"):
                with Horizontal(classes="split"):
                    yield GraphView(self.reader, id="graph-view")
                    yield DetailPane(self.reader, id="graph-detail")
                yield LensBar(id="lens-bar")
                yield EventLegend(id="event-legend")
                yield SearchBar(self.reader, id="search-bar")
            # Hidden at start: mounted after the first frame, which they would only delay.
            with TabPane("Events", id="events"):
                yield Lazy(EventsPanel(self.reader, id="events-panel", classes="split"))
            with TabPane("Records", id="records"):
                yield Lazy(RecordsPanel(self.reader, id="records-panel", classes="split"))
        yield KeyFooter()

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def graph(self) -> GraphView:
        return self.query_one(GraphView)

    def panel(self, kind: type[W]) -> W | None:
        """The events or records panel, once its lazy tab has mounted it."""
        return next(iter(self.query(kind)), None)

    def set_activity(self, text: str) -> None:
        self.query_one(StatusBar).activity = text

    def run_store_task(
        self, job: Callable[[], T], done: Callable[[T], None], *, group: str, activity: str = ""
    ) -> None:
        """Run ``job`` in a thread worker and ``done(result)`` on the UI thread. A failure is
        reported by ``worker_failed`` (every core operation is one transaction: the store is
        left as it was)."""

        def run() -> None:
            result = job()
            self.app.call_from_thread(done, result)

        worker = self.run_worker(run, thread=True, group=group, exit_on_error=False, name=group)
        if activity:
            self.set_activity(activity)
            self._busy.add(worker)

    def worker_ended(self, worker: Worker[Any]) -> None:
        if worker in self._busy:
            self._busy.discard(worker)
            self.set_activity("")

    # -- start, size, live updates ----------------------------------------------------------

    def on_mount(self) -> None:
        self.query_one(StatusBar).store = self.reader.display
        self.graph.focus()
        # The position counter follows the cursor in the same frame as the graph: through the
        # Selected message it would land a moment later, in a frame of its own, and the next
        # key's frame would then wait for Textual's frame interval (~17 ms).
        self.watch(self.graph, "cursor", self._show_position, init=False)
        self.graph.reload()
        interval = float(getattr(self.app, "poll_interval", 0.5))
        self.live = LiveUpdater(self.app, self.reader, interval, self.store_changed)
        self.live.start(self)
        # After the first frame: the check is a read the first rows need not wait behind.
        self.call_after_refresh(
            self.run_store_task, self.reader.quick_check, self._checked, group="quick-check"
        )

    def _checked(self, check: QuickCheck) -> None:
        """Say what the graph cannot show (a damaged store still opens; verify names it)."""
        if not check.ok:
            self.query_one(StatusBar).problems = "damaged: run tract-tui verify"
            self.notify(check.summary(), severity="warning", timeout=15, markup=False)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "narrow")
        self.query_one(KeyFooter).compact = self.size.width < NARROW  # more keys fit at 80 columns

    def reload_all(self) -> None:
        self.graph.reload()
        for panel in (self.panel(EventsPanel), self.panel(RecordsPanel)):
            if panel is not None:
                panel.reload()

    def store_changed(self, old: Fingerprint, new: Fingerprint) -> None:
        """Another process (or this one) wrote: reload what changed, keeping the selection."""
        deleted = new.annotations < old.annotations or new.events < old.events
        if deleted:
            self.graph.reload()  # rows were deleted (a GC): rescan
        elif (old.refs, old.newest, old.annotations, old.events) != (
            new.refs,
            new.newest,
            new.annotations,
            new.events,
        ):  # what was written on top, else a rescan
            self.graph.live_update(
                annotations_after=old.annotations if new.annotations != old.annotations else None,
                all_details=new.events != old.events,
            )
        # Events and records are listed newest first: new ones come on top (the selection
        # stays on its row); fewer than before means some were deleted: read the page again.
        if old.events != new.events and (events := self.panel(EventsPanel)) is not None:
            events.reload(prepended=max(0, new.events - old.events))
        if old.records != new.records and (records := self.panel(RecordsPanel)) is not None:
            records.reload(prepended=max(0, new.records - old.records))
        if (old.annotations, old.events, old.records) != (
            new.annotations,
            new.events,
            new.records,
        ):
            detail = self.query_one("#graph-detail", DetailPane)
            if detail.commit_hash is not None:
                detail.show(detail.commit_hash)

    def _show_position(self) -> None:
        graph = self.graph
        total = len(graph.model)
        more = "" if graph.model.complete else "+"
        rows = f"{graph.cursor + 1 if total else 0}/{total}{more} commits"
        self.query_one(StatusBar).rows = rows

    # -- views ------------------------------------------------------------------------------

    def show_view(self, name: str) -> None:
        tabbed = self.query_one(TabbedContent)
        tabbed.active = name
        focused = self.focused
        pane = self.query_one(f"#{name}")
        if focused is not None and pane in focused.ancestors_with_self:
            return
        # Hand the keys over now, synchronously: focus left in the hidden pane would be moved by
        # Textual (when the pane's Hide arrives) to a widget of its choosing, and a focus inside
        # a tab switches the tab back to it (TabPane.Focused). A lazy panel not mounted yet gets
        # the keys from its own on_show; until then they wait on the tab strip, which no switch
        # hides.
        for target in self.query(f"#{name} {VIEW_LISTS[name]}"):
            if target.focusable:
                self.set_focus(target)
                return
        self.set_focus(tabbed.query_one(Tabs))

    def focus_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    def on_graph_view_selected(self, message: GraphView.Selected) -> None:
        detail = self.query_one("#graph-detail", DetailPane)
        # A reload re-announces the same commit: shown again only when its links changed.
        if message.commit_hash != detail.commit_hash or message.changed:
            detail.show(message.commit_hash)
        graph = self.graph
        status = self.query_one(StatusBar)
        if graph.refs is not None:
            status.branch, status.head = graph.refs.branch, graph.refs.head
            status.detached = graph.refs.detached
        self._show_position()
        if graph.matches:
            self._update_search_status()

    @on(HighlightCommits)
    def highlight(self, message: HighlightCommits) -> None:
        graph = self.graph
        graph.highlight_sources = message.sources
        graph.highlight_results = message.results
        graph.refresh()
        legend = self.query_one(EventLegend)
        legend.show_event(message.label, len(message.sources), len(message.results))

    @on(JumpToCommit)
    def jump_to_commit(self, message: JumpToCommit) -> None:
        self.left_place()
        graph = self.graph
        self.show_view("graph")
        graph.focus()
        if message.unreachable and not graph.mode.show_unreachable:
            # Compression sources are unreachable: show those, then select it once rescanned.
            graph.mode = GraphMode(show_unreachable=True, first_parent=False)
            self.notify("Showing unreachable commits (compression sources)", timeout=3)
            graph.reload(keep=message.commit_hash)
        else:
            graph.goto_hash(message.commit_hash)

    @on(OpenEvent)
    def open_event(self, message: OpenEvent) -> None:
        self.left_place()
        self.open_event_tab(message.event_id)

    @on(OpenRecord)
    def open_record(self, message: OpenRecord) -> None:
        self.left_place()
        self.show_record(message.record_id)

    def show_record(self, record_id: str) -> None:
        """Switch to the records tab and select the record (mounting the lazy panel first)."""
        self.show_view("records")

        def select() -> None:
            if (records := self.panel(RecordsPanel)) is not None:
                records.select_record(record_id)

        if self.panel(RecordsPanel) is not None:
            select()
        else:
            self.call_after_refresh(select)

    def go_to_place(self, place: Place) -> None:
        """Back or forward in the jump history (JumpHandlers)."""
        if place.view == "events":
            self.open_event_tab(place.key)
        elif place.view == "records":
            self.show_record(place.key)
        else:
            self.show_view("graph")
            self.graph.focus()
            self.graph.goto_hash(place.key)

    def show_event(self, event_id: str) -> None:
        """Select the event in the events panel (without switching tabs)."""
        if (events := self.panel(EventsPanel)) is not None:
            events.select_event(event_id)

    def open_event_tab(self, event_id: str) -> None:
        """Show the events view with ``event_id`` selected (mounting the lazy panel first)."""
        self.show_view("events")

        def select() -> None:
            if (events := self.panel(EventsPanel)) is not None:
                events.select_event(event_id)
                if self.focused is not events.event_list:
                    events.event_list.focus()

        self.call_after_refresh(select)

    # -- compile ----------------------------------------------------------------------------

    @on(CompileRequested)
    def compile_requested(self, message: CompileRequested) -> None:
        self.compile_at(message.at)

    def compile_at(self, at: str | None) -> None:
        self.guarded(
            "Record a compile",
            lambda: self.run_store_task(
                lambda: self.session.write(lambda t: t.compile(at=at, record=True, reason="tui")),
                self._compiled,
                group="compile",
                activity=f"compiling {at[:8] if at else 'HEAD'}…",
            ),
        )

    def _compiled(self, compiled: CompiledContext) -> None:
        record = compiled.record_id or ""
        self.notify(
            f"Recorded compile {record[:8]}: {compiled.token_count:,} tokens, "
            f"{compiled.commit_count} commits"
        )
        self.show_record(record)

    # -- compress and revert ----------------------------------------------------------------

    @on(CompressRequested)
    def open_compress(self, message: CompressRequested) -> None:
        from tract_tui.screens.compress import CompressScreen

        screen = CompressScreen(
            self.session, message.from_ref, message.to_ref, activity=self.set_activity
        )
        self.guarded("Compress", lambda: self._push(screen, self._compressed))

    def _push(self, screen: Any, then: Callable[[Any], None]) -> None:
        self.app.push_screen(screen, then)

    def _compressed(self, result: CompressResult | None) -> None:
        if result is None:
            return
        graph = self.graph
        graph.mark = None
        graph.reload(keep=result.summaries[0] if result.summaries else result.new_head)
        self.show_view("graph")
        graph.focus()
        self.notify(
            f"Compressed: {result.original_tokens:,} → {result.compressed_tokens:,} tokens "
            f"in {len(result.summaries)} summar{'y' if len(result.summaries) == 1 else 'ies'} "
            f"(event {result.event_id[:8]})"
        )
        if result.retention_missed:
            missed = ", ".join(display_line(repr(p)) for p in result.retention_missed)
            self.notify(
                f"The summaries miss retention patterns of IMPORTANT commits: {missed}",
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.show_event(result.event_id)

    @on(RevertRequested)
    def revert(self, message: RevertRequested) -> None:
        event_id = message.event_id
        if message.question is not None:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._revert(event_id)

            title, body = message.question
            self.app.push_screen(ConfirmScreen(title, body, yes="Revert"), answered)
        else:  # nothing to confirm: the core refuses (and says why) without writing
            self._revert(event_id)

    def _revert(self, event_id: str) -> None:
        def done(result: RevertResult) -> None:
            if (events := self.panel(EventsPanel)) is not None:
                events.reverted(result)
            self.graph.reload()

        self.guarded(
            "Revert",
            lambda: self.run_store_task(
                lambda: self.session.write(lambda t: t.revert(event_id)),
                done,
                group="event-revert",
                activity="reverting…",
            ),
        )

    @on(CompileDiffRequested)
    def open_compile_diff(self, message: CompileDiffRequested) -> None:
        from tract_tui.screens.compile_diff import CompileDiffScreen  # ~15 ms: on first use

        self.app.push_screen(CompileDiffScreen(self.reader, message.a, message.b))

    # -- annotations, branches, go to ------------------------------------------------------

    def open_branch_picker(self) -> None:
        from tract_tui.screens.branch_picker import BranchPickerScreen

        self.app.push_screen(BranchPickerScreen(self.reader), self._branch_chosen)

    def _branch_chosen(self, name: str | None) -> None:
        if name is None:
            return

        def done(head: str | None) -> None:
            self.graph.reload(keep=head)
            self.notify(f"Switched to {display_line(name)}", timeout=2, markup=False)

        self.guarded(
            "Switch branches",
            lambda: self.run_store_task(
                lambda: self.session.write(lambda t: t.switch(name)),
                done,
                group="switch",
                activity="switching…",
            ),
        )

    @on(GotoRequested)
    def open_goto(self) -> AwaitMount:
        """Push the dialog; awaiting the result lets keys typed after ``g`` reach it."""
        from tract_tui.screens.goto import GotoScreen

        return self.app.push_screen(GotoScreen(self.reader), self._goto)

    def _goto(self, commit_hash: str | None) -> None:
        if commit_hash is None:
            return
        self.left_place()
        self.show_view("graph")
        self.graph.focus()
        self.graph.goto_hash(commit_hash)

    # -- search -----------------------------------------------------------------------------

    @on(SearchRequested)
    def open_search(self) -> None:
        self.show_view("graph")
        self.query_one(SearchBar).open()

    @on(SearchCloseRequested)
    def close_search(self) -> None:
        self.query_one(SearchBar).action_close()

    def on_search_bar_matches(self, message: SearchBar.Matches) -> None:
        self._search_query = message.query
        self.graph.set_matches(message.hashes, filter_matches=message.filter_matches)
        self._update_search_status()

    def _update_search_status(self) -> None:
        graph = self.graph
        text = ""
        if graph.matches or self._search_query.strip():
            position, total = graph.match_position()
            text = f"{position}/{total} matches" if total else "no matches"
        self.query_one(StatusBar).matches = text
        self.query_one(SearchBar).set_result(text)

    def on_search_bar_submitted(self, message: SearchBar.Submitted) -> None:
        graph = self.graph
        graph.focus()
        if graph.cursor not in graph.match_rows():
            graph.action_next_match()

    def on_search_bar_closed(self, message: SearchBar.Closed) -> None:
        self._search_query = ""
        self.graph.set_matches(frozenset())
        self._update_search_status()
        self.graph.focus()
