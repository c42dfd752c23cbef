"""``?``: every action of the table, grouped by where it applies, with the key in force (after
the user's keymap). Typing filters the list (by key, name, description or action id)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tract_tui.actions import ACTIONS, CONTEXTS, Action, bindings_for
from tract_tui.widgets.footer import KeyFooter


def current_keys(app: object, action: Action) -> str:
    """The keys in force for ``action``, as the footer shows them."""
    keymap = getattr(app, "keymap", None)
    spec = keymap.keys_for(action.id) if keymap is not None else action.keys
    if action.key_display and spec == action.keys:
        return action.key_display
    return " ".join(format_key(k.strip()) for k in spec.split(","))


def help_text(app: object, needle: str = "") -> Text:
    needle = needle.strip().casefold()
    # Columns as wide as their longest entry in the whole table, so a long key (ctrl+o
    # alt+left) never runs into its name and filtering does not shift them.
    key_width = max(len(current_keys(app, a)) for a in ACTIONS) + 2
    name_width = max(len(a.description) for a in ACTIONS) + 1
    out = Text()
    for context, title in CONTEXTS.items():
        rows = []
        for action in ACTIONS:
            if action.context != context:
                continue
            keys = current_keys(app, action)
            haystack = f"{keys} {action.id} {action.description} {action.help}".casefold()
            if needle and needle not in haystack:
                continue
            rows.append((keys, action))
        if not rows:
            continue
        if out:
            out.append("\n")
        out.append(f"{title}\n", style="bold underline")
        for keys, action in rows:
            out.append(f"  {keys:<{key_width}}", style="bold yellow")
            out.append(f"{action.description:<{name_width}}", style="bold")
            out.append(f" {action.help}  " if action.help else " ", style="")
            out.append(f"[{action.id}]\n", style="dim")
    if not out:
        out.append("No action matches", style="dim")
    return out


class HelpBody(VerticalScroll):
    """The key list: focusable, and moved with the same keys as every other pane."""

    BINDINGS = bindings_for("scroll")


class HelpScreen(ModalScreen[None]):
    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 110; max-width: 100%; height: 90%; border: thick $accent;
        background: $surface; padding: 0 1; }
    HelpScreen .title { text-style: bold; }
    HelpScreen Input { margin-bottom: 1; }
    HelpScreen HelpBody { height: 1fr; }
    HelpScreen .hint { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text("Keys   (ids in [ ] are what a [keys] table in the config remaps)"),
                classes="title",
            )
            yield Input(placeholder="type to filter", id="help-filter")
            with HelpBody():
                yield Static(help_text(self.app), id="help-body")
            # Typed letters filter; the list takes j/k once focus moves to it.
            yield Static(
                Text("enter or tab: move in the list (j/k, pgup/pgdn, G)   escape: close"),
                classes="hint",
            )
        yield KeyFooter()  # the dialog's own keys while it is open

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#help-body", Static).update(help_text(self.app, event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(HelpBody).focus()

    def action_close(self) -> None:
        self.dismiss(None)
