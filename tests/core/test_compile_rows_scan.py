"""A cold compile of a tract that holds most of a SQLite store's blobs reads the blobs and
token counts in one scan each and joins them in a dict (``_compile_rows_by_scans``); other
tracts keep SQLite's join. Both must give the same rows — shared, missing and damaged blobs,
edits, stores without our token table — and so the same compile."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.models import content as c
from core.storage.sqla import commits as commits_module
from core.storage.store import Store
from tests.conftest import shared_file


def both_ways(path: Path, encoding: str = "cl100k_base") -> dict[str, tuple[list, list, bool]]:
    out = {}
    with Store.open(path, readonly=True) as store, store.read() as uow:
        repo = uow.commits
        for tract_id in repo.tract_ids():
            params = {"tract_id": tract_id, "enc": encoding}
            joined = list(repo._compile_rows_joined(params).values())
            scanned = list(repo._compile_rows_by_scans(params).values())
            out[tract_id] = (joined, scanned, repo._tract_holds_the_blobs(tract_id))
    return out


@pytest.fixture
def big(tmp_path: Path) -> tuple[Path, str, str]:
    path = tmp_path / "big.db"
    t = create_tract(path)
    with t.batch():
        t.system("You are terse.")
        for i in range(1_100):
            t.user(f"question {i % 700}")  # repeats: commits share blobs
            t.assistant(f"answer {i}")
    target = t.user("draft").commit_hash
    t.edit(target, c.dialogue("user", "final"))
    side = t.spawn("a small side task")
    side.user("elsewhere")
    main_id, side_id = t.tract_id, side.tract_id
    t.close()
    return path, main_id, side_id


def test_the_two_reads_agree(big: tuple[Path, str, str]) -> None:
    path, main_id, side_id = big
    found = both_ways(path)
    joined, scanned, scans = found[main_id]
    assert scans, "the big tract holds most blobs: it is read by scans"
    assert len(joined) > 2_000 and scanned == joined
    # Commits that share a blob share its text when scanned.
    by_blob = {}
    for row in scanned:
        by_blob.setdefault(row[2], []).append(row[9])
    assert any(len(texts) > 1 and texts[0] is texts[1] for texts in by_blob.values())
    joined, scanned, scans = found[side_id]
    assert not scans, "a small tract keeps the join"
    assert scanned == joined


def test_missing_blobs_and_counts_read_alike(big: tuple[Path, str, str]) -> None:
    path, main_id, _ = big
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys=OFF")
    gone = con.execute("SELECT content_hash FROM commits LIMIT 1 OFFSET 40").fetchone()[0]
    con.execute("DELETE FROM blobs WHERE content_hash = ?", (gone,))
    con.execute(
        "DELETE FROM tract_tui_blob_message_tokens WHERE content_hash IN "
        "(SELECT content_hash FROM commits LIMIT 5 OFFSET 60)"
    )
    # Counts made under another encoding must not be taken for this one's.
    con.execute(
        "INSERT INTO tract_tui_blob_message_tokens (content_hash, encoding, message_tokens) "
        "SELECT content_hash, 'o200k_base', 99999 FROM blobs"
    )
    con.commit()
    con.close()
    joined, scanned, scans = both_ways(path)[main_id]
    assert scans and scanned == joined
    assert any(r[2] == gone and r[9] is None for r in scanned)
    assert sum(r[10] is None for r in scanned) >= 5
    assert 99999 not in {r[10] for r in scanned}


def test_the_compile_is_the_same_either_way(
    big: tuple[Path, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, main_id, _ = big
    shown = []
    for scans in (True, False):
        monkeypatch.setattr(
            commits_module.SqlCommitRepository, "_tract_holds_the_blobs", lambda self, t, s=scans: s
        )
        with Store.open(path, readonly=True) as store:
            compiled = Tract.open(store, main_id).compile()
            shown.append((compiled.to_dicts(), list(compiled.commit_hashes), compiled.token_count))
    assert shown[0] == shown[1]
    assert "final" in [d["content"] for d in shown[0][0]]


def test_stores_tract_ai_wrote(tmp_path: Path) -> None:
    # Their layouts (no token table before our first write, other edit columns).
    for name in ("upstream_v13.db", "upstream_v5.db", "upstream_v3.db"):
        src = shared_file("fixtures", "tract-ai", name)
        if src is None:
            pytest.skip("../shared/fixtures is not here")
        dest = tmp_path / name
        shutil.copyfile(src, dest)
        for joined, scanned, _ in both_ways(dest).values():
            assert joined and scanned == joined
