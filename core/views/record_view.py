"""Read model: one compile record as a screen shows it — its effective commits in order, each
with the tokens and text it was sent with, and the token breakdown by role and content type.

The texts and per-message tokens come from recompiling the record's head as of its time (what
was sent); a commit the recompile does not reproduce falls back to its stored figures. Only
the first ``limit`` commits get details, so a record of 100,000 commits costs one screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models.records import CompileRecord
from core.operations.compile import Compiler
from core.operations.context import TractContext
from core.operations.records import Breakdown, compile_as_recorded, find_record, token_breakdown
from core.storage.repositories import UnitOfWork
from core.views.graph_rows import row_details
from core.views.text import first_line


@dataclass(frozen=True)
class RecordCommit:
    position: int
    commit_hash: str
    badge: str  # "user", "asst", "sys", … ("?" when the commit is gone)
    role: str
    tokens: int | None  # message tokens as sent (None: not in the recompile)
    text: str  # first line, made safe
    in_recompile: bool


@dataclass(frozen=True)
class RecordView:
    record: CompileRecord
    commits: tuple[RecordCommit, ...]  # the first ``limit`` effective commits
    total: int  # effective commits of the record
    breakdown: Breakdown | None  # None when the head is gone
    note: str  # what could not be shown, for people ("" when everything is here)


def record_view(
    uow: UnitOfWork, ctx: TractContext, compiler: Compiler, record_id: str, *, limit: int = 500
) -> RecordView:
    record = find_record(uow, ctx, record_id)
    compiled = compile_as_recorded(uow, compiler, record)
    shown = record.effectives[:limit]
    infos = row_details(uow, ctx, shown)
    index = {h: i for i, h in enumerate(compiled.commit_hashes)} if compiled else {}
    rows = []
    for pos, h in enumerate(shown):
        info = infos.get(h)
        i = index.get(h)
        if compiled is not None and i is not None:
            message = compiled.messages[i]
            tokens = compiled.message_tokens[i] if i < len(compiled.message_tokens) else None
            rows.append(
                RecordCommit(
                    pos,
                    h,
                    info.badge if info else "?",
                    message.role,
                    tokens,
                    first_line(message.content, 300),
                    True,
                )
            )
        else:
            text = first_line(info.message, 300) if info else "(no longer in the store)"
            badge = info.badge if info else "?"
            rows.append(RecordCommit(pos, h, badge, "", None, text, False))
    note = ""
    if compiled is None:
        note = f"head {record.head_hash[:8]} is no longer stored: texts and tokens unavailable"
    if len(record.effectives) > limit:
        more = f"first {limit} of {len(record.effectives)} commits shown"
        note = f"{note}; {more}" if note else more
    breakdown = token_breakdown(compiled, ctx.counter) if compiled is not None else None
    return RecordView(record, tuple(rows), len(record.effectives), breakdown, note)
