"""``tract-tui records STORE [--limit N] [--json] [--tract ID]``: compile records, newest first.

Each record with its head, counts, token source, params and ordered effective commits.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from tract_tui.commands import Command
from tract_tui.commands._output import out, plain
from tract_tui.commands._scripting import (
    add_json_argument,
    add_store_arguments,
    open_tract,
    print_json,
    short,
    when,
)

if TYPE_CHECKING:
    from core.views.records import RecordRow


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--limit", type=int, metavar="N", help="at most N records")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    from core.read import StoreReader

    with open_tract(args) as tract:
        page = StoreReader(tract).records_page(0, args.limit, with_commits=True)
    if args.json:
        rows = [{**_fields(r), "purpose": r.purpose} for r in page.rows]
        print_json({"tract_id": tract.tract_id, "total": page.total, "records": rows})
        return 0
    if not page.rows:
        out("no compile records")
        return 0
    for i, r in enumerate(page.rows):
        params = json.dumps(r.params, ensure_ascii=False, default=str) if r.params else "null"
        source = f" ({r.token_source})" if r.token_source else ""
        lines = [
            f"{r.record_id}  {when(r.created_at)}  head {short(r.head_hash) or '(none)'}",
            f"  {r.commit_count} commits, {r.token_count} tokens{source}, params {params}",
            f"  commits: {' '.join(short(h) for h in r.commits) or '-'}",
        ]
        out(*([""] if i else []), *(plain(line) for line in lines))
    if page.total > len(page.rows):
        out("", f"({page.total - len(page.rows)} more; raise --limit)")
    return 0


def _fields(row: RecordRow) -> dict[str, object]:
    import dataclasses

    return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}


COMMAND = Command("records", "compile records with their ordered commits", configure, run)
