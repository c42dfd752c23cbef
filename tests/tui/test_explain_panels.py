"""Issue 12 in the Records and Events views, on the deterministic demo store: the cache-break
column and the break in a record's detail, blame in the record's commit list, what each
compaction lost in the events list and the event detail. Expected texts come from the core."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from core import Store, Tract
from tests.pilot_helpers import rendered, wait_for
from tests.tui.conftest import settle
from tract_tui.app import TractApp
from tract_tui.widgets.events_panel import EventsPanel
from tract_tui.widgets.records_panel import RecordsPanel

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _core(path: Path, read: Callable[[Tract], object]) -> object:
    store = Store.open(str(path))
    try:
        return read(Tract.open(store))
    finally:
        store.close()


def _lines(widget: object, rows: int) -> list[str]:
    return [widget.render_line(y).text for y in range(rows)]  # type: ignore[attr-defined]


async def test_records_show_cache_breaks_and_blame(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    def read(t: Tract) -> object:
        records = t.records()  # newest first, as the list
        return records, t.cache_breaks(), t.blame(record=records[0].record_id)

    records, breaks, blame = _core(demo_store, read)  # type: ignore[misc]
    newest, oldest = records[0].record_id, records[-1].record_id
    app = tract_app(demo_store)
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        panel = app.screen.query_one(RecordsPanel)
        rl = panel.record_list
        await wait_for(pilot, lambda: newest in rl.breaks and oldest in rl.breaks)
        await pilot.pause()
        lines = _lines(rl, len(records) + 1)
        assert "cache" in lines[0]
        top = breaks[newest]
        assert top.position == 2 and top.resent_tokens == 5371  # the EDIT of message 2
        assert "@2 5.4k↻" in lines[1]
        assert "first" in lines[len(records)]  # the oldest record starts its line
        detail = panel.detail
        await wait_for(pilot, lambda: "re-sent" in rendered(detail.cache))
        assert " ".join(rendered(detail.cache).split()) == (
            f"{top.text} against record {top.previous[:8]}: 2 messages, 117 tokens shared"
        )
        edit = blame[2].commits[0]  # message 2 is the plan, edited
        assert top.text == (
            f"cache break at message 2: message 2 was edited (EDIT {edit[:8]}); "
            "5,371 tokens re-sent, 228 new"
        )
        # Blame: the "from" column, and the highlighted row's origin in full.
        table = detail.table
        await wait_for(pilot, lambda: table.row_count > 0 and bool(table.blames))
        cells = [table.get_row_at(i)[4].plain for i in range(table.row_count)]
        kinds = {b.kind for b in blame}
        assert {"typed", "edit", "summary", "imported", "merged"} <= kinds
        assert cells[0] == "typed"
        assert cells[2] == f"edit {blame[2].commits[0][:8]}"
        summary_rows = [i for i, b in enumerate(blame) if b.kind == "summary"]
        assert cells[summary_rows[0]] == f"summary of 9 by {blame[summary_rows[0]].event_id[:8]}"
        imported = next(i for i, b in enumerate(blame) if b.kind == "imported" and b.via)
        assert cells[imported] == f"imported …ow_1867.jsonl:{blame[imported].line} ≈2"
        merged = next(i for i, b in enumerate(blame) if b.kind == "merged")
        assert cells[merged] == "merged from changelog"
        await pilot.press("o")  # focus the commits; the first row's origin shows below
        await wait_for(pilot, lambda: "typed by the agent" in rendered(detail.origin))
        table.move_cursor(row=imported)
        await wait_for(
            pilot,
            lambda: (
                f"imported from swe_agent_marshmallow_1867.jsonl:{blame[imported].line} "
                "(copied by 2 operations)" in " ".join(rendered(detail.origin).split())
            ),
        )


async def test_events_show_what_each_compaction_lost(
    demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    def read(t: Tract) -> object:
        return t.events().rows, t.compaction_losses()

    rows, losses = _core(demo_store, read)  # type: ignore[misc]
    compress = [r for r in rows if r.event_type == "compress"]
    newest = losses[compress[0].event_id]
    assert (newest.count, newest.found) == (7, 9)
    app = tract_app(demo_store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        panel = app.screen.query_one(EventsPanel)
        el = panel.event_list
        await wait_for(pilot, lambda: all(r.event_id in el.asked for r in compress))
        await pilot.pause()
        lines = _lines(el, len(rows) + 1)
        assert lines[0].split()[-2:] == ["lost", "by"]
        for i, r in enumerate(rows, start=1):
            want = str(losses[r.event_id].count) if r.event_type == "compress" else "—"
            assert lines[i][60:64] == f"{want:>4}", lines[i]
        # The newest compress (second row): its lost identifiers, kind and value.
        await pilot.press("j")
        await wait_for(pilot, lambda: "Lost in the summary" in rendered(panel.detail.lost))
        shown = [" ".join(line.split()) for line in rendered(panel.detail.lost).splitlines()]
        assert shown[0] == "Lost in the summary: 7 of 9 identifiers"
        assert shown[1:8] == [f"{i.kind} {i.value}" for i in newest.lost]
        assert shown[1] == "path /testbed/reproduce.py"


def test_lost_detail_for_empty_and_complete_summaries() -> None:
    from datetime import UTC, datetime

    from core import CompactionLoss
    from core.views.events import EventRow
    from tract_tui.widgets.events_panel import render_lost

    at = datetime(2026, 1, 1, tzinfo=UTC)
    row = EventRow("e1", "compress", at, "main", 10, 5, 0.5, None, None, ("a",), ("s",), {})
    none = CompactionLoss("e1", "compress", at, 1, 1, 0, (), 0)
    kept = CompactionLoss("e1", "compress", at, 1, 1, 3, (), 0)
    assert render_lost(row, none, True).plain == (
        "Lost in the summary: 0 of 0 identifiers\n"
        "its sources name no file, URL, number with a unit, error or code name"
    )
    assert render_lost(row, kept, True).plain == (
        "Lost in the summary: 0 of 3 identifiers\n"
        "nothing: every identifier of the sources is in the summary"
    )
    assert render_lost(row, None, False).plain == "Lost: … working it out"
    importing = EventRow("e2", "import", at, "main", 0, 0, 0, None, None, (), ("s",), {})
    assert render_lost(importing, None, True).plain == ""
