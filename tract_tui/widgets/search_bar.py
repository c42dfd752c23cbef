"""The ``/`` search bar at the bottom of the graph pane.

Query syntax: free text plus filters, ``type:tool_io role:user needle``. The search runs in the
store (one query) as you type (debounced); matches are highlighted in the graph and ``n``/``N``
move between them. ``ctrl+f`` toggles filter mode: the rows that do not match are dimmed too.
``enter`` goes to the first match and back to the graph; ``escape`` clears and closes.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from tract_tui.actions import bindings_for

DEBOUNCE = 0.15


class SearchBar(Horizontal):
    BINDINGS = bindings_for("search")
    DEFAULT_CSS = """
    SearchBar { height: 1; display: none; background: $boost; }
    SearchBar.open { display: block; }
    SearchBar > .prompt { width: auto; padding: 0 1; color: $accent; text-style: bold; }
    SearchBar > Input { width: 1fr; height: 1; border: none; padding: 0; background: $boost; }
    SearchBar > .result { width: auto; padding: 0 1; color: $text-muted; }
    """

    class Changed(Message):
        """The query (or the filter toggle) changed: search again."""

        def __init__(self, query: str, filter_matches: bool) -> None:
            super().__init__()
            self.query = query
            self.filter_matches = filter_matches

    class Submitted(Message):
        """Enter: go to the first match."""

    class Closed(Message):
        """Escape: clear the matches."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.filter_matches = False
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("/"), classes="prompt")
        yield Input(placeholder="text  type:tool_io  role:user", id="search-input")
        yield Static(Text(""), classes="result")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def query_text(self) -> str:
        return self.input.value

    def open(self) -> None:
        self.add_class("open")
        self.input.focus()

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
        self.post_message(self.Changed(self.query_text, self.filter_matches))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:  # typed and pressed enter at once: search first
            self._timer.stop()
            self._emit()
        self.post_message(self.Submitted())

    def action_toggle_filter(self) -> None:
        self.filter_matches = not self.filter_matches
        self._emit()

    def action_close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.input.value = ""
        self.set_result("")
        self.remove_class("open")
        self.post_message(self.Closed())
