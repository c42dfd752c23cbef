"""Session files in shapes our samples do not show, written here by hand.

Each file below is small and written in the shape real files take (record types, block kinds,
line endings, envelope layouts read from the format descriptions); every expectation was
worked out by reading the records, not by running the importer.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from core import import_sessions
from core.importers.catalog import session_info
from tests.conftest import sql_rows
from tests.sessions._helpers import Imported
from tract_tui.cli import main

S = "7d0c6f3e-0b1a-4c3e-9a51-2f4c8e1d9b07"
BASE = {"sessionId": S, "version": "2.1.42", "cwd": "/home/u/proj", "isSidechain": False}


def _user(uuid: str, parent: str | None, second: int, content: Any, **extra: Any) -> dict:
    return {
        **BASE,
        "type": "user",
        "uuid": uuid,
        "parentUuid": parent,
        "timestamp": f"2026-03-01T09:00:{second:02d}.000Z",
        "message": {"role": "user", "content": content},
        **extra,
    }


def _assistant(uuid: str, parent: str, second: int, msg_id: str, block: Any) -> dict:
    return {
        **BASE,
        "type": "assistant",
        "uuid": uuid,
        "parentUuid": parent,
        "timestamp": f"2026-03-01T09:00:{second:02d}.000Z",
        "requestId": f"req_{msg_id}",
        "message": {
            "id": msg_id,
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": block if isinstance(block, (str, list)) else [block],
            "usage": {"input_tokens": 20, "output_tokens": 4},
        },
    }


PDF = "JVBERi0xLjQK" * 10  # 120 base64 characters: 90 bytes


def claude_records() -> list[dict]:
    """A resumed session (its first parent is in another file) that meets, in order: titles
    and bookkeeping without uuids, a response split over three lines (thinking, an empty text
    block, a tool call), a tool result holding text and an image, API-error and informational
    system records, a web search (server tool call and its result in the same response), a
    redacted thinking block beside text, a PDF document, a failed tool result with no
    content, a string tool result, a local command, an unknown record type with a uuid, an
    empty text block before text, and a reply whose content is a plain string."""
    return [
        {"type": "summary", "summary": "Parser work", "leafUuid": "a9"},
        {"type": "file-history-snapshot", "messageId": "m0", "snapshot": {}},
        {"type": "queue-operation", "operation": "enqueue", "sessionId": S, "content": "x"},
        _user("u1", "prev-session-last-uuid", 1, "Hello"),
        _assistant(
            "a1", "u1", 2, "msg_1", {"type": "thinking", "thinking": "hmm", "signature": "s"}
        ),
        _assistant("a2", "a1", 2, "msg_1", {"type": "text", "text": ""}),
        _assistant(
            "a3",
            "a2",
            3,
            "msg_1",
            {"type": "tool_use", "id": "t1", "name": "Read", "input": {"f": "x"}},
        ),
        _user(
            "u2",
            "a3",
            4,
            [
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": [
                        {"type": "text", "text": "file body"},
                        {
                            "type": "image",
                            "source": {
                                "type": "base64",
                                "media_type": "image/png",
                                "data": "iVBORw0KGgo=",
                            },
                        },
                    ],
                }
            ],
            toolUseResult={"file": {"content": "file body"}},
        ),
        {
            **BASE,
            "type": "system",
            "subtype": "api_error",
            "uuid": "s1",
            "parentUuid": "u2",
            "timestamp": "2026-03-01T09:00:05.000Z",
            "level": "error",
            "retryAttempt": 1,
        },
        {
            **BASE,
            "type": "system",
            "subtype": "informational",
            "uuid": "s2",
            "parentUuid": "s1",
            "timestamp": "2026-03-01T09:00:05.500Z",
            "content": "note",
            "level": "info",
        },
        _assistant(
            "a4",
            "s2",
            6,
            "msg_2",
            {
                "type": "server_tool_use",
                "id": "srv_1",
                "name": "web_search",
                "input": {"query": "q"},
            },
        ),
        _assistant(
            "a5",
            "a4",
            7,
            "msg_2",
            {
                "type": "web_search_tool_result",
                "tool_use_id": "srv_1",
                "content": [
                    {
                        "type": "web_search_result",
                        "title": "Docs",
                        "url": "https://d.example/x",
                        "encrypted_content": "EiQK",
                        "page_age": None,
                    }
                ],
            },
        ),
        _assistant(
            "a6",
            "a5",
            8,
            "msg_2",
            [{"type": "redacted_thinking", "data": "ZZZZ"}, {"type": "text", "text": "Found it"}],
        ),
        _user(
            "u3",
            "a6",
            9,
            [
                {"type": "text", "text": "Read this"},
                {
                    "type": "document",
                    "source": {"type": "base64", "media_type": "application/pdf", "data": PDF},
                },
            ],
        ),
        _assistant(
            "a7",
            "u3",
            10,
            "msg_3",
            {"type": "tool_use", "id": "t2", "name": "Bash", "input": {"command": "ls"}},
        ),
        _user("u4", "a7", 11, [{"type": "tool_result", "tool_use_id": "t2", "is_error": True}]),
        _assistant(
            "a8",
            "u4",
            12,
            "msg_4",
            {"type": "tool_use", "id": "t3", "name": "Bash", "input": {"command": "pwd"}},
        ),
        _user("u5", "a8", 13, [{"type": "tool_result", "tool_use_id": "t3", "content": "/home"}]),
        {
            **BASE,
            "type": "system",
            "subtype": "local_command",
            "uuid": "s3",
            "parentUuid": "u5",
            "timestamp": "2026-03-01T09:00:14.000Z",
            "content": "<command-name>/cost</command-name>",
        },
        {
            **BASE,
            "type": "x-new-kind",
            "uuid": "x1",
            "parentUuid": "s3",
            "timestamp": "2026-03-01T09:00:15.000Z",
            "data": {"k": 1},
        },
        _user("u6", "x1", 16, [{"type": "text", "text": ""}, {"type": "text", "text": "Thanks"}]),
        _assistant("a9", "u6", 17, "msg_5", "You're welcome"),
        {"type": "custom-title", "customTitle": "Parser fixes", "sessionId": S},
    ]


def _write_crlf_bom(path: Path, records: list[dict]) -> None:
    text = "\r\n".join(json.dumps(r, separators=(",", ":")) for r in records) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_claude_code_variants_import_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{S}.jsonl"
    _write_crlf_bom(path, claude_records())
    before = _digest(path)
    store = tmp_path / "s.db"
    code, out, err = _run(capsys, "import", str(path), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    # 16 payloads: u1, a1, a3, u2, a4, a5, a6 (two blocks), u3, a7, u4, a8, u5, u6, a9;
    # a2 (only an empty text block) carries nothing. Five responses: msg_1 … msg_5.
    assert lines[1] == f"tract {S}: +15 commits, 5 compile records; branches main (Parser fixes)"
    assert lines[2] == (
        "skipped 1 summary record, 1 file-history-snapshot record, 1 queue-operation record, "
        "1 assistant block:empty text record, 1 assistant without content record, "
        "1 system:api_error record, 1 system:informational record, 1 system:local_command "
        "record, 1 x-new-kind record, 1 custom-title record"
    )
    # The resumed start is said; every call has its result (the web search's is in a5).
    assert lines[3:5] == [
        f"note: {path}:4: parent prev-session-last-uuid is not in the file; the record starts "
        "a new line",
        f"store: {store}",
    ]
    t = Imported(str(store), S)
    try:
        assert t.branches() == {"main": "a9"}
        assert t.context_ids("main") == [
            "u1",
            "a1",
            "a3",
            "u2",
            "a4",
            "a5",
            "a6#0",
            "a6",
            "u3",
            "a7",
            "u4",
            "a8",
            "u5",
            "u6",
            "a9",
        ]
        msgs = t.tract.compile(at="main").messages
        texts = [m.content for m in msgs]
        assert texts[0] == "Hello" and texts[1] == "hmm"
        # The tool result keeps its text and names its image; the search result is named
        # (its page text is encrypted); the PDF is a placeholder; the empty block adds no
        # line break before "Thanks".
        assert '"output": "file body\\n[image/png, 8 bytes, not imported]"' in texts[3]
        assert (
            '"output": "[search result: Docs (https://d.example/x); content encrypted, '
            'not imported]"'
        ) in texts[5]
        assert texts[6] == "[redacted thinking, 4 characters, not readable]"
        assert texts[7] == "Found it"
        assert texts[8] == "Read this\n[application/pdf, 90 bytes, not imported]"
        assert texts[13] == "Thanks"
        assert texts[14] == "You're welcome"
        assert "base64" not in "".join(texts) and PDF not in "".join(texts)
        # One record per response, each the line before its first record.
        assert [(head, ctx[-1], n) for head, ctx, n, _ in t.records()] == [
            ("u1", "u1", 20),
            ("u2", "u2", 20),
            ("u3", "u3", 20),
            ("u4", "u4", 20),
            ("u6", "u6", 20),
        ]
    finally:
        t.close()
    assert _run(capsys, "verify", str(store))[0] == 0
    code, out, _ = _run(capsys, "import", str(path), "--store", str(store))
    assert code == 0 and "nothing new: every record was imported before" in out
    assert _digest(path) == before


def test_claude_code_appended_lines_equal_a_fresh_import(tmp_path: Path) -> None:
    # Cut after every line (mid-response included), import, append the rest, import again:
    # the store holds what a fresh import of the whole file holds, commit for commit.
    records = claude_records()
    whole = tmp_path / "whole" / f"{S}.jsonl"
    whole.parent.mkdir()
    _write_crlf_bom(whole, records)
    fresh = tmp_path / "fresh.db"
    import_sessions(whole, str(fresh), create=True)
    want = _snapshot(str(fresh))
    grow = tmp_path / "grow" / f"{S}.jsonl"
    grow.parent.mkdir()
    for k in (4, 5, 6, 8, 12, 16, 22):
        _write_crlf_bom(grow, records[:k])
        store = tmp_path / f"cut{k}.db"
        import_sessions(grow, str(store), create=True)
        _write_crlf_bom(grow, records)
        import_sessions(grow, str(store))
        assert _snapshot(str(store)) == want, k


def _snapshot(store: str) -> tuple[list[tuple], ...]:
    return (
        sorted(sql_rows(store, "SELECT commit_hash, parent_hash FROM commits")),
        sorted(sql_rows(store, "SELECT head_hash, token_count FROM compile_records")),
        sorted(sql_rows(store, "SELECT ref_name, commit_hash FROM refs")),
    )


def test_a_session_file_starting_with_a_huge_record_or_only_bookkeeping(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pasted screenshot makes the first record longer than the format sniff; a session
    # just started may hold only a file-history snapshot.
    big = tmp_path / "big.jsonl"
    first = _user(
        "u1",
        None,
        1,
        [
            {"type": "text", "text": "look"},
            {
                "type": "image",
                "source": {"type": "base64", "media_type": "image/png", "data": "A" * 400_000},
            },
        ],
    )
    reply = _assistant("a1", "u1", 2, "msg_1", {"type": "text", "text": "A picture"})
    big.write_text(json.dumps(first) + "\n" + json.dumps(reply) + "\n")
    store = tmp_path / "s.db"
    code, out, err = _run(capsys, "import", str(big), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        out.splitlines()[0],
        "tract big: +2 commits, 1 compile record; branches main",
    ]
    assert out.startswith("read 1 file (claude-code), 2 lines")
    t = Imported(str(store), "big")
    try:
        assert t.context("main") == [
            ("user", "look\n[image/png, 300,000 bytes, not imported]"),
            ("assistant", "A picture"),
        ]
    finally:
        t.close()

    snap = tmp_path / "snap.jsonl"
    snap.write_text(
        json.dumps({"type": "file-history-snapshot", "messageId": "m", "snapshot": {}}) + "\n"
    )
    code, out, err = _run(
        capsys, "import", str(snap), "--store", str(tmp_path / "t.db"), "--create"
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[1:3] == [
        "no messages: nothing in the input is a message the model saw",
        "skipped 1 file-history-snapshot record",
    ]


def test_sessions_listing_reads_past_a_bom_spaces_and_a_huge_first_record(
    tmp_path: Path,
) -> None:
    # Records 4-6 of the variants file: u1 (09:00:01), a1, a2 - one user, two assistant.
    path = tmp_path / f"{S}.jsonl"
    _write_crlf_bom(path, claude_records()[3:6])
    info = session_info(path, "claude-code")
    assert info is not None
    assert info.started is not None and info.started.isoformat() == "2026-03-01T09:00:01+00:00"
    assert (info.project, info.messages, info.compactions) == ("/home/u/proj", 3, 0)
    # The same records written with spaces after the colons (json.dumps' default).
    spaced = tmp_path / "spaced.jsonl"
    spaced.write_text("".join(json.dumps(r) + "\n" for r in claude_records()[3:6]))
    info = session_info(spaced, "claude-code")
    assert info is not None
    assert (info.project, info.messages) == ("/home/u/proj", 3)
    # A first record longer than any head: its time is still the start.
    first = _user("u1", None, 7, [{"type": "text", "text": "x" * 200_000}])
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps(first, separators=(",", ":")) + "\n")
    info = session_info(big, "claude-code")
    assert info is not None and info.started is not None
    assert info.started.isoformat() == "2026-03-01T09:00:07+00:00"
    # A Codex rollout written with spaces: its id, messages and compactions.
    rollout = tmp_path / "rollout-2026-03-01T09-00-00-abc.jsonl"
    lines = [
        {
            "timestamp": "2026-03-01T09:00:00Z",
            "type": "session_meta",
            "payload": {"id": "0199-abc", "cwd": "/w", "cli_version": "0.104.0"},
        },
        {
            "timestamp": "2026-03-01T09:00:01Z",
            "type": "response_item",
            "payload": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hi"}],
            },
        },
        {
            "timestamp": "2026-03-01T09:00:02Z",
            "type": "event_msg",
            "payload": {"type": "user_message", "message": "hi"},
        },
        {
            "timestamp": "2026-03-01T09:00:03Z",
            "type": "compacted",
            "payload": {"message": "summary"},
        },
    ]
    rollout.write_text("".join(json.dumps(r) + "\n" for r in lines))
    info = session_info(rollout, "codex")
    assert info is not None
    assert (info.session_id, info.project, info.messages, info.compactions) == (
        "0199-abc",
        "/w",
        1,
        1,
    )


# -- OpenTelemetry --------------------------------------------------------------------------


def _any(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}  # OTLP JSON writes 64-bit integers as strings
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [_any(x) for x in v]}}
    return {"kvlistValue": {"values": [{"key": k, "value": _any(x)} for k, x in v.items()]}}


def _span(trace: str, span: str, start: int, attrs: dict[str, Any], end: int | None = None) -> dict:
    out: dict[str, Any] = {
        "traceId": trace,
        "spanId": span,
        "name": str(attrs.get("gen_ai.operation.name")),
        "startTimeUnixNano": str(1_772_355_600_000_000_000 + start * 1_000_000_000),
        "attributes": [{"key": k, "value": _any(v)} for k, v in attrs.items()],
    }
    if end is not None:
        out["endTimeUnixNano"] = str(1_772_355_600_000_000_000 + end * 1_000_000_000)
    return out


TRACE_A = "0af7651916cd43dd8448eb211c80319c"
TRACE_B = "5b8efff798038103d269b633813fc60c"


def test_otel_envelope_with_every_value_kind_out_of_order_and_junk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user = {"role": "user", "parts": [{"type": "text", "content": "Weather in Paris?"}]}
    call = {
        "role": "assistant",
        "parts": [
            {"type": "tool_call", "id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}
        ],
    }
    result = {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "c1", "response": "rainy"}],
    }
    answer = {"role": "assistant", "parts": [{"type": "text", "content": "Rainy."}]}
    chat = {
        "gen_ai.operation.name": "chat",
        "gen_ai.conversation.id": "conv-1",
        "gen_ai.request.model": "gpt-4o",
    }
    spans = [
        # The second call first in the file, its messages as structured values (arrayValue
        # of kvlistValue); the first call's as JSON strings; the tool span without an end.
        _span(
            TRACE_A,
            "b2",
            3,
            {
                **chat,
                "gen_ai.input.messages": [user, call, result],
                "gen_ai.output.messages": [answer],
                "gen_ai.usage.input_tokens": 40,
                "gen_ai.usage.output_tokens": 3,
                "gen_ai.request.temperature": 0.5,
            },
            end=4,
        ),
        _span(
            TRACE_A,
            "b1",
            0,
            {
                **chat,
                "gen_ai.input.messages": json.dumps([user]),
                "gen_ai.output.messages": json.dumps([call]),
                "gen_ai.usage.input_tokens": 30,
            },
            end=1,
        ),
        _span(
            TRACE_A,
            "b3",
            2,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.conversation.id": "conv-1",
                "gen_ai.tool.name": "get_weather",
                "gen_ai.tool.call.id": "c1",
                "gen_ai.tool.call.result": "rainy",
            },
        ),
        # Another trace without a conversation id: its own tract, which opens with the same
        # message as conv-1 and needs its own commit of it.
        _span(
            TRACE_B,
            "c1",
            9,
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.input.messages": json.dumps([user]),
                "gen_ai.output.messages": json.dumps([answer]),
            },
        ),
        "not a span",
    ]
    doc = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "w"}}]
                },
                "scopeSpans": [{"scope": {"name": "a"}, "spans": spans}, 7],
            },
            "junk",
        ]
    }
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(doc, indent=1))
    before = _digest(path)
    store = tmp_path / "s.db"
    code, out, err = _run(capsys, "import", str(path), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:4] == [
        "tract conv-1: +4 commits, 2 compile records; branches main",
        f"tract {TRACE_B}: +2 commits, 1 compile record; branches main",
        "skipped 3 not a span records",
    ]
    t = Imported(str(store), "conv-1")
    try:
        # The tool span's result is the one the second call was sent: shared, not doubled.
        ctx = t.context("main")
        assert [role for role, _ in ctx] == ["user", "tool", "tool", "assistant"]
        assert ctx[0][1] == "Weather in Paris?" and ctx[3][1] == "Rainy."
        assert ctx[1][1].startswith("Tool call: get_weather\n")
        assert ctx[2][1].startswith("Tool result: get_weather (success)\n")
        assert '"output": "rainy"' in ctx[2][1]
        # b1 (first by start time, though second in the file) then b2, which extends it.
        assert [(len(ids), n, src) for _, ids, n, src in t.records()] == [
            (1, 30, "api:30+0"),
            (3, 40, "api:40+3"),
        ]
    finally:
        t.close()
    t = Imported(str(store), TRACE_B)
    try:
        assert t.context("main") == [("user", "Weather in Paris?"), ("assistant", "Rainy.")]
        assert [(len(ids), n, src) for _, ids, n, src in t.records()] == [(1, 0, "")]
    finally:
        t.close()
    assert _digest(path) == before
    code, out, _ = _run(capsys, "import", str(path), "--store", str(store))
    assert code == 0 and "nothing new" in out


# -- a session with a subagent, a duplicate line, a reused uuid, a compaction and a rewind ---


S2 = "11111111-2222-3333-4444-555555555555"


def _rec(kind: str, uuid: str, parent: str | None, minute: int, content: Any, **extra: Any) -> dict:
    base = {"sessionId": S2, "version": "2.1.50", "cwd": "/p", "isSidechain": False}
    if "agentId" in extra:
        base["isSidechain"] = True
    rec = {
        **base,
        "type": kind,
        "uuid": uuid,
        "parentUuid": parent,
        "timestamp": f"2026-04-01T10:{minute:02d}:00.000Z",
    }
    if kind == "user":
        rec["message"] = {"role": "user", "content": content}
    elif kind == "assistant":
        mid = extra.pop("mid")
        rec["requestId"] = f"req_{mid}"
        rec["message"] = {
            "id": mid,
            "role": "assistant",
            "model": "claude-opus-4-5",
            "content": content,
            "usage": {"input_tokens": 100, "cache_read_input_tokens": 50, "output_tokens": 7},
        }
    return {**rec, **extra}


def _session_with_subagent(root: Path) -> Path:
    text = lambda t: [{"type": "text", "text": t}]  # noqa: E731
    task = {
        "type": "tool_use",
        "id": "tA",
        "name": "Task",
        "input": {"description": "explore", "prompt": "Look around"},
    }
    main_records = [
        _rec("user", "u1", None, 1, "Start"),
        _rec("assistant", "a1", "u1", 2, [task], mid="m1"),
        _rec(
            "user",
            "u2",
            "a1",
            3,
            [{"type": "tool_result", "tool_use_id": "tA", "content": text("Found 3 files")}],
            toolUseResult={"agentId": "abc123", "status": "completed"},
        ),
        _rec("assistant", "a2", "u2", 4, text("Subagent found 3 files"), mid="m2"),
        _rec("assistant", "a2", "u2", 4, text("Subagent found 3 files"), mid="m2"),  # again
        _rec("user", "u3", "a2", 5, "Now compact"),
        _rec("assistant", "a3", "u3", 6, text("ok"), mid="m3"),
        {
            **_rec("system", "cb1", None, 7, None),
            "subtype": "compact_boundary",
            "logicalParentUuid": "a3",
            "compactMetadata": {"trigger": "manual", "preTokens": 12345},
        },
        _rec("user", "cs1", "cb1", 8, "Summary: explored, found 3 files.", isCompactSummary=True),
        _rec("user", "u4", "cs1", 9, text("<command-name>/compact</command-name>"), isMeta=True),
        _rec("user", "u5", "u4", 10, "What next?"),
        _rec("assistant", "a5", "u5", 11, text("Next: tests"), mid="m5"),
        _rec("user", "u5b", "u4", 12, "What next, briefly?"),  # the rewind: u5 edited
        _rec("assistant", "a5b", "u5b", 13, text("Tests."), mid="m6"),
        {**_rec("system", "mc1", "a5b", 14, None), "subtype": "microcompact_boundary"},
        _rec("user", "u6", "mc1", 15, "Thanks"),
        _rec("user", "u6", "u6", 16, "Bye"),  # the same uuid, other content
    ]
    sub = [
        _rec("user", "s1", None, 2, "Look around", agentId="abc123"),
        _rec(
            "assistant",
            "s2",
            "s1",
            2,
            [{"type": "tool_use", "id": "g1", "name": "Glob", "input": {"pattern": "*"}}],
            mid="sm1",
            agentId="abc123",
        ),
        _rec(
            "user",
            "s3",
            "s2",
            2,
            [{"type": "tool_result", "tool_use_id": "g1", "content": "a\nb\nc"}],
            agentId="abc123",
        ),
        _rec("assistant", "s4", "s3", 3, text("Found 3 files"), mid="sm2", agentId="abc123"),
    ]
    path = root / f"{S2}.jsonl"
    (root / S2 / "subagents").mkdir(parents=True)
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in main_records))
    (root / S2 / "subagents" / "agent-abc123.jsonl").write_text(
        "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in sub)
    )
    return path


def test_subagent_duplicate_reused_uuid_compaction_and_rewind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _session_with_subagent(tmp_path / "proj")
    store = tmp_path / "s.db"
    code, out, err = _run(capsys, "import", str(path), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:4] == [
        f"tract {S2}: +14 commits, 1 compaction, 5 compile records; branches main, fork-u5",
        f"tract {S2}/agent-abc123: +4 commits, 2 compile records; branches main (subagent abc123)",
        "skipped 1 duplicate record, 1 system:microcompact_boundary record",
    ]
    t = Imported(str(store), S2)
    try:
        # a3 ends the line the compaction closed: not a branch. u6~2 is the newest leaf.
        assert t.branches() == {"main": "u6~2", "fork-u5": "a5"}
        assert t.context_ids("main") == ["cs1", "u4", "u5b", "a5b", "u6", "u6~2"]
        assert [c for _, c in t.context("main")][-2:] == ["Thanks", "Bye"]
        assert t.context_ids("fork-u5") == ["cs1", "u4", "u5", "a5"]
        [(sources, results, params)] = t.compressions()
        assert sources == ["u1", "a1", "u2", "a2", "u3", "a3"] and results == ["cs1"]
        assert (params["trigger"], params["original_tokens"]) == ("manual", 12345)
        assert t.records() == [
            ("u1", ["u1"], 150, "api:150+7"),
            ("u2", ["u1", "a1", "u2"], 150, "api:150+7"),
            ("u3", ["u1", "a1", "u2", "a2", "u3"], 150, "api:150+7"),
            ("u5", ["cs1", "u4", "u5"], 150, "api:150+7"),
            ("u5b", ["cs1", "u4", "u5b"], 150, "api:150+7"),
        ]
        pointer = t.spawn_of(f"{S2}/agent-abc123")
        assert (pointer.parent_tract_id, pointer.purpose) == (S2, "explore")
        assert t.sid(pointer.parent_commit_hash) == "a1"  # the call whose result names it
    finally:
        t.close()
    sub = Imported(str(store), f"{S2}/agent-abc123")
    try:
        assert sub.context_ids("main") == ["s1", "s2", "s3", "s4"]
        assert [(h, n) for h, _, n, _ in sub.records()] == [("s1", 150), ("s3", 150)]
    finally:
        sub.close()
    # The folder again: nothing new, files untouched.
    before = {p: _digest(p) for p in (tmp_path / "proj").rglob("*.jsonl")}
    code, out, _ = _run(capsys, "import", str(tmp_path / "proj"), "--store", str(store))
    assert code == 0 and "nothing new: every record was imported before" in out
    assert {p: _digest(p) for p in (tmp_path / "proj").rglob("*.jsonl")} == before


# -- Codex -----------------------------------------------------------------------------------


def _codex_rollout(path: Path) -> None:
    def item(ts: str, kind: str, **payload: Any) -> dict:
        return {"timestamp": f"2026-02-03T{ts}Z", "type": kind, "payload": payload}

    lines = [
        item("04:05:07", "response_item", type="message", role="user", content="before meta"),
        item(
            "04:05:06",
            "session_meta",
            id="sess-x",
            cwd="/w",
            instructions="Old-style instructions",
            base_instructions={"text": "New-style"},
        ),
        item(
            "04:05:08",
            "response_item",
            type="reasoning",
            summary=[],
            content=[{"type": "reasoning_text", "text": "thinking aloud"}],
        ),
        item("04:05:08", "response_item", type="reasoning", summary=[]),
        item(
            "04:05:09",
            "response_item",
            type="function_call_output",
            call_id="nope",
            output={"content": "orphan", "success": False},
        ),
        item("04:05:10", "response_item", type="message", role="assistant", content=None),
        item(
            "04:05:11",
            "response_item",
            type="message",
            role="assistant",
            content=[{"type": "refusal", "refusal": "I can't"}],
        ),
        item("05:00:00", "session_meta", id="sess-y", cwd="/w", base_instructions={"text": "Y"}),
        item(
            "05:00:01",
            "response_item",
            type="message",
            role="user",
            content=[{"type": "input_text", "text": "hello y"}],
        ),
        item("05:10:00", "session_meta", id="sess-x", cwd="/w"),
        item(
            "05:10:01",
            "response_item",
            type="message",
            role="user",
            content=[{"type": "input_text", "text": "back to x"}],
        ),
        {"role": "user", "content": "unwrapped old line", "created_at": "2026-02-03T05:11:00Z"},
        {
            "type": "function_call",
            "name": "shell",
            "arguments": '{"command": ["ls"]}',
            "call_id": "c9",
            "created_at": "2026-02-03T05:11:01Z",
        },
        {
            "type": "function_call_output",
            "call_id": "c9",
            "output": "x",
            "created_at": "2026-02-03T05:11:02Z",
        },
        item("05:20:00", "compacted", message="only a message summary"),
        item(
            "05:20:01",
            "response_item",
            type="message",
            role="user",
            content=[{"type": "input_text", "text": "after"}],
        ),
    ]
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in lines))


def test_codex_sessions_interleaved_unwrapped_and_empty_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rollout-2026-02-03T04-05-06-sess-x.jsonl"
    _codex_rollout(path)
    store = tmp_path / "s.db"
    code, out, err = _run(capsys, "import", str(path), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:6] == [
        # The item before any session_meta belongs to the file's own tract.
        "tract rollout-2026-02-03T04-05-06-sess-x: +1 commit; branches main",
        # Instructions, L3, L4, L5, L7, L11-L14, the compaction's result and L16; L6 (no
        # content) is no commit.
        "tract sess-x: +11 commits, 1 compaction; branches main",
        "tract sess-y: +2 commits; branches main",
        "skipped 3 session_meta records, 1 response_item:message without content record",
        f"note: {path}: 1 tool outputs answer a call not in the file; kept, with tool name "
        "'unknown'",
    ]
    t = Imported(str(store), "sess-x")
    try:
        assert t.context_ids("main") == ["sess-x:instructions", "sess-x:L15:0", "sess-x:L16"]
        assert t.context("main") == [
            ("system", "Old-style instructions"),
            ("user", "only a message summary"),
            ("user", "after"),
        ]
        [(sources, results, _)] = t.compressions()
        assert sources == [f"sess-x:L{n}" for n in (3, 4, 5, 7, 11, 12, 13, 14)]
        assert results == ["sess-x:L15:0"]
        [(l14,)] = sql_rows(
            str(store),
            "SELECT commit_hash FROM commits WHERE metadata_json LIKE '%\"sess-x:L14\"%'",
        )
        ctx = dict(zip(sources, [c for _, c in t.context(l14)][1:], strict=True))
        assert ctx["sess-x:L3"] == "thinking aloud"
        assert ctx["sess-x:L4"] == "[reasoning with no text in the rollout]"
        assert ctx["sess-x:L7"] == "I can't"
        assert ctx["sess-x:L12"] == "unwrapped old line"
    finally:
        t.close()
    t = Imported(str(store), "sess-y")
    try:
        assert t.context("main") == [("system", "Y"), ("user", "hello y")]
    finally:
        t.close()


def test_otel_messages_carried_by_span_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The earlier conventions put messages in span events: one per message plus a choice,
    # or a gen_ai.content.prompt / gen_ai.content.completion pair. One document per line.
    def event(name: str, attrs: dict[str, Any]) -> dict:
        return {
            "name": name,
            "attributes": [{"key": k, "value": _any(v)} for k, v in attrs.items()],
        }

    call = [{"id": "c1", "type": "function", "function": {"name": "wx", "arguments": '{"c": "P"}'}}]
    one = _span(
        TRACE_A, "e1", 0, {"gen_ai.operation.name": "chat", "gen_ai.conversation.id": "ev-1"}, end=1
    )
    one["events"] = [
        event("gen_ai.system.message", {"gen_ai.system": "openai", "content": "Be terse."}),
        event("gen_ai.user.message", {"content": "Weather?"}),
        event("gen_ai.assistant.message", {"tool_calls": json.dumps(call)}),
        event("gen_ai.tool.message", {"content": "rain", "id": "c1"}),
        event(
            "gen_ai.choice",
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Rain."},
            },
        ),
    ]
    two = _span(
        TRACE_B, "e2", 5, {"gen_ai.operation.name": "chat", "gen_ai.conversation.id": "ev-2"}
    )
    two["events"] = [
        event(
            "gen_ai.content.prompt",
            {"gen_ai.prompt": json.dumps([{"role": "user", "content": "Hi"}])},
        ),
        event(
            "gen_ai.content.completion",
            {"gen_ai.completion": json.dumps([{"role": "assistant", "content": "Hello"}])},
        ),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text(
        "".join(
            json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [s]}]}]}) + "\n"
            for s in (one, two)
        )
    )
    store = tmp_path / "s.db"
    code, out, err = _run(capsys, "import", str(path), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    assert out.splitlines()[1:3] == [
        "tract ev-1: +5 commits, 1 compile record; branches main",
        "tract ev-2: +2 commits, 1 compile record; branches main",
    ]
    t = Imported(str(store), "ev-1")
    try:
        ctx = t.context("main")
        assert [r for r, _ in ctx] == ["system", "user", "tool", "tool", "assistant"]
        assert (ctx[0][1], ctx[1][1], ctx[4][1]) == ("Be terse.", "Weather?", "Rain.")
        assert ctx[2][1].startswith("Tool call: wx\n") and ctx[3][1].startswith("Tool result: wx")
        [(_, ids, _, _)] = t.records()
        assert len(ids) == 4  # the span's input: everything before the choice
    finally:
        t.close()
    t = Imported(str(store), "ev-2")
    try:
        assert t.context("main") == [("user", "Hi"), ("assistant", "Hello")]
    finally:
        t.close()


# -- Claude Code 2.0: subagent files beside the sessions -------------------------------------


S3 = "aaaaaaaa-1111-2222-3333-444444444444"


def _two_zero_layout(project: Path) -> tuple[Path, Path]:
    def rec(kind: str, uuid: str, parent: str | None, second: int, content: Any, **extra: Any):
        r = {
            "sessionId": S3,
            "cwd": "/p",
            "version": "2.0.55",
            "isSidechain": False,
            "type": kind,
            "uuid": uuid,
            "parentUuid": parent,
            "timestamp": f"2026-01-01T00:00:{second:02d}Z",
            "message": {"role": kind, "content": content},
            **extra,
        }
        if kind == "assistant":
            r["message"]["id"] = f"m-{uuid}"
        return r

    task = {
        "type": "tool_use",
        "id": "t1",
        "name": "Task",
        "input": {"description": "look", "prompt": "Sub task"},
    }
    main_records = [
        rec("user", "u1", None, 0, "go"),
        rec("assistant", "a1", "u1", 1, [task]),
        rec(
            "user",
            "u2",
            "a1",
            9,
            [{"type": "tool_result", "tool_use_id": "t1", "content": "done"}],
            toolUseResult={"agentId": "5d2e1f0a", "status": "completed"},
        ),
    ]
    sub = [
        rec("user", "s1", None, 2, "Sub task", isSidechain=True, agentId="5d2e1f0a"),
        rec(
            "assistant",
            "s2",
            "s1",
            3,
            [{"type": "text", "text": "done"}],
            isSidechain=True,
            agentId="5d2e1f0a",
        ),
    ]
    project.mkdir(parents=True)
    session = project / f"{S3}.jsonl"
    agent = project / "agent-5d2e1f0a.jsonl"
    session.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in main_records))
    agent.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in sub))
    return session, agent


@pytest.mark.parametrize("what", ["folder", "session file"])
def test_claude_code_2_0_agent_files_beside_the_session_are_its_subagents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    session, agent = _two_zero_layout(tmp_path / "proj")
    store = tmp_path / "s.db"
    target = session.parent if what == "folder" else session
    code, out, err = _run(capsys, "import", str(target), "--store", str(store), "--create")
    assert (code, err) == (0, "")
    # One session with one subagent, not a second session named after the agent file.
    assert out.splitlines()[1:3] == [
        f"tract {S3}: +3 commits, 1 compile record; branches main",
        f"tract {S3}/agent-5d2e1f0a: +2 commits, 1 compile record; branches main "
        "(subagent 5d2e1f0a)",
    ]
    t = Imported(str(store), S3)
    try:
        pointer = t.spawn_of(f"{S3}/agent-5d2e1f0a")
        assert (pointer.parent_tract_id, pointer.purpose) == (S3, "look")
        assert t.sid(pointer.parent_commit_hash) == "a1"
    finally:
        t.close()
    # The subagent grows: a second import adds only its new record.
    extra = {
        "sessionId": S3,
        "cwd": "/p",
        "isSidechain": True,
        "agentId": "5d2e1f0a",
        "type": "user",
        "uuid": "s3",
        "parentUuid": "s2",
        "timestamp": "2026-01-01T00:00:04Z",
        "message": {"role": "user", "content": "more"},
    }
    with agent.open("a") as fh:
        fh.write(json.dumps(extra, separators=(",", ":")) + "\n")
    code, out, _ = _run(capsys, "import", str(target), "--store", str(store))
    assert code == 0
    assert f"tract {S3}/agent-5d2e1f0a: +1 commit; branches main (subagent 5d2e1f0a)" in out
    sub = Imported(str(store), f"{S3}/agent-5d2e1f0a")
    try:
        assert sub.context_ids("main") == ["s1", "s2", "s3"]
    finally:
        sub.close()


def test_sessions_listing_leaves_out_agent_files_of_a_listed_session(tmp_path: Path) -> None:
    from core.importers.catalog import list_sessions

    session, agent = _two_zero_layout(tmp_path / "projects" / "-p")
    # An agent file whose session is not there is still shown: it is all there is.
    orphan = tmp_path / "projects" / "-p" / "agent-0rphan00.jsonl"
    orphan.write_text(agent.read_text().replace(S3, "bbbbbbbb-0000-0000-0000-000000000000"))
    rows = list_sessions({"claude-code": tmp_path / "projects"})
    assert sorted(r.path.name for r in rows) == sorted([orphan.name, session.name])


def test_otel_provider_shaped_blocks_and_the_ai_sdk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Messages whose content is a provider's block list: Anthropic tool_use / tool_result
    # (a gen_ai.prompt attribute), Bedrock Converse toolUse / toolResult (Strands Agents'
    # span events, the choice holding only content), and the Vercel AI SDK's doGenerate span
    # (ai.prompt.messages, ai.response.text / toolCalls).
    anthropic = [
        {"role": "user", "content": "Files?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Listing."},
                {"type": "tool_use", "id": "tu1", "name": "ls", "input": {"dir": "."}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "tu1",
                    "content": [{"type": "text", "text": "a b"}],
                },
                {"type": "mystery", "x": 1},
            ],
        },
    ]
    span_a = _span(
        TRACE_A,
        "p1",
        0,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.conversation.id": "anthropic",
            "gen_ai.prompt": json.dumps(anthropic),
            "gen_ai.completion": json.dumps([{"role": "assistant", "content": "Two."}]),
        },
    )

    def event(name: str, attrs: dict[str, Any]) -> dict:
        return {
            "name": name,
            "attributes": [{"key": k, "value": _any(v)} for k, v in attrs.items()],
        }

    span_b = _span(
        TRACE_A, "p2", 1, {"gen_ai.operation.name": "chat", "gen_ai.conversation.id": "bedrock"}
    )
    span_b["events"] = [
        event("gen_ai.user.message", {"content": json.dumps([{"text": "Weather?"}])}),
        event(
            "gen_ai.assistant.message",
            {
                "content": json.dumps(
                    [{"toolUse": {"toolUseId": "b1", "name": "wx", "input": {"c": "P"}}}]
                )
            },
        ),
        event(
            "gen_ai.tool.message",
            {
                "content": json.dumps(
                    [
                        {
                            "toolResult": {
                                "toolUseId": "b1",
                                "status": "success",
                                "content": [{"text": "rain"}],
                            }
                        }
                    ]
                ),
                "id": "b1",
            },
        ),
        event(
            "gen_ai.choice",
            {"finish_reason": "end_turn", "message": json.dumps([{"text": "Rain."}])},
        ),
    ]
    sdk_messages = [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": [{"type": "text", "text": "Add 2+2"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool-call",
                    "toolCallId": "v1",
                    "toolName": "add",
                    "input": {"a": 2, "b": 2},
                }
            ],
        },
        {
            "role": "tool",
            "content": [
                {
                    "type": "tool-result",
                    "toolCallId": "v1",
                    "toolName": "add",
                    "output": {"type": "json", "value": 4},
                }
            ],
        },
    ]
    span_c = _span(
        TRACE_A,
        "p3",
        2,
        {
            "operation.name": "ai.generateText.doGenerate",
            "gen_ai.system": "openai",
            "gen_ai.conversation.id": "sdk",
            "ai.prompt.messages": json.dumps(sdk_messages),
            "ai.response.text": "It is 4.",
            "ai.response.toolCalls": json.dumps([]),
        },
    )
    path = tmp_path / "providers.json"
    path.write_text(
        json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span_a, span_b, span_c]}]}]})
    )
    store = tmp_path / "s.db"
    code, _, err = _run(capsys, "import", str(path), "--store", str(store), "--create")
    assert (code, err) == (0, "")

    def contents(tract: str) -> list[tuple[str, str]]:
        t = Imported(str(store), tract)
        try:
            return t.context("main")
        finally:
            t.close()

    got = contents("anthropic")
    assert [r for r, _ in got] == ["user", "assistant", "tool", "tool", "user", "assistant"]
    assert got[1][1] == "Listing." and got[2][1].startswith("Tool call: ls\n")
    assert got[3][1].startswith("Tool result: ls (success)\n") and '"output": "a b"' in got[3][1]
    assert got[4][1] == "[mystery block, not imported]" and got[5][1] == "Two."
    got = contents("bedrock")
    assert [r for r, _ in got] == ["user", "tool", "tool", "assistant"]
    assert got[0][1] == "Weather?" and got[3][1] == "Rain."
    assert got[1][1].startswith("Tool call: wx\n") and '"output": "rain"' in got[2][1]
    got = contents("sdk")
    assert [r for r, _ in got] == ["system", "user", "tool", "tool", "assistant"]
    assert (got[0][1], got[1][1], got[4][1]) == ("Be kind.", "Add 2+2", "It is 4.")
    assert got[2][1].startswith("Tool call: add\n") and '"output": "4"' in got[3][1]


# -- malformed values where the formats put something else (found by mutating the files above)


def test_malformed_values_are_skipped_or_kept_never_an_internal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claude = [
        _user("u1", None, 1, "Hello"),
        {
            **_assistant("a1", "u1", 2, "msg_1", {"type": "text", "text": "Hi"}),
            "message": {
                "id": "msg_1",
                "role": "assistant",
                "content": [{"type": "text", "text": "Hi"}],
                "usage": {"input_tokens": 10**30, "output_tokens": 3},
            },
        },
        {
            **BASE,
            "type": "attachment",
            "uuid": "at1",
            "parentUuid": "a1",
            "timestamp": "2026-03-01T09:00:03.000Z",
            "attachment": None,
        },
        {
            **BASE,
            "type": ["user"],
            "uuid": "odd",
            "parentUuid": "at1",
            "timestamp": "2026-03-01T09:00:04.000Z",
        },
        _user("u2", "odd", 5, "Still here"),
    ]
    cpath = tmp_path / f"{S}.jsonl"
    cpath.write_text("".join(json.dumps(r) + "\n" for r in claude))
    code, out, err = _run(
        capsys, "import", str(cpath), "--store", str(tmp_path / "c.db"), "--create"
    )
    assert (code, err) == (0, "")
    # The absurd usage gives no figure (the count 0, not a store overflow); the empty
    # attachment and the record whose type is a list pass their line on to u2.
    assert out.splitlines()[1:3] == [
        f"tract {S}: +3 commits, 1 compile record; branches main",
        "skipped 1 attachment without content record, 1 untyped record",
    ]
    t = Imported(str(tmp_path / "c.db"), S)
    try:
        assert t.context_ids("main") == ["u1", "a1", "u2"]
        assert t.records() == [("u1", ["u1"], 0, "api:0+3")]
    finally:
        t.close()

    rollout = tmp_path / "rollout-2026-01-01T00-00-00-odd.jsonl"
    lines = [
        {"timestamp": "2026-01-01T00:00:00Z", "type": "session_meta", "payload": {"id": "odd"}},
        {
            "timestamp": "2026-01-01T00:00:01Z",
            "type": "response_item",
            "payload": {"type": "message", "role": ["user"], "content": "who?"},
        },
        {"timestamp": "2026-01-01T00:00:02Z", "type": {"x": 1}, "payload": {}},
    ]
    rollout.write_text("".join(json.dumps(r) + "\n" for r in lines))
    code, out, err = _run(
        capsys, "import", str(rollout), "--store", str(tmp_path / "x.db"), "--create"
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == "tract odd: +1 commit; branches main"
    assert f"note: {rollout}:2: message with role ['user']; kept as user" in out.splitlines()

    spans = [
        _span(
            TRACE_A,
            "o1",
            0,
            {
                "gen_ai.operation.name": ["chat"],
                "gen_ai.conversation.id": "odd",
                "gen_ai.input.messages": json.dumps([{"role": "user", "content": "q"}]),
                "gen_ai.usage.input_tokens": "1e400",
            },
        ),
    ]
    spans[0]["attributes"] += [
        {"key": "broken.array", "value": {"arrayValue": {"values": None}}},
        {
            "key": "broken.kvlist",
            "value": {"kvlistValue": {"values": ["x", {"value": {"intValue": "2"}}]}},
        },
        {"key": "broken.nested", "value": {"arrayValue": "x"}},
    ]
    opath = tmp_path / "odd.json"
    opath.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}))
    code, out, err = _run(
        capsys, "import", str(opath), "--store", str(tmp_path / "o.db"), "--create"
    )
    assert (code, err) == (0, "")
    assert out.splitlines()[1] == "tract odd: +1 commit, 1 compile record; branches main"
    t = Imported(str(tmp_path / "o.db"), "odd")
    try:
        assert t.context("main") == [("user", "q")]
        assert t.records()[0][2:] == (0, "")  # "1e400" is no token count
    finally:
        t.close()


def test_a_nul_character_is_kept_on_sqlite_and_refused_on_postgresql_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], backend: str, store_url: str
) -> None:
    # A tool that printed a binary file: its output holds U+0000. SQLite stores it as it is;
    # PostgreSQL cannot, so the import stops before the store is created, naming the line.
    records = [
        _user("u1", None, 1, "Show the file"),
        _assistant(
            "a1",
            "u1",
            2,
            "msg_1",
            {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "cat x.bin"}},
        ),
        _user(
            "u2", "a1", 3, [{"type": "tool_result", "tool_use_id": "t1", "content": "ELF\x00\x01"}]
        ),
        {
            **BASE,
            "type": "x-kind",
            "uuid": "x1",
            "parentUuid": "u2",
            "timestamp": "2026-03-01T09:00:04.000Z",
            "blob": "a\x00b",
        },
    ]
    path = tmp_path / f"{S}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, err = _run(capsys, "import", str(path), "--store", store_url, "--create")
    if backend == "sqlite":
        assert (code, err) == (0, "")
        t = Imported(store_url, S)
        try:
            assert t.context_ids("main") == ["u1", "a1", "u2"]
            assert '"output": "ELF\\u0000\\u0001"' in t.context("main")[2][1]
        finally:
            t.close()
        return
    assert (code, out) == (2, "")
    assert err == (
        f"tract-tui: {path}:3: holds a NUL character (U+0000), which a PostgreSQL store "
        "cannot hold; nothing imported (a SQLite store can hold it)\n"
    )
    code, _, err = _run(capsys, "summary", store_url)
    assert code == 2 and err.count("\n") == 1  # no store was created


def test_a_uuid_holding_a_nul_still_imports_once(tmp_path: Path) -> None:
    records = [_user("u1", None, 1, "Hello"), _user("u\x002", "u1", 2, "Again")]
    path = tmp_path / f"{S}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    store = tmp_path / "s.db"
    import_sessions(path, str(store), create=True)
    assert not import_sessions(path, str(store)).changed
    t = Imported(str(store), S)
    try:
        assert t.context_ids("main") == ["u1", "u\\u00002"]
    finally:
        t.close()
