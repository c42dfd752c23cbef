"""Acceptance scenarios of docs/behaviour.md §16 for commits, annotations, compile, refs and
branches (#1–16, #19–24, #41, #50)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core import CommitOperation, Priority, Tract, create_tract
from core.engine import hashing
from core.engine.clock import FrozenClock
from core.engine.tokens import count_messages, default_counter
from core.errors import (
    AmbiguousRefError,
    BranchError,
    CompileError,
    DetachedHeadError,
    EditTargetError,
    InvalidBranchNameError,
    NotFoundError,
    UnmergedBranchError,
)
from core.models import content as c
from tests.conftest import sql_rows

START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def tract(store_target: str) -> Tract:
    t = create_tract(store_target, clock=FrozenClock(START))
    yield t
    t.close()


def test_01_empty_tract(tract: Tract) -> None:
    compiled = tract.compile()
    assert (len(compiled.messages), compiled.token_count, compiled.commit_count) == (0, 0, 0)
    assert tract.log() == []
    state = tract.head_state()
    assert state.commit is None and not state.detached


def test_02_instruction_then_user(tract: Tract) -> None:
    tract.system("Be brief.")
    tract.user("Hello")
    assert [(m.role, m.content) for m in tract.compile().messages] == [
        ("system", "Be brief."),
        ("user", "Hello"),
    ]


def test_03_first_commit_attaches_head_to_main(tract: Tract, store_target: str) -> None:
    first = tract.user("hi")
    assert tract.current_branch == "main" and tract.head == first.commit_hash
    refs = dict(
        (
            (n, (h, s))
            for n, h, s in sql_rows(
                store_target, "SELECT ref_name, commit_hash, symbolic_target FROM refs"
            )
        )
    )
    assert refs["HEAD"] == (None, "refs/heads/main")
    assert refs["refs/heads/main"] == (first.commit_hash, None)


def test_04_identical_content_one_blob_two_commits(tract: Tract, store_target: str) -> None:
    a = tract.user("same")
    b = tract.user("same")
    assert a.content_hash == b.content_hash and a.commit_hash != b.commit_hash
    assert sql_rows(store_target, "SELECT count(*) FROM blobs")[0][0] == 1


def test_05_commit_hash_is_deterministic(tract: Tract) -> None:
    info = tract.user("x", metadata={"k": 1}, generation_config={"model": "m"})
    again = hashing.commit_hash(
        content_hash=info.content_hash,
        parent_hash=None,
        content_type="dialogue",
        operation=CommitOperation.APPEND,
        created_at=info.created_at,
    )
    assert again == info.commit_hash  # message, metadata, config not hashed
    assert hashing.content_hash({"b": 1, "a": 2}) == hashing.content_hash({"a": 2, "b": 1})


def test_06_instruction_auto_pinned_once(tract: Tract) -> None:
    sys_commit = tract.system("rules")
    user_commit = tract.user("hi")
    history = tract.annotations(sys_commit.commit_hash)
    assert [(a.priority, a.reason) for a in history] == [
        (Priority.PINNED, "Default priority for instruction")
    ]
    assert history[0].created_at == sys_commit.created_at
    assert tract.annotations(user_commit.commit_hash) == []


def test_07_bad_edits_rejected_and_nothing_written(tract: Tract, store_target: str) -> None:
    base = tract.user("original")
    edit = tract.edit(base.commit_hash, c.dialogue("user", "changed"))
    counts = sql_rows(
        store_target, "SELECT (SELECT count(*) FROM blobs), (SELECT count(*) FROM commits)"
    )
    for kwargs in (
        {"response_to": None},
        {"response_to": "f" * 64},
        {"response_to": edit.commit_hash},
    ):
        with pytest.raises(EditTargetError):
            tract.commit(
                c.dialogue("user", "new text never stored"), CommitOperation.EDIT, **kwargs
            )
    assert (
        sql_rows(
            store_target,
            "SELECT (SELECT count(*) FROM blobs), (SELECT count(*) FROM commits)",
        )
        == counts
    )


def test_08_09_edits_show_at_target_position_newest_wins(tract: Tract) -> None:
    a = tract.user("a")
    tract.assistant("b")
    tract.edit(a.commit_hash, c.dialogue("user", "a1"))
    compiled = tract.compile()
    assert [m.content for m in compiled.messages] == ["a1", "b"]
    assert compiled.commit_hashes[0] == a.commit_hash and compiled.commit_count == 2
    tagged = tract.compile(include_edit_annotations=True)
    assert tagged.messages[0].content == "a1 [edited]"
    tract.edit(a.commit_hash, c.dialogue("user", "a2"))
    assert [m.content for m in tract.compile().messages] == ["a2", "b"]


def test_10_11_skip_and_back(tract: Tract) -> None:
    a = tract.user("a")
    b = tract.user("b")
    tract.annotate(b.commit_hash, Priority.SKIP)
    assert [m.content for m in tract.compile().messages] == ["a"]
    tract.annotate(b.commit_hash, Priority.NORMAL)
    assert [m.content for m in tract.compile().messages] == ["a", "b"]
    assert [x.priority for x in tract.annotations(b.commit_hash)] == [
        Priority.SKIP,
        Priority.NORMAL,
    ]
    with pytest.raises(NotFoundError):
        tract.annotate("0" * 64, Priority.SKIP)
    del a


def test_12_time_travel(tract: Tract) -> None:
    a = tract.user("a")
    b = tract.user("b")
    tract.annotate(a.commit_hash, Priority.SKIP)  # after b
    mid = tract.ctx.now()
    tract.edit(b.commit_hash, c.dialogue("user", "b edited"))
    tract.annotate(a.commit_hash, Priority.NORMAL)
    tract.user("c")
    # at b: as if b were HEAD — the later EDIT is not in its history; annotations are current
    assert [m.content for m in tract.compile(at=b.commit_hash).messages] == ["a", "b"]
    at_mid = tract.compile(at_time=mid)
    assert [m.content for m in at_mid.messages] == ["b"]  # the SKIP in force then; no edit yet
    with pytest.raises(CompileError):
        tract.compile(at=b.commit_hash, at_time=mid)
    with pytest.raises(NotFoundError):
        tract.compile(at="deadbeef" * 8)


def test_12_time_travel_uses_older_annotation_in_force(tract: Tract) -> None:
    """Defect §15.9: a newer annotation must not hide the older one in force at that time."""
    a = tract.user("a")
    tract.annotate(a.commit_hash, Priority.SKIP)
    then = tract.ctx.now()
    tract.annotate(a.commit_hash, Priority.NORMAL)
    assert tract.compile(at_time=then).messages == []


def test_13_14_tool_io_name_and_exports(tract: Tract) -> None:
    tract.system("sys one")
    tract.user("hi", name="bob")
    tract.commit(c.tool_io("search", "call", {"q": "x", "é": 1}, "success"))
    compiled = tract.compile()
    tool = compiled.messages[2]
    assert tool.role == "tool"
    assert tool.content == 'Tool call: search (success)\n{\n  "q": "x",\n  "\\u00e9": 1\n}'
    assert compiled.to_dicts()[1] == {"role": "user", "content": "hi", "name": "bob"}
    tract.system("sys two")
    anthropic = tract.compile().to_anthropic()
    assert anthropic["system"] == "sys one\n\nsys two"
    assert [m["role"] for m in anthropic["messages"]] == ["user", "tool"]
    assert anthropic["messages"][0]["name"] == "bob"


def test_15_token_formula(tract: Tract) -> None:
    counter = default_counter()
    tract.system("Be brief.")
    info = tract.user("Hello there", name="bob")
    compiled = tract.compile()
    assert compiled.token_count == count_messages(counter, compiled.to_dicts())
    expected = (
        3
        + counter.count_text("system")
        + counter.count_text("Be brief.")
        + 3
        + counter.count_text("user")
        + counter.count_text("Hello there")
        + counter.count_text("bob")
        + 1
        + 3
    )
    assert compiled.token_count == expected
    assert count_messages(counter, []) == 0
    assert info.token_count == counter.count_text("Hello there")
    assert compiled.token_source == "tiktoken:cl100k_base"


def test_16_cached_compile_equals_full(tract: Tract, store_target: str) -> None:
    for i in range(20):
        tract.user(f"u{i}")
        tract.assistant(f"a{i}", generation_config={"model": f"m{i}"})
        if i % 5 == 0:
            tract.edit(tract.log(limit=2)[1].commit_hash, c.dialogue("user", f"e{i}"))
        if i % 7 == 3:
            tract.annotate(tract.head or "", Priority.SKIP)
        cached = tract.compile()
        with Tract.open(store_target) as other:
            fresh = other.compile()
        assert list(cached.messages) == list(fresh.messages)
        assert cached.token_count == fresh.token_count
        assert list(cached.commit_hashes) == list(fresh.commit_hashes)
        assert list(cached.generation_configs) == list(fresh.generation_configs)


def test_16_lru_evicts_least_recently_used(tract: Tract) -> None:
    heads = []
    for i in range(12):
        heads.append(tract.user(f"m{i}").commit_hash)
        tract.compile(at=heads[-1])
    assert len(tract.compiler._cache) <= tract.compiler.cache_size


def test_19_auto_message(tract: Tract) -> None:
    short = tract.user("  hello\nworld  ")
    assert short.message == "dialogue: hello world"
    long = tract.user("x" * 200)
    assert long.message is not None and len(long.message) == 72 and long.message.endswith("...")
    empty = tract.user("", message="")
    assert empty.message == ""
    assert tract.commit(c.session("start", "s")).message == "session"


def test_20_ref_resolution(tract: Tract) -> None:
    commits = [tract.user(f"m{i}") for i in range(40)]
    target = commits[5].commit_hash
    assert tract.resolve(target) == target
    assert tract.resolve("main") == commits[-1].commit_hash
    assert tract.resolve(target[:12]) == target
    with pytest.raises(NotFoundError):
        tract.resolve(target[:3])  # shorter than 4 never resolves
    prefixes: dict[str, list[str]] = {}
    for info in commits:
        prefixes.setdefault(info.commit_hash[:1], []).append(info.commit_hash)
    shared = next(p for p, hs in prefixes.items() if len(hs) > 1)
    four = [h for h in prefixes[shared]]
    common = next(
        (a[:n] for a in four for b in four if a != b for n in range(4, 8) if a[:n] == b[:n]),
        None,
    )
    if common is not None:
        with pytest.raises(AmbiguousRefError) as info:
            tract.resolve(common)
        assert len(info.value.candidates) >= 2
    assert tract.resolve("HEAD~2") == commits[-3].commit_hash


def test_21_reset(tract: Tract) -> None:
    a = tract.user("a")
    b = tract.user("b")
    tract.reset(a.commit_hash)
    assert tract.current_branch == "main" and tract.head == a.commit_hash
    assert tract.resolve("ORIG_HEAD") == b.commit_hash
    c3 = tract.user("c")
    assert c3.parent_hash == a.commit_hash


def test_22_checkout_detaches_and_dash_returns(tract: Tract) -> None:
    a = tract.user("a")
    tract.user("b")
    tract.checkout(a.commit_hash)
    assert tract.is_detached and tract.head == a.commit_hash
    with pytest.raises(DetachedHeadError):
        tract.user("refused")
    tract.checkout("-")
    assert tract.current_branch == "main" and not tract.is_detached


def test_23_branch_creation_rules(tract: Tract) -> None:
    with pytest.raises(BranchError):
        tract.branch("early")  # no commits yet
    tract.user("a")
    tract.branch("feature")
    assert tract.current_branch == "feature"
    tract.branch("other", switch=False)
    assert tract.current_branch == "feature"
    with pytest.raises(BranchError):
        tract.branch("feature")
    for bad in ("a..b", "x.lock", "has space", "", "/lead", "trail/", "a//b", "q?", "t~1"):
        with pytest.raises(InvalidBranchNameError):
            tract.branch(bad)
    names = {b.name: b.current for b in tract.list_branches()}
    assert names == {"main": False, "feature": True, "other": False}


def test_24_delete_branch(tract: Tract) -> None:
    tract.user("a")
    tract.branch("done")
    tract.user("merged work")
    tract.switch("main")
    with pytest.raises(BranchError):
        tract.delete_branch("main")
    tract.branch("wip", switch=False)
    tract.switch("done")
    tract.user("more")
    tract.switch("main")
    with pytest.raises(UnmergedBranchError):
        tract.delete_branch("done")
    tract.delete_branch("done", force=True)
    tract.delete_branch("wip")  # its tip is HEAD's ancestor (the same commit)
    assert {b.name for b in tract.list_branches()} == {"main"}


def test_41_batch_is_all_or_nothing(tract: Tract) -> None:
    with tract.batch():
        for i in range(10):
            tract.user(f"m{i}")
    assert len(tract.compile().messages) == 10
    with pytest.raises(RuntimeError), tract.batch():
        for i in range(5):
            tract.user(f"lost {i}")
        raise RuntimeError("abort")
    assert len(tract.compile().messages) == 10


def test_50_schema_stays_v6_after_writes(tract: Tract, store_target: str, backend: str) -> None:
    tract.system("s")
    tract.user("u")
    db = store_target
    assert sql_rows(db, "SELECT value FROM _trace_meta WHERE key='schema_version'") == [("6",)]
    list_indexes = (
        "SELECT name FROM sqlite_master WHERE type='index'"
        if backend == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    indexes = {r[0] for r in sql_rows(db, list_indexes)}
    assert {
        "tract_tui_ix_commits_parent_hash",
        "tract_tui_ix_commit_parents_parent",
        "tract_tui_ix_compile_effectives_commit",
    } <= indexes
    ops = {r[0] for r in sql_rows(db, "SELECT CAST(operation AS TEXT) FROM commits")}
    assert ops == {"APPEND"}
    stamps = [r[0] for r in sql_rows(db, "SELECT created_at FROM commits")]
    if backend == "sqlite":
        assert all(len(s) == 26 and s[10] == " " for s in stamps)  # fixed text format
    else:  # timestamp without time zone, naive UTC
        assert all(isinstance(s, datetime) and s.tzinfo is None for s in stamps)
    meta = sql_rows(
        db,
        "SELECT CAST(metadata_json AS TEXT), CAST(generation_config_json AS TEXT) "
        "FROM commits LIMIT 1",
    )[0]
    assert meta == ("null", "null")  # JSON null, as tract-ai writes
    assert json.loads(sql_rows(db, "SELECT CAST(payload_json AS TEXT) FROM blobs LIMIT 1")[0][0])


def test_clock_never_goes_back(store_target: str) -> None:
    """A clock stepping back still gives children later times than their parents."""
    times = iter([START, START - timedelta(seconds=5), START - timedelta(seconds=10)])
    from core.engine.clock import Clock

    with create_tract(store_target, clock=Clock(lambda: next(times))) as t:
        a, b, c3 = t.user("a"), t.user("b"), t.user("c")
    assert a.created_at < b.created_at < c3.created_at


def test_12_time_travel_to_the_exact_time_of_a_commit(tract: Tract) -> None:
    """Issue 16 §2: ``at_time`` equal to a commit's ``created_at`` includes that commit (and an
    annotation made at that very time is in force); the next commit is after it."""
    a = tract.user("a")
    b = tract.user("b")
    tract.user("c")
    assert a.created_at < b.created_at
    exact = tract.compile(at_time=b.created_at)
    assert [m.content for m in exact.messages] == ["a", "b"]
    assert list(exact.commit_hashes) == [a.commit_hash, b.commit_hash]
    assert [m.content for m in tract.compile(at_time=a.created_at).messages] == ["a"]
    skip = tract.annotate(a.commit_hash, Priority.SKIP)
    assert [m.content for m in tract.compile(at_time=skip.created_at).messages] == [
        "b",
        "c",
    ]
