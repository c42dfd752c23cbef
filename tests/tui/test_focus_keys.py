"""Focus moves as a person expects: leaving a detail pane returns to the list it details."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Input

from tests.pilot_helpers import rendered, wait_for
from tests.tui._action_helpers import build_store, make_app, ready
from tract_tui.widgets.detail_links import DetailLinks
from tract_tui.widgets.search_bar import SearchBar
from tract_tui.widgets.status_bar import StatusBar, store_names

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("key", ["escape", "shift+tab"])
async def test_leaving_the_detail_links_returns_to_the_graph(tmp_path: Path, key: str) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 40)) as pilot:
        graph = await ready(pilot)
        links = app.screen.query_one(DetailLinks)
        await wait_for(pilot, lambda: links.option_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.focused is links)
        await pilot.press(key)
        await wait_for(pilot, lambda: app.focused is graph)
        # the keys are the graph's again: j moves its cursor
        before = graph.cursor
        await pilot.press("j")
        await wait_for(pilot, lambda: graph.cursor == before + 1)
        assert app.focused is graph


async def test_the_search_bar_shows_what_is_typed_and_the_cursor(tmp_path: Path) -> None:
    """The bar is one line: the focused input's border must not take it (it hid the text)."""
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("slash")
        field = app.screen.query_one("#search-input", Input)
        await wait_for(pilot, lambda: app.focused is field)
        await pilot.press(*"answer")
        await wait_for(pilot, lambda: field.value == "answer")
        bar = app.screen.query_one(SearchBar)
        assert bar.region.height == 1 and field.region.height == 1
        line = rendered(field)
        assert line.startswith("answer"), line
        # the cursor sits just after the text, drawn in the input's cursor style
        field.cursor_blink = False
        strip = field.render_lines(Region(0, 0, field.size.width, 1))[0]
        cells = [seg.style for seg in strip for _ in seg.text]
        cursor = field.get_component_rich_style("input--cursor")
        assert cells[len("answer")] is not None
        assert cells[len("answer")].bgcolor == cursor.bgcolor


async def test_at_80_columns_the_status_bar_keeps_the_counter(tmp_path: Path) -> None:
    """A long store path gives way (to its name) so the branch and ``n/N commits`` stay."""
    deep = tmp_path / ("a-rather-long-directory-name-" * 3) / "nested"
    deep.mkdir(parents=True)
    built = build_store(deep / "agent-run.db")
    app = make_app(built.path)
    async with app.run_test(size=(80, 24)) as pilot:
        graph = await ready(pilot)
        status = app.screen.query_one(StatusBar)
        total = len(graph.model)
        await wait_for(pilot, lambda: f"1/{total} commits" in rendered(status))
        assert rendered(status).strip() == (
            f"tract-tui agent-run.db  on main {graph.refs.head[:8]}  1/{total} commits"
        )
        await pilot.resize_terminal(300, 24)
        await wait_for(pilot, lambda: str(deep) in rendered(status))
        assert f"1/{total} commits" in rendered(status)


def test_store_names_shorten_from_the_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/ann")
    assert store_names("/home/ann/runs/demo.db") == [
        "/home/ann/runs/demo.db",
        "~/runs/demo.db",
        "demo.db",
    ]
    assert store_names("demo.db") == ["demo.db"]
    assert store_names("postgresql+psycopg://u:***@db:5432/agents")[-1] == "agents"
