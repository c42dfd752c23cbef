"""Merging a branch into the current one (docs/behaviour.md §7).

``merge`` refuses, fast-forwards, writes a clean merge commit, or returns the conflicts without
writing anything; ``commit_merge`` writes a resolved conflict result: the merge commit, then one
EDIT per resolution so the compile shows the resolved text. Each is one transaction.

The merge base is a true lowest common ancestor, computed from ancestor *sets* (one recursive
query per tip), never by walking commit by commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from core.errors import AlreadyUpToDateError, BranchNotFoundError, MergeError, NotFoundError
from core.models import content as c
from core.models.enums import CommitOperation, Priority
from core.models.records import CommitInfo, HeadState
from core.models.refs import branch_ref
from core.operations.commit import validate_edit_target, write_commit
from core.operations.context import TractContext, advance_head, head_state
from core.operations.merge_conflicts import (
    MergeConflict,
    Resolutions,
    Resolver,
    detect_conflicts,
    resolution_payload,
    run_resolver,
)
from core.operations.navigation import resolve
from core.storage.repositories import UnitOfWork

FAST_FORWARD = "fast_forward"
CLEAN = "clean"
CONFLICT = "conflict"
SEMANTIC = "semantic"
STRATEGIES = ("auto", "semantic")
MERGE_SKIP_REASON = "merge commit: structure only"


@dataclass
class MergeResult:
    """What a merge did, or — for ``conflict``/``semantic`` before commit — what it would do.

    ``resolutions`` maps a conflict's target hash to its resolved text; callers may fill it in
    themselves before :func:`commit_merge`.
    """

    kind: str  # fast_forward | clean | conflict | semantic
    source: str  # as named by the caller (a branch name, or a ref)
    target_branch: str
    source_tip: str
    target_tip: str
    merge_base: str | None
    strategy: str = "auto"
    message: str | None = None  # the caller's merge message, if any
    source_is_branch: bool = True
    conflicts: list[MergeConflict] = field(default_factory=list)
    resolutions: dict[str, str] = field(default_factory=dict)
    reasoning: dict[str, str] = field(default_factory=dict)
    generation_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    ours: frozenset[str] = frozenset()  # divergent commits of the current side
    theirs: frozenset[str] = frozenset()  # divergent commits of the source side
    merge_commit_hash: str | None = None
    edit_hashes: tuple[str, ...] = ()  # resolution EDITs written by commit_merge
    committed: bool = False

    @property
    def unresolved(self) -> list[MergeConflict]:
        return [x for x in self.conflicts if x.target_hash not in self.resolutions]

    @property
    def fully_resolved(self) -> bool:
        return bool(self.conflicts) and not self.unresolved

    @property
    def commit_message(self) -> str:
        return self.message or f"Merge branch '{self.source}' into {self.target_branch}"

    def apply(self, answers: Resolutions) -> None:
        """Record resolver answers; a fully resolved semantic merge becomes ``semantic``."""
        self.resolutions.update(answers.text)
        self.reasoning.update(answers.reasoning)
        self.generation_configs.update(answers.configs)
        if self.strategy == "semantic" and self.fully_resolved:
            self.kind = SEMANTIC


# --- merge base -----------------------------------------------------------------------------


def _parents(uow: UnitOfWork, hashes: Iterable[str]) -> tuple[dict[str, CommitInfo], set[str]]:
    """The commits themselves and all their parents (both kinds), in two bulk queries."""
    infos = uow.commits.get_many(hashes)
    merges = uow.parents.parents_of(infos)
    parents: set[str] = set()
    for h, info in infos.items():
        if info.parent_hash:
            parents.add(info.parent_hash)
        parents.update(merges.get(h, ()))
    return infos, parents


def lowest_common_ancestors(
    uow: UnitOfWork, anc_a: set[str], anc_b: set[str]
) -> tuple[set[str], dict[str, CommitInfo]]:
    """Common ancestors that are no ancestor of another common ancestor.

    Also returns the commits loaded on the way (the divergent ones). Every LCA is the parent
    of a divergent commit, so only those few candidates are examined; a candidate that is an
    ancestor of another candidate's parents is not lowest.
    """
    common = anc_a & anc_b
    if not common:
        return set(), {}
    divergent = (anc_a | anc_b) - common
    loaded, parents = _parents(uow, divergent)
    candidates = parents & common
    if len(candidates) <= 1:
        return candidates, loaded
    _, above = _parents(uow, candidates)
    return candidates - uow.commits.ancestors(above), loaded


def merge_base(uow: UnitOfWork, a: str, b: str) -> str | None:
    """The true LCA of two commits; with several (criss-cross), the newest."""
    lcas, _ = lowest_common_ancestors(uow, uow.commits.ancestors([a]), uow.commits.ancestors([b]))
    return _newest(uow, lcas)


def _newest(uow: UnitOfWork, hashes: set[str]) -> str | None:
    if len(hashes) <= 1:
        return next(iter(hashes), None)
    infos = uow.commits.get_many(hashes)
    return max(infos.values(), key=lambda i: (i.created_at, i.commit_hash)).commit_hash


# --- merge ----------------------------------------------------------------------------------


def _attached_head(uow: UnitOfWork, ctx: TractContext) -> tuple[HeadState, str, str]:
    state = head_state(uow, ctx.tract_id)
    if state.detached:
        raise MergeError(
            f"cannot merge on a detached HEAD (at {str(state.commit)[:8]}); switch to a branch"
        )
    if state.commit is None or state.branch is None:
        raise MergeError("cannot merge: the current branch has no commits")
    return state, state.branch, state.commit


def _resolve_source(uow: UnitOfWork, ctx: TractContext, source: str) -> tuple[str, bool]:
    ref = uow.refs.get(ctx.tract_id, branch_ref(source))
    if ref is not None and ref.commit_hash:
        return ref.commit_hash, True
    try:
        return resolve(uow, ctx, source), False
    except NotFoundError:
        raise BranchNotFoundError(f"cannot merge {source!r}: no such branch") from None


def merge(
    uow: UnitOfWork,
    ctx: TractContext,
    source: str,
    *,
    strategy: str = "auto",
    no_ff: bool = False,
    resolver: Resolver | None = None,
    message: str | None = None,
) -> MergeResult:
    """Merge ``source`` (a branch, or any ref) into the attached branch.

    Writes only for ``fast_forward`` (the ref moves) and ``clean`` (a SKIP-annotated 2-parent
    merge commit). Conflicts are returned unwritten; ``resolver`` (if given) is asked once per
    conflict.
    """
    if strategy not in STRATEGIES:
        raise MergeError(f"unknown merge strategy {strategy!r} (use auto or semantic)")
    uow.lock_tract(ctx.tract_id)
    state, target_branch, target_tip = _attached_head(uow, ctx)
    source_tip, is_branch = _resolve_source(uow, ctx, source)
    if source_tip == target_tip:
        raise AlreadyUpToDateError(f"already up to date: {source!r} is at HEAD")
    anc_target = uow.commits.ancestors([target_tip])
    if source_tip in anc_target:
        raise AlreadyUpToDateError(f"already up to date: {source!r} is contained in HEAD")
    anc_source = uow.commits.ancestors([source_tip])
    result = MergeResult(
        kind=CLEAN,
        source=source,
        target_branch=target_branch,
        source_tip=source_tip,
        target_tip=target_tip,
        merge_base=None,
        strategy=strategy,
        message=message,
        source_is_branch=is_branch,
    )
    if target_tip in anc_source and not no_ff:
        uow.refs.set_direct(ctx.tract_id, branch_ref(target_branch), source_tip)
        return replace(
            result,
            kind=FAST_FORWARD,
            merge_base=target_tip,
            theirs=frozenset(anc_source - anc_target),
            merge_commit_hash=source_tip,
            committed=True,
        )

    common = anc_target & anc_source
    lcas, infos = lowest_common_ancestors(uow, anc_target, anc_source)
    base = _newest(uow, lcas)
    # With one LCA the common ancestors are exactly its ancestors; with several
    # (criss-cross) the divergent sets are measured from the chosen base.
    anc_base = common if len(lcas) <= 1 else uow.commits.ancestors([base] if base else [])
    ours = frozenset(anc_target - anc_base)
    theirs = frozenset(anc_source - anc_base)
    missing = (ours | theirs) - set(infos)
    infos = {**infos, **uow.commits.get_many(missing)} if missing else infos
    result.merge_base, result.ours, result.theirs = base, ours, theirs
    # Commits in both sets (criss-cross) are common ancestors: shared history, not a side.
    result.conflicts = detect_conflicts(
        uow,
        ctx,
        ours=ours - theirs,
        theirs=theirs - ours,
        infos=infos,
        shared=lambda hashes: set(hashes) & common,
    )
    if result.conflicts:
        result.kind = CONFLICT
        if resolver is not None:
            result.apply(run_resolver(result.conflicts, resolver))
        return result

    info = _write_merge_commit(uow, ctx, state, result, {}, None)
    advance_head(uow, ctx.tract_id, state, info.commit_hash)
    result.merge_commit_hash = info.commit_hash
    result.committed = True
    return result


def _write_merge_commit(
    uow: UnitOfWork,
    ctx: TractContext,
    state: HeadState,
    result: MergeResult,
    extra: Mapping[str, Any],
    generation_config: Mapping[str, Any] | None,
) -> CommitInfo:
    """The 2-parent merge commit (hash covers both parents), annotated SKIP at once."""
    tips = uow.commits.get_many([result.target_tip, result.source_tip])
    if result.source_tip not in tips:
        raise MergeError(f"cannot merge: source commit {result.source_tip[:8]} no longer exists")
    body = {"message": f"Merged {result.source} into {result.target_branch}", **extra}
    payload = ctx.registry.validate(c.freeform(body))
    info = write_commit(
        uow,
        ctx,
        payload,
        parent=result.target_tip,
        message=result.commit_message,
        generation_config=generation_config,
        merge_parents=[result.target_tip, result.source_tip],
        not_before=max(t.created_at for t in tips.values()),
    )
    # Structure only: the merge must not leak a JSON message into the compiled context.
    uow.annotations.add(
        ctx.tract_id, info.commit_hash, Priority.SKIP, MERGE_SKIP_REASON, info.created_at
    )
    return info


def commit_merge(uow: UnitOfWork, ctx: TractContext, result: MergeResult) -> MergeResult:
    """Write a resolved ``conflict``/``semantic`` result: merge commit, then one EDIT per
    resolution on top of it, in conflict order. HEAD must not have moved since the merge."""
    if result.committed:
        raise MergeError(f"merge of {result.source!r} is already committed")
    if result.kind not in (CONFLICT, SEMANTIC):
        raise MergeError(f"nothing to commit for a {result.kind} merge")
    unresolved = result.unresolved
    if unresolved:
        shown = ", ".join(x.target_hash[:8] for x in unresolved[:5])
        raise MergeError(
            f"cannot commit the merge of {result.source!r}: "
            f"{len(unresolved)} of {len(result.conflicts)} conflicts unresolved ({shown})"
        )
    uow.lock_tract(ctx.tract_id)
    state, branch, tip = _attached_head(uow, ctx)
    if branch != result.target_branch or tip != result.target_tip:
        raise MergeError(
            f"HEAD moved since the merge was prepared (expected {result.target_branch} at "
            f"{result.target_tip[:8]}, found {branch} at {tip[:8]}); merge again"
        )
    # Validate every resolution EDIT before writing anything.
    targets = [x.target_hash for x in result.conflicts]
    blobs = uow.blobs.get_many({x.target.content_hash for x in result.conflicts})
    edits: list[tuple[MergeConflict, dict[str, Any]]] = []
    for conflict in result.conflicts:
        validate_edit_target(uow, ctx, CommitOperation.EDIT, conflict.target_hash)
        blob = blobs.get(conflict.target.content_hash)
        original = blob.payload if blob is not None else {}
        text = result.resolutions[conflict.target_hash]
        edits.append((conflict, resolution_payload(ctx, original, text)))
    first_config = next(
        (result.generation_configs[t] for t in targets if t in result.generation_configs), None
    )
    merge_info = _write_merge_commit(
        uow,
        ctx,
        state,
        result,
        {"resolutions": {t: result.resolutions[t] for t in targets}},
        first_config,
    )
    prev = merge_info
    written: list[str] = []
    for conflict, payload in edits:
        prev = write_commit(
            uow,
            ctx,
            payload,
            parent=prev.commit_hash,
            operation=CommitOperation.EDIT,
            response_to=conflict.target_hash,
            message=f"Resolve {conflict.conflict_type} on {conflict.target_hash[:8]}",
            generation_config=result.generation_configs.get(conflict.target_hash),
            not_before=prev.created_at,
        )
        written.append(prev.commit_hash)
    advance_head(uow, ctx.tract_id, state, prev.commit_hash)
    return replace(
        result,
        merge_commit_hash=merge_info.commit_hash,
        edit_hashes=tuple(written),
        committed=True,
    )
