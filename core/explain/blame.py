"""Blame: where each compiled message came from.

Copies are followed back to what they copy (a compress replay, a rebase, a cherry-pick), then
the origin is named: a summary of N commits by a compress, a line of an imported transcript,
an EDIT, a branch merged in, a sub-agent's collapse, or — with no operation behind it — typed
by the agent through the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from core.engine.collector import collector_paused
from core.explain.hops import Hops, Origin
from core.explain.messages import parse_payload
from core.models.records import CommitInfo
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

TYPED = "typed"
IMPORTED = "imported"
SUMMARY = "summary"
EDIT = "edit"
MERGED = "merged"
COLLAPSED = "collapsed"

_MERGE_NAME = re.compile(r"^Merge(?:d)?\s+(?:branch\s+)?'?(?P<name>[^'\s]+)'?\s+into\s", re.I)
MAX_MERGE_WALK = 10_000  # commits walked forward looking for the merge that brought one in
BULK = 24  # blaming more commits than this parses the compress maps once
COLLAPSE_KEY = "collapse_source_tract_id"


@dataclass(frozen=True)
class Blame:
    """Where the text of one compiled message came from."""

    commit_hash: str  # the compiled (effective) commit
    kind: str  # typed | imported | summary | edit | merged | collapsed
    text: str  # for people: "imported from run.jsonl:12", "summary of 9 commits by compress …"
    event_id: str | None = None
    commits: tuple[str, ...] = ()  # a summary's sources, the EDIT, the merge commit
    file: str | None = None
    line: int | None = None
    branch: str | None = None
    via: tuple[str, ...] = ()  # events that copied it on the way (oldest first)


def _origin_of(hops: Hops, h: str) -> tuple[str, Origin | None, tuple[str, ...]]:
    """Follow copies back: (the first commit, what made it, the copying events oldest first)."""
    via: list[str] = []
    seen = {h}
    current = h
    while True:
        origins = hops.origins(current)
        copy = next((o for o in origins if o.kind == "copy" and o.originals), None)
        if copy is None:
            return current, (origins[-1] if origins else None), tuple(reversed(via))
        via.append(copy.event.event_id)
        nxt = copy.originals[0]
        if nxt in seen:
            return current, None, tuple(reversed(via))
        seen.add(nxt)
        current = nxt


def merge_branch_name(info: CommitInfo | None, payload_json: object) -> str | None:
    """The branch a merge commit names in its message or payload ("Merge branch 'x' into y")."""
    texts = [info.message if info else None]
    payload = parse_payload(payload_json)
    if payload is not None:
        inner = payload.get("payload")
        if isinstance(inner, dict):
            texts.append(str(inner.get("message") or ""))
        texts.append(str(payload.get("message") or ""))
    for text in texts:
        m = _MERGE_NAME.match(text or "")
        if m:
            return m.group("name")
    return None


class _Children:
    """Children of commits for the walk forward: many commits to place (a 100k compile's
    blame) load the tract's whole child map once; a few ask per layer."""

    def __init__(self, uow: UnitOfWork, tract_id: str, *, bulk: bool) -> None:
        self.uow = uow
        self.members: set[str] = set()
        self.known: dict[str, list[str]] = {}
        if bulk:
            self.members, self.known = uow.lineage.tract_children(tract_id)

    def of(self, hashes: set[str]) -> dict[str, list[str]]:
        out = {h: self.known[h] for h in hashes if h in self.known}
        rest = [h for h in hashes if h not in self.members]  # outside the tract: ask
        if rest:
            out.update(self.uow.lineage.children(rest))
        return out


def merged_in(
    uow: UnitOfWork, ctx: TractContext, head: str | None, hashes: Sequence[str]
) -> dict[str, tuple[str, str | None]]:
    """For the commits not on ``head``'s first-parent chain: (the merge that brought each in,
    the branch it names). Walks forward from them a layer per query, stopping at the chain."""
    if not head or not hashes:
        return {}
    chain = set(uow.commits.first_parent_hashes(head))
    off = [h for h in hashes if h not in chain]
    if not off:
        return {}
    # Layer by layer: each frontier commit's children; a child on the chain is the merge.
    found: dict[str, str] = {}
    reach: dict[str, set[str]] = {}  # frontier commit → the asked commits
    frontier = set(off)
    walked = 0
    lookup = _Children(uow, ctx.tract_id, bulk=len(off) > BULK)
    if len(off) >= MAX_MERGE_WALK:
        # The first layer is all the walk below would do (it stops once that many commits
        # were walked): each commit's first child on the chain, without the reach sets.
        for parent, children in lookup.of(frontier).items():
            for child in children:
                if child in chain:
                    found[parent] = child
                    break
        frontier = set()
    else:
        reach = {h: {h} for h in off}
    while frontier and walked < MAX_MERGE_WALK:
        walked += len(frontier)
        kids = lookup.of(frontier)
        nxt: dict[str, set[str]] = {}
        for parent, children in kids.items():
            for child in children:
                for asked in reach.get(parent, ()):
                    if asked in found:
                        continue
                    if child in chain:
                        found[asked] = child
                    else:
                        nxt.setdefault(child, set()).add(asked)
        reach = nxt
        frontier = {c for c in nxt if any(a not in found for a in nxt[c])}
    merges = set(found.values())
    infos = uow.commits.get_many(merges)
    payloads = uow.lineage.message_facts(merges, ctx.token_cache_key)
    names = {
        m: merge_branch_name(infos.get(m), payloads[m].payload_json if m in payloads else None)
        for m in merges
    }
    return {h: (m, names[m]) for h, m in found.items()}


