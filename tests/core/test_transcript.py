"""Importing OpenAI chat transcripts: the shipped SWE-agent trajectory round-trips exactly; the
JSON-array and JSONL forms; whole-file validation with file:line errors and nothing written;
huge lines; ``--branch``; the ``tract-tui import`` command."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from core import Tract, create_tract
from core.errors import TranscriptError
from core.importers.openai_chat_parse import parse_transcript
from core.models.enums import Priority
from tract_tui.cli import main

SHIPPED = Path("swe_agent_marshmallow_1867.jsonl")  # in the reference material's transcripts


@pytest.fixture
def shipped(shared_dir: Path) -> Path:
    path = shared_dir / "fixtures" / "transcripts" / SHIPPED.name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


def write_jsonl(path: Path, messages: list[Any]) -> Path:
    path.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    return path


def counts(t: Tract) -> tuple[int, int]:
    with t.store.read() as uow:
        return uow.commits.count(t.tract_id), uow.events.count(t.tract_id)


def tool_text(direction: str, name: str, payload: dict[str, Any], status: str | None) -> str:
    head = f"Tool {direction}: {name}" + (f" ({status})" if status else "")
    return head + "\n" + json.dumps(payload, indent=2, sort_keys=True)


def expected_messages(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, content) of the compile, derived from the file independently of the importer."""
    out: list[tuple[str, str]] = []
    names: dict[str, str] = {}
    for m in messages:
        if m["role"] in ("system", "user"):
            out.append((m["role"], m["content"]))
        elif m["role"] == "assistant":
            if m.get("content"):
                out.append(("assistant", m["content"]))
            for call in m.get("tool_calls") or []:
                fn = call["function"]
                names[call["id"]] = fn["name"]
                args = {**json.loads(fn["arguments"]), "tool_call_id": call["id"]}
                out.append(("tool", tool_text("call", fn["name"], args, None)))
        else:
            payload = {"output": m["content"], "tool_call_id": m["tool_call_id"]}
            name = names[m["tool_call_id"]]
            out.append(("tool", tool_text("result", name, payload, "success")))
    return out


def test_shipped_transcript_round_trips(tract: Tract, shipped: Path) -> None:
    """Acceptance: every text verbatim and in order; every tool call and result as tool_io
    with the same tool name, arguments and output."""
    raw = shipped.read_bytes()
    messages = [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]
    assert len(messages) == 28

    result = tract.import_transcript(shipped)
    compiled = tract.compile()
    got = [(m.role, m.content) for m in compiled.messages]
    assert got == expected_messages(messages)
    assert len(result.commits) == 1 + 1 + 13 + 13 + 13
    assert list(compiled.commit_hashes) == list(result.commits)

    # The stored payloads, not only their rendering: names, arguments and outputs exact.
    with tract.store.read() as uow:
        infos = uow.commits.get_many(result.commits)
        blobs = uow.blobs.get_many(i.content_hash for i in infos.values())
        event = uow.events.get(result.event_id)
    payloads = [blobs[infos[h].content_hash].payload for h in result.commits]
    calls = [p for p in payloads if p["content_type"] == "tool_io" and p["direction"] == "call"]
    results = [p for p in payloads if p["content_type"] == "tool_io" and p["direction"] == "result"]
    file_calls = [tc for m in messages for tc in m.get("tool_calls") or []]
    assert [(p["tool_name"], p["payload"]) for p in calls] == [
        (
            tc["function"]["name"],
            {**json.loads(tc["function"]["arguments"]), "tool_call_id": tc["id"]},
        )
        for tc in file_calls
    ]
    file_results = [m for m in messages if m["role"] == "tool"]
    assert [p["payload"]["output"] for p in results] == [m["content"] for m in file_results]
    assert all("\r\n" in p["payload"]["output"] for p in results[:1])
    assert [p["tool_name"] for p in results] == [tc["function"]["name"] for tc in file_calls]
    assert all(p["status"] == "success" for p in results)
    assert payloads[0] == {"content_type": "instruction", "text": messages[0]["content"]}
    assert tract.priority(result.commits[0]) is Priority.PINNED

    assert event is not None
    assert (event.event_type, event.branch_name) == ("import", "main")
    params = dict(event.params or {})
    lines = params.pop("lines")
    assert params == {
        "file": shipped.name,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "message_count": 28,
        "format": "jsonl",
    }
    # One file line per result (a message with tool calls gives several commits, one line).
    assert len(lines) == len(result.commits) and lines[0] == 1 and lines == sorted(lines)
    assert lines[-1] == sum(1 for line in raw.splitlines() if line.strip())
    assert event.sources == () and event.results == result.commits
    assert tract.head == result.commits[-1] and tract.current_branch == "main"


