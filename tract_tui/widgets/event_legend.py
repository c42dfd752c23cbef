"""The legend line under the graph while an event's commits are highlighted in it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from core.views.text import display_line


def event_legend(label: str, sources: int, results: int) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("event ", style="dim")
    out.append(display_line(label), style="bold")
    out.append(":  ")
    out.append(f" {sources} sources ", style="on dark_red")
    out.append(" (◌ consumed originals)  ")
    out.append(f" {results} results ", style="on dark_green")
    out.append("  escape clears", style="dim")
    return out


class EventLegend(Static):
    """Hidden unless the graph shows an event's sources and results."""

    DEFAULT_CSS = """
    EventLegend { height: 1; background: $boost; padding: 0 1; display: none; }
    """

    def show_event(self, label: str, sources: int, results: int) -> None:
        shown = bool(sources or results)
        self.display = shown
        self.update(event_legend(label, sources, results) if shown else "")
