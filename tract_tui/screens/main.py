"""The main screen: the graph, the operation events and the compile records, each with a
detail pane, as tabs (keys 1/2/3). Below 100 columns the detail pane moves under the list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane

from tract_tui.gateway import StoreGateway
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.status_bar import StatusBar

NARROW = 100


class MainScreen(Screen[None]):
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
            with TabPane("Graph", id="graph"), Horizontal(classes="split"):
                yield GraphView(self.gateway, id="graph-view")
                yield DetailPane(self.gateway, id="graph-detail")
            with TabPane("Events", id="events"):
                yield from self.compose_events()
            with TabPane("Records", id="records"):
                yield from self.compose_records()
        yield Footer()

    def compose_events(self) -> ComposeResult:
        from tract_tui.widgets.placeholders import Placeholder

        yield Placeholder("Operation events")

    def compose_records(self) -> ComposeResult:
        from tract_tui.widgets.placeholders import Placeholder

        yield Placeholder("Compile records")

    def on_mount(self) -> None:
        status = self.query_one(StatusBar)
        status.store = self.gateway.display
        self.query_one(GraphView).focus()
        self.query_one(GraphView).reload()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "narrow")

    def on_graph_view_selected(self, message: GraphView.Selected) -> None:
        self.query_one("#graph-detail", DetailPane).show(message.commit_hash)
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
