"""The tract picker's rows: a session's name shown whole (its file's name is its id), a bare
hex id shortened, every column starting at the same cell, and long names cut with an ellipsis."""

from __future__ import annotations

from datetime import datetime

from core import TractSummary
from tract_tui.screens.tract_picker import NAME_MAX, name_width, tract_label

WHEN = datetime(2025, 7, 1, 10, 41)


def summary(tract_id: str, count: int, *, depth: int = 0, name: str | None = None) -> TractSummary:
    return TractSummary(tract_id, name, count, WHEN, True, None, depth)


def test_names_whole_columns_aligned_long_names_cut() -> None:
    tracts = [
        summary("daaain__claude-code-log__dag_compact_after_rewind", 11),
        summary("5f0c6d1e2a3b4c5d6e7f8091a2b3c4d5", 1_234),
        summary("5f0c6d1e2a3b4c5d6e7f8091a2b3c4d5/agent-1", 3, depth=1, name="subagent a1"),
        summary("x" * 200, 7),
    ]
    width = name_width(tracts)
    assert width == NAME_MAX  # the 200-character name is capped
    lines = [tract_label(t, width, 5).plain for t in tracts]
    assert lines[0].startswith("daaain__claude-code-log__dag_compact_after_rewind ")
    assert lines[1].startswith("5f0c6d1e2a3b ")  # a bare hex id, shortened
    assert lines[2].startswith("   └─ subagent a1 5f0c6d1e ")
    assert lines[3].startswith("x" * (NAME_MAX - 1) + "…")
    columns = {line.index(" commits") for line in lines}
    assert len(columns) == 1, lines  # the counts end in the same cell
    assert {line.index("2025-07-01") for line in lines} == {columns.pop() + len(" commits  ")}
    assert "1,234 commits" in lines[1]
