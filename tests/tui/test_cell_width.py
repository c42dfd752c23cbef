"""Cells are measured the way Textual draws them: an emoji with VS16 (🏳️) takes two cells, so
a column padded around one lines up with the header and the rows without it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len

import tract_tui  # noqa: F401  (installs Rich's width function, as the app and the CLI do)
from core import create_tract
from core.engine.clock import FrozenClock
from core.views.text import cells, fit, truncate
from tests.pilot_helpers import rendered, wait_for
from tests.tui._action_helpers import T0, make_app, ready
from tract_tui.widgets.events_panel import EventList

pytestmark = pytest.mark.anyio

FLAG = "🏳️"  # U+1F3F3 U+FE0F: one cell by East Asian width alone, two as drawn


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    "text", [f"{FLAG} flag", "👍🏽 ok", "👨‍👩‍👧 family", "中文", "e\u0301t\u00e9", "plain"]
)
def test_cells_agree_with_what_textual_draws(text: str) -> None:
    assert cells(text) == cell_len(text)
    for width in range(1, cells(text) + 2):
        cut = truncate(text, width)
        assert cell_len(cut) <= width
        assert cell_len(fit(text, width)) == width


def test_a_cut_never_splits_an_emoji_from_its_selector() -> None:
    assert truncate(FLAG * 3, 4) == f"{FLAG}…"
    assert truncate(FLAG * 3, 3) == f"{FLAG}…"
    assert truncate(FLAG * 3, 2) == "…"


async def test_an_event_row_on_a_flag_branch_lines_up_with_the_header(tmp_path: Path) -> None:
    t = create_tract(tmp_path / "s.db", clock=FrozenClock(T0))
    t.system("You are terse.")
    t.branch(f"{FLAG}-flag")
    first = t.user("question 0").commit_hash
    for i in range(3):
        t.assistant(f"answer {i}")
        t.user(f"question {i + 1}")
    t.compress(from_ref=first, summarizer="extractive")
    t.close()
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("2")
        events = app.screen.query_one(EventList)
        await wait_for(pilot, lambda: events.selected is not None)
        header, row = rendered(events).splitlines()[:2]
        assert FLAG in row
        # The column after the branch ("21 → 61 (290%)") starts where its header does.
        tokens = re.search(r"\d+ → ", row)
        assert tokens is not None
        assert cell_len(row[: tokens.start()]) == cell_len(header[: header.index("tokens")])
        assert cell_len(row) == cell_len(header) == events.size.width
