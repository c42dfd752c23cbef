"""The detail pane's links: every commit, event and compile record it mentions, each a jump."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets.option_list import Option

from core.views.commit_detail import CommitDetail
from core.views.text import display_line, first_line
from tract_tui.widgets.nav_list import NavList

MAX_RECORDS = 50


@dataclass(frozen=True)
class Link:
    kind: str  # "commit", "event" or "record"
    target: str
    unreachable: bool = False


def links_of(detail: CommitDetail) -> list[tuple[Link, Text]]:
    """What to offer, in reading order: the edit target, edits, parents, children, events,
    records."""
    out: list[tuple[Link, Text]] = []

    def commit(label: str, h: str, note: str = "", unreachable: bool = False) -> None:
        text = Text()
        text.append(f"{label:<9} ", style="dim")  # "edited by" fills the column: keep a space
        text.append(h[:12], style="yellow")
        if note:
            text.append(f" {note}")
        out.append((Link("commit", h, unreachable), text))

    if detail.edit_target is not None:
        target = detail.edit_target
        commit("edits", target.commit_hash, first_line(target.message, 60))
    for edit in detail.edits:
        commit("edited by", edit.commit_hash, first_line(edit.message, 60))
    for parent in detail.parents:
        commit("parent", parent)
    for child in detail.children:
        commit("child", child)
    for event in detail.events:
        text = Text()
        text.append(f"{'event':<9} ", style="dim")
        text.append(f"{display_line(event.event_type)} {event.event_id[:12]}", style="cyan")
        text.append(" (this commit is a " + display_line(event.role) + ")", style="dim")
        out.append((Link("event", event.event_id), text))
    for record_id in detail.records[:MAX_RECORDS]:
        text = Text()
        text.append(f"{'record':<9} ", style="dim")
        text.append(record_id[:12], style="magenta")
        text.append(" used this commit", style="dim")
        out.append((Link("record", record_id), text))
    if len(detail.records) > MAX_RECORDS:
        more = len(detail.records) - MAX_RECORDS
        out.append((Link("none", ""), Text(f"… and {more} more records", style="dim")))
    return out


class DetailLinks(NavList):
    """Bounded: one commit's links (records capped at 50)."""

    DEFAULT_CSS = """
    DetailLinks { height: auto; max-height: 12; border: none; padding: 0; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.links: list[Link] = []

    def set_links(self, items: list[tuple[Link, Text]]) -> None:
        self.links = [link for link, _ in items]
        self.clear_options()
        self.add_options([Option(text, disabled=link.kind == "none") for link, text in items])
        self.display = bool(items)
