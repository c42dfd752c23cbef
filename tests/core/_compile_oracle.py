"""What a compile must give, worked out the plain way for the property tests.

Written for the tests from the compile rules (docs: the walk root first with merged branches
inserted before their merge, ``at_time``, the newest EDIT wins, SKIP drops, one message per
effective commit) and sharing nothing with ``core.engine``: it reads every commit, parent and
annotation of the tract through the repositories' plain getters and walks them in memory.
Slow and obvious on purpose; the histories it checks are a few dozen commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core import Tract
from core.engine.clock import from_storage
from tests.hostile._big import reference_order


@dataclass(frozen=True)
class Expected:
    commit_hash: str  # the original (edited) commit
    content_type: str  # of the text shown: the newest edit's, else the commit's own
    role: str | None  # dialogue messages: role and text; None for other content types
    text: str | None


def oracle_compile(
    tract: Tract, head: str | None, at_time: datetime | None = None
) -> list[Expected]:
    if head is None:
        return []
    with tract.store.read() as uow:
        commits = {
            c.commit_hash: c for batch in uow.commits.iter_all(tract.tract_id) for c in batch
        }
        merge_rows = uow.parents.parents_of(list(commits))
        parents = {
            h: merge_rows[h] if len(merge_rows.get(h, ())) >= 2 else (c.parent_hash,)
            for h, c in commits.items()
            if c.parent_hash or len(merge_rows.get(h, ())) >= 2
        }
        order = reference_order(head, parents)
        cutoff = from_storage(at_time) if at_time is not None else None
        if cutoff is not None:
            order = [h for h in order if commits[h].created_at <= cutoff]
        when = cutoff if cutoff is not None else tract.ctx.now()
        skipped = set()
        for h in order:
            history = [a for a in uow.annotations.history(h) if a.created_at <= when]
            newest = max(history, key=lambda a: (a.created_at, a.id), default=None)
            if newest is not None and newest.priority.name == "SKIP":
                skipped.add(h)
        newest_edit: dict[str, str] = {}
        for h in order:  # in sequence order: on equal times the earlier edit stays
            c = commits[h]
            if not c.is_edit or c.response_to not in commits or c.response_to not in order:
                continue
            held = newest_edit.get(c.response_to)
            if held is None or c.created_at > commits[held].created_at:
                newest_edit[c.response_to] = h
        effective = [h for h in order if not commits[h].is_edit and h not in skipped]
        shown = {h: commits[newest_edit.get(h, h)] for h in effective}
        blobs = uow.blobs.get_many(c.content_hash for c in shown.values())
    out = []
    for h in effective:
        source = shown[h]
        blob = blobs.get(source.content_hash)
        payload = blob.payload if blob is not None else None
        if payload and payload.get("content_type") == "dialogue":
            out.append(Expected(h, "dialogue", payload["role"], payload["text"]))
        else:
            out.append(Expected(h, source.content_type, None, None))
    return out


def mismatch(tract: Tract, head: str | None, at_time: datetime | None = None) -> str | None:
    """None when ``tract.compile`` (at ``head``, or HEAD as of ``at_time``) agrees with the
    oracle: the same commits in the same order, the same role and text for dialogue."""
    if at_time is not None:
        compiled = tract.compile(at_time=at_time)
    else:
        compiled = tract.compile(at=head) if head is not None else tract.compile()
    want = oracle_compile(tract, head, at_time)
    got = list(compiled.commit_hashes)
    if got != [e.commit_hash for e in want]:
        shown = [e.commit_hash[:8] for e in want]
        return f"commits differ: compile {[h[:8] for h in got]}, oracle {shown}"
    for e, message in zip(want, compiled.messages, strict=True):
        if e.role is not None and (message.role, message.content) != (e.role, e.text):
            got_text = f"{message.role}/{message.content!r}"
            return f"{e.commit_hash[:8]}: compile {got_text}, oracle {e.role}/{e.text!r}"
    return None
