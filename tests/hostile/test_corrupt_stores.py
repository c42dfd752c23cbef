"""Damaged stores: a parent cycle, a dangling ref, a missing blob, an invalid JSON payload, an
event whose commits are gone, a commit whose content_type disagrees with its blob.

Outcomes: ``verify`` names each damaged row; the CLI never crashes (a clean result or one
line); the TUI opens, shows what it can, says what it could not (a warning from the cheap
check on open), and a cycle hangs nothing. Core verify's own damage tests (cycle, dangling
ref, invalid JSON, content type) are in tests/core/test_verify.py.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from core import Tract
from core.engine.clock import FrozenClock
from core.operations.verify import verify_store
from core.views.health import quick_check
from tests.conftest import copy_sqlite_store
from tests.hostile._corrupt import DAMAGES, NOW, Base, build_base, damage, raw
from tests.pilot_helpers import rendered, rendered_all, wait_for
from tract_tui.app import TractApp
from tract_tui.cli import main
from tract_tui.screens.confirm import ConfirmScreen
from tract_tui.widgets.detail import DetailPane
from tract_tui.widgets.events_panel import EventsPanel
from tract_tui.widgets.graph_view import GraphView
from tract_tui.widgets.records_panel import RecordsPanel
from tract_tui.widgets.status_bar import StatusBar

SCRIPTING = (["summary"], ["log"], ["log", "--graph"], ["compile"], ["events"], ["records"])


@pytest.fixture(scope="module")
def base_template(tmp_path_factory: pytest.TempPathFactory) -> Base:
    return build_base(tmp_path_factory.mktemp("corrupt") / "base.db")


@pytest.fixture
def copy(base_template: Base, tmp_path: Path) -> Path:
    return copy_sqlite_store(base_template.path, tmp_path / "damaged.db")


def run_in_thread(fn: object, timeout: float = 20.0) -> object:
    """``fn()`` with a deadline: a parent cycle must never make a walk loop forever."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = fn()  # type: ignore[operator]
        except BaseException as exc:  # re-raised below, in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "did not finish: a stored cycle made it loop"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box.get("value")


# -- verify and the CLI -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DAMAGES))
def test_verify_names_the_damaged_row(copy: Path, base_template: Base, name: str) -> None:
    expected = damage(copy, base_template, name)
    found = {(p.kind, p.table, p.row_key) for p in verify_store(copy).problems}
    assert set(expected) <= found, sorted(found)


