"""Keeping tool calls with their results when a compression range is cut (docs/behaviour.md §9).

A *unit* is a span of consecutive rows that a range boundary may not split: a tool call and
its results. Calls and results are paired by ``tool_call_id`` when both payloads carry one;
otherwise a call owns the tool results that follow it up to the next call. Overlapping pairs
(parallel calls answered later) merge into one unit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from core.models.compiled import CompileRow


def _tool_fields(row: CompileRow) -> tuple[str, str | None] | None:
    """(direction, tool_call_id) of a tool_io row, else None."""
    if row.content_type != "tool_io":
        return None
    raw = row.payload_json
    payload: Any = raw if isinstance(raw, dict) else None
    if payload is None and isinstance(raw, str):
        try:
            payload = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(payload, dict):
        return None
    direction = payload.get("direction")
    if direction not in ("call", "result"):
        return None
    inner = payload.get("payload")
    call_id = inner.get("tool_call_id") if isinstance(inner, dict) else None
    return direction, call_id if isinstance(call_id, str) else None


def tool_units(rows: Sequence[CompileRow]) -> list[tuple[int, int]]:
    """Inclusive (start, end) index spans of ``rows`` that must stay together, sorted."""
    spans: list[tuple[int, int]] = []
    calls_by_id: dict[str, int] = {}
    open_call: int | None = None  # a call without id, collecting the results after it
    for i, row in enumerate(rows):
        fields = _tool_fields(row)
        if fields is None:
            if not (row.is_edit or row.content_type == "tool_io"):
                open_call = None
            continue
        direction, call_id = fields
        if direction == "call":
            if call_id is not None:
                calls_by_id[call_id] = i
                open_call = None
            else:
                open_call = i
            continue
        if call_id is not None and call_id in calls_by_id:
            spans.append((calls_by_id[call_id], i))
        elif open_call is not None:
            spans.append((open_call, i))
    return _merge(spans)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def widen_range(units: Sequence[tuple[int, int]], lo: int, hi: int) -> tuple[int, int]:
    """Grow [lo, hi] until no unit crosses either boundary."""
    changed = True
    while changed:
        changed = False
        for start, end in units:
            if start < lo <= end or start <= hi < end:
                lo, hi = min(lo, start), max(hi, end)
                changed = True
    return lo, hi


def widen_picks(units: Sequence[tuple[int, int]], picks: Iterable[int]) -> set[int]:
    """Every pick brings the rest of its unit."""
    chosen = set(picks)
    for start, end in units:
        if any(start <= p <= end for p in chosen):
            chosen.update(range(start, end + 1))
    return chosen
