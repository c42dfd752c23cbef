"""``tract-tui --demo``: a realistic demo store, built with the core API, in the user data dir.

The store tells one story (see ``demo_data``): an orchestrator, a real SWE-agent run imported
from a transcript, a pin, a skip, two compressions (a manual summary and the offline extractive
summarizer), compile records taken before and after them, a feature branch merged back, an edit
of an earlier message, a side branch reorganized onto main and an unmerged experiment.

It is rebuilt when missing or when the demo version recorded in ``_trace_meta`` differs, always
into a temporary file renamed into place, so nobody ever opens a half-built demo. With a
``clock`` the build is deterministic (tests and snapshots): timestamps come from the clock and
event/record ids from a seeded generator.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from core import Clock, FrozenClock, Store, Tract, TractError, set_store_setting
from core.models import content as c
from core.models.enums import Priority
from core.read import store_setting
from tract_tui import demo_data as d

DEMO_VERSION = "2"  # 2: the reorganize records its branch heads (revertible)
VERSION_KEY = "tract_tui.demo_version"
DEMO_TRACT_ID = "de300000000040008000000000001867"  # fixed, so snapshots are stable
TRANSCRIPT_ENV = "TRACT_TUI_DEMO_TRANSCRIPT"
FALLBACK_NAME = "builtin_sample_transcript.jsonl"
ID_SEED = 1867
STEP = timedelta(seconds=23)  # between two clock readings: an agent's working pace
SIDECARS = ("-wal", "-shm", "-journal")

Progress = Callable[[str], None]


def demo_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("tract-tui")) / "demo.db"


def configured_transcript() -> Path | None:
    """The agent transcript named by ``$TRACT_TUI_DEMO_TRANSCRIPT``, if that is a file: the
    demo imports it instead of its built-in sample (tests use a real SWE-agent run)."""
    name = os.environ.get(TRANSCRIPT_ENV)
    return Path(name) if name and Path(name).is_file() else None


def ensure_demo_store(
    progress: Progress | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    clock: Clock | None = None,
    transcript: Path | None = None,
) -> Path:
    """The demo store's path, building it first when it is missing or out of date.

    ``transcript`` (else ``$TRACT_TUI_DEMO_TRANSCRIPT``) is the agent run the story imports;
    without one, a built-in sample."""
    say = progress or (lambda _message: None)
    target = Path(path) if path is not None else demo_path()
    if target.exists() and recorded_version(target) == DEMO_VERSION:
        say(f"demo: opening {target}")
        return target
    say(f"demo: building {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".building", dir=target.parent)
    os.close(fd)
    building = Path(name)
    building.unlink()  # Store.open(create=True) wants to create the file itself
    try:
        build_demo(building, say, clock=clock, transcript=transcript or configured_transcript())
        if Path(f"{building}-wal").exists():  # closing checkpoints it; never lose its pages
            raise OSError(f"{building}: the write-ahead log was not checkpointed")
        for suffix in SIDECARS:  # a stale WAL must never pair with the new file
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(building, target)
    finally:
        for suffix in ("", *SIDECARS):
            Path(f"{building}{suffix}").unlink(missing_ok=True)
    say("demo: ready")
    return target


def recorded_version(path: Path) -> str | None:
    """The demo version stored in ``path``; None when it is unreadable or not a demo."""
    try:
        with Store.open(path, readonly=True) as store:
            return store_setting(store, VERSION_KEY)
    except (TractError, OSError, ValueError):
        return None


@contextmanager
def _seeded_ids(enabled: bool) -> Iterator[None]:
    """Event and record ids are uuid4s made inside core; seed them for a reproducible build."""
    if not enabled:
        yield
        return
    rnd = random.Random(ID_SEED)
    with mock.patch.object(uuid, "uuid4", lambda: uuid.UUID(int=rnd.getrandbits(128), version=4)):
        yield


def build_demo(
    path: Path, say: Progress, *, clock: Clock | None = None, transcript: Path | None = None
) -> None:
    deterministic = clock is not None
    if clock is None:  # spread the story over the last hour or two, as a real session would be
        clock = FrozenClock(datetime.now(UTC) - timedelta(hours=2), STEP)
    with _seeded_ids(deterministic), Store.open(path, create=True) as store:
        tract = Tract(store, DEMO_TRACT_ID, clock=clock)
        _Story(tract, say, transcript).tell()
        set_store_setting(store, VERSION_KEY, DEMO_VERSION)


@dataclass
class _Story:
    t: Tract
    say: Progress
    transcript: Path | None

    def tell(self) -> None:
        t = self.t
        t.system(d.SYSTEM)
        t.user(d.TASK)
        plan = t.assistant(d.PLAN).commit_hash
        run = self.import_run()
        issue, steps = run[1], run[2:]
        t.compile(record=True, reason="agent run imported: before any compaction")

        self.say("demo: pinning, skipping and compressing")
        t.annotate(issue, Priority.PINNED, d.ISSUE_PIN_REASON)
        # Phases of three commits (assistant text, tool call, tool result).
        third = max(1, len(steps) // 3 // 4) * 3
        setup, repro, rest = steps[:third], steps[third : 2 * third], steps[2 * third :]
        first = t.compress(from_ref=setup[0], to_ref=setup[-1], content=d.SETUP_SUMMARY)
        moved = dict(first.replayed)
        t.compile(record=True, reason="after compacting the set-up phase")
        second = t.compress(
            from_ref=moved[repro[0]], to_ref=moved[repro[-1]], summarizer="extractive"
        )
        moved = {old: second.replayed.get(new, new) for old, new in moved.items()}
        noisy = moved[rest[2]] if len(rest) > 2 else moved[rest[-1]]
        t.annotate(noisy, Priority.SKIP, d.SKIP_REASON)
        t.compile(record=True, reason="after compacting the reproduction phase")

        self.say("demo: branches, a merge, an edit and a reorganize")
        t.branch("experiment/float-seconds")
        t.user(d.EXPERIMENT_ASK)
        t.assistant(d.EXPERIMENT_ANSWER)
        t.switch("main")
        t.branch("regression-test")
        t.assistant(d.TEST_NOTE)
        t.commit(c.artifact("code", d.TEST_CODE, "python"))
        t.commit(c.output(d.TEST_RESULT))
        t.switch("main")
        t.branch("changelog")
        t.commit(c.artifact("changelog", d.CHANGELOG_ENTRY, "rst"))
        t.assistant(d.CHANGELOG_NOTE)
        t.switch("main")
        t.user(d.REVIEW_NOTE)
        t.assistant(d.REVIEW_ACK)
        t.merge("changelog")
        t.edit(plan, c.dialogue("assistant", d.PLAN_REVISED))
        t.switch("regression-test")
        t.rebase("main")
        t.switch("main")
        t.assistant(d.HANDOFF)
        t.compile(record=True, reason="hand-off to the maintainer")

    def import_run(self) -> list[str]:
        source = self.transcript
        if source is not None:
            self.say(f"demo: importing the agent transcript {source.name}")
            return list(self.t.import_transcript(source, branch="main").commits)
        self.say("demo: importing a built-in sample run")
        with tempfile.TemporaryDirectory(prefix="tract-demo-") as scratch:
            sample = Path(scratch) / FALLBACK_NAME
            lines = (json.dumps(m, ensure_ascii=False) for m in d.FALLBACK_TRANSCRIPT)
            sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
            return list(self.t.import_transcript(sample, branch="main").commits)
