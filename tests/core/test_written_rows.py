"""An append hands its commit to the compiler as a compile would read it back, so the next
compile extends its snapshot without reading the new commits (the agent turn's fast path).

Checked on random appends (every built-in type, names, metadata, generation configs, edits,
repeated blobs, long and non-ASCII text), interleaved with compiles, annotations and another
writer on the same tract: the written row equals the stored row value for value, and every
compile equals a compile from scratch.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

from core import Priority, Tract, create_tract
from core.models import content as c

TEXTS = st.sampled_from(
    ["ok", "hello", "é ☃ 漢字", "[b]markup[/b]", "line\nbreak", "x" * 700, "Step 1: run tests"]
)
NAMES = st.none() | st.sampled_from(["bob", "tool-runner"])
JSONS = st.none() | st.fixed_dictionaries(
    {"temperature": st.sampled_from([0, 0.5])}, optional={"ü": st.lists(st.integers(0, 3))}
)


@st.composite
def payloads(draw: st.DrawFn) -> dict[str, Any]:
    text = draw(TEXTS)
    kind = draw(st.sampled_from(["user", "assistant", "system", "tool", "reasoning", "output"]))
    if kind in ("user", "assistant"):
        return c.dialogue(kind, text, draw(NAMES))
    if kind == "system":
        return c.instruction(text)
    if kind == "tool":
        return c.tool_io("bash", draw(st.sampled_from(["call", "result"])), {"out": text})
    if kind == "reasoning":
        return c.reasoning(text)
    return c.output(text)


RUNS = itertools.count()
# A new store is tract-ai v6: IMPORTANT (v7+) is refused there.
V6_PRIORITIES = [p for p in Priority if p is not Priority.IMPORTANT]
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("append"), payloads(), JSONS, JSONS),
        st.tuples(st.just("edit"), TEXTS),
        st.tuples(st.just("annotate"), st.sampled_from(V6_PRIORITIES)),
        st.tuples(st.just("other writer"), TEXTS),
        st.tuples(st.just("compile")),
    ),
    min_size=1,
    max_size=25,
)


def check_written_rows(tract: Tract) -> None:
    """Every row the compiler holds from appends equals the stored one."""
    written = dict(tract.compiler._written)
    with tract.store.read() as uow:
        for commit_hash, row in written.items():
            stored = uow.commits.compile_chain(commit_hash, tract.compiler._cache_key, limit=1)
            assert stored and stored[0]._replace(message_tokens=None) == row._replace(
                message_tokens=None
            )
            # A count is written with a new blob only; without one the compiler counts.
            assert row.message_tokens in (None, stored[0].message_tokens)


def run_steps(target: str, steps: list[tuple[Any, ...]]) -> None:
    tract = create_tract(target)
    other = Tract(tract.store, tract.tract_id)  # its own compiler: its appends are not noted
    try:
        tract.system("You are terse.")
        tract.compile()
        for step in steps:
            kind = step[0]
            if kind == "append":
                _, payload, metadata, config = step
                tract.commit(payload, metadata=metadata, generation_config=config)
            elif kind == "edit":
                target_hash = tract.log(limit=None)[-1].commit_hash  # the instruction
                tract.edit(target_hash, c.instruction(step[1]))
            elif kind == "annotate":
                head = tract.head
                assert head is not None
                tract.annotate(head, step[1])
            elif kind == "other writer":
                other.user(step[1])
            compiled = tract.compile()
            scratch = Tract(tract.store, tract.tract_id).compile()
            assert compiled.to_dicts() == scratch.to_dicts()
            assert list(compiled.commit_hashes) == list(scratch.commit_hashes)
            assert compiled.token_count == scratch.token_count
            assert list(compiled.message_tokens) == list(scratch.message_tokens)
        check_written_rows(tract)
    finally:
        tract.close()


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=STEPS)
def test_written_rows_compile_like_stored_ones(
    store_url_factory: Callable[[str], str], steps: list[tuple[Any, ...]]
) -> None:
    run_steps(store_url_factory(f"written{next(RUNS)}.db"), steps)


def test_an_agent_turn_compiles_from_what_it_wrote(tmp_path: Any) -> None:
    tract = create_tract(tmp_path / "turns.db")
    try:
        tract.system("You are terse.")
        tract.compile()
        for i in range(5):
            user = tract.user(f"step {i}")
            reply = tract.assistant(f"done {i}")
            assert list(tract.compiler._written)[-2:] == [user.commit_hash, reply.commit_hash]
            compiled = tract.compile()
            assert [m["content"] for m in compiled.to_dicts()[-2:]] == [f"step {i}", f"done {i}"]
        check_written_rows(tract)
        with tract.batch():  # a batch may still roll back: nothing is noted inside one
            inside = tract.user("in a batch")
        assert inside.commit_hash not in tract.compiler._written
    finally:
        tract.close()
