"""``w``: why is this commit (not) in the compile? One verdict and its chain, as a dialog.

The answer comes from the core (``StoreReader.why``, docs/explanations.md) relative to one
compile record — the one the lens shows, else the one selected in the records view, else the
latest — and the dialog says which. Every commit and event the chain names is a link:
``enter`` closes the dialog and jumps there (a commit to its graph row, an event to the events
view). Stored text is data: only ``Text`` built from safe strings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from core.read import StoreReader
from core.views.text import display_line
from tract_tui.actions import bindings_for
from tract_tui.failures import Failure
from tract_tui.widgets.detail_links import Link
from tract_tui.widgets.footer import KeyFooter
from tract_tui.widgets.nav_list import NavList
from tract_tui.workers import WorkerEndings

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import Explanation, Step

VERDICT_STYLE = {
    "used": "bold green",
    "edited": "bold yellow",
    "skipped": "bold red",
    "compressed": "bold cyan",
    "replaced": "bold magenta",
    "not_on_branch": "bold",
    "after_record": "bold",
    "unreachable": "bold red",
    "not_compiled": "bold red",
}


def chain_options(why: Explanation) -> list[tuple[Link, Text]]:
    """One disabled line per step (its sentence), then a link for each commit and event it
    names — in chain order, each commit once (the one asked about is where the user is)."""
    out: list[tuple[Link, Text]] = []
    offered = {why.commit}
    for number, step in enumerate(why.chain, 1):
        line = Text()
        line.append(f"{number}. ", style="bold")
        line.append(display_line(step.text))
        out.append((Link("none", ""), line))
        for commit_hash in (step.commit, *step.commits):
            if commit_hash in offered:
                continue
            offered.add(commit_hash)
            out.append((Link("commit", commit_hash, unreachable=True), _commit_link(commit_hash)))
        if step.event_id:
            out.append((Link("event", step.event_id), _event_link(step)))
    return out


def _commit_link(commit_hash: str) -> Text:
    text = Text("   → commit ", style="dim")
    text.append(commit_hash[:12], style="yellow")
    return text


def _event_link(step: Step) -> Text:
    text = Text("   → event ", style="dim")
    kind = display_line(step.event_type or "operation")
    text.append(f"{kind} {(step.event_id or '')[:12]}", style="cyan")
    return text


def verdict_text(why: Explanation) -> Text:
    out = Text()
    out.append(why.verdict.replace("_", " ").upper(), style=VERDICT_STYLE.get(why.verdict, "bold"))
    out.append("  ")
    out.append(display_line(why.brief), style="italic")
    return out


class WhyScreen(ModalScreen[Link | None], WorkerEndings):
    """Dismisses with the link the user followed, or None."""

    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    WhyScreen { align: center middle; }
    WhyScreen > Vertical { width: 96; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1; }
    WhyScreen .title { text-style: bold; }
    WhyScreen .relative { color: $text-muted; }
    WhyScreen .verdict { margin-top: 1; height: auto; }
    WhyScreen OptionList { height: auto; max-height: 24; border: none; padding: 0;
        margin-top: 1; }
    WhyScreen .hint { color: $text-muted; margin-top: 1; }
    """

    class _Answer(Message):
        def __init__(self, why: Explanation) -> None:
            super().__init__()
            self.why = why

    def __init__(
        self, reader: StoreReader, commit_hash: str, record: str | None, relative_to: str
    ) -> None:
        super().__init__()
        self.reader = reader
        self.commit_hash = commit_hash
        self.record = record
        self.relative_to = relative_to  # how the record was chosen ("the latest record", …)
        self.why: Explanation | None = None
        self.links: list[Link] = []
        self.verdict = Static(Text("… working it out", style="dim"), classes="verdict")
        self.chain = NavList(id="why-chain")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Why {self.commit_hash[:12]}?"), classes="title")
            yield Static(Text(self.relative_to), classes="relative", id="why-relative")
            yield self.verdict
            yield self.chain
            yield Static(Text("enter: follow the link   escape: close"), classes="hint")
        yield KeyFooter()  # the dialog's own keys while it is open

    def on_mount(self) -> None:
        self.chain.display = False
        self._ask()

    @work(thread=True, exclusive=True, group="why", exit_on_error=False)
    def _ask(self) -> None:
        self.post_message(self._Answer(self.reader.why(self.commit_hash, record=self.record)))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """A read: say why in place (the dialog stays, escape closes it)."""
        self.verdict.update(Text(f"Cannot explain: {failed.because}", style="red"))

    def on_why_screen__answer(self, message: _Answer) -> None:
        why = self.why = message.why
        self.query_one("#why-relative", Static).update(
            Text(f"relative to {why.subject.label} ({self.relative_to})")
        )
        self.verdict.update(verdict_text(why))
        items = chain_options(why)
        self.links = [link for link, _ in items]
        self.chain.clear_options()
        self.chain.add_options([Option(text, disabled=link.kind == "none") for link, text in items])
        self.chain.display = True
        first = next((i for i, link in enumerate(self.links) if link.kind != "none"), None)
        if first is not None:
            self.chain.highlighted = first
        self.chain.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.links):
            link = self.links[event.option_index]
            if link.kind != "none":
                self.dismiss(link)

    def action_close(self) -> None:
        self.dismiss(None)
