"""Where an operation took each commit: the hops of a tract's events, indexed both ways.

Forward (``removed``): a commit a compress summarised, replayed, preserved or dropped; a rebase
copied; a revert restored over. Backward (``origin``): a summary's sources, a copy's original,
an imported commit's file. Built in memory from the tract's events (one read, links included).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.models.records import OperationEvent

COMPRESSED = "compressed"
REPLAYED = "replayed"
PRESERVED = "preserved"
REORGANIZED = "reorganized"
REVERTED = "reverted"
DROPPED = "dropped"
STRUCTURAL = "structural"
IMPORTED = "imported"  # a cherry-pick copy (the original stays where it was)
REWRITTEN = "rewritten"  # a source of an event type we do not know (its results follow)

# Hops that keep a commit's content under a new hash.
COPIES = frozenset({REPLAYED, PRESERVED, REORGANIZED, REVERTED, REWRITTEN})


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


def _map(params: Mapping[str, Any] | None, key: str) -> dict[str, str]:
    value = (params or {}).get(key)
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if isinstance(v, str)}


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


class HopIndex:
    """The hops of a tract's events (oldest event first within each list)."""

    def __init__(self, events: Iterable[OperationEvent]) -> None:
        self.events: dict[str, OperationEvent] = {}
        self.removed: dict[str, list[Hop]] = {}
        self.origin: dict[str, list[Origin]] = {}
        self.imported: dict[str, list[Hop]] = {}  # original → its cherry-pick copies
        ordered = sorted(events, key=lambda e: (e.created_at, e.event_id))
        for ev in ordered:
            self.events[ev.event_id] = ev
        for ev in ordered:
            self._index(ev)

    def _hop(self, commit: str, kind: str, ev: OperationEvent, succ: tuple[str, ...]) -> None:
        self.removed.setdefault(commit, []).append(Hop(kind, ev, succ))

    def _origin(self, commit: str, origin: Origin) -> None:
        self.origin.setdefault(commit, []).append(origin)

    def _copies(self, ev: OperationEvent, pairs: Iterable[tuple[str, str]], kind: str) -> None:
        for old, new in pairs:
            self._hop(old, kind, ev, (new,))
            self._origin(new, Origin("copy", ev, (old,), kind))

    def _index(self, ev: OperationEvent) -> None:
        params = ev.params
        if ev.event_type == "compress":
            into = summary_of(ev)
            for h in ev.sources:
                self._hop(h, COMPRESSED, ev, (into[h],) if h in into else ev.results)
            groups: dict[str, list[str]] = {}
            for source, summary in into.items():
                groups.setdefault(summary, []).append(source)
            for summary in ev.results:
                self._origin(summary, Origin("summary", ev, tuple(groups.get(summary, ()))))
            self._copies(ev, _map(params, "replayed").items(), REPLAYED)
            self._copies(ev, _map(params, "preserved").items(), PRESERVED)
            for h in _list(params, "dropped"):
                self._hop(str(h), DROPPED, ev, ())
            for h in _list(params, "structural"):
                self._hop(str(h), STRUCTURAL, ev, ())
        elif ev.event_type == "reorganize":
            if len(ev.sources) == len(ev.results):
                self._copies(ev, zip(ev.sources, ev.results, strict=True), REORGANIZED)
            for h in _list(params, "skipped"):
                self._hop(str(h), DROPPED, ev, ())
        elif ev.event_type == "revert":
            self._index_revert(ev)
        elif ev.event_type == "import":
            self._index_import(ev)
        elif ev.sources:
            for h in ev.sources:
                self._hop(h, REWRITTEN, ev, ev.results)
            for h in ev.results:
                self._origin(h, Origin("summary", ev, ev.sources))

    def _index_revert(self, ev: OperationEvent) -> None:
        """A revert puts the branch back: the reverted event's results and copies are left
        behind, each replaced by what it came from."""
        reverted = self.events.get(str((ev.params or {}).get("reverted_event") or ""))
        backward: dict[str, tuple[str, ...]] = {}
        if reverted is not None:
            for new, origins in self.origin.items():
                for o in origins:
                    if o.event.event_id == reverted.event_id:
                        backward[new] = o.originals
        for h in ev.sources:
            backward.setdefault(h, ev.results)
        for new, originals in backward.items():
            self._hop(new, REVERTED, ev, originals)

    def _index_import(self, ev: OperationEvent) -> None:
        if ev.sources and len(ev.sources) == len(ev.results):
            for old, new in zip(ev.sources, ev.results, strict=True):
                self.imported.setdefault(old, []).append(Hop(IMPORTED, ev, (new,)))
                self._origin(new, Origin("copy", ev, (old,), IMPORTED))
            return
        lines = _list(ev.params, "lines")
        for i, h in enumerate(ev.results):
            line = lines[i] if i < len(lines) and isinstance(lines[i], int) else None
            self._origin(h, Origin("transcript", ev, (), line=line))
