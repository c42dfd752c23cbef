"""``x`` exports a record (Records) or the live compile at the selected commit (graph): the
document the core renders, to a new file in the current directory or to the clipboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core import Store, Tract
from tests.pilot_helpers import rendered, wait_for
from tests.tui.conftest import settle
from tract_tui.app import TractApp
from tract_tui.screens.export import ExportScreen
from tract_tui.screens.main import MainScreen
from tract_tui.widgets.graph_view import GraphView

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _expected(path: Path, fmt: str, **where: str) -> str:
    store = Store.open(str(path))
    try:
        return Tract.open(store).export(fmt, **where)  # type: ignore[arg-type]
    finally:
        store.close()


async def _choose(pilot, app: TractApp, downs: int) -> str:  # type: ignore[no-untyped-def]
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
    screen = app.screen
    text = "\n".join(rendered(w) for w in screen.query("Static, OptionList"))
    await pilot.press(*(["down"] * downs), "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
    return text


async def test_export_a_record_to_files_and_a_compile_to_the_clipboard(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    store = Store.open(str(demo_store))
    try:
        newest = Tract.open(store).records()[0].record_id
    finally:
        store.close()
    markdown = _expected(demo_store, "markdown", record=newest)
    app = tract_app(demo_store)  # the current directory is the store's (tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        dialog = await _choose(pilot, app, downs=2)
        short = newest[:8]
        assert f"Export record {short}" in dialog
        assert f"Markdown                 → ./record-{short}.md" in dialog
        assert "OpenAI messages JSON     → the clipboard" in dialog
        first = demo_store.parent / f"record-{short}.md"
        await wait_for(pilot, first.exists)
        assert first.read_text(encoding="utf-8") == markdown
        # Again: a new file beside it, the first one untouched.
        await _choose(pilot, app, downs=2)
        second = demo_store.parent / f"record-{short}-2.md"
        await wait_for(pilot, second.exists)
        assert second.read_text(encoding="utf-8") == markdown
        # The graph: the live compile at the selected commit, as Anthropic JSON, copied.
        await pilot.press("1")
        graph = app.screen.query_one(GraphView)
        await wait_for(pilot, lambda: graph.selected_hash is not None)
        at = graph.selected_hash
        assert at is not None
        dialog = await _choose(pilot, app, downs=4)
        assert f"Export the compile of {at[:8]}" in dialog
        anthropic = _expected(demo_store, "anthropic", at=at)
        await wait_for(pilot, lambda: app.clipboard == anthropic)
