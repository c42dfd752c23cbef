"""Text differences for people: unified lines, and word-level spans of a changed line pair."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

# Words, runs of whitespace, and single punctuation characters: a change inside a long line
# highlights the word that changed, not the whole line.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)

EQUAL, DELETE, INSERT = "=", "-", "+"


def unified(a: str, b: str, from_label: str, to_label: str) -> tuple[str, ...]:
    return tuple(
        difflib.unified_diff(
            a.splitlines(), b.splitlines(), fromfile=from_label, tofile=to_label, lineterm=""
        )
    )


def word_spans(a: str, b: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(left spans, right spans): each span is (op, text) with op ``=`` unchanged, ``-`` only
    on the left, ``+`` only on the right. Joining a side's texts gives that side back."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    left: list[tuple[str, str]] = []
    right: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _add(left, EQUAL, ta[i1:i2])
            _add(right, EQUAL, tb[j1:j2])
        else:
            _add(left, DELETE, ta[i1:i2])
            _add(right, INSERT, tb[j1:j2])
    return tuple(left), tuple(right)


def _add(out: list[tuple[str, str]], op: str, tokens: Sequence[str]) -> None:
    text = "".join(tokens)
    if not text:
        return
    if out and out[-1][0] == op:
        out[-1] = (op, out[-1][1] + text)
    else:
        out.append((op, text))
