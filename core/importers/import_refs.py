"""Branches of an imported tract: one per line of work, the newest one ``main``.

A *leaf* is a commit nothing continues. Two leaves are not lines of work: the last commit of
a line a compaction closed (it lives on in the summary) and a tool result left beside a line
that went on (a parallel result, not a rewind). Every other leaf gets a branch: the newest
(by time) is ``main``, each other is ``<prefix>-<id>`` after the first commit where it leaves
``main``'s line (its source id, so the name is the record a user sees in the file). Names
are recomputed on every import: when an older line grows past ``main``, it becomes ``main``.
Branches with other names (a user's own) are left alone.
"""

from __future__ import annotations

import re

from core.errors import InvalidBranchNameError
from core.importers.memory import TractMemory
from core.models.refs import BRANCH_PREFIX, HEAD
from core.operations.branches import check_branch_name
from core.storage.repositories import UnitOfWork
from core.storage.sqla import session_queries as q

MAIN = "main"


def update(uow: UnitOfWork, tract_id: str, prefix: str, mem: TractMemory) -> dict[str, str]:
    """Point ``main`` and the fork branches at the tract's leaves; returns name → hash."""
    mem.load_audit(uow)
    conn = uow.conn  # type: ignore[attr-defined]  # the SQL unit of work's connection
    leaves = [
        leaf
        for leaf in q.tract_leaves(conn, tract_id)
        if leaf.commit_hash not in (mem.closed or ())
    ]
    tool_leaves = [x for x in leaves if x.content_type == "tool_io" and x.parent_hash]
    if tool_leaves:
        counts = q.child_counts(conn, (x.parent_hash for x in tool_leaves if x.parent_hash))
        beside = {x.commit_hash for x in tool_leaves if counts.get(x.parent_hash or "", 0) > 1}
        leaves = [x for x in leaves if x.commit_hash not in beside]
    if not leaves:
        return {}
    # Newest first. Sources give times to the millisecond; the microseconds are ours (a
    # commit placed after its parent, twins moved apart), so within a millisecond the later
    # line of the file is the newer leaf.
    leaves.sort(
        key=lambda x: (
            x.created_at.replace(microsecond=x.created_at.microsecond // 1000 * 1000),
            x.source_line,
            x.commit_hash,
        ),
        reverse=True,
    )
    main = leaves[0]
    desired = {MAIN: main.commit_hash}
    if len(leaves) > 1:
        # A branch is named after its first commit that no newer line (nor a line a
        # compaction closed) holds: where it was rewound or forked.
        covered = set(mem.chain(uow, main.commit_hash))
        for closed in mem.closed or ():
            covered.update(mem.chain(uow, closed))
        firsts: list[str] = []
        for leaf in leaves[1:]:
            line = mem.chain(uow, leaf.commit_hash)
            first = line[-1]
            for h in line:
                if h in covered:
                    break
                first = h
            firsts.append(first)
            covered.update(line)
        ids = q.source_ids_of(conn, firsts)
        for leaf, first in zip(leaves[1:], firsts, strict=True):
            name = _name(prefix, ids.get(first), first, desired)
            desired[name] = leaf.commit_hash
    ours = re.compile(rf"^{re.escape(BRANCH_PREFIX + prefix)}-")
    for ref in uow.refs.list(tract_id):
        if ours.match(ref.ref_name) and ref.ref_name[len(BRANCH_PREFIX) :] not in desired:
            uow.refs.delete(tract_id, ref.ref_name)
    for name, commit in desired.items():
        current = uow.refs.get(tract_id, BRANCH_PREFIX + name)
        if current is None or current.commit_hash != commit:
            uow.refs.set_direct(tract_id, BRANCH_PREFIX + name, commit)
    if uow.refs.get(tract_id, HEAD) is None:
        uow.refs.set_symbolic(tract_id, HEAD, BRANCH_PREFIX + MAIN)
    return desired


def _name(prefix: str, source_id: str | None, commit: str, taken: dict[str, str]) -> str:
    base = re.sub(r"[^A-Za-z0-9-]", "", re.split(r"[#~]", source_id or "", maxsplit=1)[0])
    short = (base if len(base) <= 12 else base[:8]).strip("-") or commit[:8]
    name = f"{prefix}-{short}"
    try:
        check_branch_name(name)
    except InvalidBranchNameError:
        name = f"{prefix}-{commit[:8]}"
    n = 2
    while name in taken:
        name, n = f"{prefix}-{short}-{n}", n + 1
    return name
