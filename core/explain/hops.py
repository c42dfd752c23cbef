"""Where an operation took each commit: the hops of a tract's events, both ways.

Forward (:meth:`Hops.removed`): a commit a compress summarised, replayed, preserved or dropped;
a rebase copied; a revert left behind. Backward (:meth:`Hops.origins`): a summary's sources, a
copy's original, an imported commit's file and line.

A compress keeps its old → new maps (``replayed``, ``preserved``) in ``params_json``, and one
compress early in a long history maps the whole rest of it. Those maps are never parsed for a
single question: the stored JSON text is searched for the hash (a substring search in C), and
only :meth:`Hops.load_all` (the lens, a whole-tract listing) parses them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from core.models.records import OperationEvent
from core.storage.repositories import UnitOfWork

COMPRESSED = "compressed"
REPLAYED = "replayed"
PRESERVED = "preserved"
REORGANIZED = "reorganized"
REVERTED = "reverted"
DROPPED = "dropped"
STRUCTURAL = "structural"
IMPORTED = "imported"  # a cherry-pick copy (the original stays where it was)
REWRITTEN = "rewritten"  # a source of an event type we do not know (its results follow)

MAPS = (PRESERVED, REPLAYED)  # params keys of a compress's old → new maps
_KEY = re.compile(r'"([0-9a-f]{4,64})"\s*:\s*"([0-9a-f]{4,64})"')
_KEY_BEFORE = re.compile(r'"([0-9a-f]{4,64})"\s*:\s*$')


def _loads(text: str) -> object:
    """orjson for speed (one map can hold tens of thousands of pairs); the standard parser for
    what orjson refuses but Python's json reads (NaN, very deep nesting). orjson reads an
    integer beyond 64 bits as a float: harmless here, where only the hash pairs are used."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


@dataclass(frozen=True)
class Hop:
    kind: str
    event: OperationEvent
    successors: tuple[str, ...]  # the summary, the copy, the restored commits; () if dropped


@dataclass(frozen=True)
class Origin:
    """How a commit came to be, when an operation made it."""

    kind: str  # "summary", "copy" (replayed/preserved/reorganized/imported), "transcript"
    event: OperationEvent
    originals: tuple[str, ...]  # a summary's sources; a copy's original; () for a transcript
    copy_kind: str | None = None  # for a copy: which hop made it
    line: int | None = None  # a transcript line, when the import recorded it


def _list(params: Mapping[str, Any] | None, key: str) -> list[Any]:
    value = (params or {}).get(key)
    return list(value) if isinstance(value, list) else []


def summary_of(event: OperationEvent) -> dict[str, str]:
    """source → the summary of its group (``params.groups`` aligned with the results); with
    no usable groups every source maps to the first result."""
    groups = _list(event.params, "groups")
    out: dict[str, str] = {}
    if groups and len(groups) == len(event.results):
        for group, summary in zip(groups, event.results, strict=True):
            for h in group if isinstance(group, list) else ():
                out[str(h)] = summary
    for h in event.sources:
        if h not in out and event.results:
            out[h] = event.results[0]
    return out


def map_starts(text: str) -> list[tuple[int, str]]:
    """Where each of a compress's maps opens in its params text (the key's first occurrence:
    the other values are hashes, numbers and lists of hashes; a free-text value such as
    ``instructions`` holds its quotes escaped)."""
    out = []
    for name in MAPS:
        at = text.find(f'"{name}"')
        while at > 0 and text[at - 1] == "\\":
            at = text.find(f'"{name}"', at + 1)
        if at >= 0:
            out.append((at, name))
    return sorted(out)


def _map_at(starts: list[tuple[int, str]], pos: int) -> str | None:
    """Which map the entry at ``pos`` belongs to: the nearest one opened before it (our params
    hold no other hash-keyed object)."""
    best = None
    for at, name in starts:
        if at < pos:
            best = name
    return best


def find_pairs(
    text: str, h: str, *, as_key: bool, starts: list[tuple[int, str]] | None = None
) -> list[tuple[str, str]]:
    """(map, the other hash) for each map entry of ``text`` whose key (or value) is ``h``."""
    starts = map_starts(text) if starts is None else starts
    out: list[tuple[str, str]] = []
    needle = f'"{h}"'
    pos = text.find(needle)
    while pos >= 0:
        if as_key:
            m = _KEY.match(text, pos)
            if m is not None and m.group(1) == h:
                kind = _map_at(starts, pos)
                if kind is not None:
                    out.append((kind, m.group(2)))
        else:
            m = _KEY_BEFORE.search(text, max(0, pos - 90), pos)
            if m is not None:
                kind = _map_at(starts, m.start())
                if kind is not None:
                    out.append((kind, m.group(1)))
        pos = text.find(needle, pos + len(needle))
    return out


