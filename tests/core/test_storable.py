"""``check_storable`` first walks a value without naming anything, and names the problem with
a second walk only when the first finds one: the two walks must agree on every value."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from core.errors import ContentValidationError
from core.models import storable
from core.models.storable import MAX_DEPTH, check_storable

TEXT = st.sampled_from(["", "ok", "é ☃", "a\ud800b", "\udfff", "x" * 300])
LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(TEXT, inner, max_size=4)
        | st.tuples(inner, inner)
    ),
    max_leaves=25,
)


def _named(value: Any) -> str | None:
    try:
        storable._name_problem(value, "field")
    except ContentValidationError as exc:
        return str(exc)
    return None


@given(VALUES)
@settings(max_examples=400, deadline=None, database=None)
def test_the_quick_walk_agrees_with_the_naming_walk(value: Any) -> None:
    named = _named(value)
    if named is None:
        check_storable(value, "field")
    else:
        with pytest.raises(ContentValidationError) as caught:
            check_storable(value, "field")
        assert str(caught.value) == named


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 5_000])
def test_nesting_at_and_around_the_limit(depth: int) -> None:
    value: list[Any] = []
    node = value
    for _ in range(depth):
        node.append([])
        node = node[0]
    # The outermost list is level 0: MAX_DEPTH nested lists put the last one at the limit.
    assert (_named(value) is None) == (depth < MAX_DEPTH)
    if depth < MAX_DEPTH:
        check_storable(value, "field")
    else:
        with pytest.raises(ContentValidationError, match="nested deeper than"):
            check_storable(value, "field")
