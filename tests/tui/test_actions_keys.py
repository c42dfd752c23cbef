"""Actions from keys, checked in the store: compile (c, C), pin/skip/unmark, switch branch,
go to, search (SQL metacharacters match literally), copy hash."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, TabbedContent

from core import Priority, Tract
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import Probe, build_store, make_app, ready, select
from tract_tui.screens.branch_picker import BranchPickerScreen
from tract_tui.screens.goto import GotoScreen
from tract_tui.widgets.search_bar import SearchBar
from tract_tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_compile_here_and_at_head(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        view = await ready(pilot)
        await select(pilot, view, built.hashes[5])
        await pilot.press("c")
        await wait_for(pilot, lambda: len(probe.records()) == 1)
        record = probe.records()[0]
        assert record["head"] == built.hashes[5] and record["reason"] == "tui"
        tabs = app.screen.query_one(TabbedContent)
        await wait_for(pilot, lambda: tabs.active == "records")  # the record is shown
        await pilot.press("1")
        await wait_for(pilot, lambda: tabs.active == "graph")
        view.focus()
        await pilot.press("C")
        await wait_for(pilot, lambda: len(probe.records()) == 2)
        heads = {r["head"] for r in probe.records()}
        assert heads == {built.hashes[5], built.hashes[-1]}
        assert app.screen.query_one(StatusBar).activity == ""


async def test_pin_skip_unmark(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    target = built.hashes[3]
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        view = await ready(pilot)
        await select(pilot, view, target)
        await pilot.press("p")
        await wait_for(pilot, lambda: probe.tract.priority(target) is Priority.PINNED)
        await wait_for(pilot, lambda: target in view.details and view.details[target].pinned)
        await pilot.press("s")
        await wait_for(pilot, lambda: probe.tract.priority(target) is Priority.SKIP)
        await pilot.press("u")
        await wait_for(pilot, lambda: probe.tract.priority(target) is Priority.NORMAL)
        assert view.selected_hash == target  # the selection never moved


async def test_switch_branch_and_goto(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, BranchPickerScreen))
        picker = app.screen
        assert isinstance(picker, BranchPickerScreen)
        await wait_for(pilot, lambda: picker.names == ["feature", "main"])
        options = picker.query_one(OptionList)
        assert options.highlighted == 1  # the current branch
        await pilot.press("up", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, BranchPickerScreen))
        with Probe(built.path) as probe:
            await wait_for(pilot, lambda: probe.branch() == "feature")
        await wait_for(pilot, lambda: view.selected_hash == built.feature_tip)
        # g: a hash prefix, then HEAD~2, then an unknown ref (the dialog stays open).
        for ref, expected in ((built.hashes[4][:6], built.hashes[4]), ("main~1", built.hashes[-2])):
            await pilot.press("g")
            await wait_for(pilot, lambda: isinstance(app.screen, GotoScreen))
            app.screen.query_one(Input).value = ref
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, GotoScreen))
            await wait_for(pilot, lambda e=expected: view.selected_hash == e)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GotoScreen))
        app.screen.query_one(Input).value = "abc"
        await pilot.press("enter")
        error = app.screen.query_one(".error")
        await wait_for(pilot, lambda: "4 characters" in str(error.render()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, GotoScreen))


async def test_search_metacharacters_and_navigation(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=2)
    with Tract.open(str(built.path)) as t:
        pct = t.user("we are 100% sure").commit_hash
        t.user("we are 1000 sure")
        quote = t.user("it's a 'quoted' \\ path").commit_hash
        t.user("its a quoted path")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        await wait_for(pilot, lambda: view.model.index_of(pct) is not None)
        bar = app.screen.query_one(SearchBar)
        status = app.screen.query_one(StatusBar)
        # (every metacharacter is covered against the store in tests/core/test_search.py)
        for query, expected in (("100%", {pct}), ("\\", {quote}), ("%' OR 1=1 --", set())):
            await pilot.press("slash")
            assert bar.has_class("open") and app.focused is bar.input
            bar.input.value = query
            await wait_for(pilot, lambda e=expected: view.matches == frozenset(e))
            await pilot.press("escape")  # clears and closes
            await wait_for(pilot, lambda: not view.matches and not bar.has_class("open"))
        # Several matches: enter goes to one, n/N move in graph order, the status counts.
        await pilot.press("slash")
        bar.input.value = "role:user question"
        await wait_for(pilot, lambda: len(view.matches) == 2)
        await pilot.press("enter")
        assert app.focused is view
        await wait_for(pilot, lambda: view.selected_hash in view.matches)
        first = view.selected_hash
        await wait_for(pilot, lambda: status.matches.endswith("/2 matches"))
        await pilot.press("n")
        assert view.selected_hash in view.matches and view.selected_hash != first
        await pilot.press("N")
        assert view.selected_hash == first
        await pilot.press("escape")
        await wait_for(pilot, lambda: not view.matches and status.matches == "")


async def test_copy_hash(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=1)
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        await select(pilot, view, built.hashes[2])
        await pilot.press("y")
        assert app.clipboard == built.hashes[2]


async def test_view_keys_keep_their_tab_and_hand_it_the_keys(tmp_path: Path) -> None:
    """1/2/3 switch views from anywhere, including from the graph's detail pane, and the view's
    list gets the keys at once (focus left in a hidden tab can switch the tab back)."""
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        tabs = app.screen.query_one(TabbedContent)
        await pilot.press("enter")  # the graph row's links: the focus moves to the detail pane
        await wait_for(pilot, lambda: app.focused is not None and app.focused is not view)
        for key, name, list_id in (
            ("2", "events", "event-list"),
            ("3", "records", "record-list"),
            ("1", "graph", "graph-view"),
            ("3", "records", "record-list"),
            ("2", "events", "event-list"),
        ):
            await pilot.press(key)
            # The tab switches at once; a lazily mounted panel focuses its list after a refresh.
            await wait_for(
                pilot,
                lambda list_id=list_id: app.focused is not None and app.focused.id == list_id,
            )
            assert tabs.active == name, key
