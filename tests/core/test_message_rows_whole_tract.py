"""A record that asks for most of a big tract's commits reads their blob facts as a cold
compile reads the tract (sequential scans on SQLite) instead of by hash. The cache breaks and
the token timeline built on them must not change: edits, shared and missing blobs, commits of
another tract (a spawned child's history starts in its parent), on both backends."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from core import Tract, create_tract
from core.explain import message_rows as message_rows_module
from core.models import content as c


def _panels(t: Tract) -> tuple[Any, Any]:
    return t.cache_breaks(), t.token_timeline()


def test_whole_tract_reads_give_the_same_panels(
    store_target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = create_tract(store_target)
    with t.batch():
        t.system("You are terse.")
        for i in range(600):
            t.user(f"question {i % 200}")  # repeats: commits share blobs
            t.assistant(f"answer {i}")
    target = t.user("draft").commit_hash
    t.edit(target, c.dialogue("user", "final"))
    t.compile(record=True)
    t.assistant("one more")
    t.compile(record=True)
    child = t.spawn("a side task")  # its first commit's parent is in this tract
    child.user("elsewhere")
    child.compile(record=True)
    if "://" not in store_target:  # a missing blob (SQLite: written around the foreign key)
        con = sqlite3.connect(store_target)
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute(
            "DELETE FROM blobs WHERE content_hash = "
            "(SELECT content_hash FROM commits WHERE commit_hash = ?)",
            (target,),
        )
        con.commit()
        con.close()
    monkeypatch.setattr(message_rows_module, "WHOLE_TRACT_AT", 100)
    read_whole = reads(monkeypatch)
    whole = _panels(t), _panels(child)
    assert read_whole, "the records ask for most of the tract: read whole"
    monkeypatch.setattr(message_rows_module, "WHOLE_TRACT_AT", 10**9)
    by_hash = _panels(t), _panels(child)
    assert whole == by_hash
    breaks, timeline = whole[0]
    assert len(breaks) == 2 and len(timeline.points) == 2
    assert timeline.points[-1].message_tokens > 0
    t.close()


def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tracts read whole from now on."""
    from core.storage.sqla import tract_reads

    seen: list[str] = []
    real = tract_reads.TractReads.tract_compile_rows

    def watched(self: Any, tract_id: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(tract_id)
        return real(self, tract_id, *args, **kwargs)

    monkeypatch.setattr(tract_reads.TractReads, "tract_compile_rows", watched)
    return seen
