"""One line at the top: where you are (store, tract, branch, HEAD) and what is going on."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from core.views.text import display_line


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $boost; color: $text; padding: 0 1; }
    """

    store: reactive[str] = reactive("")
    branch: reactive[str | None] = reactive(None)
    head: reactive[str | None] = reactive(None)
    detached: reactive[bool] = reactive(False)
    rows: reactive[str] = reactive("")
    activity: reactive[str] = reactive("")
    matches: reactive[str] = reactive("")  # "3/17 matches" while a search is active
    problems: reactive[str] = reactive("")  # the quick health check on open found damage

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("tract-tui ", style="bold")
        out.append(display_line(self.store), style="dim")
        if self.problems:  # early in the line: the end is what gets cut
            out.append(f"  ⚠ {self.problems}", style="bold red")
        if self.detached:
            out.append("  HEAD detached at ", style="bold red")
            out.append((self.head or "")[:8], style="yellow")
        elif self.branch:
            out.append("  on ", style="dim")
            out.append(display_line(self.branch), style="bold green")
            if self.head:
                out.append(f" {self.head[:8]}", style="yellow")
        else:
            out.append("  no commits yet", style="dim")
        if self.rows:
            out.append(f"  {self.rows}", style="dim")
        if self.matches:
            out.append(f"  {self.matches}", style="bold")
        if self.activity:
            out.append(f"  {self.activity}", style="italic")
        return out
