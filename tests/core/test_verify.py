"""verify_store: clean on real tract-ai stores, precise about every kind of damage, never writes.

Damage is made with a raw sqlite3 connection with foreign keys OFF (as a buggy writer or a
hand edit would). Rows added on purpose get correct hashes (``add_commit``), so each test can
assert the *exact* problem list: one defect, one problem, naming its row.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.engine.hashing import commit_hash, content_hash, stored_payload_json
from core.errors import NotATractStoreError, StoreNotFoundError, StoreTooNewError
from core.models.enums import CommitOperation
from core.operations.verify import Problem, VerifyReport, verify_store
from core.storage.integrity import find_cycles
from core.storage.store import Store, upgrade_store

SHIPPED = ("upstream_v3.db", "upstream_v5.db")
AT = datetime(2026, 3, 1, 12, 0, 0, 123456)  # naive UTC, as stored
MISSING = "ab" * 32


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    return con


def add_blob(con: sqlite3.Connection, payload: dict[str, Any]) -> str:
    h = content_hash(payload)
    text = stored_payload_json(payload)
    con.execute(
        "INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, 1, ?)",
        (h, text, len(text.encode()), AT.strftime("%Y-%m-%d %H:%M:%S.%f")),
    )
    return h


def add_commit(
    con: sqlite3.Connection,
    tract: str,
    parent: str | None,
    *,
    text: str = "hi",
    op: str = "APPEND",
    response_to: str | None = None,
    at: datetime = AT,
    merge_parents: list[str] | None = None,
    hash_parents: bool = True,
    edit_key: str = "response_to",
    content_type: str | None = None,
) -> str:
    """A commit row hashed exactly as tract-ai would (so it is clean unless told otherwise)."""
    payload = {"content_type": "dialogue", "name": None, "role": "user", "text": text}
    blob = add_blob(con, payload)
    h = commit_hash(
        content_hash=blob,
        parent_hash=parent,
        content_type="dialogue",
        operation=CommitOperation[op],
        created_at=at,
        response_to=response_to,
        parent_hashes=merge_parents if hash_parents else None,
        edit_key=edit_key,
    )
    con.execute(
        "INSERT INTO commits (commit_hash, tract_id, parent_hash, content_hash, content_type, "
        "operation, response_to, message, token_count, metadata_json, generation_config_json, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'test', 1, 'null', 'null', ?)",
        (
            h,
            tract,
            parent,
            blob,
            content_type or "dialogue",
            op,
            response_to,
            at.strftime("%Y-%m-%d %H:%M:%S.%f"),
        ),
    )
    for i, p in enumerate(merge_parents or []):
        con.execute("INSERT INTO commit_parents VALUES (?, ?, ?)", (h, p, i))
    return h


@pytest.fixture
def head_store(fixture_store: Callable[..., Path]) -> Path:  # damage is verified in place
    path = fixture_store("upstream_v5.db")
    upgrade_store(path, backup=False)
    return path


def tract_and_tip(path: Path) -> tuple[str, str]:
    with sqlite3.connect(path) as con:
        return con.execute(
            "SELECT tract_id, commit_hash FROM refs WHERE ref_name = 'refs/heads/main'"
        ).fetchone()


def add_record(con: sqlite3.Connection, tract: str, effectives: dict[str, int]) -> None:
    con.execute(
        "INSERT INTO compile_records VALUES ('r1', ?, '', 10, 2, '', 'null', ?)",
        (tract, AT.isoformat(" ")),
    )
    con.executemany("INSERT INTO compile_effectives VALUES ('r1', ?, ?)", effectives.items())


def parent_of(con: sqlite3.Connection, h: str) -> str:
    return con.execute("SELECT parent_hash FROM commits WHERE commit_hash = ?", (h,)).fetchone()[0]


def only(report: VerifyReport) -> Problem:
    assert len(report.problems) == 1, report.format_lines()
    return report.problems[0]


@pytest.mark.parametrize("upgraded", [False, True], ids=["as-shipped", "upgraded"])
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_stores_are_clean(fixture_store, name: str, upgraded: bool) -> None:
    path = fixture_store(name)
    if upgraded:
        upgrade_store(path, backup=False)
    report = verify_store(path)
    assert report.ok and report.verified_copy is not upgraded, report.format_lines()
    version = name.removeprefix("upstream_").removesuffix(".db")
    assert report.notes == (
        []
        if upgraded
        else [
            "verified an upgraded copy; "
            f"the store itself (tract-ai schema {version}) was not changed"
        ]
    )
    assert (report.rows_checked["commits"], report.rows_checked["blobs"]) == (223, 222)
    assert report.rows_checked["operation_commits"] == 47  # legacy compressions, migrated


@pytest.mark.parametrize("name", [*SHIPPED, "head"])
def test_verify_never_writes(fixture_store, name: str) -> None:
    path = fixture_store("upstream_v5.db" if name == "head" else name)
    if name == "head":
        upgrade_store(path, backup=False)
    # The last close checkpoints, so no -wal/-shm is left beside the store.
    sqlite3.connect(path).execute("PRAGMA schema_version").connection.close()
    before, files = sha256(path), sorted(path.parent.iterdir())
    assert verify_store(path).ok
    assert sha256(path) == before
    assert sorted(path.parent.iterdir()) == files  # no backup, and no -wal/-shm either


@pytest.mark.parametrize("layout", ["v1early", "v1mid_bare_head", "v1", "v2", "v4", "v6"])
def test_every_tract_ai_layout_is_clean(tmp_path: Path, layout: str) -> None:
    """Built from tract-ai's own DDL of each version (early v1: ``reply_to`` EDIT hashes)."""
    builders = pytest.importorskip("tests.core._store_builders")
    if layout not in builders.LAYOUTS:
        pytest.skip(f"no {layout} builder")
    path = tmp_path / f"{layout}.db"
    builders.build_sqlite_store(path, layout)
    before = sha256(path)
    report = verify_store(path)
    assert report.ok, report.format_lines()
    # v6 is read in place; older layouts through an upgraded copy.
    assert report.verified_copy == (layout != "v6")
    assert sha256(path) == before


