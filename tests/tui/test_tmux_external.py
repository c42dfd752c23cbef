"""End to end in tmux: ``o`` hands a commit to ``$PAGER``, ``e`` in the compress dialog
writes a summary in ``$EDITOR``, ``Y`` copies a commit's text (OSC 52, read back from tmux's
buffer). The pager and editor are small scripts that write what they received to a file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from tests.tui._action_helpers import T0
from tests.tui.tmux_driver import TmuxApp, tmux_available, tract_tui_binary

pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(not tmux_available(), reason="tmux is not installed"),
]

LONG = (
    "The reproduction prints 344 where 345 was expected because int() truncates the "
    "product of the seconds and the precision; round() is the fix, and a regression test "
    "pins the millisecond case so it cannot come back unnoticed in a later release."
)
ESCAPED = "colour \x1b[31mred\x1b[0m stays data"
HAND = "A summary written by hand"


def _store(path: Path) -> None:
    t = create_tract(path, clock=FrozenClock(T0))
    t.system("You are terse.")
    for i in range(4):
        t.user(f"question {i}")
        t.assistant(f"answer {i}")
    t.user(ESCAPED)
    t.assistant(LONG)
    t.close()


def _scripts(folder: Path) -> dict[str, str]:
    pager = folder / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {folder / 'paged.txt'}\n")
    editor = folder / "editor.sh"
    editor.write_text(f'#!/bin/sh\ncp "$1" {folder / "editor-in.txt"}\nprintf "{HAND}\\n" > "$1"\n')
    for script in (pager, editor):
        script.chmod(0o755)
    return {"PAGER": str(pager), "EDITOR": str(editor), "VISUAL": ""}


def _wait_file(path: Path, check: Callable[[str], bool], timeout: float = 10.0) -> str:
    """The file's text once ``check`` holds (the program writes it while the app waits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and check(text := path.read_text(encoding="utf-8")):
            return text
        time.sleep(0.05)
    raise AssertionError(f"{path.name} never held what was expected")


def test_pager_editor_and_copy(tmp_path: Path) -> None:
    _store(tmp_path / "s.db")
    env = _scripts(tmp_path)
    with TmuxApp([tract_tui_binary(), "s.db"], tmp_path, env=env) as app:
        app.tmux("set-option", "-s", "set-clipboard", "on")  # accept the app's OSC 52
        app.wait_for("1/11 commits", "o Read")

        # o: the whole content reaches the pager, past the 72 characters of the message,
        # and the app is back when the pager exits.
        app.press("o")
        paged = _wait_file(tmp_path / "paged.txt", lambda text: "later release." in text)
        assert LONG in paged
        app.wait_for("1/11 commits")

        # Stored escapes reach the pager as visible text, never as escape sequences.
        app.press("j", "o")
        paged = _wait_file(tmp_path / "paged.txt", lambda text: "stays data" in text)
        assert "\\x1b[31mred" in paged
        assert "\x1b" not in paged

        # Y: the selected commit's text on the clipboard (tmux keeps what OSC 52 set).
        app.press("k", "Y")
        app.wait_for("Copied the text of")
        assert LONG in app.tmux("show-buffer")

        # e in the compress dialog: the draft goes to the editor, what it wrote comes back
        # as the manual summary, and the compression stores it.
        app.press("G", "z")
        app.wait_for("Groups to summarise: 1", "Review, then Compress")
        app.press("e")
        draft = _wait_file(tmp_path / "editor-in.txt", lambda text: bool(text.strip()))
        assert "question 0" in draft  # the extractive draft it started from
        app.wait_for(HAND, "Summary written in the editor")
        app.press("C-s")
        app.wait_for("Compressed:")
    t = Tract.open(str(tmp_path / "s.db"))
    try:
        texts = [m.content for m in t.compile().messages]
    finally:
        t.close()
    assert HAND in texts
