"""JSON written as it is made: a 100k-message compile is ~30 MB of JSON, and building it as one
string (``json.dumps``) took seconds and gigabytes. Each top-level value, and each item of a
streamed list, is encoded on its own by orjson and written at once, so memory stays at one item.

The text is what ``json.dumps(data, indent=2)`` prints (ASCII-escaped: parsing it gives the
stored text back verbatim); a value orjson refuses (a lone surrogate in stored text) is encoded
by ``json`` instead.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any

import orjson

_NON_ASCII = re.compile(r"[^\x00-\x7e]")  # json escapes DEL too


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def encode(value: Any, indent: int) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it when nested ``indent`` spaces deep."""
    try:
        raw = orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(value, indent=2)
    else:
        text = raw.decode()
        if not text.isascii() or "\x7f" in text:
            text = _NON_ASCII.sub(_escape, text)
    return text.replace("\n", "\n" + " " * indent) if indent else text


def write_json(
    fields: Mapping[str, Any],
    streamed: Mapping[str, Iterable[Any]],
    *,
    order: Iterable[str],
    stream: IO[str] | None = None,
) -> None:
    """An object of ``fields`` (encoded whole) and ``streamed`` lists (item by item), keys in
    ``order``, as ``json.dumps(..., indent=2)`` would print the same object."""
    write = (stream or sys.stdout).write
    keys = list(order)
    if not keys:
        write("{}\n")
        return
    write("{")
    for n, key in enumerate(keys):
        write(("," if n else "") + "\n  " + json.dumps(key) + ": ")
        if key in streamed:
            first = True
            for item in streamed[key]:
                write(("," if not first else "[") + "\n    " + encode(item, 4))
                first = False
            write("[]" if first else "\n  ]")
        else:
            write(encode(fields[key], 2))
    write("\n}\n")
