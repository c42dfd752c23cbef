"""The answers of the explanation service: plain, immutable values (no store access).

A *verdict* says what one commit is to one compile (a record, or a live compile at a head and
time); the *chain* is how it got there, one step per hop (replayed by R → compressed by E →
its summary skipped …). The words are fixed and documented in docs/explanations.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The verdicts. Every commit of a tract gets exactly one relative to a compile.
USED = "used"  # its text is a message of the compile
EDITED = "edited"  # at a compiled position, but an EDIT's text was sent instead
SKIPPED = "skipped"  # SKIP in force at the compile's time (or dropped as skipped)
COMPRESSED = "compressed"  # summarised into a summary commit by a compress event
REPLACED = "replaced"  # re-created under a new hash (replay, rebase, revert); the copy is used
NOT_ON_BRANCH = "not_on_branch"  # lives on a branch the compile's history does not contain
AFTER_RECORD = "after_record"  # committed after the compile's time
UNREACHABLE = "unreachable"  # on no branch, and no operation explains where it went
# In the compile's history but not listed by a record, and no stored fact says why: only
# records written by other tools (tract-ai's own merge handling) can produce it.
NOT_COMPILED = "not_compiled"

VERDICTS: tuple[str, ...] = (
    USED,
    EDITED,
    SKIPPED,
    COMPRESSED,
    REPLACED,
    NOT_ON_BRANCH,
    AFTER_RECORD,
    UNREACHABLE,
    NOT_COMPILED,
)


@dataclass(frozen=True)
class Subject:
    """The compile an answer is relative to."""

    kind: str  # "record" or "compile"
    head: str | None  # the compiled head ('' / None: an empty compile)
    at: datetime  # the compile's time: the record's created_at, or at_time / now
    record_id: str | None = None
    ref: str | None = None  # what the user named (``--at REF``), for people

    @property
    def label(self) -> str:
        if self.record_id:
            return f"record {self.record_id[:8]}"
        head = (self.head or "")[:8] or "nothing"
        if self.ref and self.ref != head:
            return f"the compile of {self.ref} ({head})"
        return f"the compile of {head}"


@dataclass(frozen=True)
class AnnotationNote:
    """The annotation a step rests on (id, priority, reason, time)."""

    id: int
    priority: str
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class Step:
    """One hop of a chain.

    ``kind`` is a verdict word for the last step (used, skipped, …) or a hop: ``replayed``,
    ``preserved`` (re-created by a compress), ``reorganized`` (rebase copy), ``reverted``,
    ``compressed``, ``dropped`` (a SKIP commit left out by a compress), ``superseded`` (an
    older EDIT), ``edits`` (an EDIT and its target), ``imported`` (a copy made by an import).
    ``commit`` is the commit the step is about; ``commits`` where it leads (copies, summary).
    """

    kind: str
    commit: str
    text: str  # one sentence for people (stored text made safe)
    commits: tuple[str, ...] = ()
    event_id: str | None = None
    event_type: str | None = None
    annotation: AnnotationNote | None = None
    position: int | None = None
    tokens: int | None = None
    branches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Explanation:
    """Why ``commit`` is (or is not) in ``subject``'s compile."""

    commit: str
    verdict: str
    subject: Subject
    chain: tuple[Step, ...]
    position: int | None = None  # where its content sits in the compile (used/edited/replaced)
    tokens: int | None = None  # that message's tokens
    into: str | None = None  # compressed: the summary; replaced: the copy in the compile
    event_id: str | None = None  # the event behind the verdict (compressed/replaced/skipped)
    edit: str | None = None  # edited: the EDIT whose text was sent instead

    @property
    def text(self) -> str:
        """One readable paragraph."""
        return " ".join(s.text for s in self.chain)

    @property
    def brief(self) -> str:
        """A short phrase that does not name the commit itself (commits sharing a fate share
        it): "replayed → compressed into b7ad33dc (events 3cdce410, 038b743c)"."""
        hops = [s for s in self.chain if s.kind not in _TERMINAL]
        last = self.chain[-1] if self.chain else None
        words = [_BRIEF.get(s.kind, s.kind.replace("_", " ")) for s in hops]
        if any(s.kind == "compressed" for s in hops):
            summary = next(s for s in hops if s.kind == "compressed").commits
            words = [w + (f" into {summary[0][:8]}" if w == "compressed" and summary else "")
                     for w in words]  # fmt: skip
        if last is not None and last.kind == USED:
            words.append(f"sent at {last.position}")
        elif last is not None and last.kind in _TERMINAL:
            words.append(_terminal(last))
        events = list(dict.fromkeys(s.event_id[:8] for s in self.chain if s.event_id))
        tail = f" (event{'s' * (len(events) > 1)} {', '.join(events)})" if events else ""
        return " → ".join(words) + tail


@dataclass(frozen=True)
class Lens:
    """Every commit's verdict relative to one compile, for marking graph rows.

    ``marks`` holds the commits with a fact of their own (used, edited, skipped, compressed,
    replaced, after_record); any other commit is outside the compile — ``mark`` says
    ``not_in`` for it (``explain`` tells a branch from an orphan).
    """

    subject: Subject
    marks: dict[str, str] = field(repr=False)
    positions: dict[str, int] = field(repr=False)  # compiled position of used/edited commits
    into: dict[str, str] = field(repr=False)  # compressed → summary, replaced → copy used
    counts: dict[str, int] = field(default_factory=dict)

    def mark(self, commit_hash: str, created_at: datetime | None = None) -> str:
        """The commit's mark; pass its ``created_at`` (a graph row has it) to tell a commit
        made after the compile from one outside it."""
        found = self.marks.get(commit_hash)
        if found is not None:
            return found
        if created_at is not None and created_at > self.subject.at:
            return AFTER_RECORD
        return NOT_IN


NOT_IN = "not_in"
_TERMINAL = frozenset(VERDICTS) - {COMPRESSED, REPLACED}  # those two are hops in a chain
_BRIEF = {
    "replayed": "replayed",
    "preserved": "re-created (kept)",
    "reorganized": "rebased",
    "reverted": "reverted",
    "rewritten": "rewritten",
    "dropped": "left out",
    "structural": "flattened",
    "superseded": "superseded",
    "edits": "an edit of",
    "imported": "imported",
}


def _terminal(step: Step) -> str:
    if step.kind == SKIPPED and step.annotation is not None:
        reason = f": {step.annotation.reason}" if step.annotation.reason else ""
        return f"skipped{reason}"
    if step.kind == NOT_ON_BRANCH and step.branches:
        return "on " + ", ".join(step.branches)
    if step.kind == EDITED and step.commits:
        return f"edited by {step.commits[0][:8]}"
    return step.kind.replace("_", " ")


LENS_LEGEND: tuple[tuple[str, str], ...] = (
    (USED, "sent in this compile"),
    (EDITED, "its position holds an EDIT's text"),
    (SKIPPED, "SKIP in force then"),
    (COMPRESSED, "summarised into a summary"),
    (REPLACED, "a copy of it was sent"),
    (AFTER_RECORD, "committed after the compile"),
    (NOT_IN, "not in it (other branch or orphan)"),
)
