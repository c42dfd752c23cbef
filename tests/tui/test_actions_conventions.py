"""Conventions: remappable keys, the help screen, the command palette, live updates from
another process, and the tract picker."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, OptionList, Static

from core import Priority, Tract, TractSelectionError, create_tract
from core.storage.store import Store
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import Probe, build_store, make_app, ready, select
from tract_tui.app import TractApp
from tract_tui.keymap import parse_keys
from tract_tui.screens.compress import CompressScreen
from tract_tui.screens.help import HelpScreen
from tract_tui.screens.main import MainScreen
from tract_tui.screens.tract_picker import TractPickerScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _notes(app: TractApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def test_parse_keys_reports_problems() -> None:
    keymap = parse_keys(
        {
            "graph.compress": "x",
            "graph.search": ["slash", "ctrl+f"],
            "graph.nope": "q",
            "graph.pin": "ctrl+",
            "graph.skip": "hyperdrive+s",
            "app.help": "?",
        },
        "config.toml",
    )
    assert keymap.bindings == {  # an id that moved still rebinds its action
        "graph.compress": "x",
        "app.search": "slash,ctrl+f",
        "app.help": "question_mark",
    }
    assert len(keymap.problems) == 3
    assert any("'graph.nope'" in p for p in keymap.problems)
    assert keymap.keys_for("app.goto") == "g"


async def test_keymap_remap_and_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[keys]\n"graph.compress" = "x"\n"graph.bogus" = "k"\n"graph.pin" = "ctrl+"\n'
    )
    monkeypatch.setenv("TRACT_TUI_CONFIG", str(config))
    built = build_store(tmp_path / "s.db", rounds=2)
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        notes = " ".join(_notes(app))
        assert "graph.bogus" in notes and "graph.pin" in notes  # named, not a crash
        # The keymap moved compress from z to x: z is no longer bound to it, and does nothing.
        assert app.active_bindings["x"].binding.id == "graph.compress"
        assert "z" not in app.active_bindings
        await pilot.press("z")
        await pilot.pause()  # no delay: the key and whatever it posted are handled
        assert not isinstance(app.screen, CompressScreen)
        await select(pilot, view, built.hashes[2])
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, CompressScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        # The help screen shows the key in force, and typing filters.
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        body = app.screen.query_one("#help-body", Static)
        text = str(body.render())
        line = next(x for x in text.splitlines() if "[graph.compress]" in x)
        assert line.split()[0] == "x"
        await pilot.press("c", "o", "m", "p", "r")
        await wait_for(pilot, lambda: "[graph.goto]" not in str(body.render()))
        assert "[graph.compress]" in str(body.render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_help_at_80x24(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=1)
    app = make_app(built.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        hint = app.screen.query_one(".hint")
        assert hint.region.bottom <= 24 and hint.region.width > 0


async def test_palette_runs_an_action(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=2)
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot, Probe(built.path) as probe:
        view = await ready(pilot)
        await select(pilot, view, built.hashes[3])
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(Input).value = "graph: pin"
        hits = app.screen.query_one(CommandList)

        def pin_highlighted() -> bool:
            index = hits.highlighted
            return index is not None and "Pin" in str(hits.get_option_at_index(index).prompt)

        await wait_for(pilot, pin_highlighted)  # the search ran and put the hit under enter
        await pilot.press("enter")
        await wait_for(pilot, lambda: probe.tract.priority(built.hashes[3]) is Priority.PINNED)
        assert app.focused is view


LIVE_WRITER = """
import sys, time
from core import Tract
with Tract.open(sys.argv[1]) as t:
    for i in range(8):
        h = t.user(f"live {i}").commit_hash
        print(h, flush=True)
        time.sleep(0.1)
"""


async def test_live_updates_from_another_process(tmp_path: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=2)
    app = make_app(built.path)
    async with app.run_test(size=(120, 34)) as pilot:
        view = await ready(pilot)
        await select(pilot, view, built.hashes[3])
        screen = app.screen
        assert isinstance(screen, MainScreen) and screen.live is not None
        await wait_for(pilot, screen.live.baseline.is_set)  # the poller has its baseline
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", LIVE_WRITER, str(built.path), stdout=asyncio.subprocess.PIPE
        )
        assert proc.stdout is not None
        first = (await proc.stdout.readline()).decode().strip()
        await wait_for(pilot, lambda: view.model.index_of(first) is not None, timeout=1.0)
        assert view.selected_hash == built.hashes[3]  # the selection survives
        rest = (await proc.stdout.read()).decode().split()
        await proc.wait()
        assert proc.returncode == 0 and len(rest) == 7
        await wait_for(pilot, lambda: view.model.index_of(rest[-1]) is not None, timeout=1.0)
        assert view.selected_hash == built.hashes[3]
        live = [w for w in app.workers if w.group == "live"]
        assert len(live) == 1  # one poller, never a pile of them


async def test_tract_picker_opens_the_chosen_tract(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    first = create_tract(path)
    first.user("in the first tract")
    first.close()
    second = create_tract(path)
    chosen = second.user("in the second tract").commit_hash
    second_id = second.tract_id
    second.close()
    with pytest.raises(TractSelectionError) as exc:
        Tract.open(str(path))
    store = Store.open(str(path))
    app = TractApp(None, store=store, tracts=exc.value.tracts)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, TractPickerScreen))
            options = app.screen.query_one(OptionList)
            assert options.option_count == 2
            index = next(
                i
                for i in range(options.option_count)
                if options.get_option_at_index(i).id == second_id
            )
            options.highlighted = index
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            view = await ready(pilot)
            assert app.session is not None and app.session.reader.tract_id == second_id
            await wait_for(pilot, lambda: view.selected_hash == chosen)
    finally:
        store.close()