def test_json_array_form(tract: Tract, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    msgs = [
        {"role": "system", "content": "be exact"},
        {"role": "user", "content": "hi", "name": "ann"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                {"id": "c2", "function": {"name": "g", "arguments": "not json"}},
                {"id": "c3", "function": {"name": "h", "arguments": "[1, 2]"}},
            ],
        },
        {"role": "tool", "tool_call_id": "c2", "content": "g out"},
        {"role": "tool", "tool_call_id": "zz", "name": "named", "content": None},
        {"role": "tool", "content": "orphan"},
        {"role": "assistant", "content": "done", "name": "bot"},
    ]
    path.write_text(json.dumps(msgs, indent=2), encoding="utf-8")
    result = tract.import_transcript(path)
    assert result.format == "json" and result.message_count == 7
    got = [(m.role, m.content, m.name) for m in tract.compile().messages]
    assert got == [
        ("system", "be exact", None),
        ("user", "hi", "ann"),
        ("tool", tool_text("call", "f", {"tool_call_id": "c1"}, None), None),
        (
            "tool",
            tool_text("call", "g", {"arguments": "not json", "tool_call_id": "c2"}, None),
            None,
        ),
        ("tool", tool_text("call", "h", {"arguments": "[1, 2]", "tool_call_id": "c3"}, None), None),
        (
            "tool",
            tool_text("result", "g", {"output": "g out", "tool_call_id": "c2"}, "success"),
            None,
        ),
        (
            "tool",
            tool_text("result", "named", {"output": None, "tool_call_id": "zz"}, "success"),
            None,
        ),
        (
            "tool",
            tool_text("result", "unknown", {"output": "orphan", "tool_call_id": None}, "success"),
            None,
        ),
        ("assistant", "done", "bot"),
    ]


def test_blank_lines_are_ignored_and_huge_lines_are_fine(tract: Tract, tmp_path: Path) -> None:
    huge = "lorem ipsum dolor " * 200_000 + "\u00e9"  # ~3.6 MB on one line
    path = tmp_path / "big.jsonl"
    path.write_text(
        "\n"
        + json.dumps({"role": "user", "content": "first"})
        + "\n   \n"
        + json.dumps({"role": "assistant", "content": huge}, ensure_ascii=False)
        + "\n\n",
        encoding="utf-8",
    )
    result = tract.import_transcript(path)
    assert result.message_count == 2 and len(result.commits) == 2
    assert [m.content for m in tract.compile().messages] == ["first", huge]


BAD_CASES = [
    ('{"role": "user", "content": "ok"}\n{"role": "user", "content": \n', 2, "invalid JSON"),
    ('{"role": "user", "content": "ok"}\n\n{"role": "robot", "content": "x"}\n', 3, "unknown role"),
    ('{"role": "user", "content": 5}\n', 1, "'content' must be a string or null"),
    ('{"role": "user", "content": ["a"]}\n', 1, "'content' must be a string or null"),
    ('{"role": "assistant", "content": "a", "tool_calls": {}}\n', 1, "'tool_calls' must be a list"),
    (
        '{"role": "user", "content": "a"}\n'
        '{"role": "assistant", "content": "", "tool_calls": [{"id": "1", '
        '"function": {"name": 3, "arguments": "{}"}}]}\n',
        2,
        r"function\.name must be a string",
    ),
    ('{"role": "user", "content": "a", "name": 1}\n', 1, "'name' must be a string"),
    ('{"role": "tool", "content": "a", "tool_call_id": 7}\n', 1, "'tool_call_id' must be"),
    ("[1]\n", 1, "must be a JSON object"),
    ('"just text"\n', 1, "must be a JSON object"),
    ('{"content": "a"}\n', 1, "'role' must be a string"),
]


@pytest.mark.parametrize(("text", "line", "problem"), BAD_CASES)
def test_invalid_jsonl_writes_nothing(
    tract: Tract, tmp_path: Path, text: str, line: int, problem: str
) -> None:
    tract.user("existing")
    before = counts(tract)
    path = tmp_path / "bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TranscriptError, match=rf"bad\.jsonl:{line}: .*{problem}"):
        tract.import_transcript(path)
    assert counts(tract) == before


