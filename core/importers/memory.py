"""What an import knows about a tract already in the store, kept between imports by a follower.

A one-shot import fills it from the store with a few set-based queries; a follower keeps it in
memory, so appending ten lines costs no store reads beyond the writes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.storage.repositories import UnitOfWork
from core.storage.sqla import session_queries as q


@dataclass
class TractMemory:
    tract_id: str
    known: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # key → (hash, time)
    parent_of: dict[str, str | None] = field(default_factory=dict)  # hash → first parent
    skipped: set[str] = field(default_factory=set)  # hashes imported as SKIP
    written: set[str] = field(default_factory=set)  # hashes this memory wrote
    record_heads: dict[str, tuple[str, int]] | None = None  # head → (record id, commits)
    record_keys: set[str] | None = None
    event_keys: set[str] | None = None
    closed: set[str] | None = None  # last sources of compress events: not branches

    def lookup(self, uow: UnitOfWork, keys: set[str]) -> None:
        """Load the commits of ``keys`` this memory does not hold yet (one query a chunk)."""
        missing = [k for k in keys if k not in self.known]
        if not missing:
            return
        found = q.commits_by_source_id(uow.conn, self.tract_id, missing)  # type: ignore[attr-defined]  # the SQL unit of work's connection
        for key, commit in found.items():
            self.known[key] = (commit.commit_hash, commit.created_at)

    def load_audit(self, uow: UnitOfWork) -> None:
        """Source ids of the tract's compile records and events (few rows: one query each)."""
        if self.record_heads is None:
            self.record_heads, self.record_keys = {}, set()
            for rec in reversed(uow.records.list(self.tract_id)):  # oldest first
                key = (rec.params or {}).get("source_id")
                if isinstance(key, str):
                    self.record_keys.add(key)
                self.record_heads[rec.head_hash] = (rec.record_id, rec.commit_count)
        if self.event_keys is None:
            self.event_keys, self.closed = set(), set()
            for ev in uow.events.list(self.tract_id):
                key = (ev.params or {}).get("source_id")
                if isinstance(key, str):
                    self.event_keys.add(key)
                if ev.event_type == "compress" and ev.sources:
                    self.closed.add(ev.sources[-1])

    def chain(self, uow: UnitOfWork, head: str) -> list[str]:
        """``head`` and its first parents to the root, newest first."""
        out: list[str] = []
        h: str | None = head
        seen: set[str] = set()
        while h is not None and h not in seen:
            seen.add(h)
            out.append(h)
            if h not in self.parent_of:
                rest = uow.commits.first_parent_hashes(h)
                for child, parent in zip(rest, [*rest[1:], None], strict=True):
                    self.parent_of.setdefault(child, parent)
                if h not in self.parent_of:
                    self.parent_of[h] = None
            h = self.parent_of[h]
        return out
