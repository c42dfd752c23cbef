"""What the explanations need about one tract and one compile, read in a few set-based queries.

The compile's *history* (every commit its walk visits: the head's ancestors over both parent
kinds) is never walked. A commit of that history is either listed by the compile or is one of
few *candidates* — SKIP in force, an EDIT, or (for a compile as of an earlier time) committed
after that time — so a candidate is in the history exactly when one of its children is listed
or is itself a candidate in the history. One query for the candidates' children answers it for
all of them; a 100k-commit history costs what its skips and edits cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from core.explain.hops import Hops
from core.explain.messages import payload_tokens
from core.explain.models import AnnotationNote, Subject
from core.models.content import BUILTIN_TYPES
from core.models.enums import Priority
from core.models.records import AnnotationInfo, CommitInfo
from core.models.refs import BRANCH_PREFIX
from core.operations.context import TractContext
from core.storage.repositories import MessageFacts, UnitOfWork

DESCENDANT_CAP = 200_000  # bound of a forward walk (a stored cycle cannot loop it)


class Positions:
    """Where each commit sits in the compile: a full list (a live compile, the lens), or a
    record's list looked up only for the commits asked about (``why`` on a 100k record)."""

    def __init__(
        self,
        effectives: Sequence[str] | None = None,
        *,
        record_id: str | None = None,
        uow: UnitOfWork | None = None,
        message_tokens: Sequence[int] | None = None,
    ) -> None:
        self._record_id = record_id
        self._uow = uow
        self.message_tokens = message_tokens
        self._known: dict[str, int | None] = {}
        self._full: Sequence[str] | None = None
        if effectives is not None:
            self._set_full(effectives)

    @classmethod
    def indexed(
        cls,
        effectives: Sequence[str],
        index: Mapping[str, int],
        message_tokens: Sequence[int] | None = None,
    ) -> Positions:
        """A full list whose hash → position lookup the caller already has (a streamed
        compile's: a dict of a million positions costs ~70 MB)."""
        positions = cls(message_tokens=message_tokens)
        positions._full = effectives
        positions._index = index
        return positions

    def _set_full(self, effectives: Sequence[str]) -> None:
        self._full = effectives
        self._index: Mapping[str, int] = {h: i for i, h in enumerate(effectives)}

    @property
    def complete(self) -> bool:
        return self._full is not None

    def all(self) -> Sequence[str]:
        if self._full is None:
            assert self._uow is not None and self._record_id is not None
            self._set_full(self._uow.lineage.effective_hashes(self._record_id))
        assert self._full is not None
        return self._full

    def index(self) -> Mapping[str, int]:
        """hash → position for the whole list (loads it)."""
        self.all()
        return self._index

    def prefetch(self, hashes: Iterable[str]) -> None:
        if self._full is not None:
            return
        wanted = [h for h in hashes if h not in self._known]
        if not wanted:
            return
        assert self._uow is not None and self._record_id is not None
        found = self._uow.lineage.effective_positions(self._record_id, wanted)
        for h in wanted:
            self._known[h] = found.get(h)

    def get(self, h: str) -> int | None:
        if self._full is not None:
            return self._index.get(h)
        if h not in self._known:
            self.prefetch([h])
        return self._known[h]

    def __contains__(self, h: object) -> bool:
        return isinstance(h, str) and self.get(h) is not None


def note(info: AnnotationInfo | None) -> AnnotationNote | None:
    if info is None:
        return None
    return AnnotationNote(info.id, info.priority.name, info.reason, info.created_at)


class TractFacts:
    """Facts of a tract that do not depend on the compile's time: its EDIT commits, its
    events' hops and its branch tips (shared by the explanations of several compiles)."""

    def __init__(self, uow: UnitOfWork, ctx: TractContext) -> None:
        tract = ctx.tract_id
        self.edit_target: dict[str, str] = {}
        self.edit_time: dict[str, datetime] = {}
        self.edits_of: dict[str, list[str]] = {}
        for h, target, at in uow.lineage.edits_of_tract(tract):
            self.edit_target[h] = target
            self.edit_time[h] = at
            self.edits_of.setdefault(target, []).append(h)
        self.hops = Hops(uow, tract)
        self.skip_types = [
            t
            for t in sorted(BUILTIN_TYPES | set(ctx.registry.custom))
            if ctx.registry.default_priority(t) is Priority.SKIP
        ]
        self.default_skipped = set(uow.lineage.of_types(tract, self.skip_types))
        self.branch_tips = {
            r.ref_name[len(BRANCH_PREFIX) :]: r.commit_hash
            for r in uow.refs.list(tract)
            if r.ref_name.startswith(BRANCH_PREFIX) and r.commit_hash
        }


