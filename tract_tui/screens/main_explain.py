"""The main screen's explanation handlers: ``w`` (why), the record lens, exports.

A base of ``MainScreen`` (which keeps the rest) so that screen stays one size. Each answer is
read in a thread worker through the reader; failures go to the one worker handler.

Which record an answer is relative to: the lens's record while a lens is on, else the record
selected in the records view, else the latest (the core's default) — and the screen says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from textual import on
from textual.screen import Screen
from textual.widgets import TabbedContent

from core.read import StoreReader
from tract_tui.screens.export import ExportScreen, ExportTarget
from tract_tui.screens.why import WhyScreen
from tract_tui.widgets.detail_links import Link
from tract_tui.widgets.graph_lens import LensBar
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.messages import (
    ExportRequested,
    JumpToCommit,
    LensRequested,
    OpenEvent,
    WhyRequested,
)
from tract_tui.widgets.records_panel import RecordsPanel

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import Lens

T = TypeVar("T")


class ExplainHandlers(Screen[None]):
    reader: StoreReader
    lens_relative = ""  # how the lens's record was chosen, for its legend

    def _explain_task(self, job: Callable[[], T], done: Callable[[T], None], group: str) -> None:
        def run() -> None:
            result = job()
            self.app.call_from_thread(done, result)

        self.run_worker(run, thread=True, group=group, exit_on_error=False, name=group)

    def chosen_record(self) -> tuple[str | None, str]:
        """(record id or None for the latest, how it was chosen)."""
        graph = self.query_one(GraphView)
        if graph.lens is not None and graph.lens.subject.record_id:
            return graph.lens.subject.record_id, "the lens's record"
        for panel in self.query(RecordsPanel):
            row = panel.record_list.selected
            if row is not None and panel.record_list.cursor > 0:
                return row.record_id, "selected in Records"
        return None, "the latest record"

    # -- w: why ---------------------------------------------------------------------------

    @on(ExportRequested)
    def open_export(self, message: ExportRequested) -> None:
        if message.record_id is not None:
            short = message.record_id[:8]
            target = ExportTarget(message.record_id, None, f"record {short}", f"record-{short}")
        else:
            short = (message.at or "")[:8]
            target = ExportTarget(None, message.at, f"the compile of {short}", f"compile-{short}")
        self.app.push_screen(ExportScreen(self.reader, target, Path.cwd()))

    @on(WhyRequested)
    def open_why(self, message: WhyRequested) -> None:
        record, relative_to = self.chosen_record()
        screen = WhyScreen(self.reader, message.commit_hash, record, relative_to)
        self.app.push_screen(screen, self._follow)

    def _follow(self, link: Link | None) -> None:
        if link is None:
            return
        if link.kind == "commit":
            self.post_message(JumpToCommit(link.target))
        elif link.kind == "event":
            self.post_message(OpenEvent(link.target))

    # -- the record lens ------------------------------------------------------------------

    @on(LensRequested)
    def lens_requested(self, message: LensRequested) -> None:
        if message.leave:
            self.show_lens(None)
            return
        record, relative_to = (
            (message.record_id, "opened from Records")
            if message.record_id is not None
            else self.chosen_record()
        )

        def done(lens: Lens) -> None:
            self.lens_relative = relative_to
            self.show_lens(lens)

        self._explain_task(lambda: self.reader.lens(record), done, "lens")

    def show_lens(self, lens: Lens | None) -> None:
        graph = self.query_one(GraphView)
        graph.lens = lens
        self.query_one(LensBar).show_lens(lens, self.lens_relative)
        graph.refresh()
        if lens is not None:
            self.query_one(TabbedContent).active = "graph"
            graph.focus()
