"""The graph model's rows without a Python object per row (``core.views.row_store``).

Normal ids (64 lowercase hex characters) are stored as 32-byte digests; any other id as it is.
Reading a row must give back exactly the string written, and the open-addressing index must
answer as a plain dict would, through growth, prepends and odd ids.
"""

from __future__ import annotations

import hashlib
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from core.views.graph import GraphMode, GraphModel, ScanRow
from core.views.row_store import RowStore, stored


def digest(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


ODD_IDS = [
    digest(1).upper(),  # uppercase hex: fromhex takes it, the round trip must not lowercase it
    digest(1)[:40],  # a short (sha-1 length) id
    digest(2)[:7],
    "",  # a NULL parent passed through
    "not-a-hash",
    "é" * 64,  # 64 characters, not hex
    " " + digest(3)[1:],  # 64 characters fromhex would read (it skips spaces)
    digest(4)[:62] + "0G",
    digest(5) + "0",  # 65 characters
]


def test_only_lowercase_hex_of_64_characters_is_stored_as_a_digest() -> None:
    assert stored(digest(1)) == bytes.fromhex(digest(1))
    for odd in ODD_IDS:
        assert stored(odd) is None, odd


def test_odd_ids_round_trip_exactly_as_rows_parents_and_lookups() -> None:
    normal = [digest(n) for n in range(10, 20)]
    ids = [*ODD_IDS, *normal, digest(1)]  # digest(1) beside its uppercase twin: two rows
    rows = RowStore()
    for i, h in enumerate(ids):
        parents = (ids[(i + 1) % len(ids)],) if i % 3 else tuple(ids[i + 1 : i + 3])
        rows.append(h, parents, unreachable=i % 2 == 0)
    for i, h in enumerate(ids):
        assert rows.hash_at(i) == h and type(rows.hash_at(i)) is str
        parents = (ids[(i + 1) % len(ids)],) if i % 3 else tuple(ids[i + 1 : i + 3])
        assert rows.parents_at(i) == parents
        assert rows.unreachable_at(i) is (i % 2 == 0)
        assert rows.key_of(h) == i
    assert rows.key_of(digest(2)) is None and rows.key_of(digest(1)[:39]) is None


def test_a_model_fed_odd_and_duplicate_ids_keeps_them_as_given() -> None:
    ids = [digest(1), digest(1).upper(), "abc", "", digest(7)[:40], digest(8)]
    page = [ScanRow(h, (ids[i + 1],) if i + 1 < len(ids) else (), i) for i, h in enumerate(ids)]
    model = GraphModel({ids[0]: ["main"]}, GraphMode())
    model.feed(page[:3])
    model.feed([page[1], page[0], *page[3:]], last=True)  # duplicates are scanned once
    assert list(model.hashes) == ids
    assert [model.index_of(h) for h in ids] == list(range(len(ids)))
    assert list(model.parents) == [r.parents for r in page]
    assert model.hashes[-2:] == ids[-2:] and model.hashes == ids
    assert not any(model.unreachable)


ids_strategy = st.one_of(
    st.integers(0, 400).map(digest),
    st.integers(0, 40).map(lambda n: digest(n).upper()),
    st.integers(0, 40).map(lambda n: digest(n)[: 7 + n % 34]),
    st.text(max_size=70),
)


@settings(max_examples=120, deadline=None)
@given(
    batches=st.lists(
        st.tuples(st.booleans(), st.lists(ids_strategy, max_size=60)), min_size=1, max_size=8
    ),
    probes=st.lists(ids_strategy, max_size=40),
)
def test_the_index_agrees_with_a_dict(
    batches: list[tuple[bool, list[str]]], probes: list[str]
) -> None:
    rows = RowStore()
    expected: dict[str, int] = {}
    order: list[str] = []  # top first
    for on_top, ids in batches:
        fresh = list(dict.fromkeys(h for h in ids if h not in expected))
        if on_top:
            top = rows.top - len(fresh)
            rows.prepend([(h, (h,), False) for h in fresh])
            expected.update((h, top + i) for i, h in enumerate(fresh))
            order[0:0] = fresh
        else:
            for h in fresh:
                expected[h] = rows.append(h, (h,), True)
            order.extend(fresh)
        # what the lanes use: setdefault on a row returns its key, get on a stranger None
        for h in fresh:
            assert rows.setdefault(h, 0) == expected[h]
    assert len(rows) == len(order)
    for position, h in enumerate(order):
        assert rows.hash_at(position) == h
        assert rows.parents_at(position) == (h,)
        assert rows.key_of(h) == expected[h] == rows.top + position
    for h in probes:
        assert rows.get(h) == expected.get(h)
        assert (h in rows) is (h in expected)


def test_a_row_costs_about_100_bytes() -> None:
    """No Python object per row: the digests, a flags byte and the index (8 B a slot, at most
    half full). A str per hash, a dict entry and an int per key took over 200 B a row."""
    n = 50_000

    def page(start: int) -> list[ScanRow]:  # fresh strings, held by nothing but the model
        stop = min(n, start + 1000)
        return [ScanRow(digest(i), (digest(i + 1),), n - i) for i in range(start, stop)]

    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        model = GraphModel({digest(0): ["main"]}, GraphMode())
        for start in range(0, n, 1000):
            model.feed(page(start))
        model.feed([], last=True)
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(model) == n
    assert used / n < 120, f"{used / n:.0f} bytes a row"
