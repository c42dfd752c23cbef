"""What a key press costs the UI thread: the position counter moves with the cursor, in the
graph's own frame; selections closer together than the settle time load one detail, the last."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core import create_tract
from core.engine.clock import FrozenClock
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import T0, make_app, ready
from tract_tui.widgets import detail as detail_module
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _store(tmp_path: Path, n: int) -> list[str]:
    t = create_tract(tmp_path / "s.db", clock=FrozenClock(T0))
    hashes = [t.user(f"message {i}").commit_hash for i in range(n)]
    t.close()
    return hashes


async def test_the_counter_follows_the_cursor_without_a_message_hop(tmp_path: Path) -> None:
    _store(tmp_path, 12)
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(120, 40)) as pilot:
        graph = await ready(pilot)
        status = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: status.rows == "1/12 commits")
        # No await between the move and the check: no message has been handled meanwhile,
        # so the counter was set in the same call, ready for the frame that draws the cursor.
        graph.move_to(4)
        assert status.rows == "5/12 commits"
        graph.move_to(11)
        assert status.rows == "12/12 commits"


async def test_quick_selections_load_one_detail_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settle = 0.5  # roomy, so a loaded machine cannot space the selections out
    monkeypatch.setattr(detail_module, "SETTLE_SECONDS", settle)
    hashes = _store(tmp_path, 8)
    app = make_app(tmp_path / "s.db")
    async with app.run_test(size=(120, 40)) as pilot:
        graph = await ready(pilot)
        detail = app.screen.query_one("#graph-detail", DetailPane)
        await wait_for(pilot, lambda: detail._rendered == hashes[-1] and not detail.settling)
        await pilot.pause(settle * 1.2)  # rested: the next selection loads at once
        loads: list[str] = []
        real = detail.reader.commit_detail

        def counted(commit_hash: str):  # type: ignore[no-untyped-def]
            loads.append(commit_hash)
            return real(commit_hash)

        detail.reader.commit_detail = counted  # type: ignore[method-assign]
        started = time.monotonic()
        graph.move_to(1)  # after a rest: loads at once
        graph.move_to(2)  # these three come quicker than the settle time: one load, the last
        graph.move_to(3)
        graph.move_to(4)
        await wait_for(pilot, lambda: detail.commit_hash == hashes[-5])
        assert time.monotonic() - started < settle  # (the test's own premise)
        assert detail.settling
        await wait_for(pilot, lambda: detail._rendered == hashes[-5] and not detail.settling)
        assert loads == [hashes[-2], hashes[-5]]
        assert "message 3" in str(detail.body.render())
