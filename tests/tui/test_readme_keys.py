"""The README's key table is the action table's (``python3 dev.py keys`` regenerates it), and
so are the help screen's keys: one source for every key the app documents."""

from __future__ import annotations

from pathlib import Path

from tract_tui.actions import ACTIONS
from tract_tui.keytable import END, START, markdown, with_table
from tract_tui.screens.help import help_text

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_key_table_matches_the_action_table() -> None:
    text = README.read_text(encoding="utf-8")
    assert with_table(text) == text, "README.md's key table is stale: run python3 dev.py keys"
    table = text.split(START, 1)[1].split(END, 1)[0]
    for action in ACTIONS:  # every action has its row, under its id
        assert f"| `{action.id}` |" in table


def test_every_row_names_its_keys_as_help_does() -> None:
    rows = markdown().splitlines()[2:]
    assert sorted(row.rsplit("| `", 1)[1].rstrip("` |") for row in rows) == sorted(
        a.id for a in ACTIONS
    )
    shown = help_text(None).plain
    assert all(f"[{action.id}]" in shown for action in ACTIONS)  # and each in ? too
    # the moving keys are the same in every list and pane
    for context in ("graph", "events", "records", "list", "scroll"):
        assert f"| `↓` `j` | Down | `{context}.down` |" in markdown()
