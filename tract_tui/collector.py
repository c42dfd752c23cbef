"""The cyclic garbage collector while the ``tract-tui`` process starts.

Importing Textual, SQLAlchemy and our own modules makes some 100k long-lived objects; the
collector meanwhile runs ~170 times and walks them, ~20-40 ms of a start-up. The console
script pauses it; once the imports are done (the app about to run, a command's store open)
what they made is frozen out of its sight (it lives as long as the process) and collection
resumes. Only the process's own entry point pauses: a caller of ``cli.main(argv)`` (a test,
a script) keeps its collector as it is.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Imports are done: freeze what they made and collect again (only after a pause)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def end() -> None:
    """The command is over: collection on again, whatever happened (nothing frozen)."""
    global _paused
    if _paused:
        _paused = False
        gc.enable()
