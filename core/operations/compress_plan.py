"""Planning a compression (docs/behaviour.md §9): what is selected, kept, dropped and summarised.

A plan is a dry run: it writes nothing and holds everything the preview shows and the apply
step needs — the range (widened so a tool call never leaves its result), the groups of NORMAL
commits to summarise with their text, the commits kept verbatim, the commits dropped, the
commits after the range that will be replayed, and the head the plan was made against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.engine.compile_order import expand
from core.engine.tokens import MESSAGE_OVERHEAD, NAME_OVERHEAD
from core.errors import CompressionError, NothingToCompressError
from core.models.compiled import CompiledContext, CompileRow
from core.models.enums import Priority
from core.models.records import Retention
from core.operations.compile import Compiler, _Loader
from core.operations.compress_tools import tool_units, widen_picks, widen_range
from core.operations.context import TractContext, head_state, require_attached
from core.operations.navigation import resolve
from core.storage.repositories import UnitOfWork

WIDEN_MARGIN = 64  # rows fetched before a range to see tool calls that own results inside it
SUMMARISED = "summarised"
KEPT = "kept"
DROPPED = "dropped"  # SKIP: neither summarised, kept, nor a source
ABSORBED = "absorbed"  # an EDIT of a summarised commit: its text is in the summary
STRUCTURAL = "structural"  # a merge commit inside the range: replaced by its merged-in commits


@dataclass(frozen=True)
class PlannedCommit:
    commit_hash: str
    role: str  # SUMMARISED, KEPT, DROPPED, ABSORBED or STRUCTURAL
    group: int | None  # index of its summary group (summarised commits only)
    raw_tokens: int  # raw tokens of its effective text
    label: str  # "[role]" of its compiled message, or its content type
    text: str  # its effective text (summarised and kept commits)


@dataclass(frozen=True)
class Group:
    index: int
    commits: tuple[str, ...]
    text: str  # the segment handed to the summariser: "[role]: text" blocks
    raw_tokens: int
    message_tokens: int  # what these messages cost in the compiled context
    # The retention rules of its IMPORTANT commits (tract-ai v7): their instructions go to
    # the summarizer, their patterns must be found in the summary.
    retention: tuple[Retention, ...] = ()

    def missing_in(self, summary: str) -> tuple[str, ...]:
        """The retention patterns ``summary`` does not contain, in rule order."""
        return tuple(p for r in self.retention for p in r.missing_in(summary))


@dataclass(frozen=True)
class CompressPlan:
    tract_id: str
    branch: str
    head_before: str
    base: str | None  # parent of the first range commit (None: the range starts at the root)
    selected: tuple[PlannedCommit, ...]
    groups: tuple[Group, ...]
    replay: tuple[str, ...]  # commits re-created on top, in order
    widened: tuple[str, ...]  # human notes: why the range grew
    tokens_before: int  # compiled context now
    original_tokens: int  # raw tokens of the summarised commits
    target_tokens: int | None
    instructions: str | None
    preserve: tuple[str, ...] = field(default=())
    # What was asked, resolved to hashes, so a re-plan covers the same commits however far
    # HEAD moved since: the first and last commit of a range, or the picked commits.
    range_ends: tuple[str, str] | None = None
    picks: tuple[str, ...] | None = None
    # The annotation in force on each selected commit when planned (id, or None): a change
    # means the range changed (a pin or skip moves commits between groups).
    annotation_ids: tuple[tuple[str, int | None], ...] = ()
    # Set when the plan was moved onto a head that had gained commits after the range.
    planned_head: str | None = None
    appended: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        """Consumed originals, in chain order: summarised commits and absorbed edits."""
        return tuple(p.commit_hash for p in self.selected if p.role in (SUMMARISED, ABSORBED))

    def by_role(self, role: str) -> tuple[str, ...]:
        return tuple(p.commit_hash for p in self.selected if p.role == role)

    def estimated_after(self, summary_tokens: Sequence[int]) -> int:
        """Compiled tokens once each group's message is replaced by a summary of that size."""
        saved = sum(g.message_tokens for g in self.groups)
        return self.tokens_before - saved + sum(summary_tokens)


