"""The compile diff in the app, on the demo store's two-compression pair (the oldest record
against the hand-off record): header counts equal the sections, the right versions face each
other side by side, changed words are marked, and long lines wrap instead of being cut."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core import Store, Tract
from core.views.text import cells
from tests.pilot_helpers import rendered, wait_for
from tests.tui.conftest import settle
from tract_tui.app import TractApp
from tract_tui.screens.compile_diff import CompileDiffScreen
from tract_tui.widgets.diff_lines import Pair, PairText, TextLine, Title

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _diff(path: Path) -> object:
    store = Store.open(str(path))
    try:
        t = Tract.open(store)
        records = sorted(t.records(), key=lambda r: r.created_at)
        return t.diff_records(records[0].record_id, records[-1].record_id)
    finally:
        store.close()


async def _open(pilot, app: TractApp) -> CompileDiffScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    await pilot.press("space", "j", "j", "j", "d")  # the newest marked, then the oldest
    await wait_for(pilot, lambda: isinstance(app.screen, CompileDiffScreen))
    screen = app.screen
    assert isinstance(screen, CompileDiffScreen)
    await wait_for(pilot, lambda: screen.diff is not None and len(screen.view.lines) > 0)
    return screen


async def test_two_compression_diff_unified(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    diff = _diff(demo_store)
    n = diff.counts  # type: ignore[attr-defined]
    assert (n.removed, n.added, n.recreated, n.changed, n.kept) == (19, 7, 20, 1, 5)
    app = tract_app(demo_store)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await _open(pilot, app)
        head = " ".join(rendered(screen.head).split())
        assert "removed 19 · added 7 · re-created 20 · text changed 1 · kept 5" in head
        titles = [line.text for line in screen.view.lines if isinstance(line, Title)]
        assert titles[:3] == [
            "Removed (19)",
            "Added (7)",
            "Re-created with a new hash, same content (20)",
        ]
        assert titles[3:5] == ["Changed text (1)", "Kept (5)"]
        # The plan's text: wrapped to the view, nothing cut, the changed words marked.
        changed = diff.changed[0]  # type: ignore[attr-defined]
        width = screen.view.size.width
        text = [line for line in screen.view.lines if isinstance(line, TextLine)]
        removed = [line for line in text if line.sign == "-"]
        added = [line for line in text if line.sign == "+"]
        assert "".join(line.text for line in removed) == changed.text_a
        assert "".join(line.text for line in added) == changed.text_b
        assert len(removed) > 1 and all(line.cont for line in removed[1:])
        assert all(5 + cells(line.text) <= width for line in text)
        marked = [t for line in removed for op, t in line.spans if op == "-"]
        assert "".join(marked).startswith(" in a scratch script")
        assert "(revised after review)" in "".join(
            t for line in added for op, t in line.spans if op == "+"
        )
        # Drawn: the first removed piece, its changed words on a highlighted background.
        index = screen.view.lines.index(removed[0])
        screen.view.scroll_to(y=index, animate=False)
        view = screen.view
        await wait_for(pilot, lambda: 0 <= index - view.scroll_offset.y < view.size.height)
        strip = view.render_line(index - view.scroll_offset.y)
        assert strip.text.startswith("    -Plan: 1) let SWE-agent reproduce the bug in a scratch")
        words = [s for s in strip if s.text == " in a scratch script"]
        plain = [s for s in strip if s.text.startswith("Plan: 1)")]
        assert words and plain
        word, rest = words[0].style, plain[0].style
        assert word is not None and rest is not None
        assert word.bold and not rest.bold and word.bgcolor != rest.bgcolor


async def test_two_compression_diff_side_by_side(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    diff = _diff(demo_store)
    app = tract_app(demo_store)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open(pilot, app)
        await pilot.press("m")
        await wait_for(pilot, lambda: screen.view.side_by_side)
        lines = screen.view.lines
        pairs = [line for line in lines if isinstance(line, Pair)]
        recreated = {r.old: r.new for r in diff.recreated}  # type: ignore[attr-defined]
        faced = {
            p.left.commit_hash: p.right.commit_hash
            for p in pairs
            if p.left is not None and p.right is not None and p.left.sign == "≈"
        }
        assert faced == recreated  # every copy faces its original, however many hops later
        changed = diff.changed[0]  # type: ignore[attr-defined]
        texts = [line for line in lines if isinstance(line, PairText)]
        left = "".join(p.left.text for p in texts if p.left is not None)
        right = "".join(p.right.text for p in texts if p.right is not None)
        assert left == changed.text_a and right == changed.text_b  # a's text left, b's right
        assert any(p.left is not None and p.left.cont for p in texts)  # wrapped, not cut
        half = (screen.view.size.width - 3) // 2
        assert all(
            cells(s.text) + 2 <= half for p in texts for s in (p.left, p.right) if s is not None
        )
