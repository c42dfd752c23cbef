"""Hostile transcripts: invalid JSON, wrong types, unknown roles, and 5 MB single lines (valid,
and invalid at their very end). A bad file is a TranscriptError naming the file and line, and
nothing is written: the commit count AND the store's bytes (file and write-ahead log) are
unchanged. The many per-field type errors are in tests/core/test_transcript.py (BAD_CASES);
this adds the byte-level "nothing written" check and the huge-line cases.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.errors import TranscriptError

FIVE_MB = 5 * 1024 * 1024


def store_bytes(path: Path) -> tuple[str, ...]:
    """Digests of the store file and its write-ahead log (what a write would change)."""
    parts = (path, Path(f"{path}-wal"))
    return tuple(hashlib.sha256(p.read_bytes() if p.exists() else b"").hexdigest() for p in parts)


@pytest.fixture
def tract(tmp_path: Path) -> Iterator[Tract]:
    t = create_tract(tmp_path / "store.db")
    t.user("existing")
    yield t
    t.close()


def huge_line(role: str = "assistant") -> str:
    words = "token " * (FIVE_MB // 6 + 1)
    line = json.dumps({"role": role, "content": words})
    assert len(line) > FIVE_MB
    return line


BAD = {
    "invalid_json": ('{"role": "user", "content": "ok"}\n{"role": "user", "content": ]\n', 2),
    "wrong_type": ('{"role": "user", "content": "ok"}\n{"role": "user", "content": {"a": 1}}\n', 2),
    "unknown_role": (
        '{"role": "user", "content": "ok"}\n\n{"role": "wizard", "content": "x"}\n',
        3,
    ),
    "role_not_text": ('{"role": ["user"], "content": "x"}\n', 1),
    "not_an_object": ('{"role": "user", "content": "ok"}\n42\n', 2),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_transcript_writes_not_one_byte(tract: Tract, tmp_path: Path, case: str) -> None:
    text, line = BAD[case]
    path = tmp_path / f"{case}.jsonl"
    path.write_text(text, encoding="utf-8")
    store = Path(tract.store.display)
    before = store_bytes(store)
    with pytest.raises(TranscriptError) as err:
        tract.import_transcript(path)
    assert str(err.value).startswith(f"{path}:{line}: ") and "\n" not in str(err.value)
    assert len(tract.log(limit=None)) == 1
    assert store_bytes(store) == before


def test_five_megabyte_line_imports(tract: Tract, tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    line = huge_line()
    path.write_text(json.dumps({"role": "user", "content": "go"}) + "\n" + line + "\n")
    result = tract.import_transcript(path)
    assert result.message_count == 2
    messages = tract.compile().messages
    assert messages[-1].content == json.loads(line)["content"]


def test_five_megabyte_line_invalid_at_its_end(tract: Tract, tmp_path: Path) -> None:
    path = tmp_path / "huge-bad.jsonl"
    line = huge_line()[:-1]  # the closing brace is missing, 5 MB in
    path.write_text(json.dumps({"role": "user", "content": "go"}) + "\n" + line + "\n")
    store = Path(tract.store.display)
    before = store_bytes(store)
    with pytest.raises(TranscriptError, match=r"huge-bad\.jsonl:2: invalid JSON") as err:
        tract.import_transcript(path)
    assert len(str(err.value)) < 300  # the error names the place, it does not echo 5 MB
    assert len(tract.log(limit=None)) == 1
    assert store_bytes(store) == before