class Hops:
    """The hops of one tract's events (each list oldest event first)."""

    def __init__(self, uow: UnitOfWork, tract_id: str) -> None:
        self.uow = uow
        ordered = sorted(
            uow.lineage.events_light(tract_id), key=lambda e: (e.created_at, e.event_id)
        )
        self.ordered = ordered
        self.events: dict[str, OperationEvent] = {e.event_id: e for e in ordered}
        self._small: dict[str, list[Hop]] = {}
        self._origin: dict[str, list[Origin]] = {}
        self._imported: dict[str, list[Hop]] = {}
        self._transcript: dict[str, tuple[OperationEvent, int | None]] = {}
        self._texts: dict[str, str] | None = None
        self._starts: dict[str, list[tuple[int, str]]] = {}
        self._maps: dict[str, tuple[dict[str, str], dict[str, str]]] | None = None
        # Every map entry both ways (event, map, other hash), after load_all().
        self.forward: dict[str, list[tuple[OperationEvent, str, str]]] | None = None
        self.backward: dict[str, list[tuple[OperationEvent, str, str]]] | None = None
        self._copies: dict[str, list[tuple[OperationEvent, str, str]]] = {}
        self._copied_from: dict[str, list[tuple[OperationEvent, str, str]]] = {}
        for ev in ordered:
            self._index(ev)

    # -- what the events say without their maps ---------------------------------------------

    def _hop(self, commit: str, kind: str, ev: OperationEvent, succ: tuple[str, ...]) -> None:
        self._small.setdefault(commit, []).append(Hop(kind, ev, succ))

    def _index(self, ev: OperationEvent) -> None:
        params = ev.params
        if ev.event_type == "compress":
            into = summary_of(ev)
            groups: dict[str, list[str]] = {}
            for h in ev.sources:
                self._hop(h, COMPRESSED, ev, (into[h],) if h in into else ev.results)
                if h in into:
                    groups.setdefault(into[h], []).append(h)
            for summary in ev.results:
                origin = Origin("summary", ev, tuple(groups.get(summary, ())))
                self._origin.setdefault(summary, []).append(origin)
            for h in _list(params, "dropped"):
                self._hop(str(h), DROPPED, ev, ())
            for h in _list(params, "structural"):
                self._hop(str(h), STRUCTURAL, ev, ())
        elif ev.event_type == "reorganize":
            if len(ev.sources) == len(ev.results):
                for old, new in zip(ev.sources, ev.results, strict=True):
                    self._hop(old, REORGANIZED, ev, (new,))
                    self._origin.setdefault(new, []).append(Origin("copy", ev, (old,), REORGANIZED))
            for h in _list(params, "skipped"):
                self._hop(str(h), DROPPED, ev, ())
        elif ev.event_type == "revert":
            for h in ev.sources:  # the reverted event's results (summaries, rebase copies)
                reverted = self.events.get(str((params or {}).get("reverted_event") or ""))
                back = self._sources_of(reverted, h) if reverted is not None else ()
                self._hop(h, REVERTED, ev, back or ev.results)
        elif ev.event_type == "import":
            if ev.sources and len(ev.sources) == len(ev.results):
                for old, new in zip(ev.sources, ev.results, strict=True):
                    self._imported.setdefault(old, []).append(Hop(IMPORTED, ev, (new,)))
                    self._origin.setdefault(new, []).append(Origin("copy", ev, (old,), IMPORTED))
            else:
                lines = _list(params, "lines")
                for i, h in enumerate(ev.results):
                    line = lines[i] if i < len(lines) and isinstance(lines[i], int) else None
                    self._transcript[h] = (ev, line)
        elif ev.sources:
            for h in ev.sources:
                self._hop(h, REWRITTEN, ev, ev.results)
            for h in ev.results:
                self._origin.setdefault(h, []).append(Origin("summary", ev, ev.sources))

    def _sources_of(self, ev: OperationEvent, result: str) -> tuple[str, ...]:
        for o in self._origin.get(result, ()):
            if o.event.event_id == ev.event_id:
                return o.originals
        return ()

    # -- the maps -------------------------------------------------------------------------------

    def _map_events(self) -> list[OperationEvent]:
        return [e for e in self.ordered if e.event_type == "compress"]

    def _text(self) -> dict[str, str]:
        if self._texts is None:
            ids = [e.event_id for e in self._map_events()]
            self._texts = self.uow.lineage.params_text(ids) if ids else {}
        return self._texts

    def _pairs(self, h: str, *, as_key: bool) -> list[tuple[OperationEvent, str, str]]:
        """(event, map, other) for ``h`` as an old (``as_key``) or new hash, oldest first."""
        if self._maps is not None:
            self._index_maps()
            assert self.forward is not None and self.backward is not None
            return (self.forward if as_key else self.backward).get(h, [])
        cache = self._copies if as_key else self._copied_from
        found = cache.get(h)
        if found is None:
            found = []
            texts = self._text()
            for ev in self._map_events():
                text = texts.get(ev.event_id)
                if text:
                    starts = self._starts.get(ev.event_id)
                    if starts is None:
                        starts = self._starts[ev.event_id] = map_starts(text)
                    pairs = find_pairs(text, h, as_key=as_key, starts=starts)
                    found += [(ev, kind, other) for kind, other in pairs]
            cache[h] = found
        return found

    def load_all(self) -> None:
        """Parse every map once (for questions about the whole tract)."""
        if self._maps is not None:
            return
        maps: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
        for ev in self._map_events():
            text = self._text().get(ev.event_id)
            if not text:
                continue
            try:
                params = _loads(text)
            except ValueError:
                continue
            if not isinstance(params, dict):
                continue
            preserved, replayed = (m if isinstance(m := params.get(k), dict) else {} for k in MAPS)
            maps[ev.event_id] = (preserved, replayed)
        self._maps = maps
        self._texts = {}  # the texts are no longer needed

    def _index_maps(self) -> None:
        if self.forward is not None or self._maps is None:
            return
        forward: dict[str, list[tuple[OperationEvent, str, str]]] = {}
        backward: dict[str, list[tuple[OperationEvent, str, str]]] = {}
        for ev in self._map_events():
            for kind, mapping in zip(MAPS, self._maps.get(ev.event_id, ({}, {})), strict=True):
                for old, new in mapping.items():
                    if isinstance(new, str):
                        forward.setdefault(old, []).append((ev, kind, new))
                        backward.setdefault(new, []).append((ev, kind, old))
        self.forward, self.backward = forward, backward

    def maps(self) -> list[tuple[OperationEvent, dict[str, str], dict[str, str]]]:
        """Per compress (oldest first): its preserved and replayed maps (parses them all)."""
        self.load_all()
        assert self._maps is not None
        return [
            (ev, *self._maps[ev.event_id]) for ev in self._map_events() if ev.event_id in self._maps
        ]

    # -- questions ------------------------------------------------------------------------------

    def removed(self, h: str) -> list[Hop]:
        """Every hop that took ``h`` off a branch, oldest event first."""
        hops = list(self._small.get(h, ()))
        for ev, kind, new in self._pairs(h, as_key=True):
            hops.append(Hop(REPLAYED if kind == REPLAYED else PRESERVED, ev, (new,)))
        reverts = [e for e in self.ordered if e.event_type == "revert"]
        for ev, _, _ in self._pairs(h, as_key=False) if reverts else ():
            # h is a compress's copy: was that compress reverted?
            for rv in reverts:
                if (
                    rv.event_type == "revert"
                    and (rv.params or {}).get("reverted_event") == ev.event_id
                ):
                    old = [o for e, _, o in self._pairs(h, as_key=False) if e is ev]
                    hops.append(Hop(REVERTED, rv, tuple(old)))
        if len(hops) > 1:
            hops.sort(key=lambda x: (x.event.created_at, x.event.event_id))
        return hops

    def small_hops(self) -> Iterable[tuple[str, list[Hop]]]:
        """Every hop that is not a map entry (the lens; the maps come from :meth:`maps`)."""
        return self._small.items()

    def imported(self, h: str) -> list[Hop]:
        return self._imported.get(h, [])

    def without_origin(self, hashes: Iterable[str]) -> set[str]:
        """Those of ``hashes`` that :meth:`origins` has nothing for, asked of the maps at
        once (they are parsed and indexed)."""
        self.load_all()
        self._index_maps()
        assert self.backward is not None
        return set(hashes).difference(self._origin, self.backward, self._transcript)

    def with_origin(self, among: Container[str]) -> set[str]:
        """The commits :meth:`origins` has something for that ``among`` holds (the maps are
        parsed; a lookup per commit that has an origin, not per commit asked about)."""
        self.load_all()
        self._index_maps()
        assert self.backward is not None
        found: set[str] = set()
        for keys in (self._origin, self.backward, self._transcript):
            found.update(h for h in keys if h in among)
        return found

    def origins(self, h: str) -> list[Origin]:
        out = list(self._origin.get(h, ()))
        for ev, kind, old in self._pairs(h, as_key=False):
            out.append(Origin("copy", ev, (old,), kind))
        if h in self._transcript:
            ev, line = self._transcript[h]
            out.append(Origin("transcript", ev, (), line=line))
        return out
