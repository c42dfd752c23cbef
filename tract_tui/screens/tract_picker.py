"""The store holds several tracts: pick one from the spawn tree (children indented under the
tract that spawned them), with its commit count, latest commit time and whether it is active."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core import TractSummary
from core.views.text import cells, display_line, fit
from tract_tui.widgets.footer import KeyFooter
from tract_tui.widgets.messages import TractChosen
from tract_tui.widgets.nav_list import NavList

NAME_MAX = 60  # cells for the name column; longer names end in an ellipsis
_HEX = frozenset("0123456789abcdef")


def tract_name(t: TractSummary) -> str:
    """What the tract is called: its display name, else its id (a bare hex id shortened, a
    session's id — its file's name — kept whole)."""
    if t.display_name:
        return f"{display_line(t.display_name)} {t.tract_id[:8]}"
    if len(t.tract_id) >= 32 and set(t.tract_id) <= _HEX:
        return t.tract_id[:12]
    return display_line(t.tract_id)


def _indent(t: TractSummary) -> str:
    return "   " * t.depth + ("└─ " if t.depth else "")


def name_width(tracts: list[TractSummary]) -> int:
    """One name column for every row, as wide as the widest name (up to NAME_MAX)."""
    return min(NAME_MAX, max((cells(_indent(t) + tract_name(t)) for t in tracts), default=0))


def tract_label(t: TractSummary, width: int, count_width: int) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    indent = _indent(t)
    out.append(indent, style="dim")
    out.append(fit(tract_name(t), max(1, width - cells(indent))), style="bold yellow")
    out.append(f"  {t.commit_count:>{count_width},} commits", style="")
    latest = t.latest.strftime("%Y-%m-%d %H:%M") if t.latest else "no commits"
    out.append(f"  {latest:<16}", style="dim")
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
        width = name_width(self.tracts)
        counts = max((len(f"{t.commit_count:,}") for t in self.tracts), default=1)
        options = (Option(tract_label(t, width, counts), id=t.tract_id) for t in self.tracts)
        yield NavList(*options, id="tracts")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(TractChosen(event.option.id))
