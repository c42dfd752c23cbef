"""Worker: an operator compressing, importing, compiling and reverting while an agent appends.

    python -m tests.reliability.operator_worker --store STORE --tract ID --actions 20 \\
        --agent-log agent.jsonl --side side --transcript small.jsonl --seed 7 --pace 0.3 \\
        --out op.json

Each action is one of: preview + compress a random range of the current branch (extractive or
manual summaries), import a commit of branch ``--side`` (``import_commit``), import a small
transcript (``import_transcript``), record a compile, or revert its last compress. Two actions
force an interleaving deterministically: a compress applied after the agent appended since its
preview (must apply, replaying what the agent appended), and a revert after the agent appended
since the compress (must raise ``RevertError`` "moved"). Clean refusals are counted; any other
exception is a failure. Writes a JSON summary (counts, event ids, failures) to ``--out`` and stdout;
exits 1 on failures.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

from core import Tract
from core.errors import NothingToCompressError, RangeChangedError, RevertError
from core.facade.compress import CompressPreview
from tests.reliability.agent import count_lines

WAIT_S = 20.0  # longest wait for the agent to append (it appends every few ms)
MIN_AGENT = 20  # the agent's commits present before the first action


class Operator:
    def __init__(
        self,
        tract: Tract,
        agent_log: Path,
        side: str,
        transcript: Path,
        seed: int,
        pace: float = 0.0,
    ) -> None:
        self.tract = tract
        self.pace = pace
        self.agent_log = agent_log
        self.side = side
        self.transcript = transcript
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.failures: list[str] = []
        self.compress_events: list[str] = []
        self.last_compress: str | None = None
        self.timings: dict[str, list[float]] = {}

    # -- helpers ------------------------------------------------------------------------------

    def wait_for_agent(self, at_least: int) -> bool:
        deadline = time.monotonic() + WAIT_S
        while count_lines(self.agent_log) < at_least:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def agent_moved_since_now(self) -> bool:
        """Wait until the agent committed after this call: its second next log line is
        written after its next commit *started*, so that commit moved the branch after now."""
        return self.wait_for_agent(count_lines(self.agent_log) + 2)

    def preview(self) -> CompressPreview | None:
        chain = [ci.commit_hash for ci in self.tract.log(limit=None)]
        chain.reverse()  # root first
        if len(chain) < 12:
            return None
        lo = self.rng.randint(1, len(chain) - 8)
        hi = min(lo + self.rng.randint(3, 24), len(chain) - 2)
        try:
            return self.tract.compress_preview(from_ref=chain[lo], to_ref=chain[hi])
        except NothingToCompressError:
            self.counts["compress_nothing_to_compress"] += 1
            return None

    def apply(self, preview: CompressPreview) -> str:
        return self.apply_result(preview).event_id

    def apply_result(self, preview: CompressPreview) -> Any:
        groups = len(preview.plan.groups)
        if self.rng.random() < 0.5:
            result = self.tract.compress(plan=preview.plan, summarizer="extractive")
            self.counts["compress_extractive"] += 1
        else:
            texts = [f"operator summary {i + 1} of {groups}" for i in range(groups)]
            result = self.tract.compress(plan=preview.plan, summarizer="manual", summaries=texts)
            self.counts["compress_manual"] += 1
        self.counts["compress_applied"] += 1
        self.compress_events.append(result.event_id)
        self.last_compress = result.event_id
        if result.appended:
            self.counts["compress_onto_appended"] += 1
        return result

    # -- actions ------------------------------------------------------------------------------

    def compress(self, attempts: int = 8) -> None:
        """Preview then apply, as the TUI does; a refusal (the range changed) → again."""
        for _ in range(attempts):
            preview = self.preview()
            if preview is None:
                return
            try:
                self.apply(preview)
                return
            except RangeChangedError:
                self.counts["refused_range_changed"] += 1
        self.counts["compress_gave_up"] += 1

    def forced_head_moved(self) -> None:
        preview = self.preview()
        if preview is None or not self.agent_moved_since_now():
            self.counts["forced_head_moved_skipped"] += 1
            return
        result = self.apply_result(preview)
        if not result.appended:
            self.failures.append("the agent's commits since the preview were not replayed")
            return
        self.counts["forced_head_moved_applied"] += 1

    def forced_revert_moved(self) -> None:
        before = self.counts["compress_applied"]
        self.compress(attempts=60)  # this scenario needs one applied compress
        if self.counts["compress_applied"] == before or self.last_compress is None:
            self.counts["forced_revert_skipped"] += 1
            return
        if not self.agent_moved_since_now():
            self.counts["forced_revert_skipped"] += 1
            return
        try:
            self.tract.revert(self.last_compress)
        except RevertError as exc:
            if "moved" not in str(exc):
                raise
            self.counts["refused_revert_moved"] += 1
            self.counts["forced_revert_refused"] += 1
            return
        self.failures.append("revert applied although the agent appended since the compress")

    def revert(self) -> None:
        if self.last_compress is None:
            return self.compress()
        event, self.last_compress = self.last_compress, None
        try:
            self.tract.revert(event)
            self.counts["revert_applied"] += 1
        except RevertError as exc:
            if "moved" not in str(exc):
                raise
            self.counts["refused_revert_moved"] += 1
        return None

    def import_commit(self) -> None:
        side = [ci.commit_hash for ci in self.tract.log(limit=50, start=self.side)]
        self.tract.import_commit(self.rng.choice(side))
        self.counts["import_commit"] += 1

    def import_transcript(self) -> None:
        self.tract.import_transcript(self.transcript)
        self.counts["import_transcript"] += 1

    def compile(self) -> None:
        self.tract.compile(record=True, reason="operator")
        self.counts["compile_recorded"] += 1

    def run(self, actions: int) -> None:
        self.wait_for_agent(MIN_AGENT)
        plain = [
            (self.compress, 5),
            (self.revert, 2),
            (self.import_commit, 2),
            (self.import_transcript, 1),
            (self.compile, 2),
        ]
        forced = {1: self.forced_head_moved, 3: self.forced_revert_moved}
        for n in range(actions):
            action = (
                forced.get(n) or self.rng.choices([a for a, _ in plain], [w for _, w in plain])[0]
            )
            t0 = time.perf_counter()
            try:
                action()
            except Exception as exc:
                self.failures.append(f"{action.__name__}: {exc!r}\n{traceback.format_exc()}")
            self.timings.setdefault(action.__name__, []).append(time.perf_counter() - t0)
            self.counts["actions"] += 1
            if self.pace:  # spread the actions over the agent's run
                time.sleep(self.rng.uniform(0, 2 * self.pace))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--store", required=True)
    ap.add_argument("--tract", required=True)
    ap.add_argument("--actions", type=int, default=20)
    ap.add_argument("--agent-log", type=Path, required=True)
    ap.add_argument("--side", default="side")
    ap.add_argument("--transcript", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pace", type=float, default=0.0, help="mean pause between actions (s)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    summary: dict[str, Any]
    try:
        with Tract.open(args.store, args.tract) as tract:
            op = Operator(tract, args.agent_log, args.side, args.transcript, args.seed, args.pace)
            op.run(args.actions)
        summary = {
            "worker": "operator",
            "counts": dict(op.counts),
            "compress_events": op.compress_events,
            "failures": op.failures,
            "action_ms_max": {k: round(max(v) * 1000, 1) for k, v in sorted(op.timings.items())},
        }
    except Exception as exc:
        summary = {"worker": "operator", "failures": [f"{exc!r}\n{traceback.format_exc()}"]}
    summary["elapsed_s"] = round(time.perf_counter() - started, 3)
    text = json.dumps(summary)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text, flush=True)
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
