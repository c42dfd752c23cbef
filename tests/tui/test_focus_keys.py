"""Focus moves as a person expects: leaving a detail pane returns to the list it details."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import build_store, make_app, ready
from tract_tui.widgets.detail_links import DetailLinks

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
