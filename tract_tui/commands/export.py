"""``tract-tui export STORE [--record ID | --at REF] --format F [-o FILE] [--tract ID]``.

A record (as it was sent) or a live compile (at REF, HEAD by default) as OpenAI messages
JSON, Anthropic messages JSON, or Markdown. To a file the text is written verbatim (UTF-8);
on standard output JSON is ASCII-escaped (parsing it gives the text back), and Markdown shown
on a terminal has its control characters escaped (stored text never drives the terminal).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tract_tui.commands import Command
from tract_tui.commands._output import err, out
from tract_tui.commands._scripting import add_store_arguments, open_tract

FORMATS = ("openai", "anthropic", "markdown")


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--record", metavar="ID", help="a compile record, as it was sent")
    which.add_argument("--at", metavar="REF", help="a live compile at REF (default HEAD)")
    parser.add_argument("--format", required=True, choices=FORMATS, help="the document format")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (else stdout)")


def run(args: argparse.Namespace) -> int:
    to_file = args.output is not None
    with open_tract(args) as tract:
        text = tract.export(args.format, record=args.record, at=args.at, ascii_json=not to_file)
    if to_file:
        path = Path(args.output)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            err(f"{path}: cannot write: {exc.strerror or exc}")
            return 2
        err(f"wrote {args.format} to {path}")
        return 0
    if args.format == "markdown" and sys.stdout.isatty():
        from core.views.text import display_block

        text = display_block(text)
    out(text.rstrip("\n"))
    return 0


COMMAND = Command(
    "export", "a record or compile as OpenAI / Anthropic JSON or Markdown", configure, run
)
