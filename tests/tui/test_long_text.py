"""Long text can be read: the graph and the record's commits use the width the screen has."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import create_tract
from core.engine.clock import FrozenClock
from core.models import content as c
from tests.pilot_helpers import rendered, wait_for
from tests.tui._action_helpers import T0, make_app, ready, select
from tract_tui.widgets.records_panel import RecordCommits, RecordDetail, RecordList

pytestmark = pytest.mark.anyio

LONG = (
    "The reproduction prints 344 where 345 was expected because int() truncates the "
    "product of the seconds and the precision; round() is the fix, and a regression test "
    "pins the millisecond case so it cannot come back unnoticed in a later release."
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def long_store(path: Path) -> dict[str, str]:
    t = create_tract(path, clock=FrozenClock(T0))
    hashes = {
        "system": t.system("You are terse.").commit_hash,
        "long": t.user(LONG).commit_hash,
        "tool": t.commit(c.tool_io("bash", "result", {"out": LONG}, status="success")).commit_hash,
        "named": t.assistant(LONG, message="a message the writer chose...").commit_hash,
    }
    t.compile(record=True, reason="test")
    t.close()
    return hashes


async def test_graph_rows_use_the_width_not_the_stored_message(tmp_path: Path) -> None:
    hashes = long_store(tmp_path / "s.db")
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(240, 30)) as pilot:
        graph = await ready(pilot)
        await wait_for(pilot, lambda: hashes["long"] in graph.details)
        lines = rendered(graph).splitlines()
        row = next(line for line in lines if hashes["long"][:8] in line)
        # The stored message keeps 72 characters; the row shows the content to the edge.
        assert "truncates the product of the seconds" in row
        tool = next(line for line in lines if hashes["tool"][:8] in line)
        assert "344 where 345" in tool
        # A message the writer chose is shown as written, never replaced by the content.
        named = next(line for line in lines if hashes["named"][:8] in line)
        assert "a message the writer chose..." in named
        assert "reproduction" not in named


async def test_the_record_commits_get_the_room_when_focused(tmp_path: Path) -> None:
    hashes = long_store(tmp_path / "s.db")
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("3")
        records = app.screen.query_one(RecordList)
        await wait_for(pilot, lambda: app.focused is records and records.selected is not None)
        table = app.screen.query_one(RecordCommits)
        await wait_for(pilot, lambda: table.row_count == 4)
        detail = app.screen.query_one(RecordDetail)
        narrow = detail.size.width
        await wait_for(pilot, lambda: hashes["long"][:8] in rendered(table))
        before = shown_of_long(rendered(table), hashes["long"])
        await pilot.press("o")
        await wait_for(pilot, lambda: app.focused is table and detail.size.width > narrow + 30)
        await wait_for(pilot, lambda: shown_of_long(rendered(table), hashes["long"]) > before + 30)
        # Back on the list, the list has its room again.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is records and detail.size.width == narrow)


def shown_of_long(screen: str, commit_hash: str) -> int:
    """How many characters of LONG the table's row of ``commit_hash`` shows."""
    line = next(line for line in screen.splitlines() if commit_hash[:8] in line)
    shown = 0
    while shown < len(LONG) and LONG[: shown + 1] in line:
        shown += 1
    return shown


async def test_the_detail_of_a_cut_commit_is_unchanged(tmp_path: Path) -> None:
    """The preview is a listing's: the detail pane still shows the stored message and text."""
    hashes = long_store(tmp_path / "s.db")
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(120, 40)) as pilot:
        graph = await ready(pilot)
        await select(pilot, graph, hashes["long"])
        detail = app.screen.query_one("#graph-detail")
        await wait_for(pilot, lambda: "unnoticed in a later release" in str(detail.body.render()))


async def test_o_and_Y_act_on_the_commit_of_every_list(tmp_path: Path) -> None:
    """``Y`` copies the commit's whole text (graph, detail pane, a record's commits); ``o``
    asks for the pager, which a test driver cannot hand the terminal to: it says so."""
    from tract_tui.external import CANNOT_SUSPEND

    hashes = long_store(tmp_path / "s.db")
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(120, 40)) as pilot:
        graph = await ready(pilot)
        await select(pilot, graph, hashes["long"])
        await pilot.press("Y")
        await wait_for(pilot, lambda: app.clipboard == LONG)
        await pilot.press("o")
        await wait_for(pilot, lambda: any(n.message == CANNOT_SUSPEND for n in app._notifications))

        await select(pilot, graph, hashes["system"])
        await pilot.press("enter")  # the detail pane (its links) has the keys
        await wait_for(pilot, lambda: app.focused is not graph)
        await pilot.press("Y")
        await wait_for(pilot, lambda: app.clipboard == "You are terse.")

        await pilot.press("3")
        records = app.screen.query_one(RecordList)
        await wait_for(pilot, lambda: app.focused is records and records.selected is not None)
        table = app.screen.query_one(RecordCommits)
        await wait_for(pilot, lambda: table.row_count == 4)
        await pilot.press("o", "down", "Y")
        await wait_for(pilot, lambda: app.clipboard == LONG)
