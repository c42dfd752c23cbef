"""Session import speed (issue 11): a 4 MB / 600-record Claude Code session ≤ 1 s, a 100 MB
session ≤ 20 s (with a progress bar on a terminal), 10 appended lines ≤ 50 ms.

The sessions are generated from the shapes of the real sample (a user prompt, a response
split into thinking / text / tool_use records sharing a message id with its usage, progress
and hook records in between, a tool result with its display copy in ``toolUseResult``,
file-history snapshots, a rewind every few dozen turns), with varied text so blobs do not
deduplicate. They are written once under the temp directory and reused.

    python bench/bench_sessions.py            # all three figures
    python bench/bench_sessions.py --small    # skip the 100 MB session
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import median_ms, row, temp_dir
from core import ImportSession

_VOCABULARY = (
    "the of and to in is that for it as with was on be by this are or from at which an not "
    "file test error function return value module config import class def self path line "
    "result output build check fix update parse index range token cache store compile"
)
WORDS = _VOCABULARY.split()


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _record(kind: str, uid: str, parent: str | None, ts: float, **extra: object) -> dict:
    return {
        "parentUuid": parent,
        "isSidechain": False,
        "userType": "external",
        "cwd": "/home/user/project",
        "sessionId": "bench-session",
        "version": "2.1.42",
        "gitBranch": "main",
        "type": kind,
        "uuid": uid,
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
        + f".{int(ts * 1000) % 1000:03d}Z",
        **extra,
    }


def generate(path: Path, records: int, target_bytes: int, seed: int = 11) -> None:
    """A session of ``records`` lines and about ``target_bytes`` bytes (a second pass scales
    the tool outputs to hit the size)."""
    turns = max(1, records // 9)
    guess = max(200, (target_bytes // turns - 4000) // 2)
    size = _write(path, records, guess, seed)
    fixed = size - 2 * guess * turns
    _write(path, records, max(200, (target_bytes - fixed) // (2 * turns)), seed)


def _write(path: Path, records: int, tool_size: int, seed: int) -> int:
    rng = random.Random(seed)
    per_turn = 9  # user, 3 assistant blocks, progress, tool result, reply, stop hook, snapshot
    turns = max(1, records // per_turn)
    ts = 1_760_000_000.0
    lines: list[str] = []
    tip: str | None = None
    rewind_to: str | None = None
    for turn in range(turns):
        ts += 20
        parent = tip
        if turn and turn % 40 == 0 and rewind_to is not None:
            parent = rewind_to  # the user went back and asked again: a fork
        user = str(uuid.UUID(int=rng.getrandbits(128)))
        lines.append(
            json.dumps(
                _record(
                    "user",
                    user,
                    parent,
                    ts,
                    message={"role": "user", "content": f"Turn {turn}: " + _text(rng, 60)},
                )
            )
        )
        msg_id = f"msg_{turn:06d}"
        usage = {
            "input_tokens": 3,
            "cache_read_input_tokens": 20000 + turn * 50,
            "cache_creation_input_tokens": 300,
            "output_tokens": 120,
        }
        prev = user
        for block in (
            {"type": "thinking", "thinking": _text(rng, 120), "signature": "x" * 200},
            {"type": "text", "text": _text(rng, 80)},
            {
                "type": "tool_use",
                "id": f"toolu_{turn:06d}",
                "name": "Bash",
                "input": {"command": f"pytest tests/test_{turn}.py -x", "description": "run"},
            },
        ):
            uid = str(uuid.UUID(int=rng.getrandbits(128)))
            ts += 1
            lines.append(
                json.dumps(
                    _record(
                        "assistant",
                        uid,
                        prev,
                        ts,
                        requestId=f"req_{turn}",
                        message={
                            "id": msg_id,
                            "type": "message",
                            "role": "assistant",
                            "model": "claude-opus-4-6",
                            "content": [block],
                            "stop_reason": None,
                            "usage": usage,
                        },
                    )
                )
            )
            prev = uid
        progress = str(uuid.UUID(int=rng.getrandbits(128)))
        lines.append(
            json.dumps(
                _record(
                    "progress",
                    progress,
                    prev,
                    ts + 0.1,
                    data={"type": "hook_progress", "hookEvent": "PostToolUse"},
                )
            )
        )
        output = _text(rng, max(1, tool_size // 6))
        result = str(uuid.UUID(int=rng.getrandbits(128)))
        ts += 2
        lines.append(
            json.dumps(
                _record(
                    "user",
                    result,
                    prev,
                    ts,
                    message={
                        "role": "user",
                        "content": [
                            {
                                "type": "tool_result",
                                "tool_use_id": f"toolu_{turn:06d}",
                                "content": output,
                                "is_error": False,
                            }
                        ],
                    },
                    toolUseResult={"stdout": output, "stderr": "", "interrupted": False},
                )
            )
        )
        ts += 3
        reply = str(uuid.UUID(int=rng.getrandbits(128)))
        lines.append(
            json.dumps(
                _record(
                    "assistant",
                    reply,
                    result,
                    ts,
                    requestId=f"req_{turn}b",
                    message={
                        "id": f"{msg_id}b",
                        "type": "message",
                        "role": "assistant",
                        "model": "claude-opus-4-6",
                        "content": [{"type": "text", "text": _text(rng, 50)}],
                        "usage": usage,
                    },
                )
            )
        )
        hook = str(uuid.UUID(int=rng.getrandbits(128)))
        lines.append(
            json.dumps(
                _record("system", hook, reply, ts + 0.1, subtype="stop_hook_summary", hookCount=1)
            )
        )
        lines.append(
            json.dumps(
                {
                    "type": "file-history-snapshot",
                    "messageId": reply,
                    "snapshot": {"trackedFileBackups": {}},
                }
            )
        )
        if turn % 40 == 5:
            rewind_to = reply
        tip = hook
    text = "\n".join(lines[:records]) + "\n"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def cached(name: str, records: int, size: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "tract-tui-bench-sessions"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}-{records}-{size}.jsonl"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        generate(tmp, records, size)
        tmp.replace(path)
    return path


def import_once(session_file: Path, store: Path) -> tuple[float, int, int]:
    ticks: list[tuple[str, int, int]] = []
    start = time.perf_counter()
    summary = ImportSession(session_file).run(
        store, create=True, progress=lambda stage, done, total: ticks.append((stage, done, total))
    )
    return time.perf_counter() - start, summary.commits, len(ticks)


def appended(session_file: Path, work: Path, rounds: int = 7) -> list[float]:
    """Times of importing 10 appended lines with a follower's in-memory state."""
    path = work / "live.jsonl"
    lines = session_file.read_text("utf-8").splitlines(keepends=True)
    head, tail = lines[: len(lines) - rounds * 10], lines[len(lines) - rounds * 10 :]
    path.write_text("".join(head), encoding="utf-8")
    store = work / "live.db"
    session = ImportSession(path)
    session.run(store, create=True, final=False)
    from core.storage.store import Store

    times: list[float] = []
    with Store.open(store) as opened:
        for i in range(rounds):
            with path.open("a", encoding="utf-8") as fh:
                fh.write("".join(tail[i * 10 : (i + 1) * 10]))
            start = time.perf_counter()
            session.run(opened, only_changed=True, final=False)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    small_only = "--small" in sys.argv
    print("session import (Claude Code shapes; SQLite in a temp directory)")
    small = cached("claude", 600, 4 << 20)
    with temp_dir() as work:
        import_once(small, work / "warm.db")  # loads tiktoken's ranks and SQLAlchemy once
        secs, commits, _ = import_once(small, work / "small.db")
        mb = small.stat().st_size / 1e6
        row(f"600 records, {mb:.1f} MB: import", f"{secs:.2f} s", f"≤ 1 s  ({commits} commits)")
        times = appended(small, work)
        row(
            "10 appended lines (follower)",
            f"{median_ms(times):.1f} ms",
            f"≤ 50 ms  (median of {len(times)}; max {max(times) * 1000:.1f} ms)",
        )
        if not small_only:
            big = cached("claude", 15000, 100 << 20)
            secs, commits, ticks = import_once(big, work / "big.db")
            mb = big.stat().st_size / 1e6
            row(
                f"15,000 records, {mb:.0f} MB: import",
                f"{secs:.1f} s",
                f"≤ 20 s  ({commits} commits, {ticks} progress updates)",
            )


if __name__ == "__main__":
    main()
