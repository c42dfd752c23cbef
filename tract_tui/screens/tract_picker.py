"""The store holds several tracts: pick one from the spawn tree (children indented under the
tract that spawned them), with its commit count, latest commit time and whether it is active."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core import TractSummary
from core.views.text import display_line
from tract_tui.widgets.footer import KeyFooter
from tract_tui.widgets.messages import TractChosen
from tract_tui.widgets.nav_list import NavList


def tract_label(t: TractSummary) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("   " * t.depth + ("└─ " if t.depth else ""), style="dim")
    if t.display_name:
        out.append(display_line(t.display_name), style="bold")
        out.append(f" {t.tract_id[:8]}", style="yellow")
    else:
        out.append(t.tract_id[:12], style="bold yellow")
    out.append(f"  {t.commit_count} commits", style="")
    latest = t.latest.strftime("%Y-%m-%d %H:%M") if t.latest else "no commits"
    out.append(f"  {latest}", style="dim")
    out.append("  active" if t.is_active else "  ended", style="green" if t.is_active else "dim")
    return out


class TractPickerScreen(Screen[None]):
    DEFAULT_CSS = """
    TractPickerScreen .title { height: 1; background: $boost; padding: 0 1; text-style: bold; }
    TractPickerScreen OptionList { height: 1fr; border: none; }
    """

    def __init__(self, store_display: str, tracts: list[TractSummary]) -> None:
        super().__init__()
        self.store_display = store_display
        self.tracts = tracts

    def compose(self) -> ComposeResult:
        title = Text(f"{len(self.tracts)} tracts in ")
        title.append(display_line(self.store_display), style="dim")
        title.append("  — enter opens one")
        yield Static(title, classes="title")
        yield NavList(*(Option(tract_label(t), id=t.tract_id) for t in self.tracts), id="tracts")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(TractChosen(event.option.id))
