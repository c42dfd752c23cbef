"""``tract-tui postgresql://…``: the TUI on a PostgreSQL store, started through the command line.

``tract_tui.cli.main`` opens the store exactly as a user's ``tract-tui URL`` does; only the last
step differs: instead of taking over the terminal, the app runs headless under Pilot and the
test drives it. Covered: the graph (both branches), the events tab (a compress event), ``c``
recording a compile, a commit written by another process appearing live, the tract picker for
a store of several tracts, and a store behind head refused with its upgrade command, then
upgraded with ``tract-tui upgrade URL`` and browsed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import make_url
from textual.pilot import Pilot
from textual.widgets import OptionList, TabbedContent

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.storage.connection import make_engine, parse_location
from tests.core._store_builders import build_v5_with_sqlalchemy
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import ready, select
from tract_tui.app import TractApp
from tract_tui.cli import main
from tract_tui.screens.main import MainScreen
from tract_tui.screens.tract_picker import TractPickerScreen
from tract_tui.widgets.events_panel import EventsPanel

pytestmark = pytest.mark.postgres
T0 = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
Script = Callable[[Pilot], Awaitable[None]]


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACT_TUI_CONFIG", str(tmp_path / "none.toml"))


def run_tui(monkeypatch: pytest.MonkeyPatch, argv: list[str], script: Script) -> int:
    """``tract-tui ARGV`` in-process, with the app driven by ``script`` instead of a user."""
    failures: list[BaseException] = []
    apps: list[TractApp] = []

    def headless(app: TractApp) -> None:
        async def drive() -> None:
            async with app.run_test(size=(120, 34)) as pilot:
                await script(pilot)

        apps.append(app)
        try:
            asyncio.run(drive())
        except BaseException as exc:  # main() would turn it into one line: keep it whole
            failures.append(exc)

    monkeypatch.setattr(TractApp, "run", headless)
    code = main(argv)
    if failures:
        raise failures[0]
    assert len(apps) == 1, "the app never started"
    return code


@dataclass
class Built:
    tract_id: str
    main: list[str]  # newest first
    feature: list[str]  # newest first
    event_id: str
    sources: tuple[str, ...]
    results: tuple[str, ...]


def build(url: str) -> Built:
    """A system prompt and four exchanges; a branch ``feature`` with one commit; then the first
    three questions and their answers on main compressed into a summary."""
    with create_tract(url, clock=FrozenClock(T0, timedelta(seconds=5))) as t:
        t.system("You are terse.")
        users = []
        for i in range(4):
            users.append(t.user(f"Question {i}").commit_hash)
            t.assistant(f"Answer {i}")
        t.branch("feature")
        t.user("feature work")
        t.switch("main")
        result = t.compress(from_ref=users[0], to_ref=users[2], content="Summary of 0-2.")
        row = t.events().rows[0]
        main = [c.commit_hash for c in t.log(limit=None)]
        t.switch("feature")
        feature = [c.commit_hash for c in t.log(limit=None)]
        t.switch("main")
        return Built(t.tract_id, main, feature, result.event_id, row.sources, row.results)


def test_browse_events_and_compile_on_postgres(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build(pg_url)
    probe = Tract.open(pg_url)

    async def script(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, TractApp)
        view = await ready(pilot)
        assert set(view.model.hashes) == set(built.main) | set(built.feature)
        assert view.selected_hash == built.main[0]  # HEAD

        await pilot.press("2")  # the events tab
        panel = app.screen.query_one(EventsPanel)
        await wait_for(pilot, lambda: panel.event_list.selected is not None)
        await wait_for(pilot, lambda: panel.event_list.size.height > 2)  # laid out
        assert panel.event_list.total == 1
        line = panel.event_list.render_line(1).text
        assert "compress" in line and "main" in line
        await wait_for(pilot, lambda: view.highlight_results == frozenset(built.results))
        assert view.highlight_sources == frozenset(built.sources)

        await pilot.press("1")
        tabs = app.screen.query_one(TabbedContent)
        await wait_for(pilot, lambda: tabs.active == "graph")
        view.focus()
        await select(pilot, view, built.main[2])
        await pilot.press("c")  # record a compile at the selected commit
        await wait_for(pilot, lambda: len(probe.records()) == 1)
        assert probe.records()[0].head_hash == built.main[2]

        # Another process (an agent) appends: the graph shows it without a key press.
        with Tract.open(pg_url) as agent:
            new = agent.user("written by an agent").commit_hash
        await wait_for(pilot, lambda: view.model.index_of(new) is not None, timeout=10)

    try:
        assert run_tui(monkeypatch, [pg_url], script) == 0
    finally:
        probe.close()


def test_several_tracts_open_the_picker(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made = {}
    for text in ("first agent", "second agent"):
        with create_tract(pg_url) as t:
            made[t.tract_id] = t.user(text).commit_hash
    second = list(made)[1]

    async def script(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: isinstance(app.screen, TractPickerScreen))
        options = app.screen.query_one(OptionList)
        assert {options.get_option_at_index(i).id for i in range(options.option_count)} == set(made)
        options.highlighted = next(
            i for i in range(options.option_count) if options.get_option_at_index(i).id == second
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        view = await ready(pilot)
        assert list(view.model.hashes) == [made[second]]

    assert run_tui(monkeypatch, [pg_url], script) == 0


def test_store_behind_head_is_refused_then_upgraded(
    pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(parse_location(pg_url), pool=False)
    try:
        built = build_v5_with_sqlalchemy(engine)
    finally:
        engine.dispose()
    url = make_url(pg_url)
    shown = url.render_as_string(hide_password=True)

    code = main([pg_url])  # never gets as far as the app
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert f"store is at tract-ai schema v5; run: tract-tui upgrade '{shown}'" in err
    if url.password:  # the command names the URL without its password, and says so
        assert f":{url.password}@" not in err and "with your password for ***" in err

    assert main(["upgrade", pg_url]) == 0
    out = capsys.readouterr().out
    assert "from tract-ai schema v5 to tract-ai schema v6" in out
    assert "backup: none" in out

    async def script(pilot: Pilot) -> None:
        view = await ready(pilot)
        assert view.selected_hash == built.head

    assert run_tui(monkeypatch, [pg_url], script) == 0
