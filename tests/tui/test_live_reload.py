"""Live reload takes only what changed: another connection appends (commits, a merge, a new
branch, an edit, a pin) while the app shows the graph, and the app's rows then equal a freshly
opened app's — without a rescan. A compress rewrites history: that one rescans, and the rows
still equal a fresh app's. The selection and what is on screen stay put while rows arrive
above them."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from core import Tract
from core.models import content as c
from core.models.enums import Priority
from tests.pilot_helpers import rendered, rendered_all, wait_for
from tests.tui._action_helpers import build_store, make_app, ready
from tract_tui.widgets import graph_view
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.records_panel import RecordsPanel

pytestmark = pytest.mark.anyio

SIZE = (110, 30)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def rows(view: GraphView) -> list[tuple[Any, ...]]:
    """Everything a graph row is made of: commit, parents, reachability, labels, lanes."""
    m = view.model
    layouts = m.layouts(0, len(m))
    return [
        (h, m.parents[i], m.unreachable[i], tuple(m.labels.get(h, ())), layouts[i])
        for i, h in enumerate(m.hashes)
    ]


def on_screen(view: GraphView) -> list[str]:
    top = view.scroll_offset.y
    return view.model.hashes[top : top + view.size.height]


async def details_settled(pilot: Pilot, view: GraphView) -> None:
    """Every row on screen has its details read since the last change (not the old ones)."""
    await wait_for(pilot, lambda: all(h in view.details for h in on_screen(view)))


async def fresh_rows(path: str | Path) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    """The rows (and the first screen's details) of an app opened on the store now."""
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        view = await ready(pilot)
        await details_settled(pilot, view)
        return rows(view), {h: view.details[h] for h in on_screen(view)}


async def caught_up(pilot: Pilot, view: GraphView, tract: Tract) -> None:
    """The app has taken everything the store holds now."""
    newest = tract.log(limit=1)
    await wait_for(pilot, lambda: view.refs is not None and view.refs.head == tract.head)
    if newest:
        await wait_for(pilot, lambda: view.model.index_of(newest[0].commit_hash) is not None)
    await wait_for(pilot, lambda: not view._delta_running and view.model.complete)


async def same_as_fresh(pilot: Pilot, path: str | Path, view: GraphView, other: Tract) -> None:
    await caught_up(pilot, view, other)
    await details_settled(pilot, view)
    want_rows, want_details = await fresh_rows(path)
    assert want_rows and rows(view) == want_rows
    for h, info in want_details.items():
        if h in on_screen(view):
            assert view.details[h] == info


async def test_appends_merge_branch_edit_and_pin_reload_incrementally(store_target: str) -> None:
    """On SQLite and PostgreSQL (``store_target``: a path or a URL)."""
    built = build_store(store_target, rounds=12)  # type: ignore[arg-type]  # opened by str()
    app = make_app(built.path)
    other = Tract.open(str(built.path))
    try:
        async with app.run_test(size=SIZE) as pilot:
            view = await ready(pilot)
            scans = view._generation
            # Select a commit in the middle and scroll so that it is not at the top.
            middle = built.hashes[20]
            assert view.select_hash(middle)
            view.scroll_to(y=view.cursor - 5, animate=False, immediate=True)
            await pilot.pause()
            line = view.cursor - view.scroll_offset.y

            for i in range(3):
                other.user(f"live turn {i}")
            await same_as_fresh(pilot, built.path, view, other)
            assert view._generation == scans  # no rescan
            assert view.selected_hash == middle
            assert view.cursor - view.scroll_offset.y == line  # the screen did not move

            other.branch("side")
            other.user("on the side")
            other.switch("main")
            other.assistant("meanwhile on main")
            other.merge("side", no_ff=True)
            await same_as_fresh(pilot, built.path, view, other)

            edited = built.hashes[18]  # on screen, near the selection
            other.edit(edited, c.dialogue("user", "question 4, asked better"))
            other.annotate(built.hashes[19], Priority.PINNED)
            await same_as_fresh(pilot, built.path, view, other)
            assert view.details[edited].edited and view.details[built.hashes[19]].pinned
            assert view._generation == scans
            assert view.selected_hash == middle
            assert view.cursor - view.scroll_offset.y == line

            # Rows that came on top without a relayout: the scrollbar and the end still fit.
            assert view.vertical_scrollbar.window_virtual_size == len(view.model)
            view.action_last()
            await pilot.pause()
            assert view.selected_hash == view.model.hashes[-1]
            assert view.scroll_offset.y == len(view.model) - view.size.height == view.max_scroll_y

            # A compress moves main off the history shown: a rescan, same rows as a fresh app.
            other.compress(from_ref=built.hashes[1], to_ref=built.hashes[8], content="S")
            await same_as_fresh(pilot, built.path, view, other)
            assert view._generation > scans
    finally:
        other.close()


async def test_at_the_top_new_rows_show_above_the_selection(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=6)
    app = make_app(built.path)
    other = Tract.open(str(built.path))
    try:
        async with app.run_test(size=SIZE) as pilot:
            view = await ready(pilot)
            head = view.selected_hash
            assert view.scroll_offset.y == 0 and view.cursor == 0
            new = other.user("the agent goes on").commit_hash
            await wait_for(pilot, lambda: view.model.index_of(new) == 0)
            assert view.selected_hash == head and view.cursor == 1
            assert view.scroll_offset.y == 0  # the new row is on screen
            await wait_for(pilot, lambda: "the agent goes on" in rendered(view))
            # The selected commit's detail now links its new child.
            detail = app.screen.query_one("#graph-detail", DetailPane)
            await wait_for(pilot, lambda: new[:12] in rendered_all(detail))
    finally:
        other.close()


async def test_new_records_come_on_top_and_the_selection_stays(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=3)
    other = Tract.open(str(built.path))
    ids = [other.compile(record=True).record_id for _ in range(3)]  # newest last
    app = make_app(built.path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await ready(pilot)
            await pilot.press("3")
            panel = app.screen.query_one(RecordsPanel)
            records = panel.record_list
            await wait_for(pilot, lambda: records.total == 3 and records.selected is not None)
            records.move_to(1)
            assert records.selected is not None and records.selected.record_id == ids[1]
            other.user("one more turn")
            new = [other.compile(record=True).record_id for _ in range(2)]
            await wait_for(pilot, lambda: records.total == 5 and records.row_at(0) is not None)
            await wait_for(pilot, lambda: records.selected is not None)
            assert records.cursor == 3 and records.selected.record_id == ids[1]
            assert records.row_at(0).record_id == new[1]  # at the top: the new ones show
            assert records.scroll_offset.y == 0
    finally:
        other.close()


async def test_writes_while_the_scan_still_streams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows come on top while older pages are still being read: both end up where a fresh
    scan puts them."""
    built = build_store(tmp_path / "s.db", rounds=12)
    monkeypatch.setattr(graph_view, "FIRST_PAGE", 10)
    monkeypatch.setattr(graph_view, "PAGE", 10)
    app = make_app(built.path)
    assert app.session is not None
    gate = threading.Event()
    real_page = app.session.reader.graph_page

    def held(after: Any, limit: int) -> Any:
        if after is not None:
            gate.wait(10)  # the scan's second page waits until the writes are on top
        return real_page(after, limit)

    app.session.reader.graph_page = held  # type: ignore[method-assign]
    other = Tract.open(str(built.path))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.main is not None)
            assert app.main is not None
            view = app.main.query_one(GraphView)
            await wait_for(pilot, lambda: len(view.model) == 10)
            scans = view._generation
            new = [other.user(f"during the scan {i}").commit_hash for i in range(2)]
            await wait_for(pilot, lambda: view.model.index_of(new[-1]) == 0)
            assert not view.model.complete and view._generation == scans
            gate.set()
            await same_as_fresh(pilot, built.path, view, other)
            assert view._generation == scans
    finally:
        gate.set()
        other.close()
