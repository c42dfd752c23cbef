"""The identifier rules behind "what a compaction lost" (issue 12, item 7), and the small pure
helpers of the explanations (word-level spans, the sparkline)."""

from __future__ import annotations

import pytest

from core import sparkline, word_spans
from core.explain.identifiers import Identifier, extract, present


def found(text: str) -> list[tuple[str, str]]:
    return [(i.kind, i.value) for i in extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://github.com/o/r/issues/12.", [("url", "https://github.com/o/r/issues/12")]),
        ("edit src/app/main.py, then", [("path", "src/app/main.py")]),
        (
            "run ./run.sh and ~/.config/x/config.toml",
            [("path", "./run.sh"), ("path", "~/.config/x/config.toml")],
        ),
        ("in setup.py and tox.ini", [("path", "setup.py"), ("path", "tox.ini")]),
        ("/usr/bin/python3 crashed", [("path", "/usr/bin/python3")]),
        ("took 345 ms, then 0.04s", [("quantity", "345 ms"), ("quantity", "0.04 s")]),
        ("3.5MB of logs, 95 % done", [("quantity", "3.5 MB"), ("quantity", "95%")]),
        ("raised KeyError", [("error", "KeyError")]),
        (
            "a marshmallow.exceptions.ValidationError",
            [("error", "marshmallow.exceptions.ValidationError")],
        ),
        ("call TimeDelta._serialize() now", [("function", "TimeDelta._serialize()")]),
        ("fix run_it(x) and print()", [("function", "run_it()"), ("function", "print()")]),
        ("the SequenceMatcher class", [("class", "SequenceMatcher")]),
        (
            "test_timedelta_precision_rounding passed",
            [("name", "test_timedelta_precision_rounding")],
        ),
        ("commit 3f2a9c1d landed", [("hash", "3f2a9c1d")]),
    ],
)
def test_each_kind(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The quick brown fox jumps over the lazy dog.",
        "and/or the 2024/01/02 date, 1/2 of them",  # not paths
        "JavaScript and GitHub and PostgreSQL",  # product names, not classes
        "the function(s) listed (see above)",  # prose parentheses
        "deadbeef cafe 1234567 and 12345678",  # hex words without digits or letters
        "e.g. this, i.e. that; version 3.19.1",
        "Hello World",
    ],
)
def test_prose_finds_nothing(text: str) -> None:
    assert found(text) == []


def test_present_tolerates_spacing_and_exact_text() -> None:
    assert present(Identifier("quantity", "345 ms"), "it took 345ms")
    assert present(Identifier("path", "src/a.py"), "changed src/a.py only")
    assert present(Identifier("function", "run_it()"), "then run_it was fixed")
    assert not present(Identifier("error", "KeyError"), "a ValueError")


def test_word_spans_and_sparkline() -> None:
    left, right = word_spans("the quick brown fox", "the slow brown fox!")
    assert left == (("=", "the "), ("-", "quick"), ("=", " brown fox"))
    assert right == (("=", "the "), ("+", "slow"), ("=", " brown fox"), ("+", "!"))
    assert "".join(t for _, t in left) == "the quick brown fox"
    assert sparkline([0, 50, 100]) == "▁▄█"
    assert sparkline([5, 5]) == "██" and sparkline([]) == ""
    assert sparkline([1, 2, 3, 4], width=2) == "▆█"  # 3 of 4: 7 × 3 // 4 = 5 of 0..7