def test_old_store_with_dangling_rows_is_still_verified(fixture_store) -> None:
    """The migration of a damaged v5 store fails its foreign keys; verify names the row."""
    path = fixture_store("upstream_v5.db")
    with raw(path) as con:
        event, n = con.execute(
            "SELECT compression_id, COUNT(*) FROM compression_sources "
            "GROUP BY compression_id LIMIT 1"
        ).fetchone()
        con.execute("INSERT INTO compression_sources VALUES (?, ?, ?)", (event, MISSING, n))
    before = sha256(path)
    report = verify_store(path)
    assert sha256(path) == before
    assert "foreign-key checks off" in report.notes[-1]
    problem = only(report)
    assert (problem.kind, problem.table, problem.row_key) == (
        "dangling",
        "operation_commits",
        (event, MISSING, "source"),
    )


def test_open_store_object_and_fresh_store(store_url: str) -> None:
    with Store.open(store_url, create=True) as store:
        assert verify_store(store).ok


def _blob_with_text(path: Path) -> tuple[str, str]:
    with sqlite3.connect(path) as con:
        return con.execute(
            "SELECT content_hash, payload_json FROM blobs "
            'WHERE payload_json LIKE \'%"text": "You are%\' LIMIT 1'
        ).fetchone()


def test_one_changed_character_that_still_parses(head_store: Path) -> None:
    blob, text = _blob_with_text(head_store)
    damaged = text.replace("You are", "You arf", 1)
    json.loads(damaged)  # still valid JSON, same content_type
    with raw(head_store) as con:
        con.execute("UPDATE blobs SET payload_json = ? WHERE content_hash = ?", (damaged, blob))
    problem = only(verify_store(head_store))
    assert (problem.kind, problem.table, problem.row_key) == ("hash_mismatch", "blobs", (blob,))
    assert f"stored {blob}" in problem.detail
    assert problem.line().startswith(f"blobs {blob[:8]}…: hash mismatch (stored {blob[:8]}…")


