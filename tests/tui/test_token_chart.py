"""The token timeline chart: its layout from a timeline (exact cells), and the chart above the
records list on the demo store (title, axis, compress marks, the selected record, ``t``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import TimelineMark, TimelinePoint, TokenTimeline
from tests.pilot_helpers import wait_for
from tests.tui.conftest import settle
from tract_tui.app import TractApp
from tract_tui.widgets.records_panel import RecordsPanel
from tract_tui.widgets.token_chart import chart_cells

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _timeline() -> TokenTimeline:
    def point(i: int, user: int, tool: int) -> TimelinePoint:
        by_role = (("tool", tool), ("user", user))
        by_type = (("dialogue", user + tool),)
        return TimelinePoint(f"r{i}", T0 + timedelta(minutes=i), user + tool, user + tool,
                             by_role, by_type)  # fmt: skip

    points = (point(0, 40, 0), point(1, 40, 40), point(2, 20, 20))
    mark = TimelineMark("e1", "compress", T0 + timedelta(minutes=1, seconds=30), 80, 40)
    return TokenTimeline(points, (mark,), ("tool", "user"), ("dialogue",))


def _text(rows: list) -> list[str]:  # type: ignore[type-arg]
    return ["".join(c.text for c in row) for row in rows]


def test_columns_stack_and_marks() -> None:
    rows = chart_cells(_timeline(), "role", width=7 + 9, height=2, selected="r0")
    # Three records of 2 cells each with a gap; the tallest (80 tokens) fills both rows; the
    # first's 40 user tokens fill the lower row; the third (40: 20 tool under 20 user) too,
    # its cell shared: tool's half drawn in tool's colour, user's above it as the background.
    assert _text(rows) == [
        "   80 ┤    ██   ",
        "    0 ┤ ██ ██ ▄▄",
        "      └─●─────▲─",
    ]
    third = rows[1][-1]
    assert (third.fg, third.text) == ("tool", "▄▄") and third.bg == "user"
    by_type = chart_cells(_timeline(), "type", width=7 + 9, height=2)
    assert by_type[1][-1].fg == "dialogue" and by_type[1][-1].bg is None


def test_many_records_take_a_cell_each_newest_kept() -> None:
    tl = _timeline()
    rows = chart_cells(tl, "role", width=7 + 2, height=1)
    # The two newest, a cell each (40 tool under 40 user; 20 under 20); the compress before r2.
    assert _text(rows) == ["   80 ┤▄▂", "      └─▲"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_chart_above_the_records(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    app = tract_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        chart = app.screen.query_one(RecordsPanel).chart
        await wait_for(pilot, lambda: chart.timeline is not None and chart.selected is not None)
        await pilot.pause()
        lines = chart.text_lines()
        assert lines[0].startswith(" tokens by role (t)  ■ tool  ■ user  ■ assistant  ■ system  ▲ ")
        assert lines[1].startswith("10.0k ┤ ")
        assert lines[5].startswith("    0 ┤ ████ ████ ████ ████")
        # Two compress events, each before a record; the newest record is selected.
        assert lines[6].rstrip() == "      └──────▲────▲────●───"
        await pilot.press("j")
        await wait_for(pilot, lambda: chart.text_lines()[6].rstrip().endswith("▲────●────────"))
        await pilot.press("t")
        await wait_for(pilot, lambda: chart.text_lines()[0].startswith(" tokens by type (t)"))
        assert "■ tool_io  ■ dialogue  ■ instruction  ■ artifact" in chart.text_lines()[0]