def plan_compression(
    uow: UnitOfWork,
    ctx: TractContext,
    compiler: Compiler,
    *,
    commits: Sequence[str] | None = None,
    from_ref: str | None = None,
    to_ref: str | None = None,
    preserve: Sequence[str] = (),
    target_tokens: int | None = None,
    instructions: str | None = None,
) -> CompressPlan:
    state = head_state(uow, ctx.tract_id)
    require_attached(state, "compress")
    if state.commit is None or state.branch is None:
        raise CompressionError("nothing to compress: the branch has no commits")
    head = state.commit
    chain = uow.commits.first_parent_hashes(head)
    chain.reverse()  # root first
    position = {h: i for i, h in enumerate(chain)}
    notes: list[str] = []

    def on_chain(ref: str, what: str) -> int:
        commit = resolve(uow, ctx, ref)
        if commit not in position:
            raise CompressionError(
                f"{what} {commit[:12]} is not on branch {state.branch}'s first-parent chain"
            )
        return position[commit]

    picks: list[int] | None = None
    if commits is not None:
        if from_ref is not None or to_ref is not None:
            raise CompressionError("give either a list of commits or a from..to range, not both")
        if not commits:
            raise CompressionError("nothing to compress: the commit list is empty")
        picks = sorted({on_chain(ref, "commit") for ref in commits})
        lo, hi = picks[0], picks[-1]
        asked: tuple[tuple[str, str] | None, tuple[str, ...] | None] = (
            None,
            tuple(chain[p] for p in picks),
        )
    else:
        lo = on_chain(from_ref, "range start") if from_ref is not None else 0
        hi = on_chain(to_ref, "range end") if to_ref is not None else len(chain) - 1
        if lo > hi:
            raise CompressionError(
                f"range is reversed: {chain[lo][:8]} comes after {chain[hi][:8]} on the branch"
            )
        asked = ((chain[lo], chain[hi]), None)
    # Fetch a margin before the range: a tool call just before it may own a result inside.
    start = max(0, lo - WIDEN_MARGIN)
    rows = uow.commits.compile_chain(head, ctx.counter.encoding_name, limit=len(chain) - start)
    rows.reverse()  # rows[i] is chain[start + i]
    units = tool_units(rows)
    if picks is None:
        lo2, hi2 = widen_range(units, lo - start, hi - start)
        if (start + lo2, start + hi2) != (lo, hi):
            notes.append(
                f"range widened to {chain[start + lo2][:8]}..{chain[start + hi2][:8]} "
                "so no tool call is separated from its result"
            )
        lo, hi = start + lo2, start + hi2
        chosen = set(range(lo, hi + 1))
    else:
        chosen = {start + p for p in widen_picks(units, [p - start for p in picks])}
        added = sorted(chosen - set(picks))
        if added:
            notes.append(
                "added "
                + ", ".join(chain[p][:8] for p in added)
                + " so no tool call is separated from its result"
            )
        lo, hi = min(chosen), max(chosen)
    selected_rows = [rows[p - start] for p in sorted(chosen)]
    selected_rows = _expand_merges(uow, ctx, chain, lo, selected_rows, notes)
    preserve_set = {resolve(uow, ctx, ref) for ref in preserve}
    compiled = compiler.compile(uow, head=head)
    planned, groups, annotation_ids = _classify(uow, ctx, compiled, selected_rows, preserve_set)
    if not groups:
        raise NothingToCompressError(
            "nothing to compress: every selected commit is pinned, preserved or skipped"
        )
    selected_set = {p.commit_hash for p in planned}
    replay = tuple(h for h in chain[lo:] if h not in selected_set)
    return CompressPlan(
        tract_id=ctx.tract_id,
        branch=state.branch,
        head_before=head,
        base=chain[lo - 1] if lo > 0 else None,
        selected=tuple(planned),
        groups=tuple(groups),
        replay=replay,
        widened=tuple(notes),
        tokens_before=compiled.token_count,
        original_tokens=sum(g.raw_tokens for g in groups),
        target_tokens=target_tokens,
        instructions=instructions,
        preserve=tuple(sorted(preserve_set)),
        range_ends=asked[0],
        picks=asked[1],
        annotation_ids=annotation_ids,
    )