class Facts:
    """One tract, one compile. Bulk facts on construction; per-commit facts on demand (each a
    set-based query for the commits asked about, cached)."""

    def __init__(
        self,
        uow: UnitOfWork,
        ctx: TractContext,
        subject: Subject,
        positions: Positions,
        tract: TractFacts | None = None,
    ) -> None:
        self.uow = uow
        self.ctx = ctx
        self.subject = subject
        self.at = subject.at
        self.head = subject.head or None
        self.position = positions
        self.tract = tract = tract or TractFacts(uow, ctx)
        self.annotations = uow.annotations.in_force_for_tract(ctx.tract_id, self.at)
        skipped = {h for h, a in self.annotations.items() if a.priority is Priority.SKIP}
        skipped.update(h for h in tract.default_skipped if h not in self.annotations)
        self.skipped = skipped
        self.edit_target = tract.edit_target
        self.edit_time = tract.edit_time
        self.edits_of = tract.edits_of
        self.hops = tract.hops
        self._candidates: set[str] | None = None
        self._children: dict[str, list[str]] = {}
        self._hist: dict[str, bool] = {}
        self._commits: dict[str, CommitInfo] = {}
        self._blob_facts: dict[str, MessageFacts | None] = {}
        self._edit_in_force: dict[str, str] | None = None
        self._branches_of: dict[str, tuple[str, ...]] = {}
        self._bulk_branches: dict[str, set[str]] | None = None

    # -- commits ------------------------------------------------------------------------------

    def load(self, hashes: Iterable[str]) -> None:
        """Fetch the rows of commits about to be explained (one query for all of them)."""
        missing = [h for h in hashes if h not in self._commits]
        if missing:
            self._commits.update(self.uow.commits.get_many(missing))

    def remember(self, commits: Iterable[CommitInfo]) -> None:
        self._commits.update((c.commit_hash, c) for c in commits)

    def commit(self, h: str) -> CommitInfo | None:
        if h not in self._commits:
            self.load([h])
        return self._commits.get(h)

    # -- the compile's history ------------------------------------------------------------------

    def _candidate_set(self) -> set[str]:
        if self._candidates is None:
            cands = set(self.skipped) | set(self.edit_target)
            if self.subject.kind == "compile" and self.head:
                head = self.commit(self.head)
                if head is not None and head.created_at > self.at:
                    cands.update(
                        self.uow.lineage.created_between(
                            self.ctx.tract_id, self.at, head.created_at
                        )
                    )
            self.position.prefetch(cands)
            cands = {h for h in cands if h not in self.position}
            self._candidates = cands
            self._children = self.uow.lineage.children(cands) if cands else {}
            self.position.prefetch(c for kids in self._children.values() for c in kids)
        return self._candidates

    def maybe_in_history(self) -> set[str]:
        """Commits that may be in the history without being listed (the candidates): a
        commit neither listed nor in this set is outside it."""
        return self._candidate_set() | ({self.head} if self.head else set())

    def in_history(self, h: str) -> bool:
        """Whether the compile's walk visits ``h`` (before any time filter)."""
        if h == self.head or h in self.position:
            return bool(self.head)
        cands = self._candidate_set()
        if h not in cands:
            return False
        known = self._hist.get(h)
        if known is not None:
            return known
        # Iterative depth-first search through candidates towards a listed commit.
        stack, path = [h], set()
        while stack:
            x = stack[-1]
            if x in self._hist:
                stack.pop()
                continue
            path.add(x)
            pending = None
            result = False
            for child in self._children.get(x, ()):
                if child == self.head or child in self.position:
                    result = True
                    break
                if child in cands:
                    if child in self._hist:
                        if self._hist[child]:
                            result = True
                            break
                    elif child not in path:
                        pending = child
                        break
            if pending is not None and not result:
                stack.append(pending)
                continue
            self._hist[x] = result
            path.discard(x)
            stack.pop()
        return self._hist[h]

    def edit_in_force(self) -> dict[str, str]:
        """target → the EDIT whose text the compile used at the target's position."""
        if self._edit_in_force is None:
            out: dict[str, str] = {}
            self.position.prefetch(self.edits_of)
            for target, edits in self.edits_of.items():
                if target not in self.position:
                    continue
                live = [e for e in edits if self.edit_time[e] <= self.at and self.in_history(e)]
                if live:
                    # Newest wins; equal times keep the one earlier in the compile order,
                    # which for our strictly increasing clocks never happens.
                    out[target] = max(live, key=lambda e: (self.edit_time[e], e))
            self._edit_in_force = out
        return self._edit_in_force

    def tokens_at(self, target: str) -> int | None:
        """Tokens of the message at ``target``'s position (the edit's text when edited)."""
        position = self.position.get(target)
        if position is None:
            return None
        tokens = self.position.message_tokens
        if tokens is not None and position < len(tokens):
            return int(tokens[position])
        source = self.edit_in_force().get(target, target)
        if source not in self._blob_facts:
            self.prefetch_tokens([target])
        found = self._blob_facts.get(source)
        if found is None:
            return None
        if found.message_tokens is not None and found.content_type in BUILTIN_TYPES:
            return found.message_tokens
        return payload_tokens(self.ctx, found.payload_json)

    def prefetch_tokens(self, targets: Iterable[str]) -> None:
        """The blobs behind the messages at these commits' positions, in one query."""
        edits = self.edit_in_force()
        wanted = [edits.get(t, t) for t in targets]
        missing = [h for h in wanted if h not in self._blob_facts]
        if missing:
            found = self.uow.lineage.message_facts(missing, self.ctx.token_cache_key)
            for h in missing:
                self._blob_facts[h] = found.get(h)

    def priority_note(self, h: str) -> AnnotationNote | None:
        return note(self.annotations.get(h))

    # -- branches -------------------------------------------------------------------------------

    def branch_tips(self) -> dict[str, str]:
        return self.tract.branch_tips

    def prepare_branches(self) -> None:
        """Branch membership of every commit at once (for explaining many commits)."""
        if self._bulk_branches is None:
            self._bulk_branches = {
                name: self.uow.commits.ancestors([tip]) for name, tip in self.branch_tips().items()
            }

    def branches_of(self, h: str) -> tuple[str, ...]:
        """The branches whose history holds ``h`` (one forward walk from it, or the bulk sets)."""
        if self._bulk_branches is not None:
            return tuple(sorted(b for b, s in self._bulk_branches.items() if h in s))
        if h not in self._branches_of:
            ahead = self.uow.lineage.descendants([h], cap=DESCENDANT_CAP)
            tips = self.branch_tips()
            self._branches_of[h] = tuple(sorted(b for b, tip in tips.items() if tip in ahead))
        return self._branches_of[h]
