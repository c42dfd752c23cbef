"""The same keys everywhere (issue 13 §6): ``j``/``k``/``G``/``home`` move in every list,
``g``, ``/`` and ``?`` work from every view, and the footer shows the keys of what has the
focus (a dialog's own while it is open). Everything comes from the one action table."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TabbedContent

from tests.pilot_helpers import rendered_all, wait_for
from tests.tui._action_helpers import make_app, ready
from tests.tui.test_jumps import build
from tract_tui.screens.goto import GotoScreen
from tract_tui.screens.help import HelpBody, HelpScreen
from tract_tui.screens.why import WhyScreen
from tract_tui.widgets.detail_links import DetailLinks
from tract_tui.widgets.footer import KeyFooter
from tract_tui.widgets.records_panel import RecordCommits
from tract_tui.widgets.search_bar import SearchBar

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def footer_text(pilot: Pilot) -> str:
    return " ".join(rendered_all(f) for f in pilot.app.screen.query(KeyFooter))


async def test_j_k_and_G_move_in_the_detail_links(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        graph = await ready(pilot)
        assert graph.select_hash(built.summary)
        links = app.screen.query_one(DetailLinks)
        await wait_for(pilot, lambda: len(links.links) >= 4)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is links and links.highlighted == 0)
        await wait_for(pilot, lambda: "⏎ Open" in footer_text(pilot))  # the links' own keys
        assert "Compress" not in footer_text(pilot)
        await pilot.press("j")
        assert links.highlighted == 1
        await pilot.press("k")
        assert links.highlighted == 0
        await pilot.press("G")
        assert links.highlighted == len(links.links) - 1
        await pilot.press("home")
        assert links.highlighted == 0


async def test_j_k_move_in_a_records_commits(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        await ready(pilot)
        await pilot.press("3")
        table = app.screen.query_one(RecordCommits)
        await wait_for(pilot, lambda: table.row_count >= 3)
        await pilot.press("o")  # focus the record's commits
        await wait_for(pilot, lambda: app.focused is table)
        start = table.cursor_row
        await pilot.press("j", "j")
        assert table.cursor_row == start + 2
        await pilot.press("k")
        assert table.cursor_row == start + 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        assert isinstance(table, DataTable)


async def test_j_k_move_in_the_why_chain_and_the_footer_is_the_dialogs(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        graph = await ready(pilot)
        source_row = graph.model.index_of(built.summary)
        assert source_row is not None
        await pilot.press("a")  # the compressed originals: their why chain has links
        await wait_for(pilot, lambda: graph.mode.show_unreachable and graph.model.complete)
        sources = [
            h for h in graph.model.hashes if graph.model.unreachable[graph.model.index_of(h) or 0]
        ]
        assert sources and graph.select_hash(sources[0])
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WhyScreen))
        why = app.screen
        assert isinstance(why, WhyScreen)
        await wait_for(pilot, lambda: why.chain.display and app.focused is why.chain)
        links = [i for i, link in enumerate(why.links) if link.kind != "none"]
        assert len(links) >= 2, why.links
        assert why.chain.highlighted == links[0]
        await pilot.press("j")
        assert why.chain.highlighted == links[1]
        await pilot.press("k")
        assert why.chain.highlighted == links[0]
        # the dialog's own keys, not the graph's behind it
        await wait_for(pilot, lambda: "Close" in footer_text(pilot))
        assert "Compress" not in footer_text(pilot)


@pytest.mark.parametrize("view", ["2", "3"])
async def test_g_slash_and_question_mark_work_from_every_view(tmp_path: Path, view: str) -> None:
    built = build(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        graph = await ready(pilot)
        tabs = app.screen.query_one(TabbedContent)
        await pilot.press(view)
        await wait_for(pilot, lambda: tabs.active != "graph")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GotoScreen))
        app.screen.query_one(Input).value = built.parent[:8]
        await pilot.press("enter")
        await wait_for(pilot, lambda: graph.selected_hash == built.parent)
        assert tabs.active == "graph"
        await pilot.press(view)
        await wait_for(pilot, lambda: tabs.active != "graph")
        await pilot.press("slash")
        bar = app.screen.query_one(SearchBar)
        await wait_for(pilot, lambda: app.focused is bar.input and tabs.active == "graph")
        await pilot.press("escape")
        await pilot.press(view)
        await wait_for(pilot, lambda: tabs.active != "graph")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_the_help_list_moves_with_j_k_G_after_the_filter(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        filter_input = app.screen.query_one(Input)
        body = app.screen.query_one(HelpBody)
        await wait_for(pilot, lambda: app.focused is filter_input and body.max_scroll_y > 0)
        await pilot.press("j")  # typed: it filters, it does not move
        await wait_for(pilot, lambda: filter_input.value == "j")
        await pilot.press("backspace", "enter")  # enter hands the list the keys
        await wait_for(pilot, lambda: app.focused is body)
        await pilot.press("j", "j", "j")
        await wait_for(pilot, lambda: body.scroll_y == 3)
        await pilot.press("k")
        await wait_for(pilot, lambda: body.scroll_y == 2)
        await pilot.press("G")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y)
        await pilot.press("home")
        await wait_for(pilot, lambda: body.scroll_y == 0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
