"""Turning a compile sequence into messages, and keeping that result patchable.

Newest edit wins, SKIP drops, EDIT commits only substitute (docs/behaviour.md §5 steps 4–9). A
``Snapshot`` is also the unit of the incremental compile cache: appends, edits and annotation
changes patch it in O(changed).

State is kept in parallel lists indexed by sequence position (no object per commit: a cold
compile of 100k commits builds lists, not 100k objects). Messages whose token count is known
are rendered on first read. Contexts handed out share the effective lists through read-only
views; a patch that would change an element a view can see first fixes that element's value
and copies the lists, so a context never changes after it was returned, and handing one out
costs O(1).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from core.engine.rules import B226678, CompileRules
from core.engine.shared_views import DictCache, MessageView, View
from core.engine.tokens import REPLY_PRIMER, TokenCounter
from core.models import json_text
from core.models.compiled import MISSING_CONTENT, CompiledContext, CompileRow, Message, Rendered
from core.models.content import ContentRegistry
from core.models.enums import Priority
from core.models.records import AnnotationInfo

EDITED_SUFFIX = " [edited]"
__all__ = ["EDITED_SUFFIX", "MISSING_CONTENT", "Snapshot", "TokenCache"]


class TokenCache(Protocol):
    def cached(self, row: CompileRow) -> int | None:
        """Known message tokens of the row's blob, or None."""

    def count(self, row: CompileRow, rendered: Rendered) -> int:
        """Count (and remember) the message tokens of the row's message."""