def blame_commits(
    uow: UnitOfWork,
    ctx: TractContext,
    hashes: Iterable[str],
    *,
    head: str | None = None,
    edits: dict[str, str] | None = None,
    hops: Hops | None = None,
) -> dict[str, Blame]:
    """Blame per compiled commit. ``edits`` (target → EDIT in force) names edited texts;
    ``head`` enables "merged from branch" for commits a merge brought in."""
    wanted = list(dict.fromkeys(hashes))
    # A whole compile's blame keeps what it makes (a 100k blame: ~15% was the collector).
    with collector_paused() if len(wanted) > BULK else nullcontext():
        return _blame(uow, ctx, wanted, head, edits, hops)


def _blame(
    uow: UnitOfWork,
    ctx: TractContext,
    wanted: list[str],
    head: str | None,
    edits: dict[str, str] | None,
    hops: Hops | None,
) -> dict[str, Blame]:
    hops = hops or Hops(uow, ctx.tract_id)
    if len(wanted) > BULK:
        hops.load_all()
    edits = edits or {}
    if len(wanted) > BULK:
        plain = hops.without_origin(wanted)  # most commits: typed, nothing to follow back
        firsts = {h: (h, None, ()) if h in plain else _origin_of(hops, h) for h in wanted}
    else:
        firsts = {h: _origin_of(hops, h) for h in wanted}
    # Only a sub-agent's collapse is read from metadata: fetch just the commits whose metadata
    # names one (a 100k-message blame built 100k CommitInfo for that before).
    metas = uow.lineage.metadata_texts(
        {f for f, _, _ in firsts.values()},
        COLLAPSE_KEY,
        tract_id=ctx.tract_id if len(wanted) > BULK else None,
    )
    merged = merged_in(uow, ctx, head, [h for h in wanted if h not in edits])
    out: dict[str, Blame] = {}
    for h in wanted:
        first, origin, via = firsts[h]
        copied = f" (copied by {len(via)} operation{'s' * (len(via) != 1)})" if via else ""
        edit = edits.get(h)
        if edit is not None:
            out[h] = Blame(h, EDIT, f"edit {edit[:8]} of {h[:8]}", None, (edit,))
        elif origin is not None and origin.kind == "summary":
            ev = origin.event
            n = len(origin.originals)
            what = f"summary of {n} commit{'s' * (n != 1)} by {ev.event_type} {ev.event_id[:8]}"
            out[h] = Blame(h, SUMMARY, what + copied, ev.event_id, origin.originals, via=via)
        elif origin is not None and origin.kind == "transcript":
            ev = origin.event
            file = str((ev.params or {}).get("file") or "a transcript")
            where = f"{file}:{origin.line}" if origin.line is not None else file
            out[h] = Blame(
                h, IMPORTED, f"imported from {where}{copied}", ev.event_id, (),
                file=file, line=origin.line, via=via,
            )  # fmt: skip
        elif h in merged:
            merge, branch = merged[h]
            name = f"branch {branch}" if branch else f"merge {merge[:8]}"
            out[h] = Blame(
                h, MERGED, f"merged from {name} by {merge[:8]}", None, (merge,), branch=branch
            )
        else:
            meta = parse_payload(metas.get(first)) or {}
            child = meta.get(COLLAPSE_KEY)
            if child:
                out[h] = Blame(h, COLLAPSED, f"collapsed from sub-agent tract {str(child)[:12]}")
            else:
                out[h] = typed_blame(h, f"typed by the agent{copied}", via)
    return out


_new = object.__new__


def typed_blame(commit_hash: str, text: str, via: tuple[str, ...]) -> Blame:
    """``Blame(commit_hash, TYPED, text, via=via)``, made without the frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field: 2.6 µs, against 1.0 µs filling its
    ``__dict__``; most of a 100k blame is typed). The same object: fields, equality, hash."""
    blame: Blame = _new(Blame)
    blame.__dict__.update(
        commit_hash=commit_hash,
        kind=TYPED,
        text=text,
        event_id=None,
        commits=(),
        file=None,
        line=None,
        branch=None,
        via=via,
    )
    return blame
