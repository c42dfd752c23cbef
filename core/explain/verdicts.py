"""One verdict per commit relative to one compile, and the chain of hops that led there.

Order of the questions (the first that applies decides):

1. listed by the compile → ``used`` (or ``edited`` when an EDIT's text was sent in its place);
   the EDIT in force is ``used`` at its target's position;
2. committed after the compile's time → ``after_record``;
3. in the compile's history → ``skipped`` (SKIP in force then), an EDIT that did not apply
   (``edited``: superseded; else its target's fate), or ``not_compiled``;
4. taken off the history by an operation before the compile's time → follow the hop:
   a compress source is ``compressed`` (the chain goes on with its summary's fate); a copy
   (replayed, preserved, rebased, left behind by a revert) takes its copy's verdict, with
   ``used`` becoming ``replaced``; a SKIP commit a compress left out is ``skipped``;
5. on a branch → ``not_on_branch``; else ``unreachable``.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.explain import hops as hp
from core.explain.facts import Facts
from core.explain.models import (
    AFTER_RECORD,
    COMPRESSED,
    EDITED,
    NOT_COMPILED,
    NOT_ON_BRANCH,
    REPLACED,
    SKIPPED,
    UNREACHABLE,
    USED,
    AnnotationNote,
    Explanation,
    Step,
)
from core.models.records import OperationEvent

BULK = 24  # explaining more commits than this reads branch membership for all at once


def _when(dt: object) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S") if hasattr(dt, "strftime") else str(dt)


def _ann_text(n: AnnotationNote | None, content_type: str | None = None) -> str:
    if n is None:
        return f"its type {content_type} defaults to SKIP" if content_type else "no annotation"
    reason = f" ({n.reason})" if n.reason else ""
    return f"annotation #{n.id} {n.priority} at {_when(n.created_at)}{reason}"


def _ev(ev: OperationEvent) -> str:
    return f"{ev.event_type} {ev.event_id[:8]} ({_when(ev.created_at)})"


def _branches(names: tuple[str, ...]) -> str:
    if len(names) == 1:
        return f"branch {names[0]}"
    return "branches " + ", ".join(names)


class Explainer:
    """Answers for one compile; results are memoised (a chain's tail is shared)."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.label = facts.subject.label
        self._memo: dict[str, Explanation] = {}

    def explain_many(self, hashes: Iterable[str]) -> dict[str, Explanation]:
        wanted = list(dict.fromkeys(hashes))
        self.facts.load(wanted)
        self.facts.position.prefetch(wanted)
        if len(wanted) > BULK:
            self.facts.prepare_branches()
            self.facts.hops.load_all()
            if self.facts.position.complete and self.facts.position.message_tokens is None:
                self.facts.prefetch_tokens(self.facts.position.all())
        return {h: self.explain(h) for h in wanted}

    def explain(self, h: str) -> Explanation:
        return self._explain(h, frozenset())

    def _explain(self, h: str, seen: frozenset[str]) -> Explanation:
        done = self._memo.get(h)
        if done is not None:
            return done
        result = self._decide(h, seen | {h})
        self._memo[h] = result
        return result

    def _out(self, h: str, verdict: str, steps: list[Step], **kw: object) -> Explanation:
        return Explanation(h, verdict, self.facts.subject, tuple(steps), **kw)  # type: ignore[arg-type]  # kw holds the verdict's own fields

    def _decide(self, h: str, seen: frozenset[str]) -> Explanation:
        f = self.facts
        info = f.commit(h)
        s = h[:8]
        if info is None:
            return self._out(
                h, UNREACHABLE, [Step(UNREACHABLE, h, f"{s} is no longer in the store.")]
            )
        pos = f.position.get(h)
        in_force = f.edit_in_force()
        if pos is not None:
            tokens = f.tokens_at(h)
            edit = in_force.get(h)
            if edit is not None:
                text = (
                    f"{s} holds position {pos} of {self.label}, but EDIT {edit[:8]} "
                    f"(committed {_when(f.edit_time[edit])}) was sent in its place."
                )
                step = Step(EDITED, h, text, (edit,), position=pos, tokens=tokens)
                return self._out(h, EDITED, [step], position=pos, tokens=tokens, edit=edit)
            count = f" ({tokens} tokens)" if tokens is not None else ""
            text = f"{s} was sent at position {pos}{count} in {self.label}."
            step = Step(USED, h, text, position=pos, tokens=tokens)
            return self._out(h, USED, [step], position=pos, tokens=tokens)
        target = f.edit_target.get(h)
        if target is not None and in_force.get(target) == h:
            tpos = f.position.get(target)
            tokens = f.tokens_at(target)
            text = (
                f"{s} is the EDIT in force for {target[:8]}: its text was sent at position "
                f"{tpos} in {self.label}."
            )
            step = Step(USED, h, text, (target,), position=tpos, tokens=tokens)
            return self._out(h, USED, [step], position=tpos, tokens=tokens)
        if info.created_at > f.at:
            text = (
                f"{s} was committed at {_when(info.created_at)}, after {self.label} "
                f"({_when(f.at)})."
            )
            return self._out(h, AFTER_RECORD, [Step(AFTER_RECORD, h, text)])
        if f.in_history(h):
            return self._in_history(h, info.content_type, target, seen)
        hop = self._hop(h)
        if hop is not None:
            return self._via_hop(h, hop, seen)
        return self._elsewhere(h)

    def _in_history(
        self, h: str, content_type: str, target: str | None, seen: frozenset[str]
    ) -> Explanation:
        f = self.facts
        s = h[:8]
        if target is not None:
            if target in f.position:
                newer = f.edit_in_force().get(target)
                text = f"{s} is an EDIT of {target[:8]}, superseded by the newer EDIT " + (
                    f"{newer[:8]}." if newer else "(none applied at that time)."
                )
                step = Step("superseded", h, text, (newer,) if newer else (target,))
                return self._out(h, EDITED, [step], position=f.position.get(target), edit=newer)
            if target in seen:
                return self._out(h, NOT_COMPILED, [Step(NOT_COMPILED, h, f"{s}: an edit cycle.")])
            sub = self._explain(target, seen)
            text = f"{s} is an EDIT of {target[:8]}, which is not in the compile:"
            verdict = sub.verdict if sub.verdict not in (USED, EDITED) else NOT_COMPILED
            return self._out(
                h, verdict, [Step("edits", h, text, (target,)), *sub.chain], into=sub.into
            )
        if h in f.skipped:
            ann = f.priority_note(h)
            text = f"{s} was skipped: {_ann_text(ann, content_type)}."
            return self._out(h, SKIPPED, [Step(SKIPPED, h, text, annotation=ann)])
        text = (
            f"{s} is in the history of {self.label}, but the record does not list it and no "
            "stored annotation or edit explains why."
        )
        return self._out(h, NOT_COMPILED, [Step(NOT_COMPILED, h, text)])

    def _hop(self, h: str) -> hp.Hop | None:
        """The newest operation at or before the compile's time that took ``h`` off."""
        hops = [x for x in self.facts.hops.removed(h) if x.event.created_at <= self.facts.at]
        return hops[-1] if hops else None

    def _via_hop(self, h: str, hop: hp.Hop, seen: frozenset[str]) -> Explanation:
        ev = hop.event
        s = h[:8]
        if hop.kind == hp.COMPRESSED:
            summary = hop.successors[0] if hop.successors else None
            text = f"{s} was compressed into summary {(summary or '?')[:8]} by {_ev(ev)}."
            step = Step(hp.COMPRESSED, h, text, hop.successors, ev.event_id, ev.event_type)
            if summary is None or summary in seen:
                return self._out(h, COMPRESSED, [step], event_id=ev.event_id)
            sub = self._explain(summary, seen)
            verdict = sub.verdict if sub.verdict in (NOT_ON_BRANCH, UNREACHABLE) else COMPRESSED
            return self._out(
                h,
                verdict,
                [step, *sub.chain],
                into=summary,
                event_id=ev.event_id,
                position=sub.position,
                tokens=sub.tokens,
            )
        if hop.kind in (hp.DROPPED, hp.STRUCTURAL):
            ann = self.facts.priority_note(h)
            if hop.kind == hp.DROPPED and ev.event_type == "reorganize":
                text = f"{s} was left out by {_ev(ev)}: its resolver chose to skip it."
            elif hop.kind == hp.DROPPED:
                text = (
                    f"{s} was skipped ({_ann_text(ann)}) and left out when {_ev(ev)} "
                    f"rewrote {ev.branch_name or 'its branch'}."
                )
            else:
                text = f"{s}, a merge commit, was flattened into the range of {_ev(ev)}."
            verdict = SKIPPED if hop.kind == hp.DROPPED or h in self.facts.skipped else REPLACED
            step = Step(hop.kind, h, text, (), ev.event_id, ev.event_type, annotation=ann)
            return self._out(h, verdict, [step], event_id=ev.event_id)
        # A copy: the content lives on under the successor's hash.
        nexts = [n for n in hop.successors if n not in seen]
        verb = {
            hp.REPLAYED: "was replayed as",
            hp.PRESERVED: "was re-created (kept) as",
            hp.REORGANIZED: "was copied by the rebase as",
            hp.REVERTED: "was left behind; the revert restored",
            hp.REWRITTEN: "was rewritten into",
        }[hop.kind]
        shown = ", ".join(n[:8] for n in hop.successors[:4]) or "nothing"
        more = f" and {len(hop.successors) - 4} more" if len(hop.successors) > 4 else ""
        text = f"{s} {verb} {shown}{more} by {_ev(ev)}."
        step = Step(hop.kind, h, text, hop.successors, ev.event_id, ev.event_type)
        if not nexts:
            return self._out(h, UNREACHABLE, [step], event_id=ev.event_id)
        subs = [self._explain(n, seen) for n in nexts]
        sub = next((x for x in subs if x.verdict == USED), subs[0])
        verdict = REPLACED if sub.verdict == USED else sub.verdict
        into = (
            sub.commit if sub.verdict in (USED, EDITED) and sub.position is not None else sub.into
        )
        return self._out(
            h,
            verdict,
            [step, *sub.chain],
            into=into,
            event_id=ev.event_id if verdict == REPLACED else sub.event_id,
            position=sub.position,
            tokens=sub.tokens,
            edit=sub.edit,
        )

    def _elsewhere(self, h: str) -> Explanation:
        f = self.facts
        s = h[:8]
        branches = f.branches_of(h)
        steps: list[Step] = []
        if branches:
            text = f"{s} is not in the history of {self.label}: it lives on {_branches(branches)}."
            steps.append(Step(NOT_ON_BRANCH, h, text, branches=branches))
            verdict = NOT_ON_BRANCH
        else:
            text = (
                f"{s} is on no branch, and no operation before {self.label} explains where "
                "it went (a reset or a deleted branch left it behind)."
            )
            later = [x for x in f.hops.removed(h) if x.event.created_at > f.at]
            if later:
                text = (
                    f"{s} was not in the history of {self.label}; {_ev(later[0].event)} "
                    "later took it off its branch."
                )
            steps.append(Step(UNREACHABLE, h, text))
            verdict = UNREACHABLE
        for copy in f.hops.imported(h):
            ev = copy.event
            if ev.created_at <= f.at and copy.successors:
                c = copy.successors[0]
                where = f.position.get(c)
                there = f" (sent at position {where})" if where is not None else ""
                steps.append(
                    Step(
                        hp.IMPORTED,
                        h,
                        f"{_ev(ev)} copied it as {c[:8]}{there}.",
                        (c,),
                        ev.event_id,
                        ev.event_type,
                    )
                )
        return self._out(h, verdict, steps)
