"""Golden graphs for the lane layout (core.views.lanes) and its text rendering.

Each expected line is the rendered graph followed by the commit id, tig style.
"""

from __future__ import annotations

from textwrap import dedent

import pytest

from core.views.lane_render import ASCII, UNICODE, GlyphSet, render_row, render_text
from core.views.lanes import (
    COMMIT,
    DOWN,
    LEFT,
    PASS,
    RIGHT,
    UP,
    Lane,
    LaneState,
    RowLayout,
    layout_rows,
)

Rows = list[tuple[str, tuple[str, ...]]]


def draw(rows: Rows, glyphs: GlyphSet = UNICODE) -> str:
    lines = []
    for lay in layout_rows(rows):
        text = render_text(lay, glyphs)
        assert len(text) == 2 * lay.width  # trailing blank cells dropped, last connector kept
        lines.append(text + lay.commit_id)
    return "\n".join(lines)


def expect(block: str) -> str:
    return dedent(block).strip("\n")


def test_linear_history() -> None:
    rows: Rows = [("C", ("B",)), ("B", ("A",)), ("A", ())]
    assert draw(rows) == expect(
        """
        ○ C
        ○ B
        ○ A
        """
    )


def test_simple_merge() -> None:
    rows: Rows = [("M", ("A", "B")), ("B", ("A",)), ("A", ())]
    assert draw(rows) == expect(
        """
        ◎─╮ M
        │ ○ B
        ○─╯ A
        """
    )


def test_fork_two_tips_share_a_parent() -> None:
    rows: Rows = [("X", ("P",)), ("Y", ("P",)), ("P", ())]
    assert draw(rows) == expect(
        """
        ○ X
        │ ○ Y
        ○─╯ P
        """
    )


def test_tig_merge_from_left() -> None:
    # tig test/graph "merge from left": same topology, our glyphs (○ commit, ◎ merge).
    rows: Rows = [
        ("A", ("B", "C")),
        ("C", ("B", "D")),
        ("B", ("E",)),
        ("E", ("D",)),
        ("D", ()),
    ]
    assert draw(rows) == expect(
        """
        ◎─╮ A
        │ ◎─╮ C
        ○─╯ │ B
        ○ ╭─╯ E
        ○─╯ D
        """
    )


def test_octopus_merge() -> None:
    rows: Rows = [
        ("O", ("A", "B", "C")),
        ("A", ("Z",)),
        ("B", ("Z",)),
        ("C", ("Z",)),
        ("Z", ()),
    ]
    assert draw(rows) == expect(
        """
        ◎─┬─╮ O
        ○ │ │ A
        │ ○ │ B
        │ │ ○ C
        ○─┴─╯ Z
        """
    )


def test_crossing_merge_vertical_wins() -> None:
    # lazygit's crossing rule: the merge line crosses the lane of U, which stays a plain │.
    rows: Rows = [
        ("T", ("P",)),
        ("U", ("Q",)),
        ("P", ("R", "S")),
        ("Q", ("R",)),
        ("S", ("R",)),
        ("R", ()),
    ]
    assert draw(rows) == expect(
        """
        ○ T
        │ ○ U
        ◎─│─╮ P
        │ ○ │ Q
        │ │ ○ S
        ○─┴─╯ R
        """
    )
    crossing = list(layout_rows(rows))[2].cell(1)
    assert crossing.up and crossing.down and crossing.crossed
    assert not (crossing.left or crossing.right)


def test_termination_crosses_a_lane() -> None:
    rows: Rows = [
        ("A", ("B",)),
        ("Z", ("Y",)),
        ("B2", ("B",)),
        ("B", ("C",)),
        ("Y", ("C",)),
        ("C", ()),
    ]
    assert draw(rows) == expect(
        """
        ○ A
        │ ○ Z
        │ │ ○ B2
        ○─│─╯ B
        │ ○ Y
        ○─╯ C
        """
    )


def test_merge_reuses_the_lane_already_waiting_for_the_parent() -> None:
    rows: Rows = [
        ("T", ("M",)),
        ("U", ("Q",)),
        ("V", ("B",)),
        ("M", ("A", "B")),
        ("Q", ("A",)),
        ("B", ("A",)),
        ("A", ()),
    ]
    assert draw(rows) == expect(
        """
        ○ T
        │ ○ U
        │ │ ○ V
        ◎─│─┤ M
        │ ○ │ Q
        │ │ ○ B
        ○─┴─╯ A
        """
    )
    merge = list(layout_rows(rows))[3]
    assert merge.parent_columns == (0, 2)


