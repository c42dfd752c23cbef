"""What a value must be to be stored: text that encodes as UTF-8 and JSON of bounded depth.

Python strings may hold lone surrogates (``"\\ud800"``, legal in JSON text as an escape) that no
UTF-8 column or file can take; nested data thousands of levels deep breaks every recursive JSON
reader (Python's included). Both are refused before anything is written, naming the field and
where in it the problem is, instead of failing half-way with an encoder's or the interpreter's
message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import ContentValidationError

MAX_DEPTH = 200  # nesting levels of dicts and lists; real payloads use a handful
NAMED_LEVELS = 6  # a path in a message names this many levels, then "…"


def check_storable(value: Any, field: str) -> None:
    """Raise ``ContentValidationError`` naming ``field`` (and the path inside it) when ``value``
    holds a string that is not valid Unicode, or is nested deeper than ``MAX_DEPTH``."""
    # Every append checks its content: a walk that names nothing first, and the walk that
    # names where only when that one finds a problem.
    if not _storable(value, 0):
        _name_problem(value, field)


def _storable(value: Any, depth: int) -> bool:
    if isinstance(value, str):
        return value.isascii() or _encodes(value)
    if isinstance(value, (list, tuple)):
        return depth < MAX_DEPTH and all(sub is None or _storable(sub, depth + 1) for sub in value)
    if isinstance(value, Mapping):
        return depth < MAX_DEPTH and all(
            (not isinstance(key, str) or key.isascii() or _encodes(key))
            and (sub is None or _storable(sub, depth + 1))
            for key, sub in value.items()
        )
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _name_problem(value: Any, field: str) -> None:
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, where)
        elif isinstance(item, Mapping):
            if depth >= MAX_DEPTH:
                raise ContentValidationError(f"{where}: nested deeper than {MAX_DEPTH} levels")
            for key, sub in item.items():
                if isinstance(key, str):
                    _check_text(key, f"{where} (a key)")
                stack.append((sub, _child(where, f".{key}", depth), depth + 1))
        elif isinstance(item, (list, tuple)):
            if depth >= MAX_DEPTH:
                raise ContentValidationError(f"{where}: nested deeper than {MAX_DEPTH} levels")
            stack.extend(
                (sub, _child(where, f"[{i}]", depth), depth + 1) for i, sub in enumerate(item)
            )


def _child(where: str, step: str, depth: int) -> str:
    if depth < NAMED_LEVELS:
        return where + step
    return where if where.endswith("…") else where + "…"


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise ContentValidationError(
            f"{where}: holds a lone surrogate (U+{code:04X}) at character {exc.start}, "
            "which is not valid Unicode and cannot be stored"
        ) from None
