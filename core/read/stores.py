"""Store-wide reads: the tracts of a store, picking one by id prefix, a store's own settings.

A ``Store`` may hold several tracts (a spawn tree); these read across them. Each function is
one read transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import AmbiguousRefError, NotFoundError
from core.models.records import CommitInfo, HeadState
from core.models.refs import branch_short, is_branch
from core.operations.context import head_state
from core.operations.tracts import TractSummary, list_tracts
from core.storage.store import Store


@dataclass(frozen=True)
class BranchTip:
    name: str  # short name (``main``)
    commit_hash: str | None
    tip: CommitInfo | None  # None when the commit is not stored (a damaged store)


@dataclass(frozen=True)
class TractOverview:
    tract: TractSummary
    head: HeadState
    branches: tuple[BranchTip, ...]  # in ref-name order
    events: int
    records: int


def tracts(store: Store) -> list[TractSummary]:
    """Every tract of the store, as a depth-first spawn tree."""
    with store.read() as uow:
        return list_tracts(uow)


def overview(store: Store) -> list[TractOverview]:
    """Per tract: HEAD, branches with their tip commits, and event and record counts."""
    out = []
    with store.read() as uow:
        for summary in list_tracts(uow):
            tid = summary.tract_id
            refs = [r for r in uow.refs.list(tid) if is_branch(r.ref_name)]
            tips = uow.commits.get_many(r.commit_hash for r in refs if r.commit_hash)
            branches = tuple(
                BranchTip(branch_short(r.ref_name), r.commit_hash, tips.get(r.commit_hash or ""))
                for r in refs
            )
            out.append(
                TractOverview(
                    summary,
                    head_state(uow, tid),
                    branches,
                    uow.events.count(tid),
                    uow.records.count(tid),
                )
            )
    return out


def find_tract(store: Store, wanted: str) -> str:
    """The tract id ``wanted`` names: exactly, or as a unique prefix."""
    with store.read() as uow:
        ids = uow.commits.tract_ids()
    if wanted in ids:
        return wanted
    matches = [t for t in ids if t.startswith(wanted.lower())] if wanted else []
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise AmbiguousRefError(wanted, matches)
    raise NotFoundError(f"{store.display}: no tract {wanted!r} in this store")


def store_setting(store: Store, key: str) -> str | None:
    """A database-wide setting (``_trace_meta``); None when unset."""
    with store.read() as uow:
        return uow.meta.get(key)
