"""The key footer, rebuilt once per frame however many binding changes arrive, showing only
the keys that fit whole.

Textual's ``Footer`` recomposes (a dozen ``FooterKey`` widgets, each styled) on every
``bindings_updated`` signal; start-up alone sends five or more (stack, focus, idle), which
cost a visible slice of the first paint. Coalescing them keeps one rebuild per refresh.

Keys that do not fit before the command-palette key are left out, not cut: a cut key read
``q ▏^p Commandsl`` (the palette key drawn over the last one) at 80 columns. Widths follow
Textual's footer styles (key padding ``0 1`` and description ``0 1 0 0``; compact: no key
padding, description ``0 0 0 1`` and a margin of 1; the palette key adds its border and,
unless compact, a right padding).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from core.views.text import cells


def key_width(key: Widget, compact: bool) -> int:
    shown, description = getattr(key, "key_display", ""), getattr(key, "description", "")
    width = cells(shown) + cells(description) + (2 if compact else 3)
    if key.has_class("-command-palette"):
        width += 1 if compact else 2  # border-left, padding-right
    return width


def fitting(keys: list[Widget], room: int, compact: bool) -> Iterable[Widget]:
    """The keys that fit whole in ``room`` cells, in order (the palette key always)."""
    palette = [k for k in keys if k.has_class("-command-palette")]
    left = room - sum(key_width(k, compact) for k in palette)
    for key in keys:
        if key in palette:
            continue
        left -= key_width(key, compact)
        if left < 0:
            break
        yield key
    yield from palette


class KeyFooter(Footer):
    _rebuild_pending = False

    def compose(self) -> ComposeResult:
        keys = list(super().compose())
        room = self.size.width
        if not room or any(k.has_class("-grouped") or not hasattr(k, "key") for k in keys):
            yield from keys  # before the first layout (or binding groups): as Textual does
            return
        yield from fitting(keys, room, self.compact)

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        self._schedule()

    def _schedule(self) -> None:
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def on_resize(self) -> None:
        self._schedule()

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
