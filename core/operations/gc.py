"""Garbage collection of unreachable commits (docs/behaviour.md §10).

Everything is set-based: one pass over the tract's commits, reachability by recursive CTE, and
chunked ``IN`` lists for the lookups and deletions. One transaction; a second run removes
nothing that the first one kept.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import BranchNotFoundError, TractError
from core.models.records import CommitInfo, RefInfo
from core.models.refs import branch_ref
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

SOURCE = "source"


@dataclass(frozen=True)
class GCResult:
    commits_removed: int
    blobs_removed: int
    tokens_freed: int  # raw tokens of the removed commits
    source_commits_removed: int  # archives (event sources) among them
    records_removed: int
    events_removed: int
    duration: float  # seconds
    removed: tuple[str, ...] = ()


def gc(
    uow: UnitOfWork,
    ctx: TractContext,
    *,
    orphan_retention_days: float = 7,
    archive_retention_days: float | None = None,
    record_retention_days: float | None = None,
    branch: str | None = None,
) -> GCResult:
    """Remove this tract's unreachable commits that are old enough and not retained.

    Roots are every direct ref of the tract (branches, HEAD, ORIG_HEAD, PREV_HEAD, others);
    reachability follows both parent kinds and ``response_to``. Commits used by compile
    records are kept; event sources (archives) go only under ``archive_retention_days``.
    ``branch`` narrows the candidates to the orphans of that branch (forked from its history
    or linked to its events); it never widens what is deleted.
    """
    started = time.perf_counter()
    _check_days(orphan_retention_days, archive_retention_days, record_retention_days)
    tract = ctx.tract_id
    uow.lock_tract(tract)
    now = ctx.now()
    refs = uow.refs.list(tract)
    branch_tip = _branch_tip(refs, branch) if branch is not None else None

    records_removed = 0
    if record_retention_days is not None:
        records_removed = uow.records.delete_older_than(
            tract, now - timedelta(days=record_retention_days)
        )

    commits: dict[str, CommitInfo] = {}
    for batch in uow.commits.iter_all(tract):
        commits.update((x.commit_hash, x) for x in batch)
    roots = {r.commit_hash for r in refs if r.commit_hash}
    reachable, candidates = _unreachable(uow, tract, commits, roots)
    links = uow.events.for_commits(candidates)
    if branch_tip is not None:
        candidates = _of_branch(
            uow, tract, commits, reachable, candidates, branch or "", branch_tip, links
        )
    removed = _removable(
        uow, commits, candidates, links, now, orphan_retention_days, archive_retention_days
    )
    if not removed:
        return GCResult(0, 0, 0, 0, records_removed, 0, time.perf_counter() - started)
    archives = sum(1 for h in removed if any(role == SOURCE for _, role in links.get(h, ())))
    blobs, events_removed = _delete(uow, commits, removed, links)
    return GCResult(
        commits_removed=len(removed),
        blobs_removed=blobs,
        tokens_freed=sum(commits[h].token_count for h in removed),
        source_commits_removed=archives,
        records_removed=records_removed,
        events_removed=events_removed,
        duration=time.perf_counter() - started,
        removed=tuple(removed),
    )


def _check_days(orphan: float, archive: float | None, record: float | None) -> None:
    for name, days in (
        ("orphan_retention_days", orphan),
        ("archive_retention_days", archive),
        ("record_retention_days", record),
    ):
        if days is not None and days < 0:
            raise TractError(f"gc: {name} must not be negative (got {days})")


def _branch_tip(refs: list[RefInfo], branch: str) -> str:
    ref = next((r for r in refs if r.ref_name == branch_ref(branch)), None)
    if ref is None or not ref.commit_hash:
        raise BranchNotFoundError(f"no branch named {branch!r}")
    return ref.commit_hash


def _unreachable(
    uow: UnitOfWork, tract: str, commits: dict[str, CommitInfo], roots: set[str]
) -> tuple[set[str], list[str]]:
    """(what the refs reach, what they do not), keeping what another tract answers."""
    reachable = _closure(uow, commits, roots)
    unreachable = [h for h in commits if h not in reachable]
    # A commit another tract answers (response_to) stays, and so does what it needs.
    external = {
        target
        for target, referrers in uow.commits.replies_to(unreachable).items()
        if any(tract_id != tract for _, tract_id in referrers)
    }
    if external:
        reachable = _closure(uow, commits, roots | external)
        unreachable = [h for h in unreachable if h not in reachable]
    return reachable, unreachable


def _removable(
    uow: UnitOfWork,
    commits: dict[str, CommitInfo],
    candidates: list[str],
    links: Mapping[str, Sequence[tuple[str, str]]],
    now: datetime,
    orphan_days: float,
    archive_days: float | None,
) -> list[str]:
    """The candidates old enough, not used by a record, and under nothing that stays."""
    retained = set(uow.records.records_using(candidates))
    removable: set[str] = set()
    for h in candidates:
        if h in retained:
            continue
        archive = any(role == SOURCE for _, role in links.get(h, ()))
        days = archive_days if archive else orphan_days
        if days is not None and _old_enough(commits[h].created_at, now, days):
            removable.add(h)
    _keep_answered(commits, removable)
    # What stays (a retained archive, a commit a record uses, a young orphan) keeps its whole
    # history: deleting a parent under it would change what its hash covers.
    staying = {h for h in candidates if h not in removable}
    if staying and removable:
        removable -= _closure(uow, commits, staying)
    return sorted(removable)


def _delete(
    uow: UnitOfWork,
    commits: dict[str, CommitInfo],
    removed: list[str],
    links: Mapping[str, Sequence[tuple[str, str]]],
) -> tuple[int, int]:
    """Delete the commits and every row naming them; (blobs removed, events removed)."""
    events = {event_id for h in removed for event_id, _ in links.get(h, ())}
    uow.events.unlink_commits(removed)
    uow.parents.delete_for(removed)
    uow.annotations.delete_for(removed)
    # tract-ai v8/v10 rows that name a commit (tool links, tags added later): theirs go too.
    uow.head_tables.delete_tool_links_of(removed)
    uow.head_tables.delete_tags_of(removed)
    uow.refs.delete_pointing_at(removed)
    uow.commits.delete_many(removed)
    blobs = uow.blobs.delete_orphans(commits[h].content_hash for h in removed)
    events_removed = uow.events.delete_empty(events) if events else 0
    return len(blobs), events_removed


def _old_enough(created_at: datetime, now: datetime, days: float) -> bool:
    # Retention 0 means "now": no age condition at all (a clock skew must not keep orphans).
    return days <= 0 or (now - created_at) >= timedelta(days=days)


def _closure(uow: UnitOfWork, commits: dict[str, CommitInfo], seeds: set[str]) -> set[str]:
    """Ancestors over both parent kinds, plus response_to targets (and theirs), to a fixpoint."""
    reachable = uow.commits.ancestors(seeds)
    frontier = reachable
    while True:
        extra = {
            target
            for h in frontier
            if (info := commits.get(h)) is not None
            and (target := info.response_to) is not None
            and target not in reachable
        }
        if not extra:
            return reachable
        frontier = uow.commits.ancestors(extra) - reachable
        reachable |= frontier


def _keep_answered(commits: dict[str, CommitInfo], removable: set[str]) -> None:
    """A commit that stays keeps its response_to target, so a kept EDIT never loses it."""
    changed = True
    while changed:
        changed = False
        for h, info in commits.items():
            target = info.response_to
            if h not in removable and target in removable:
                removable.discard(target)
                changed = True


def _of_branch(
    uow: UnitOfWork,
    tract: str,
    commits: dict[str, CommitInfo],
    reachable: set[str],
    candidates: list[str],
    branch: str,
    tip: str,
    links: dict[str, list[tuple[str, str]]],
) -> list[str]:
    """The candidates that belong to a branch: orphans that forked from its history, and
    commits linked to an event that rewrote it."""
    history = uow.commits.ancestors([tip])
    rewrote = {e.event_id for e in uow.events.list(tract) if e.branch_name == branch}
    anchors: dict[str, str | None] = {}

    def anchor(h: str) -> str | None:
        """The first reachable commit on ``h``'s first-parent chain (iterative, memoised)."""
        path: list[str] = []
        current: str | None = h
        found: str | None = None
        while current is not None:
            if current in anchors:
                found = anchors[current]
                break
            if current in reachable:
                found = current
                break
            info = commits.get(current)
            if info is None:
                break
            path.append(current)
            current = info.parent_hash
        for p in path:
            anchors[p] = found
        return found

    return [
        h
        for h in candidates
        if anchor(h) in history or any(eid in rewrote for eid, _ in links.get(h, ()))
    ]
