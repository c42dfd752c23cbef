"""Turning a compile sequence into messages, and keeping that result patchable.

Newest edit wins, SKIP drops, EDIT commits only substitute (BEHAVIOUR.md §5 steps 4–9). A
``Snapshot`` is also the unit of the incremental compile cache: appends, edits and annotation
changes patch it in O(changed). Contexts it hands out share its lists through read-only views;
a patch that would change an element a view can see copies the lists first, so a context never
changes after it was returned, and handing one out costs O(1).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, Protocol, TypeVar, overload

from core.engine.tokens import REPLY_PRIMER, TokenCounter, message_tokens
from core.models.content import ContentRegistry
from core.models.enums import Priority
from core.models.records import AnnotationInfo, CompiledContext, CompileRow, Message

MISSING_CONTENT = "[missing content]"
EDITED_SUFFIX = " [edited]"
T = TypeVar("T")


class View(Sequence[T]):
    """The first ``n`` items of a list that only ever grows at its end (while shared)."""

    __slots__ = ("_items", "_n")

    def __init__(self, items: list[T], n: int | None = None) -> None:
        self._items = items
        self._n = len(items) if n is None else n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...
    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        if isinstance(i, slice):
            return tuple(self._items[: self._n][i])
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("view index out of range")
        return self._items[i]

    def __iter__(self) -> Iterator[T]:
        return islice(self._items, self._n)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"View({list(self)!r})"


class TokenCache(Protocol):
    def cached(self, row: CompileRow) -> int | None:
        """Known message tokens of the row's blob, or None."""

    def count(self, row: CompileRow, role: str, text: str, name: str | None) -> int:
        """Count (and remember) the message tokens of the row's blob."""


class Entry:
    """One commit of the sequence and what it currently contributes."""

    __slots__ = ("config", "edit", "message", "priority", "row", "tokens")

    def __init__(self, row: CompileRow, priority: Priority) -> None:
        self.row = row
        self.priority = priority
        self.edit: CompileRow | None = None  # the newest EDIT applied to this commit
        self.message: Message | None = None
        self.tokens = 0
        self.config: Any = None

    @property
    def effective(self) -> bool:
        return not self.row.is_edit and self.priority is not Priority.SKIP


