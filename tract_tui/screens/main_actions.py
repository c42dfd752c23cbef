"""What the main screen does for the keys: compile, compress, pin/skip, switch branch, go to,
search, and live updates. A mixin of ``MainScreen`` (kept apart so main.py stays a layout).

Every store access runs in a thread worker through the gateway; the result (or the error, as a
notification — never a traceback) comes back on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from textual import work
from textual.widget import Widget
from textual.widgets import TabbedContent

from core.models.enums import Priority
from core.operations.compress import CompressResult
from core.views.search import parse_query
from core.views.text import display_line
from tract_tui.gateway import Fingerprint
from tract_tui.live import LiveUpdater
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.search_bar import SearchBar
from tract_tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from core.models.records import CompiledContext
    from tract_tui.gateway import StoreGateway

T = TypeVar("T")
PRIORITY_WORDS = {Priority.PINNED: "Pinned", Priority.SKIP: "Skipped", Priority.NORMAL: "Unmarked"}


class MainActions:
    """Mixed into MainScreen (a ``Screen``): uses its query/notify/run_worker/app."""

    gateway: StoreGateway
    _search_raw: str = ""
    _search_filter: bool = False
    _search_jump: bool = False
    _live: LiveUpdater | None = None

    if TYPE_CHECKING:
        app: Any

        def query_one(self, *a: Any, **kw: Any) -> Any: ...
        def query(self, *a: Any, **kw: Any) -> Any: ...
        def notify(self, message: str, **kw: Any) -> None: ...
        def run_worker(self, *a: Any, **kw: Any) -> Any: ...
        def show_view(self, name: str) -> None: ...

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def graph(self) -> GraphView:
        return self.query_one(GraphView)

    def set_activity(self, text: str) -> None:
        self.query_one(StatusBar).activity = text

    def run_store_task(
        self,
        job: Callable[[], T],
        done: Callable[[T], None],
        *,
        group: str,
        activity: str = "",
    ) -> None:
        """Run ``job`` in a thread worker; ``done(result)`` on the UI thread, or an error
        notification (the store is left as it was: every core operation is one transaction)."""
        self.set_activity(activity)

        def run() -> None:
            try:
                result = job()
            except Exception as exc:  # shown, never a traceback
                self.app.call_from_thread(self._task_failed, exc)
            else:
                self.app.call_from_thread(self._task_done, done, result)

        self.run_worker(run, thread=True, group=group, exit_on_error=False, name=group)

    def _task_done(self, done: Callable[[T], None], result: T) -> None:
        self.set_activity("")
        done(result)

    def _task_failed(self, exc: Exception) -> None:
        self.set_activity("")
        # Errors quote refs, branch names and stored text: never markup (notify parses it).
        message = display_line(str(exc) or type(exc).__name__)
        self.notify(message, severity="error", timeout=8, markup=False)

    def panel_with(self, pane: str, method: str) -> Widget | None:
        """The widget in tab ``pane`` that offers ``method`` (the events/records panels)."""
        for widget in self.query(f"#{pane} *"):
            if callable(getattr(widget, method, None)):
                return widget
        return None

    # -- compile ----------------------------------------------------------------------------

    def compile_at(self, at: str | None) -> None:
        label = at[:8] if at else "HEAD"
        self.run_store_task(
            lambda: self.gateway.compile(at),
            self._compiled,
            group="compile",
            activity=f"compiling {label}…",
        )

    def _compiled(self, compiled: CompiledContext) -> None:
        record = compiled.record_id or ""
        self.notify(
            f"Recorded compile {record[:8]}: {compiled.token_count:,} tokens, "
            f"{compiled.commit_count} commits"
        )
        self.show_record(record)

    def show_record(self, record_id: str) -> None:
        """Switch to the records tab and select the record (when the panel can)."""
        self.show_view("records")
        panel = self.panel_with("records", "select_record")
        if panel is not None:
            panel.select_record(record_id)  # type: ignore[attr-defined]
        elif (panel := self.panel_with("records", "reload")) is not None:
            panel.reload()  # type: ignore[attr-defined]

    def show_event(self, event_id: str) -> None:
        """Select the event in the events panel (without switching tabs)."""
        panel = self.panel_with("events", "select_event")
        if panel is not None:
            panel.select_event(event_id)  # type: ignore[attr-defined]
        elif (panel := self.panel_with("events", "reload")) is not None:
            panel.reload()  # type: ignore[attr-defined]

    # -- compress ---------------------------------------------------------------------------

    def open_compress(self, from_ref: str | None, to_ref: str | None) -> None:
        from tract_tui.screens.compress import CompressScreen

        screen = CompressScreen(self.gateway, from_ref, to_ref, activity=self.set_activity)
        self.app.push_screen(screen, self._compressed)

    def _compressed(self, result: CompressResult | None) -> None:
        if result is None:
            return
        graph = self.graph
        graph.mark = None
        target = result.summaries[0] if result.summaries else result.new_head
        graph.reload(keep=target)
        self.show_view("graph")
        graph.focus()
        self.notify(
            f"Compressed: {result.original_tokens:,} → {result.compressed_tokens:,} tokens "
            f"in {len(result.summaries)} summaries (event {result.event_id[:8]})"
        )
        self.show_event(result.event_id)

    # -- annotations, branches, go to ------------------------------------------------------

    def set_priority(self, commit_hash: str, priority: Priority) -> None:
        def done(_: None) -> None:
            self.graph.invalidate([commit_hash])
            detail = self.query_one("#graph-detail", DetailPane)
            if detail.commit_hash == commit_hash:
                detail.show(commit_hash)
            self.notify(f"{PRIORITY_WORDS[priority]} {commit_hash[:8]}", timeout=2)

        self.run_store_task(
            lambda: self.gateway.annotate(commit_hash, priority), done, group="annotate"
        )

    def open_branch_picker(self) -> None:
        from tract_tui.screens.branch_picker import BranchPickerScreen

        self.app.push_screen(BranchPickerScreen(self.gateway), self._branch_chosen)

    def _branch_chosen(self, name: str | None) -> None:
        if name is None:
            return

        def done(head: str | None) -> None:
            self.graph.reload(keep=head)
            self.notify(f"Switched to {display_line(name)}", timeout=2, markup=False)

        self.run_store_task(
            lambda: self.gateway.switch(name), done, group="switch", activity="switching…"
        )

    def open_goto(self) -> None:
        from tract_tui.screens.goto import GotoScreen

        self.app.push_screen(GotoScreen(self.gateway), self._goto)

    def _goto(self, commit_hash: str | None) -> None:
        if commit_hash is None:
            return
        self.show_view("graph")
        self.graph.focus()
        self.graph.goto_hash(commit_hash)

    # -- search -----------------------------------------------------------------------------

    def open_search(self) -> None:
        self.show_view("graph")
        self.query_one(SearchBar).open()

    def close_search(self) -> None:
        self.query_one(SearchBar).action_close()

    def on_search_bar_changed(self, message: SearchBar.Changed) -> None:
        self._search_raw = message.query
        self._search_filter = message.filter_matches
        query = parse_query(message.query)
        if query.empty:
            self._show_matches(frozenset())
            return
        self._run_search(message.query)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _run_search(self, raw: str) -> None:
        try:
            hashes = self.gateway.search(parse_query(raw))
        except Exception as exc:
            self.app.call_from_thread(self._task_failed, exc)
            return
        self.app.call_from_thread(self._search_results, raw, hashes)

    def _search_results(self, raw: str, hashes: list[str]) -> None:
        if raw != self._search_raw:  # an older query: a newer search is on its way
            return
        self._show_matches(frozenset(hashes))
        if self._search_jump:
            self._search_jump = False
            self._first_match()

    def _show_matches(self, hashes: frozenset[str]) -> None:
        self.graph.set_matches(hashes, filter_matches=self._search_filter)
        self._update_search_status()

    def _update_search_status(self) -> None:
        graph = self.graph
        text = ""
        if graph.matches or self._search_raw.strip():
            position, total = graph.match_position()
            text = f"{position}/{total} matches" if total else "no matches"
        self.query_one(StatusBar).matches = text
        self.query_one(SearchBar).set_result(text)

    def _first_match(self) -> None:
        graph = self.graph
        if graph.cursor not in graph.match_rows():
            graph.action_next_match()

    def on_search_bar_submitted(self, message: SearchBar.Submitted) -> None:
        self.graph.focus()
        if self._search_raw != self.query_one(SearchBar).query_text or any(
            w.group == "search" and w.is_running for w in self.app.workers
        ):
            self._search_jump = True
        else:
            self._first_match()

    def on_search_bar_closed(self, message: SearchBar.Closed) -> None:
        self._search_raw = ""
        self._show_matches(frozenset())
        self.graph.focus()

    def on_graph_view_selected(self, message: GraphView.Selected) -> None:
        if self.graph.matches:
            self._update_search_status()

    # -- live updates -----------------------------------------------------------------------

    def start_live(self, interval: float) -> None:
        self._live = LiveUpdater(self.app, self.gateway, interval, self.store_changed)
        self._live.start(self)  # type: ignore[arg-type]

    def store_changed(self, old: Fingerprint, new: Fingerprint) -> None:
        """Another process (or this one) wrote: reload what changed, keeping the selection."""
        if (old.refs, old.newest, old.annotations) != (new.refs, new.newest, new.annotations):
            self.graph.reload()
        if old.events != new.events and (panel := self.panel_with("events", "reload")):
            panel.reload()  # type: ignore[attr-defined]
        if old.records != new.records and (panel := self.panel_with("records", "reload")):
            panel.reload()  # type: ignore[attr-defined]
        if (old.annotations, old.events, old.records) != (
            new.annotations,
            new.events,
            new.records,
        ):
            detail = self.query_one("#graph-detail", DetailPane)
            if detail.commit_hash is not None:
                detail.show(detail.commit_hash)

    def focus_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = name
