"""``t`` / ``T``: the tag to add to (or remove from) the selected commit, typed in a small
dialog. The hint lists what there is to choose from: the tract's registered tags when tagging,
the commit's own tags when untagging. The name is checked by the core when it writes.

The dialog opens at once, before those names are read (keys typed right after ``t`` are the
name); a name entered before they arrive is handed over once they have."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from core.views.text import display_line
from tract_tui.actions import bindings_for

HINT_NAMES = 24  # names listed in the hint; the rest are counted


class TagScreen(ModalScreen[str | None]):
    """Dismisses with the tag name (stripped, non-empty), or None."""

    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    TagScreen { align: center middle; }
    TagScreen > Vertical { width: 64; max-width: 95%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1; }
    TagScreen .title { text-style: bold; }
    TagScreen .choices { color: $text-muted; height: auto; }
    TagScreen .hint { color: $text-muted; }
    """

    def __init__(self, title: str, choices: list[str] | None, choices_label: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # None: not read yet (see set_choices)
        self.choices_label = choices_label
        self._entered: str | None = None  # a name entered before the choices arrived

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), classes="title")
            yield Input(placeholder="tag name", id="tag-input")
            yield Static(self._choices(), classes="choices")
            yield Static(Text("enter: done   escape: close"), classes="hint")

    def set_choices(self, choices: list[str]) -> None:
        """The names to choose from, read after the dialog opened."""
        self.choices = choices
        if not self.is_attached:
            return  # closed meanwhile
        self.query_one(".choices", Static).update(self._choices())
        if self._entered is not None:
            self.dismiss(self._entered)

    def _choices(self) -> Text:
        if self.choices is None:
            return Text(f"{self.choices_label}: reading…", style="dim")
        if not self.choices:
            return Text(f"{self.choices_label}: none", style="dim")
        shown = self.choices[:HINT_NAMES]
        more = len(self.choices) - len(shown)
        text = ", ".join(display_line(name) for name in shown)
        return Text(f"{self.choices_label}: {text}" + (f" (+{more})" if more else ""))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        if not name:
            return
        if self.choices is None:  # what to do with it depends on them: wait
            self._entered = name
            return
        self.dismiss(name)

    def action_close(self) -> None:
        self.dismiss(None)
