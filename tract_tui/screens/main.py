"""The main screen: the graph, the operation events and the compile records, each with a
detail pane, as tabs (keys 1/2/3). Below 100 columns the detail pane moves under the list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.lazy import Lazy
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from core.views.health import QuickCheck
from tract_tui.gateway import StoreGateway
from tract_tui.screens.main_actions import MainActions
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.footer import KeyFooter
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.messages import (
    HighlightCommits,
    JumpToCommit,
    OpenEvent,
    OpenRecord,
    StoreChanged,
)
from tract_tui.widgets.search_bar import SearchBar
from tract_tui.widgets.status_bar import StatusBar

NARROW = 100
VIEW_LISTS = {"graph": "GraphView", "events": "#event-list", "records": "#record-list"}


class MainScreen(MainActions, Screen[None]):
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

    def __init__(self, gateway: StoreGateway) -> None:
        super().__init__()
        self.gateway = gateway

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with TabbedContent(id="views", initial="graph"):
            with TabPane("Graph", id="graph"):
                with Horizontal(classes="split"):
                    yield GraphView(self.gateway, id="graph-view")
                    yield DetailPane(self.gateway, id="graph-detail")
                yield SearchBar(id="search-bar")
            with TabPane("Events", id="events"):
                yield from self.compose_events()
            with TabPane("Records", id="records"):
                yield from self.compose_records()
        yield KeyFooter()

    def compose_events(self) -> ComposeResult:
        from tract_tui.widgets.events_panel import EventsPanel

        # Hidden at start: mounted after the first frame, which they would only delay.
        yield Lazy(EventsPanel(self.gateway, id="events-panel", classes="split"))

    def compose_records(self) -> ComposeResult:
        from tract_tui.widgets.records_panel import RecordsPanel

        yield Lazy(RecordsPanel(self.gateway, id="records-panel", classes="split"))

    # -- cross-panel messages from the events and records panels ----------------------------

    def on_highlight_commits(self, message: HighlightCommits) -> None:
        graph = self.query_one(GraphView)
        graph.highlight_sources = message.sources
        graph.highlight_results = message.results
        graph.refresh()

    def on_jump_to_commit(self, message: JumpToCommit) -> None:
        from core.views.graph import GraphMode

        graph = self.query_one(GraphView)
        self.show_view("graph")
        graph.focus()
        if message.unreachable and not graph.mode.show_unreachable:
            # Compression sources are unreachable: show those, then select it once rescanned.
            graph.mode = GraphMode(show_unreachable=True, first_parent=False)
            self.notify("Showing unreachable commits (compression sources)", timeout=3)
            graph.reload(keep=message.commit_hash)
        else:
            graph.goto_hash(message.commit_hash)

    def on_open_event(self, message: OpenEvent) -> None:
        self.show_event(message.event_id)

    def on_open_record(self, message: OpenRecord) -> None:
        self.show_record(message.record_id)

    def on_store_changed(self, message: StoreChanged) -> None:
        self.query_one(GraphView).reload()

    def on_mount(self) -> None:
        status = self.query_one(StatusBar)
        status.store = self.gateway.display
        self.query_one(GraphView).focus()
        self.query_one(GraphView).reload()
        self.start_live(getattr(self.app, "poll_interval", 0.5))
        # After the first frame: the check is a read the first rows need not wait behind.
        self.call_after_refresh(
            self.run_store_task, self.gateway.quick_check, self._checked, group="quick-check"
        )

    def _checked(self, check: QuickCheck) -> None:
        """Say what the graph cannot show (a damaged store still opens; verify names it)."""
        if not check.ok:
            self.query_one(StatusBar).problems = "damaged: run tract-tui verify"
            self.notify(check.summary(), severity="warning", timeout=15, markup=False)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "narrow")
        self.query_one(KeyFooter).compact = self.size.width < NARROW  # more keys fit at 80 columns

    def on_graph_view_selected(self, message: GraphView.Selected) -> None:
        detail = self.query_one("#graph-detail", DetailPane)
        if message.commit_hash != detail.commit_hash:  # a reload re-announces the same commit
            detail.show(message.commit_hash)
        graph = self.query_one(GraphView)
        refs = graph.refs
        status = self.query_one(StatusBar)
        if refs is not None:
            status.branch, status.head, status.detached = refs.branch, refs.head, refs.detached
        total = len(graph.model)
        more = "" if graph.model.complete else "+"
        status.rows = f"{graph.cursor + 1 if total else 0}/{total}{more} commits"

    def show_view(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
        focused = self.focused
        pane = self.query_one(f"#{name}")
        if focused is not None and pane in focused.ancestors_with_self:
            return
        # Hand the keys to the view's list now: focus left in the hidden pane would be moved
        # by Textual to a widget of its choosing, and a focus inside a tab switches the tab
        # back to it (TabPane.Focused). A panel not mounted yet (lazy) focuses itself on show.
        for target in self.query(f"#{name} {VIEW_LISTS[name]}"):
            target.focus()
            break
