"""Explanations over random operation sequences (issue 12).

After every step, relative to the newest record and to live compiles of every branch: every
commit of the tract gets exactly one verdict; the ``used`` ones are exactly the compile (each
position once, by the commit itself or by the EDIT in force for it, whose text was sent); the
lens agrees with the verdicts; ``why`` on one commit agrees with the bulk answer. And for the
oldest and newest records, the diff puts every commit of either record in exactly one section.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from hypothesis.stateful import run_state_machine_as_test as run_machine

from core import VERDICTS, Explanation, Priority, TractError, create_tract
from core.engine.clock import FrozenClock
from core.models import content as c

WORDS = ("alpha", "beta", "fix the bug", "src/app.py failed", "345 ms", "ValueError")
OUTSIDE = {"not_on_branch", "unreachable", "after_record", "not_compiled"}


class Explained(RuleBasedStateMachine):
    def __init__(self, new_store: Callable[[], str]) -> None:
        super().__init__()
        self.tract = create_tract(new_store(), clock=FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)))
        self.next_branch = 0

    def teardown(self) -> None:
        self.tract.close()

    def _chain(self) -> list[str]:
        return [x.commit_hash for x in self.tract.log(limit=None)]

    def _pick(self, data: st.DataObject, what: str) -> str | None:
        chain = self._chain()
        return data.draw(st.sampled_from(chain), label=what) if chain else None

    # -- operations -------------------------------------------------------------------------

    @rule(text=st.sampled_from(WORDS), role=st.sampled_from(["user", "assistant"]))
    def append(self, text: str, role: str) -> None:
        if not self.tract.is_detached:
            self.tract.commit(c.dialogue(role, text))

    @rule(data=st.data(), text=st.sampled_from(WORDS))
    def edit(self, data: st.DataObject, text: str) -> None:
        target = self._pick(data, "edit target")
        info = self.tract.get_commit(target) if target else None
        if info is not None and not info.is_edit and info.content_type == "dialogue":
            self.tract.edit(target, c.dialogue("user", text))  # type: ignore[arg-type]

    @rule(data=st.data(), priority=st.sampled_from([Priority.SKIP, Priority.NORMAL]))
    def annotate(self, data: st.DataObject, priority: Priority) -> None:
        target = self._pick(data, "annotate target")
        if target:
            self.tract.annotate(target, priority, "property")

    @rule()
    def record(self) -> None:
        self.tract.compile(record=True)

    @rule()
    def new_branch(self) -> None:
        if self.tract.head is not None:
            self.next_branch += 1
            self.tract.branch(f"b{self.next_branch}")

    @precondition(lambda self: len(self.tract.list_branches()) > 1)
    @rule(data=st.data())
    def switch(self, data: st.DataObject) -> None:
        names = sorted(b.name for b in self.tract.list_branches())
        self.tract.switch(data.draw(st.sampled_from(names)))

    @precondition(lambda self: len(self.tract.list_branches()) > 1)
    @rule(data=st.data(), rebase=st.booleans())
    def merge_or_rebase(self, data: st.DataObject, rebase: bool) -> None:
        current = self.tract.current_branch
        others = sorted(b.name for b in self.tract.list_branches() if b.name != current)
        other = data.draw(st.sampled_from(others))
        try:
            if rebase:
                self.tract.rebase(other, resolver=lambda issue: "skip")  # type: ignore[arg-type, return-value]
                return
            result = self.tract.merge(other)
        except TractError:
            return
        if result.conflicts and not result.committed:
            for conflict in result.conflicts:
                result.resolutions[conflict.target] = "resolved text"
            self.tract.commit_merge(result)

    @rule(data=st.data())
    def compress(self, data: st.DataObject) -> None:
        chain = list(reversed(self._chain()))
        if len(chain) < 2 or self.tract.is_detached:
            return
        lo = data.draw(st.integers(0, len(chain) - 1), label="from")
        hi = data.draw(st.integers(lo, len(chain) - 1), label="to")
        try:
            preview = self.tract.compress_preview(from_ref=chain[lo], to_ref=chain[hi])
            summaries = [f"summary {i} of src/app.py" for i in range(len(preview.plan.groups))]
            self.tract.compress(plan=preview.plan, summaries=summaries)
        except TractError:
            return

    @rule()
    def revert_last(self) -> None:
        rows = [e for e in self.tract.events(limit=5).rows if e.event_type == "compress"]
        if rows:
            try:
                self.tract.revert(rows[0].event_id)
            except TractError:
                return

    @rule(data=st.data())
    def reset(self, data: st.DataObject) -> None:
        target = self._pick(data, "reset target")
        if target and not self.tract.is_detached:
            self.tract.reset(target)

    # -- invariants -------------------------------------------------------------------------

    def _check(self, every: dict[str, Explanation], effectives: list[str], texts: list) -> None:
        with self.tract.store.read() as uow:
            batches = uow.commits.iter_all(self.tract.tract_id)
            commits = {x.commit_hash: x for b in batches for x in b}
        assert set(every) == set(commits)  # exactly one verdict per commit
        assert {e.verdict for e in every.values()} <= set(VERDICTS)
        assert all(e.verdict != "not_compiled" for e in every.values())
        used = {h: e.position for h, e in every.items() if e.verdict == "used"}
        assert sorted(used.values()) == list(range(len(effectives)))  # each position once
        for h, pos in used.items():
            assert pos is not None
            info = commits[h]
            target = info.response_to if info.is_edit else h
            assert effectives[pos] == target
        for h, e in every.items():
            if e.verdict == "edited" and h in effectives:
                assert e.edit is not None and every[e.edit].verdict == "used"
        if texts:
            with self.tract.store.read() as uow:
                blobs = uow.blobs.get_many(commits[h].content_hash for h in used)
            for h, pos in used.items():
                payload = blobs[commits[h].content_hash].payload
                rendered = self.tract.ctx.registry.render(payload)
                assert (rendered[0], rendered[1]) == texts[pos], h

    @invariant()
    def verdicts(self) -> None:
        records = self.tract.records(limit=1)
        if records:
            rec = self.tract.get_record(records[0].record_id)
            every = self.tract.explain_all(record=rec.record_id)
            self._check(every, list(rec.effectives), [])
            lens = self.tract.lens(record=rec.record_id)
            with self.tract.store.read() as uow:
                times = {h: x.created_at for h, x in uow.commits.get_many(every).items()}
            for h, e in every.items():
                mark = lens.mark(h, times[h])
                assert mark == e.verdict or (
                    mark in ("not_in", "after_record") and e.verdict in OUTSIDE
                ), (h, mark, e.verdict)
            for h in list(every)[:3]:
                assert self.tract.why(h, record=rec.record_id).verdict == every[h].verdict
        for branch in self.tract.list_branches():
            if not branch.tip:
                continue
            compiled = self.tract.compile(at=branch.tip)
            every = self.tract.explain_all(at=branch.tip)
            texts = [(m.role, m.content) for m in compiled.messages]
            self._check(every, list(compiled.commit_hashes), texts)

    @invariant()
    def diff_sections(self) -> None:
        records = self.tract.records()
        if len(records) < 2:
            return
        new, old = records[0], records[-1]
        d = self.tract.diff_records(old.record_id, new.record_id)
        a = self.tract.get_record(old.record_id).effectives
        b = self.tract.get_record(new.record_id).effectives
        left = [*d.kept, *(x.commit_hash for x in d.removed), *(r.old for r in d.recreated)]
        right = [*d.kept, *(x.commit_hash for x in d.added), *(r.new for r in d.recreated)]
        assert sorted(left) == sorted(a) and sorted(right) == sorted(b)
        n = d.counts
        assert n.kept + n.removed + n.recreated == len(a)
        assert n.kept + n.added + n.recreated == len(b)


SETTINGS = settings(
    max_examples=15,
    stateful_step_count=14,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)


def test_every_commit_gets_one_verdict(store_url_factory: Callable[[str], str]) -> None:
    runs = itertools.count()
    run_machine(
        lambda: Explained(lambda: store_url_factory(f"x{next(runs)}.db")), settings=SETTINGS
    )
