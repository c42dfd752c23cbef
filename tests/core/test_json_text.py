"""``dumps_indented`` is ``json.dumps(indent=2)`` text, byte for byte, whatever the value: orjson
makes what it writes alike, ``json`` the rest (floats in exponent form, NaN, big integers,
non-string keys, lone surrogates)."""

from __future__ import annotations

import json
from typing import Any

import hypothesis.strategies as st
from hypothesis import given, settings

from core.models.content import DEFAULT_REGISTRY, tool_io
from core.models.json_text import dumps_indented, escape_non_ascii
from core.models.json_text import loads as json_loads_alike

TEXTS = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
KEYS = TEXTS | st.integers(-5, 5) | st.booleans() | st.none()
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXTS
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=14,
)


def _json(value: Any, sort_keys: bool) -> str | None:
    try:
        return json.dumps(value, indent=2, sort_keys=sort_keys)
    except TypeError:  # sort_keys over keys of mixed types: json refuses, and so do we
        return None


@settings(max_examples=400, deadline=None)
@given(VALUES, st.booleans(), st.integers(0, 6))
def test_same_text_as_json_dumps(value: Any, sort_keys: bool, nest: int) -> None:
    expected = _json(value, sort_keys)
    if expected is None:
        return
    assert dumps_indented(value, sort_keys=sort_keys, nest=nest) == expected.replace(
        "\n", "\n" + " " * nest
    )


def test_edge_values() -> None:
    for value in (
        {"b": 1e-07, "a": [1e16, 0.1, 100.0, float("nan"), float("-inf")]},
        {"x": 2**64, "y": -(2**63) - 1, "z": 2**64 - 1},
        {1: "int key", "s": "\ud800 lone"},
        {"café": "✓ 🦀 \x7f \x00 \u2028"},
        [],
        {},
        [{}, [], ""],
    ):
        assert dumps_indented(value) == json.dumps(value, indent=2)


def test_tool_message_text_is_the_sorted_indented_payload() -> None:
    payload = DEFAULT_REGISTRY.validate(
        tool_io("bash", "result", {"z": 1.5e-05, "a": ["é", {"k": None}]}, "success")
    )
    role, text, _ = DEFAULT_REGISTRY.render(payload)
    assert role == "tool"
    inner = json.dumps(payload["payload"], indent=2, sort_keys=True)
    assert text == f"Tool result: bash (success)\n{inner}"


PLAIN = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters='"\\'),
    max_size=200,
)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_escape_non_ascii_is_ensure_ascii(text: str) -> None:
    # Outside control characters, quotes and backslashes (which orjson escapes itself), the
    # escaping is exactly what json.dumps(ensure_ascii=True) writes inside a string.
    assert escape_non_ascii(text) == json.dumps(text)[1:-1]
    assert escape_non_ascii(text + "\x7f🦀é") == json.dumps(text + "\x7f🦀é")[1:-1]


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (1 is not 1.0; -0.0 is not 0.0; NaN is)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _both(text: Any) -> tuple[Any, Any]:
    def read(fn: Any) -> Any:
        try:
            return ("ok", fn(text))
        except (ValueError, TypeError, RecursionError) as exc:
            return ("error", type(exc))

    return read(json_loads_alike), read(json.loads)


@settings(max_examples=600, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from([None, 0, 2]))
def test_loads_reads_what_json_reads(value: Any, ascii_only: bool, indent: int | None) -> None:
    try:
        text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    except TypeError:  # a key json cannot write
        return
    ours, theirs = _both(text)
    assert ours[0] == theirs[0] == "ok"
    assert _same(ours[1], theirs[1])


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='{}[]":,.-+eE0123456789 \\\tnulltrueNaInfiy\ud800x', max_size=40))
def test_loads_fails_where_json_fails(text: str) -> None:
    ours, theirs = _both(text)
    assert ours[0] == theirs[0]
    if ours[0] == "ok":
        assert _same(ours[1], theirs[1])
    else:
        assert ours[1] is theirs[1]


def test_loads_edge_cases() -> None:
    for text in (
        "18446744073709551616",
        "-9223372036854775809",
        '{"id": 123456789012345678901234567890}',
        "NaN",
        "[Infinity, -Infinity]",
        "1e400",
        '"\\ud800"',
        '{"a": 1, "a": 2}',
        "-0.0",
        "5e-324",
        b'{"bytes": 1}',
        "[" * 5000 + "]" * 5000,
    ):
        ours, theirs = _both(text)
        assert ours[0] == theirs[0], text
        if ours[0] == "ok":
            assert _same(ours[1], theirs[1]), text
