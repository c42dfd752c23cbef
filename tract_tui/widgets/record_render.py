"""How one compile record reads: its summary, the reproducibility badge, the token breakdown.

Everything is ``rich.text.Text`` built from safe strings (``core.views.text``): stored text is
data, never markup.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from core.views.records import RecordRow
from core.views.text import display_line, fit
from tract_tui.timefmt import absolute, relative
from tract_tui.widgets.graph_style import format_tokens

if TYPE_CHECKING:  # imported where used: not needed to open a store (start-up time)
    from core import Blame, Breakdown, CacheBreak, Group, Reproduction

BAR = 10

# How a reproduction difference reads in the badge, by reason code.
REASONS = {
    "gc": "garbage-collected",
    "other_tract": "from another tract",
    "not_in_history": "not in the head's history",
    "edit": "EDIT commits",
    "created_after_record": "created after the record",
    "skipped_at_record_time": "skipped at record time",
    "skipped_since": "skipped since",
    "unskipped_since": "un-skipped since",
    "edited_since": "edited since",
    "merge_commit": "merge commits",
    "order": "order differs",
    "head_gone": "head garbage-collected",
    "unexplained": "unexplained",
}


def source_label(source: str) -> str:
    """The token source, short: the tiktoken encoding alone (the common case)."""
    return display_line(source.removeprefix("tiktoken:") or "—")


def purpose_text(row: RecordRow, *, short: bool = False) -> str:
    """Why the record was written; ``short`` leaves out the default purpose (a compile)."""
    if row.written_by_tract_ai:
        return "tract-ai (chat/generate)"
    params = row.params or {}
    purpose, reason = params.get("purpose"), params.get("reason")
    if short and purpose == "compile":
        purpose = None if reason else purpose
    parts = [str(p) for p in (purpose, reason) if p]
    return display_line(": ".join(parts)) if parts else "—"


def render_summary(row: RecordRow, now: datetime) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append("record ", style="bold")
    out.append(row.record_id[:12], style="yellow")
    out.append(f"  {absolute(row.created_at)} UTC ({relative(row.created_at, now)})", style="dim")
    out.append("\nhead ")
    out.append(row.head_hash[:8] or "(empty)", style="yellow")
    out.append(f"  {row.commit_count} commits  {row.token_count:,} tokens")
    out.append(f"  {display_line(row.token_source or '—')}", style="dim")
    out.append(f"\n{purpose_text(row)}", style="italic")
    return out


def render_badge(rep: Reproduction) -> Text:
    out = Text()
    if rep.matches:
        out.append("✓ reproduces", style="bold green")
        out.append(" (recompiled as of its time: same commits)", style="dim")
    else:
        reasons = Counter(d.reason for d in rep.differences)
        why = ", ".join(f"{n} {REASONS.get(r, r)}" for r, n in reasons.most_common())
        out.append("✗ differs", style="bold red")
        out.append(f": {why}")
        for d in rep.differences[:5]:
            out.append(f"\n  {display_line(d.detail)}", style="dim")
        if len(rep.differences) > 5:
            out.append(f"\n  … and {len(rep.differences) - 5} more", style="dim")
    if rep.tokens_comparable and rep.tokens_match is False:
        out.append(f"\n  tokens: {display_line(rep.token_note)}", style="yellow")
    elif not rep.tokens_comparable:
        out.append(f"\n  tokens: {display_line(rep.token_note)}", style="dim")
    if rep.changed_since:
        reasons = Counter(d.reason for d in rep.changed_since)
        since = ", ".join(f"{n} {REASONS.get(r, r)}" for r, n in reasons.most_common())
        out.append(f"\n  HEAD's compile now differs: {since}", style="dim")
    return out


def render_breakdown(breakdown: Breakdown | None) -> Text:
    out = Text(no_wrap=True, overflow="ellipsis")
    if breakdown is None:
        out.append("No token breakdown: the head is no longer stored", style="dim")
        return out
    total = max(1, breakdown.message_tokens)
    for title, groups in (("by role", breakdown.by_role), ("by type", breakdown.by_content_type)):
        out.append(f"{fit(title, 12)} msgs  tokens\n", style="bold")
        for g in groups:
            out.append_text(_bar_line(g, total))
    if breakdown.tools:
        names = ", ".join(display_line(n) for n in breakdown.tool_names)
        out.append(f"tools {breakdown.tools}: {breakdown.tools_tokens:,} tokens", style="bold")
        out.append(f" ({names})\n" if names else "\n")
    extra = breakdown.primer + breakdown.adjustment
    if extra:
        out.append(f"+ {extra} tokens of reply primer / calibration", style="dim")
    return out


def _bar_line(group: Group, total: int) -> Text:
    share = group.tokens / total
    filled = round(share * BAR)
    line = Text()
    key = fit(display_line(group.key), 11)
    line.append(f" {key} {group.messages:>4} {group.tokens:>7,} ")
    line.append("█" * filled, style="cyan")
    line.append("░" * (BAR - filled), style="dim")
    line.append(f" {share:>4.0%}\n")
    return line


def break_cell(cb: CacheBreak | None) -> tuple[str, str]:
    """The records list's cache column, and its look (``dim``, ``good``, ``bad``): where the
    prefix broke and the tokens sent again, ``first`` on a new line, ``✓ kept`` without a
    break, ``…`` while it is being worked out."""
    if cb is None:
        return "…", "dim"
    if cb.previous is None:
        return "first", "dim"
    if cb.position is None:
        return "✓ kept", "good"
    return f"@{cb.position} {format_tokens(cb.resent_tokens)}↻", "bad"


def render_break(cb: CacheBreak | None) -> Text:
    """The record's prefix-cache break against the previous record on its line."""
    out = Text()
    if cb is None:
        out.append("cache: … working it out", style="dim")
    elif cb.previous is None:
        out.append(f"cache: {display_line(cb.text)}", style="dim")
    else:
        out.append(display_line(cb.text), style="red" if cb.broken else "green")
        shared = f"{cb.shared_messages} messages, {cb.shared_tokens:,} tokens shared"
        out.append(f"\n  against record {cb.previous[:8]}: {shared}", style="dim")
    return out


def blame_label(b: Blame | None) -> str:
    """Where a message came from, short enough for a table column (the full sentence shows
    under the table for the highlighted row)."""
    if b is None:
        return "…"
    if b.kind == "imported":
        where = (b.file or "a transcript").rsplit("/", 1)[-1]
        where = where if len(where) <= 14 else "…" + where[-13:]
        label = f"imported {where}" + (f":{b.line}" if b.line is not None else "")
    elif b.kind == "summary":
        label = f"summary of {len(b.commits)} by {(b.event_id or '')[:8]}"
    elif b.kind == "edit":
        label = f"edit {b.commits[0][:8]}" if b.commits else "edit"
    elif b.kind == "merged":
        label = f"merged from {b.branch}" if b.branch else "merged"
    elif b.kind == "collapsed":
        label = "sub-agent"
    else:
        label = "typed"
    if b.via:
        label += f" ≈{len(b.via)}"
    return display_line(label)
