"""Random operation sequences keep the store sound (issue 3, item 11; issue 16 §3).

Rules: append, tool pairs, edit, annotate, branch, switch, merge (conflicts resolved), compress
(extractive or manual), revert, rebase, import of a commit, GC, spawn, compile records with
reproduce and record diff, time-travel compile, and a detached HEAD. No rule swallows errors:
each names the refusals it expects (and when), anything else fails the run.

After every step: every branch tip exists; every event's commits exist; no commit left a branch
except through a recorded event (compress, reorganize, revert); a cached compile equals a
compile from scratch; and the compile equals ``_compile_oracle`` — a plain walk of the history
written for the tests, sharing nothing with the compiler. ``verify`` is clean after each run.

Examples per run: 25 (CI); set ``TRACT_TUI_STATE_MACHINE_EXAMPLES`` for a longer search, e.g.
the 20-runs-in-a-row check in docs/reliability.md.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core import Priority, Tract, create_tract
from core.engine.clock import FrozenClock
from core.errors import (
    AlreadyUpToDateError,
    DetachedHeadError,
    NothingToCompressError,
    RebaseError,
    RevertError,
)
from core.models import content as c
from core.models.compiled import CompiledContext
from core.operations.verify import verify_store
from core.read import StoreReader, quick_log
from tests.core._compile_oracle import mismatch

WORDS = ("alpha", "beta", "gamma", "delta", "tool", "fix", "bug", "line 42", "[b]x[/b]", "é")
EXAMPLES = int(os.environ.get("TRACT_TUI_STATE_MACHINE_EXAMPLES", "25"))


# The store is tract-ai v6: IMPORTANT (v7+) is refused there (tested in test_tract_ai_features).
V6_PRIORITIES = [p for p in Priority if p is not Priority.IMPORTANT]


class History(RuleBasedStateMachine):
    def __init__(self, new_store: Callable[[], str]) -> None:
        super().__init__()
        self.path = new_store()  # a new SQLite file or PostgreSQL schema per run
        self.tract = create_tract(self.path, clock=FrozenClock(datetime(2026, 1, 1, tzinfo=UTC)))
        self.branch_commits: dict[str, set[str]] = {}
        self.next_branch = 0
        self.records: list[str] = []
        self.children: list[Tract] = []
        self.handed_out: tuple[CompiledContext, list[dict[str, Any]]] | None = None

    def teardown(self) -> None:
        try:
            report = verify_store(self.path)
            assert report.ok, "\n".join(report.format_lines())
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

    def _others(self) -> list[str]:
        current = self.tract.current_branch
        return sorted(b.name for b in self.tract.list_branches() if b.name != current and b.tip)

    def attached(self) -> bool:
        return not self.tract.is_detached and self.tract.head is not None

    def _has_merge(self, commits: set[str]) -> bool:
        with self.tract.store.read() as uow:
            return any(len(p) >= 2 for p in uow.parents.parents_of(commits).values())

    # -- history ----------------------------------------------------------------------------

    @rule(text=st.sampled_from(WORDS), role=st.sampled_from(["user", "assistant"]))
    def append(self, text: str, role: str) -> None:
        if self.tract.is_detached:
            with pytest.raises(DetachedHeadError):
                self.tract.commit(c.dialogue(role, text))
            return
        self.tract.commit(c.dialogue(role, text))

    @precondition(lambda self: not self.tract.is_detached)
    @rule(tool=st.sampled_from(["bash", "read"]))
    def tool_pair(self, tool: str) -> None:
        self.tract.commit(c.tool_io(tool, "call", {"command": tool}))
        self.tract.commit(c.tool_io(tool, "result", {"output": "ok"}, "success"))

    @precondition(lambda self: not self.tract.is_detached)
    @rule(data=st.data(), text=st.sampled_from(WORDS))
    def edit(self, data: st.DataObject, text: str) -> None:
        target = self._pick(data, "edit target")
        info = self.tract.get_commit(target) if target else None
        if info is None or info.is_edit or info.content_type != "dialogue":
            return
        self.tract.edit(info.commit_hash, c.dialogue("user", text))

    @rule(data=st.data(), priority=st.sampled_from(V6_PRIORITIES))
    def annotate(self, data: st.DataObject, priority: Priority) -> None:
        target = self._pick(data, "annotate target")
        if target:
            self.tract.annotate(target, priority, "property")

    @precondition(lambda self: self.attached())
    @rule()
    def new_branch(self) -> None:
        self.next_branch += 1
        self.tract.branch(f"b{self.next_branch}")

    @precondition(lambda self: len(self.tract.list_branches()) > 1 or self.tract.is_detached)
    @rule(data=st.data())
    def switch(self, data: st.DataObject) -> None:
        names = sorted(b.name for b in self.tract.list_branches())
        self.tract.switch(data.draw(st.sampled_from(names)))

    @precondition(lambda self: self.attached())
    @rule(data=st.data())
    def detach(self, data: st.DataObject) -> None:
        target = self._pick(data, "checkout target")
        assert target is not None
        self.tract.checkout(target)
        assert self.tract.is_detached and self.tract.head == target

    # -- merge and rewrites -------------------------------------------------------------------

    @precondition(lambda self: self.attached() and len(self.tract.list_branches()) > 1)
    @rule(data=st.data())
    def merge(self, data: st.DataObject) -> None:
        others = self._others()
        if not others:
            return
        source = data.draw(st.sampled_from(others))
        tip = self.tract.resolve(source)
        with self.tract.store.read() as uow:
            contained = uow.commits.is_ancestor(tip, str(self.tract.head))
        if contained:  # the one refusal a merge of an existing branch may give
            with pytest.raises(AlreadyUpToDateError):
                self.tract.merge(source)
            return
        result = self.tract.merge(source)
        if result.conflicts and not result.committed:
            for conflict in result.conflicts:
                result.resolutions[conflict.target_hash] = "resolved text"
            done = self.tract.commit_merge(result)
            assert done.committed, "a merge with every conflict resolved must commit"
        else:
            assert result.committed

    @precondition(lambda self: self.attached())
    @rule(data=st.data(), summarizer=st.sampled_from(["extractive", "manual"]))
    def compress(self, data: st.DataObject, summarizer: str) -> None:
        chain = list(reversed(self._chain()))
        lo = data.draw(st.integers(0, len(chain) - 1), label="from")
        hi = data.draw(st.integers(lo, len(chain) - 1), label="to")
        try:
            preview = self.tract.compress_preview(from_ref=chain[lo], to_ref=chain[hi])
        except NothingToCompressError:
            # Only when every selected commit is pinned, skipped, an edit or a merge.
            self._assert_nothing_to_compress(chain[lo : hi + 1])
            return
        groups = len(preview.plan.groups)
        result = self.tract.compress(
            plan=preview.plan,
            summaries=[f"summary {i}" for i in range(groups)] if summarizer == "manual" else None,
            summarizer=summarizer,
        )
        assert len(result.summaries) == groups and result.replanned is None
        assert self.tract.head == result.new_head

    def _assert_nothing_to_compress(self, picked: list[str]) -> None:
        with self.tract.store.read() as uow:
            rows = uow.commits.get_many(picked)
            merges = {h for h, p in uow.parents.parents_of(picked).items() if len(p) >= 2}
        for h in picked:
            if rows[h].is_edit or h in merges:
                continue
            assert self.tract.priority(h) is not Priority.NORMAL, (
                f"{h[:8]} is NORMAL, yet nothing was compressible"
            )

    @rule()
    def revert_last(self) -> None:
        events = [
            e for e in self.tract.events(limit=5).rows if e.event_type in ("compress", "reorganize")
        ]
        if not events:
            return
        event = events[0]
        params = event.params or {}
        tip = self.tract.resolve(event.branch) if event.branch in self._all_branches() else None
        restored = params.get("head_before")
        if restored and self.tract.get_commit(restored) is None:
            with pytest.raises(
                RevertError, match=r"moved since|already reverted|garbage-collected"
            ):
                self.tract.revert(event.event_id)
            return
        if tip == params.get("head_after") and tip != restored:
            undone = self.tract.revert(event.event_id)  # nothing moved since: it must work
            assert undone.head == params["head_before"]
            return
        with pytest.raises(RevertError, match=r"moved since|already reverted"):
            self.tract.revert(event.event_id)

    def _all_branches(self) -> set[str]:
        return {b.name for b in self.tract.list_branches()}

    @precondition(lambda self: self.attached() and len(self.tract.list_branches()) > 1)
    @rule(data=st.data())
    def rebase(self, data: st.DataObject) -> None:
        others = self._others()
        if not others:
            return
        target = data.draw(st.sampled_from(others))
        onto = self.tract.resolve(target)
        with self.tract.store.read() as uow:
            behind = uow.commits.is_ancestor(onto, str(self.tract.head))
            replayed = [
                x.commit_hash
                for x in uow.commits.first_parent_chain(
                    str(self.tract.head), stop_at=uow.commits.ancestors([onto])
                )
            ]
        if behind:  # the target is in HEAD's history already: nothing to do
            assert self.tract.rebase(target).noop
            return
        if self._has_merge(set(replayed)):  # the one refusal: merges are not replayed
            with pytest.raises(RebaseError, match="merge commit"):
                self.tract.rebase(target, resolver=lambda issue: "rebased text")
            return
        result = self.tract.rebase(target, resolver=lambda issue: "rebased text")
        assert self.tract.head == result.new_head
        assert (
            [o for o, _ in result.replayed] + list(result.skipped) == list(reversed(replayed))
            or result.noop
            or result.fast_forward
        )

    @precondition(lambda self: self.attached() and len(self.tract.list_branches()) > 1)
    @rule(data=st.data())
    def import_commit(self, data: st.DataObject) -> None:
        others = self._others()
        if not others:
            return
        source = data.draw(st.sampled_from(others))
        picks = [x.commit_hash for x in self.tract.log(limit=20, start=source)]
        ref = data.draw(st.sampled_from(picks), label="import")
        before = self.tract.head
        result = self.tract.import_commit(ref, resolver=lambda issue: "imported text")
        assert result.commit is not None and self.tract.head == result.commit.commit_hash
        assert result.commit.parent_hash == before

    @rule()
    def gc(self) -> None:
        """Collect every unreachable commit at once (archives and records are kept)."""
        self.tract.gc(orphan_retention_days=0)

    @precondition(lambda self: self.attached() and len(self.children) < 2)
    @rule(text=st.sampled_from(WORDS))
    def spawn(self, text: str) -> None:
        child = self.tract.spawn(f"subtask {len(self.children)}")
        child.user(f"child says {text}")
        self.children.append(child)
        assert mismatch(child, child.head) is None

    # -- compile records, time travel ----------------------------------------------------------

    @precondition(lambda self: self.tract.head is not None)
    @rule()
    def record(self) -> None:
        compiled = self.tract.compile(record=True, reason="property")
        assert compiled.record_id is not None
        self.records.append(compiled.record_id)

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data())
    def reproduce(self, data: st.DataObject) -> None:
        record_id = data.draw(st.sampled_from(self.records), label="record")
        rep = self.tract.reproduce(record_id)
        assert rep.matches, [d.detail for d in rep.differences]

    @precondition(lambda self: len(self.records) > 1)
    @rule(data=st.data())
    def diff_records(self, data: st.DataObject) -> None:
        a, b = data.draw(st.lists(st.sampled_from(self.records), min_size=2, max_size=2))
        diff = self.tract.diff_records(a, b)
        before, after = diff.a.effectives, diff.b.effectives
        assert set(diff.kept) | {x.commit_hash for x in diff.removed} == set(before)
        assert set(diff.kept) | {x.commit_hash for x in diff.added} == set(after)
        assert [h for h in after if h in set(diff.kept)] == list(diff.kept)

    @precondition(lambda self: self.tract.head is not None)
    @rule(data=st.data())
    def time_travel(self, data: st.DataObject) -> None:
        target = self._pick(data, "as of the time of")
        info = self.tract.get_commit(str(target))
        assert info is not None
        problem = mismatch(self.tract, self.tract.head, at_time=info.created_at)
        assert problem is None, problem

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
        # The shared dicts of to_dicts(): equal to a fresh compile's, and a context handed out
        # in an earlier step still shows what it showed then (later patches copy, never change).
        dicts = cached.to_dicts()
        assert dicts == scratch.to_dicts() == [dict(m.to_dict()) for m in scratch.messages]
        if self.handed_out is not None:
            context, shown = self.handed_out
            assert context.to_dicts() == shown
        self.handed_out = (cached, [dict(d) for d in dicts])
        assert list(cached.commit_hashes) == list(scratch.commit_hashes)
        assert cached.token_count == scratch.token_count
        # The compile read once (compile --json): lean rows, runs, blame per run.
        fresh = Tract(self.tract.store, self.tract.tract_id)
        stream = fresh.compile_stream()
        read_once = [s for run in stream.runs(5) for s in run]
        assert stream.context.token_count == scratch.token_count
        assert stream.damaged == []
        assert [s.message.to_dict() for s in read_once] == [m.to_dict() for m in scratch.messages]
        assert [s.commit_hash for s in read_once] == list(scratch.commit_hashes)
        assert [s.tokens for s in read_once] == list(scratch.message_tokens)
        if scratch.head_hash:
            assert [s.blame for s in read_once] == list(fresh.blame(at=scratch.head_hash))
        problem = mismatch(self.tract, self.tract.head)
        assert problem is None, problem

    @invariant()
    def quick_log_reads_what_the_full_read_reads(self) -> None:
        # log --limit N's stdlib read (core.read.quick_log), beside the repositories' reads.
        quick = quick_log(self.path, 40, head_arrow="->")
        if quick is None:  # PostgreSQL, several tracts since a spawn, or nothing yet
            assert "://" in self.path or self.children or self.tract.head is None
            return
        assert quick.tract_id == self.tract.tract_id
        assert quick.labels == StoreReader(self.tract).refs(head_arrow="->").labels
        assert quick.commits == self.tract.log(limit=40)


SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=18,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
    # A failing example is short already; shrinking one costs minutes (a store per try).
    phases=[p for p in Phase if p is not Phase.shrink]
    if os.environ.get("TRACT_TUI_STATE_MACHINE_NO_SHRINK")
    else list(Phase),
)


def test_random_operation_sequences(store_url_factory: Callable[[str], str]) -> None:
    runs = itertools.count()
    run_state_machine_as_test(
        lambda: History(lambda: store_url_factory(f"run{next(runs)}.db")), settings=SETTINGS
    )
