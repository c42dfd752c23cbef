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


def test_sessions_listing_reads_past_a_bom(tmp_path: Path) -> None:
    path = tmp_path / f"{S}.jsonl"
    _write_crlf_bom(path, claude_records()[3:6])
    info = session_info(path, "claude-code")
    assert info is not None
    assert info.started is not None and info.started.isoformat() == "2026-03-01T09:00:01+00:00"
    assert info.project == "/home/u/proj"


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