def test_merge_into_a_lane_on_the_left() -> None:
    rows: Rows = [("X", ("B",)), ("M", ("C", "B")), ("C", ("B",)), ("B", ())]
    assert draw(rows) == expect(
        """
        ○ X
        ├─◎ M
        │ ○ C
        ○─╯ B
        """
    )


def test_fork_and_merge_on_one_row_then_delayed_shift() -> None:
    # The new lane cannot take the cell the ending lane turns through; the next row compacts.
    rows: Rows = [
        ("X", ("P",)),
        ("Y", ("P",)),
        ("P", ("Q", "R")),
        ("Q", ("S",)),
        ("R", ("S",)),
        ("S", ()),
    ]
    assert draw(rows) == expect(
        """
        ○ X
        │ ○ Y
        ◎─┴─╮ P
        ○ ╭─╯ Q
        │ ○ R
        ○─╯ S
        """
    )


def test_root_in_the_middle_two_histories() -> None:
    # B1 does not sit right under the root A2 (that would read as A2's parent, lazygit#5497);
    # its parent then compacts back into column 0.
    rows: Rows = [
        ("A1", ("A2",)),
        ("A2", ()),
        ("B1", ("B2",)),
        ("B2", ("B3",)),
        ("B3", ()),
    ]
    assert draw(rows) == expect(
        """
        ○ A1
        ○ A2
          ○ B1
        ○─╯ B2
        ○ B3
        """
    )


def test_interleaved_unrelated_histories() -> None:
    # B2 does not compact into column 0 either: it would sit right under the root A2.
    rows: Rows = [("A1", ("A2",)), ("B1", ("B2",)), ("A2", ()), ("B2", ())]
    assert draw(rows) == expect(
        """
        ○ A1
        │ ○ B1
        ○ │ A2
          ○ B2
        """
    )


def test_lane_compaction_after_a_lane_ends() -> None:
    rows: Rows = [
        ("A", ("D",)),
        ("B", ("E",)),
        ("C", ("F",)),
        ("E", ()),
        ("D", ("F",)),
        ("F", ()),
    ]
    assert draw(rows) == expect(
        """
        ○ A
        │ ○ B
        │ │ ○ C
        │ ○ │ E
        ○ ╭─╯ D
        ○─╯ F
        """
    )


def test_ascii_glyph_set() -> None:
    rows: Rows = [
        ("A", ("B", "C")),
        ("C", ("B", "D")),
        ("B", ("E",)),
        ("E", ("D",)),
        ("D", ()),
    ]
    assert draw(rows, ASCII) == expect(
        """
        M-. A
        | M-. C
        *-' | B
        * .-' E
        *-' D
        """
    )
    crossing: Rows = [("T", ("P",)), ("U", ("Q",)), ("P", ("R", "S"))]
    assert draw(crossing, ASCII).splitlines()[-1] == "M-|-. P"


def test_out_of_order_input_reports_broken_parents() -> None:
    # Date order put D above E although E's parent is D (clock skew, lazygit#5162).
    rows: Rows = [("A", ("B",)), ("D", ()), ("E", ("D",)), ("B", ("E",))]
    layouts = list(layout_rows(rows))
    assert [lay.broken_parents for lay in layouts] == [(), (), ("D",), ("E",)]
    assert layouts[2].parent_columns == (-1,)
    assert not layouts[2].is_root  # it has a parent, only not drawable
    assert draw(rows) == expect(
        """
        ○ A
        │ ○ D
        │   ○ E
        ○ B
        """
    )


def test_bad_input_never_raises() -> None:
    state = LaneState()
    weird: Rows = [
        ("A", ("A",)),  # self-parent
        ("B", ("C", "C", "A")),  # duplicate parent, parent emitted above
        ("B", ("C",)),  # duplicate id
        ("D", ("A", "nowhere")),  # emitted parent and a parent that never comes
    ]
    layouts = [state.step(c, p) for c, p in weird]
    assert layouts[0].broken_parents == ("A",)
    assert layouts[1].broken_parents == ("A",)
    assert layouts[1].column == 1  # not under A, whose lane ended
    assert layouts[1].parent_columns == (1, 1, -1)
    assert layouts[1].is_merge  # C and A: two parents, although only one can be drawn
    assert not state_free_merge(("C", "C"))  # C twice is one parent
    assert layouts[2].broken_parents == () and layouts[2].parent_columns[0] >= 0
    assert layouts[3].broken_parents == ("A",)
    # The lanes for C and for "nowhere" stay open to the bottom.
    assert {lane.waits_for for lane in state.lanes} == {"C", "nowhere"}
    lay = state.step("E", (None, ""))  # type: ignore[arg-type]  # NULL parent_hash
    assert lay.is_root and lay.parent_columns == (-1, -1)


