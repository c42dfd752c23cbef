"""Keys typed right after the key that opens a dialog or the search bar go there, in order.

A terminal hands a fast typist's keys over in one read: ``g 7ee9 Enter`` arrives before the
go-to dialog exists. Those keys must reach the dialog's input (and not run the graph's own
bindings, or vanish), and Enter must see everything typed before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.widgets import Input

from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import build_store, make_app, ready
from tract_tui.screens.goto import GotoScreen
from tract_tui.widgets.search_bar import SearchBar

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def burst(app: App[object], typed: str | list[str]) -> None:
    """Hand every key to the app at once, as the terminal driver does with one read of
    input (Pilot's ``press`` waits for the app to go idle after each key)."""
    driver = app._driver
    assert driver is not None
    for key in typed:
        event = events.Key("enter", "\r") if key == "enter" else events.Key(_name(key), key)
        event.set_sender(app)
        driver.send_message(event)


def _name(char: str) -> str:
    return char if char.isalnum() else _character_to_key(char)


async def test_go_to_typed_ahead(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    target = built.hashes[4]
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        burst(app, ["g", *target[:8], "enter"])
        await wait_for(pilot, lambda: view.selected_hash == target)
        assert not isinstance(app.screen, GotoScreen)


async def test_search_typed_ahead(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        await ready(pilot)
        bar = app.screen.query_one(SearchBar)
        burst(app, "/feature")  # f, e, a, t, u, r, e: none may act on the graph
        await wait_for(pilot, lambda: bar.input.value == "feature")
        assert bar.has_class("open")


async def test_g_and_slash_typed_into_a_field_are_text(tmp_path: Path) -> None:
    """``g`` and ``/`` run before the focused widget sees them, but not while a text field
    has focus: there they are typed."""
    built = build_store(tmp_path / "s.db")
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        await ready(pilot)
        bar = app.screen.query_one(SearchBar)
        await pilot.press("slash", "g", "slash", "x")
        await wait_for(pilot, lambda: bar.input.value == "g/x")
        await pilot.press("escape")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GotoScreen))
        dialog = app.screen
        await pilot.press("g", "slash", "g")
        await wait_for(pilot, lambda: dialog.query_one(Input).value == "g/g")
        assert app.screen is dialog  # one dialog, not a second
