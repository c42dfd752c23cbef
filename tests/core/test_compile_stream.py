"""A compile read once (``Tract.compile_stream``, what ``compile --json`` writes) gives what
``Tract.compile`` and ``Tract.blame`` give: the same context, the same messages in the same
order with the same tokens, the same blame for each, the same damaged commits, whatever size
the runs. Its snapshot is made from lean rows and not cached; the rows still compile alike."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from core import Tract, create_tract
from core.explain.blame import BULK
from core.models import content as c
from core.models.enums import Priority
from tests.core._tract_ai_layouts import shared_store
from tests.core.test_blame_merged import random_history


def expected(t: Tract) -> tuple[Any, list[tuple[Any, ...]], list[str]]:
    """What the kept compile and the whole-compile blame say, as the stream should."""
    compiled = t.compile()
    blame = t.blame(at=compiled.head_hash) if compiled.head_hash else ()
    messages = [
        (m.parts(), h, tokens, b)
        for m, h, tokens, b in zip(
            compiled.messages,
            compiled.commit_hashes,
            compiled.message_tokens,
            blame,
            strict=True,
        )
    ]
    pairs = zip(compiled.messages, compiled.commit_hashes, strict=True)
    damaged = [h for m, h in pairs if m.damaged]
    return _fields(compiled), messages, damaged


def _fields(compiled: Any) -> tuple[Any, ...]:
    return (
        compiled.head_hash,
        compiled.token_count,
        compiled.token_source,
        list(compiled.commit_hashes),
        list(compiled.message_tokens),
        list(compiled.content_types),
        [dict(g) if g else g for g in compiled.generation_configs],
        compiled.tools,
        compiled.tools_tokens,
    )


def streamed(t: Tract, size: int) -> tuple[Any, list[tuple[Any, ...]], list[str]]:
    fresh = Tract.open(t.store, t.tract_id)  # no cached snapshot: the stream's own load
    stream = fresh.compile_stream()
    messages = [
        (s.message.parts(), s.commit_hash, s.tokens, s.blame)
        for run in stream.runs(size)
        for s in run
    ]
    assert all(len(run) <= size for run in stream.runs(size))
    return _fields(stream.context), messages, stream.damaged


def assert_streams_alike(t: Tract) -> None:
    want = expected(t)
    for size in (1, 7, 256):
        assert streamed(t, size) == want


@pytest.mark.parametrize("seed", range(3))
def test_merge_histories(store_target: str, seed: int) -> None:
    t = random_history(store_target, seed)
    assert len(t.compile().commit_hashes) > BULK
    assert_streams_alike(t)
    t.close()


def test_edits_annotations_summaries_imports_and_collapses(
    store_target: str, tmp_path: Path
) -> None:
    t = create_tract(store_target)
    t.system("You are terse.")
    hashes = [t.user(f"question {i}").commit_hash for i in range(BULK + 6)]
    t.edit(hashes[3], c.dialogue("user", "question 3, edited"))
    t.edit(hashes[3], c.dialogue("user", "question 3, edited again"))
    t.annotate(hashes[4], Priority.SKIP, "noise")
    t.annotate(hashes[5], Priority.PINNED, "keep")
    t.compress(from_ref=hashes[6], to_ref=hashes[9], content="6 to 9 in short")
    transcript = tmp_path / "run.jsonl"
    transcript.write_text(
        json.dumps({"role": "user", "content": "imported question"})
        + "\n"
        + json.dumps({"role": "assistant", "content": "imported answer"})
        + "\n"
    )
    t.import_transcript(transcript)
    t.branch("side")
    for i in range(5):
        t.assistant(f"side {i}")
    t.switch("main")
    t.user("after the fork")
    t.merge("side", no_ff=True)
    t.commit(
        c.dialogue("assistant", "what the sub-agent found"),
        metadata={"collapse_source_tract_id": "f" * 32},
    )
    want = expected(t)
    kinds = {b.kind for *_, b in want[1]}
    assert {"edit", "summary", "imported", "merged", "collapsed", "typed"} <= kinds
    assert_streams_alike(t)
    t.close()


def test_a_tract_with_no_commits_and_a_ref(store_target: str) -> None:
    t = create_tract(store_target)
    stream = t.compile_stream()
    assert stream.damaged == [] and list(stream.runs()) == []
    assert stream.context.commit_count == 0 and stream.context.head_hash is None
    first = t.user("one").commit_hash
    t.user("two")
    stream = Tract.open(t.store, t.tract_id).compile_stream(at=first)
    (run,) = stream.runs()
    assert [s.commit_hash for s in run] == [first]
    assert run[0].blame is not None and run[0].blame.kind == "typed"
    stream = t.compile_stream(blame=False)
    assert [s.blame for run in stream.runs() for s in run] == [None, None]
    t.close()


def test_damaged_content_is_named_as_the_kept_compile_names_it(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    t = create_tract(path)
    for i in range(40):
        t.user(f"message {i % 10}")  # repeats: commits share blobs (and their damage)
    edited = t.user("to be edited").commit_hash
    t.edit(edited, c.dialogue("user", "the edit"))
    t.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    hashes = [r[0] for r in con.execute("SELECT content_hash FROM blobs ORDER BY rowid")]
    con.execute("DELETE FROM blobs WHERE content_hash = ?", (hashes[1],))  # missing
    con.execute("UPDATE blobs SET payload_json = '{not json' WHERE content_hash = ?", (hashes[2],))
    con.execute("UPDATE blobs SET payload_json = '[1, 2]' WHERE content_hash = ?", (hashes[3],))
    con.execute(  # the edit's own text
        "UPDATE blobs SET payload_json = 'null' WHERE content_hash = "
        "(SELECT content_hash FROM commits WHERE operation = 'EDIT')"
    )
    con.commit()
    con.close()
    with Tract.open(path) as t:
        want = expected(t)
        assert len(want[2]) == 3 * 4 + 1  # each damaged blob is shared by four commits
        assert_streams_alike(t)


def test_stores_tract_ai_wrote(tmp_path: Path) -> None:
    from core import Store

    for name in ("upstream_v13.db", "upstream_v5.db", "upstream_v3.db"):
        dest = shared_store(name, tmp_path / name)  # a copy (skips when ../shared is absent)
        with Store.open(dest, readonly=True) as store, store.read() as uow:
            tracts = list(uow.commits.tract_ids())
        with Store.open(dest, readonly=True) as store:
            for tract_id in tracts:
                assert_streams_alike(Tract.open(store, tract_id))


def test_lean_rows_keep_what_a_compile_read_once_needs(store_target: str) -> None:
    t = random_history(store_target, 7)
    target = t.user("to edit").commit_hash
    t.edit(target, c.dialogue("user", "edited"))
    with t.store.read() as uow:
        full = uow.commits.tract_compile_rows(t.tract_id, t.ctx.token_cache_key)
        lean = uow.commits.tract_compile_rows(t.tract_id, t.ctx.token_cache_key, lean=True)
    assert list(full) == list(lean)
    read_at = {h: i for i, h in enumerate(full)}  # the order the rows were read in
    shared = 0
    for h, row in full.items():
        thin = lean[h]
        known = row.message_tokens is not None
        assert thin.content_hash == ("" if known else row.content_hash)
        assert thin.created_at == (row.created_at if row.is_edit else None)
        assert thin._replace(content_hash=row.content_hash, created_at=row.created_at) == row
        # A parent read before its child lends it the parent's own hash string.
        if row.parent_hash in full and read_at[row.parent_hash] < read_at[h]:
            assert row.parent_hash is full[row.parent_hash].commit_hash
            assert lean[h].parent_hash is lean[row.parent_hash].commit_hash
            shared += 1
    assert shared > len(full) // 2
    assert any(r.is_edit and r.created_at is not None for r in lean.values())
    t.close()


@pytest.mark.parametrize("inheritance", ["head_snapshot", "full_clone"])
def test_a_spawned_tract_whose_history_starts_in_its_parent(
    store_target: str, inheritance: str
) -> None:
    t = create_tract(store_target)
    t.system("parent rules")
    for i in range(BULK):
        t.user(f"parent {i}")
    child = t.spawn("a side task", inheritance=inheritance)
    for i in range(5):
        child.assistant(f"child {i}")
    assert_streams_alike(child)
    assert_streams_alike(t)
    t.close()


def test_a_calibrated_compile_streams_with_its_calibration(store_target: str) -> None:
    t = create_tract(store_target)
    for i in range(BULK + 2):
        t.user(f"question {i}")
    t.record_usage({"prompt_tokens": 999, "completion_tokens": 5})
    kept = t.compile()
    assert kept.token_source.startswith("api:")
    stream = t.compile_stream()  # the same tract: the calibration is in memory
    assert _fields(stream.context) == _fields(kept)
    t.close()


def test_runs_read_nothing_once_the_stream_is_made(tmp_path: Path) -> None:
    """Everything blame needs is read when the stream is made (the CLI then writes without
    a read transaction open): the runs still give it all with the store closed — merges,
    copies whose originals are outside the compile and name a sub-agent's collapse."""
    from core import Store

    path = tmp_path / "s.db"
    t = create_tract(path)
    t.system("You are terse.")
    early = [t.user(f"early {i}").commit_hash for i in range(4)]
    for i in range(BULK):
        t.user(f"later {i}")
    original = t.commit(
        c.dialogue("assistant", "what the sub-agent found"),
        metadata={"collapse_source_tract_id": "f" * 32},
    ).commit_hash
    # Compressing the early range replays what follows: the collapse's copy is compiled,
    # its original (with the metadata) is not.
    t.compress(from_ref=early[0], to_ref=early[-1], content="early, in short")
    t.branch("side")
    t.assistant("on the side")
    t.switch("main")
    t.user("after the fork")
    t.merge("side", no_ff=True)
    want = expected(t)
    (collapsed,) = [b for *_, b in want[1] if b.kind == "collapsed"]
    # A copy: its original, whose metadata blame reads, is outside the compile.
    assert collapsed.commit_hash != original and original not in want[0][3]
    assert {"merged", "summary"} <= {b.kind for *_, b in want[1]}
    t.close()
    store = Store.open(path, readonly=True)
    stream = Tract.open(store).compile_stream()
    store.close()
    got = [(s.message.parts(), s.commit_hash, s.tokens, s.blame) for r in stream.runs(7) for s in r]
    assert got == want[1]
