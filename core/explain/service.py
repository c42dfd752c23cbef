"""Entry points of the explanation service: pick the compile, then explain, mark or list.

A compile is a record (by id or unique prefix; the latest when none is named) or a live compile
at a ref and a time. Everything here reads; nothing writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from core.errors import AmbiguousRefError, CompileError, NotFoundError
from core.explain.facts import Facts, Positions
from core.explain.lens import build_lens
from core.explain.models import Explanation, Lens, Subject
from core.explain.verdicts import Explainer
from core.models.records import CompileRecord
from core.operations import navigation as nav
from core.operations.compile import Compiler
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

_HEX = re.compile(r"^[0-9a-f]+$")
MIN_PREFIX = 4


def record_header(uow: UnitOfWork, ctx: TractContext, ref: str | None) -> CompileRecord | None:
    """A record of this tract by id or unique prefix (≥ 4), without its commit list; the
    latest record when ``ref`` is None (None when there is none)."""
    if ref is None:
        latest = uow.records.list(ctx.tract_id, limit=1)
        return latest[0] if latest else None
    wanted = ref.strip().lower()
    records = uow.records.list(ctx.tract_id)
    exact = [r for r in records if r.record_id == wanted]
    if exact:
        return exact[0]
    found = (
        [r for r in records if r.record_id.startswith(wanted)]
        if len(wanted) >= MIN_PREFIX and _HEX.match(wanted)
        else []
    )
    if len(found) > 1:
        raise AmbiguousRefError(wanted, [r.record_id for r in found])
    if not found:
        raise NotFoundError(f"no compile record {ref!r} in this tract")
    return found[0]


def subject_of(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    *,
    record: str | None = None,
    at: str | None = None,
    at_time: datetime | None = None,
    latest_record: bool = True,
) -> tuple[Subject, Positions]:
    """The compile to explain against: ``record``, or a live compile ``at`` a ref (and time),
    or the latest record (``latest_record``), or a live compile of HEAD."""
    if record is not None and (at is not None or at_time is not None):
        raise CompileError("explain against a record or a compile at a ref/time, not both")
    if at is None and at_time is None and (record is not None or latest_record):
        rec = record_header(uow, ctx, record)
        if rec is not None:
            subject = Subject("record", rec.head_hash or None, rec.created_at, rec.record_id)
            return subject, Positions(record_id=rec.record_id, uow=uow)
    head = nav.resolve(uow, ctx, at) if at is not None else None
    compiled = compiler.compile(uow, head=head, at_time=at_time)
    when = at_time if at_time is not None else ctx.now()
    subject = Subject("compile", compiled.head_hash, when, ref=at or "HEAD")
    positions = Positions(
        list(compiled.commit_hashes), message_tokens=list(compiled.message_tokens)
    )
    return subject, positions


def explainer(uow: UnitOfWork, ctx: TractContext, subject: Subject, pos: Positions) -> Explainer:
    return Explainer(Facts(uow, ctx, subject, pos))


def why(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    commit: str,
    *,
    record: str | None = None,
    at: str | None = None,
    at_time: datetime | None = None,
) -> Explanation:
    commit_hash = nav.resolve(uow, ctx, commit)
    subject, pos = subject_of(uow, ctx, compiler, record=record, at=at, at_time=at_time)
    return explainer(uow, ctx, subject, pos).explain(commit_hash)


def lens(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    *,
    record: str | None = None,
    at: str | None = None,
    at_time: datetime | None = None,
) -> Lens:
    subject, pos = subject_of(uow, ctx, compiler, record=record, at=at, at_time=at_time)
    return build_lens(Facts(uow, ctx, subject, pos))


def explain_all(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    *,
    record: str | None = None,
    at: str | None = None,
    at_time: datetime | None = None,
    commits: Iterable[str] | None = None,
) -> dict[str, Explanation]:
    """A verdict for every commit of the tract (or the given ones): for tests and scripts."""
    subject, pos = subject_of(uow, ctx, compiler, record=record, at=at, at_time=at_time)
    facts = Facts(uow, ctx, subject, pos)
    if commits is None:
        hashes: list[str] = []
        for batch in uow.commits.iter_all(ctx.tract_id):
            facts.remember(batch)
            hashes.extend(c.commit_hash for c in batch)
    else:
        hashes = list(commits)
    return Explainer(facts).explain_many(hashes)
