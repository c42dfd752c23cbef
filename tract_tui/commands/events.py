"""``tract-tui events STORE [--limit N] [--json] [--tract ID]``: operation events, newest first.

One line per event: its id, time, type and branch, commits and tokens before → after, the
summarizer, and for a compress the identifiers (paths, URLs, numbers with units, error names,
code names, hashes) its sources held and its summaries lost. ``--json`` adds the source and
result commits in order and the params.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

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
    from core import CompactionLoss
    from core.views.events import EventRow

LOST_SHOWN = 8


def configure(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--limit", type=int, metavar="N", help="at most N events")
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    with open_tract(args) as tract:
        page = tract.events(limit=args.limit)
        losses = tract.compaction_losses()
    if args.json:
        rows = [{**_fields(ev), "lost": _lost(losses.get(ev.event_id))} for ev in page.rows]
        print_json({"tract_id": tract.tract_id, "total": page.total, "events": rows})
        return 0
    if not page.rows:
        out("no operation events")
        return 0
    out(*(plain(_line(ev, losses.get(ev.event_id))) for ev in page.rows))
    if page.total > len(page.rows):
        out("", f"({page.total - len(page.rows)} more; raise --limit)")
    return 0


def _line(ev: EventRow, loss: CompactionLoss | None) -> str:
    """One readable line: id, time, what and where, commits and tokens in → out, the
    summarizer, and for a compress what it lost (the params stay in ``--json``)."""
    branch = f" on {ev.branch}" if ev.branch else ""
    parts = [
        f"{short(ev.event_id)}  {when(ev.created_at)}  {ev.event_type}{branch}",
        f"{ev.source_count} → {ev.result_count} commits",
        f"{ev.tokens_before:,} → {ev.tokens_after:,} tokens",
    ]
    parts += [v for v in (ev.summarizer, ev.model) if v]
    if loss is not None:
        shown = ", ".join(i.value for i in loss.lost[:LOST_SHOWN])
        more = ", …" if loss.count > LOST_SHOWN else ""
        parts.append(
            f"lost: {loss.count} of {loss.found} identifiers"
            + (f" ({shown}{more})" if loss.count else "")
            if loss.found
            else "lost: nothing to check (the sources name no identifier)"
        )
    return "  ".join(parts)


def _fields(row: object) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}  # type: ignore[arg-type]  # row is a dataclass instance


def _lost(loss: CompactionLoss | None) -> dict[str, Any] | None:
    if loss is None:
        return None
    return {
        "count": loss.count,
        "found": loss.found,
        "by_kind": loss.by_kind(),
        "identifiers": [{"kind": i.kind, "value": i.value} for i in loss.lost],
        "texts_missing": loss.missing_texts,
    }


COMMAND = Command("events", "operation events with their source and result commits", configure, run)
