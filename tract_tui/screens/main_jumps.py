"""The main screen's jump history (``tract_tui.jumps``): where the user is, and going back.

A base of ``MainScreen`` (which keeps the rest). The screen's jump handlers call
``left_place()`` before they move; ``jump_back`` / ``jump_forward`` go to a remembered place
without recording the move as a jump.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import TabbedContent

from tract_tui.jumps import JumpHistory, Place
from tract_tui.widgets.events_panel import EventsPanel
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.records_panel import RecordsPanel


class JumpHandlers(Screen[None]):
    jumps: JumpHistory
    _returning = False  # going back or forward: not a new jump

    def here(self) -> Place | None:
        """The view shown and what is selected in it."""
        view = self.query_one(TabbedContent).active
        if view == "graph":
            commit = self.query_one(GraphView).selected_hash
            return Place("graph", commit) if commit else None
        if view == "events":
            for events in self.query(EventsPanel):
                row = events.event_list.selected
                return Place("events", row.event_id) if row is not None else None
        if view == "records":
            for records in self.query(RecordsPanel):
                record = records.record_list.selected
                return Place("records", record.record_id) if record is not None else None
        return None

    def left_place(self) -> None:
        """A jump is about to move the user: remember where they were."""
        if not self._returning:
            self.jumps.jumped(self.here())

    def jump_back(self) -> None:
        self._go(self.jumps.go_back(self.here()), "back")

    def jump_forward(self) -> None:
        self._go(self.jumps.go_forward(self.here()), "forward")

    def _go(self, place: Place | None, way: str) -> None:
        if place is None:
            self.notify(f"Nothing to go {way} to", timeout=2)
            return
        self._returning = True
        try:
            self.go_to_place(place)
        finally:
            self._returning = False

    def go_to_place(self, place: Place) -> None:
        raise NotImplementedError  # MainScreen: it owns the views
