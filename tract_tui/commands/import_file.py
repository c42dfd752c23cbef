"""``tract-tui import PATH --store STORE [--format F] [--strict] [--follow] [--create]``.

PATH is an OpenAI chat transcript (JSON array or JSONL: onto a branch, as before), a Claude
Code session, a Codex rollout, an OpenTelemetry GenAI trace (OTLP JSON or flat span
attributes), or a folder of sessions. The format is detected from the file's records unless
``--format`` names it. Everything is read and checked before the store is opened, so bad
input never creates or changes a store; the writes are one transaction. ``--follow`` keeps
importing what is appended until interrupted. Errors are one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from tract_tui.commands import Command
from tract_tui.commands._import_output import Progress, summary_lines
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import add_readonly_argument

FORMATS = ("openai-chat", "claude-code", "codex", "otel")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", metavar="PATH", help="a transcript, a session file, or a folder of sessions"
    )
    parser.add_argument(
        "--store", required=True, metavar="STORE", help="store path or SQLAlchemy URL"
    )
    parser.add_argument("--format", choices=FORMATS, help="do not detect the format: use this")
    parser.add_argument(
        "--strict", action="store_true", help="a malformed line is an error, not a skipped line"
    )
    parser.add_argument(
        "--follow", action="store_true", help="keep importing what is appended (ctrl+c stops)"
    )
    parser.add_argument("--branch", metavar="B", help="chat transcripts: the branch to import onto")
    parser.add_argument("--create", action="store_true", help="create the store if missing")
    parser.add_argument("--tract", metavar="ID", help="chat transcripts: the tract (of several)")
    parser.add_argument(
        "--force", action="store_true", help="write even if the store's quick check finds damage"
    )
    add_readonly_argument(parser)


def run(args: argparse.Namespace) -> int:
    # Lazy imports: `tract-tui -h` stays instant.
    import core

    fmt = args.format or core.detect_format(args.file)
    if fmt == "openai-chat":
        if args.follow:
            raise SystemExit("tract-tui: --follow reads sessions, not chat transcripts")
        return _chat(args)
    if args.branch or args.tract:
        option = "--branch" if args.branch else "--tract"
        print(
            f"tract-tui: {option} is for chat transcripts; a session makes its own tracts "
            "and branches",
            file=sys.stderr,
        )
        return 2
    session = core.ImportSession(
        args.file, fmt=None if fmt == "folder" else fmt, strict=args.strict
    )
    progress = Progress.for_stderr()
    summary = session.run(args.store, create=args.create, progress=progress, final=not args.follow)
    progress.done()
    out(*summary_lines(summary))
    if args.follow:
        return _follow(core, session, args.store)
    return 0


def _chat(args: argparse.Namespace) -> int:
    import core

    # Read and validate first: a bad file must not create, open or touch the store.
    # Read and validate every message first: a bad file must not create, open or touch the
    # store (a lone surrogate used to leave a new, empty store behind).
    transcript = core.read_transcript(args.file)
    readonly = True if args.readonly else None
    with core.Tract.open(args.store, args.tract, create=args.create, readonly=readonly) as tract:
        if not args.force:
            tract.require_intact("import")
        result = tract.import_transcript(transcript, branch=args.branch)
    out(
        plain(
            f"imported {result.message_count} messages from {result.file} "
            f"({result.format}) as {len(result.commits)} commits onto {result.branch}"
        ),
        plain(f"event: {result.event_id}"),
        plain(f"head: {result.head}"),
    )
    return 0


def _follow(core: Any, session: Any, store: str) -> int:
    lock = threading.Lock()

    def report(summary: Any) -> None:
        with lock:
            out(*summary_lines(summary, follow=True))
            sys.stdout.flush()

    def problem(message: str) -> None:
        with lock:
            print(f"tract-tui: {plain(message)}", file=sys.stderr)

    follower = core.SessionFollower(session, store, on_import=report, on_error=problem)
    out(f"following {plain(str(session.root))} (ctrl+c stops)")
    sys.stdout.flush()
    follower.start()
    try:
        while follower.is_alive():
            follower.join(0.5)
    except KeyboardInterrupt:
        pass
    follower.stop()
    return 0


COMMAND = Command(
    "import",
    "import a chat transcript, a Claude Code / Codex session, an OpenTelemetry trace, "
    "or a folder of sessions",
    configure,
    run,
)
