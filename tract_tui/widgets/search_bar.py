"""The ``/`` search bar at the bottom of the graph pane.

Query syntax: free text plus filters, ``type:tool_io role:user needle``. The search runs in the
store (one query) as you type (debounced); matches are highlighted in the graph and ``n``/``N``
move between them. ``ctrl+f`` toggles filter mode: the rows that do not match are dimmed too.
``enter`` goes to the first match and back to the graph; ``escape`` clears and closes.
The bar runs the search itself (a read, in a worker) and posts the matches up; the screen
shows them in the graph.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker

from core.read import StoreReader
from core.views.search import parse_query
from tract_tui.actions import bindings_for
from tract_tui.failures import Failure
from tract_tui.workers import WorkerEndings

DEBOUNCE = 0.15


class SearchBar(Horizontal, WorkerEndings):
    BINDINGS = bindings_for("search")
    DEFAULT_CSS = """
    SearchBar { height: 1; display: none; background: $boost; }
    SearchBar.open { display: block; }
    SearchBar > .prompt { width: auto; padding: 0 1; color: $accent; text-style: bold; }
    SearchBar > Input { width: 1fr; height: 1; border: none; padding: 0; background: $boost; }
    SearchBar > .result { width: auto; padding: 0 1; color: $text-muted; }
    """

    class Matches(Message):
        """The matches of the current query (empty: no query, or nothing matches)."""

        def __init__(self, query: str, hashes: frozenset[str], filter_matches: bool) -> None:
            super().__init__()
            self.query = query
            self.hashes = hashes
            self.filter_matches = filter_matches

    class Submitted(Message):
        """Enter: go to the first match (posted once the query's matches are in)."""

    class Closed(Message):
        """Escape: clear the matches."""

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.filter_matches = False
        self._timer: Timer | None = None
        self._searching: str | None = None  # the query a worker is searching for
        self._jump = False  # enter was pressed before the matches came in

    def compose(self) -> ComposeResult:
        yield Static(Text("/"), classes="prompt")
        # compact: a one-line bar has no room for the focus border (it hid the typed text)
        yield Input(placeholder="text  type:tool_io  role:user", id="search-input", compact=True)
        yield Static(Text(""), classes="result")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def query_text(self) -> str:
        return self.input.value

    def open(self) -> None:
        self.add_class("open")
        # Focus now, not after the keys already queued: what is typed right after ``/``
        # is the query (Widget.focus would apply after them, and they would go to the graph).
        self.screen.set_focus(self.input)

    def set_result(self, text: str) -> None:
        label = text + ("  [filter]" if self.filter_matches else "")
        self.query_one(".result", Static).update(Text(label))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._emit)

    def _emit(self) -> None:
        self._timer = None
        raw = self.query_text
        if parse_query(raw).empty:
            self._searching = None
            self._found(raw, [])
            return
        self._searching = raw
        self._search(raw)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, raw: str) -> None:
        hashes = self.reader.search(parse_query(raw))
        self.app.call_from_thread(self._found, raw, hashes)

    def _found(self, raw: str, hashes: list[str]) -> None:
        if raw != self.query_text:  # an older query: a newer search is on its way
            return
        if self._searching == raw:
            self._searching = None
        self.post_message(self.Matches(raw, frozenset(hashes), self.filter_matches))
        if self._jump:
            self._jump = False
            self.post_message(self.Submitted())

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        self._searching = None
        self._jump = False
        super().worker_failed(worker, failed)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:  # typed and pressed enter at once: search first
            self._timer.stop()
            self._emit()
        if self._searching is not None:
            self._jump = True  # the matches are on their way: go to the first on arrival
        else:
            self.post_message(self.Submitted())

    def action_toggle_filter(self) -> None:
        self.filter_matches = not self.filter_matches
        self._emit()

    def action_close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._searching = None
        self._jump = False
        self.input.value = ""
        self.set_result("")
        self.remove_class("open")
        self.post_message(self.Closed())
