"""The subcommands of ``tract-tui``: one module per command group, each exporting ``COMMAND``.

``tract_tui.cli`` builds the parser from :data:`COMMANDS` and dispatches to ``Command.run``; a
new command is a new module here plus one line in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]  # returns the exit code


def _commands() -> tuple[Command, ...]:
    from tract_tui.commands import (
        annotate,
        compress,
        events,
        export,
        import_file,
        log,
        records,
        reproduce,
        revert,
        serve,
        sessions,
        summary,
        upgrade,
        verify,
        why,
    )
    from tract_tui.commands import compile as compile_cmd

    scripting = (log, compile_cmd, events, records, reproduce, why, export)
    return (
        summary.COMMAND,
        upgrade.COMMAND,
        verify.COMMAND,
        compress.COMMAND,
        revert.COMMAND,
        annotate.PIN,
        annotate.SKIP,
        import_file.COMMAND,
        sessions.COMMAND,
        serve.COMMAND,
        *(m.COMMAND for m in scripting),
    )


COMMANDS: tuple[Command, ...] = _commands()
COMMANDS_BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}
