"""The cold compile orders the commit graph in memory (``sequence_order``); the chain-walking
``build_sequence`` is the reference. On random DAGs — branches, merges of merges, octopus
merges, parents outside the history — both give the same order, and deep nesting does not
hit the recursion limit."""

from __future__ import annotations

from collections.abc import Sequence

import hypothesis.strategies as st
from hypothesis import given, settings

from core.engine.compile_order import build_sequence, sequence_order
from core.models.compiled import CompileRow


def _row(h: str, first: str | None, n_parents: int) -> CompileRow:
    return CompileRow(h, first, "", "dialogue", False, None, "", None, n_parents, None, None)


class Dag:
    """commit → (first parent, all parents when a merge); a SequenceLoader over it too."""

    def __init__(self, parents: dict[str, tuple[str, ...]]) -> None:
        self.parents = parents

    def parents_of(self, h: str) -> tuple[str | None, tuple[str, ...]] | None:
        found = self.parents.get(h)
        if found is None:
            return None
        return (found[0] if found else None), (found if len(found) >= 2 else ())

    def chain(self, head: str, limit: int | None) -> list[CompileRow]:
        out: list[CompileRow] = []
        seen: set[str] = set()
        current: str | None = head
        while current is not None and current in self.parents and current not in seen:
            if limit is not None and len(out) >= limit:
                break
            seen.add(current)
            ps = self.parents[current]
            out.append(_row(current, ps[0] if ps else None, len(ps) if len(ps) >= 2 else 0))
            current = ps[0] if ps else None
        return out

    def merge_parents(self, hashes: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return {h: self.parents[h] for h in hashes if len(self.parents.get(h, ())) >= 2}


@st.composite
def dags(draw: st.DrawFn) -> tuple[Dag, str]:
    n = draw(st.integers(1, 60))
    parents: dict[str, tuple[str, ...]] = {}
    for i in range(n):
        if i == 0:
            ps: tuple[str, ...] = ()
        else:
            earlier = st.integers(0, i - 1).map(lambda k: f"c{k}")
            first = draw(earlier)
            extra = draw(st.lists(earlier, max_size=3, unique=True))
            missing = draw(st.booleans()) and draw(st.integers(0, 9)) == 0
            ps = (first, *(e for e in extra if e != first))
            if missing:
                ps = (*ps, "gone")  # a merge parent that is not stored
        parents[f"c{i}"] = ps
    head = draw(st.integers(0, n - 1).map(lambda k: f"c{k}"))
    return Dag(parents), head


@settings(max_examples=400, deadline=None)
@given(dags())
def test_in_memory_order_equals_the_chain_walk(case: tuple[Dag, str]) -> None:
    dag, head = case
    reference = [r.commit_hash for r in build_sequence(head, dag)]
    assert sequence_order(head, dag.parents_of) == reference


def test_deeply_nested_merges_need_no_recursion() -> None:
    # a{k} merges b{k} (first) and a{k+1}: each merged branch holds the next merge, 5000 deep.
    depth = 5000
    parents: dict[str, tuple[str, ...]] = {"r": (), f"a{depth}": ("r",), "head": ("r", "a0")}
    for k in range(depth):
        parents[f"b{k}"] = ("r",)
        parents[f"a{k}"] = (f"b{k}", f"a{k + 1}")
    order = sequence_order("head", Dag(parents).parents_of)
    assert order[:3] == ["r", "b0", "b1"] and order[-3:] == ["a1", "a0", "head"]
    assert len(order) == len(parents)
