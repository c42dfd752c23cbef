"""Prepared stores for the crash harness, and what is known about them before a kill.

- ``v6`` (compress / import / revert): an agent history on ``main`` whose last operation is a
  compress (the revert victim undoes it), a ``side`` branch; the compress victim rewrites the
  middle of main (a long replay), the import victim imports a 120-round transcript.
- ``upgrade-v5``: tract-ai's own ``upstream_v5.db``; ``upgrade-big-v3``: ``upstream_v3.db``
  grown to 10,000 commits and 150 legacy compressions (``legacy.py``).

``SqliteProvider`` builds each kind once and copies the file for every run (the facts taken
on the first copy hold for all); ``PostgresProvider`` builds every run's store in a fresh
schema (``new_url``), with a smaller history.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from core import Tract
from core.importers.openai_chat import parse_transcript, plan_commits
from tests.conftest import shared_root
from tests.reliability.agent import payload
from tests.reliability.crash_checks import Expectation, UpgradeFacts
from tests.reliability.legacy import build_big_legacy
from tests.reliability.storefacts import (
    Snapshot,
    copy_store,
    only_tract,
    snapshot,
    version_facts,
)

SHARED = shared_root()
FIXTURES = SHARED / "fixtures" / "tract-ai"
V6_OPS = ("compress", "import", "revert")
UPGRADES = {"upgrade-v5": "upstream_v5.db", "upgrade-big-v3": "upstream_v3.db"}


@dataclass(frozen=True)
class Prepared:
    target: str
    command: dict[str, Any]
    tract_id: str
    pre: Snapshot | None = None  # compress/import/revert: the store before the run
    expect: Expectation | None = None


@dataclass(frozen=True)
class V6Info:
    tract_id: str
    compress_from: str
    compress_to: str
    revert_event: str


def build_v6(target: str, commits: int) -> V6Info:
    with Tract.open(target, create=True) as tract:
        with tract.batch():
            tract.system("You are a careful coding agent.")
            for i in range(commits):
                tract.commit(payload(i))
        tract.branch("side")
        tract.user("a note on the side branch")
        tract.switch("main")
        chain = [c.commit_hash for c in reversed(tract.log(limit=None))]
        event = tract.compress(from_ref=chain[5], to_ref=chain[24], summarizer="extractive")
        chain = [c.commit_hash for c in reversed(tract.log(limit=None))]
        n = len(chain)
        return V6Info(tract.tract_id, chain[n // 6], chain[n // 2], event.event_id)


def write_transcript(path: Path, rounds: int) -> Path:
    """An OpenAI chat transcript: system, then rounds of user / tool call / tool / answer."""
    lines: list[dict[str, Any]] = [{"role": "system", "content": "You fix failing builds."}]
    for i in range(rounds):
        arguments = json.dumps({"cmd": f"make test-{i}"})
        call = {"id": f"call_{i}", "type": "function"}
        call["function"] = {"name": "bash", "arguments": arguments}  # type: ignore[assignment]
        lines += [
            {"role": "user", "content": f"round {i}: the build failed again"},
            {"role": "assistant", "content": f"Checking test {i}.", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"call_{i}", "content": f"{i} passed, 1 failed"},
            {"role": "assistant", "content": f"Test {i} fails on a missing fixture."},
        ]
    path.write_text("".join(json.dumps(m) + "\n" for m in lines), encoding="utf-8")
    return path


def prepare_v6(op: str, target: str, info: V6Info, transcript: Path) -> Prepared:
    """The command for ``op`` on this store, and what a dry run says it will do."""
    pre = snapshot(target, info.tract_id)
    base = {"op": op, "store": target, "tract": info.tract_id}
    with Tract.open(target, info.tract_id) as tract:
        if op == "compress":
            plan = tract.compress_preview(from_ref=info.compress_from, to_ref=info.compress_to)
            expect = Expectation(
                op,
                sources=plan.plan.sources,
                groups=len(plan.plan.groups),
                replay=plan.plan.replay,
                preserved=plan.plan.by_role("kept"),
            )
            command = {**base, "from": info.compress_from, "to": info.compress_to}
        elif op == "import":
            planned = plan_commits(parse_transcript(transcript), tract.ctx)
            expect = Expectation(op, commits=len(planned))
            command = {**base, "transcript": str(transcript)}
        else:
            expect = Expectation(op, reverted=pre.events[info.revert_event])
            command = {**base, "event": info.revert_event}
    return Prepared(target, command, info.tract_id, pre, expect)


class SqliteProvider:
    backend = "sqlite"
    calibration_runs = 3

    def __init__(self, workdir: Path, commits: int = 600, rounds: int = 120) -> None:
        self.workdir = workdir
        self.templates = workdir / "templates"
        self.templates.mkdir(parents=True, exist_ok=True)
        self.transcript = write_transcript(workdir / "transcript.jsonl", rounds)
        self.commits = commits
        self.runs = 0
        self._prepared: dict[str, Prepared] = {}
        self._upgrade: dict[str, UpgradeFacts] = {}
        self._info: V6Info | None = None

    def _template(self, op: str) -> Path:
        if op in V6_OPS:
            path = self.templates / "v6.db"
            if self._info is None:
                self._info = build_v6(str(path), self.commits)
            return path
        if op == "upgrade-big-v3":
            path = self.templates / "big-v3.db"
            if not path.exists():
                build_big_legacy(FIXTURES / UPGRADES[op], path)
            return path
        return FIXTURES / UPGRADES[op]

    def prepare(self, op: str) -> Prepared:
        template = self._template(op)
        self.runs += 1
        target = self.workdir / "runs" / f"{self.runs:03d}-{op}" / "store.db"
        copy_store(template, target)
        first = self._prepared.get(op)
        if first is None:
            if op in V6_OPS:
                assert self._info is not None
                first = prepare_v6(op, str(target), self._info, self.transcript)
            else:
                tract_id = only_tract(str(target))
                first = Prepared(str(target), {"op": "upgrade"}, tract_id)
                self._upgrade[op] = UpgradeFacts(
                    version_facts(str(target)),
                    None,
                    snapshot(str(target), tract_id).ancestors,
                    tract_id,
                )
            self._prepared[op] = first
        return replace(first, target=str(target), command={**first.command, "store": str(target)})

    def calibrated(self, op: str, prepared: Prepared) -> None:
        """After the uninterrupted run: an upgraded copy is the "new" reference."""
        if op not in V6_OPS:
            self._upgrade[op] = replace(self._upgrade[op], upgraded=version_facts(prepared.target))

    def upgrade_facts(self, op: str) -> UpgradeFacts:
        return self._upgrade[op]

    def discard(self, prepared: Prepared) -> None:
        shutil.rmtree(Path(prepared.target).parent, ignore_errors=True)


class PostgresProvider:
    """Every run in a fresh schema (``new_url()`` makes one; the caller drops them)."""

    backend = "postgresql"
    calibration_runs = 2  # each run builds its store: keep the PostgreSQL campaign short

    def __init__(
        self, workdir: Path, new_url: Callable[[], str], commits: int = 300, rounds: int = 60
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.new_url = new_url
        self.transcript = write_transcript(workdir / "transcript.jsonl", rounds)
        self.commits = commits
        self._upgrade: dict[str, UpgradeFacts] = {}

    def prepare(self, op: str) -> Prepared:
        url = self.new_url()
        if op in V6_OPS:
            return prepare_v6(op, url, build_v6(url, self.commits), self.transcript)
        from tests.core._store_builders import TRACT, build_v5_with_sqlalchemy

        engine = create_engine(url, poolclass=NullPool)
        try:
            build_v5_with_sqlalchemy(engine)
        finally:
            engine.dispose()
        if op not in self._upgrade:
            self._upgrade[op] = UpgradeFacts(
                version_facts(url), None, snapshot(url, TRACT).ancestors, TRACT
            )
        return Prepared(url, {"op": "upgrade", "store": url}, TRACT)

    def calibrated(self, op: str, prepared: Prepared) -> None:
        if op not in V6_OPS:
            self._upgrade[op] = replace(self._upgrade[op], upgraded=version_facts(prepared.target))

    def upgrade_facts(self, op: str) -> UpgradeFacts:
        return self._upgrade[op]

    def discard(self, prepared: Prepared) -> None:
        pass  # the schema goes with the test's fixture
