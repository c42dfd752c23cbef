"""The planted-bug script keeps up with the code: each bug's line is in its file exactly once
and each test it runs exists (when code moves, the script fails loudly here, not months later).
Planting and running them is the script's job (``python -m tests.reliability.planted_bugs``)."""

from __future__ import annotations

import pytest

from tests.reliability.planted_bugs import BUGS, ROOT


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_each_planted_bug_still_has_its_line_and_tests(bug) -> None:  # type: ignore[no-untyped-def]
    text = (ROOT / bug.path).read_text(encoding="utf-8")
    assert text.count(bug.good) == 1, f"{bug.path} no longer holds the line to change once"
    for test in bug.tests:
        path, _, name = test.partition("::")
        assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), test
