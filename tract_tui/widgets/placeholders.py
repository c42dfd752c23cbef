"""A stand-in for a panel that is not built yet."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class Placeholder(Static):
    def __init__(self, title: str) -> None:
        super().__init__(Text(f"{title}: coming soon", style="dim"))
