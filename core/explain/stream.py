"""A compile read once, a run of messages at a time, each message with its blame.

``compile --json`` of a million-message history writes every message once and keeps none:
the compile is made from lean rows and not cached (``Compiler.read_once``), messages are
rendered as a run is written, and blame is made for that run from what was read once for
the whole compile (the operations' maps, the edits in force, the merges' names, copies'
originals outside the compile, where the first-parent chain sits in the compile order), so
the runs read nothing from the store. The messages, counts and blame are those of
``Tract.compile`` and ``Tract.blame`` (tests/core/test_compile_stream.py holds them to each
other).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

from core.engine.snapshot import Snapshot
from core.explain.blame import (
    BULK,
    COLLAPSE_KEY,
    Blame,
    Blamer,
    may_name_a_collapse,
    merge_names,
)
from core.explain.facts import Facts, Positions
from core.explain.models import Subject
from core.models.compiled import CompiledContext, CompileRow, Message
from core.models.json_text import reads_as_object
from core.operations.compile import Compiler, empty_context
from core.operations.context import TractContext
from core.storage.repositories import UnitOfWork

RUN = 256  # messages per run (a 1M compile: ~4,000 runs)

__all__ = ["RUN", "CompileStream", "StreamedMessage"]


class StreamedMessage(NamedTuple):
    message: Message
    commit_hash: str
    tokens: int
    blame: Blame | None  # None when the stream was opened without blame


class CompileStream:
    """One compile of ``head`` (None: an empty tract): ``context`` has everything but the
    messages' text, ``damaged`` names the commits whose message content is missing or
    unreadable (those whose ``Message.damaged`` is true), ``runs()`` gives the messages.

    Everything it reads from the store is read when it is made, inside the caller's read
    transaction; ``runs()`` reads nothing, so it may be consumed after that transaction
    ends (the CLI writes a slow pipe without holding a snapshot of the store open)."""

    def __init__(
        self,
        uow: UnitOfWork,
        ctx: TractContext,
        compiler: Compiler,
        head: str | None,
        *,
        blame: bool = True,
        ref: str = "HEAD",
    ) -> None:
        self._uow = uow
        self._ctx = ctx
        self._ref = ref
        self._blamer: Blamer | None = None
        self._hashes: list[str] | None = None
        self.damaged: list[str] = []
        if head is None:
            self._snap = None
            self.context: CompiledContext = empty_context()
            return
        self._snap, self.context = compiler.read_once(uow, head)
        hashes = self.context.commit_hashes
        self.damaged = [hashes[i] for i in _unreadable(self._snap)]
        if blame:
            self._blamer = self._prepared_blamer()

    @property
    def count(self) -> int:
        """How many messages the compile has (``runs()`` gives them all)."""
        return len(self._snap.positions) if self._snap is not None else 0

    def runs(self, size: int = RUN) -> Iterator[list[StreamedMessage]]:
        """The compiled messages in order, ``size`` at a time; nothing is kept between runs."""
        for start in range(0, self.count, size):
            yield self.run(start, start + size)

    def run(self, start: int, end: int) -> list[StreamedMessage]:
        """Messages ``start`` to ``end`` (exclusive) of the compile, whatever was read
        before: a run depends on no other, so runs may be made in any order or by forked
        processes (the CLI's JSON output makes every other run in a helper)."""
        snap = self._snap
        if snap is None:
            return []
        if self._hashes is None:  # sliced per run: a list slices in C
            self._hashes = list(self.context.commit_hashes)
        positions = snap.positions
        end = min(end, len(positions))
        tokens = self.context.message_tokens
        run_hashes = self._hashes[start:end]
        blamer = self._blamer
        blames = blamer.blame(run_hashes) if blamer is not None else None
        message_at = partial(_message_at, snap)
        return [
            StreamedMessage(
                message_at(positions[i]),
                h,
                tokens[i],
                blames[h] if blames is not None else None,
            )
            for i, h in zip(range(start, end), run_hashes, strict=True)
        ]

    def _prepared_blamer(self) -> Blamer:
        """What ``Tract.blame(at=head)`` prepares for a whole compile, from this one, and
        everything blame will read: the runs then read nothing from the store."""
        snap = self._snap
        assert snap is not None
        uow, ctx = self._uow, self._ctx
        head = snap.head
        hashes = self.context.commit_hashes
        subject = Subject("compile", head, ctx.now(), ref=self._ref)
        rows, index = snap.rows, snap.index
        places_of = _PlaceInCompile(index, snap.positions, rows)
        positions = Positions.indexed(hashes, places_of, self.context.message_tokens)
        facts = Facts(uow, ctx, subject, positions)
        edits = facts.edit_in_force()
        bulk = len(hashes) > BULK

        # The first-parent chain's places in the compile order: a commit off it was brought
        # in by the chain commit placed next after it (core.explain.merged).
        chain: set[str] = set()
        places: list[int] = []
        current = head
        while current is not None and current in index and current not in chain:
            chain.add(current)
            place = index[current]
            places.append(place)
            current = rows[place].parent_hash
        places.sort()

        def brought(commits: list[str]) -> dict[str, str]:
            out: dict[str, str] = {}
            for h in commits:
                if h in chain:
                    continue
                i = bisect.bisect_left(places, index[h])
                if i < len(places):
                    out[h] = rows[places[i]].commit_hash
            return out

        collapses = {
            r.commit_hash: r.metadata_json for r in rows if may_name_a_collapse(r.metadata_json)
        }

        outside: dict[str, Any] = {}  # copies' originals from outside the compile

        def metadata(firsts: set[str]) -> dict[str, Any]:
            found = {h: collapses[h] for h in firsts if h in collapses}
            found.update((h, outside[h]) for h in firsts if h in outside)
            return found

        blamer = Blamer(
            uow,
            ctx,
            head=head,
            edits=edits,
            hops=facts.hops,
            bulk=bulk,
            brought=brought,
            metadata=metadata,
        )
        blamer.hops.load_all()
        copied = blamer.firsts(blamer.hops.with_origin(places_of))
        rest = [h for h in copied if h not in index]
        if rest:
            outside.update(uow.lineage.metadata_texts(rest, COLLAPSE_KEY))
        # The merges that bring commits in: each chain commit with commits placed before it
        # that are not on the chain.
        merges = {
            rows[place].commit_hash
            for i, place in enumerate(places)
            if place - (places[i - 1] if i else -1) > 1
        }
        merge_names(uow, ctx, {m: m for m in merges}, blamer.names)
        return blamer


def _message_at(snap: Snapshot, pos: int) -> Message:
    """The message at sequence position ``pos``, rendered now and not kept (a context's view
    keeps what it makes; a reader of every message once need not)."""
    made = snap.rendered.get(pos)
    if made is not None:
        return made
    role, text, name, call_id, calls = snap.render_row(snap.edits.get(pos) or snap.rows[pos])
    return Message(role, text, name, tool_call_id=call_id, tool_calls=calls)


def _unreadable(snap: Snapshot) -> list[int]:
    """The compiled messages (indexes in order) whose content is missing or unreadable:
    those that render as ``MISSING_CONTENT``, found from their stored text alone."""
    rows, edits = snap.rows, snap.edits
    bad: list[int] = []
    read: set[int] = set()  # texts read well, by identity: commits sharing a blob share
    for i, p in enumerate(snap.positions):  # its text, and it is read once
        raw = (edits.get(p) or rows[p]).payload_json
        if id(raw) in read:
            continue
        if raw is None or not (isinstance(raw, dict) or reads_as_object(raw)):
            bad.append(i)
        else:
            read.add(id(raw))
    return bad


class _PlaceInCompile(Mapping[str, int]):
    """Commit → its message's index in the compile, from the snapshot's index of sequence
    positions and the sorted positions of its messages (a dict of every commit would cost
    ~70 MB at a million)."""

    def __init__(
        self, index: Mapping[str, int], positions: Sequence[int], rows: Sequence[CompileRow]
    ) -> None:
        self._index = index
        self._positions = positions
        self._rows = rows

    def __getitem__(self, commit_hash: str) -> int:
        place = self._index[commit_hash]
        i = bisect.bisect_left(self._positions, place)
        if i < len(self._positions) and self._positions[i] == place:
            return i
        raise KeyError(commit_hash)

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[str]:
        return (self._rows[p].commit_hash for p in self._positions)