class Snapshot:
    """The compiled state of one head."""

    def __init__(
        self,
        registry: ContentRegistry,
        counter: TokenCounter,
        tokens: TokenCache | None = None,
        rules: CompileRules = B226678,
    ) -> None:
        self.registry = registry
        self.counter = counter
        self.rules = rules
        self._cache = tokens
        self.head: str | None = None
        # Per sequence position.
        self.rows: list[CompileRow] = []
        self.index: dict[str, int] = {}
        self.prio: list[Priority] = []
        self.tokens_at: list[int] = []
        self.config_at: list[Any] = []
        self.edits: dict[int, CompileRow] = {}  # position → the newest EDIT applied to it
        self.rendered: dict[int, Message] = {}  # messages made eagerly (their tokens counted)
        # Parallel lists over the effective positions, in sequence order.
        self._pos: list[int] = []
        self._messages: list[Message | None] = []
        self._hashes: list[str] = []
        self._configs: list[Any] = []
        self._tokens: list[int] = []
        self._types: list[str] = []
        self._dicts = DictCache([])  # their OpenAI dicts, made on first to_dicts()
        self._shared = False  # a handed-out context sees the lists above
        self.total = 0
        self.annotation_mark = 0  # highest annotation id this snapshot has applied
        # API usage calibration (record_usage): the last prompt/completion figures and the
        # correction they imply, kept through later patches so appends add only estimates.
        self.api: tuple[int, int] | None = None
        self.api_delta = 0
        self._defaults: dict[str, Priority] = {}
        # c2f26dd: positions of named instructions → name (nearest HEAD wins), and whether a
        # content type compiles at all.
        self._names: dict[int, str] = {}
        self._compilable: dict[str, bool] = {}

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
        self.rows = rows = list(sequence)
        index = self.index
        prio = self.prio
        tokens_at = self.tokens_at
        config_at = self.config_at
        defaults = self._defaults
        get = priorities.get
        cached = self._cache.cached if self._cache is not None else None
        later: list[int] = []  # positions rendered once the edits are known
        edits: list[CompileRow] = []
        for pos, row in enumerate(rows):
            index[row.commit_hash] = pos
            info = get(row.commit_hash)
            if info is not None:
                prio.append(info.priority)
            else:
                prio.append(defaults.get(row.content_type) or self._default(row))
            tokens = None
            if row.is_edit:
                edits.append(row)
            elif cached is not None:
                tokens = cached(row)
            if tokens is None:
                tokens_at.append(0)
                config_at.append(None)
                if not row.is_edit and self._compiles(row.content_type):
                    later.append(pos)
                continue
            tokens_at.append(tokens)  # the common case: the text is rendered on first read
            raw = row.generation_config
            config_at.append(None if raw is None or raw == "null" else _config(raw))
        for row in edits:
            self._apply_edit(row, render=False)
        if self.rules.dedupes_named_instructions:
            for pos, row in enumerate(rows):
                if row.content_type == "instruction":
                    self._note_name(pos)
        pending = set(later)
        compiles = self._compiles
        for pos in (*later, *(p for p in self.edits if p not in pending)):
            if compiles(rows[pos].content_type):
                self._render(pos)
        self._rebuild()

    def append(
        self, rows: Iterable[CompileRow], priorities: Mapping[str, AnnotationInfo], head: str
    ) -> None:
        """Patch for new non-merge commits on top of the current head (oldest first)."""
        for row in rows:
            pos = len(self.rows)
            self.rows.append(row)
            self.index[row.commit_hash] = pos
            self.prio.append(self._priority(row, priorities))
            self.tokens_at.append(0)
            self.config_at.append(None)
            if row.is_edit:
                self._apply_edit(row, render=True)
            elif not self._compiles(row.content_type):
                continue
            else:
                self._render(pos)
                if row.content_type == "instruction" and self._note_name(pos):
                    self._rebuild()  # a named instruction may hide an earlier one
                elif self._effective(pos):
                    self._insert(pos)
        self.head = head

    def reprioritise(self, changed: Mapping[str, AnnotationInfo | None]) -> None:
        """Apply the annotations now in force for some commits (None: back to the default)."""
        for commit_hash, info in changed.items():
            pos = self.index.get(commit_hash)
            if pos is None:
                continue
            before = self._effective(pos)
            row = self.rows[pos]
            self.prio[pos] = info.priority if info is not None else self._default(row)
            after = self._effective(pos)
            if pos in self._names and before != after:
                self._rebuild()  # which of the same-named instructions wins may change
            elif before and not after:
                self._remove(pos)
            elif after and not before:
                self._insert(pos)

    def _compiles(self, content_type: str) -> bool:
        value = self._compilable.get(content_type)
        if value is None:
            value = self._compilable[content_type] = self.rules.compilable(content_type)
        return value

    def _effective(self, pos: int) -> bool:
        row = self.rows[pos]
        return (
            not row.is_edit
            and self.prio[pos] is not Priority.SKIP
            and self._compiles(row.content_type)
        )

    def _default(self, row: CompileRow) -> Priority:
        value = self._defaults.get(row.content_type)
        if value is None:
            value = self._defaults[row.content_type] = self.rules.default_priority(
                self.registry, row.content_type
            )
        return value

    def _note_name(self, pos: int) -> bool:
        """Record the name of the instruction at ``pos`` (as edited); True when named."""
        source = self.edits.get(pos) or self.rows[pos]
        payload = _payload(source.payload_json)
        name = payload.get("name") if payload is not None else None
        if isinstance(name, str) and name:
            self._names[pos] = name
            return True
        self._names.pop(pos, None)
        return False

    def _priority(self, row: CompileRow, priorities: Mapping[str, AnnotationInfo]) -> Priority:
        info = priorities.get(row.commit_hash)
        return info.priority if info is not None else self._default(row)

    def _apply_edit(self, edit: CompileRow, *, render: bool) -> None:
        pos = self.index.get(edit.response_to) if edit.response_to else None
        if pos is None:
            return  # an edit of something outside the sequence has no effect
        current = self.edits.get(pos)
        # Newest by created_at wins; on equal times the one earlier in the sequence stays.
        if current is not None and edit.time <= current.time:
            return
        i = bisect.bisect_left(self._pos, pos) if render else -1
        visible = render and i < len(self._pos) and self._pos[i] == pos
        if visible and self._messages[i] is None:
            # Views handed out show the old text: fix it before the edit changes the source.
            self._messages[i] = self._make(pos)
        self.edits[pos] = edit
        if not render:
            return
        self._render(pos)
        if self.rows[pos].content_type == "instruction" and self.rules.dedupes_named_instructions:
            was_named = pos in self._names
            if self._note_name(pos) or was_named:
                self._rebuild()  # the edit may rename it, or hide or reveal another
                return
        if visible:
            self._unshare()
            self.total += self.tokens_at[pos] - self._tokens[i]
            self._messages[i] = self.rendered.get(pos)
            self._configs[i] = self.config_at[pos]
            self._tokens[i] = self.tokens_at[pos]
            self._types[i] = edit.content_type
            self._dicts.items[i] = None
            self._dicts.changed_at(i)

    def _render(self, pos: int) -> None:
        """Tokens and config of a position's message; the message itself when counting it."""
        row = self.rows[pos]
        edit = self.edits.get(pos)
        source = edit or row
        cache = self._cache
        tokens = cache.cached(source) if cache is not None else None
        if tokens is None:
            rendered = self.render_row(source)
            role, text, name, call_id, calls = rendered
            self.rendered[pos] = Message(role, text, name, tool_call_id=call_id, tool_calls=calls)
            if cache is not None and source.payload_json is not None:
                tokens = cache.count(source, rendered)
            else:
                tokens = self.rules.message_tokens(self.counter, rendered)
        else:
            self.rendered.pop(pos, None)  # made from its (new) source on first read
        self.tokens_at[pos] = tokens
        config = _config(edit.generation_config) if edit is not None else None
        raw = row.generation_config
        if config is None and raw is not None and raw != "null":
            config = _config(raw)
        self.config_at[pos] = config

    def _make(self, pos: int) -> Message:
        made = self.rendered.get(pos)
        if made is not None:
            return made
        source = self.edits.get(pos) or self.rows[pos]
        return Message(source=(self.render_row, source))

    def render_row(self, row: CompileRow) -> Rendered:
        """What a commit renders to under the store's rules (a missing blob: a notice)."""
        return self.rules.render(self.registry, _payload(row.payload_json), row.metadata_json)

    def render_payload(self, raw: Any) -> tuple[str, str, str | None]:
        """Role, text and name of a stored payload alone (no commit metadata)."""
        role, text, name, _, _ = self.rules.render(self.registry, _payload(raw))
        return role, text, name

    # -- the effective lists ------------------------------------------------------------------

    def _rebuild(self) -> None:
        rows, prio, edits = self.rows, self.prio, self.edits
        skip = Priority.SKIP
        compiles = self._compiles
        pos = [
            p
            for p, r in enumerate(rows)
            if not r.is_edit and prio[p] is not skip and compiles(r.content_type)
        ]
        if self._names:
            pos = self._without_shadowed(pos)
        self._pos = pos
        rendered = self.rendered
        self._messages = [rendered.get(p) for p in pos] if rendered else [None] * len(pos)
        self._hashes = [rows[p].commit_hash for p in pos]
        self._configs = [self.config_at[p] for p in pos]
        self._tokens = [self.tokens_at[p] for p in pos]
        self._types = [(edits.get(p) or rows[p]).content_type for p in pos]
        self.total = sum(self._tokens)
        self._dicts = DictCache([None] * len(pos))
        self._shared = False

    def _without_shadowed(self, pos: list[int]) -> list[int]:
        """Of effective instructions sharing a name, keep the one nearest HEAD."""
        seen: set[str] = set()
        hidden: set[int] = set()
        for p in reversed(pos):
            name = self._names.get(p)
            if name is None:
                continue
            if name in seen:
                hidden.add(p)
            seen.add(name)
        return [p for p in pos if p not in hidden] if hidden else pos

    def _lists(self) -> tuple[list[Any], ...]:
        return (self._pos, self._messages, self._hashes, self._configs, self._tokens, self._types)

    def _unshare(self) -> None:
        """Copy the lists before changing an element a handed-out view may see."""
        if self._shared:
            (self._pos, self._messages, self._hashes, self._configs, self._tokens, self._types) = (
                list(lst) for lst in self._lists()
            )
            self._dicts = self._dicts.copy()
            self._shared = False

    def _insert(self, pos: int) -> None:
        i = bisect.bisect_left(self._pos, pos)
        if i < len(self._pos):  # not at the end: visible to shared views
            self._unshare()
        source = self.edits.get(pos) or self.rows[pos]
        values = (
            pos,
            self.rendered.get(pos),
            self.rows[pos].commit_hash,
            self.config_at[pos],
            self.tokens_at[pos],
            source.content_type,
        )
        for lst, value in zip(self._lists(), values, strict=True):
            lst.insert(i, value)
        self._dicts.items.insert(i, None)
        self._dicts.changed_at(i)
        self.total += self.tokens_at[pos]

    def _remove(self, pos: int) -> None:
        i = bisect.bisect_left(self._pos, pos)
        if i >= len(self._pos) or self._pos[i] != pos:
            return
        self._unshare()
        for lst in self._lists():
            del lst[i]
        del self._dicts.items[i]
        self._dicts.changed_at(i)
        self.total -= self.tokens_at[pos]

    def calibrate(self, prompt: int, completion: int, delta: int | None = None) -> None:
        """Make the compiled total equal the API's ``prompt`` figure (or apply a known delta)."""
        if delta is None:
            delta = prompt - (self.total + REPLY_PRIMER if self._messages else 0)
        self.api = (prompt, completion)
        self.api_delta = delta

    # -- output -----------------------------------------------------------------------------

    def context(
        self,
        token_source: str,
        *,
        include_edit_annotations: bool = False,
        tools: tuple[dict[str, Any], ...] = (),
    ) -> CompiledContext:
        count = len(self._messages)
        messages: Sequence[Message] = MessageView(
            self._messages, self._pos, self._make, self._dicts
        )
        total = self.total + REPLY_PRIMER if count else 0
        if include_edit_annotations:
            messages = tuple(
                m.with_content(m.content + EDITED_SUFFIX) if p in self.edits else m
                for m, p in zip(messages, self._pos, strict=True)
            )
            total = self._recount(messages) if count else 0
        tools_tokens = 0
        if self.api is not None and count:
            total += self.api_delta
            token_source = f"api:{self.api[0]}+{self.api[1]}"
        elif tools:
            # The tool schemas are sent with the messages (the API's own figure has them).
            tools_tokens = self.counter.count_text(json.dumps(list(tools)))
            total += tools_tokens
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
            tools=tools,
            tools_tokens=tools_tokens,
        )

    def _recount(self, messages: Sequence[Message]) -> int:
        count = self.rules.message_tokens
        return (
            sum(
                count(self.counter, (m.role, m.content, m.name, m.tool_call_id, m.tool_calls))
                for m in messages
            )
            + REPLY_PRIMER
        )

    # -- read once, in order (a streamed compile; see core.explain.stream) ------------------

    @property
    def positions(self) -> Sequence[int]:
        """The sequence position of each compiled message, in order."""
        return self._pos

    def edited(self, commit_hash: str) -> CompileRow | None:
        pos = self.index.get(commit_hash)
        return self.edits.get(pos) if pos is not None else None


def _json_dict(raw: Any) -> dict[str, Any] | None:
    """A stored JSON object (text on SQLite, already parsed on PostgreSQL), else None."""
    if raw is None or raw == "null":
        return None
    if isinstance(raw, dict):
        return raw
    try:
        value = json_text.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


_payload = _json_dict
_config = _json_dict
