"""SVG snapshots of the main views on the deterministic demo store (pytest-textual-snapshot).

Every screen is taken after the app has settled (workers done, details loaded), at 120×34
(one at 80×24), with "now" frozen so relative times never drift. Each test also checks a few
exact strings of the screen, so a snapshot regenerated blindly with ``--snapshot-update``
still has to show the right thing. Regenerate only after looking at the report
(``--snapshot-report``), and only with the pinned Textual/Rich versions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.conftest import no_blink, screen_text, settle
from tract_tui.app import TractApp

pytestmark = pytest.mark.snapshot

WIDE = (120, 34)
NARROW = (80, 24)

LOADING_KEYS = frozenset({"2", "3", "d", "z"})  # each opens a view that loads in a worker

# Rows of the demo graph (newest first) used to reach a commit by key presses.
ROW_FIND_FILE = 29  # 1b221ac2: "It looks like the `src` directory is present…"


@pytest.fixture(autouse=True)
def _no_llm_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compress preview names the endpoint state; keep it "no endpoint" everywhere."""
    for name in ("TRACT_OPENAI_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def prepare(
    keys: Iterable[str] = (), seen: list[str] | None = None
) -> Callable[[Pilot[object]], Awaitable[None]]:
    """``run_before``: settle, press ``keys`` (settling after those that open a view and load
    it), settle, then keep the final screen's text in ``seen`` for the exact-string checks."""

    async def run_before(pilot: Pilot[object]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            if key in LOADING_KEYS:
                await settle(pilot)
        no_blink(pilot.app)
        await settle(pilot)
        if seen is not None:
            seen.append(screen_text(pilot.app))

    return run_before


def shows(seen: list[str], *texts: str) -> None:
    assert seen, "the screen was never captured"
    missing = [t for t in texts if t not in seen[-1]]
    assert not missing, f"missing {missing!r} on screen:\n{seen[-1]}"


@pytest.fixture
def app(demo_store: Path, tract_app: Callable[..., TractApp]) -> TractApp:
    return tract_app(demo_store)


def test_graph(snap_compare: Callable[..., bool], app: TractApp) -> None:
    seen: list[str] = []
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(seen=seen))
    shows(
        seen,
        "tract-tui demo.db  on main e5748454  1/40 commits",
        "e5748454 (HEAD → main)",
        "535a5399 (regression-test)",
        "4b5ca754 (experiment/float-seconds)",
        "61a887c8 (changelog)",
        "◎─╮",  # the merge of changelog
        "Merge branch 'changelog' into main",
        "⊘  475b9449",  # the merge commit is skipped (structure only)
    )


def test_graph_narrow(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """Below 100 columns the detail pane moves under the graph."""
    seen: list[str] = []
    assert snap_compare(app, terminal_size=NARROW, run_before=prepare(seen=seen))
    shows(seen, "e5748454 (HEAD → main)", "e574845417a1bbde")


def test_detail_of_an_edited_message(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """The orchestrator's plan, edited after review: both texts and the EDIT that changed it."""
    seen: list[str] = []
    keys = ["G", "k", "k"]  # third row from the bottom: c9141762
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    shows(
        seen,
        "38/40 commits",
        "✎ c9141762",
        "compiles as (edited):",
        "Plan (revised after review)",
        "original:",
        "edited by",
        "add49521",
        "Σ fd1d391c",  # the two compression summaries
        "Σ 93f55aa2",
        "▲  27fad9bc",  # the pinned issue text
        "⊘  8c5c21fc",  # the skipped directory listing
    )


def test_events_panel(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """The extractive compression: 9 sources, 1 summary, tokens before and after."""
    seen: list[str] = []
    keys = ["2", "j"]
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    shows(
        seen,
        "reorganize",
        "583 → 146 (25%)",
        "3847 → 68 (2%)",
        "import",
        "compress 038b743c",
        "Sources (9)",
        "fd1d391c",
    )


def test_record(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """The newest compile record: reproduces, token breakdown, its ordered commits."""
    seen: list[str] = []
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(["3"], seen))
    shows(
        seen,
        "record 445384194288",
        "32 commits",
        "5,719 tokens",
        "✓ reproduces",
        "hand-off",
        "0d20ff88",
    )


def test_record_diff(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """Before and after the first compression: 9 removed, explained, 1 summary added."""
    seen: list[str] = []
    keys = ["3", "j", "j", "d"]  # the record after the first compression, against the one before
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    shows(
        seen,
        "a 8cfbc7c8",
        "b 8f7ea53c",
        "removed 9 · added 1",
        "compressed into 93f55aa2 → sent at 5 (event 3cdce410)",
        "summary of 9 commits by compress 3cdce410",
        "+ 93f55aa2",
    )


def test_compress_preview(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """A marked range of six commits in the graph, then ``z``: the dry run before applying."""
    seen: list[str] = []
    keys = ["j"] * ROW_FIND_FILE + ["space"] + ["k"] * 5 + ["z"]
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    shows(
        seen,
        "Compress 1b221ac2..7c87f067",
        "(6 commits, HEAD e5748454)",
        "Groups to summarise: 1",
        "Replayed on top: 17 later commits",
        "5,719 →",
    )
