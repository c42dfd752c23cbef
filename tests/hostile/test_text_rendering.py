"""Stored text is data: escape sequences, markup, controls, zero-width and bidi characters, wide
CJK and emoji are shown escaped or verbatim — never interpreted — and columns stay aligned.

One store holds every hostile string in commit texts and messages, branch names, a custom
content type, an operation event (type, branch, params) and compile-record reasons
(``_hostile_store``). The TUI (Pilot, 120×34) and the CLI must show each one's safe form.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import TextArea
from textual.widgets._toast import Toast

from core import Tract
from core.engine.clock import FrozenClock
from tests.hostile._hostile_store import (
    HOSTILE,
    NOW,
    RAW_CONTROLS,
    SHOWN,
    HostileStore,
    build,
)
from tests.hostile.conftest import squeeze
from tests.pilot_helpers import rendered, rendered_all, wait_for
from tests.tui.conftest import screen_text
from tract_tui.app import TractApp
from tract_tui.cli import main
from tract_tui.screens.branch_picker import BranchPickerScreen
from tract_tui.screens.compile_diff import CompileDiffScreen
from tract_tui.screens.compress import CompressScreen
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.events_panel import EventsPanel, tokens_text
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.records_panel import RecordsPanel
from tract_tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.anyio
SIZE = (120, 34)
HASH = re.compile(r"\b[0-9a-f]{8}\b")


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> HostileStore:
    return build(tmp_path_factory.mktemp("hostile") / "hostile.db")


@pytest.fixture
def hostile(hostile_template: HostileStore, tmp_path: Path) -> HostileStore:
    from tests.conftest import copy_sqlite_store

    path = copy_sqlite_store(hostile_template.path, tmp_path / "hostile.db")
    return HostileStore(
        path,
        hostile_template.tract_id,
        hostile_template.commits,
        hostile_template.custom,
        hostile_template.records,
        hostile_template.event_id,
    )


def app_for(path: Path) -> TractApp:
    return TractApp(Tract.open(str(path)), clock=FrozenClock(NOW))


def assert_safe(text: str, where: str) -> None:
    raw = [c for c in RAW_CONTROLS if c in text]
    assert not raw, f"{where}: raw control characters {raw!r} reached the screen"


def shown_somewhere(text: str, name: str) -> bool:
    return all(squeeze(f) in squeeze(text) for f in SHOWN[name])


async def open_app(pilot: Pilot) -> GraphView:
    graph = pilot.app.screen.query_one(GraphView)
    await wait_for(pilot, lambda: graph.model.complete and len(graph.details) >= len(graph.model))
    await pilot.pause(0.1)
    return graph


async def toast_text(pilot: Pilot, needle: str) -> str:
    """The whole screen, once a notification toast on it shows ``needle``."""
    app = pilot.app
    text = ""

    def found() -> bool:
        nonlocal text
        text = screen_text(app)
        return bool(list(app.screen.query(Toast))) and squeeze(needle) in squeeze(text)

    await wait_for(pilot, found)
    return text


# -- TUI --------------------------------------------------------------------------------------


async def test_graph_rows_are_escaped_and_aligned(hostile: HostileStore) -> None:
    async with app_for(hostile.path).run_test(size=SIZE) as pilot:
        graph = await open_app(pilot)
        width = graph.size.width
        starts: set[int] = set()
        lines = []
        for y in range(min(graph.size.height, len(graph.model))):
            strip = graph.render_line(y)
            text = strip.text
            lines.append(text)
            assert_safe(text, f"graph row {y}")
            assert strip.cell_length == width == cell_len(text), f"row {y} is not {width} cells"
            match = HASH.search(text)
            assert match is not None and match.group() == graph.model.hashes[y][:8]
            starts.add(cell_len(text[: match.start()]))
        assert len(starts) == 1, f"the hash column moves between rows: {sorted(starts)}"
        screen = "\n".join(lines)
        # Commit messages: every hostile text shows in its safe form (the first 20 cells of
        # it at least: long ones are cut at the pane's edge).
        for name in HOSTILE:
            if name in ("cr", "zero_width", "controls"):
                continue  # compressed away (their summary shows instead)
            assert SHOWN[name][0][:20] in screen, name
        # Branch names and a custom content type (the badge) from a foreign writer.
        head_row = lines[0]
        assert "(\\x1b[31mevil)" in head_row and "([bold]b[/])" in head_row
        assert "\\x1b" in head_row.split(hostile.custom[:8])[1]  # the badge of "\x1b[7mct漢"


async def test_detail_pane_shows_every_commit_literally(hostile: HostileStore) -> None:
    async with app_for(hostile.path).run_test(size=SIZE) as pilot:
        graph = await open_app(pilot)
        detail = pilot.app.screen.query_one("#graph-detail", DetailPane)
        seen: set[str] = set()
        for row in range(len(graph.model)):
            graph.move_to(row)
            h = graph.model.hashes[row]
            await wait_for(pilot, lambda h=h: detail._rendered == h)
            await pilot.pause(0.02)
            text = rendered_all(detail)
            assert_safe(text, f"detail of {h[:8]}")
            seen |= {name for name in HOSTILE if shown_somewhere(text, name)}
        assert seen == set(HOSTILE)
        graph.move_to(0)  # the custom type's name, escaped
        await wait_for(pilot, lambda: detail._rendered == hostile.custom)
        await pilot.pause(0.02)
        assert "\\x1b[7mct漢" in rendered(detail.body)


async def test_events_panel_escapes_and_keeps_columns(hostile: HostileStore) -> None:
    async with app_for(hostile.path).run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await pilot.press("2")
        panel = pilot.app.screen.query_one(EventsPanel)
        events = panel.event_list
        await wait_for(pilot, lambda: events.total == 2 and events.row_at(1) is not None)
        # Lines are read by offset below: the list must be laid out and at its top.
        await wait_for(pilot, lambda: events.size.height > 3 and events.scroll_offset.y == 0)
        columns: set[int] = set()
        for index in range(2):
            row = events.row_at(index)
            assert row is not None
            strip = events.render_line(index + 1)
            text = strip.text
            assert_safe(text, f"event row {index}")
            assert strip.cell_length == events.size.width
            assert tokens_text(row) in text, (text, tokens_text(row), events.size)
            columns.add(cell_len(text[: text.index(tokens_text(row))]))
        assert len(columns) == 1, f"the tokens column moves: {columns}"
        first = events.render_line(1).text  # the foreign event (newest) comes first
        # Both names escaped and cut with an ellipsis (how much fits depends on the columns).
        assert " \\x1b]0;t\\… " in first
        assert re.search(r" \\x1b\[2Jb\w*… ", first), first
        detail = panel.detail
        await wait_for(pilot, lambda: detail.loaded == hostile.event_id)
        await pilot.pause(0.05)
        text = rendered_all(detail)
        assert_safe(text, "event detail")
        for fragment in ("\\x1b]0;t\\x07[b]ev", "\\x1b[2Jbr漢", "[bold]B[/bold]", "\\u202eevil"):
            assert squeeze(fragment) in squeeze(text), fragment
        events.move_to(1)  # the compress with hostile instructions
        await wait_for(
            pilot, lambda: detail.row is not None and detail.row.event_type == "compress"
        )
        await pilot.pause(0.1)
        text = rendered_all(detail)
        assert_safe(text, "compress event detail")
        assert squeeze("instructions   \\x1b[31mred\\x1b[0m") in squeeze(text)


async def test_records_panel_and_compile_diff(hostile: HostileStore) -> None:
    async with app_for(hostile.path).run_test(size=SIZE) as pilot:
        await open_app(pilot)
        await pilot.press("3")
        panel = pilot.app.screen.query_one(RecordsPanel)
        records = panel.record_list
        await wait_for(pilot, lambda: records.total == 2 and records.row_at(1) is not None)
        # Lines are read by offset below: the list must be laid out and at its top.
        await wait_for(pilot, lambda: records.size.height > 3 and records.scroll_offset.y == 0)
        for y in range(1, 3):
            strip = records.render_line(y)
            assert_safe(strip.text, f"record row {y}")
            assert strip.cell_length == records.size.width
        # Its reason, escaped and cut with an ellipsis at the row's end.
        last = records.render_line(2).text
        assert re.search(r"cl100k_base  \\x1b\[31m\w*…$", last), last
        detail = panel.detail
        await wait_for(pilot, lambda: detail.row is not None and detail.table.row_count > 0)
        await wait_for(pilot, lambda: "checking" not in rendered(detail.badge))
        detail.table.styles.width = 400
        await pilot.pause(0.1)
        assert_safe(rendered_all(detail), "record detail")
        assert "[bold]B[/bold]" in rendered(detail.table)
        app = pilot.app
        records.focus()
        await wait_for(pilot, lambda: app.focused is records)
        await pilot.press("d")  # the selected record against the one before it
        await wait_for(pilot, lambda: isinstance(app.screen, CompileDiffScreen))
        screen = app.screen
        assert isinstance(screen, CompileDiffScreen)
        await wait_for(pilot, lambda: screen.diff is not None and len(screen.view.lines) > 0)
        view = screen.view
        await wait_for(pilot, lambda: not view._pending)
        await pilot.pause(0.05)
        text = []
        for y in range(view.size.height):
            strip = view.render_line(y)
            assert strip.cell_length == view.size.width
            text.append(strip.text)
        assert_safe("\n".join(text), "compile diff")
        assert_safe(rendered(screen.head), "compile diff head")
        assert "\\x1b[31mred" in "\n".join(text)


async def test_notifications_and_status_bar_never_interpret(hostile: HostileStore) -> None:
    async with app_for(hostile.path).run_test(size=SIZE, notifications=True) as pilot:
        await open_app(pilot)
        app = pilot.app
        # A failure whose message quotes user input: markup in it must stay characters.
        app.screen.compile_at("[bold]nope[/] \x1b]0;x\x07")  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: any("nope" in n.message for n in app._notifications))
        toasts = await toast_text(pilot, "nope")
        # The message keeps the ref as written; the toast draws its markup as characters.
        (message,) = [n.message for n in app._notifications if "nope" in n.message]
        assert "'[bold]nope[/] \\x1b]0;x\\x07'" in message
        assert "[bold]nope" in squeeze(toasts)
        assert_safe(toasts, "error toast")
        # Switch to the branch named "[bold]b[/]" with the picker, then to "\x1b[31mevil".
        for name, shown in (("[bold]b[/]", "[bold]b[/]"), ("\x1b[31mevil", "\\x1b[31mevil")):
            await switch_with_picker(pilot, name, shown)


async def switch_with_picker(pilot: Pilot, name: str, shown: str) -> None:
    """``b``, pick branch ``name``: the picker, the toast and the status bar show ``shown``."""
    app = pilot.app
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, BranchPickerScreen))
    picker = app.screen
    assert isinstance(picker, BranchPickerScreen)
    await wait_for(pilot, lambda: bool(picker.names))
    assert_safe(rendered(picker), "branch picker")
    picker.dismiss(name)
    await wait_for(pilot, lambda: any(shown in n.message for n in app._notifications))
    status = app.screen.query_one(StatusBar)
    await wait_for(pilot, lambda: status.branch == name)
    await pilot.pause(0.05)
    assert shown in rendered(status)
    assert_safe(rendered(status), "status bar")
    toasts = await toast_text(pilot, f"Switched to {shown}")
    assert_safe(toasts, "switch toast")


async def test_compress_drafts_are_made_safe(hostile: HostileStore) -> None:
    """The manual-summary editors are prefilled with extractive drafts quoting stored text;
    a TextArea draws controls raw, so the drafts arrive escaped."""
    async with app_for(hostile.path).run_test(size=SIZE) as pilot:
        graph = await open_app(pilot)
        app = pilot.app
        graph.move_to(len(graph.model) - 3)  # an early user commit (osc_title) .. HEAD
        graph.focus()
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, CompressScreen))
        screen = app.screen
        assert isinstance(screen, CompressScreen)
        await wait_for(pilot, lambda: screen.preview is not None)
        screen.select_summarizer("manual")
        await wait_for(pilot, lambda: bool(list(screen.query(TextArea))))
        await pilot.pause(0.1)
        areas = list(screen.query(TextArea))
        drafts = "\n".join(a.text for a in areas)
        assert_safe(drafts, "compress drafts")
        assert "\\x1b]0;pwned-title\\x07" in drafts
        assert_safe("\n".join(rendered(a) for a in areas), "compress editors")
        assert_safe(rendered_all(screen), "compress preview")


# -- CLI --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["log"],
        ["log", "--graph"],
        ["summary"],
        ["events"],
        ["records"],
        ["compile"],
        ["verify"],
    ],
    ids=lambda a: "-".join(a),
)
def test_cli_output_is_escaped(
    hostile: HostileStore, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*argv[:1], str(hostile.path), *argv[1:]])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    text = captured.out + captured.err
    assert_safe(text, " ".join(argv))
    if argv[0] in ("log", "compile"):
        assert "[bold]B[/bold] [link=https://evil.example]" in text
        assert "\\x1b[31mred\\x1b[0m" in text


def test_cli_summary_keeps_branch_columns_aligned(
    hostile: HostileStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["summary", str(hostile.path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if re.match("  [* ] ", line)]
    starts = {cell_len(line[: HASH.search(line).start()]) for line in lines}  # type: ignore[union-attr]
    assert len(lines) == 5 and len(starts) == 1, lines


def test_cli_log_graph_keeps_hash_column(
    hostile: HostileStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", str(hostile.path), "--graph"]) == 0
    lines = capsys.readouterr().out.splitlines()
    starts = {cell_len(line[: HASH.search(line).start()]) for line in lines}  # type: ignore[union-attr]
    assert len(starts) == 1
