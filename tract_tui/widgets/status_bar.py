"""One line at the top: where you are (store, tract, branch, HEAD) and what is going on.

The line must fit: the store path gives way first (``~/…`` for the home directory, then its
last component, then cut), so the branch, HEAD and the ``n/N commits`` counter stay.
"""

from __future__ import annotations

import os
from pathlib import PurePath

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from core.views.text import cells, display_line, truncate


def home_short(store: str) -> str:
    """``/home/me/x/demo.db`` → ``~/x/demo.db`` (a URL or another path is left as it is)."""
    home = os.path.expanduser("~")
    if home not in ("", "/", "~") and store.startswith(home + os.sep):
        return "~" + store[len(home) :]
    return store


def store_names(store: str) -> list[str]:
    """The store's name from longest to shortest: as given, from ``~``, its last component."""
    names = [store, home_short(store)]
    if "://" not in store:
        names.append(PurePath(store).name or store)
    else:  # a URL (its password already masked): the database name ends it
        names.append(store.rstrip("/").rsplit("/", 1)[-1] or store)
    out: list[str] = []
    for name in names:
        if name not in out:
            out.append(name)
    return out


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
        tail = self._tail()
        room = self.content_size.width or 10_000  # before layout: no limit
        names = store_names(display_line(self.store))
        name = names[-1]
        for candidate in names:
            if cells("tract-tui ") + cells(candidate) + tail.cell_len <= room:
                name = candidate
                break
        else:  # even the last component does not fit: cut it, keep the rest whole
            name = truncate(name, max(1, room - tail.cell_len - cells("tract-tui ")))
        out = Text(no_wrap=True, overflow="ellipsis")
        out.append("tract-tui ", style="bold")
        out.append(name, style="dim")
        out.append_text(tail)
        return out

    def _tail(self) -> Text:
        out = Text()
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
