"""Blame: where each compiled message came from.

Copies are followed back to what they copy (a compress replay, a rebase, a cherry-pick), then
the origin is named: a summary of N commits by a compress, a line of an imported transcript,
an EDIT, a branch merged in, a sub-agent's collapse, or — with no operation behind it — typed
by the agent through the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from core.engine.collector import collector_paused
from core.explain import merged
from core.explain.hops import Hops, Origin
from core.explain.merged import MAX_MERGE_WALK
from core.explain.messages import parse_payload
from core.models.compiled import CompileRow
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
BULK = 24  # blaming more commits than this parses the compress maps once
TYPED_TEXT = "typed by the agent"  # one string for every typed message of a compile
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


Named = tuple[tuple[str], "str | None", str]  # (the merge,), the branch it names, the text
BroughtBy = Callable[[list[str]], dict[str, str]]  # commits → the merge that brought each in
MetadataOf = Callable[[set[str]], dict[str, Any]]  # commits → collapse metadata, where any


def merged_in(
    uow: UnitOfWork,
    ctx: TractContext,
    head: str | None,
    hashes: Sequence[str],
    rows: Sequence[CompileRow] | None = None,
) -> dict[str, Named]:
    """For the commits not on ``head``'s first-parent chain: ((the merge that brought each in,),
    the branch it names, the blame's text), one tuple per merge, shared by its commits.
    ``rows``: ``head``'s compiled snapshot, when there is one."""
    if not head or not hashes:
        return {}
    return merge_names(uow, ctx, brought_in(uow, head, hashes, rows), {})


def brought_in(
    uow: UnitOfWork, head: str, hashes: Sequence[str], rows: Sequence[CompileRow] | None
) -> dict[str, str]:
    """Those of ``hashes`` a merge on ``head``'s first-parent chain brought in → that merge."""
    if rows is not None:
        brought = merged.from_rows(rows, head)
    else:
        chain = uow.commits.first_parent_hashes(head)
        on_chain = set(chain)
        off = [h for h in hashes if h not in on_chain]
        if not off:
            return {}
        if len(off) > BULK:
            brought = merged.from_graph(uow, head)
        else:
            brought = merged.walk_forward(uow, chain, off, cap=MAX_MERGE_WALK)
    return {h: brought[h] for h in hashes if h in brought}


def merge_names(
    uow: UnitOfWork, ctx: TractContext, found: dict[str, str], known: dict[str, Named]
) -> dict[str, Named]:
    """``found`` (commit → merge) with each merge named; ``known`` keeps the names made (a
    streamed blame names each merge once, whichever run meets it first)."""
    merges = set(found.values()).difference(known)
    if merges:
        infos = uow.commits.get_many(merges)
        payloads = uow.lineage.message_facts(merges, ctx.token_cache_key)
        for m in merges:
            branch = merge_branch_name(
                infos.get(m), payloads[m].payload_json if m in payloads else None
            )
            name = f"branch {branch}" if branch else f"merge {m[:8]}"
            known[m] = ((m,), branch, f"merged from {name} by {m[:8]}")
    return {h: known[m] for h, m in found.items()}


