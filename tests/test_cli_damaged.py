"""Damaged stores and bad input at the command line (issue 9 §3, §4, §5): nothing made up,
writes refused in words unless ``--force``, one sentence and exit 2 for every failure.

Damage is made with a raw ``sqlite3`` connection (foreign keys off), as a buggy writer or a
hand edit would.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import Tract, TractError, create_tract
from core.models import content as c
from tract_tui.cli import main


def raw(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    return con


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("tract-tui: "), err
    assert "internal error" not in err and "Traceback" not in err
    return err


@pytest.fixture
def missing_blob(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """sys, a, b — the blob of ``a`` deleted."""
    path = tmp_path / "s.db"
    with create_tract(path) as t:
        t.system("You are terse.")
        a = t.user("question a")
        t.user("question b")
    with raw(path) as con:
        con.execute("DELETE FROM blobs WHERE content_hash = ?", (a.content_hash,))
    con.close()
    yield path, a.commit_hash


# -- §3: never fabricate -------------------------------------------------------------------


def test_compile_refuses_a_missing_blob_and_marks_it_when_allowed(
    missing_blob: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path, damaged = missing_blob
    for argv in (["compile", str(path)], ["compile", str(path), "--json"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == ""
        assert damaged[:12] in one_line(err) and "--allow-damaged" in err
    code, out, _ = run(capsys, "compile", str(path), "--json", "--allow-damaged")
    assert code == 0
    messages = json.loads(out)["messages"]
    assert [m.get("damaged", False) for m in messages] == [False, True, False]
    assert messages[1]["commit_hash"] == damaged
    code, out, _ = run(capsys, "compile", str(path), "--allow-damaged")
    assert code == 0 and "DAMAGED" in out


def test_stored_text_that_reads_like_the_notice_is_not_damage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.db"
    with create_tract(path) as t:
        t.system("[missing content]")
    code, out, _ = run(capsys, "compile", str(path), "--json")
    assert code == 0 and "damaged" not in json.loads(out)["messages"][0]


@pytest.mark.parametrize(
    "argv",
    [
        ["compress", "{store}", "--yes"],
        ["compile", "{store}", "--record", "--allow-damaged"],
        ["pin", "{store}", "HEAD"],
        ["skip", "{store}", "HEAD"],
        ["import", "{transcript}", "--store", "{store}"],
    ],
    ids=["compress", "compile-record", "pin", "skip", "import"],
)
def test_writes_into_a_damaged_store_are_refused_unless_forced(
    missing_blob: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    path, _ = missing_blob
    transcript = tmp_path / "t.jsonl"
    transcript.write_text(json.dumps({"role": "user", "content": "imported"}) + "\n")
    args = [a.format(store=path, transcript=transcript) for a in argv]
    before = path.read_bytes()
    code, _, err = run(capsys, *args)
    assert code == 2 and "looks damaged" in one_line(err) and "1 commit without stored" in err
    assert "--force" in err
    assert path.read_bytes() == before
    code, _, err = run(capsys, *args, "--force")
    assert code == 0, err
    assert path.read_bytes() != before


def test_revert_into_a_damaged_store_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.db"
    with create_tract(path) as t:
        t.system("You are terse.")
        first = t.user("question a")
        t.user("question b")
        event = t.compress(from_ref=first.commit_hash, content="two questions").event_id
        t.branch("side")  # the damage is elsewhere: main stays where the compress left it
        late = t.user("question c")
        t.switch("main")
    with raw(path) as con:
        con.execute("DELETE FROM blobs WHERE content_hash = ?", (late.content_hash,))
    con.close()
    before = path.read_bytes()
    code, _, err = run(capsys, "revert", str(path), event)
    assert code == 2 and "refusing to revert" in one_line(err) and "--force" in err
    assert path.read_bytes() == before
    code, out, err = run(capsys, "revert", str(path), event, "--force")
    assert code == 0 and f"reverted {event}" in out, err


# -- §4: an import validates before it creates ----------------------------------------------


def test_an_invalid_transcript_never_creates_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"role": "user", "content": "ok"}\n{"role": "user", "content": "\\ud800"}\n')
    store = tmp_path / "new.db"
    code, _, err = run(capsys, "import", str(bad), "--store", str(store), "--create")
    assert code == 2 and f"{bad}:2:" in one_line(err) and "surrogate" in err
    assert not store.exists() and list(tmp_path.iterdir()) == [bad]


# -- §5: errors in words --------------------------------------------------------------------


def test_a_time_that_is_not_a_time_damages_one_commit_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.db"
    with create_tract(path) as t:
        t.system("sys")
        bad = t.user("b").commit_hash
        t.user("c")
    with raw(path) as con:
        con.execute("UPDATE commits SET created_at = 'not a date' WHERE commit_hash = ?", (bad,))
    con.close()
    code, out, _ = run(capsys, "log", str(path))
    assert code == 0 and f"{bad[:8]}  (not a time)" in out
    code, out, _ = run(capsys, "summary", str(path))
    assert code == 0 and "3 commits" in out
    code, out, _ = run(capsys, "compile", str(path), "--json")
    assert code == 0 and [m["content"] for m in json.loads(out)["messages"]] == ["sys", "b", "c"]
    code, _, err = run(capsys, "compress", str(path), "--from", bad, "--yes", "--force")
    assert code == 0, err
    code, out, _ = run(capsys, "verify", str(path))
    assert "'not a date' is not a timestamp" in out


def test_a_dangling_ref_says_what_it_points_at(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.db"
    with create_tract(path) as t:
        t.user("a")
        t.user("b")
    with raw(path) as con:
        con.execute(
            "UPDATE refs SET commit_hash = ? WHERE ref_name = 'refs/heads/main'", ("ab" * 32,)
        )
    con.close()
    code, _, err = run(capsys, "compress", str(path), "--from", "HEAD~1", "--force")
    assert code == 2 and "points at commit abababababab" in one_line(err)
    assert "not in the store" in err and "-1" not in err


def test_malformed_pages_are_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.db"
    with create_tract(path) as t:
        t.system("sys")
        for i in range(20):
            t.user(f"question {i} " + "x" * 200)
            t.compile(record=True, reason="r" * 300)
            if i % 3 == 0:
                t.compress(content="S" * 400)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    roots = dict(con.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'table'"))
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(path, "r+b") as fh:
        for table in ("operation_events", "compile_records"):
            fh.seek((roots[table] - 1) * size)
            fh.write(b"\xde\xad\xbe\xef" * 64)
    for command in ("events", "records"):
        code, out, err = run(capsys, command, str(path))
        assert code == 2 and out == ""
        assert "the store file is damaged (database disk image is malformed)" in one_line(err)


@pytest.mark.parametrize(
    ("sql", "column"),
    [
        ("UPDATE compile_records SET token_source = ?", "token_source"),
        ("UPDATE compile_records SET head_hash = ?", "head_hash"),
        ("UPDATE operation_events SET branch_name = ?", "branch_name"),
    ],
)
def test_bytes_in_a_text_column_are_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sql: str, column: str
) -> None:
    path = tmp_path / "s.db"
    with create_tract(path) as t:
        t.user("a")
        t.user("b")
        record = t.compile(record=True).record_id
        t.compress(content="S")
    with raw(path) as con:
        con.execute(sql, (b"by\xfftes",))
    con.close()
    for argv in (
        ["records", str(path)],
        ["events", str(path)],
        ["reproduce", str(path), str(record)],
    ):
        code, _, err = run(capsys, *argv)
        if code != 0:
            assert code == 2 and f"{column} holds bytes, not text" in one_line(err)


def test_a_lone_surrogate_or_deep_json_through_the_api_writes_nothing(tmp_path: Path) -> None:
    with create_tract(tmp_path / "s.db") as t:
        head = t.user("before").commit_hash
        deep: list[object] = []
        node = deep
        for _ in range(5_000):
            node.append([])
            node = node[0]  # type: ignore[assignment]
        cases = [
            (lambda: t.user("a\ud800b"), "content.text"),
            (lambda: t.commit(c.freeform({"tree": deep})), "content.payload.tree"),
            (lambda: t.user("ok", metadata={"note": "\udfff"}), "metadata.note"),
            (lambda: t.assistant("ok", generation_config={"x": deep}), "generation_config.x"),
        ]
        for write, field in cases:
            with pytest.raises(TractError) as caught:
                write()
            assert str(caught.value).startswith(field), caught.value
            assert t.head == head
    with Tract.open(str(tmp_path / "s.db")) as again:
        assert [m.content for m in again.compile().messages] == ["before"]


def test_a_transcript_nested_5000_deep_is_one_line_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "deep.jsonl"
    line = '{"role": "user", "content": ' + "[" * 5_000 + "]" * 5_000 + "}"
    deep.write_text('{"role": "user", "content": "fine"}\n' + line + "\n")
    store = tmp_path / "new.db"
    code, _, err = run(capsys, "import", str(deep), "--store", str(store), "--create")
    assert code == 2 and f"{deep}:2: JSON nested too deeply" in one_line(err)
    assert not store.exists()