class Snapshot:
    """The compiled state of one head."""

    def __init__(
        self, registry: ContentRegistry, counter: TokenCounter, tokens: TokenCache | None = None
    ) -> None:
        self.registry = registry
        self.counter = counter
        self._cache = tokens
        self.head: str | None = None
        self.entries: list[Entry] = []
        self.index: dict[str, int] = {}
        # Parallel lists over the effective entries, in sequence order.
        self._pos: list[int] = []
        self._messages: list[Message] = []
        self._hashes: list[str] = []
        self._configs: list[Any] = []
        self._tokens: list[int] = []
        self._types: list[str] = []
        self._shared = False  # a handed-out context sees the lists above
        self.total = 0
        self.annotation_mark = 0  # highest annotation id this snapshot has applied
        # Usage calibration (BEHAVIOUR.md §5): the API's (prompt, completion) figures and the
        # correction they imply, kept through later patches so appends add only estimates.
        self.api: tuple[int, int] | None = None
        self.api_delta = 0
        self._defaults: dict[str, Priority] = {}

    # -- building ---------------------------------------------------------------------------

    def load(
        self,
        head: str | None,
        sequence: Sequence[CompileRow],
        priorities: Mapping[str, AnnotationInfo],
        *,
        at_time: datetime | None = None,
    ) -> None:
        self.head = head
        if at_time is not None:
            sequence = [r for r in sequence if r.time <= at_time]
        entries = self.entries
        index = self.index
        edits: list[CompileRow] = []
        defaults = self._defaults
        get = priorities.get
        cache = self._cache
        cached = cache.cached if cache is not None else None
        render = self.render_payload
        # One pass for the common case (no edit, known tokens: text rendered on first read);
        # everything else is rendered after the edits are known.
        for row in sequence:
            index[row.commit_hash] = len(entries)
            info = get(row.commit_hash)
            if info is not None:
                priority = info.priority
            else:
                priority = defaults.get(row.content_type) or self._default(row)
            entry = Entry(row, priority)
            entries.append(entry)
            if row.is_edit:
                edits.append(row)
                continue
            tokens = cached(row) if cached is not None else None
            if tokens is None:
                continue
            entry.message = Message(source=(render, row.payload_json))
            entry.tokens = tokens
            raw = row.generation_config
            if raw is not None and raw != "null":
                entry.config = _config(raw)
        for row in edits:
            self._apply_edit(row, render=False)
        for entry in entries:
            if entry.edit is not None or (entry.message is None and not entry.row.is_edit):
                self._render(entry)
        self._rebuild()

    def append(
        self, rows: Iterable[CompileRow], priorities: Mapping[str, AnnotationInfo], head: str
    ) -> None:
        """Patch for new non-merge commits on top of the current head (oldest first)."""
        for row in rows:
            self.index[row.commit_hash] = len(self.entries)
            entry = Entry(row, self._priority(row, priorities))
            self.entries.append(entry)
            if row.is_edit:
                self._apply_edit(row, render=True)
            else:
                self._render(entry)
                if entry.effective:
                    self._insert(len(self.entries) - 1)
        self.head = head

    def reprioritise(self, changed: Mapping[str, AnnotationInfo | None]) -> None:
        """Apply the annotations now in force for some commits (None: back to the default)."""
        for commit_hash, info in changed.items():
            pos = self.index.get(commit_hash)
            if pos is None:
                continue
            entry = self.entries[pos]
            before = entry.effective
            entry.priority = info.priority if info is not None else self._default(entry.row)
            if before and not entry.effective:
                self._remove(pos)
            elif entry.effective and not before:
                self._insert(pos)

    def _default(self, row: CompileRow) -> Priority:
        value = self._defaults.get(row.content_type)
        if value is None:
            value = self._defaults[row.content_type] = self.registry.default_priority(
                row.content_type
            )
        return value

    def _priority(self, row: CompileRow, priorities: Mapping[str, AnnotationInfo]) -> Priority:
        info = priorities.get(row.commit_hash)
        return info.priority if info is not None else self._default(row)

    def _apply_edit(self, edit: CompileRow, *, render: bool) -> None:
        pos = self.index.get(edit.response_to) if edit.response_to else None
        if pos is None:
            return  # an edit of something outside the sequence has no effect
        entry = self.entries[pos]
        # Newest by created_at wins; on equal times the one earlier in the sequence stays.
        if entry.edit is not None and edit.time <= entry.edit.time:
            return
        entry.edit = edit
        if not render:
            return
        self._render(entry)
        if entry.effective:
            self._unshare()
            i = bisect.bisect_left(self._pos, pos)
            self.total += entry.tokens - self._tokens[i]
            self._messages[i] = entry.message  # type: ignore[assignment]
            self._configs[i] = entry.config
            self._tokens[i] = entry.tokens
            self._types[i] = (entry.edit or entry.row).content_type

    def _render(self, entry: Entry) -> None:
        source = entry.edit or entry.row
        cache = self._cache
        cached = cache.cached(source) if cache is not None else None
        if cached is not None:
            # Tokens known: render the text only when someone reads it.
            entry.message = Message(source=(self.render_payload, source.payload_json))
            entry.tokens = cached
        else:
            role, text, name = self.render_payload(source.payload_json)
            entry.message = Message(role, text, name)
            if cache is not None and source.payload_json is not None:
                entry.tokens = cache.count(source, role, text, name)
            else:
                entry.tokens = message_tokens(self.counter, role, text, name)
        config = _config(entry.edit.generation_config) if entry.edit is not None else None
        raw = entry.row.generation_config
        if config is None and raw is not None and raw != "null":
            config = _config(raw)
        entry.config = config

    def render_payload(self, raw: Any) -> tuple[str, str, str | None]:
        """Role, text and name of a stored payload (a missing blob renders as a notice)."""
        payload = _payload(raw)
        if payload is None:
            return "system", MISSING_CONTENT, None
        return self.registry.render(payload)

    # -- the effective lists ------------------------------------------------------------------

    def _rebuild(self) -> None:
        self._pos = [i for i, e in enumerate(self.entries) if e.effective]
        chosen = [self.entries[i] for i in self._pos]
        self._messages = [e.message for e in chosen]  # type: ignore[misc]
        self._hashes = [e.row.commit_hash for e in chosen]
        self._configs = [e.config for e in chosen]
        self._tokens = [e.tokens for e in chosen]
        self._types = [(e.edit or e.row).content_type for e in chosen]
        self.total = sum(self._tokens)
        self._shared = False

    def _lists(self) -> tuple[list[Any], ...]:
        return (self._pos, self._messages, self._hashes, self._configs, self._tokens, self._types)

    def _unshare(self) -> None:
        """Copy the lists before changing an element a handed-out view may see."""
        if self._shared:
            (self._pos, self._messages, self._hashes, self._configs, self._tokens, self._types) = (
                list(lst) for lst in self._lists()
            )
            self._shared = False

    def _insert(self, pos: int) -> None:
        entry = self.entries[pos]
        i = bisect.bisect_left(self._pos, pos)
        if i < len(self._pos):  # not at the end: visible to shared views
            self._unshare()
        values = (
            pos,
            entry.message,
            entry.row.commit_hash,
            entry.config,
            entry.tokens,
            (entry.edit or entry.row).content_type,
        )
        for lst, value in zip(self._lists(), values, strict=True):
            lst.insert(i, value)
        self.total += entry.tokens

    def _remove(self, pos: int) -> None:
        i = bisect.bisect_left(self._pos, pos)
        if i >= len(self._pos) or self._pos[i] != pos:
            return
        self._unshare()
        for lst in self._lists():
            del lst[i]
        self.total -= self.entries[pos].tokens

    def calibrate(self, prompt: int, completion: int, delta: int | None = None) -> None:
        """Make the compiled total equal the API's ``prompt`` figure (or apply a known delta)."""
        if delta is None:
            delta = prompt - (self.total + REPLY_PRIMER if self._messages else 0)
        self.api = (prompt, completion)
        self.api_delta = delta

    # -- output -----------------------------------------------------------------------------

    def context(
        self, token_source: str, *, include_edit_annotations: bool = False
    ) -> CompiledContext:
        count = len(self._messages)
        messages: Sequence[Message] = View(self._messages)
        total = self.total + REPLY_PRIMER if count else 0
        if include_edit_annotations:
            messages = tuple(
                Message(m.role, m.content + EDITED_SUFFIX, m.name)
                if self.entries[p].edit is not None
                else m
                for m, p in zip(self._messages, self._pos, strict=True)
            )
            total = _recount(self.counter, messages) if count else 0
        if self.api is not None and count:
            total += self.api_delta
            token_source = f"api:{self.api[0]}+{self.api[1]}"
        self._shared = True
        return CompiledContext(
            messages=messages,
            token_count=total,
            token_source=token_source if count else "",
            commit_hashes=View(self._hashes),
            generation_configs=View(self._configs),
            message_tokens=View(self._tokens),
            content_types=View(self._types),
            head_hash=self.head,
        )

    def edited(self, commit_hash: str) -> CompileRow | None:
        pos = self.index.get(commit_hash)
        return self.entries[pos].edit if pos is not None else None


def _recount(counter: TokenCounter, messages: Sequence[Message]) -> int:
    return sum(message_tokens(counter, m.role, m.content, m.name) for m in messages) + REPLY_PRIMER


def _json_dict(raw: Any) -> dict[str, Any] | None:
    """A stored JSON object (text on SQLite, already parsed on PostgreSQL), else None."""
    if raw is None or raw == "null":
        return None
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


_payload = _json_dict
_config = _json_dict
