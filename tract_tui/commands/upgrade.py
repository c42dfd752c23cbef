"""``tract-tui upgrade STORE``: upgrade an older store explicitly (SQLite files backed up first)."""

from __future__ import annotations

import argparse

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain, table


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="store path or SQLAlchemy URL")


def run(args: argparse.Namespace) -> int:
    from core import upgrade_store  # lazy: `tract-tui -h` stays instant

    report = upgrade_store(args.store)
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
