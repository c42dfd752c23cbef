"""The graph pages through a PostgreSQL store of 2,400 commits, opened as ``tract-tui URL``.

The first page holds 300 rows; every later page is keyed on (created_at, commit_hash) of the
last row read. On PostgreSQL that key was bound as text (``…::VARCHAR``), which PostgreSQL
refuses to compare with a timestamp: the graph stopped at 300 rows, ``end`` stopped there too.
These tests go past the first page: ``end`` reaches the root, search finds and ``g`` goes to a
commit far below the first page, and a commit appended by another process shows up live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import ready
from tests.tui.test_postgres_tui import no_user_config, run_tui  # noqa: F401 - a fixture
from tract_tui.screens.goto import GotoScreen
from tract_tui.widgets import graph_view
from tract_tui.widgets.search_bar import SearchBar

pytestmark = pytest.mark.postgres
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
COMMITS = 2_400  # eight times the first page


@dataclass(frozen=True)
class Big:
    url: str
    hashes: list[str]  # oldest first


@pytest.fixture(scope="module")
def big(pg_module_url: str) -> Big:
    """One branch of 2,400 user/assistant commits, written in one transaction."""
    with create_tract(pg_module_url, clock=FrozenClock(T0, timedelta(seconds=1))) as t:
        hashes: list[str] = []
        with t.batch():
            for i in range(COMMITS):
                if i % 2 == 0:
                    hashes.append(t.user(f"question number {i}").commit_hash)
                else:
                    hashes.append(t.assistant(f"answer number {i}").commit_hash)
    assert COMMITS > 2 * graph_view.FIRST_PAGE
    return Big(pg_module_url, hashes)


def test_end_reaches_the_root(big: Big, monkeypatch: pytest.MonkeyPatch) -> None:
    async def script(pilot: Pilot) -> None:
        view = await ready(pilot)  # waits for the whole scan: every page read
        assert len(view.model) >= COMMITS
        assert view.model.index_of(big.hashes[0]) is not None
        await pilot.press("end")
        assert view.selected_hash == big.hashes[0]  # the root, 2,400 rows down
        await pilot.press("home")
        await wait_for(pilot, lambda: view.cursor == 0)

    assert run_tui(monkeypatch, [big.url], script) == 0


def test_search_and_goto_far_below_the_first_page(
    big: Big, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = big.hashes[17]  # "answer number 17": ~2,380 rows below the top

    async def script(pilot: Pilot) -> None:
        app = pilot.app
        view = await ready(pilot)
        bar = app.screen.query_one(SearchBar)
        await pilot.press("slash")
        bar.input.value = "answer number 17"  # also 171, 173, … and 1701, 1703, …
        expected = {h for i, h in enumerate(big.hashes) if i % 2 and str(i).startswith("17")}
        await wait_for(pilot, lambda: view.matches == expected)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not view.matches)

        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GotoScreen))
        app.screen.query_one(Input).value = deep[:10]
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, GotoScreen))
        await wait_for(pilot, lambda: view.selected_hash == deep)
        assert view.cursor > 2 * graph_view.FIRST_PAGE

    assert run_tui(monkeypatch, [big.url], script) == 0


def test_live_append_after_paging_to_the_root(big: Big, monkeypatch: pytest.MonkeyPatch) -> None:
    async def script(pilot: Pilot) -> None:
        view = await ready(pilot)
        before = len(view.model)
        await pilot.press("end")
        assert view.selected_hash == big.hashes[0]
        with Tract.open(big.url) as agent:  # another process appends
            new = agent.user("appended while the app pages").commit_hash
        await wait_for(pilot, lambda: view.model.index_of(new) is not None, timeout=10)
        await wait_for(pilot, lambda: view.model.complete and len(view.model) == before + 1)
        assert view.model.index_of(big.hashes[0]) == len(view.model) - 1
        # The reload keeps the selection by hash (once the rows under it are read again).
        await wait_for(pilot, lambda: view.selected_hash == big.hashes[0])

    assert run_tui(monkeypatch, [big.url], script) == 0
