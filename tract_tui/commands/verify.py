"""``tract-tui verify STORE [--json] [--tract ID]``: re-derive every hash and check every reference.

Exit 0 when the store is clean, 1 when problems were found, 2 when it could not be verified.
"""

from __future__ import annotations

import argparse
import json

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import add_readonly_argument


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--tract",
        metavar="ID",
        help="a tract that must be in the store (the check itself covers the whole store)",
    )
    # Accepted for uniformity: verify never writes, with or without it.
    add_readonly_argument(parser)


def run(args: argparse.Namespace) -> int:
    from core import verify_store  # lazy: `tract-tui -h` stays instant

    if args.tract:
        _require_tract(args.store, args.tract)
    report = verify_store(args.store)
    if args.tract:
        report.notes.append(
            f"--tract {args.tract}: the checks cover the whole store (tracts share blobs, "
            "and references cross tracts)"
        )
    if args.json:
        # ASCII-escaped JSON: stored text can never reach the terminal raw.
        out(json.dumps(report.to_dict(), indent=2))
    else:
        out(*(plain(line) for line in report.format_lines()))
    return 0 if report.ok else 1


def _require_tract(store_target: str, wanted: str) -> None:
    """Refuse an unknown or ambiguous ``--tract`` (read-only open; writes nothing)."""
    from core import Store
    from core.read import find_tract

    with Store.open(store_target, readonly=True) as store:
        find_tract(store, wanted)


COMMAND = Command(
    "verify", "check every hash and reference of a store (writes nothing)", configure, run
)
