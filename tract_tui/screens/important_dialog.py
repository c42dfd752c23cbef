"""``i``: mark a commit IMPORTANT (tract-ai v7+) and say what compression must keep of it —
instructions for the summarizer, and patterns the summary must contain. Both may stay empty:
IMPORTANT without rules compresses like NORMAL."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from core import Retention
from tract_tui.actions import bindings_for

SEPARATOR = ";"  # between patterns (a comma is common inside one)


def parse_rules(instructions: str, patterns: str, regex: bool) -> Retention | None:
    """The rules typed, or None when nothing was typed."""
    found = tuple(p.strip() for p in patterns.split(SEPARATOR) if p.strip())
    text = instructions.strip() or None
    if text is None and not found:
        return None
    return Retention(text, found, "regex" if regex else "substring")


class ImportantScreen(ModalScreen[tuple[Retention | None] | None]):
    """Dismisses with ``(rules,)`` (rules None: none given) to mark it, or None to cancel."""

    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    ImportantScreen { align: center middle; }
    ImportantScreen > Vertical { width: 76; max-width: 95%; height: auto; border: thick $accent;
        background: $surface; padding: 0 1; }
    ImportantScreen .title { text-style: bold; }
    ImportantScreen .label { padding-top: 1; text-style: bold; }
    ImportantScreen .hint { color: $text-muted; }
    ImportantScreen Horizontal { height: auto; align-horizontal: right; }
    ImportantScreen Button { margin-left: 1; }
    """

    def __init__(self, commit_hash: str) -> None:
        super().__init__()
        self.commit_hash = commit_hash

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Mark {self.commit_hash[:8]} IMPORTANT"), classes="title")
            yield Static(Text("What a summary must keep (for the LLM)"), classes="label")
            yield Input(placeholder="e.g. the exact error and the file name", id="instructions")
            yield Static(
                Text(f"Texts the summary must contain (separate with {SEPARATOR})"),
                classes="label",
            )
            yield Input(placeholder="e.g. utils.py; a - b", id="patterns")
            yield Checkbox("patterns are regular expressions", id="regex")
            yield Static(Text("enter: mark   escape: close"), classes="hint")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Mark IMPORTANT", id="mark", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#instructions", Input).focus()

    def _done(self) -> None:
        rules = parse_rules(
            self.query_one("#instructions", Input).value,
            self.query_one("#patterns", Input).value,
            self.query_one("#regex", Checkbox).value,
        )
        self.dismiss((rules,))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._done()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "mark":
            self._done()
        else:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
