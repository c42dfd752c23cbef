"""The graph's key actions (moving, views, compress, compile, pin/skip, search, go to, copy).

A mixin of ``GraphView``: the actions read the selection here and hand the work to the main
screen (``tract_tui.screens.main_actions``), which runs it in a worker through the gateway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.models.enums import Priority
from core.views.graph import GraphMode

if TYPE_CHECKING:
    from core.views.graph import GraphModel
    from tract_tui.screens.main_actions import MainActions


class GraphActions:
    """Needs ``model``, ``cursor``, ``mark``, ``selected_hash``, ``move_to`` from GraphView."""

    model: GraphModel
    mode: GraphMode
    cursor: int
    mark: str | None
    matches: frozenset[str]
    filter_matches: bool
    _goto_pending: str | None

    if TYPE_CHECKING:
        selected_hash: str | None
        screen: Any
        app: Any
        size: Any

        def move_to(self, index: int, *, center: bool = False) -> None: ...
        def refresh(self, *a: Any, **kw: Any) -> Any: ...
        def notify(self, message: str, **kw: Any) -> None: ...
        def reload(self, *, keep: str | None = None) -> None: ...
        def select_hash(self, commit_hash: str) -> bool: ...

    @property
    def _main(self) -> MainActions | None:
        from tract_tui.screens.main_actions import MainActions

        screen = self.screen
        return screen if isinstance(screen, MainActions) else None

    def _need_selection(self) -> str | None:
        selected = self.selected_hash
        if selected is None:
            self.notify("No commit selected", severity="warning")
        return selected

    # -- actions ----------------------------------------------------------------------------

    # -- moving and viewing --------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - max(1, self.size.height - 1))

    def action_page_down(self) -> None:
        self.move_to(self.cursor + max(1, self.size.height - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.model) - 1)

    def action_toggle_unreachable(self) -> None:
        self.mode = GraphMode(not self.mode.show_unreachable, self.mode.first_parent)
        self.reload()
        self.notify(
            "Showing unreachable commits"
            if self.mode.show_unreachable
            else "Hiding unreachable commits"
        )

    def action_toggle_first_parent(self) -> None:
        self.mode = GraphMode(self.mode.show_unreachable, not self.mode.first_parent)
        self.reload()
        self.notify("First-parent view" if self.mode.first_parent else "All parents")

    def action_mark(self) -> None:
        selected = self.selected_hash
        self.mark = None if self.mark == selected else selected
        self.refresh()

    def action_open(self) -> None:
        """Enter: move to the selected commit's details, where its links are jumps."""
        detail = self.screen.query("#graph-detail")  # type: ignore[attr-defined]
        if detail:
            detail.first().focus()

    def action_compress(self) -> None:
        """Anchor..cursor (either order), or cursor..HEAD when nothing is marked."""
        selected = self._need_selection()
        main = self._main
        if selected is None or main is None:
            return
        if self.mark is None or self.mark == selected:
            main.open_compress(selected, None)
            return
        anchor_row = self.model.index_of(self.mark)
        # Rows are newest first: the larger row index is the older end of the range.
        if anchor_row is not None and anchor_row > self.cursor:
            main.open_compress(self.mark, selected)
        else:
            main.open_compress(selected, self.mark)

    def action_compile_here(self) -> None:
        selected = self._need_selection()
        if selected is not None and self._main is not None:
            self._main.compile_at(selected)

    def action_priority(self, name: str) -> None:
        selected = self._need_selection()
        if selected is not None and self._main is not None:
            self._main.set_priority(selected, Priority(name))

    def action_search(self) -> None:
        if self._main is not None:
            self._main.open_search()

    def action_goto(self) -> None:
        if self._main is not None:
            self._main.open_goto()

    def action_copy_hash(self) -> None:
        selected = self._need_selection()
        if selected is None:
            return
        self.app.copy_to_clipboard(selected)
        self.notify(f"Copied {selected[:8]}…")

    def action_clear_search(self) -> None:
        if self.matches and self._main is not None:
            self._main.close_search()

    def action_next_match(self) -> None:
        self._step_match(+1)

    def action_prev_match(self) -> None:
        self._step_match(-1)

    # -- search matches ---------------------------------------------------------------------

    def set_matches(self, hashes: frozenset[str], *, filter_matches: bool = False) -> None:
        self.matches = hashes
        self.filter_matches = filter_matches and bool(hashes)
        self.refresh()

    def match_rows(self) -> list[int]:
        """Rows of the loaded matches, in graph order."""
        rows = (self.model.index_of(h) for h in self.matches)
        return sorted(r for r in rows if r is not None)

    def match_position(self) -> tuple[int, int]:
        """(1-based position of the cursor among the matches or 0, number of matches)."""
        rows = self.match_rows()
        position = rows.index(self.cursor) + 1 if self.cursor in rows else 0
        return position, len(self.matches)

    def _step_match(self, step: int) -> None:
        rows = self.match_rows()
        if not rows:
            self.notify("No matches" if self.matches else "No search: press / first", timeout=2)
            return
        if step > 0:
            after = [r for r in rows if r > self.cursor]
            target = after[0] if after else rows[0]  # wrap to the first
        else:
            before = [r for r in rows if r < self.cursor]
            target = before[-1] if before else rows[-1]
        self.move_to(target, center=True)

    # -- go to ------------------------------------------------------------------------------

    def goto_hash(self, commit_hash: str) -> None:
        """Select a commit; if it is not loaded yet, select it when the scan reaches it, and
        show unreachable commits if the full scan does not have it."""
        if self.select_hash(commit_hash):
            return
        self._goto_pending = commit_hash
        if self.model.complete:
            self._reveal_unreachable(commit_hash)
        else:
            self._want_selection = commit_hash

    _want_selection: str | None

    def rows_arrived(self, complete: bool) -> None:
        """Called by GraphView after each batch of rows."""
        pending = self._goto_pending
        if pending is None:
            return
        if self.model.index_of(pending) is not None:
            self._goto_pending = None
            self.select_hash(pending)
        elif complete:
            self._reveal_unreachable(pending)

    def _reveal_unreachable(self, commit_hash: str) -> None:
        from core.views.graph import GraphMode

        mode: GraphMode = self.mode  # type: ignore[attr-defined]
        if mode.show_unreachable and not mode.first_parent:
            self._goto_pending = None
            self.notify(f"{commit_hash[:8]} is not in this tract's graph", severity="warning")
            return
        self.mode = GraphMode(True, False)  # type: ignore[attr-defined]
        self.notify("Showing unreachable commits to reach it", timeout=3)
        self.reload(keep=commit_hash)
