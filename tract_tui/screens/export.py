"""``x``: export a compile record (Records) or the live compile at the selected commit (graph)
as OpenAI messages JSON, Anthropic messages JSON or Markdown — to a new file in the current
directory, or to the clipboard.

The document comes from the core (``StoreReader.export``, what ``tract-tui export`` prints);
this dialog only picks the format and the destination. A file is created, never overwritten:
when the name is taken, ``-2``, ``-3`` … is added. Reads only: the store is not touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from tract_tui.workers import WorkerEndings

# format → (what people call it, the file suffix)
FORMATS = {
    "openai": ("OpenAI messages JSON", ".openai.json"),
    "anthropic": ("Anthropic messages JSON", ".anthropic.json"),
    "markdown": ("Markdown", ".md"),
}
MAX_TRIES = 1000


@dataclass(frozen=True)
class ExportTarget:
    """What to export: a record, or the live compile ``at`` a commit; ``label`` for people,
    ``stem`` for the file name."""

    record: str | None
    at: str | None
    label: str
    stem: str


def write_new_file(directory: Path, stem: str, suffix: str, text: str) -> Path:
    """``text`` in a file that did not exist (``stem-2`` … when the name is taken)."""
    for n in range(1, MAX_TRIES + 1):
        path = directory / (f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with path.open("x", encoding="utf-8") as f:
                f.write(text)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{stem}{suffix} and {MAX_TRIES - 1} numbered names are taken")


class ExportScreen(ModalScreen[None], WorkerEndings):
    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical { width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: thick $accent; background: $surface; padding: 0 1; }
    ExportScreen .title { text-style: bold; }
    ExportScreen OptionList { height: auto; max-height: 12; border: none; padding: 0;
        margin-top: 1; }
    ExportScreen .status { margin-top: 1; height: auto; }
    ExportScreen .hint { color: $text-muted; margin-top: 1; }
    """

    class _Done(Message):
        def __init__(self, fmt: str, to: str, text: str, path: Path | None) -> None:
            super().__init__()
            self.fmt = fmt
            self.to = to
            self.text = text
            self.path = path

    def __init__(self, reader: StoreReader, target: ExportTarget, directory: Path) -> None:
        super().__init__()
        self.reader = reader
        self.target = target
        self.directory = directory
        self.choices = [(fmt, to) for to in ("file", "clipboard") for fmt in FORMATS]
        self.status = Static(classes="status")
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Export {display_line(self.target.label)}"), classes="title")
            yield OptionList(
                *(Option(self._label(fmt, to), id=f"{fmt}:{to}") for fmt, to in self.choices),
                id="export-choices",
            )
            yield self.status
            yield Static(Text("enter: export   escape: close"), classes="hint")

    def _label(self, fmt: str, to: str) -> Text:
        name, suffix = FORMATS[fmt]
        out = Text(f"{name:<24}", style="bold")
        where = f"./{self.target.stem}{suffix}" if to == "file" else "the clipboard"
        out.append(f" → {display_line(where)}")
        return out

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.busy or event.option.id is None:
            return
        fmt, to = event.option.id.split(":")
        self.busy = True
        self.status.update(Text(f"Exporting as {FORMATS[fmt][0]}…", style="dim"))
        self._export(fmt, to)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, fmt: str, to: str) -> None:
        t = self.target
        text = self.reader.export(fmt, record=t.record, at=t.at)
        path = None
        if to == "file":
            path = write_new_file(self.directory, t.stem, FORMATS[fmt][1], text)
        self.post_message(self._Done(fmt, to, text, path))

    def worker_failed(self, worker: Worker[Any], failed: Failure) -> None:
        """Said in the dialog: another choice may still work (a gone head fails them all)."""
        self.busy = False
        self.status.update(Text(f"Not exported: {display_line(failed.because)}", style="bold red"))

    def on_export_screen__done(self, message: _Done) -> None:
        name = FORMATS[message.fmt][0]
        size = f"{len(message.text):,} characters"
        if message.path is None:
            self.app.copy_to_clipboard(message.text)  # OSC 52: the terminal decides
            said = f"Copied {self.target.label} as {name} to the clipboard ({size})"
        else:
            shown = message.path.name if message.path.parent == self.directory else message.path
            said = f"Exported {self.target.label} as {name} to ./{shown} ({size})"
        self.notify(display_line(said), markup=False)
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