def test_invalid_json_array_names_the_element_line(tract: Tract, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        '[\n  {"role": "user", "content": "a"},\n\n  {"role": "user",\n   "content": 1}\n]\n',
        encoding="utf-8",
    )
    with pytest.raises(TranscriptError, match=r"bad\.json:4: 'content' must be"):
        tract.import_transcript(path)
    path.write_text('[\n {"role": "user", "content": "a"},\n {"role": }\n]', encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"bad\.json:3: invalid JSON"):
        tract.import_transcript(path)
    path.write_text('[\n {"role": "user", "content": "a"},\n]', encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"bad\.json:3: invalid JSON \(trailing comma\)"):
        tract.import_transcript(path)
    path.write_text('[{"role": "user", "content": "a"}]\n[]', encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"bad\.json:2: .*extra data"):
        tract.import_transcript(path)
    assert counts(tract) == (0, 0)


def test_error_after_a_huge_line_is_on_the_right_line(tract: Tract, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    ok = json.dumps({"role": "user", "content": "many words " * 200_000})
    path.write_text(f"{ok}\n{ok}\n{{not json\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"bad\.jsonl:3: invalid JSON"):
        tract.import_transcript(path)
    assert counts(tract) == (0, 0)


def test_other_file_problems(tract: Tract, tmp_path: Path) -> None:
    with pytest.raises(TranscriptError, match="no such file"):
        tract.import_transcript(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="holds no messages"):
        tract.import_transcript(empty)
    bad_utf8 = tmp_path / "latin.jsonl"
    bad_utf8.write_bytes(b'{"role": "user", "content": "a"}\n{"role": "user", "content": "\xe9"}\n')
    with pytest.raises(TranscriptError, match=r"latin\.jsonl:2: not valid UTF-8"):
        tract.import_transcript(bad_utf8)
    nothing = write_jsonl(tmp_path / "n.jsonl", [{"role": "assistant", "content": ""}])
    with pytest.raises(TranscriptError, match="produces a commit"):
        tract.import_transcript(nothing)
    assert counts(tract) == (0, 0)


def test_parse_records_hash_and_format(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [{"role": "user", "content": "x"}])
    parsed = parse_transcript(path)
    assert parsed.format == "jsonl"
    assert parsed.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert parsed.messages[0].line == 1


def test_branch_option_creates_the_branch_at_head(tract: Tract, tmp_path: Path) -> None:
    base = tract.user("base").commit_hash
    path = write_jsonl(tmp_path / "t.jsonl", [{"role": "user", "content": "imported"}])
    result = tract.import_transcript(path, branch="imported")
    assert result.branch == "imported"
    assert tract.current_branch == "main" and tract.head == base  # HEAD stays
    with tract.store.read() as uow:
        first = uow.commits.get(result.commits[0])
        event = uow.events.get(result.event_id)
    assert first is not None and first.parent_hash == base
    assert event is not None and event.branch_name == "imported"
    again = tract.import_transcript(path, branch="imported")  # onto the existing branch
    assert tract.resolve("imported") == again.commits[-1]
    with pytest.raises(Exception, match="invalid branch name"):
        tract.import_transcript(path, branch="bad..name")


def test_branch_option_in_an_empty_tract(tract: Tract, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [{"role": "user", "content": "first"}])
    result = tract.import_transcript(path, branch="session")
    state = tract.head_state()
    assert state.branch == "session" and state.commit == result.commits[0]
    assert [b.name for b in tract.list_branches()] == ["session"]


# --- the command ----------------------------------------------------------------------------


def store_bytes(path: Path) -> bytes:
    return b"".join(
        Path(f"{path}{s}").read_bytes() for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


def test_cli_import(store_target: str, shipped: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = store_target
    assert main(["import", str(shipped), "--store", store, "--create"]) == 0
    printed = capsys.readouterr().out
    assert "imported 28 messages" in printed and "41 commits onto main" in printed
    assert "event: " in printed
    with Tract.open(store) as t:
        assert t.compile().commit_count == 41


def test_cli_errors_are_one_line_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "cli.db"
    with create_tract(store) as t:
        t.user("existing")
    before = store_bytes(store)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"role": "user", "content": "a"}\n{oops\n', encoding="utf-8")
    assert main(["import", str(bad), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{bad}:2: invalid JSON" in err
    assert store_bytes(store) == before
    assert main(["import", str(bad), "--store", str(tmp_path / "new.db"), "--create"]) == 2
    assert not (tmp_path / "new.db").exists()  # a bad file does not even create the store
    good = write_jsonl(tmp_path / "g.jsonl", [{"role": "user", "content": "x"}])
    assert main(["import", str(good), "--store", str(tmp_path / "missing.db")]) == 2
    assert "no such store" in capsys.readouterr().err