def test_payload_that_no_longer_parses(head_store: Path) -> None:
    blob, text = _blob_with_text(head_store)
    with raw(head_store) as con:
        con.execute(
            "UPDATE blobs SET payload_json = ? WHERE content_hash = ?",
            (text.replace('", "', '" "', 1), blob),
        )
    problem = only(verify_store(head_store))
    assert (problem.kind, problem.table, problem.row_key) == ("invalid_json", "blobs", (blob,))
    assert "invalid JSON" in problem.detail


def test_commit_hash_mismatch_and_content_type(head_store: Path) -> None:
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        changed = add_commit(con, tract, tip, content_type="instruction")
        con.execute(
            "UPDATE commits SET created_at = '2026-01-01 00:00:00.000001' WHERE commit_hash = ?",
            (tip,),
        )
    problems = {(p.kind, p.row_key[0]) for p in verify_store(head_store).problems}
    assert problems == {
        ("hash_mismatch", tip),
        ("content_type_mismatch", changed),
        ("hash_mismatch", changed),
    }


def test_every_legitimate_hash_form_is_accepted(head_store: Path) -> None:
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        side = add_commit(con, tract, tip, text="side")
        new_merge = add_commit(
            con, tract, tip, merge_parents=[tip, side], at=AT + timedelta(seconds=1)
        )
        old_merge = add_commit(
            con,
            tract,
            new_merge,
            merge_parents=[new_merge, side],
            hash_parents=False,
            at=AT + timedelta(seconds=2),
        )
        add_commit(
            con,
            tract,
            old_merge,
            op="EDIT",
            response_to=side,
            edit_key="reply_to",
            at=AT + timedelta(seconds=3),
        )
    report = verify_store(head_store)
    assert report.ok, report.format_lines()


def test_a_rewired_merge_parent_is_a_hash_mismatch(head_store: Path) -> None:
    """Issue 16 §2: a merge's hash covers its parents; pointing its second parent at another
    commit in ``commit_parents`` must be reported, like any other changed hashed field."""
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        side = add_commit(con, tract, tip, text="side")
        other = add_commit(con, tract, tip, text="other", at=AT + timedelta(seconds=1))
        merge = add_commit(con, tract, tip, merge_parents=[tip, side], at=AT + timedelta(seconds=2))
    assert verify_store(head_store).ok
    with raw(head_store) as con:
        con.execute(
            "UPDATE commit_parents SET parent_hash = ? WHERE commit_hash = ? AND position = 1",
            (other, merge),
        )
    problem = only(verify_store(head_store))
    assert (problem.kind, problem.table, problem.row_key) == ("hash_mismatch", "commits", (merge,))


def test_values_no_hash_covers(head_store: Path) -> None:
    """Issue 9 §6: invalid metadata / generation config JSON, a negative token count, a time
    that is not a time and an unknown content type are each reported on their row."""
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        rows = [
            add_commit(con, tract, tip, text=f"t{i}", at=AT + timedelta(seconds=i))
            for i in range(5)
        ]
        sets = [
            "metadata_json = '{\"unclosed'",
            "generation_config_json = '[1, 2]'",
            "token_count = -5",
            "created_at = 'not a date'",
            "content_type = 'hologram'",
        ]
        for h, assignment in zip(rows, sets, strict=True):
            con.execute(f"UPDATE commits SET {assignment} WHERE commit_hash = ?", (h,))
    found = {
        (p.kind, p.row_key[0], p.detail.split(" ")[0]) for p in verify_store(head_store).problems
    }
    assert ("invalid_value", rows[0], "metadata_json") in found
    assert ("invalid_value", rows[1], "generation_config_json") in found
    assert ("invalid_value", rows[2], "token_count") in found
    assert ("invalid_value", rows[3], "created_at") in found
    assert ("unknown_content_type", rows[4], "content_type") in found
    # The unknown type also disagrees with its blob and changes what the hash covers.
    assert {k for k, h, _ in found if h == rows[4]} == {
        "unknown_content_type",
        "content_type_mismatch",
        "hash_mismatch",
    }
    assert len(found) == 7


