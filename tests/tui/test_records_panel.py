"""The compile-record panel and the compile diff from keys."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from tests.pilot_helpers import rendered, wait_for
from tract_tui.app import TractApp
from tract_tui.screens.compile_diff import CompileDiffScreen
from tract_tui.screens.main import MainScreen
from tract_tui.widgets.diff_view import DiffView
from tract_tui.widgets.records_panel import RecordsPanel

pytestmark = pytest.mark.anyio
T0 = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=2)
HOSTILE = "Question 3: [bold]not bold[/] and \x1b[31mnot red"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Built:
    path: Path
    before: str  # record before the compress
    after: str  # record after it (the newest)
    sources: tuple[str, ...]
    summary: str


def build(path: Path) -> Built:
    """Four exchanges (the last with hostile text), a recorded compile, a compress of the
    first two exchanges, another recorded compile."""
    t = create_tract(path, clock=FrozenClock(T0, timedelta(seconds=5)))
    t.system("You are terse.")
    users = []
    for i in range(4):
        users.append(t.user(HOSTILE if i == 3 else f"Question {i}").commit_hash)
        t.assistant(f"Answer {i}")
    before = t.compile(record=True, reason="before").record_id
    result = t.compress(from_ref=users[0], to_ref=users[1], content="Summary of 0-1.")
    after = t.compile(record=True, reason="after").record_id
    sources = t.events().rows[0].sources
    t.close()
    assert before and after
    return Built(path, before, after, sources, result.summaries[0])


def app_for(path: Path) -> TractApp:
    return TractApp(Tract.open(str(path)), clock=FrozenClock(NOW, timedelta(microseconds=1)))


def diff_text(view: DiffView) -> str:
    """Every line of the diff as drawn (scrolling through it page by page)."""
    return "\n".join(view.render_line(y).text for y in range(view.size.height))


async def open_records(pilot: Pilot) -> RecordsPanel:
    await pilot.press("3")
    panel = pilot.app.screen.query_one(RecordsPanel)
    detail = panel.detail
    await wait_for(pilot, lambda: detail.row is not None and detail.table.row_count > 0)
    await wait_for(pilot, lambda: "checking" not in rendered(detail.badge))
    await wait_for(pilot, lambda: panel.record_list.size.height > 2)  # laid out: lines readable
    return panel


async def open_diff(pilot: Pilot) -> CompileDiffScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, CompileDiffScreen))
    screen = app.screen
    assert isinstance(screen, CompileDiffScreen)
    await wait_for(pilot, lambda: screen.diff is not None and len(screen.view.lines) > 0)
    await wait_for(pilot, lambda: "…" not in diff_text(screen.view))  # commit details in
    return screen


async def test_record_list_and_record_view(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        panel = await open_records(pilot)
        records = panel.record_list
        assert pilot.app.focused is records and records.total == 2
        assert records.selected is not None and records.selected.record_id == built.after
        line = records.render_line(1).text
        assert "1h ago" in line and "cl100k_base" in line and line.rstrip().endswith("after")
        detail = panel.detail
        assert detail.table.row_count == records.selected.commit_count
        assert built.summary[:8] in detail.table.render_line(2).text  # header, sys, summary
        assert "✓ reproduces" in rendered(detail.badge)
        breakdown = rendered(detail.breakdown)
        assert "by role" in breakdown and "assistant" in breakdown and "by type" in breakdown
        assert "dialogue" in breakdown and "█" in breakdown
        # Hostile commit text is shown as written in the commits table.
        detail.table.styles.width = 200
        shown = "[bold]not bold[/] and \\x1b[31mnot red"
        await wait_for(pilot, lambda: shown in rendered(detail.table))
        assert "\x1b" not in rendered(detail.table)
        await pilot.press("o")  # records.commits: into the commits table
        assert pilot.app.focused is detail.table
        await pilot.press("escape")
        assert pilot.app.focused is records


async def test_a_record_that_does_not_reproduce_says_why(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    with Tract.open(str(built.path)) as t, t.store.write() as uow:
        real = uow.records.get(built.after)
        assert real is not None
        fake = dataclasses.replace(
            real,
            record_id="f" * 32,
            effectives=real.effectives[:-1],
            commit_count=real.commit_count - 1,
            created_at=real.created_at + timedelta(seconds=1),
        )
        uow.records.add(fake)
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        panel = await open_records(pilot)
        assert panel.detail.row is not None and panel.detail.row.record_id == "f" * 32
        badge = rendered(panel.detail.badge)
        assert "✗ differs: 1 unexplained" in badge and "only in the compile" in badge


async def test_mark_two_records_and_diff(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(120, 34)) as pilot:
        panel = await open_records(pilot)
        await pilot.press("space", "down", "space")
        records = panel.record_list
        assert [m.record_id for m in records.marks] == [built.after, built.before]
        assert records.render_line(1).text.startswith(" ①")
        assert records.render_line(2).text.startswith(" ②")
        await pilot.press("d")
        screen = await open_diff(pilot)
        assert screen.diff is not None
        assert (screen.diff.a.record_id, screen.diff.b.record_id) == (built.before, built.after)
        # Commits the compress replayed under new hashes are paired, not "removed" + "new".
        assert {c.reason for c in screen.diff.removed} == {"compressed"}
        assert [c.commit_hash for c in screen.diff.added] == [built.summary]
        # Record a had 9 messages: the system prompt (kept), the compressed range, and the
        # rest, which the compress replayed under new hashes: paired up, not removed + added.
        replayed = 9 - 1 - len(built.sources)
        assert len(screen.diff.recreated) == replayed
        head = rendered(screen.head)
        assert f"tokens {screen.diff.a.token_count:,} → {screen.diff.b.token_count:,}" in head
        n = len(built.sources)
        assert f"removed {n} · added 1 · re-created {replayed}" in head  # the section sizes
        text = diff_text(screen.view)
        assert f"Removed ({len(built.sources)})" in text
        assert f"compressed into {built.summary[:8]}" in text
        assert all(f"- {h[:8]}" in text for h in built.sources)
        assert f"+ {built.summary[:8]}" in text and "Re-created with a new hash" in text
        assert "[bold]not bold[/] and \\x1b[31mnot red" in text and "\x1b" not in text
        await pilot.press("o")  # only changes: the unchanged system prompt goes
        await wait_for(pilot, lambda: "unchanged commits hidden" in diff_text(screen.view))
        await pilot.press("m")  # side by side at 120 columns
        await wait_for(pilot, lambda: screen.view.side_by_side)
        assert " │ " in diff_text(screen.view) and "side by side" in rendered(screen.head)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MainScreen))


async def test_diff_without_marks_and_narrow_fallback(tmp_path: Path) -> None:
    built = build(tmp_path / "s.db")
    async with app_for(built.path).run_test(size=(80, 24)) as pilot:
        panel = await open_records(pilot)
        assert pilot.app.screen.has_class("narrow")
        assert panel.record_list.size.height >= 5 and panel.detail.size.height >= 5
        await pilot.press("d")  # nothing marked: the selected record against the one before
        screen = await open_diff(pilot)
        assert screen.diff is not None
        assert (screen.diff.a.record_id, screen.diff.b.record_id) == (built.before, built.after)
        await pilot.press("m")
        app = pilot.app
        await wait_for(pilot, lambda: any("100 columns" in n.message for n in app._notifications))
        assert not screen.side_by_side and not screen.view.side_by_side
        assert "needs 100 columns" in rendered(screen.head)
        assert f"↳ compressed into {built.summary[:8]}" in diff_text(screen.view)
