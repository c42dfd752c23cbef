"""An agent turn's compile reads nothing back when nothing but the tract's own appends changed
the store since its last read (``Tract._quiet``, ``Compiler.compile_known``). Every other
change — another connection or process, a sibling tract on the same store, an annotation,
a checkout, a rolled-back batch — must send the compile back to the store, and whichever
path it takes the compile equals one from scratch."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import Priority, Tract, create_tract
from core.models.compiled import CompiledContext
from core.storage.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "quiet.db"


@pytest.fixture
def tract(path: Path) -> Iterator[Tract]:
    t = create_tract(path)
    t.system("You are terse.")
    t.user("first")
    yield t
    t.close()


def shown(compiled: CompiledContext) -> tuple[Any, ...]:
    return (
        compiled.to_dicts(),
        list(compiled.commit_hashes),
        compiled.token_count,
        list(compiled.message_tokens),
        compiled.head_hash,
    )


def from_scratch(path: Path, tract_id: str | None = None) -> CompiledContext:
    with Store.open(path, readonly=True) as store:
        return Tract.open(store, tract_id).compile()


class Statements:
    """Counts the statements the tract's kept write connection runs."""

    def __init__(self, tract: Tract) -> None:
        hot = tract.store._hot
        assert hot is not None and hot._driver is not None
        self.driver: sqlite3.Connection = hot._driver
        self.seen: list[str] = []

    def __enter__(self) -> list[str]:
        self.driver.set_trace_callback(self.seen.append)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        self.driver.set_trace_callback(None)


def compile_reads(tract: Tract) -> tuple[CompiledContext, list[str]]:
    with Statements(tract) as seen:
        compiled = tract.compile()
    return compiled, [s for s in seen if s != "PRAGMA data_version"]


def test_an_agent_turn_compiles_without_reading(tract: Tract, path: Path) -> None:
    tract.compile()  # the read that the next turns build on
    for i in range(5):
        tract.user(f"question {i}")
        tract.assistant(f"answer {i}")
        compiled, reads = compile_reads(tract)
        assert reads == [], reads
        assert shown(compiled) == shown(from_scratch(path))
    # Compiling again with nothing new: still nothing read, the same context.
    again, reads = compile_reads(tract)
    assert reads == [] and shown(again) == shown(compiled)


def test_an_edit_is_applied_without_reading(tract: Tract, path: Path) -> None:
    target = tract.user("draft").commit_hash
    tract.compile()
    tract.edit(target, {"content_type": "dialogue", "role": "user", "text": "final"})
    compiled, reads = compile_reads(tract)
    assert reads == []
    assert shown(compiled) == shown(from_scratch(path))
    assert "final" in [d["content"] for d in compiled.to_dicts()]


def test_another_connection_appending_is_seen(tract: Tract, path: Path) -> None:
    tract.compile()
    tract.user("mine")
    with Tract.open(path) as other:
        other.user("theirs")
    compiled, reads = compile_reads(tract)
    assert reads, "a commit by another connection must be read"
    assert [d["content"] for d in compiled.to_dicts()][-2:] == ["mine", "theirs"]
    assert shown(compiled) == shown(from_scratch(path))
    # The next append builds on what the other connection wrote.
    tract.user("after")
    assert shown(tract.compile()) == shown(from_scratch(path))


