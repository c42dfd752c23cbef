"""Issue 9 in the app: a damaged commit says so in words in its detail, and every write on a
damaged store asks first — declined, nothing is written; confirmed, it is. A store opened
read-only refuses every write in words before any dialog opens."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Static

from core import Priority, Tract
from tests.pilot_helpers import rendered_all, wait_for
from tests.tui._action_helpers import Probe, build_store, make_app, ready, select
from tract_tui.app import TractApp
from tract_tui.screens.confirm import ConfirmScreen
from tract_tui.screens.important_dialog import ImportantScreen
from tract_tui.screens.tag_dialog import TagScreen
from tract_tui.widgets.detail import DetailPane

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _lose_content(path: Path, commit_hash: str) -> None:
    """Delete a commit's blob, as a buggy writer or a hand edit would."""
    con = sqlite3.connect(path)
    with con:
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute(
            "DELETE FROM blobs WHERE content_hash = "
            "(SELECT content_hash FROM commits WHERE commit_hash = ?)",
            (commit_hash,),
        )
    con.close()


async def test_writes_on_a_damaged_store_ask_first(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    damaged, target = built.hashes[-1], built.hashes[3]
    _lose_content(built.path, damaged)
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        view = await ready(pilot)
        await select(pilot, view, damaged)
        detail = app.screen.query_one("#graph-detail", DetailPane)
        await wait_for(pilot, lambda: detail._rendered == damaged)
        words = "⚠ damaged: its content is missing from the store"
        await wait_for(pilot, lambda: words in " ".join(rendered_all(detail).split()))
        await select(pilot, view, target)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        body = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "1 commit without stored content" in body
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert probe.tract.priority(target) is Priority.NORMAL  # declined: nothing written
        await pilot.press("c")  # a recorded compile is a write too
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert probe.records() == []
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: probe.tract.priority(target) is Priority.PINNED)


async def test_a_sound_store_writes_without_asking(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db")
    target = built.hashes[3]
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        await select(pilot, view, target)
        await pilot.press("s")
        with Tract.open(str(built.path)) as probe:
            await wait_for(pilot, lambda: probe.priority(target) is Priority.SKIP)
        assert not isinstance(app.screen, ConfirmScreen)


async def test_a_read_only_app_refuses_writes_in_words(tmp_path: Path) -> None:
    from core import upgrade_store

    built = build_store(tmp_path / "s.db")
    upgrade_store(built.path, to=13)
    before = built.path.read_bytes()
    app = TractApp(Tract.open(str(built.path), readonly=True))
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        view = await ready(pilot)
        await select(pilot, view, built.hashes[3])
        for key in ("p", "i", "t"):  # no dialog opens: nothing could be written
            await pilot.press(key)
            await wait_for(
                pilot, lambda: sum("open read-only" in n.message for n in app._notifications) > 0
            )
            assert not isinstance(app.screen, (ConfirmScreen, ImportantScreen, TagScreen))
            app.clear_notifications()
    assert built.path.read_bytes() == before
