"""``json.dumps(value, indent=2)`` text, made by orjson.

With ``indent`` the standard library encodes in pure Python: a 100k-message compile spends
seconds there (tool payloads are shown as indented JSON, and ``compile --json`` prints indented
JSON). orjson writes the same layout; what it writes differently is handled here:

- non-ASCII (and DEL) is escaped afterwards, as ``ensure_ascii`` does, astral characters as
  surrogate pairs;
- values it would write differently or refuse go to ``json`` instead: floats in exponent form
  (``1e-07`` vs ``1e-7``) or not finite, integers beyond 64 bits, keys that are not strings, a
  lone surrogate, any type ``json`` does not know natively.

The result is the same text, byte for byte (a property test compares them).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_ASCII_KEPT = frozenset(chr(c) for c in range(0x7F))  # json escapes DEL too


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def escape_non_ascii(text: str) -> str:
    """Each character outside ASCII (and DEL) as ``json``'s ``ensure_ascii`` writes it. One
    ``str.translate`` over a table of the distinct characters: a 10-million-character tool
    result with millions of them took ~4 s through a per-match callback, now ~0.3 s."""
    table = {ord(c): _escape(c) for c in set(text) - _ASCII_KEPT}
    return text.translate(table)


_TWO_63 = float(2**63)


def stored_text(value: Any) -> str | None:
    """A stored JSON column as text: SQLite hands it back as text, PostgreSQL parsed (made
    text again with sorted keys, non-ASCII kept); None stays None."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def loads(text: Any) -> Any:
    """``json.loads(text)``: the same value (or the same error), read by orjson where that is
    the same — stored payloads are parsed once per compiled message, ~4× faster so.

    orjson refuses what json reads otherwise (NaN, infinities, ``1e400``, lone surrogates,
    very deep nesting): json reads those. The one value it reads differently without a word
    is an integer beyond 64 bits, which it makes a float of magnitude ≥ 2**63; any such float
    in what it read sends the text to json (a float literal that large reads the same there).
    """
    if type(text) is str:
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
        else:
            if not _has_huge_float(value):
                return value
    return json.loads(text)


def reads_as_object(text: Any) -> bool:
    """Whether :func:`loads` reads ``text`` as a JSON object, without its walk for huge
    floats (a value's type does not depend on them): a compile's damage check reads every
    stored payload once before the first message is written."""
    if type(text) is str:
        try:
            return type(orjson.loads(text)) is dict
        except orjson.JSONDecodeError:
            pass
    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


def _has_huge_float(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        kind = type(v)
        if kind is dict:
            stack.extend(v.values())
        elif kind is list:
            stack.extend(v)
        elif kind is float and not -_TWO_63 < v < _TWO_63:
            return True
    return False


def writes_alike(value: Any) -> bool:
    """Whether orjson writes ``value`` as ``json`` does (strings are checked by orjson)."""
    stack = [value]
    while stack:
        v = stack.pop()
        kind = type(v)
        if kind is str or v is None or kind is bool:
            continue
        if kind is int:
            if not _INT_MIN <= v <= _INT_MAX:
                return False
        elif kind is float:
            if not math.isfinite(v) or "e" in repr(v):
                return False
        elif kind is dict:
            for key, item in v.items():
                if type(key) is not str:
                    return False
                stack.append(item)
        elif kind is list or kind is tuple:
            stack.extend(v)
        else:
            return False
    return True


def dumps_indented_run(values: list[Any], *, nest: int) -> str | None:
    """Several values as :func:`dumps_indented` writes each ``nest`` (≥ 2) spaces deep,
    joined as an indented list joins its items (a comma, a new line, the indent), in one
    orjson call. None when orjson refuses one (a lone surrogate). The caller knows that
    :func:`writes_alike` holds for every value."""
    if not values:
        return ""
    try:
        text = orjson.dumps(values, option=orjson.OPT_INDENT_2).decode()
    except orjson.JSONEncodeError:
        return None
    if not text.isascii() or "\x7f" in text:
        text = escape_non_ascii(text)
    # "[\n  " + the items two spaces deep, joined by ",\n  " + "\n]": shifted to ``nest``.
    return text[4:-2].replace("\n", "\n" + " " * (nest - 2))


def dumps_indented(
    value: Any, *, sort_keys: bool = False, nest: int = 0, checked: bool = False
) -> str:
    """``json.dumps(value, indent=2, sort_keys=sort_keys)``; ``nest``: as written ``nest``
    spaces deep inside an enclosing indented document (each new line is shifted by it).
    ``checked``: the caller knows :func:`writes_alike` holds (its values have known types),
    so the walk is skipped."""
    text: str | None = None
    if checked or writes_alike(value):
        option = orjson.OPT_INDENT_2 | (orjson.OPT_SORT_KEYS if sort_keys else 0)
        try:
            text = orjson.dumps(value, option=option).decode()
        except orjson.JSONEncodeError:  # a lone surrogate
            text = None
        else:
            if not text.isascii() or "\x7f" in text:
                text = escape_non_ascii(text)
    if text is None:
        text = json.dumps(value, indent=2, sort_keys=sort_keys)
    return text.replace("\n", "\n" + " " * nest) if nest else text