def test_another_process_annotating_is_seen(tract: Tract, path: Path) -> None:
    skipped = tract.user("skip me").commit_hash
    tract.compile()
    tract.assistant("noted")
    code = (
        "import sys; from core import Tract, Priority\n"
        "with Tract.open(sys.argv[1]) as t: t.annotate(sys.argv[2], Priority.SKIP)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path), skipped], check=True, cwd=ROOT)
    compiled, reads = compile_reads(tract)
    assert reads
    assert skipped not in compiled.commit_hashes
    assert shown(compiled) == shown(from_scratch(path))


def test_a_change_elsewhere_before_an_append_is_still_seen(tract: Tract, path: Path) -> None:
    # The append that follows another writer's change must not vouch for the snapshot.
    skipped = tract.user("skip me").commit_hash
    tract.compile()
    with Tract.open(path) as other:
        other.annotate(skipped, Priority.SKIP)
    tract.assistant("noted")
    compiled = tract.compile()
    assert skipped not in compiled.commit_hashes
    assert shown(compiled) == shown(from_scratch(path))
    # The same through this store: a sibling tract's write, then an append here.
    first = tract.head
    assert first is not None
    sibling = tract.spawn("side task")
    tract.compile()
    sibling.user("elsewhere")
    tract.annotate(first, Priority.SKIP)
    tract.user("then mine")
    compiled = tract.compile()
    assert first not in compiled.commit_hashes
    assert shown(compiled) == shown(from_scratch(path, tract.tract_id))


def test_own_annotation_checkout_and_sibling_writes_are_seen(tract: Tract, path: Path) -> None:
    first = tract.head
    assert first is not None
    tract.compile()
    tract.annotate(first, Priority.SKIP)
    assert first not in tract.compile().commit_hashes
    # A sibling tract on the same store: its write is this store's, but not this tract's.
    sibling = tract.spawn("side task")
    tract.compile()
    tract.user("more")
    sibling.user("elsewhere")
    compiled, reads = compile_reads(tract)
    assert reads
    assert shown(compiled) == shown(from_scratch(path, tract.tract_id))
    assert "elsewhere" not in [d["content"] for d in compiled.to_dicts()]
    tract.branch("side")
    tract.checkout("side")
    tract.user("on side")
    tract.compile()
    tract.checkout("main")
    compiled = tract.compile()
    assert "on side" not in [d["content"] for d in compiled.to_dicts()]
    assert shown(compiled) == shown(from_scratch(path, tract.tract_id))


def test_an_instruction_pinned_on_append_is_read(tract: Tract, path: Path) -> None:
    tract.compile()
    tract.system("Also: cite files.")  # writes a PINNED annotation beside the commit
    compiled, reads = compile_reads(tract)
    assert reads
    assert shown(compiled) == shown(from_scratch(path))


def test_a_rolled_back_batch_leaves_nothing_behind(tract: Tract, path: Path) -> None:
    tract.compile()
    with pytest.raises(RuntimeError), tract.batch():
        tract.user("lost")
        raise RuntimeError("stop")
    tract.user("kept")
    compiled = tract.compile()
    assert "lost" not in [d["content"] for d in compiled.to_dicts()]
    assert shown(compiled) == shown(from_scratch(path))


def test_compiles_elsewhere_in_between(tract: Tract, path: Path) -> None:
    base = tract.compile().head_hash
    assert base is not None
    tract.user("one")
    old = tract.compile(at=base)  # another head's compile may move the cached snapshots
    tract.user("two")
    compiled = tract.compile()
    assert shown(compiled) == shown(from_scratch(path))
    assert old.head_hash == base


def test_more_appends_than_the_compiler_keeps(tract: Tract, path: Path) -> None:
    tract.compile()
    for i in range(100):  # beyond WRITTEN_KEPT: the chain back is read instead
        tract.user(f"m{i}")
    assert shown(tract.compile()) == shown(from_scratch(path))


def test_threads_appending_and_compiling_on_one_tract(tract: Tract, path: Path) -> None:
    # Two threads share the tract (and its kept connection) and a third writes through
    # another connection. Every context handed out must be what a compile of its own head
    # gives from scratch, and the last one must see everything.
    import threading

    tract.compile()
    seen: list[CompiledContext] = []
    errors: list[BaseException] = []

    def agent(name: str) -> None:
        try:
            for i in range(40):
                tract.user(f"{name} {i}")
                seen.append(tract.compile())
        except BaseException as exc:  # reported below, with the thread's own traceback
            errors.append(exc)

    def other() -> None:
        try:
            with Tract.open(path) as t:
                for i in range(10):
                    t.assistant(f"from elsewhere {i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=agent, args=(n,)) for n in ("a", "b")]
    threads.append(threading.Thread(target=other))
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    final = tract.compile()
    assert shown(final) == shown(from_scratch(path))
    assert len(final.commit_hashes) == 2 + 80 + 10
    with Store.open(path, readonly=True) as store:
        fresh = Tract.open(store)
        for compiled in seen:
            again = fresh.compile(at=compiled.head_hash)
            assert shown(compiled) == shown(again)