def test_dangling_ref(head_store: Path) -> None:
    tract, _ = tract_and_tip(head_store)
    with raw(head_store) as con:
        con.execute("INSERT INTO refs VALUES (?, 'refs/heads/ghost', ?, NULL)", (tract, MISSING))
    problem = only(verify_store(head_store))
    assert (problem.kind, problem.table) == ("dangling", "refs")
    assert problem.row_key == (tract, "refs/heads/ghost")
    assert MISSING in problem.detail


def test_legal_oddities(head_store: Path) -> None:
    """An unborn branch behind a symbolic HEAD; byte_size is informational only."""
    with raw(head_store) as con:
        con.execute("DELETE FROM refs WHERE ref_name = 'refs/heads/main'")
        con.execute("UPDATE blobs SET byte_size = byte_size + 7")
    assert verify_store(head_store).ok


def test_bad_symbolic_refs(head_store: Path) -> None:
    tract, _ = tract_and_tip(head_store)
    with raw(head_store) as con:
        con.execute(
            "UPDATE refs SET symbolic_target = 'refs/heads/gone' WHERE ref_name = 'PREV_BRANCH'"
        )
        con.execute("INSERT INTO refs VALUES (?, 'ODD', NULL, 'refs/tags/v1')", (tract,))
        con.execute("INSERT INTO refs VALUES (?, 'EMPTY', NULL, NULL)", (tract,))
    found = {(p.kind, p.row_key) for p in verify_store(head_store).problems}
    assert found == {
        ("dangling", (tract, "PREV_BRANCH")),
        ("invalid_ref", (tract, "ODD")),
        ("invalid_ref", (tract, "EMPTY")),
    }


def test_edit_pointing_to_a_missing_commit(head_store: Path) -> None:
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        edit = add_commit(con, tract, tip, op="EDIT", response_to=MISSING)
    problem = only(verify_store(head_store))
    assert (problem.kind, problem.table, problem.row_key) == ("dangling", "commits", (edit,))
    assert f"response_to names a missing commit {MISSING}" == problem.detail


def test_edit_target_rules(head_store: Path) -> None:
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        other = add_commit(con, "other-tract", None, text="elsewhere")
        first = add_commit(con, tract, tip, op="EDIT", response_to=tip)  # legal
        on_edit = add_commit(
            con, tract, first, op="EDIT", response_to=first, at=AT + timedelta(seconds=1)
        )
        cross = add_commit(
            con, tract, on_edit, op="EDIT", response_to=other, at=AT + timedelta(seconds=2)
        )
        no_target = add_commit(con, tract, cross, op="EDIT", at=AT + timedelta(seconds=3))
    found = {(p.kind, p.row_key[0]): p.detail for p in verify_store(head_store).problems}
    assert set(found) == {("edit_target", h) for h in (on_edit, cross, no_target)}
    assert "is itself an EDIT" in found[("edit_target", on_edit)]
    assert "belongs to another tract" in found[("edit_target", cross)]
    assert "without a target" in found[("edit_target", no_target)]


def test_compile_effective_to_a_missing_commit(head_store: Path) -> None:
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        add_record(con, tract, {tip: 0, MISSING: 1})
    problem = only(verify_store(head_store))
    assert (problem.kind, problem.table, problem.row_key) == (
        "dangling",
        "compile_effectives",
        ("r1", MISSING),
    )


def test_position_gaps_and_first_parent(head_store: Path) -> None:
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        add_record(con, tract, {tip: 0, parent_of(con, tip): 2})
        merge = con.execute("SELECT commit_hash FROM commit_parents WHERE position = 0").fetchone()
        # The root: an ancestor of the merge already, so this makes no cycle.
        root = con.execute("SELECT commit_hash FROM commits WHERE parent_hash IS NULL").fetchone()
        con.execute(
            "UPDATE commit_parents SET parent_hash = ? WHERE commit_hash = ? AND position = 0",
            (root[0], merge[0]),
        )
    found = {(p.kind, p.table, p.row_key) for p in verify_store(head_store).problems}
    assert found == {
        ("bad_positions", "compile_effectives", ("r1",)),
        ("bad_positions", "commit_parents", (merge[0], root[0])),
    }


