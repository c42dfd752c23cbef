"""Handing text to the user's own programs: ``$PAGER`` to read it, ``$EDITOR`` to write it.

The app is suspended (``App.suspend``) while the program owns the terminal, and resumes when
it exits. What the pager receives is made safe first (``display_block``): stored text can hold
escape sequences, and a pager such as ``less -R`` would let them act on the terminal. Where
the app cannot be suspended (a browser through ``tract-tui serve``, a test driver) the user is
told, and nothing else happens.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from textual.app import App, SuspendNotSupported

CANNOT_SUSPEND = "This terminal cannot hand over to another program (copy the text instead)"


def _command(names: tuple[str, ...], fallbacks: tuple[str, ...]) -> list[str] | None:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return shlex.split(value)
    for program in fallbacks:
        if shutil.which(program):
            return [program]
    return None


def pager_command() -> list[str] | None:
    """``$PAGER`` (split like a shell would: ``less -R``), else ``less``, else ``more``."""
    return _command(("PAGER",), ("less", "more"))


def editor_command() -> list[str] | None:
    """``$VISUAL``, else ``$EDITOR``, else ``nano``, else ``vi``."""
    return _command(("VISUAL", "EDITOR"), ("nano", "vi"))


def page(app: App[object], text: str) -> str | None:
    """Show ``text`` (already made safe) in the pager; the problem in words, else None."""
    command = pager_command()
    if command is None:
        return "No pager found: set $PAGER"
    try:
        with app.suspend():
            done = subprocess.run(command, input=text.encode("utf-8"), check=False)
    except SuspendNotSupported:
        return CANNOT_SUSPEND
    except OSError as exc:
        return f"Cannot run the pager {command[0]!r}: {exc.strerror or exc}"
    if done.returncode not in (0, 1):  # less exits 1 on a broken pipe after q: not a failure
        return f"The pager {command[0]!r} exited with status {done.returncode}"
    return None


def edit(app: App[object], text: str, *, suffix: str = ".md") -> tuple[str | None, str | None]:
    """``text`` written to a temporary file, opened in the editor, read back.

    Returns (the edited text, None), or (None, the problem in words): the editor could not
    run, or exited with a failure (its changes are then not taken)."""
    command = editor_command()
    if command is None:
        return None, "No editor found: set $EDITOR"
    with tempfile.TemporaryDirectory(prefix="tract-tui-") as folder:
        path = Path(folder) / f"summary{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            with app.suspend():
                done = subprocess.run([*command, str(path)], check=False)
        except SuspendNotSupported:
            return None, CANNOT_SUSPEND
        except OSError as exc:
            return None, f"Cannot run the editor {command[0]!r}: {exc.strerror or exc}"
        if done.returncode != 0:
            return None, f"The editor {command[0]!r} exited with status {done.returncode}"
        return path.read_text(encoding="utf-8", errors="replace"), None
