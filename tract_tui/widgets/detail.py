"""The detail pane: one commit's content (as data, never markup), metadata and links.

Content is rendered as ``rich.text.Text`` built from plain strings made safe by
``core.views.text``: a commit holding ``[bold]`` or an ANSI escape shows those characters.
"""

from __future__ import annotations

import json
import time
from typing import Any

from rich.text import Text
from textual import work
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import OptionList, Static

from core.models.enums import Priority
from core.read import StoreReader
from core.views.commit_detail import CommitDetail
from core.views.text import display_block, display_line
from tract_tui.actions import bindings_for
from tract_tui.widgets.detail_links import DetailLinks, links_of
from tract_tui.widgets.messages import ContentRequested, JumpToCommit, OpenEvent, OpenRecord
from tract_tui.workers import WorkerEndings

# What one selection lays out at once: wrapping text costs about 2 s per MB on the UI thread,
# so a commit shows its first screenful or so at once (≤ 50 ms whatever it holds; issue 9)
# and the rest on demand: each m shows GROWTH times more, M everything.
SHOW_CHARS = 4_000  # of a content, metadata or config, at first
SHOW_LINES = 120
GROWTH = 8
SHOW_MESSAGE = 2_000  # of a commit message
# Selections closer together than this (a held key, brisk presses) load the detail once the
# cursor rests: laying out a new detail takes the UI thread ~10-20 ms, which a key arriving
# meanwhile would wait for. A selection after a pause loads at once.
SETTLE_SECONDS = 0.06