def state_free_merge(parents: tuple[str, ...]) -> bool:
    return LaneState().step("x", parents).is_merge


def test_cell_flags_of_a_merge_row() -> None:
    lay = list(layout_rows([("T", ("P",)), ("U", ("Q",)), ("P", ("R", "S"))]))[-1]
    assert lay.column == 0 and lay.is_merge and not lay.is_root
    assert lay.cells == (COMMIT | UP | DOWN | RIGHT, UP | DOWN | PASS, LEFT | DOWN)
    assert lay.parent_columns == (0, 2)


def test_colours_are_stable_and_least_used() -> None:
    rows: Rows = [("A", ("B",)), ("C", ("D",)), ("E", ("F",)), ("D", ()), ("G", ("H",))]
    layouts = list(layout_rows(rows))
    assert [lay.colours[lay.column] for lay in layouts] == [0, 1, 2, 1, 1]
    # A lane keeps its colour while other lanes come and go.
    assert all(lay.colours[0] == 0 for lay in layouts)
    state = LaneState(palette_size=2)
    for c, p in [("a", ("x",)), ("b", ("y",)), ("c", ("z",))]:
        state.step(c, p)
    assert [lane.colour for lane in state.lanes] == [0, 1, 0]


def test_render_row_chunks_carry_colours() -> None:
    lay = list(layout_rows([("T", ("P",)), ("U", ("Q",)), ("P", ("R", "S"))]))[-1]
    assert render_row(lay) == [("◎", 0), ("─", 2), ("│", 1), ("─╮ ", 2)]
    assert "".join(text for text, _ in render_row(lay)) == render_text(lay)


def test_commit_glyph_override_keeps_lane_glyphs() -> None:
    lay = LaneState().step("M", ("A", "B"))
    assert render_text(lay) == "◎─╮ "
    assert render_text(lay, commit_glyph="E") == "E─╮ "
    assert render_row(lay, ASCII, commit_glyph="P")[0] == ("P", 0)


def _history() -> Rows:
    rows: Rows = []
    for i in range(1200):
        parents: tuple[str, ...] = (f"c{i + 1}",)
        if i % 7 == 3:
            parents += (f"b{i}",)
            rows.append((f"c{i}", parents))
            rows.append((f"b{i}", (f"c{i + 2}",)))
        else:
            rows.append((f"c{i}", parents))
    return rows


@pytest.mark.parametrize("every", [1, 37, 500])
def test_checkpoint_resume_equals_one_pass(every: int) -> None:
    rows = _history()
    full = LaneState()
    expected: list[RowLayout] = []
    checkpoints = {}
    for i, (c, p) in enumerate(rows):
        if i % every == 0:
            checkpoints[i] = full.snapshot()
        expected.append(full.step(c, p))
    starts = sorted(checkpoints)
    for start in starts[:: max(1, len(starts) // 12)] + starts[-1:]:
        cp = checkpoints[start]
        resumed = LaneState.from_snapshot(cp)
        assert resumed.snapshot() == cp
        got = [resumed.step(c, p) for c, p in rows[start : start + 600]]
        assert got == expected[start : start + 600]
    # Resuming leaves the checkpoint untouched, and the final states agree.
    last_start = max(checkpoints)
    again = LaneState.from_snapshot(checkpoints[last_start])
    for c, p in rows[last_start:]:
        again.step(c, p)
    assert again.snapshot() == full.snapshot()
    assert checkpoints[last_start].row == last_start


def test_snapshot_is_immutable_copy() -> None:
    state = LaneState()
    state.step("A", ("B",))
    cp = state.snapshot()
    state.step("B", ("C", "D"))
    assert cp.waits_for == ("B",)
    assert LaneState.from_snapshot(cp).lanes == (Lane(0, "B", 0),)
    with pytest.raises(AttributeError):
        cp.row = 3  # type: ignore[misc]
