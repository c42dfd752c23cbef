"""Claude Code samples, imported: branches, compactions, contexts and records per leaf.

Every expectation below was written by reading the sample files (uuids, parentUuid links,
message ids and usage figures), not by running the importer. Each test runs on SQLite and,
with TRACT_TEST_POSTGRES_URL, on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import Tract, import_sessions
from tests.conftest import sql_rows
from tests.sessions._helpers import Imported, sample

CC = "claude-code"


def _import(tmp_path: Path, store: str, rel: str) -> Path:
    path = sample(f"{CC}/{rel}", tmp_path / "in")
    import_sessions(path, store, create=True)
    return path


def _prefixes(ids: list[str]) -> list[str]:
    return [i[:8] for i in ids]


def test_compaction_after_a_rewind(tmp_path: Path, store_target: str) -> None:
    # u1 → a1 → {b1u → b1a (rewound), b2u → b2a → b2u2 → b2a2}; compact_boundary cb closes
    # the line ending at b2a2; cs (isCompactSummary) → p1u → p1a.
    _import(tmp_path, store_target, "daaain__claude-code-log__dag_compact_after_rewind.jsonl")
    t = Imported(store_target, "daaain__claude-code-log__dag_compact_after_rewind")
    try:
        assert t.branches() == {"main": "p1a", "fork-b1u": "b1a"}
        assert t.context("main") == [
            (
                "user",
                "This session is being continued from a previous conversation that ran out "
                "of context. Summary: the user asked for a plan.",
            ),
            ("user", "After compaction"),
            ("assistant", "Final answer"),
        ]
        assert t.context("fork-b1u") == [
            ("user", "Start"),
            ("assistant", "Ready"),
            ("user", "First attempt"),
            ("assistant", "First answer"),
        ]
        [(sources, results, params)] = t.compressions()
        assert sources == ["u1", "a1", "b2u", "b2a", "b2u2", "b2a2"]
        assert results == ["cs"]
        assert params["trigger"] == "auto"
        assert params["preTokens"] == 150000 == params["original_tokens"]
        # One record per model call, each the line before the reply, API figures as source.
        assert t.records() == [
            ("u1", ["u1"], 10, "api:10+5"),
            ("b1u", ["u1", "a1", "b1u"], 10, "api:10+5"),
            ("b2u", ["u1", "a1", "b2u"], 10, "api:10+5"),
            ("b2u2", ["u1", "a1", "b2u", "b2a", "b2u2"], 10, "api:10+5"),
            ("p1u", ["cs", "p1u"], 10, "api:10+5"),
        ]
    finally:
        t.close()


def test_fork_across_resumed_sessions(tmp_path: Path, store_target: str) -> None:
    # a → b → c → {d → e → f → g → h (sessions s1, s2), i → j → k (s3, newest)}.
    _import(tmp_path, store_target, "handgemacht-ai__claude-code-log__dag_fork.jsonl")
    t = Imported(store_target, "handgemacht-ai__claude-code-log__dag_fork")
    try:
        assert t.branches() == {"main": "k", "fork-d": "h"}
        assert [c for _, c in t.context("main")] == [
            "Start",
            "Reply 1",
            "Middle",
            "Fork from c",
            "Forked reply",
            "End of s3",
        ]
        assert [c for _, c in t.context("fork-d")] == [
            "Start",
            "Reply 1",
            "Middle",
            "Reply 2",
            "Last in s1",
            "Continue from e",
            "Continued reply",
            "End of s2",
        ]
        assert t.compressions() == []
        assert t.records() == [
            ("a", ["a"], 10, "api:10+5"),
            ("c", ["a", "b", "c"], 15, "api:15+8"),
            ("f", ["a", "b", "c", "d", "e", "f"], 20, "api:20+10"),
            ("i", ["a", "b", "c", "i"], 25, "api:25+12"),
        ]
    finally:
        t.close()


MAIN_03EB = [
    "13f97369",
    "b5c90882",
    "788d2450",
    "f2ad6242",
    "bba9b15d",
    "ddaea810",
    "9598e2ef",
    "678beeff",
    "3220c04b",
    "9edc38e6",
    "251d3443",
    "e240c16e",
    "469c1506",
    "ad1515d0",
    "dc365667",
    "f8d26873",
    "1691f02e",
    "d3658335",
    "18037c5a",
    "5ce6fa4b",
    "8cb01e66",
    "d008e68d",
    "cba5bd18",
    "d107d4c0",
]
FORK_03EB = [
    *MAIN_03EB[:9],
    "5270777a",
    "d94c9c9b",
    "ff14c7f7",
    "7bb81bd8",
    "12f81cce",
    "c4b71b36",
    "bce6d847",
    "f4dbd8f0",
    "a17b2091",
    "95b483e6",
]


def test_real_session_with_a_rewind(tmp_path: Path, store_target: str) -> None:
    # The user went back to the reply 3220c04b (through a stop-hook record, eb84e3ee) 35 min
    # later and asked again: two lines. Progress and hook records are not messages.
    name = "handgemacht-ai__claude-code-log__03eb5929-52b3-4b13-ada3-b93ae35806b8.jsonl"
    summary = import_sessions(sample(f"{CC}/{name}", tmp_path / "in"), store_target, create=True)
    assert dict(summary.notes.skipped) == {
        "progress": 11,
        "file-history-snapshot": 9,
        "system:stop_hook_summary": 7,
    }
    t = Imported(store_target, "03eb5929-52b3-4b13-ada3-b93ae35806b8")
    try:
        branches = {k: v[:8] for k, v in t.branches().items()}
        assert branches == {"main": "d107d4c0", "fork-5270777a": "95b483e6"}
        assert _prefixes(t.context_ids("main")) == MAIN_03EB
        assert _prefixes(t.context_ids("fork-5270777a")) == FORK_03EB
        main = t.context("main")
        assert main[2][0] == "assistant" and main[2][1].startswith("The user is talking")
        assert t.tract.get_commit(t.tract.compile(at="main").commit_hashes[2]).content_type == (
            "reasoning"
        )
        assert main[4][1].startswith("Tool call: Bash")  # tool_use, paired by id below
        assert main[5][1].startswith("Tool result: Bash (success)")
        assert "total 12" in main[5][1] and "toolUseResult" not in main[5][1]
        # The prompt is input + cache reads + cache writes of the message's usage.
        assert [(h[:8], len(ctx), src) for h, ctx, _, src in t.records()] == [
            ("13f97369", 1, "api:26819+12"),
            ("ddaea810", 6, "api:27115+25"),
            ("678beeff", 8, "api:27339+1"),
            ("5270777a", 10, "api:27528+14"),
            ("12f81cce", 14, "api:27906+12"),
            ("a17b2091", 18, "api:28314+2"),
            ("9edc38e6", 10, "api:27428+9"),
            ("ad1515d0", 14, "api:27896+12"),
            ("d3658335", 18, "api:28320+1"),
        ]
        # 99 context entries in all, stored as the 28 commits each turn added.
        [(rows,)] = sql_rows(
            store_target,
            "SELECT count(*) FROM compile_effectives e JOIN compile_records r "
            "ON r.record_id = e.record_id WHERE r.tract_id = "
            "'03eb5929-52b3-4b13-ada3-b93ae35806b8'",
        )
        assert rows == 28
        # `log --limit N` reads the imported session the same through the standard library.
        if "://" not in store_target:
            from core.read import StoreReader, quick_log

            quick = quick_log(store_target, 50, head_arrow="->")
            assert quick is not None
            assert quick.labels == StoreReader(t.tract).refs(head_arrow="->").labels
            assert quick.commits == t.tract.log(limit=50)
    finally:
        t.close()


def test_subagent_file_is_a_child_tract_of_its_task_call(tmp_path: Path, store_target: str) -> None:
    folder = sample(f"{CC}/jazzyalex__agent-sessions__subagent-layout", tmp_path / "in")
    session = "0a1b2c3d-4e5f-4061-8071-2a3b4c5d6e7f"
    import_sessions(folder / f"{session}.jsonl", store_target, create=True)
    parent = Imported(store_target, session)
    child = Imported(store_target, f"{session}/agent-a0ad4f44468bdf20d")
    try:
        assert parent.context("main") == [
            ("user", "Delegate a repo search to a subagent"),
            ("assistant", "Spawning a subagent."),
            (
                "tool",
                'Tool call: Task\n{\n  "description": "search files",\n'
                '  "subagent_type": "general-purpose",\n  "tool_call_id": null\n}',
            ),
        ]
        ctx = child.context("main")
        assert ctx[:2] == [
            ("user", "Search the repo for TODO comments"),
            ("assistant", "Searching."),
        ]
        assert [r for r, _ in ctx[2:]] == ["tool", "tool"]
        assert ctx[2][1].startswith('Tool call: bash\n{\n  "command": "grep -rn TODO"')
        # The result names no call id: it answers the one open call, bash.
        assert ctx[3][1].startswith('Tool result: bash (success)\n{\n  "output": "a.txt:1: TODO')
        pointer = parent.spawn_of(f"{session}/agent-a0ad4f44468bdf20d")
        assert pointer.parent_tract_id == session
        assert pointer.purpose == "search files"
        # No tool result names the agent yet: the Task call just before it started is linked.
        assert parent.sid(pointer.parent_commit_hash) == "pa1"
    finally:
        parent.close()
        child.close()


def test_format_stress_sample(tmp_path: Path, store_target: str) -> None:
    # A fixture of 22 record types; its structure, read by hand:
    # - sys1 (isSidechain) roots the Hello conversation: u1 → a1 → {u2, u2b} (two tool results
    #   of one call; u2b is left beside the line), u2 → {a2, a3 → u3}, and u1 → a-nested-1 →
    #   u-nested-1 → (system error) → ten attachments, six of which carry text. That tree is a
    #   sidechain, so a child tract.
    # - The main tract holds the trimmed records (one uuid used 45 times: each use of it as a
    #   parent means its latest use above). Line 42 names a parent not in the file; line 63
    #   has none; the boundary at line 51 closes the line ending at line 49 (through the
    #   fallback-only assistant of line 50) and no summary follows it; the boundary at line
    #   21 names a system record as logical parent and no summary follows it either.
    path = sample(f"{CC}/jazzyalex__agent-sessions__claude_small.jsonl", tmp_path / "in")
    summary = import_sessions(path, store_target, create=True)
    main_id = "jazzyalex__agent-sessions__claude_small"
    side_id = f"{main_id}/side-sys1"
    assert sorted(summary.tract_ids()) == [main_id, side_id]
    side = Imported(store_target, side_id)
    main = Imported(store_target, main_id)
    try:
        # Three attachments carry the same text under one parent at one time; ties of time
        # go to the later line: att-nested-9 is the newest leaf.
        assert side.branches() == {
            "main": "att-nested-9",
            "fork-att-nested-8": "att-nested-8",
            "fork-att-nested-7": "att-nested-7",
            "fork-att-nested-6": "att-nested-6",
            "fork-att-nested-4": "att-nested-4",
            "fork-att-nested-3": "att-nested-3",
            "fork-a1": "u3",
            "fork-a2": "a2",
        }
        assert side.context_ids("fork-a1") == ["u1", "a1#0", "a1#1", "a1", "u2", "a3", "u3"]
        ctx = side.context("fork-a1")
        assert ctx[1] == ("assistant", "Reasoning goes here.")
        assert ctx[4][1].startswith("Tool result: bash (success)")  # no id: the open call
        assert side.context_ids("main") == [
            "u1",
            "a-nested-1#0",
            "a-nested-1#1",
            "a-nested-1",
            "u-nested-1",
            "att-nested-9",
        ]
        assert side.records() == [
            ("u1", ["u1"], 0, ""),
            ("u2", ["u1", "a1#0", "a1#1", "a1", "u2"], 0, ""),
            ("u1", ["u1"], 10, "api:10+5"),
        ]
        t = "[trimmed for fixture]"
        assert main.branches() == {"main": f"{t}~45", "fork-trimmedf": f"{t}~20"}
        assert main.compressions() == [
            ([], [], {**main.compressions()[0][2]}),
            ([t + "~2", t + "~4", t + "~5", t + "~7"], [], {**main.compressions()[1][2]}),
        ]
        assert [c[2]["line"] for c in main.compressions()] == [21, 51]
        assert main.context_ids("fork-trimmedf") == [
            f"{t}~10",
            f"{t}~13#0",
            f"{t}~13#1",
            f"{t}~13",
            f"{t}~17",
            f"{t}~18",
            f"{t}~20",
        ]
        # The <synthetic> assistant message is in the history but was never sent: skipped.
        compiled = main.tract.compile(at=main.tract.resolve("main"))
        assert len(compiled.messages) == 11
        pointer = main.spawn_of(side_id)
        assert (pointer.parent_tract_id, pointer.purpose) == (main_id, "Hello")
    finally:
        side.close()
        main.close()


def test_app_sees_one_tract_per_session(tmp_path: Path, store_target: str) -> None:
    folder = tmp_path / "project"
    for rel in (
        "daaain__claude-code-log__dag_compact_after_rewind.jsonl",
        "handgemacht-ai__claude-code-log__dag_fork.jsonl",
    ):
        sample(f"{CC}/{rel}", folder)
    summary = import_sessions(folder, store_target, create=True)
    assert sorted(summary.tract_ids()) == [
        "daaain__claude-code-log__dag_compact_after_rewind",
        "handgemacht-ai__claude-code-log__dag_fork",
    ]
    with pytest.raises(Exception, match="holds 2 tracts"):
        Tract.open(store_target)
