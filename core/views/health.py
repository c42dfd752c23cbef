"""A cheap health check for opening a store: what a browser can notice without a full verify.

``verify`` re-derives every hash and checks every reference; that is too slow to run whenever
a store is opened. This looks only at the tract's refs and its newest commits (the first page a
graph shows) in a fixed handful of set-based queries (plus a bounded first-parent walk per
ref), and reports damage a person would otherwise meet as a blank pane or a wrong order: refs
naming missing commits, commits whose content blob is missing or unreadable, parents that are
not stored, parent cycles (a commit its own ancestor, or its own parent), times that are not
times, and content types nothing knows. It is a hint, not a proof: a clean result says nothing
about older rows, which only ``tract-tui verify`` checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.engine.clock import stored_time, unreadable_time
from core.models.content import DEFAULT_REGISTRY, ContentRegistry
from core.storage.repositories import UnitOfWork

NEWEST = 300  # commits checked: the graph's first page


@dataclass(frozen=True)
class QuickCheck:
    dangling_refs: tuple[str, ...] = ()  # ref names whose commit is not stored
    missing_content: tuple[str, ...] = ()  # commits whose blob row is missing
    unreadable_content: tuple[str, ...] = ()  # commits whose payload is not a JSON object
    missing_parents: tuple[str, ...] = ()  # commits whose (merge) parent is not stored
    cycles: tuple[str, ...] = ()  # commits on a parent cycle (a self-loop included)
    unreadable_times: tuple[str, ...] = ()  # commits whose created_at is not a time
    unknown_types: tuple[str, ...] = ()  # an unknown content type its blob does not share
    checked: int = 0  # commits looked at

    @property
    def ok(self) -> bool:
        return not (
            self.dangling_refs
            or self.missing_content
            or self.unreadable_content
            or self.missing_parents
            or self.cycles
            or self.unreadable_times
            or self.unknown_types
        )

    def summary(self) -> str:
        """One line for a person: what is wrong, and what to run."""
        found = self.findings()
        if not found:
            return "no problems seen"
        return f"store has problems ({found}): run tract-tui verify"

    def findings(self) -> str:
        """What was found, as a phrase ("1 commit without stored content; …"); empty if ok."""
        parts = []
        if self.dangling_refs:
            parts.append(f"{_n(self.dangling_refs, 'ref')} to missing commits")
        if self.missing_content:
            parts.append(f"{_n(self.missing_content, 'commit')} without stored content")
        if self.unreadable_content:
            parts.append(f"{_n(self.unreadable_content, 'commit')} with unreadable content")
        if self.missing_parents:
            parts.append(f"{_n(self.missing_parents, 'commit')} with a missing parent")
        if self.cycles:
            parts.append(f"a parent cycle through {_n(self.cycles, 'commit')}")
        if self.unreadable_times:
            parts.append(f"{_n(self.unreadable_times, 'commit')} whose time is not a time")
        if self.unknown_types:
            parts.append(f"{_n(self.unknown_types, 'commit')} of an unknown content type")
        return "; ".join(parts)


def _n(items: tuple[str, ...], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def quick_check(
    uow: UnitOfWork,
    tract_id: str,
    newest: int = NEWEST,
    registry: ContentRegistry = DEFAULT_REGISTRY,
) -> QuickCheck:
    refs = uow.refs.list(tract_id)
    page = uow.commits.graph_page(tract_id, after=None, limit=newest)
    hashes = [h for h, _, _ in page]
    parents = {p for _, ps, _ in page for p in ps}
    targets = {r.commit_hash for r in refs if r.commit_hash}
    stored = uow.commits.get_many([*hashes, *targets, *parents])
    blobs = uow.blobs.get_many(stored[h].content_hash for h in hashes if h in stored)
    missing: list[str] = []
    unreadable: list[str] = []
    for h in hashes:
        commit = stored.get(h)
        if commit is None:
            continue
        blob = blobs.get(commit.content_hash)
        if blob is None:
            missing.append(h)
        elif not blob.payload:  # the repository reads unparseable JSON as {}
            unreadable.append(h)
    return QuickCheck(
        dangling_refs=tuple(
            sorted(r.ref_name for r in refs if r.commit_hash and r.commit_hash not in stored)
        ),
        missing_content=tuple(missing),
        unreadable_content=tuple(unreadable),
        missing_parents=tuple(h for h, ps, _ in page if any(p not in stored for p in ps)),
        cycles=_cycles(uow, page, targets & set(stored), newest),
        unreadable_times=tuple(h for h, _, t in page if unreadable_time(stored_time(t))),
        unknown_types=tuple(
            h
            for h in hashes
            if h in stored
            and registry.model(stored[h].content_type) is None
            and not _own_type(blobs.get(stored[h].content_hash), stored[h].content_type)
        ),
        checked=len(hashes),
    )


def _own_type(blob: object, content_type: str) -> bool:
    """The blob says the same type: a custom type (tract-ai lets users register them), not
    damage. A hand-edited type disagrees with its blob."""
    payload = getattr(blob, "payload", None)
    return isinstance(payload, dict) and payload.get("content_type") == content_type


def _cycles(
    uow: UnitOfWork, page: list[tuple[str, tuple[str, ...], object]], tips: set[str], steps: int
) -> tuple[str, ...]:
    """Commits on a parent cycle: self-loops in the page, and first-parent walks from each ref
    that come back on themselves within ``steps`` (a walk is bounded, so it always ends)."""
    found = {h for h, ps, _ in page if h in ps}
    for tip in sorted(tips):
        chain = uow.commits.first_parent_hashes(tip, limit=steps)
        if not chain or len(chain) >= steps:
            continue
        last = uow.commits.get(chain[-1])
        if last is not None and last.parent_hash in chain:
            found.update(chain[chain.index(last.parent_hash) :])
    return tuple(sorted(found))
