"""``tract-tui sessions [--json]``: the agent sessions on this machine.

Claude Code sessions under ``~/.claude/projects`` and Codex rollouts under
``~/.codex/sessions`` (``CLAUDE_CONFIG_DIR`` and ``CODEX_HOME`` move them): project, start,
last activity, size, messages and compactions, most recent first. Open one with
``tract-tui PATH``. Reading only: nothing is written anywhere.
"""

from __future__ import annotations

import argparse

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain, table
from tract_tui.commands._scripting import add_json_argument, print_json
from tract_tui.timefmt import local_minute as when
from tract_tui.timefmt import size_text


def configure(parser: argparse.ArgumentParser) -> None:
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    import core

    found = core.list_sessions()
    if args.json:
        print_json(
            [
                {
                    "path": str(s.path),
                    "format": s.format,
                    "project": s.project,
                    "session_id": s.session_id,
                    "started": s.started.isoformat() if s.started else None,
                    "last_activity": s.last_activity.isoformat(),
                    "size": s.size,
                    "messages": s.messages,
                    "compactions": s.compactions,
                }
                for s in found
            ]
        )
        return 0
    if not found:
        out(
            "no sessions in ~/.claude/projects or ~/.codex/sessions "
            "(CLAUDE_CONFIG_DIR / CODEX_HOME move them)"
        )
        return 0
    headers = ("project", "started", "last activity", "size", "messages", "compactions", "kind")
    rows = [
        (
            s.project,
            when(s.started),
            when(s.last_activity),
            size_text(s.size),
            s.messages,
            s.compactions,
            s.format,
        )
        for s in found
    ]
    out(*table(headers, rows))
    out("", *(plain(f"{i + 1:>3}  {s.path}") for i, s in enumerate(found)))
    out("", "open one with: tract-tui PATH")
    return 0


COMMAND = Command(
    "sessions", "list the Claude Code and Codex sessions on this machine", configure, run
)
