"""The repository suite, run on SQLite and on PostgreSQL (``store_target``).

Every test opens a new store with ``Store.open(url, create=True)`` and works through
``store.write()`` / ``store.read()`` units of work. Commits carry correct hashes
(``core.engine.hashing``), so what the repositories store is what tract-ai would store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.engine.hashing import commit_hash, content_hash, stored_payload_json
from core.models.enums import CommitOperation, Priority
from core.models.records import (
    BlobInfo,
    CommitInfo,
    CompileRecord,
    OperationEvent,
    RefInfo,
    SpawnPointer,
)
from core.storage.repositories import UnitOfWork
from core.storage.store import Store

T0 = datetime(2026, 2, 20, 10, 15, 30, 4512, tzinfo=UTC)
TRACT = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


def at(ms: float) -> datetime:
    return T0 + timedelta(milliseconds=ms)


@pytest.fixture
def store(store_target: str) -> Iterator[Store]:
    with Store.open(store_target, create=True) as s:
        yield s


def payload_of(label: str, role: str = "user") -> dict:
    return {"content_type": "dialogue", "name": None, "role": role, "text": label}


def blob_of(payload: dict, when: datetime = T0, tokens: int = 5) -> BlobInfo:
    stored = stored_payload_json(payload)
    return BlobInfo(content_hash(payload), payload, len(stored.encode("utf-8")), tokens, when)


def add_commit(
    uow: UnitOfWork,
    label: str,
    parent: CommitInfo | None,
    when: datetime,
    *,
    tract: str = TRACT,
    edit: CommitInfo | None = None,
    response_to: CommitInfo | None = None,
    merge: Sequence[CommitInfo] | None = None,
    payload: dict | None = None,
    metadata: dict | None = None,
    gen: dict | None = None,
    message: str | None = None,
) -> CommitInfo:
    """Write a blob (if absent) and a commit with its tract-ai hash; merge parents too."""
    payload = payload or payload_of(label)
    blob = blob_of(payload, when)
    uow.blobs.insert_if_absent(blob)
    op = CommitOperation.EDIT if edit else CommitOperation.APPEND
    target = edit or response_to
    parents = [p.commit_hash for p in merge] if merge else None
    h = commit_hash(
        content_hash=blob.content_hash,
        parent_hash=parent.commit_hash if parent else None,
        content_type=payload["content_type"],
        operation=op,
        created_at=when,
        response_to=target.commit_hash if target else None,
        parent_hashes=parents,
    )
    info = CommitInfo(
        h,
        tract,
        parent.commit_hash if parent else None,
        blob.content_hash,
        payload["content_type"],
        op,
        target.commit_hash if target else None,
        message,
        7,
        metadata,
        gen,
        when,
    )
    uow.commits.insert(info)
    if parents:
        uow.parents.add(h, parents)
    return info


def raw(store: Store, sql: str, **params: object) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


# --- blobs --------------------------------------------------------------------------------


def test_blob_insert_if_absent_twice(store: Store) -> None:
    payload = {
        "content_type": "tool_io",
        "direction": "result",
        "payload": {"out": "Zoë ✓"},
        "status": None,
        "tool_name": "bash",
    }
    first = blob_of(payload, T0, tokens=11)
    with store.write() as uow:
        assert uow.blobs.insert_if_absent(first) is True
        # Same hash again (another tokenizer's count): the first write stays.
        assert uow.blobs.insert_if_absent(blob_of(payload, at(5), tokens=99)) is False
    with store.read() as uow:
        got = uow.blobs.get(first.content_hash)
        assert got == first
        assert uow.blobs.get_many([first.content_hash, "0" * 64]) == {first.content_hash: first}
        assert uow.blobs.get("f" * 64) is None
    [(stored, size, count)] = raw(store, "SELECT payload_json, byte_size, token_count FROM blobs")
    assert stored == json.dumps(payload, sort_keys=True, ensure_ascii=False)
    assert size == len(stored.encode("utf-8")) and count == 11


def test_write_is_one_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as uow:
        lost = add_commit(uow, "lost", None, T0)
        uow.refs.set_direct(TRACT, "refs/heads/main", lost.commit_hash)
        uow.annotations.add(TRACT, lost.commit_hash, Priority.SKIP, None, T0)
        raise RuntimeError("abort")
    with store.read() as uow:
        assert uow.commits.count(TRACT) == 0
        assert uow.refs.list(TRACT) == []
        assert uow.annotations.max_id(TRACT) == 0
        assert uow.blobs.get(lost.content_hash) is None


def test_read_is_one_snapshot(store: Store) -> None:
    """What another connection commits during a read transaction is not seen by it (a graph
    page, HEAD and its chain, a live-update fingerprint: each one state of the store)."""
    with store.write() as uow:
        first = add_commit(uow, "first", None, T0)
        uow.refs.set_direct(TRACT, "refs/heads/main", first.commit_hash)
    with Store.open(store.location.url) as other, store.read() as uow:
        assert uow.commits.count(TRACT) == 1
        with other.write() as w:
            second = add_commit(w, "second", first, at(1))
            w.refs.set_direct(TRACT, "refs/heads/main", second.commit_hash)
        assert uow.commits.count(TRACT) == 1
        assert uow.refs.get(TRACT, "refs/heads/main").commit_hash == first.commit_hash
    with store.read() as uow:
        assert uow.commits.count(TRACT) == 2


# --- commits ------------------------------------------------------------------------------


def test_commit_roundtrip_and_stored_encoding(store: Store) -> None:
    gen = {"model": "gpt-4o", "temperature": 0.2, "stop_sequences": ["\n\n"]}
    with store.write() as uow:
        root = add_commit(uow, "system", None, T0, message="", gen=None)
        child = add_commit(uow, "hello", root, at(1), metadata={"source": "cli"}, gen=gen)
        edit = add_commit(uow, "hello!", child, at(2), edit=child, message="fix typo")
    with store.read() as uow:
        assert uow.commits.get(root.commit_hash) == root
        assert uow.commits.get(child.commit_hash) == child
        assert uow.commits.get(edit.commit_hash) == edit
        assert uow.commits.get("0" * 64) is None
        got = uow.commits.get_many([root.commit_hash, edit.commit_hash, "0" * 64])
        assert got == {root.commit_hash: root, edit.commit_hash: edit}
        assert uow.commits.count(TRACT) == 3 and uow.commits.count(OTHER) == 0
        assert uow.commits.exists_in_tract(TRACT, [root.commit_hash, "0" * 64]) == {
            root.commit_hash
        }
        assert uow.commits.exists_in_tract(OTHER, [root.commit_hash]) == set()
        assert uow.commits.tract_ids() == [TRACT]
    assert root.message == "" and root.created_at.tzinfo is not None
    rows = dict(
        (r[0], r[1:])
        for r in raw(
            store,
            "SELECT commit_hash, CAST(operation AS VARCHAR(6)), CAST(metadata_json AS TEXT), "
            "CAST(generation_config_json AS TEXT), message FROM commits",
        )
    )
    assert rows[root.commit_hash] == ("APPEND", "null", "null", "")  # JSON null, not SQL NULL
    assert rows[edit.commit_hash][0] == "EDIT"
    assert json.loads(rows[child.commit_hash][2]) == gen
    if store.engine.dialect.name == "sqlite":
        [(stamp,)] = raw(
            store, "SELECT created_at FROM commits WHERE commit_hash = :h", h=root.commit_hash
        )
        assert stamp == "2026-02-20 10:15:30.004512"


def test_merge_parents(store: Store) -> None:
    with store.write() as uow:
        base = add_commit(uow, "base", None, T0)
        ours = add_commit(uow, "ours", base, at(1))
        theirs = add_commit(uow, "theirs", base, at(2))
        extra = add_commit(uow, "extra", base, at(3))
        merge = add_commit(uow, "merge", ours, at(4), merge=[ours, theirs, extra])
    with store.read() as uow:
        assert uow.parents.parents_of([merge.commit_hash, ours.commit_hash]) == {
            merge.commit_hash: (ours.commit_hash, theirs.commit_hash, extra.commit_hash)
        }
        assert uow.parents.merges_with_parent(theirs.commit_hash) == [merge.commit_hash]
        assert uow.parents.merges_with_parent(base.commit_hash) == []
        assert uow.commits.children(theirs.commit_hash) == [merge.commit_hash]
        assert uow.commits.children(base.commit_hash) == sorted(
            [ours.commit_hash, theirs.commit_hash, extra.commit_hash]
        )
        assert uow.commits.children(merge.commit_hash) == []
    positions = raw(
        store,
        "SELECT parent_hash, position FROM commit_parents WHERE commit_hash = :h ORDER BY position",
        h=merge.commit_hash,
    )
    assert positions == [(ours.commit_hash, 0), (theirs.commit_hash, 1), (extra.commit_hash, 2)]


# --- refs ---------------------------------------------------------------------------------


def test_refs_direct_symbolic_head_state_and_delete(store: Store) -> None:
    with store.write() as uow:
        c1 = add_commit(uow, "one", None, T0)
        c2 = add_commit(uow, "two", c1, at(1))
        assert uow.refs.head_state(TRACT)[:2] == (None, None)  # empty tract: no HEAD row
        uow.refs.set_direct(TRACT, "refs/heads/main", c1.commit_hash)
        uow.refs.set_symbolic(TRACT, "HEAD", "refs/heads/main")
    with store.read() as uow:
        head, resolved = uow.refs.head_state(TRACT)[:2]
        assert head == RefInfo(TRACT, "HEAD", None, "refs/heads/main")
        assert resolved == c1.commit_hash
    with store.write() as uow:
        uow.refs.set_direct(TRACT, "refs/heads/main", c2.commit_hash)  # the branch moves
        assert uow.refs.head_state(TRACT)[1] == c2.commit_hash
        uow.refs.set_symbolic(TRACT, "HEAD", "refs/heads/unborn")  # attached, no branch row
        head, resolved = uow.refs.head_state(TRACT)[:2]
        assert head.symbolic_target == "refs/heads/unborn" and resolved is None
        uow.refs.set_direct(TRACT, "HEAD", c1.commit_hash)  # detached
        uow.refs.set_direct(TRACT, "ORIG_HEAD", c2.commit_hash)
        uow.refs.set_symbolic(TRACT, "PREV_BRANCH", "refs/heads/main")
        uow.refs.set_direct(OTHER, "refs/heads/main", c1.commit_hash)
    with store.read() as uow:
        assert uow.refs.head_state(TRACT)[:2] == (
            RefInfo(TRACT, "HEAD", c1.commit_hash, None),
            c1.commit_hash,
        )
        assert uow.refs.head_state(OTHER)[:2] == (None, None)
        assert uow.refs.get(TRACT, "PREV_BRANCH") == RefInfo(
            TRACT, "PREV_BRANCH", None, "refs/heads/main"
        )
        assert uow.refs.get(TRACT, "refs/heads/nope") is None
        assert [r.ref_name for r in uow.refs.list(TRACT)] == [
            "HEAD",
            "ORIG_HEAD",
            "PREV_BRANCH",
            "refs/heads/main",
        ]
        assert uow.commits.tract_ids() == sorted([TRACT, OTHER])
    # Detaching cleared the symbolic target in the row itself.
    assert raw(
        store,
        "SELECT commit_hash, symbolic_target FROM refs WHERE tract_id = :t AND ref_name = 'HEAD'",
        t=TRACT,
    ) == [(c1.commit_hash, None)]
    with store.write() as uow:
        assert uow.refs.delete(TRACT, "PREV_BRANCH") is True
        assert uow.refs.delete(TRACT, "PREV_BRANCH") is False
        # HEAD (TRACT), refs/heads/main (OTHER) point at c1.
        assert uow.refs.delete_pointing_at([c1.commit_hash]) == 2
    with store.read() as uow:
        assert [r.ref_name for r in uow.refs.list(TRACT)] == ["ORIG_HEAD", "refs/heads/main"]
        assert uow.refs.list(OTHER) == []


# --- annotations --------------------------------------------------------------------------


def test_annotations_history_and_in_force(store: Store) -> None:
    with store.write() as uow:
        x = add_commit(uow, "x", None, T0)
        y = add_commit(uow, "y", x, at(1))
        # Written out of time order: history is by created_at, then id.
        a_pin = uow.annotations.add(TRACT, x.commit_hash, Priority.PINNED, "keep", at(30))
        a_skip = uow.annotations.add(TRACT, x.commit_hash, Priority.SKIP, "noise", at(10))
        a_norm = uow.annotations.add(TRACT, x.commit_hash, Priority.NORMAL, None, at(20))
        # Two at the same instant on y: the higher id is in force.
        y_first = uow.annotations.add(TRACT, y.commit_hash, Priority.PINNED, "a", at(40))
        y_second = uow.annotations.add(TRACT, y.commit_hash, Priority.SKIP, "b", at(40))
    assert a_pin.id < a_skip.id < a_norm.id < y_first.id < y_second.id
    with store.read() as uow:
        history = uow.annotations.history(x.commit_hash)
        assert [a.id for a in history] == [a_skip.id, a_norm.id, a_pin.id]
        assert history[0] == a_skip
        assert history[0].created_at == at(10)
        now = uow.annotations.in_force([x.commit_hash, y.commit_hash, "0" * 64])
        assert now == {x.commit_hash: a_pin, y.commit_hash: y_second}
        assert uow.annotations.in_force([x.commit_hash], at(25)) == {x.commit_hash: a_norm}
        assert uow.annotations.in_force([x.commit_hash], at(10)) == {x.commit_hash: a_skip}
        assert uow.annotations.in_force([x.commit_hash], at(5)) == {}
        assert uow.annotations.in_force_for_tract(TRACT) == now
        assert uow.annotations.in_force_for_tract(TRACT, at(25)) == {x.commit_hash: a_norm}
        assert uow.annotations.in_force_for_tract(OTHER) == {}
        assert uow.annotations.max_id(TRACT) == y_second.id
        assert uow.annotations.max_id(OTHER) == 0
        assert [a.id for a in uow.annotations.since(TRACT, a_norm.id)] == [y_first.id, y_second.id]
    stored = raw(store, "SELECT CAST(priority AS VARCHAR(6)) FROM annotations")
    assert sorted(r[0] for r in stored) == ["NORMAL", "PINNED", "PINNED", "SKIP", "SKIP"]
    with store.write() as uow:
        assert uow.annotations.delete_for([x.commit_hash]) == 3
    with store.read() as uow:
        assert uow.annotations.history(x.commit_hash) == []
        assert uow.annotations.in_force([y.commit_hash]) == {y.commit_hash: y_second}


# --- operation events ---------------------------------------------------------------------


def _ordered_not_sorted(items: list[CommitInfo]) -> tuple[str, ...]:
    """The hashes in an order that is not their sorted order (so order must be stored)."""
    hashes = sorted(c.commit_hash for c in items)
    return tuple(reversed(hashes))


def test_events_keep_their_ordered_sources_and_results(store: Store) -> None:
    with store.write() as uow:
        chain = [add_commit(uow, f"m{i}", None, at(i)) for i in range(5)]
        s1, s2 = add_commit(uow, "sum1", None, at(10)), add_commit(uow, "sum2", None, at(11))
        sources = _ordered_not_sorted(chain[:4])
        results = _ordered_not_sorted([s1, s2])
        compress = OperationEvent(
            "e" * 32,
            TRACT,
            "compress",
            "main",
            at(20),
            1727,
            90,
            {"target_tokens": 500, "instructions": None},
            sources,
            results,
        )
        reorg = OperationEvent(
            "f" * 32,
            TRACT,
            "reorganize",
            "main",
            at(30),
            0,
            0,
            {"target_branch": "feature"},
            (chain[4].commit_hash,),
            (chain[0].commit_hash,),
        )
        other = OperationEvent("a" * 32, OTHER, "import", None, at(40), 0, 0, None, (), ())
        for event in (compress, reorg, other):
            uow.events.add(event)
    with store.read() as uow:
        assert uow.events.get(compress.event_id) == compress
        assert uow.events.get("0" * 32) is None
        assert uow.events.list(TRACT) == [reorg, compress]  # newest first
        assert uow.events.list(TRACT, limit=1, offset=1) == [compress]
        assert uow.events.count(TRACT) == 2 and uow.events.count(OTHER) == 1
        assert uow.events.list(OTHER) == [other]
        links = uow.events.for_commits([chain[0].commit_hash, s1.commit_hash])
        assert sorted(links[chain[0].commit_hash]) == sorted(
            [(compress.event_id, "source"), (reorg.event_id, "result")]
        )
        assert links[s1.commit_hash] == [(compress.event_id, "result")]
        assert uow.events.referenced_commits(TRACT, "result") == {
            s1.commit_hash,
            s2.commit_hash,
            chain[0].commit_hash,
        }
        assert uow.events.referenced_commits(OTHER) == set()
        assert len(uow.events.referenced_commits()) == 7
    stored = raw(
        store,
        "SELECT commit_hash, role, position FROM operation_commits "
        "WHERE event_id = :e ORDER BY role, position",
        e=compress.event_id,
    )
    assert stored == [(h, "result", i) for i, h in enumerate(results)] + [
        (h, "source", i) for i, h in enumerate(sources)
    ]
    with store.write() as uow:
        uow.events.unlink_commits([chain[4].commit_hash, chain[0].commit_hash])
        assert uow.events.delete_empty() == 2  # reorganize lost its links; import had none
    with store.read() as uow:
        assert [e.event_id for e in uow.events.list(TRACT)] == [compress.event_id]
        left = uow.events.get(compress.event_id)
        assert left.sources == tuple(h for h in sources if h != chain[0].commit_hash)
        assert left.results == results


# --- compile records ----------------------------------------------------------------------


def test_compile_records_keep_their_ordered_effectives(store: Store) -> None:
    with store.write() as uow:
        commits = [add_commit(uow, f"c{i}", None, at(i)) for i in range(4)]
        effectives = _ordered_not_sorted(commits)
        old = CompileRecord(
            "1" * 32,
            TRACT,
            commits[0].commit_hash,
            120,
            1,
            "tiktoken:cl100k_base",
            None,
            at(10),
            (commits[0].commit_hash,),
        )
        new = CompileRecord(
            "2" * 32,
            TRACT,
            commits[3].commit_hash,
            480,
            4,
            "api:400+80",
            {"strategy": "full"},
            at(20),
            effectives,
        )
        empty = CompileRecord("3" * 32, OTHER, "", 0, 0, "", None, at(30), ())
        for record in (old, new, empty):
            uow.records.add(record)
    with store.read() as uow:
        assert uow.records.get(new.record_id) == new
        assert uow.records.get(empty.record_id) == empty  # '' head: no FK on head_hash
        assert uow.records.get("9" * 32) is None
        listed = uow.records.list(TRACT)
        assert [r.record_id for r in listed] == [new.record_id, old.record_id]
        assert all(r.effectives == () for r in listed)
        assert uow.records.list(TRACT, limit=1, offset=1)[0].record_id == old.record_id
        assert uow.records.count(TRACT) == 2
        using = uow.records.records_using([commits[0].commit_hash, commits[1].commit_hash])
        assert sorted(using[commits[0].commit_hash]) == [old.record_id, new.record_id]
        assert using[commits[1].commit_hash] == [new.record_id]
        assert uow.records.referenced_commits() == {c.commit_hash for c in commits}
    assert raw(
        store,
        "SELECT CAST(params_json AS TEXT) FROM compile_records WHERE record_id = :r",
        r=old.record_id,
    ) == [("null",)]
    with store.write() as uow:
        assert uow.records.delete_older_than(TRACT, at(15)) == 1
    with store.read() as uow:
        assert uow.records.get(old.record_id) is None
        assert uow.records.get(new.record_id) == new
        assert uow.records.get(empty.record_id) == empty
    assert raw(
        store, "SELECT COUNT(*) FROM compile_effectives WHERE record_id = :r", r=old.record_id
    ) == [(0,)]


# --- spawn pointers and meta --------------------------------------------------------------


def test_spawn_pointers(store: Store) -> None:
    with store.write() as uow:
        c = add_commit(uow, "parent head", None, T0)
        p = uow.spawns.add(
            SpawnPointer(
                0, TRACT, c.commit_hash, OTHER, "research", "head_snapshot", "researcher", at(1)
            )
        )
        q = uow.spawns.add(
            SpawnPointer(0, TRACT, None, "c" * 32, "scratch", "full_clone", None, at(2))
        )
    assert p.id > 0 and q.id > p.id
    with store.read() as uow:
        assert uow.spawns.all() == [p, q]
        assert uow.spawns.for_child(OTHER) == p
        assert uow.spawns.for_child("nobody") is None
    with pytest.raises(IntegrityError), store.write() as uow:  # a child has one parent
        uow.spawns.add(SpawnPointer(0, "x" * 32, None, OTHER, "again", "selective", None, at(3)))
    with store.read() as uow:
        assert uow.spawns.all() == [p, q]


def test_meta(store: Store) -> None:
    with store.read() as uow:
        assert uow.meta.get("schema_version") == "6"
        assert uow.meta.get("tract_tui.nothing") is None
    with store.write() as uow:
        uow.meta.set("tract_tui.ui", json.dumps({"theme": "dark"}))
        uow.meta.set("tract_tui.ui", json.dumps({"theme": "light"}))  # upsert
        uow.meta.set("policy_config", "{}")
    with store.read() as uow:
        assert uow.meta.all() == {
            "schema_version": "6",
            "tract_tui.ui": '{"theme": "light"}',
            "policy_config": "{}",
        }


# --- walks --------------------------------------------------------------------------------

CHAIN = 2000


def test_first_parent_walks_on_a_long_chain(store: Store) -> None:
    payloads = [payload_of(f"turn {i % 7}", "user" if i % 2 else "assistant") for i in range(7)]
    with store.write() as uow:
        built: list[CommitInfo] = []
        parent = None
        for i in range(CHAIN):
            parent = add_commit(uow, "", parent, at(i), payload=payloads[i % 7])
            built.append(parent)
    newest_first = [c.commit_hash for c in reversed(built)]
    head = newest_first[0]
    with store.read() as uow:
        assert uow.commits.first_parent_hashes(head) == newest_first
        assert uow.commits.first_parent_hashes(head, limit=10) == newest_first[:10]
        assert uow.commits.first_parent_hashes(head, limit=1) == [head]
        assert uow.commits.first_parent_hashes(newest_first[-3]) == newest_first[-3:]
        assert uow.commits.first_parent_hashes("0" * 64) == []
        full = uow.commits.first_parent_chain(head)
        assert full == list(reversed(built))
        assert [c.commit_hash for c in uow.commits.first_parent_chain(head, limit=5)] == (
            newest_first[:5]
        )
        stopped = uow.commits.first_parent_chain(head, stop_at={newest_first[500]})
        assert [c.commit_hash for c in stopped] == newest_first[:500]
        both = uow.commits.first_parent_chain(head, limit=100, stop_at=[newest_first[50]])
        assert [c.commit_hash for c in both] == newest_first[:50]
        assert uow.commits.first_parent_chain(head, stop_at=[head]) == []
        assert uow.commits.ancestors([head]) == set(newest_first)
        assert uow.commits.is_ancestor(newest_first[-1], head)
        assert not uow.commits.is_ancestor(head, newest_first[-1])
        batches = list(uow.commits.iter_all(TRACT, batch=300))
        assert [len(b) for b in batches] == [300] * 6 + [200]
        assert [c for b in batches for c in b] == built


def test_whole_walks_follow_a_chain_out_of_its_tract_and_stop_at_a_cycle(store: Store) -> None:
    """A whole walk reads its tract's pairs at once; a parent in another tract (a clone that
    kept an original parent hash) is followed step by step, and a stored cycle ends it."""
    other = "f" * 32
    with store.write() as uow:
        a = add_commit(uow, "a", None, at(0), tract=other)
        b = add_commit(uow, "b", a, at(1), tract=other)
        c = add_commit(uow, "c", b, at(2))  # TRACT, parent in the other tract
        d = add_commit(uow, "d", c, at(3))
    with store.read() as uow:
        assert uow.commits.first_parent_hashes(d.commit_hash) == [
            d.commit_hash,
            c.commit_hash,
            b.commit_hash,
            a.commit_hash,
        ]
        assert uow.commits.first_parent_hashes(d.commit_hash, limit=3) == [
            d.commit_hash,
            c.commit_hash,
            b.commit_hash,
        ]
    with store.write() as uow:  # corrupt on purpose: a's parent becomes d (a cycle)
        uow.conn.execute(
            text("UPDATE commits SET parent_hash = :d WHERE commit_hash = :a"),
            {"d": d.commit_hash, "a": a.commit_hash},
        )
    with store.read() as uow:
        walk = uow.commits.first_parent_hashes(d.commit_hash)
        assert walk == [d.commit_hash, c.commit_hash, b.commit_hash, a.commit_hash]


def test_ancestors_over_both_parent_kinds_through_nested_merges(store: Store) -> None:
    r"""
    r ─ a1 ─ a2 ─────────── m2 ─ top ─ oct (octopus: top, d, c1)
          └─ b1 ─ m1 ──────┘             /   /
             └─ c1 ┘                    d   │
    r ─ d ──────────────────────────────┘   │
    c1 ─────────────────────────────────────┘
    """
    with store.write() as uow:
        r = add_commit(uow, "r", None, T0)
        a1 = add_commit(uow, "a1", r, at(1))
        a2 = add_commit(uow, "a2", a1, at(2))
        b1 = add_commit(uow, "b1", a1, at(3))
        c1 = add_commit(uow, "c1", b1, at(4))
        m1 = add_commit(uow, "m1", b1, at(5), merge=[b1, c1])
        m2 = add_commit(uow, "m2", a2, at(6), merge=[a2, m1])
        top = add_commit(uow, "top", m2, at(7))
        d = add_commit(uow, "d", r, at(8))
        octo = add_commit(uow, "oct", top, at(9), merge=[top, d, c1])
        stray = add_commit(uow, "stray", None, at(10))
    h = {name: c.commit_hash for name, c in locals().items() if isinstance(c, CommitInfo)}
    with store.read() as uow:
        mainline = {h["top"], h["m2"], h["a2"], h["a1"], h["r"]}
        assert uow.commits.ancestors([h["top"]]) == mainline | {h["m1"], h["b1"], h["c1"]}
        assert uow.commits.ancestors([h["top"]], merge_parents=False) == mainline
        assert uow.commits.ancestors([h["m1"]]) == {h["m1"], h["b1"], h["c1"], h["a1"], h["r"]}
        everything = set(h.values()) - {h["stray"]}
        assert uow.commits.ancestors([h["octo"]]) == everything
        assert uow.commits.ancestors([h["d"], h["stray"]]) == {h["d"], h["r"], h["stray"]}
        assert uow.commits.ancestors([]) == set()
        assert uow.commits.is_ancestor(h["c1"], h["top"])
        assert uow.commits.is_ancestor(h["d"], h["octo"])
        assert not uow.commits.is_ancestor(h["d"], h["top"])
        assert uow.commits.is_ancestor(h["top"], h["top"])
        assert uow.commits.children(h["a1"]) == sorted([h["a2"], h["b1"]])
        assert uow.commits.children(h["c1"]) == sorted([h["m1"], h["octo"]])
        assert uow.commits.children(h["b1"]) == sorted([h["c1"], h["m1"]])
        assert uow.commits.children(h["top"]) == [h["octo"]]


def test_edits_of(store: Store) -> None:
    with store.write() as uow:
        x = add_commit(uow, "x", None, T0)
        y = add_commit(uow, "y", x, at(1))
        e2 = add_commit(uow, "x v3", y, at(3), edit=x)
        e1 = add_commit(uow, "x v2", e2, at(2), edit=x)  # older, although written later
        reply = add_commit(uow, "re: y", e1, at(4), response_to=y)  # APPEND with response_to
    with store.read() as uow:
        assert uow.commits.edits_of([x.commit_hash, y.commit_hash, "0" * 64]) == {
            x.commit_hash: [e1, e2]
        }
        assert uow.commits.get(reply.commit_hash).response_to == y.commit_hash


def test_by_prefix(store: Store) -> None:
    with store.write() as uow:
        mine = [add_commit(uow, f"m{i}", None, at(i)).commit_hash for i in range(40)]
        theirs = [
            add_commit(uow, f"o{i}", None, at(100 + i), tract=OTHER).commit_hash for i in range(40)
        ]
    target = mine[7]
    with store.read() as uow:
        assert uow.commits.by_prefix(TRACT, target[:12]) == [target]
        assert uow.commits.by_prefix(TRACT, target[:12].upper()) == [target]
        assert uow.commits.by_prefix(TRACT, target) == [target]
        assert uow.commits.by_prefix(OTHER, target[:12]) == []
        first = target[0]
        expected = sorted(h for h in mine if h.startswith(first))
        assert uow.commits.by_prefix(TRACT, first) == expected
        assert uow.commits.by_prefix(TRACT, first, limit=1) == expected[:1]
        assert uow.commits.by_prefix(OTHER, first) == sorted(
            h for h in theirs if h.startswith(first)
        )
        assert uow.commits.by_prefix(TRACT, "ffffffffffffffff") == []


def test_iter_all_batches_through_equal_timestamps(store: Store) -> None:
    with store.write() as uow:
        made: list[CommitInfo] = []
        for i in range(9):
            when = at(i // 3)  # three commits per instant, across two tracts
            tract = TRACT if i % 2 else OTHER
            made.append(add_commit(uow, f"t{i}", None, when, tract=tract))
    expected = sorted(made, key=lambda c: (c.created_at, c.commit_hash))
    with store.read() as uow:
        for size in (1, 2, 3, 4, 100):
            batches = list(uow.commits.iter_all(batch=size))
            assert all(0 < len(b) <= size for b in batches)
            assert [c for b in batches for c in b] == expected, size
        mine = [c for b in uow.commits.iter_all(TRACT, batch=2) for c in b]
        assert mine == [c for c in expected if c.tract_id == TRACT]
        assert list(uow.commits.iter_all("nobody")) == []


def test_delete_many_nulls_children_and_edit_targets(store: Store) -> None:
    with store.write() as uow:
        r = add_commit(uow, "r", None, T0)
        a = add_commit(uow, "a", r, at(1))
        b = add_commit(uow, "b", a, at(2))
        c = add_commit(uow, "c", b, at(3))
        e = add_commit(uow, "a'", c, at(4), edit=a)
        other = add_commit(uow, "o", None, at(5), tract=OTHER)
        uow.spawns.add(
            SpawnPointer(0, TRACT, a.commit_hash, OTHER, "p", "head_snapshot", None, at(6))
        )
    with store.write() as uow:
        uow.commits.delete_many([a.commit_hash, b.commit_hash])
    with store.read() as uow:
        assert uow.commits.get(a.commit_hash) is None and uow.commits.get(b.commit_hash) is None
        assert uow.commits.get(c.commit_hash).parent_hash is None  # child of a deleted commit
        assert uow.commits.get(e.commit_hash).response_to is None  # its edit target is gone
        assert uow.commits.get(e.commit_hash).parent_hash == c.commit_hash
        assert uow.commits.get(r.commit_hash) == r
        assert uow.commits.get(other.commit_hash) == other
        assert uow.spawns.for_child(OTHER).parent_commit_hash is None
        assert uow.commits.count(TRACT) == 3
    with store.write() as uow:
        uow.commits.set_parent(c.commit_hash, r.commit_hash)
    with store.read() as uow:
        assert uow.commits.first_parent_hashes(e.commit_hash) == [
            e.commit_hash,
            c.commit_hash,
            r.commit_hash,
        ]


def test_savepoint_rolls_back_only_its_own_work(store: Store) -> None:
    with store.write() as uow:
        kept = add_commit(uow, "kept", None, T0)
        with pytest.raises(IntegrityError), uow.savepoint():
            add_commit(uow, "dropped", None, at(1))
            uow.commits.insert(kept)  # duplicate primary key
        assert uow.commits.count(TRACT) == 1
    with store.read() as uow:
        assert [c for b in uow.commits.iter_all(TRACT) for c in b] == [kept]
