"""``b``: pick a branch to switch to (the current one is marked). A bounded list: OptionList."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.read import RefsState, StoreReader
from core.views.text import display_line
from tract_tui.actions import bindings_for
from tract_tui.widgets.footer import KeyFooter
from tract_tui.widgets.nav_list import NavList
from tract_tui.workers import WorkerEndings


class BranchPickerScreen(ModalScreen[str | None], WorkerEndings):
    """Dismisses with the chosen branch name, or None."""

    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    BranchPickerScreen { align: center middle; }
    BranchPickerScreen > Vertical { width: 60; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1; }
    BranchPickerScreen .title { text-style: bold; }
    BranchPickerScreen OptionList { height: auto; max-height: 20; border: none; }
    BranchPickerScreen .hint { color: $text-muted; }
    """

    def __init__(self, reader: StoreReader) -> None:
        super().__init__()
        self.reader = reader
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Switch branch"), classes="title")
            yield NavList(id="branches")
            yield Static(Text("enter: switch   escape: close"), classes="hint")
        yield KeyFooter()  # the dialog's own keys while it is open

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self._load()

    @work(thread=True, exclusive=True, group="branches", exit_on_error=False)
    def _load(self) -> None:
        self.app.call_from_thread(self._show, self.reader.refs())

    def _show(self, refs: RefsState) -> None:
        self.names = sorted(refs.branches)
        options = self.query_one(OptionList)
        options.clear_options()
        current = None if refs.detached else refs.branch
        for i, name in enumerate(self.names):
            label = Text("● " if name == current else "  ", style="bold green")
            label.append(display_line(name), style="bold" if name == current else "")
            options.add_option(Option(label, id=str(i)))
            if name == current:
                options.highlighted = i
        if not self.names:
            options.add_option(Option(Text("no branches yet", style="dim"), disabled=True))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(self.names[int(event.option.id)])

    def action_close(self) -> None:
        self.dismiss(None)
