"""The Textual application: one store, one tract, one action table."""

from __future__ import annotations

from textual.app import App

from core import Tract
from core.operations.tracts import TractSummary
from core.storage.store import Store
from tract_tui.actions import bindings_for
from tract_tui.gateway import StoreGateway
from tract_tui.screens.main import MainScreen


class TractApp(App[None]):
    TITLE = "tract-tui"
    BINDINGS = bindings_for("app")

    def __init__(
        self,
        tract: Tract | None,
        *,
        store: Store | None = None,
        tracts: list[TractSummary] | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        super().__init__()
        self.gateway = StoreGateway(tract) if tract is not None else None
        self.store = store
        self.tracts = tracts or []
        self.poll_interval = poll_interval

    def on_mount(self) -> None:
        if self.gateway is not None:
            self.push_screen(MainScreen(self.gateway))
        else:
            self.notify("Several tracts: picker coming soon", severity="warning")

    def action_view(self, name: str) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen):
            screen.show_view(name)

    def action_help(self) -> None:
        self.notify("Help: coming soon")

    def action_compile_head(self) -> None:
        self.notify("Compile: coming soon")

    def action_switch_branch(self) -> None:
        self.notify("Switch branch: coming soon")

    def action_refresh(self) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen):
            from tract_tui.widgets.graph_view import GraphView

            screen.query_one(GraphView).reload()
