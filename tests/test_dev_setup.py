"""``dev.py`` writes the project's bytecode, so a start never compiles our modules from
source (an editable install under PYTHONDONTWRITEBYTECODE otherwise does, every time)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

DEV = Path(__file__).resolve().parents[1] / "dev.py"


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tract_dev_script", DEV)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bytecode_is_written_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dev = _dev()
    for package in ("core", "tract_tui"):
        (tmp_path / package / "sub").mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text("X = 1\n")
        (tmp_path / package / "sub" / "mod.py").write_text("Y = 2\n")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # as under PYTHONDONTWRITEBYTECODE
    dev._compile_bytecode()
    tag = sys.implementation.cache_tag
    written = sorted(tmp_path.rglob(f"*.{tag}.pyc"))
    assert [p.relative_to(tmp_path).as_posix() for p in written] == [
        f"core/__pycache__/__init__.{tag}.pyc",
        f"core/sub/__pycache__/mod.{tag}.pyc",
        f"tract_tui/__pycache__/__init__.{tag}.pyc",
        f"tract_tui/sub/__pycache__/mod.{tag}.pyc",
    ]
    stamps = [p.stat().st_mtime_ns for p in written]
    dev._compile_bytecode()  # up to date: nothing rewritten
    assert [p.stat().st_mtime_ns for p in written] == stamps
