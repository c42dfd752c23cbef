"""A healthy store, and the ways a buggy writer or a hand edit can damage a copy of it.

The base store: main with an instruction and six exchanges, a side branch ``side`` (two
commits) merged back, a compress of two early exchanges (its sources are unreachable
originals), a recorded compile. Damage is made with raw ``sqlite3`` and foreign keys OFF.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core import create_tract
from core.engine.clock import FrozenClock

T0 = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=2)
MISSING = "ab" * 32


@dataclass
class Base:
    path: Path
    tract_id: str
    main: list[str] = field(default_factory=list)  # main's first-parent chain, oldest first
    side: list[str] = field(default_factory=list)
    merge: str = ""
    event_id: str = ""
    sources: tuple[str, ...] = ()


def build_base(path: Path) -> Base:
    t = create_tract(path, clock=FrozenClock(T0, timedelta(seconds=3)))
    base = Base(path, t.tract_id)
    t.system("You are terse.")
    users = []
    for i in range(6):
        users.append(t.user(f"question {i}").commit_hash)
        t.assistant(f"answer {i}")
        if i == 3:
            t.branch("side")
            t.user("side question")
            base.side.append(t.head or "")
            t.assistant("side answer")
            base.side.append(t.head or "")
            t.switch("main")
    t.user("after the fork")
    base.merge = t.merge("side").merge_commit_hash or ""
    t.user("after the merge")
    result = t.compress(from_ref=users[0], to_ref=users[1], content="Summary of 0-1.")
    base.event_id = result.event_id
    base.sources = t.events().rows[0].sources
    t.compile(record=True, reason="base")
    base.main = [c.commit_hash for c in reversed(t.log(limit=None))]
    t.close()
    return base


def raw(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    return con


def blob_of(con: sqlite3.Connection, commit_hash: str) -> str:
    """The blob of ``commit_hash`` (a replayed copy shares it with its unreachable original)."""
    (blob,) = con.execute(
        "SELECT content_hash FROM commits WHERE commit_hash = ?", (commit_hash,)
    ).fetchone()
    return str(blob)


# Each damage: (what it does to the copy) → the key of the row verify must name.
Damage = Callable[[sqlite3.Connection, Base], tuple[str, str, tuple[str, ...]]]


def parent_cycle(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    """side's two commits point at each other (A→B→A)."""
    a, b = base.side
    con.execute("UPDATE commits SET parent_hash = ? WHERE commit_hash = ?", (b, a))
    return "cycle", "commits", (min(a, b),)


def dangling_ref(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    con.execute(
        "INSERT INTO refs VALUES (?, 'refs/heads/ghost', ?, NULL)", (base.tract_id, MISSING)
    )
    return "dangling", "refs", (base.tract_id, "refs/heads/ghost")


def missing_blob(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    target = base.main[-1]  # HEAD: "after the merge"
    con.execute("DELETE FROM blobs WHERE content_hash = ?", (blob_of(con, target),))
    return "dangling", "commits", (target,)


def invalid_json(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    blob = blob_of(con, base.main[-3])
    con.execute("UPDATE blobs SET payload_json = '{oops' WHERE content_hash = ?", (blob,))
    return "invalid_json", "blobs", (blob,)


def event_commits_missing(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    """The compress event's source commits are gone (their rows deleted by a careless GC)."""
    for h in base.sources:
        con.execute("DELETE FROM commits WHERE commit_hash = ?", (h,))
    return "dangling", "operation_commits", (base.event_id, base.sources[0], "source")


def content_type_mismatch(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    target = base.main[-4]
    con.execute("UPDATE commits SET content_type = 'instruction' WHERE commit_hash = ?", (target,))
    return "content_type_mismatch", "commits", (target,)


def self_loop(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    """The root names itself as its parent (nothing older exists, so nothing is cut off)."""
    root = base.main[0]
    con.execute("UPDATE commits SET parent_hash = ? WHERE commit_hash = ?", (root, root))
    return "cycle", "commits", (root,)


def unreadable_time(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    target = base.main[2]
    con.execute("UPDATE commits SET created_at = 'not a date' WHERE commit_hash = ?", (target,))
    return "invalid_value", "commits", (target,)


def unknown_content_type(con: sqlite3.Connection, base: Base) -> tuple[str, str, tuple[str, ...]]:
    target = base.main[3]
    con.execute("UPDATE commits SET content_type = 'hologram' WHERE commit_hash = ?", (target,))
    return "unknown_content_type", "commits", (target,)


DAMAGES: dict[str, Damage] = {
    "parent_cycle": parent_cycle,
    "dangling_ref": dangling_ref,
    "missing_blob": missing_blob,
    "invalid_json": invalid_json,
    "event_commits_missing": event_commits_missing,
    "content_type_mismatch": content_type_mismatch,
    "self_loop": self_loop,
    "unreadable_time": unreadable_time,
    "unknown_content_type": unknown_content_type,
}


def damage(path: Path, base: Base, *names: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Apply the named damages to the store at ``path`` (a copy of ``base``)."""
    with raw(path) as con:
        expected = [DAMAGES[name](con, base) for name in names]
    con.close()
    return expected
