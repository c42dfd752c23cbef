"""The explanation commands (issue 12): ``why``, ``export``, blame in ``compile --json``, the
cache-break line and sparkline of ``records``, the lost identifiers of ``events``.

In-process through ``tract_tui.cli.main`` on a store built here (SQLite and PostgreSQL): a
compress, a SKIP with a hostile reason, an edit, a side branch. Stored control characters never
reach the terminal raw; JSON keeps them verbatim; reading leaves a SQLite file byte-identical.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core import Priority, create_tract
from core.engine.clock import FrozenClock
from tests.conftest import store_bytes
from tests.test_cli_scripting import assert_safe, run, run_json

T0 = datetime(2026, 4, 2, 8, 0, 0)
EVIL = "noise \x1b[31m\u202eevil\x07"


@pytest.fixture
def built(store_target: str) -> tuple[str, dict[str, str]]:
    with create_tract(store_target, clock=FrozenClock(T0, timedelta(seconds=1))) as t:
        t.system("You are a build agent.")
        q = t.user("Why does src/build.py fail with KeyError after 345 ms?")
        a = t.assistant("Because the config at https://example.com/cfg.json lacks `target`.")
        t.user("Fix it.")
        first = t.compile(record=True)
        squash = t.compress(from_ref=q.commit_hash, to_ref=a.commit_hash, content="It failed.")
        tail = t.user("Thanks.")
        t.annotate(tail.commit_hash, Priority.SKIP, EVIL)
        t.branch("side", switch=False)
        second = t.compile(record=True)
        return store_target, {
            "q": q.commit_hash,
            "tail": tail.commit_hash,
            "first": first.record_id or "",
            "second": second.record_id or "",
            "event": squash.event_id,
            "summary": squash.summaries[0],
        }


def test_why_text_and_json(capsys: pytest.CaptureFixture[str], built: tuple) -> None:
    store, ids = built
    code, out, err = run(capsys, "why", store, ids["q"][:10])
    assert code == 0, err
    assert out.startswith(f"{ids['q'][:12]}: compressed (record {ids['second'][:8]})")
    assert f"compressed into summary {ids['summary'][:8]}" in out
    data = run_json(capsys, "why", store, ids["q"], "--record", ids["first"])
    assert data["verdict"] == "used" and data["compile"]["record_id"] == ids["first"]
    data = run_json(capsys, "why", store, ids["tail"])
    assert data["verdict"] == "skipped"
    assert data["chain"][-1]["reason"] == EVIL  # JSON keeps stored text verbatim
    code, out, _ = run(capsys, "why", store, ids["tail"])
    assert_safe(out)
    data = run_json(capsys, "why", store, ids["q"], "--at", "HEAD")
    assert data["verdict"] == "compressed" and data["compile"]["kind"] == "compile"
    assert [s["kind"] for s in data["chain"]] == ["compressed", "used"]
    assert data["chain"][0]["event_id"] == ids["event"]
    code, _, err = run(capsys, "why", store, "nope")
    assert code == 2 and err.startswith("tract-tui: ") and err.count("\n") == 1


def test_export_formats(capsys: pytest.CaptureFixture[str], built: tuple, tmp_path: Path) -> None:
    store, ids = built
    code, out, _ = run(capsys, "export", store, "--format", "openai", "--record", ids["first"])
    assert code == 0
    messages = json.loads(out)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    code, out, _ = run(capsys, "export", store, "--format", "anthropic")
    data = json.loads(out)
    assert data["system"] == "You are a build agent." and data["messages"][0]["role"] == "assistant"
    target = tmp_path / "ctx.md"
    code, _, err = run(capsys, "export", store, "--format", "markdown", "-o", str(target))
    assert code == 0 and "wrote markdown" in err
    text = target.read_text(encoding="utf-8")
    assert "# Compile of" in text and f"summary of 2 commits by compress {ids['event'][:8]}" in text
    code, _, err = run(capsys, "export", store, "--format", "yaml")
    assert code == 2  # argparse refuses the format


def test_compile_records_events_additions(capsys: pytest.CaptureFixture[str], built: tuple) -> None:
    store, ids = built
    before = store_bytes(store)
    data = run_json(capsys, "compile", store)
    kinds = [m["blame"]["kind"] for m in data["messages"]]
    assert kinds == ["typed", "summary", "typed"]  # the skipped tail is not sent
    assert data["messages"][1]["blame"]["event_id"] == ids["event"]

    data = run_json(capsys, "records", store)
    by_id = {r["record_id"]: r for r in data["records"]}
    cb = by_id[ids["second"]]["cache_break"]
    assert cb["previous"] == ids["first"] and cb["position"] == 1
    assert "compressed into" in cb["reason"] and cb["resent_tokens"] > 0
    assert by_id[ids["first"]]["cache_break"]["previous"] is None
    assert len(data["timeline"]["sparkline"]) == 2 and len(data["timeline"]["compressions"]) == 1
    _, out, _ = run(capsys, "records", store)
    assert out.startswith("tokens per record, oldest → newest: ")
    assert "cache break at message 1: message 1 was compressed into" in out

    data = run_json(capsys, "events", store)
    (event,) = data["events"]
    lost = {i["value"] for i in event["lost"]["identifiers"]}
    assert {"src/build.py", "KeyError", "345 ms", "https://example.com/cfg.json"} <= lost
    _code, out, _ = run(capsys, "events", store)
    assert f"lost: {event['lost']['count']} of {event['lost']['found']} identifiers" in out
    assert store_bytes(store) == before  # reading never writes


def test_events_says_when_there_was_no_identifier_to_lose(
    capsys: pytest.CaptureFixture[str], store_target: str
) -> None:
    with create_tract(store_target, clock=FrozenClock(T0, timedelta(seconds=1))) as t:
        t.system("Be brief.")
        q = t.user("hello there")
        a = t.assistant("hi, how are you")
        t.compress(from_ref=q.commit_hash, to_ref=a.commit_hash, content="They greeted.")
    data = run_json(capsys, "events", store_target)
    (event,) = data["events"]
    assert event["lost"]["found"] == 0 and event["lost"]["count"] == 0
    code, out, err = run(capsys, "events", store_target)
    assert code == 0, err
    assert "lost: nothing to check (the sources name no identifier)" in out
    assert "0 of 0" not in out
