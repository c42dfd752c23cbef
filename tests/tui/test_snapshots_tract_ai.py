"""SVG snapshots of what tract-ai v7–v13 add, on the v13 story tract-ai itself wrote: the
graph's IMPORTANT mark, tags and type glyphs with the IMPORTANT commit's detail (retention
rules, tools), and the store-info screen. Each also checks exact strings of the screen (see
``test_snapshots``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import Store, Tract
from core.engine.clock import FrozenClock
from tests.core._tract_ai_layouts import unpack
from tests.tui.test_snapshots import WIDE, pane_lines, prepare, rows, shows
from tract_tui.app import TractApp

pytestmark = pytest.mark.snapshot
ROW_IMPORTANT = 30  # 2b5df57f, newest first: "add() subtracts instead of adding"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TractApp]:
    """The story's "now" is after tract-ai wrote it (the demo's frozen now is before its
    annotations, which would then not be in force yet)."""
    unpack("head_story", tmp_path / "head_story.db")
    monkeypatch.chdir(tmp_path)  # the status bar shows the path as given
    clock = FrozenClock(datetime(2027, 1, 1, tzinfo=UTC), timedelta(microseconds=1))
    store = Store.open("head_story.db")
    yield TractApp(Tract.open(store, clock=clock), store=store, clock=clock)
    store.close()


def test_v13_graph_and_an_important_commit(
    snap_compare: Callable[..., bool], app: TractApp
) -> None:
    seen: list[str] = []
    keys = ["j"] * ROW_IMPORTANT
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen=seen))
    assert rows(seen)[0].strip().startswith("tract-tui head_story.db  on main 630a9481  31/39")
    shows(seen, "★◌ 2b5df57f", "#bugfix #decision", "≡meta", "∴thk", "▲  1c989d23")
    pane = " ".join(pane_lines(seen))
    for words in ("tags #tool_call #bugfix #decision", "IMPORTANT", "'utils.py'", "tools (2"):
        assert words in pane, pane


def test_store_info(snap_compare: Callable[..., bool], app: TractApp) -> None:
    seen: list[str] = []
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(["I"], seen=seen))
    shows(seen, "Store info (read-only)", "tag registry (9)", "#bugfix — commits that fix a bug")