def _expand_merges(
    uow: UnitOfWork,
    ctx: TractContext,
    chain: list[str],
    lo: int,
    rows: list[CompileRow],
    notes: list[str],
) -> list[CompileRow]:
    """A merge inside the range is replaced by its merged-in commits, which join the range."""
    if not any(r.n_parents >= 2 for r in rows):
        return rows
    seen = uow.commits.ancestors([chain[lo - 1]]) if lo > 0 else set()
    expanded = expand(rows, _Loader(uow, ctx.counter.encoding_name), seen)
    joined = len(expanded) - len(rows)
    if joined:
        notes.append(f"{joined} commits merged into the range joined it")
    return expanded


def _classify(
    uow: UnitOfWork,
    ctx: TractContext,
    compiled: CompiledContext,
    rows: list[CompileRow],
    preserve: set[str],
) -> tuple[list[PlannedCommit], list[Group], tuple[tuple[str, int | None], ...]]:
    effective = {h: i for i, h in enumerate(compiled.commit_hashes)}
    in_force = uow.annotations.in_force([r.commit_hash for r in rows], ctx.now())
    annotation_ids = tuple(
        (r.commit_hash, in_force[r.commit_hash].id if r.commit_hash in in_force else None)
        for r in rows
    )
    selected = {r.commit_hash for r in rows}
    important = [h for h, a in in_force.items() if a.priority is Priority.IMPORTANT]
    retention = uow.head_tables.retention_of(important) if important else {}
    roles: dict[str, str] = {}
    for row in rows:
        info = in_force.get(row.commit_hash)
        priority = (
            info.priority if info else ctx.rules.default_priority(ctx.registry, row.content_type)
        )
        if row.n_parents >= 2:
            roles[row.commit_hash] = STRUCTURAL
        elif row.is_edit:
            roles[row.commit_hash] = ABSORBED  # settled below, once targets are classified
        elif priority is Priority.SKIP:
            roles[row.commit_hash] = DROPPED
        elif priority is Priority.PINNED or row.commit_hash in preserve:
            roles[row.commit_hash] = KEPT
        else:
            roles[row.commit_hash] = SUMMARISED
    for row in rows:
        # An EDIT of a summarised commit is absorbed (its text is in the summary); any other
        # EDIT is re-created so it still applies.
        if row.is_edit and not (
            row.response_to in selected and roles.get(row.response_to or "") == SUMMARISED
        ):
            roles[row.commit_hash] = KEPT
    planned: list[PlannedCommit] = []
    groups: list[list[PlannedCommit]] = []
    current: list[PlannedCommit] | None = None
    for row in rows:
        role = roles[row.commit_hash]
        i = effective.get(row.commit_hash)
        text, label, tokens = "", f"[{row.content_type}]", 0
        if i is not None and role in (SUMMARISED, KEPT):
            message = compiled.messages[i]
            text, label = message.content, f"[{message.role}]"
            tokens = content_tokens(ctx, compiled.message_tokens[i], message.role, message.name)
        if role == SUMMARISED:
            if current is None:
                current = []
                groups.append(current)
            entry = PlannedCommit(row.commit_hash, role, len(groups) - 1, tokens, label, text)
            current.append(entry)
        else:
            if role == KEPT and not row.is_edit:
                current = None  # a kept message splits the groups around it
            entry = PlannedCommit(row.commit_hash, role, None, tokens, label, text)
        planned.append(entry)
    out_groups = [
        Group(
            index=g,
            commits=tuple(p.commit_hash for p in members),
            text="\n\n".join(f"{p.label}: {p.text}" for p in members),
            raw_tokens=sum(p.raw_tokens for p in members),
            message_tokens=sum(
                compiled.message_tokens[effective[p.commit_hash]]
                for p in members
                if p.commit_hash in effective
            ),
            retention=tuple(
                retention[p.commit_hash] for p in members if p.commit_hash in retention
            ),
        )
        for g, members in enumerate(groups)
    ]
    return planned, out_groups, annotation_ids


def content_tokens(ctx: TractContext, message_tokens: int, role: str, name: str | None) -> int:
    """Tokens of a message's text alone, from its stored message count (no recount)."""
    overhead = MESSAGE_OVERHEAD + ctx.counter.count_text(role)
    if name is not None:
        overhead += ctx.counter.count_text(name) + NAME_OVERHEAD
    return max(0, message_tokens - overhead)
