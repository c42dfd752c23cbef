"""The command palette (``ctrl+p``): every palette action of the table, searchable.

Generated from ``actions.palette_actions()``: the same ids, descriptions and keys as the footer
and the ``?`` screen. Running one focuses the widget of its context (switching tab if needed)
and runs its action there, exactly as its key would.
"""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane

from tract_tui.actions import CONTEXTS, Action, palette_actions
from tract_tui.screens.help import current_keys


def context_widget(screen: DOMNode, context: str) -> Widget | None:
    """The widget on ``screen`` whose bindings belong to ``context`` (e.g. the GraphView)."""
    prefix = f"{context}."
    for widget in screen.query("*"):
        bindings = getattr(type(widget), "BINDINGS", ())
        if any(isinstance(b, Binding) and (b.id or "").startswith(prefix) for b in bindings):
            return widget
    return None


def _label(action: Action) -> str:
    return f"{CONTEXTS.get(action.context, action.context)}: {action.description}"


class ActionProvider(Provider):
    def _available(self) -> list[tuple[Action, Widget | None]]:
        out: list[tuple[Action, Widget | None]] = []
        for action in palette_actions():
            if action.context == "app":
                out.append((action, None))
            elif (widget := context_widget(self.screen, action.context)) is not None:
                out.append((action, widget))
        return out

    def _help(self, action: Action) -> str:
        # The palette reads help as Textual markup: escape it (keys such as "[" are text).
        return escape(f"{action.help or action.description}  ({current_keys(self.app, action)})")

    async def discover(self) -> Hits:
        for action, widget in self._available():
            yield DiscoveryHit(
                _label(action), partial(self._run, action, widget), help=self._help(action)
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action, widget in self._available():
            label = _label(action)
            score = max(matcher.match(label), matcher.match(action.id) * 0.9)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label) if matcher.match(label) else Text(label),
                    partial(self._run, action, widget),
                    text=label,
                    help=self._help(action),
                )

    def _run(self, action: Action, widget: Widget | None) -> None:
        if widget is None:
            self.app.call_later(self.app.run_action, action.action)
            return
        for ancestor in widget.ancestors:  # bring its tab to the front
            if isinstance(ancestor, TabPane) and ancestor.id:
                parent = ancestor.parent
                while parent is not None and not isinstance(parent, TabbedContent):
                    parent = parent.parent
                if isinstance(parent, TabbedContent):
                    parent.active = ancestor.id
                break
        widget.focus()
        self.app.call_later(self.app.run_action, action.action, widget)