def test_audit_links_annotations_and_spawns(head_store: Path) -> None:
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        event = con.execute("SELECT event_id FROM operation_events LIMIT 1").fetchone()[0]
        con.execute("INSERT INTO operation_commits VALUES (?, ?, 'origin', 0)", (event, tip))
        con.execute("INSERT INTO operation_commits VALUES ('no-event', ?, 'source', 0)", (tip,))
        con.execute(
            "INSERT INTO annotations (tract_id, target_hash, priority, reason, "
            "created_at) VALUES (?, ?, 'SKIP', NULL, ?)",
            (tract, MISSING, str(AT)),
        )
        con.execute(
            "INSERT INTO spawn_pointers (parent_tract_id, parent_commit_hash, "
            "child_tract_id, purpose, inheritance_mode, created_at) "
            "VALUES (?, ?, 'child', 'p', 'head_snapshot', ?)",
            (tract, MISSING, str(AT)),
        )
    found = {(p.kind, p.table) for p in verify_store(head_store).problems}
    assert found == {
        ("invalid_value", "operation_commits"),
        ("dangling", "operation_commits"),
        ("dangling", "annotations"),
        ("dangling", "spawn_pointers"),
    }


def test_parent_cycle(head_store: Path) -> None:
    _, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        parent = parent_of(con, tip)
        con.execute("UPDATE commits SET parent_hash = ? WHERE commit_hash = ?", (tip, parent))
    report = verify_store(head_store)
    cycles = [p for p in report.problems if p.kind == "cycle"]
    assert len(cycles) == 1
    assert cycles[0].row_key == (min(tip, parent),)
    assert tip in cycles[0].detail and parent in cycles[0].detail
    assert {p.kind for p in report.problems} == {"cycle", "hash_mismatch"}


def test_find_cycles() -> None:
    assert find_cycles({"b": ("a",), "c": ("b",), "m": ("c", "b")}) == []
    assert find_cycles({"a": ("a",)}) == [["a"]]
    # Two cycles, one with a tail into it and a root below it.
    edges = {"x": ("y",), "y": ("z",), "z": ("x", "r"), "t": ("x",), "p": ("q",), "q": ("p",)}
    assert sorted(find_cycles(edges)) == [["p", "q"], ["x", "y", "z"]]


def test_missing_table_and_capped_serialisable_report(head_store: Path) -> None:
    tract, _ = tract_and_tip(head_store)
    with raw(head_store) as con:
        con.execute("DROP TABLE compile_effectives")
        con.executemany(
            "INSERT INTO refs VALUES (?, ?, ?, NULL)",
            [(tract, f"refs/heads/g{i}", MISSING) for i in range(3)],
        )
    report = verify_store(head_store, max_problems=2)
    assert not report.ok and report.omitted == 2 and report.problem_count == 4
    data = json.loads(report.to_json())
    assert data["ok"] is False and data["problem_count"] == 4
    assert [p["kind"] for p in data["problems"]] == ["missing_table", "dangling"]
    assert data["problems"][1]["row_key"] == [tract, "refs/heads/g0"]
    assert report.format_lines()[-1].endswith("4 problem(s)")


def test_refusals(tmp_path: Path, head_store: Path) -> None:
    with pytest.raises(StoreNotFoundError):
        verify_store(tmp_path / "absent.db")
    (tmp_path / "notes.txt").write_text("not a database")
    with pytest.raises(NotATractStoreError):
        verify_store(tmp_path / "notes.txt")
    with raw(head_store) as con:
        con.execute("UPDATE _trace_meta SET value = '14' WHERE key = 'schema_version'")
    with pytest.raises(StoreTooNewError):
        verify_store(head_store)


