"""Codex rollout samples, imported (expectations written from reading the files)."""

from __future__ import annotations

from pathlib import Path

from core import import_sessions
from tests.sessions._helpers import Imported, sample


def _load(tmp_path: Path, store: str, name: str):
    return import_sessions(sample(f"codex/{name}", tmp_path / "in"), store, create=True)


def test_tool_calls_paired_by_call_id(tmp_path: Path, store_target: str) -> None:
    name = (
        "daaain__claude-code-log__rollout-2026-01-02T03-04-05-"
        "11111111-1111-4111-8111-111111111111.jsonl"
    )
    summary = _load(tmp_path, store_target, name)
    # event_msg lines repeat the stream: counted, never commits; the unknown record is kept.
    assert summary.notes.skipped["event_msg:user_message"] == 1
    assert summary.notes.skipped["event_msg:agent_message"] == 1
    assert [u["line"] for u in summary.notes.unknown] == [14]
    t = Imported(store_target, "11111111-1111-4111-8111-111111111111")
    try:
        ctx = t.context("main")
        assert [r for r, _ in ctx] == ["user", "assistant", *["tool"] * 6, "assistant"]
        assert ctx[0][1] == "List the synthetic files."
        assert ctx[1][1] == "I will inspect the synthetic directory."
        assert ctx[2][1].startswith("Tool call: exec_command\n")
        assert ctx[3][1].startswith("Tool result: exec_command (success)\n")
        assert '"./alpha.txt\\n./beta.txt"' in ctx[3][1]
        assert ctx[4][1].startswith("Tool call: apply_patch\n")
        assert ctx[5][1].startswith("Tool result: apply_patch (success)\n") and "Done!" in ctx[5][1]
        assert ctx[7][1].startswith("Tool result: mcp__synthetic__lookup (success)\n")
        assert ctx[8][1] == "The synthetic files are alpha.txt and beta.txt."
        assert all("SYNTHETIC_ENCRYPTED" not in c for _, c in ctx)
        last = t.tract.get_commit("main")
        assert last is not None and last.generation_config is not None
        assert last.generation_config["model"] == "synthetic-model"  # from turn_context
        with t.tract.store.read() as uow:
            [event] = [e for e in uow.events.list(t.tract.tract_id) if e.event_type == "import"]
        assert event.params["unknown_records"][0]["record"]["type"] == "future_synthetic_record"
    finally:
        t.close()


def test_unwrapped_older_lines(tmp_path: Path, store_target: str) -> None:
    summary = _load(tmp_path, store_target, "jazzyalex__agent-sessions__codex_schema_drift.jsonl")
    assert summary.notes.skipped["world_state"] == 1
    t = Imported(store_target, "jazzyalex__agent-sessions__codex_schema_drift")
    try:
        ctx = t.context("main")
        assert ctx[0] == ("user", "Translate 'hello' to Spanish")
        assert ctx[1][1].startswith("Tool call: translate\n") and '"to": "es"' in ctx[1][1]
        assert ctx[2][1].startswith("Tool result: translate (success)\n")
        assert '"output": "hola"' in ctx[2][1]
        assert ctx[3] == ("assistant", '"hola"')
        assert len(ctx) == 4
    finally:
        t.close()


def test_real_session_head_instructions_first(tmp_path: Path, store_target: str) -> None:
    _load(
        tmp_path,
        store_target,
        "simonw__claude-code-transcripts__sample_codex_session@871966d.jsonl",
    )
    t = Imported(store_target, "019b64e5-57fa-7463-b644-fba7e456f905")
    try:
        ctx = t.context("main")
        assert [r for r, _ in ctx] == ["system", "user", "user", "user"]
        assert ctx[0][1].startswith("## Skills\nThese skills are discovered at startup")
        assert ctx[1][1].startswith("# AGENTS.md instructions for /Users/macmini/Code/")
        assert ctx[2][1].startswith("<environment_context>")
        assert ctx[3][1].startswith("can you analyse the MD files in this directory")
    finally:
        t.close()


def test_compactions_and_several_sessions(tmp_path: Path, store_target: str) -> None:
    summary = _load(tmp_path, store_target, "jazzyalex__agent-sessions__codex_small.jsonl")
    first = "019fc8be-3658-7ca3-9e29-000000000000"
    [second] = [x for x in summary.tract_ids() if x != first]  # id "[trimmed for fixture]"
    assert len(summary.tract_ids()) == 2
    a = Imported(store_target, first)
    b = Imported(store_target, second)
    try:
        # Session 1: instructions, the items of lines 6–23, compacted at 26 into one message
        # (the line starts again from the instructions, which every request carries), then
        # the unpaired tool output of line 28.
        s1 = f"{first}:"
        items = [f"{s1}L{n}" for n in (6, 7, 9, 10, 11, 12, 13, 14, 21, 23)]
        [(sources, results, _)] = a.compressions()
        assert sources == items
        assert results == [f"{s1}L26:0"]
        assert a.context_ids("main") == [f"{s1}instructions", f"{s1}L26:0", f"{s1}L28"]
        ctx = a.context("main")
        assert ctx[1] == ("user", "[trimmed for fixture]\n[image, not imported]")
        assert ctx[2][1].startswith("Tool result: unknown (success)")
        # Session 2: five compactions; ghost snapshots in a replacement history are not
        # context (24 of line 81's 51 items).
        s2 = f"{second}:"
        comps = b.compressions()
        assert [len(r) for _, r, _ in comps] == [8, 21, 27, 65, 13]
        assert comps[0][0] == [f"{s2}L33", f"{s2}L39", f"{s2}L43"]
        assert comps[1][0] == [*(f"{s2}L47:{i}" for i in range(8)), f"{s2}L49"]
        assert comps[2][0] == [f"{s2}L69:{i}" for i in range(21)]
        assert comps[3][0] == [f"{s2}L81:{i}" for i in range(27)]
        assert comps[4][0] == [
            *(f"{s2}L89:{i}" for i in range(65)),
            f"{s2}L98",
            f"{s2}L103",
            f"{s2}L105",
        ]
        assert b.context_ids("main") == [
            f"{s2}instructions",
            *(f"{s2}L111:{i}" for i in range(13)),
            f"{s2}L114",
            f"{s2}L115",
            f"{s2}L116",
        ]
        assert summary.notes.skipped["replacement_history:ghost_snapshot"] == 24
        assert summary.notes.skipped["response_item:ghost_snapshot"] == 1
    finally:
        a.close()
        b.close()
