"""The scripting commands: log, compile, events, records, reproduce.

Each runs in-process through ``tract_tui.cli.main`` on a small store built here (on SQLite and
on PostgreSQL) and on a copy of the shipped tract-ai v5 store: ``--json`` output parses, exit
codes follow the contract (0 ok, 1 "does not reproduce", 2 error with one line on stderr), and
stored control characters never reach the terminal raw in the table output while JSON keeps
them verbatim.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core import Priority, Tract, create_tract
from core.engine.clock import FrozenClock
from core.models.records import CompileRecord
from core.storage.store import upgrade_store
from tract_tui.cli import main

EVIL = "red \x1b[31mALERT\x1b[0m bell\x07 cr\rend\ttab"
T0 = datetime(2026, 4, 1, 8, 0, 0)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def assert_safe(text: str) -> None:
    """No terminal control character except newline and tab."""
    bad = [ch for ch in text if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0]
    assert not bad, f"raw control characters in output: {bad!r}"


@pytest.fixture
def small(store_target: str) -> tuple[str, dict[str, str]]:
    """A small store, on SQLite and on PostgreSQL (``store_target``)."""
    path = store_target
    with create_tract(path, clock=FrozenClock(T0, timedelta(seconds=1))) as t:
        s = t.system("You are a shell agent.")
        u = t.user(EVIL, name="op\x1bera")
        t.branch("feature")
        f = t.assistant("feature work")
        t.switch("main")
        a = t.assistant("main work")
        t.annotate(u.commit_hash, Priority.NORMAL, "keep \x1b[2J")
        rec = t.compile(record=True)
    return path, {
        "s": s.commit_hash,
        "u": u.commit_hash,
        "f": f.commit_hash,
        "a": a.commit_hash,
        "record": rec.record_id or "",
    }


@pytest.fixture
def v5(fixture_store: Callable[..., Path]) -> Path:
    path = fixture_store("upstream_v5.db")
    upgrade_store(path, backup=False)
    return path


# --- log ----------------------------------------------------------------------------------


def test_log_table_and_json(capsys, small) -> None:
    path, h = small
    code, out, err = run(capsys, "log", str(path))
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(h["a"][:8]) and "(HEAD -> main)" in lines[0]
    assert len(lines) == 3 and h["f"][:8] not in out  # first-parent chain only
    assert_safe(out)
    data = run_json(capsys, "log", str(path), "--limit", "2")
    assert [c["hash"] for c in data["commits"]] == [h["a"], h["u"]]
    assert data["commits"][1]["message"].startswith("dialogue: red \x1b[31mALERT")  # verbatim


def test_log_graph_draws_every_branch(capsys, small) -> None:
    path, h = small
    code, out, _ = run(capsys, "log", str(path), "--graph")
    assert code == 0
    assert h["f"][:8] in out and "(feature)" in out and "│" in out
    assert_safe(out)
    data = run_json(capsys, "log", str(path), "--graph")
    order = [c["hash"] for c in data["commits"]]
    assert set(order) == {h["s"], h["u"], h["f"], h["a"]}
    assert order.index(h["u"]) > max(order.index(h["f"]), order.index(h["a"]))  # topological
    assert all(c["graph"] for c in data["commits"])


# --- compile ------------------------------------------------------------------------------


def test_compile_table_escapes_and_json_keeps_text(capsys, small) -> None:
    path, h = small
    code, out, _ = run(capsys, "compile", str(path))
    assert code == 0
    assert_safe(out)
    assert "\\x1b[31mALERT" in out and "\\x07" in out and "\\r" in out  # shown, escaped
    data = run_json(capsys, "compile", str(path))
    assert data["commit_hashes"] == [h["s"], h["u"], h["a"]]
    assert data["messages"][1] == {
        "role": "user",
        "content": EVIL,
        "name": "op\x1bera",
        "commit_hash": h["u"],
        "tokens": data["messages"][1]["tokens"],
        "blame": data["messages"][1]["blame"],
    }
    assert data["messages"][1]["blame"]["kind"] == "typed"  # committed through the API
    assert data["token_source"] == "tiktoken:cl100k_base" and data["record_id"] is None
    with Tract.open(path) as t:
        assert data["token_count"] == t.compile().token_count
        n_records = len(t.records())
    at = run_json(capsys, "compile", str(path), "--at", h["f"][:8])
    assert at["commit_hashes"] == [h["s"], h["u"], h["f"]]
    with Tract.open(path) as t:
        assert len(t.records()) == n_records  # plain compiles record nothing


def test_compile_record_then_records_and_reproduce(capsys, small) -> None:
    path, _ = small
    code, out, _ = run(capsys, "compile", str(path), "--record")
    assert code == 0
    record_id = out.strip().splitlines()[-1].removeprefix("record: ")
    data = run_json(capsys, "records", str(path))
    assert data["total"] == 2 and data["records"][0]["record_id"] == record_id
    compiled = run_json(capsys, "compile", str(path))
    assert data["records"][0]["commits"] == compiled["commit_hashes"]
    assert data["records"][0]["params"]["purpose"] == "compile"
    code, out, _ = run(capsys, "records", str(path))
    assert code == 0 and record_id in out
    code, out, _ = run(capsys, "reproduce", str(path), record_id[:8])
    assert code == 0 and "reproduces" in out
    rep = run_json(capsys, "reproduce", str(path), record_id)
    assert rep["matches"] is True and rep["recompiled"] == compiled["commit_hashes"]


def test_reproduce_exit_codes(capsys, small) -> None:
    path, h = small
    with Tract.open(path) as t, t.store.write() as uow:  # a record that does not reproduce
        rid = uuid.uuid4().hex
        uow.records.add(
            CompileRecord(
                rid,
                t.tract_id,
                h["a"],
                0,
                2,
                "tiktoken:cl100k_base",
                None,
                datetime.now().astimezone(),
                (h["a"], h["s"]),
            )
        )
    code, out, _ = run(capsys, "reproduce", str(path), rid)
    assert code == 1 and "does NOT reproduce" in out and "[order]" in out
    code, out, _ = run(capsys, "reproduce", str(path), rid, "--json")
    assert code == 1 and json.loads(out)["matches"] is False
    code, out, err = run(capsys, "reproduce", str(path), "ffff0000")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "no compile record" in err


# --- events, errors, tract selection ------------------------------------------------------


def test_events_on_a_store_without_events(capsys, small) -> None:
    path, _ = small
    code, out, _ = run(capsys, "events", str(path))
    assert code == 0 and out.strip() == "no operation events"
    assert run_json(capsys, "events", str(path)) == {
        "tract_id": run_json(capsys, "log", str(path))["tract_id"],
        "total": 0,
        "events": [],
    }


def test_errors_are_one_line_exit_2(capsys, tmp_path, small) -> None:
    code, out, err = run(capsys, "log", str(tmp_path / "missing.db"))
    assert code == 2 and out == "" and err.startswith("tract-tui: ") and err.count("\n") == 1
    code, _, err = run(capsys, "compile", str(small[0]), "--at", "nope")
    assert code == 2 and "unknown ref" in err and err.count("\n") == 1


def test_tract_selection(capsys, store_target) -> None:
    path = store_target
    ids = []
    for text in ("first tract", "second tract"):
        with create_tract(path) as t:
            t.user(text)
            ids.append(t.tract_id)
    code, _, err = run(capsys, "compile", str(path))
    assert code == 2 and "holds 2 tracts" in err and ids[0][:12] in err and ids[1][:12] in err
    data = run_json(capsys, "compile", str(path), "--tract", ids[1][:10])
    assert data["messages"][0]["content"] == "second tract"
    code, _, err = run(capsys, "log", str(path), "--tract", "zzzz")
    assert code == 2 and "no tract" in err


# --- the shipped tract-ai store -----------------------------------------------------------


def test_commands_on_the_upstream_v5_store(capsys, v5) -> None:
    store = str(v5)
    log = run_json(capsys, "log", store, "--graph")
    assert len(log["commits"]) > 100 and any(len(c["parents"]) == 2 for c in log["commits"])
    code, out, _ = run(capsys, "log", store, "--graph", "--limit", "40")
    assert code == 0 and len(out.splitlines()) == 40 and "╯" in out
    assert_safe(out)

    compiled = run_json(capsys, "compile", store)
    with Tract.open(v5) as t:
        expected = t.compile()
    assert compiled["token_count"] == expected.token_count
    assert compiled["commit_hashes"] == list(expected.commit_hashes)
    code, out, _ = run(capsys, "compile", store)
    assert code == 0
    assert_safe(out)

    events = run_json(capsys, "events", store)
    assert events["total"] == 2
    for ev in events["events"]:
        assert ev["event_type"] == "compress" and len(ev["results"]) == 1 and ev["sources"]
        assert ev["tokens_before"] > ev["tokens_after"] > 0
    code, out, _ = run(capsys, "events", store)
    assert code == 0 and "compress on main" in out
    lines = out.strip().splitlines()  # one readable line per event, no params JSON
    assert len(lines) == 2 and all("tokens" in line and "{" not in line for line in lines)

    code, out, _ = run(capsys, "compile", store, "--record")
    record_id = out.strip().splitlines()[-1].removeprefix("record: ")
    records = run_json(capsys, "records", store)
    assert records["records"][0]["commits"] == compiled["commit_hashes"]
    code, out, _ = run(capsys, "reproduce", store, record_id)
    assert code == 0, out
