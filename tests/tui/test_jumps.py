"""Every link in the detail pane goes somewhere, and the jump history takes you back:
``ctrl+o`` back, ``ctrl+i`` / ``alt+right`` forward (issue 13 §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from core import create_tract
from core.engine.clock import FrozenClock
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import make_app, ready
from tract_tui.jumps import LIMIT, JumpHistory, Place
from tract_tui.widgets.detail_links import DetailLinks
from tract_tui.widgets.events_panel import EventsPanel
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.records_panel import RecordsPanel

pytestmark = pytest.mark.anyio
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Built:
    path: Path
    summary: str
    event_id: str
    record_id: str
    parent: str


def build(path: Path) -> Built:
    """Three exchanges, the first two compressed into a summary, then a recorded compile: the
    summary's links are its parent, its child, its event and the record."""
    t = create_tract(path, clock=FrozenClock(T0, timedelta(seconds=3)))
    t.system("be brief")
    users = []
    for i in range(3):
        users.append(t.user(f"question {i}").commit_hash)
        t.assistant(f"answer {i}")
    result = t.compress(from_ref=users[0], to_ref=users[1], content="the first two")
    record = t.compile(record=True).record_id
    summary = result.summaries[0]
    parent = t.log(limit=None)[-1].commit_hash  # the system prompt
    t.close()
    assert record is not None
    return Built(path, summary, result.event_id, record, parent)


def view(pilot: Pilot) -> str:
    return pilot.app.screen.query_one(TabbedContent).active


async def follow(pilot: Pilot, kind: str) -> None:
    """From the graph: enter the detail pane, put the cursor on the first ``kind`` link, enter."""
    links = pilot.app.screen.query_one(DetailLinks)
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.focused is links)
    index = next(i for i, link in enumerate(links.links) if link.kind == kind)
    for _ in range(len(links.links)):
        if links.highlighted == index:
            break
        await pilot.press("down")
    assert links.highlighted == index
    await pilot.press("enter")


async def test_every_link_kind_navigates_and_the_history_goes_back(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        graph = await ready(pilot)
        assert graph.select_hash(built.summary)
        links = app.screen.query_one(DetailLinks)
        await wait_for(pilot, lambda: {link.kind for link in links.links} >= {"event", "record"})

        await follow(pilot, "event")  # the events view, the event selected, its list focused
        events = app.screen.query_one(EventsPanel)
        await wait_for(pilot, lambda: view(pilot) == "events")
        await wait_for(
            pilot,
            lambda: (
                events.event_list.selected is not None
                and events.event_list.selected.event_id == built.event_id
            ),
        )
        await wait_for(pilot, lambda: app.focused is events.event_list)

        await pilot.press("ctrl+o")  # back: the graph, on the summary
        await wait_for(pilot, lambda: view(pilot) == "graph")
        await wait_for(pilot, lambda: graph.selected_hash == built.summary)
        assert app.focused is graph

        await pilot.press("ctrl+i")  # forward: the event again
        await wait_for(pilot, lambda: view(pilot) == "events")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: graph.selected_hash == built.summary)

        await follow(pilot, "record")  # a new jump from here forgets the way forward
        records = app.screen.query_one(RecordsPanel)
        await wait_for(pilot, lambda: view(pilot) == "records")
        await wait_for(
            pilot,
            lambda: (
                records.record_list.selected is not None
                and records.record_list.selected.record_id == built.record_id
            ),
        )
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: graph.selected_hash == built.summary)

        await follow(pilot, "commit")  # the parent: still the graph, another row
        await wait_for(pilot, lambda: graph.selected_hash == built.parent)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: graph.selected_hash == built.summary)
        await pilot.press("alt+right")
        await wait_for(pilot, lambda: graph.selected_hash == built.parent)
        await pilot.press("alt+right")  # nothing ahead: says so, stays
        await wait_for(
            pilot, lambda: any("Nothing to go forward" in n.message for n in app._notifications)
        )
        assert graph.selected_hash == built.parent and view(pilot) == "graph"


async def test_tab_still_moves_the_focus(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        graph = await ready(pilot)
        assert app.focused is graph
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.focused is not graph)
        assert isinstance(app.screen.query_one(GraphView), GraphView)


def test_the_history_keeps_places_like_an_editor() -> None:
    h = JumpHistory()
    a, b, c = Place("graph", "a"), Place("events", "b"), Place("records", "c")
    h.jumped(a)  # a → b
    h.jumped(b)  # b → c
    assert h.go_back(c) == b
    assert h.go_back(b) == a
    assert h.go_back(a) is None
    assert h.go_forward(a) == b
    h.jumped(b)  # a new jump: nothing ahead any more
    assert h.go_forward(c) is None
    for i in range(LIMIT + 10):
        h.jumped(Place("graph", str(i)))
    assert len(h.back) == LIMIT