def collapse_metadata(
    rows: Sequence[CompileRow], wanted: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """The metadata of the ``wanted`` commits among ``rows`` that may name a sub-agent's
    collapse (stored text holding the key, or parsed JSON), and the wanted commits not there:
    what ``metadata_texts`` reads for them, without reading."""
    found: dict[str, Any] = {}
    present: set[str] = set()
    for r in rows:
        h = r.commit_hash
        if h in wanted:
            present.add(h)
            meta = r.metadata_json
            if may_name_a_collapse(meta):
                found[h] = meta
    return found, [h for h in wanted if h not in present]


def may_name_a_collapse(meta: Any) -> bool:
    return meta is not None and (not isinstance(meta, str) or COLLAPSE_KEY in meta)


def blame_commits(
    uow: UnitOfWork,
    ctx: TractContext,
    hashes: Iterable[str],
    *,
    head: str | None = None,
    edits: dict[str, str] | None = None,
    hops: Hops | None = None,
    rows: Sequence[CompileRow] | None = None,
) -> dict[str, Blame]:
    """Blame per compiled commit. ``edits`` (target → EDIT in force) names edited texts;
    ``head`` enables "merged from branch" for commits a merge brought in (``rows``: its
    compiled snapshot's, which say that without reading the graph)."""
    wanted = list(dict.fromkeys(hashes))
    bulk = len(wanted) > BULK

    def metadata(firsts: set[str]) -> dict[str, Any]:
        # Only a sub-agent's collapse is read from metadata: just the commits whose metadata
        # names one (a 100k-message blame built 100k CommitInfo for that before).
        if rows is None:
            tract = ctx.tract_id if bulk else None
            return uow.lineage.metadata_texts(firsts, COLLAPSE_KEY, tract_id=tract)
        metas, rest = collapse_metadata(rows, firsts)  # the snapshot has every commit's
        if rest:
            metas.update(uow.lineage.metadata_texts(rest, COLLAPSE_KEY))
        return metas

    # A whole compile's blame keeps what it makes (a 100k blame: ~15% was the collector).
    with collector_paused() if bulk else nullcontext():
        blamer = Blamer(
            uow,
            ctx,
            head=head,
            edits=edits,
            hops=hops,
            bulk=bulk,
            brought=lambda commits: brought_in(uow, head, commits, rows) if head else {},
            metadata=metadata,
        )
        return blamer.blame(wanted)


class Blamer:
    """Names the origin of compiled commits. What a whole compile needs (the operations'
    maps, the edits in force, how merges are found) is given once, so a compile written a
    run of messages at a time is blamed a run at a time, each merge named once."""

    def __init__(
        self,
        uow: UnitOfWork,
        ctx: TractContext,
        *,
        head: str | None,
        edits: dict[str, str] | None,
        hops: Hops | None,
        bulk: bool,
        brought: BroughtBy,
        metadata: MetadataOf,
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.head = head
        self.edits = edits or {}
        self.hops = hops or Hops(uow, ctx.tract_id)
        self.bulk = bulk  # many commits: the maps are parsed once and asked at once
        if bulk:
            self.hops.load_all()
        self._brought = brought
        self._metadata = metadata
        self.names: dict[str, Named] = {}  # each merge named once (merge_names fills it)

    def firsts(self, hashes: Iterable[str]) -> set[str]:
        """The commits that copies among ``hashes`` go back to (each its own when not a
        copy)."""
        return {_origin_of(self.hops, h)[0] for h in hashes}

    def blame(self, wanted: Sequence[str]) -> dict[str, Blame]:
        """Blame per commit of ``wanted`` (no repeats)."""
        hops, edits = self.hops, self.edits
        if self.bulk:
            plain = hops.without_origin(wanted)  # most commits: typed, nothing to follow back
            firsts = {h: (h, None, ()) if h in plain else _origin_of(hops, h) for h in wanted}
        else:
            firsts = {h: _origin_of(hops, h) for h in wanted}
        metas = self._metadata({f for f, _, _ in firsts.values()})
        merged_ones = [h for h in wanted if h not in edits]
        found = self._brought(merged_ones) if self.head and merged_ones else {}
        brought = merge_names(self.uow, self.ctx, found, self.names) if found else {}
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
            elif h in brought:
                merge, branch, text = brought[h]
                out[h] = made_blame(h, MERGED, text, merge, branch=branch)
            else:
                meta = parse_payload(metas.get(first)) or {}
                child = meta.get(COLLAPSE_KEY)
                if child:
                    text = f"collapsed from sub-agent tract {str(child)[:12]}{copied}"
                    out[h] = Blame(h, COLLAPSED, text, via=via)
                else:
                    out[h] = typed_blame(h, TYPED_TEXT + copied if copied else TYPED_TEXT, via)
        return out


_new = object.__new__


def made_blame(
    commit_hash: str,
    kind: str,
    text: str,
    commits: tuple[str, ...] = (),
    branch: str | None = None,
    via: tuple[str, ...] = (),
) -> Blame:
    """A :class:`Blame` made without the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field: 2.6 µs, against 1.0 µs filling its ``__dict__``; a
    whole compile's blame makes one per message). The same object: fields, equality, hash."""
    blame: Blame = _new(Blame)
    blame.__dict__.update(
        commit_hash=commit_hash,
        kind=kind,
        text=text,
        event_id=None,
        commits=commits,
        file=None,
        line=None,
        branch=branch,
        via=via,
    )
    return blame


def typed_blame(commit_hash: str, text: str, via: tuple[str, ...]) -> Blame:
    """``Blame(commit_hash, TYPED, text, via=via)``, made quickly (:func:`made_blame`)."""
    return made_blame(commit_hash, TYPED, text, via=via)
