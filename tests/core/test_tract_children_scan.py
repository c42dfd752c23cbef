"""A blame of a whole compile loads its tract's child map. In a SQLite store of one tract it
is read with two sequential scans instead of the joins (an index probe per commit); the map
must be the same — every parent's children in the same order, merges and dangling parents
included — and a store of several tracts keeps the joins."""

from __future__ import annotations

import contextlib
import random
import sqlite3
from pathlib import Path

from core import Tract, create_tract
from core.errors import AlreadyUpToDateError
from core.storage.sqla import lineage
from core.storage.sqla._common import raw_rows
from core.storage.store import Store


def by_joins(conn: object, tract_id: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for stmt in (lineage._tract_first_children(), lineage._tract_merge_children()):
        for parent, child in raw_rows(conn, stmt, {"tract_id": tract_id}):  # type: ignore[arg-type]
            kids = out.setdefault(parent, [])
            if child not in kids:
                kids.append(child)
    return out


def maps(path: Path) -> dict[str, tuple[dict[str, list[str]], dict[str, list[str]], bool]]:
    with Store.open(path, readonly=True) as store, store.read() as uow:
        repo = uow.lineage
        single = len(uow.commits.tract_ids()) == 1
        return {
            t: (repo.tract_children(t)[1], by_joins(repo.conn, t), single)
            for t in uow.commits.tract_ids()
        }


def branching_history(path: Path, seed: int) -> Tract:
    rng = random.Random(seed)
    t = create_tract(path)
    t.system("You are terse.")
    branches = ["main"]
    for i in range(120):
        roll = rng.random()
        if roll < 0.1:
            name = f"b{i}"
            t.branch(name)
            branches.append(name)
        elif roll < 0.2 and len(branches) > 1:
            other = rng.choice([b for b in branches if b != t.current_branch])
            with contextlib.suppress(AlreadyUpToDateError):
                t.merge(other, no_ff=True, auto_commit=True)
        elif roll < 0.3:
            t.checkout(rng.choice(branches))
        else:
            t.user(f"message {i}")
    # A branch's commit with a first child and a merge child.
    t.checkout("main")
    t.branch("side")
    t.user("on side")
    t.checkout("main")
    t.user("on main")
    t.merge("side", no_ff=True, auto_commit=True)
    t.checkout("side")
    t.user("side goes on")
    return t


def test_one_tract_scanned_like_the_joins(tmp_path: Path) -> None:
    for seed in range(3):
        path = tmp_path / f"dag{seed}.db"
        branching_history(path, seed).close()
        for scanned, joined, single in maps(path).values():
            assert single
            assert scanned == joined
            assert any(len(kids) > 1 for kids in scanned.values())


def test_dangling_parents_and_several_tracts(tmp_path: Path) -> None:
    path = tmp_path / "dangling.db"
    t = branching_history(path, 7)
    t.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    gone = con.execute("SELECT parent_hash FROM commits WHERE parent_hash IS NOT NULL").fetchone()
    con.execute("DELETE FROM commits WHERE commit_hash = ?", gone)
    con.commit()
    con.close()
    for scanned, joined, _ in maps(path).values():
        assert scanned == joined
        assert gone[0] not in scanned
    with Tract.open(path) as again:
        again.spawn("side").user("elsewhere")
    found = maps(path)
    assert len(found) == 2
    for scanned, joined, single in found.values():
        assert not single and scanned == joined
