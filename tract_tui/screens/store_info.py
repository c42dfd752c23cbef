"""``I``: what the store holds besides history, read-only — its tract-ai layout and the rules
it compiles by, the tract's tag registry, and tract-ai's settings tables (``operation_configs``,
``config_change_log``, ``behavioral_specs``). Stored JSON is shown as data, never markup."""

from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from core import StoreInfo, Tract
from core.views.text import display_block, display_line
from tract_tui.actions import bindings_for
from tract_tui.workers import WorkerEndings

SHOWN_ROWS = 200  # per table; the rest are counted


def _json(raw: str | None) -> str:
    """Stored JSON, indented when it parses (as stored otherwise)."""
    if raw is None:
        return "null"
    try:
        return json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except ValueError:
        return raw


def render_store_info(info: StoreInfo) -> Text:
    out = Text()
    version = "unknown" if info.schema_version is None else f"v{info.schema_version}"
    out.append("layout ", style="bold")
    out.append(f"{display_line(info.layout)} (schema {version}); compiles as tract-ai ")
    out.append(display_line(info.rules), style="bold")
    out.append("\n")
    _title(out, "tag registry", len(info.registered_tags))
    for tag in info.registered_tags[:SHOWN_ROWS]:
        out.append(f"  #{display_line(tag.name)}", style="cyan")
        if tag.description:
            out.append(f" — {display_line(tag.description)}")
        out.append(" (base)\n" if tag.auto_created else "\n", style="dim")
    _more(out, len(info.registered_tags))
    _title(out, "operation_configs", len(info.operation_configs))
    for config in info.operation_configs[:SHOWN_ROWS]:
        out.append(f"  {display_line(config.config_key)}", style="bold")
        out.append(f"  {config.created_at:%Y-%m-%d %H:%M}\n", style="dim")
        out.append(_indent(_json(config.config_json)))
    _more(out, len(info.operation_configs))
    _title(out, "config_change_log", len(info.config_changes))
    for change in info.config_changes[:SHOWN_ROWS]:
        out.append(f"  #{change.id} {change.created_at:%Y-%m-%d %H:%M:%S} ", style="dim")
        out.append(display_line(change.change_type), style="bold")
        if change.change_key:
            out.append(f" {display_line(change.change_key)}")
        if change.source:
            out.append(f" (by {display_line(change.source)})", style="dim")
        out.append("\n")
        if change.previous_json is not None:
            out.append("    before:\n", style="dim")
            out.append(_indent(_json(change.previous_json), 6))
        if change.config_json is not None:
            out.append("    after:\n" if change.previous_json is not None else "", style="dim")
            out.append(_indent(_json(change.config_json), 6))
    _more(out, len(info.config_changes))
    _title(out, "behavioral_specs", len(info.behavioral_specs))
    for spec in info.behavioral_specs[:SHOWN_ROWS]:
        out.append(f"  {display_line(spec.spec_type)} ", style="magenta")
        out.append(display_line(spec.spec_name), style="bold")
        out.append(f"  updated {spec.updated_at:%Y-%m-%d %H:%M}\n", style="dim")
        out.append(_indent(_json(spec.spec_json)))
    _more(out, len(info.behavioral_specs))
    return out


def _title(out: Text, title: str, count: int) -> None:
    out.append(f"\n{title} ({count})\n", style="bold underline")
    if not count:
        out.append("  none for this tract\n", style="dim")


def _more(out: Text, count: int) -> None:
    if count > SHOWN_ROWS:
        out.append(f"  … and {count - SHOWN_ROWS} more\n", style="dim")


def _indent(text: str, by: int = 4) -> str:
    pad = " " * by
    return "".join(f"{pad}{line}\n" for line in display_block(text).splitlines())


class StoreInfoScreen(ModalScreen[None], WorkerEndings):
    BINDINGS = bindings_for("modal")
    DEFAULT_CSS = """
    StoreInfoScreen { align: center middle; }
    StoreInfoScreen > Vertical { width: 100; max-width: 100%; height: 90%; border: thick $accent;
        background: $surface; padding: 0 1; }
    StoreInfoScreen .title { text-style: bold; height: 1; }
    StoreInfoScreen VerticalScroll { height: 1fr; }
    StoreInfoScreen .hint { color: $text-muted; height: 1; }
    """

    def __init__(self, tract: Tract) -> None:
        super().__init__()
        self.tract = tract

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Store info (read-only)"), classes="title")
            with VerticalScroll(id="store-info-body"):
                yield Static(Text("Reading…", style="italic"), id="store-info")
            yield Static(Text("escape: close"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self._load()

    @work(thread=True, exclusive=True, group="store-info", exit_on_error=False)
    def _load(self) -> None:
        info = self.tract.store_info()
        self.app.call_from_thread(self._show, info)

    def _show(self, info: StoreInfo) -> None:
        self.query_one("#store-info", Static).update(render_store_info(info))

    def action_close(self) -> None:
        self.dismiss(None)
