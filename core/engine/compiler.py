"""The compiler: from a head to the message list a model receives (BEHAVIOUR.md §5).

``build_sequence`` walks the first-parent chain root first and, before every merge commit,
inserts the commits reachable from its other parents that are not in the sequence yet — each
block in its own compile order, recursively, so nested merges expand too.

``Snapshot`` turns a sequence into messages: newest edit wins, SKIP drops, EDIT commits only
substitute. It is also the unit of the incremental compile cache: appends, edits and
annotation changes patch it in O(changed) instead of recompiling the history.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from core.engine.tokens import REPLY_PRIMER, TokenCounter, message_tokens
from core.models.content import ContentRegistry
from core.models.enums import Priority
from core.models.records import AnnotationInfo, CompiledContext, CompileRow, Message

MISSING_CONTENT = "[missing content]"
EDITED_SUFFIX = " [edited]"
BLOCK_PAGE = 256


class SequenceLoader(Protocol):
    def chain(self, head: str, limit: int | None) -> list[CompileRow]:
        """First-parent chain from ``head``, newest first."""

    def merge_parents(self, hashes: Sequence[str]) -> dict[str, tuple[str, ...]]: ...


def build_sequence(head: str, loader: SequenceLoader) -> list[CompileRow]:
    """Compile order of ``head``: root first, merges expanded recursively, each commit once."""
    main = loader.chain(head, None)
    main.reverse()
    return expand(main, loader, set())


def expand(
    rows_root_first: Sequence[CompileRow], loader: SequenceLoader, seen: set[str]
) -> list[CompileRow]:
    merges = [r.commit_hash for r in rows_root_first if r.n_parents >= 2]
    parents = loader.merge_parents(merges) if merges else {}
    out: list[CompileRow] = []
    for row in rows_root_first:
        if row.commit_hash in seen:
            continue
        for other in parents.get(row.commit_hash, ())[1:]:
            block = _walk_until_seen(other, loader, seen)
            block.reverse()
            out.extend(expand(block, loader, seen))
        out.append(row)
        seen.add(row.commit_hash)
    return out


def _walk_until_seen(start: str, loader: SequenceLoader, seen: set[str]) -> list[CompileRow]:
    """``start``'s first-parent chain (newest first) up to the first commit already seen.

    The sequence is closed under ancestry at every merge, so stopping there loses nothing.
    Paged, because merged branches are usually short and histories long.
    """
    out: list[CompileRow] = []
    current: str | None = start
    walked: set[str] = set()
    while current is not None and current not in seen:
        page = loader.chain(current, BLOCK_PAGE)
        if not page:
            break
        current = None
        for row in page:
            if row.commit_hash in seen or row.commit_hash in walked:
                current = None
                break
            walked.add(row.commit_hash)
            out.append(row)
            current = row.parent_hash
        else:
            continue
        break
    return out


# --- turning a sequence into messages -----------------------------------------------------


@dataclass(slots=True)
class Entry:
    """One commit of the sequence and what it currently contributes."""

    row: CompileRow
    priority: Priority
    edit: CompileRow | None = None  # newest EDIT applied to this commit
    message: Message | None = None
    tokens: int = 0
    config: Any = None

    @property
    def effective(self) -> bool:
        return not self.row.is_edit and self.priority is not Priority.SKIP


TokenLookup = Callable[[CompileRow, str, str, str | None], int]


class Snapshot:
    """The compiled state of one head; patchable for the incremental cache."""

    def __init__(
        self,
        registry: ContentRegistry,
        counter: TokenCounter,
        token_lookup: TokenLookup | None = None,
    ) -> None:
        self.registry = registry
        self.counter = counter
        self._lookup = token_lookup
        self.head: str | None = None
        self.entries: list[Entry] = []
        self.index: dict[str, int] = {}
        # Parallel lists over the effective entries, in sequence order.
        self._eff_pos: list[int] = []
        self._messages: list[Message] = []
        self._hashes: list[str] = []
        self._configs: list[Any] = []
        self._tokens: list[int] = []
        self._types: list[str] = []
        self.total = 0
        self.annotation_mark = 0  # highest annotation id this snapshot has seen

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
            sequence = [r for r in sequence if r.created_at <= at_time]
        for row in sequence:
            self._push(row, self._priority(row, priorities))
        for row in sequence:
            if row.is_edit:
                self._apply_edit(row)
        self._rebuild_effective()

    def append(
        self, rows: Iterable[CompileRow], priorities: Mapping[str, AnnotationInfo], head: str
    ) -> None:
        """Patch for new non-merge commits on top of the current head (oldest first)."""
        for row in rows:
            entry = self._push(row, self._priority(row, priorities))
            if row.is_edit:
                self._apply_edit(row, incremental=True)
            elif entry.effective:
                self._add_effective(len(self.entries) - 1)
        self.head = head

    def reprioritise(self, changed: Mapping[str, AnnotationInfo | None]) -> None:
        """Apply the annotations now in force for some commits (None: back to the default)."""
        for commit_hash, info in changed.items():
            pos = self.index.get(commit_hash)
            if pos is None:
                continue
            entry = self.entries[pos]
            before = entry.effective
            entry.priority = (
                info.priority
                if info is not None
                else self.registry.default_priority(entry.row.content_type)
            )
            if before and not entry.effective:
                self._remove_effective(pos)
            elif entry.effective and not before:
                self._add_effective(pos)

    def _priority(self, row: CompileRow, priorities: Mapping[str, AnnotationInfo]) -> Priority:
        info = priorities.get(row.commit_hash)
        if info is not None:
            return info.priority
        return self.registry.default_priority(row.content_type)

    def _push(self, row: CompileRow, priority: Priority) -> Entry:
        entry = Entry(row, priority)
        self.index[row.commit_hash] = len(self.entries)
        self.entries.append(entry)
        self._render(entry)
        return entry

    def _apply_edit(self, edit: CompileRow, *, incremental: bool = False) -> None:
        if not edit.response_to:
            return
        pos = self.index.get(edit.response_to)
        if pos is None:
            return  # an edit of something outside the sequence has no effect
        entry = self.entries[pos]
        current = entry.edit
        # Newest by created_at wins; on equal times the one earlier in the sequence stays.
        if current is not None and edit.created_at <= current.created_at:
            return
        entry.edit = edit
        self._render(entry)
        if incremental and entry.effective:
            i = bisect.bisect_left(self._eff_pos, pos)
            self.total -= self._tokens[i]
            self._messages[i] = entry.message  # type: ignore[assignment]
            self._configs[i] = entry.config
            self._tokens[i] = entry.tokens
            self._types[i] = _type_of(entry)
            self.total += entry.tokens

    def _render(self, entry: Entry) -> None:
        if entry.row.is_edit:
            return
        source = entry.edit or entry.row
        payload = _payload(source.payload_json)
        if payload is None:
            role, text, name = "system", MISSING_CONTENT, None
        else:
            role = self.registry.role(payload)
            text = self.registry.text(payload)
            name = self.registry.name(payload)
        entry.message = Message(role, text, name)
        entry.tokens = (
            self._lookup(source, role, text, name)
            if self._lookup is not None and payload is not None
            else message_tokens(self.counter, role, text, name)
        )
        config = _config(entry.edit.generation_config) if entry.edit is not None else None
        entry.config = config if config is not None else _config(entry.row.generation_config)

    def _rebuild_effective(self) -> None:
        self._eff_pos = [i for i, e in enumerate(self.entries) if e.effective]
        chosen = [self.entries[i] for i in self._eff_pos]
        self._messages = [e.message for e in chosen]  # type: ignore[misc]
        self._hashes = [e.row.commit_hash for e in chosen]
        self._configs = [e.config for e in chosen]
        self._tokens = [e.tokens for e in chosen]
        self._types = [_type_of(e) for e in chosen]
        self.total = sum(self._tokens)

    def _add_effective(self, pos: int) -> None:
        entry = self.entries[pos]
        i = bisect.bisect_left(self._eff_pos, pos)
        self._eff_pos.insert(i, pos)
        self._messages.insert(i, entry.message)  # type: ignore[arg-type]
        self._hashes.insert(i, entry.row.commit_hash)
        self._configs.insert(i, entry.config)
        self._tokens.insert(i, entry.tokens)
        self._types.insert(i, _type_of(entry))
        self.total += entry.tokens

    def _remove_effective(self, pos: int) -> None:
        i = bisect.bisect_left(self._eff_pos, pos)
        if i >= len(self._eff_pos) or self._eff_pos[i] != pos:
            return
        for lst in (
            self._eff_pos,
            self._messages,
            self._hashes,
            self._configs,
            self._tokens,
            self._types,
        ):
            del lst[i]
        self.total -= self.entries[pos].tokens

    # -- output -----------------------------------------------------------------------------

    def context(
        self, token_source: str, *, include_edit_annotations: bool = False
    ) -> CompiledContext:
        messages: Sequence[Message] = self._messages
        if include_edit_annotations:
            messages = [
                Message(m.role, m.content + EDITED_SUFFIX, m.name)
                if self.entries[p].edit is not None
                else m
                for m, p in zip(self._messages, self._eff_pos, strict=True)
            ]
        count = len(self._messages)
        total = self.total + REPLY_PRIMER if count else 0
        if include_edit_annotations:
            total = _recount(self.counter, messages) if count else 0
        return CompiledContext(
            messages=tuple(messages),
            token_count=total,
            token_source=token_source if count else "",
            commit_hashes=tuple(self._hashes),
            generation_configs=tuple(self._configs),
            message_tokens=tuple(self._tokens),
            content_types=tuple(self._types),
            head_hash=self.head,
        )

    def edited(self, commit_hash: str) -> CompileRow | None:
        pos = self.index.get(commit_hash)
        return self.entries[pos].edit if pos is not None else None


def _type_of(entry: Entry) -> str:
    # The blob actually used decides, an edit's type included (BEHAVIOUR.md §1).
    return (entry.edit or entry.row).content_type


def _recount(counter: TokenCounter, messages: Sequence[Message]) -> int:
    return sum(message_tokens(counter, m.role, m.content, m.name) for m in messages) + REPLY_PRIMER


def _payload(raw: Any) -> dict[str, Any] | None:
    if raw is None:
        return None
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _config(raw: Any) -> dict[str, Any] | None:
    if raw is None or raw == "null":
        return None
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None
