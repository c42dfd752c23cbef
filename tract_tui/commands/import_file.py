"""``tract-tui import FILE --store STORE [--branch B] [--create] [--tract ID]``.

Imports an OpenAI chat transcript (a JSON array of messages, or JSONL) into a branch as one
transaction with one ``import`` event. The file is validated completely before the store is
even opened, so an invalid file changes nothing. Errors are one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="transcript: JSON array or JSONL")
    parser.add_argument(
        "--store", required=True, metavar="STORE", help="store path or SQLAlchemy URL"
    )
    parser.add_argument(
        "--branch", metavar="B", help="branch to import onto (created at HEAD when missing)"
    )
    parser.add_argument("--create", action="store_true", help="create the store if missing")
    parser.add_argument("--tract", metavar="ID", help="tract id (for stores with several)")
    parser.add_argument(
        "--force", action="store_true", help="write even if the store's quick check finds damage"
    )


def run(args: argparse.Namespace) -> int:
    # Lazy imports: `tract-tui -h` stays instant.
    from core import Tract, read_transcript

    # Read and validate every message first: a bad file must not create, open or touch the
    # store (a lone surrogate used to leave a new, empty store behind).
    transcript = read_transcript(args.file)
    with Tract.open(args.store, args.tract, create=args.create) as tract:
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


COMMAND = Command(
    "import", "import an OpenAI chat transcript (JSON or JSONL) into a branch", configure, run
)
