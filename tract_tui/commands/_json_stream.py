"""JSON written as it is made: a 100k-message compile is ~30 MB of JSON, and building it as one
string (``json.dumps``) took seconds and gigabytes. Each top-level value, and each item of a
streamed list, is encoded on its own by orjson and written at once, so memory stays at one item.

The text is what ``json.dumps(data, indent=2)`` prints (ASCII-escaped: parsing it gives the
stored text back verbatim); ``core.models.json_text`` makes it, and hands what orjson would
write differently (a lone surrogate, a float in exponent form) to ``json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any

from core.models.json_text import dumps_indented

# Between two items of a streamed list, as write_json writes them: texts of several items
# joined by it are written as one Encoded item.
ITEM_JOIN = ",\n    "


class Encoded(str):
    """A streamed item already encoded (as :func:`encode` does, 4 spaces deep), or several
    such items joined as the list joins them (a comma, a new line, the indent)."""


def encode(value: Any, indent: int) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it when nested ``indent`` spaces deep."""
    return dumps_indented(value, nest=indent)


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
                text = item if isinstance(item, Encoded) else encode(item, 4)
                write((ITEM_JOIN if not first else "[\n    ") + text)
                first = False
            write("[]" if first else "\n  ]")
        else:
            write(encode(fields[key], 2))
    write("\n}\n")
