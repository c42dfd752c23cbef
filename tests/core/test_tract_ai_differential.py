"""Live comparison with tract-ai's own source (skipped when it is not beside the project).

- Stores written now by tract-ai c2f26dd and b226678 compile, on every branch, to exactly
  what that tract-ai compiles: messages (role, content, name, tool fields), token counts and
  the tools attached.
- After our writes on a v13 store (compress, pin, IMPORTANT, tag, import, revert, gc),
  tract-ai c2f26dd still opens it, compiles it as we do, appends, tags and collects garbage.

The same comparisons run without tract-ai against the outputs it wrote earlier
(``test_tract_ai_layouts.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import Priority, Retention, Tract
from tests.core._tract_ai_layouts import TRACT_ID, compiled_as_dict, expected_branch, unpack
from tests.tract_ai_reference import reference_source, run_generator

pytestmark = pytest.mark.skipif(
    reference_source("c2f26dd") is None or reference_source("b226678") is None,
    reason="tract-ai's source is not beside the project",
)


@pytest.mark.parametrize(("story", "revision"), [("head", "c2f26dd"), ("v6", "b226678")])
def test_fresh_stores_compile_as_tract_ai_does(story: str, revision: str, tmp_path: Path) -> None:
    run_generator(revision, "--story", story, str(tmp_path))
    want = json.loads((tmp_path / f"{story}_story.expected.json").read_text())
    path = tmp_path / f"{story}_story.db"
    before = path.read_bytes()
    with Tract.open(path, TRACT_ID, readonly=True) as tract:
        assert tract.store.version.rules == revision
        for branch in want["branches"]:
            got = compiled_as_dict(tract.compile(at=branch))
            if revision == "b226678":
                got.pop("tools")
                for m in got["messages"]:
                    m.pop("tool_call_id")
                    m.pop("tool_calls")
                assert got == want["branches"][branch], branch
            else:
                assert got == expected_branch(want, branch), branch
    assert path.read_bytes() == before


def _our_writes(path: Path, tmp_path: Path) -> None:
    transcript = tmp_path / "chat.jsonl"
    transcript.write_text(
        json.dumps({"role": "user", "content": "imported question"})
        + "\n"
        + json.dumps({"role": "assistant", "content": "imported answer"})
        + "\n"
    )
    with Tract.open(path, TRACT_ID) as tract:
        log = tract.log(limit=None)
        tract.annotate(log[3].commit_hash, Priority.PINNED, "keep")
        tract.annotate(
            log[4].commit_hash, Priority.IMPORTANT, "numbers", Retention("keep it", ("add",))
        )
        tract.tag(log[5].commit_hash, "summary")
        tract.tag(log[5].commit_hash, "ours", register=True)
        tract.import_transcript(transcript)
        tract.branch("ours")
        tract.user("a turn on our branch")
        tract.assistant("and its answer")
        tract.user("another")
        chain = tract.log(limit=None)
        result = tract.compress(
            from_ref=chain[2].commit_hash, to_ref=chain[0].commit_hash, summarizer="extractive"
        )
        tract.revert(result.event_id)
        result = tract.compress(
            from_ref=chain[2].commit_hash, to_ref=chain[0].commit_hash, summarizer="extractive"
        )
        tract.switch("main")
        tract.untag(log[5].commit_hash, "summary")
        # A compression over the IMPORTANT commit: its rules go with the summary's group.
        tract.compress(
            from_ref=log[6].commit_hash, to_ref=log[4].commit_hash, summarizer="extractive"
        )
        tract.gc(orphan_retention_days=0)


def test_our_writes_keep_the_store_tract_ais(tmp_path: Path) -> None:
    path = unpack("head_story", tmp_path / "store.db")
    _our_writes(path, tmp_path)
    with Tract.open(path, TRACT_ID, readonly=True) as tract:
        ours = compiled_as_dict(tract.compile())
    out = tmp_path / "exercise.json"
    run_generator("c2f26dd", "--exercise", str(path), str(out))
    theirs = json.loads(out.read_text())
    assert ours == expected_branch({"branches": {"x": theirs["before"]}}, "x")
    assert theirs["after_count"] == len(ours["messages"]) + 1
    assert "decision" in theirs["tags"]
    from core.operations.verify import verify_store

    report = verify_store(path)
    assert report.ok, report.format_lines()
    with Tract.open(path, TRACT_ID, readonly=True) as tract:
        assert tract.head == theirs["appended"]
