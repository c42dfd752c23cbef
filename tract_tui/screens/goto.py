"""``g``: go to a branch, a hash prefix (≥ 4), HEAD or HEAD~N. Resolved by the core in a
worker; an unknown or ambiguous ref is shown in the dialog, which stays open."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static
from textual.worker import Worker

from core.read import StoreReader
from tract_tui.actions import bindings_for
from tract_tui.failures import Failure
from tract_tui.widgets.footer import KeyFooter
from tract_tui.workers import WorkerEndings

_SHORT_HEX = re.compile(r"^[0-9a-fA-F]{1,3}$")


class GotoScreen(ModalScreen[str | None], WorkerEndings):
    """Dismisses with the full commit hash, or None."""

    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    GotoScreen { align: center middle; }
    GotoScreen > Vertical { width: 64; max-width: 95%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1; }
    GotoScreen .title { text-style: bold; }
    GotoScreen .error { color: $error; height: auto; }
    GotoScreen .hint { color: $text-muted; }
    """

    def __init__(self, reader: StoreReader) -> None:
        super().__init__()
        self.reader = reader
        self._ref = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Go to"), classes="title")
            yield Input(placeholder="branch, hash prefix, HEAD, HEAD~2", id="goto-input")
            yield Static(Text(""), classes="error")
            yield Static(Text("enter: go   escape: close"), classes="hint")
        yield KeyFooter()  # the dialog's own keys while it is open

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        ref = event.value.strip()
        if not ref:
            return
        self._error("")
        self._ref = ref
        self._resolve(ref)

    @work(thread=True, exclusive=True, group="goto", exit_on_error=False)
    def _resolve(self, ref: str) -> None:
        commit_hash = self.reader.resolve(ref)
        self.app.call_from_thread(self.dismiss, commit_hash)

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Shown in the dialog, which stays open for another try."""
        message = failed.reason
        if _SHORT_HEX.match(self._ref):
            message += " (a hash prefix needs at least 4 characters)"
        self._error(message)

    def _error(self, text: str) -> None:
        self.query_one(".error", Static).update(Text(text))

    def action_close(self) -> None:
        self.dismiss(None)