class DetailPane(VerticalScroll, WorkerEndings, can_focus=True):
    BINDINGS = [*bindings_for("detail"), *bindings_for("scroll")]
    DEFAULT_CSS = """
    DetailPane { border-left: tall $panel; padding: 0 1; }
    DetailPane > Static { width: 1fr; }
    """

    class Loaded(Message):
        def __init__(self, commit_hash: str, detail: CommitDetail | None) -> None:
            super().__init__()
            self.commit_hash = commit_hash
            self.detail = detail

    def __init__(self, reader: StoreReader, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reader = reader
        self.commit_hash: str | None = None
        self._rendered: str | None = None
        self._detail: CommitDetail | None = None
        self.steps: int | None = 1  # how much of long blocks is shown (m: more; None: all)
        self._shown_at = float("-inf")  # when show() was last called (monotonic)
        self._settle: Timer | None = None  # a load waiting for the cursor to rest
        self.body = Static(Text("No commit selected", style="dim"))
        self.links = DetailLinks(id="detail-links")

    def compose(self):
        yield self.body
        yield self.links

    def on_mount(self) -> None:
        self.links.display = False

    def show(self, commit_hash: str | None) -> None:
        if commit_hash != self.commit_hash:
            self.steps = 1
        self.commit_hash = commit_hash
        now = time.monotonic()
        quick, self._shown_at = now - self._shown_at < SETTLE_SECONDS, now
        if self._settle is not None:
            self._settle.stop()
            self._settle = None
        if commit_hash is None:
            self.body.update(Text("No commit selected", style="dim"))
            return
        if quick:
            self._settle = self.set_timer(SETTLE_SECONDS, self._rested)
        else:
            self._load(commit_hash)

    @property
    def settling(self) -> bool:
        """A selection's detail waits for the cursor to rest."""
        return self._settle is not None

    def _rested(self) -> None:
        self._settle = None
        if self.commit_hash is not None:
            self._load(self.commit_hash)

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load(self, commit_hash: str) -> None:
        self.post_message(self.Loaded(commit_hash, self.reader.commit_detail(commit_hash)))

    def on_detail_pane_loaded(self, message: Loaded) -> None:
        if message.commit_hash != self.commit_hash:
            return
        self._detail = message.detail
        self.body.update(render_detail(message.detail, self.steps))
        self.links.set_links(links_of(message.detail) if message.detail else [])
        if message.commit_hash != self._rendered:  # a refresh of the same commit keeps scroll
            self._rendered = message.commit_hash
            self.scroll_home(animate=False)

    def on_focus(self) -> None:
        # Entering the pane puts the cursor on its links, ready to jump.
        if self.links.display and self.links.option_count:
            self.links.focus()
            if self.links.highlighted is None:
                self.links.highlighted = 0

    def action_jump(self) -> None:
        index = self.links.highlighted
        if index is not None:
            self._follow(index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._follow(event.option_index)

    def _follow(self, index: int) -> None:
        if not 0 <= index < len(self.links.links):
            return
        link = self.links.links[index]
        if link.kind == "commit":
            self.post_message(JumpToCommit(link.target))
        elif link.kind == "event":
            self.post_message(OpenEvent(link.target))
        elif link.kind == "record":
            self.post_message(OpenRecord(link.target))

    def action_more(self) -> None:
        """Show more of the clipped blocks (each press lays out GROWTH times more)."""
        if self.steps is not None:
            self._show_steps(self.steps + 1)

    def action_show_all(self) -> None:
        """Show every block whole (what it costs, the user asked for)."""
        self._show_steps(None)

    def _show_steps(self, steps: int | None) -> None:
        if self._detail is not None and self._detail.commit.commit_hash == self.commit_hash:
            self.steps = steps
            self.body.update(render_detail(self._detail, self.steps))

    def action_pager(self) -> None:
        if self.commit_hash is not None:
            self.post_message(ContentRequested(self.commit_hash, "pager"))

    def action_copy_content(self) -> None:
        if self.commit_hash is not None:
            self.post_message(ContentRequested(self.commit_hash, "clipboard"))

    def action_back(self) -> None:
        """Back to the list this pane details (never ``focus_previous``: from the links that
        lands on this pane, whose ``on_focus`` would hand the focus straight back)."""
        parent = self.parent
        siblings = parent.children if parent is not None else []
        for widget in siblings:
            if widget is not self and widget.focusable:
                widget.focus()
                return


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{n / 1000:.0f} KB"


def _budget(steps: int) -> tuple[int, int]:
    """(characters, lines) a block shows after ``steps - 1`` presses of m."""
    grown = GROWTH ** max(0, steps - 1)
    return SHOW_CHARS * grown, SHOW_LINES * grown


def _more_note(rest: str) -> str:
    return "not shown: m shows more, M all" if rest else ""


def clip(text: str, steps: int = 1) -> tuple[str, str]:
    """The head of ``text`` that is cheap to lay out, and a note on the rest ('' when nothing
    was left out)."""
    chars, lines = _budget(steps)
    head = text[:chars]
    end = -1
    for _ in range(lines):
        end = head.find("\n", end + 1)
        if end < 0:
            break
    if end >= 0:
        head = head[:end]
    if len(head) == len(text):
        return text, ""
    rest = text[len(head) :]
    more = f"… {_size(len(rest.encode('utf-8')))} more ({rest.count(chr(10)):,} lines) "
    return head, more + _more_note(rest)


def json_head(value: object, steps: int | None) -> tuple[str, str]:
    """``value`` as indented JSON (sorted keys): whole when ``steps`` is None, else its first
    keys up to the budget, and a note on the rest. Never dumps more than it shows: 2,000 keys
    of 1 KB would cost longer to indent than to lay out."""
    if steps is None:
        return json.dumps(value, indent=2, sort_keys=True), ""
    if not isinstance(value, dict) or not value:
        return clip(json.dumps(value, indent=2, sort_keys=True), steps)
    chars, _ = _budget(steps)
    pieces: list[str] = []
    used = 0
    keys = sorted(value, key=str)
    for key in keys:
        dumped = json.dumps(value[key], indent=2, sort_keys=True).replace("\n", "\n  ")
        piece = f"  {json.dumps(str(key))}: {dumped}"
        if pieces and used + len(piece) > chars:
            break
        pieces.append(piece)
        used += len(piece)
    rest = len(keys) - len(pieces)
    text = "{\n" + ",\n".join(pieces) + ("\n}" if not rest else ",\n  …")
    head, note = clip(text, steps)  # one huge value still shows only its head
    if rest:
        note = f"… {rest:,} more keys {_more_note('more')}"
    return head, note


def _block(out: Text, text: str, steps: int | None) -> None:
    head, note = (text, "") if steps is None else clip(text, steps)
    out.append(display_block(head) + "\n")
    if note:
        out.append(note + "\n", style="bold yellow")


def _json_block(out: Text, value: object, steps: int | None) -> None:
    head, note = json_head(value, steps)
    out.append(display_block(head) + "\n")
    if note:
        out.append(note + "\n", style="bold yellow")


def render_tract_ai(detail: CommitDetail) -> Text:
    """What tract-ai v7–v13 add to a commit: whether it compiles, its tags, an IMPORTANT
    commit's retention rules, and the tools it carries (with their tokens)."""
    out = Text()
    c = detail.commit
    if detail.damage:
        out.append(f"⚠ damaged: {'; '.join(detail.damage)}\n", style="bold red")
    if not detail.compiles:
        out.append(
            f"not compiled: {display_line(c.content_type)} commits are never sent "
            "(tract-ai c2f26dd rules)\n",
            style="italic",
        )
    if detail.tags:
        out.append("tags ", style="bold")
        out.append(" ".join(f"#{display_line(t)}" for t in detail.tags) + "\n", style="cyan")
    rules = detail.retention
    if detail.priority is Priority.IMPORTANT or rules is not None:
        out.append("IMPORTANT", style="bold magenta")
        out.append(": compressed like NORMAL, keeping what its retention rules ask\n")
        if rules is None:
            out.append("  (no retention rules)\n", style="dim")
        else:
            if rules.instructions:
                out.append(f"  keep: {display_line(rules.instructions)}\n")
            if rules.match_patterns:
                how = "matching" if rules.match_mode == "regex" else "containing"
                shown = ", ".join(display_line(repr(p)) for p in rules.match_patterns)
                out.append(f"  summary must have text {how}: {shown}\n")
    if detail.tools:
        total = sum(t.tokens for t in detail.tools)
        out.append(f"tools ({len(detail.tools)}, ~{total:,} tokens)\n", style="bold")
        for tool in detail.tools:
            out.append(f"  {display_line(tool.name)}", style="yellow")
            out.append(f" {tool.tokens:,} tokens")
            if tool.description:
                out.append(f" — {display_line(tool.description)}", style="dim")
            out.append("\n")
    return out


def render_detail(
    detail: CommitDetail | None, steps: int | None = 1, *, whole: bool = False
) -> Text:
    """The pane's text: long blocks clipped to ``steps`` (None: all), or ``whole`` (the pager:
    all, without the links line)."""
    shown = None if whole else steps
    if detail is None:
        return Text("Commit not found (deleted by GC?)", style="bold red")
    c = detail.commit
    out = Text()
    out.append(f"{c.commit_hash}\n", style="bold yellow")
    out.append(display_line(c.content_type), style="bold")  # a foreign writer's type name
    out.append(f" · {c.operation.name} · {display_line(detail.role)} · {detail.priority.name}")
    out.append(f" · {c.token_count} tokens\n")
    out.append(f"{c.created_at.isoformat(sep=' ', timespec='seconds')}\n", style="dim")
    if c.message:
        short = whole or len(c.message) <= SHOW_MESSAGE
        message = c.message if short else c.message[:SHOW_MESSAGE] + "…"
        out.append(display_line(message) + "\n", style="italic")
    if detail.edit_target is not None:
        out.append(f"edits {detail.edit_target.commit_hash[:12]}\n", style="cyan")
    out.append_text(render_tract_ai(detail))
    out.append("\n")
    if detail.edited_text is not None:
        out.append("compiles as (edited):\n", style="bold cyan")
        _block(out, detail.edited_text, shown)
        out.append("\n")
        out.append("original:\n", style="bold dim")
    _block(out, detail.text, shown)
    if c.generation_config:
        out.append("\ngeneration config\n", style="bold")
        _json_block(out, c.generation_config, shown)
    if c.metadata:
        out.append("\nmetadata\n", style="bold")
        _json_block(out, c.metadata, shown)
    if detail.annotations:
        out.append("\nannotations\n", style="bold")
        for a in detail.annotations:
            reason = f" — {display_line(a.reason)}" if a.reason else ""
            out.append(f"  {a.created_at:%Y-%m-%d %H:%M:%S} {a.priority.name}{reason}\n")
    links = (
        len(detail.edits)
        + len(detail.parents)
        + len(detail.children)
        + len(detail.events)
        + len(detail.records)
        + (1 if detail.edit_target else 0)
    )
    if not detail.parents:
        out.append("\nroot commit (no parents)", style="dim")
    if links and not whole:
        out.append(f"\nlinks ({links}) — enter on one to jump:", style="bold")
    return out
