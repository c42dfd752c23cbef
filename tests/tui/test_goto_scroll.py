"""``g`` to a far or unreachable commit brings the cursor on screen at once (not at the next
key)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from core import create_tract
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import make_app, ready
from tract_tui.screens.goto import GotoScreen
from tract_tui.widgets.graph_view import GraphView

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def build(path: Path) -> tuple[list[str], list[str]]:
    """400 exchanges (more than the first page); the first ten messages compressed (their
    originals are unreachable)."""
    t = create_tract(path)
    hashes = [t.system("be brief").commit_hash]
    for i in range(400):
        hashes.append(t.user(f"question {i}").commit_hash)
        hashes.append(t.assistant(f"answer {i}").commit_hash)
    event = t.compress(from_ref=hashes[1], to_ref=hashes[10], content="the first five")
    sources = list(t.events().rows[0].sources)
    assert event.event_id
    t.close()
    return hashes, sources


def on_screen(graph: GraphView) -> bool:
    top = graph.scroll_offset.y
    return top <= graph.cursor < top + graph.size.height


async def go(pilot, graph: GraphView, ref: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("g")
    await wait_for(pilot, lambda: isinstance(app.screen, GotoScreen))
    app.screen.query_one(Input).value = ref
    await pilot.press("enter")
    await wait_for(pilot, lambda: graph.selected_hash == ref)


@pytest.mark.parametrize("which", ["far", "unreachable"])
async def test_goto_scrolls_the_cursor_on_screen(tmp_path: Path, which: str) -> None:
    hashes, sources = build(tmp_path / "s.db")
    target = hashes[5] if which == "far" else sources[2]
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(100, 30)) as pilot:
        graph = await ready(pilot)
        await go(pilot, graph, target)
        await pilot.pause()
        assert on_screen(graph), (graph.cursor, graph.scroll_offset.y, graph.size.height)
        line = graph.cursor - graph.scroll_offset.y
        assert target[:8] in graph.render_line(line).text
