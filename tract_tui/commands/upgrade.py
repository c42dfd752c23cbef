"""``tract-tui upgrade STORE [--to N]``: upgrade a store explicitly (SQLite files backed up first).

Without ``--to`` tract-ai's version is kept (a v1–v5 store becomes v6, a store tract-ai
relabelled without renaming its edit column is repaired) and our additions are applied; with
``--to N`` the store moves to tract-ai's schema vN (7..13) too, for teams on newer tract-ai.
"""

from __future__ import annotations

import argparse

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain, table


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")
    parser.add_argument(
        "--to",
        type=int,
        metavar="N",
        help="also move the store to tract-ai schema vN (7..13); default: keep its version",
    )


def run(args: argparse.Namespace) -> int:
    from core import upgrade_store  # lazy: `tract-tui -h` stays instant

    report = upgrade_store(args.store, to=args.to)
    if report.backup is None and report.from_label == report.to_label:
        out(plain(f"{report.store} is already at {report.to_label}; nothing to do"))
        return 0
    out(plain(report.summary()))
    if report.backup is not None:
        out(plain(f"backup: {report.backup}"))
    else:
        out("backup: none (not a local SQLite file; back up server databases yourself)")
    names = sorted(set(report.rows_before) | set(report.rows_after))
    rows = [
        (name, report.rows_before.get(name, "-"), report.rows_after.get(name, "-"))
        for name in names
    ]
    out("", *table(("table", "rows before", "rows after"), rows))
    return 0


COMMAND = Command("upgrade", "upgrade an older store to the current layout", configure, run)
