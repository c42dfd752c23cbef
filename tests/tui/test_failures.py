"""A failure is one sentence on screen; its details go to the log file the sentence names.

The store errors here are real: a table is dropped under the running app, so SQLAlchemy raises
its own OperationalError, whose text carries the statement and its parameters.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from textual.app import App, ComposeResult
from textual.widgets import Static

from core.errors import NotFoundError
from tests.pilot_helpers import wait_for
from tests.tui._action_helpers import build_store, make_app, ready
from tract_tui import failures
from tract_tui.keymap import normalise_key

SQL_WORDS = ("SELECT", "INSERT", "[SQL", "[parameters", "Traceback", "\n")

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's log directory, moved into the test's tmp_path (platformdirs reads XDG)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "tract-tui" / "log"


def test_a_store_error_reads_as_one_line_without_its_statement(
    tmp_path: Path, log_dir: Path
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(sa.exc.OperationalError) as caught, engine.connect() as conn:
        conn.execute(sa.text("SELECT secret FROM nowhere WHERE token = :t"), {"t": "hunter2"})
    engine.dispose()
    assert "[SQL" in str(caught.value) and "hunter2" in str(caught.value)  # the raw text has both
    failed = failures.failure("Could not read the graph", caught.value)
    assert failed.reason == "no such table: nowhere"
    assert failed.log == log_dir / failures.LOG_NAME
    assert failed.sentence == (
        f"Could not read the graph: no such table: nowhere (details in {failed.log})"
    )
    logged = failed.log.read_text(encoding="utf-8")
    assert "Traceback" in logged and "SELECT secret FROM nowhere" in logged


def test_our_own_errors_are_the_whole_story(log_dir: Path) -> None:
    failed = failures.failure("Could not go there", NotFoundError("unknown ref 'nope'"))
    assert failed.sentence == "Could not go there: unknown ref 'nope'"
    assert failed.log is None and not log_dir.exists()


def test_an_unwritable_log_does_not_hide_the_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the log directory should be")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    failed = failures.failure("Could not compile", RuntimeError("disk full"))
    assert failed.log is None and failed.sentence == "Could not compile: disk full"


async def test_a_failing_compile_is_a_toast_naming_the_log(tmp_path: Path, log_dir: Path) -> None:
    built = build_store(tmp_path / "s.db", rounds=2)
    app = make_app(built.path)
    async with app.run_test(size=(120, 34), notifications=True) as pilot:
        await ready(pilot)
        with sqlite3.connect(built.path) as raw:  # another process breaks the store
            raw.execute("DROP TABLE compile_effectives")
        await pilot.press("C")  # record a compile of HEAD: its INSERT fails

        def toasts() -> list[str]:
            return [n.message for n in app._notifications if n.severity == "error"]

        await wait_for(pilot, lambda: any("Could not compile" in t for t in toasts()))
        (toast,) = [t for t in toasts() if "Could not compile" in t]
        log = log_dir / failures.LOG_NAME
        assert toast == f"Could not compile: no such table: compile_effectives (details in {log})"
        assert not any(word in toast for word in SQL_WORDS)
        logged = log.read_text(encoding="utf-8")
        assert "Traceback" in logged and "INSERT INTO compile_effectives" in logged
        status = app.screen.query_one("#status")
        await wait_for(pilot, lambda: "compiling" not in str(status.render()))  # activity ends


class _Keys(App[None]):
    """Records the key names Textual gives the characters a keymap may bind."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("keys")

    def on_key(self, event: object) -> None:
        self.seen.append(event.key)  # type: ignore[attr-defined]  # a textual.events.Key


async def test_keymap_names_keys_as_textual_does() -> None:
    """``normalise_key`` rebuilds Textual's naming rule: each character, pressed as typed,
    arrives as a key event named what ``normalise_key`` says."""
    characters = "?/@-+_!#$%^&*()[]{};:'\",.<>`~|\\=aZ5"
    app = _Keys()
    async with app.run_test() as pilot:
        for ch in characters:
            await pilot.press(ch)
        await wait_for(pilot, lambda: len(app.seen) == len(characters))
    assert app.seen == [normalise_key(ch) for ch in characters]
