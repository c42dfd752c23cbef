"""What a PostgreSQL store cannot hold: the NUL character (U+0000) in text or JSON.

A session may hold one (a tool that printed a binary file). SQLite stores it; PostgreSQL
refuses the whole transaction with a driver error naming SQL. Changing the text would make
up content, so an import into PostgreSQL checks first and stops with the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from core.errors import SessionImportError
from core.importers.model import Notes, TractPlan

_NUL_JSON = b"\\u0000"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    try:
        return _NUL_JSON in orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # not JSON-encodable: the writer would refuse it anyway
        return "\x00" in repr(value)


def refuse_nul(plans: list[TractPlan], files: dict[str, Path], notes: Notes) -> None:
    """Raise a one-line error for the first record holding a NUL (``files``: tract → file).

    Unknown records are our own bookkeeping, not content: one holding a NUL is not kept
    whole (it is still counted), and notes say the character as an escape."""
    for entry in notes.unknown:
        if _has_nul(entry.get("record")):
            entry["record"] = "(not kept: it holds a NUL character, which PostgreSQL refuses)"
    notes.warnings[:] = [w.replace("\x00", "\\u0000") for w in notes.warnings]
    for plan in plans:
        where = files.get(plan.tract_id)
        for node in plan.nodes:
            if (
                _has_nul(node.payload)
                or _has_nul(node.metadata)
                or (node.config is not None and _has_nul(node.config))
            ):
                _fail(where, node.line, plan.tract_id)
        for comp in plan.compactions:
            if _has_nul(comp.params):
                _fail(where, comp.line, plan.tract_id)
        for call in plan.calls:
            if _has_nul(call.params):
                _fail(where, call.line, plan.tract_id)


def _fail(where: Path | None, line: int, tract: str) -> None:
    place = f"{where}:{line}" if where is not None else f"tract {tract}, line {line}"
    raise SessionImportError(
        f"{place}: holds a NUL character (U+0000), which a PostgreSQL store cannot hold; "
        "nothing imported (a SQLite store can hold it)"
    )
