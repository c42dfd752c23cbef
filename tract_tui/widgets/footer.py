"""The key footer, rebuilt once per frame however many binding changes arrive.

Textual's ``Footer`` recomposes (a dozen ``FooterKey`` widgets, each styled) on every
``bindings_updated`` signal; start-up alone sends five or more (stack, focus, idle), which
cost a visible slice of the first paint. Coalescing them keeps one rebuild per refresh.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    _rebuild_pending = False

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        await self.recompose()
