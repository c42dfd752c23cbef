"""Random operation sequences keep the store sound (issue 3, item 11).

After every step: every branch tip exists and is reachable; a cached compile equals a compile
from scratch; every event's commits exist; no commit left a branch except through a recorded
event (compress, reorganize, revert) — and ``verify`` is clean at the end of each run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core import Priority, Tract, TractError, create_tract
from core.engine.clock import FrozenClock
from core.models import content as c
from core.operations.verify import verify_store

WORDS = ("alpha", "beta", "gamma", "delta", "tool", "fix", "bug", "line 42", "[b]x[/b]", "é")


# The store is tract-ai v6: IMPORTANT (v7+) is refused there (tested in test_tract_ai_features).
V6_PRIORITIES = [p for p in Priority if p is not Priority.IMPORTANT]


class History(RuleBasedStateMachine):
    def __init__(self, new_store: Callable[[], str]) -> None:
        super().__init__()
        self.path = new_store()  # a new SQLite file or PostgreSQL schema per run
        self.tract = create_tract(self.path, clock=FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)))
        self.branch_commits: dict[str, set[str]] = {}
        self.events_seen = 0
        self.next_branch = 0

    def teardown(self) -> None:
        try:
            report = verify_store(self.path)
            assert report.ok, report.format_lines()
        finally:
            self.tract.close()

    # -- helpers --------------------------------------------------------------------------

    def _chain(self) -> list[str]:
        return [x.commit_hash for x in self.tract.log(limit=None)]

    def _pick(self, data: st.DataObject, what: str) -> str | None:
        chain = self._chain()
        return data.draw(st.sampled_from(chain), label=what) if chain else None

    def _branch_sets(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        with self.tract.store.read() as uow:
            for branch in self.tract.list_branches():
                if branch.tip:
                    out[branch.name] = uow.commits.ancestors([branch.tip])
        return out

    # -- operations -----------------------------------------------------------------------

    @rule(text=st.sampled_from(WORDS), role=st.sampled_from(["user", "assistant"]))
    def append(self, text: str, role: str) -> None:
        if self.tract.is_detached:
            return
        self.tract.commit(c.dialogue(role, text))

    @rule(tool=st.sampled_from(["bash", "read"]))
    def tool_pair(self, tool: str) -> None:
        if self.tract.is_detached:
            return
        self.tract.commit(c.tool_io(tool, "call", {"command": tool}))
        self.tract.commit(c.tool_io(tool, "result", {"output": "ok"}, "success"))

    @rule(data=st.data(), text=st.sampled_from(WORDS))
    def edit(self, data: st.DataObject, text: str) -> None:
        target = self._pick(data, "edit target")
        info = self.tract.get_commit(target) if target else None
        if info is None or info.is_edit or info.content_type != "dialogue":
            return
        self.tract.edit(target, c.dialogue("user", text))

    @rule(data=st.data(), priority=st.sampled_from(V6_PRIORITIES))
    def annotate(self, data: st.DataObject, priority: Priority) -> None:
        target = self._pick(data, "annotate target")
        if target:
            self.tract.annotate(target, priority, "property")

    @rule()
    def new_branch(self) -> None:
        if self.tract.head is None:
            return
        self.next_branch += 1
        self.tract.branch(f"b{self.next_branch}")

    @precondition(lambda self: len(self.tract.list_branches()) > 1)
    @rule(data=st.data())
    def switch(self, data: st.DataObject) -> None:
        names = sorted(b.name for b in self.tract.list_branches())
        self.tract.switch(data.draw(st.sampled_from(names)))

    @precondition(lambda self: len(self.tract.list_branches()) > 1)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        current = self.tract.current_branch
        others = sorted(b.name for b in self.tract.list_branches() if b.name != current)
        try:
            result = self.tract.merge(data.draw(st.sampled_from(others)))
        except TractError:
            return  # already up to date, etc.
        if result.conflicts and not result.committed:
            for conflict in result.conflicts:
                result.resolutions[conflict.target_hash] = "resolved text"
            self.tract.commit_merge(result)

    @rule(data=st.data(), summarizer=st.sampled_from(["extractive", "manual"]))
    def compress(self, data: st.DataObject, summarizer: str) -> None:
        chain = list(reversed(self._chain()))
        if len(chain) < 2 or self.tract.is_detached:
            return
        lo = data.draw(st.integers(0, len(chain) - 1), label="from")
        hi = data.draw(st.integers(lo, len(chain) - 1), label="to")
        try:
            preview = self.tract.compress_preview(from_ref=chain[lo], to_ref=chain[hi])
            self.tract.compress(
                plan=preview.plan,
                summaries=[f"summary {i}" for i in range(len(preview.plan.groups))]
                if summarizer == "manual"
                else None,
                summarizer=summarizer,
            )
        except TractError:
            return  # nothing to compress, a merge in the way, ...

    @rule()
    def revert_last(self) -> None:
        events = [
            e for e in self.tract.events(limit=5).rows if e.event_type in ("compress", "reorganize")
        ]
        if events:
            try:
                self.tract.revert(events[0].event_id)
            except TractError:
                return

    # -- invariants -------------------------------------------------------------------------

    @invariant()
    def sound(self) -> None:
        with self.tract.store.read() as uow:
            for branch in self.tract.list_branches():
                if branch.tip:
                    assert uow.commits.get(branch.tip) is not None
            events = uow.events.list(self.tract.tract_id)
            linked = {h for e in events for h in (*e.sources, *e.results)}
            assert set(uow.commits.get_many(linked)) == linked
        accounted: set[str] = set()
        for event in events:
            accounted.update(event.sources)
            accounted.update(event.results)
            params = event.params or {}
            for key in ("dropped", "structural"):
                accounted.update(params.get(key) or [])
            for key in ("replayed", "preserved"):  # originals and their copies (a revert
                mapping = params.get(key) or {}  # takes the copies off the branch again)
                accounted.update(mapping.keys())
                accounted.update(mapping.values())
        now = self._branch_sets()
        for name, before in self.branch_commits.items():
            if name in now:
                lost = before - now[name]
                assert lost <= accounted, f"{len(lost - accounted)} commits left {name}"
        self.branch_commits = now
        cached = self.tract.compile()
        # A new Tract has an empty compile cache; sharing the store saves a connection per step.
        scratch = Tract(self.tract.store, self.tract.tract_id).compile()
        assert [m.to_dict() for m in cached.messages] == [m.to_dict() for m in scratch.messages]
        assert list(cached.commit_hashes) == list(scratch.commit_hashes)
        assert cached.token_count == scratch.token_count


SETTINGS = settings(
    max_examples=25,
    stateful_step_count=18,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)


def test_random_operation_sequences(store_url_factory: Callable[[str], str]) -> None:
    runs = itertools.count()
    run_state_machine_as_test(
        lambda: History(lambda: store_url_factory(f"run{next(runs)}.db")), settings=SETTINGS
    )
