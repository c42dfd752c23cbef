"""``tract-tui`` with no argument: pick one of this machine's agent sessions to open.

A small app of its own (it runs before a store is chosen): the sessions ``tract-tui
sessions`` lists, most recent first; ``enter`` opens one (it is then imported into its cache
store and opened like ``tract-tui PATH``), ``escape`` or ``q`` quits. Project names and paths
are data: shown as text, never as markup.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tract_tui.timefmt import local_minute as when
from tract_tui.timefmt import size_text


def session_line(info: Any) -> Text:
    compactions = f", {info.compactions} compactions" if info.compactions else ""
    line = Text()
    line.append(str(info.project), style="bold")
    line.append(f"  {info.format}  last {when(info.last_activity)}  started {when(info.started)}")
    line.append(f"  {size_text(info.size)}, {info.messages} messages{compactions}", style="dim")
    return line


class SessionPicker(App[str]):
    TITLE = "tract-tui: open a session"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "quit_picker", "quit"),
    ]
    CSS = """
    #picker-title { padding: 0 1; }
    OptionList { height: 1fr; }
    """

    def __init__(self, sessions: list[Any]) -> None:
        super().__init__()
        self.sessions = sessions

    def compose(self) -> ComposeResult:
        yield Static(
            Text(f"{len(self.sessions)} sessions (Claude Code, Codex): enter opens one"),
            id="picker-title",
        )
        yield OptionList(*(Option(session_line(s), id=str(i)) for i, s in enumerate(self.sessions)))
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.exit(str(self.sessions[index].path))

    def action_quit_picker(self) -> None:
        self.exit(None)


def pick_session() -> str | None:
    import core

    found = core.list_sessions()
    if not found:
        raise SystemExit(
            "tract-tui: no sessions in ~/.claude/projects or ~/.codex/sessions; give a STORE "
            "or a session PATH, or try --demo"
        )
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise SystemExit("tract-tui: give a STORE or a session PATH (no terminal for a picker)")
    return SessionPicker(found).run()