@pytest.mark.postgres
def test_postgres_clean_and_behind_head(pg_url: str) -> None:
    from sqlalchemy import text

    from core.errors import StoreNeedsUpgradeError

    with Store.open(pg_url, create=True) as store:
        payload = {"content_type": "instruction", "text": "be brief"}
        blob = content_hash(payload)
        h = commit_hash(
            content_hash=blob,
            parent_hash=None,
            content_type="instruction",
            operation=CommitOperation.APPEND,
            created_at=AT,
        )
        with store.write() as uow:
            conn = uow.conn
            conn.execute(
                text("INSERT INTO blobs VALUES (:h, :p, 8, 2, :t)"),
                {"h": blob, "p": stored_payload_json(payload), "t": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO commits (commit_hash, tract_id, content_hash, content_type, "
                    "operation, token_count, created_at) VALUES (:h, 't', :b, 'instruction', "
                    "'APPEND', 2, :t)"
                ),
                {"h": h, "b": blob, "t": AT},
            )
        assert verify_store(pg_url).ok
        with store.write() as uow:  # a throwaway schema: drop the FK to plant a dangling ref
            uow.conn.execute(text("ALTER TABLE refs DROP CONSTRAINT refs_commit_hash_fkey"))
            uow.conn.execute(
                text("INSERT INTO refs VALUES ('t', 'refs/heads/x', :m, NULL)"), {"m": MISSING}
            )
        problem = only(verify_store(pg_url))
        assert (problem.kind, problem.row_key) == ("dangling", ("t", "refs/heads/x"))
        with store.write() as uow:
            uow.conn.execute(text("DELETE FROM tract_tui_alembic_version"))
            uow.conn.execute(
                text("UPDATE _trace_meta SET value = '5' WHERE \"key\" = 'schema_version'")
            )
    with pytest.raises(StoreNeedsUpgradeError):
        verify_store(pg_url)


def test_a_parent_cleared_by_tract_ais_gc_is_noted_not_damage(head_store: Path) -> None:
    """tract-ai's gc deletes a commit that a kept commit has as parent and sets the kept
    one's parent_hash to NULL (its hash was made over the old parent): verify notes it. A
    commit whose parent is still named and whose hash does not recompute is still damage."""
    tract, tip = tract_and_tip(head_store)
    with raw(head_store) as con:
        later = datetime(2027, 1, 1, 12, 0, 0, 1)  # after the tract's first commit
        kept = add_commit(con, tract, tip, text="an import's source", at=later)
        con.execute("UPDATE commits SET parent_hash = NULL WHERE commit_hash = ?", (kept,))
    report = verify_store(head_store)
    assert report.ok, report.format_lines()
    assert any(
        "1 commit(s) whose parent was collected" in n and kept[:12] in n for n in report.notes
    )
    with raw(head_store) as con:
        con.execute("UPDATE commits SET parent_hash = ? WHERE commit_hash = ?", (MISSING, kept))
    assert {p.kind for p in verify_store(head_store).problems} >= {"hash_mismatch"}


def test_tract_ais_own_content_types_are_not_called_custom(tmp_path: Path) -> None:
    from tests.core._tract_ai_layouts import unpack

    report = verify_store(unpack("head_story", tmp_path / "head.db"))
    assert report.ok, report.format_lines()
    assert not any("custom types" in n for n in report.notes), report.notes


def test_a_tracts_first_commit_is_never_excused(head_store: Path) -> None:
    """gc never collects a tract's first commit's parent (it has none): a first commit whose
    hash does not recompute is damage, even though its parent_hash is NULL."""
    tract, _ = tract_and_tip(head_store)
    with raw(head_store) as con:
        [(first,)] = con.execute(
            "SELECT commit_hash FROM commits WHERE tract_id = ? AND parent_hash IS NULL "
            "ORDER BY created_at LIMIT 1",
            (tract,),
        ).fetchall()
        con.execute(
            "UPDATE commits SET content_type = CASE content_type WHEN 'instruction' "
            "THEN 'dialogue' ELSE 'instruction' END WHERE commit_hash = ?",
            (first,),
        )
    problems = {(p.kind, p.row_key[0]) for p in verify_store(head_store).problems}
    assert ("hash_mismatch", first) in problems
