#!/usr/bin/env python3
"""Set up and run tract-tui from a fresh clone with nothing but Python ≥ 3.11.

    python3 dev.py demo    # create .venv, install, open the app on a demo store
    python3 dev.py test    # create .venv, install, then ruff, import contracts, mypy, all tests
    python3 dev.py keys    # rewrite README.md's key table from tract_tui/actions.py

Anything after the command is passed on (to ``tract-tui`` or to ``pytest``).
"""

from __future__ import annotations

import compileall
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".dev-install-stamp"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_env() -> None:
    """Create the virtualenv and (re)install the project when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is there
        sys.exit(f"tract-tui needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    if not _python().exists():
        print(f"creating virtualenv in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    _compile_bytecode()
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == want:
        return
    print("installing tract-tui and its test tools into .venv", flush=True)
    pip = [str(_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(want)


def _compile_bytecode() -> None:
    """Write the project's bytecode, as pip does for an installed package. The install is
    editable, and where PYTHONDONTWRITEBYTECODE is set Python would otherwise compile ~130
    modules from source at every start of the app (~0.13 s of a ~0.45 s start). Up-to-date
    files are skipped, so this is quick after the first time."""
    for package in ("core", "tract_tui"):
        compileall.compile_dir(ROOT / package, quiet=1)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "keys"):
        print(__doc__.strip())
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        return subprocess.call([str(BIN / "tract-tui"), "--demo", *rest], cwd=ROOT)
    if command == "keys":  # the README's key table, from the action table
        script = "from pathlib import Path; from tract_tui.keytable import write; "
        script += "print('README.md updated' if write(Path('README.md')) else 'up to date')"
        return subprocess.call([str(_python()), "-c", script], cwd=ROOT)
    if not rest:  # the whole suite: the static checks first (seconds; a red one fails the run)
        ruff = str(BIN / "ruff")
        checks = (
            [ruff, "check", "."],
            [ruff, "format", "--check", "."],
            [str(BIN / "lint-imports")],  # the layers: pyproject's [tool.importlinter]
            [str(BIN / "mypy")],  # pyproject's [tool.mypy]
        )
        for check in checks:
            if subprocess.call(check, cwd=ROOT) != 0:
                return 1
    return subprocess.call([str(_python()), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