def test_cli_verify_lists_every_damage(
    copy: Path, base_template: Base, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = damage(copy, base_template, *DAMAGES)
    assert main(["verify", str(copy)]) == 1
    out = capsys.readouterr().out
    for kind, table, key in expected:
        line = [x for x in out.splitlines() if x.startswith(f"{table} {key[0][:8]}")]
        assert line, f"{kind} of {table} {key} not named"
    for words in ("cycle", "missing commit", "missing blob", "invalid JSON", "differs from"):
        assert words in out


@pytest.mark.parametrize("name", sorted(DAMAGES))
def test_scripting_cli_never_crashes(
    copy: Path, base_template: Base, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    damage(copy, base_template, name)
    for argv in SCRIPTING:
        code = run_in_thread(lambda argv=argv: main([argv[0], str(copy), *argv[1:]]))
        captured = capsys.readouterr()
        assert code in (0, 2), (argv, captured.err)
        assert "Traceback" not in captured.err and len(captured.err.splitlines()) <= 1, argv
        if code == 2:
            assert captured.err.startswith("tract-tui: ")


def test_compile_and_log_terminate_on_a_parent_cycle(copy: Path, base_template: Base) -> None:
    """A cycle on main itself (HEAD ↔ its parent) and one on ``side``: walks are bounded."""
    damage(copy, base_template, "parent_cycle")
    head, parent = base_template.main[-1], base_template.main[-2]
    with raw(copy) as con:
        con.execute("UPDATE commits SET parent_hash = ? WHERE commit_hash = ?", (head, parent))
    con.close()
    with Tract.open(str(copy)) as t:
        compiled = run_in_thread(lambda: t.compile())
        hashes = compiled.commit_hashes  # type: ignore[attr-defined]
        assert len(hashes) == len(set(hashes)) <= 4  # HEAD, then the merge's side block
        log = run_in_thread(lambda: t.log(limit=None))
        assert [c.commit_hash for c in log] == [head, parent]  # type: ignore[attr-defined]
        side = run_in_thread(lambda: t.compile(at="side"))
        assert side.commit_count <= 2  # type: ignore[attr-defined]  # the two of the cycle


def test_quick_check_sees_cheap_damage(copy: Path, base_template: Base) -> None:
    with Tract.open(str(copy)) as t, t.store.read() as uow:
        assert quick_check(uow, t.tract_id).ok
    damage(copy, base_template, *DAMAGES)
    with Tract.open(str(copy)) as t, t.store.read() as uow:
        check = quick_check(uow, t.tract_id)
    assert check.dangling_refs == ("refs/heads/ghost",)
    assert base_template.main[-1] in check.missing_content
    assert base_template.main[-3] in check.unreadable_content
    assert check.missing_parents  # the commit replayed onto a deleted source
    assert base_template.main[0] in check.cycles  # the self-loop (side's cycle: not from a ref)
    assert set(base_template.side) <= set(check.cycles)  # side's tip walks into its cycle
    assert check.unreadable_times == (base_template.main[2],)
    assert check.unknown_types == (base_template.main[3],)
    summary = check.summary()
    assert "run tract-tui verify" in summary
    for words in ("parent cycle", "time is not a time", "unknown content type"):
        assert words in summary


# -- the TUI ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_tui_opens_a_damaged_store_and_says_so(copy: Path, base_template: Base) -> None:
    damage(copy, base_template, *DAMAGES)
    app = TractApp(Tract.open(str(copy)), clock=FrozenClock(NOW))
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        graph = app.screen.query_one(GraphView)
        await wait_for(pilot, lambda: graph.model.complete and len(graph.model) > 0)
        # The rest of the graph shows: every reachable commit of main and side.
        assert set(base_template.main) | set(base_template.side) <= set(graph.model.hashes)
        # The check runs after the first frame and reports twice (status bar, then a toast):
        # wait for each, never for one and then assert the other (that raced).
        status = app.screen.query_one(StatusBar)
        await wait_for(pilot, lambda: "damaged: run tract-tui verify" in rendered(status))
        await wait_for(
            pilot, lambda: any("without stored content" in n.message for n in app._notifications)
        )
        note = next(n.message for n in app._notifications if "without stored content" in n.message)
        for words in ("parent cycle", "time is not a time", "unknown content type"):
            assert words in note
        # The damaged rows say so in the graph; the rest reads as usual.
        for damaged in (base_template.main[2], base_template.main[3]):
            await wait_for(pilot, lambda h=damaged: h in graph.details)
            assert graph.details[damaged].damaged
        # HEAD's blob is gone: its content reads "[missing content]".
        detail = app.screen.query_one("#graph-detail", DetailPane)
        graph.select_hash(base_template.main[-1])
        await wait_for(pilot, lambda: detail._rendered == base_template.main[-1])
        await wait_for(pilot, lambda: "[missing content]" in rendered_all(detail))
        # The invalid JSON payload reads the same way; the cycle's rows render.
        for target in (base_template.main[-3], *base_template.side):
            graph.select_hash(target)
            await wait_for(pilot, lambda target=target: detail._rendered == target)
        for y in range(graph.size.height):
            assert graph.render_line(y).cell_length == graph.size.width
        # The event's sources are gone: listed as "(no longer stored)", cut by the column.
        await pilot.press("2")
        events = app.screen.query_one(EventsPanel)
        await wait_for(pilot, lambda: events.detail.loaded is not None)
        await wait_for(pilot, lambda: "(no longe" in rendered_all(events.detail))
        # The compile record whose commits are gone still opens.
        await pilot.press("3")
        records = app.screen.query_one(RecordsPanel)
        await wait_for(pilot, lambda: records.detail.row is not None)
        await wait_for(pilot, lambda: "checking" not in rendered(records.detail.badge))
        assert "differs" in rendered(records.detail.badge)
        # Compiling HEAD (C) is a write: on a damaged store it asks first; confirmed, it
        # either works or says why in one notification.
        await pilot.press("1", "C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: any("compile" in n.message.lower() for n in app._notifications)
        )
