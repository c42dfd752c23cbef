"""Ending the process without Python's teardown, for a command that asks.

After ``compile --json`` of a long history, the interpreter's exit frees the modules and
everything still alive one object at a time (~0.1 s at 100k messages) although nothing is
left to close or flush but stdout. A command whose resources are all closed may say so
(:func:`ask`); the console script then flushes the standard streams and ends the process at
once. Only the process's own entry point does this (a caller of ``cli.main(argv)`` keeps its
interpreter), and never after an error.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

_asked = False
_kept: list[Any] = []


def ask(*keep: Any) -> None:
    """The command has closed everything it opened: its process may skip the teardown.
    ``keep``: what it made that would otherwise be freed, one object at a time, as it
    returns (a 1M-message compile: ~0.35 s); the exit then frees it all at once."""
    global _asked
    _asked = True
    _kept.extend(keep)


def reset() -> None:
    global _asked
    _asked = False
    _kept.clear()


def leave_if_asked(code: int, broken_pipe_code: int) -> None:
    """End the process now with ``code`` if a command asked; return otherwise. A reader that
    went away before the last bytes were flushed makes it ``broken_pipe_code``, quietly."""
    if not _asked:
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = broken_pipe_code
    except (OSError, ValueError):  # a closed or failing stream: let the usual exit say so
        return
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)
