"""The forked helper of ``compile --json``: the texts come out complete and in order whether
the helper makes its share, dies, fails, or is never made, and it never outlives its use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from core import create_tract
from tract_tui.commands import _helper_process as hp

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or hp._cpus() < 2, reason="the helper needs fork and two CPUs"
)


@pytest.fixture(autouse=True)
def room_for_a_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole test run grows this process past the helper's memory limit, and earlier tests
    may leave a thread behind: the tests here give the helper room (and start threads
    where they test that check)."""
    monkeypatch.setattr(hp, "HELPER_MAX_BYTES", hp._resident_bytes() * 4)
    monkeypatch.setattr(hp, "_other_threads", lambda: False)


def made_by(k: int) -> str:
    return f"{k}:{os.getpid()}"


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the helpers started while the test runs."""
    pids: list[int] = []
    start = hp._Helper.start

    def recorded(make: Callable[[int], str], count: int) -> hp._Helper | None:
        helper = start(make, count)
        if helper is not None:
            pids.append(helper.pid)
        return helper

    monkeypatch.setattr(hp._Helper, "start", staticmethod(recorded))
    return pids


def reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # waited for already: neither running nor a zombie
    return False


def collect(make: Callable[[int], str], count: int) -> list[str]:
    with hp.texts_in_order(make, count) as texts:
        return list(texts)


def split(texts: list[str]) -> tuple[list[int], set[str]]:
    order = [int(t.split(":")[0]) for t in texts]
    return order, {t.split(":")[1] for t in texts}


def test_the_helper_makes_every_other_text(helpers: list[int]) -> None:
    texts = collect(made_by, 50)
    assert len(helpers) == 1 and reaped(helpers[0])
    order, _ = split(texts)
    assert order == list(range(50))
    me = str(os.getpid())
    ours = [k for k, t in enumerate(texts) if t.endswith(f":{me}")]
    assert ours == list(range(0, 50, 2))  # the odd ones came from another process


@pytest.mark.parametrize("count", [0, 1, hp.MIN_TEXTS - 1])
def test_too_few_texts_are_made_here(count: int) -> None:
    order, pids = split(collect(made_by, count))
    assert order == list(range(count))
    assert pids <= {str(os.getpid())}


def test_no_helper_when_told_or_when_threads_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hp, "_other_threads", lambda: hp.threading.active_count() > 1)
    monkeypatch.setenv(hp.HELPER_ENV, "0")
    assert split(collect(made_by, 20))[1] == {str(os.getpid())}
    monkeypatch.delenv(hp.HELPER_ENV)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:  # a fork would copy a thread mid-step: no helper
        assert split(collect(made_by, 20))[1] == {str(os.getpid())}
    finally:
        stop.set()
        other.join()


def test_no_helper_for_a_process_too_big_to_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    assert hp.helper_allowed(20)
    monkeypatch.setattr(hp, "HELPER_MAX_BYTES", hp._resident_bytes() // 2)
    assert not hp.helper_allowed(20)
    assert split(collect(made_by, 20))[1] == {str(os.getpid())}


def test_a_helper_that_dies_leaves_its_texts_to_this_process() -> None:
    parent = os.getpid()

    def make(k: int) -> str:
        if os.getpid() != parent and k == 7:
            os._exit(3)  # killed mid-way, as by the OOM killer
        return made_by(k)

    texts = collect(make, 30)
    assert split(texts)[0] == list(range(30))
    helped = [k for k, t in enumerate(texts) if not t.endswith(f":{parent}")]
    assert helped == [1, 3, 5]


def test_a_helper_that_fails_leaves_its_texts_to_this_process() -> None:
    parent = os.getpid()

    def make(k: int) -> str:
        if os.getpid() != parent and k >= 11:
            raise RuntimeError("only in the helper")
        return made_by(k)

    texts = collect(make, 30)
    assert split(texts)[0] == list(range(30))
    assert [k for k, t in enumerate(texts) if not t.endswith(f":{parent}")] == [1, 3, 5, 7, 9]


def test_an_error_here_stops_the_helper(helpers: list[int]) -> None:
    def make(k: int) -> str:
        if k == 4 and os.getpid() == parent:
            raise ValueError("a bug")
        return made_by(k)

    parent = os.getpid()
    with pytest.raises(ValueError, match="a bug"):
        collect(make, 10_000)
    assert len(helpers) == 1 and reaped(helpers[0])


def test_stopping_early_stops_the_helper(helpers: list[int]) -> None:
    with hp.texts_in_order(made_by, 10_000) as texts:
        first = [next(texts) for _ in range(3)]
    assert split(first)[0] == [0, 1, 2]
    assert len(helpers) == 1 and reaped(helpers[0])


def test_non_ascii_texts_arrive_intact() -> None:
    def make(k: int) -> str:
        return f"{k} café 🦀 \ud800 \x00"

    assert collect(make, 12) == [make(k) for k in range(12)]


def big_store(path: Path, turns: int = 1500) -> Path:
    t = create_tract(path)
    t.system("Be brief.")
    with t.batch():
        for i in range(turns):
            t.user(f"step {i} ✓")
            t.assistant(f"done {i} 🦀")
    t.close()
    return path


def run_compile(store: Path, helper: str, *pipe: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, hp.HELPER_ENV: helper}
    cmd = [sys.executable, "-m", "tract_tui", "compile", "--json", str(store)]
    return subprocess.run(cmd, capture_output=True, env=env, check=False)


def test_compile_json_is_the_same_bytes_with_and_without_the_helper(tmp_path: Path) -> None:
    store = big_store(tmp_path / "s.db")
    helped = run_compile(store, "1")
    alone = run_compile(store, "0")
    assert helped.returncode == alone.returncode == 0
    assert helped.stderr == alone.stderr == b""
    assert helped.stdout == alone.stdout
    data = json.loads(helped.stdout)
    assert len(data["messages"]) == 3001 > hp.MIN_TEXTS * 256


def test_a_reader_that_goes_away_ends_both_processes_quietly(tmp_path: Path) -> None:
    store = big_store(tmp_path / "s.db")
    cmd = [sys.executable, "-m", "tract_tui", "compile", "--json", str(store)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()  # like `| head -c 100`
    assert proc.wait(timeout=60) == 1
    assert proc.stderr.read() == b""
    # A helper that outlived its parent would still run the same command line.
    assert not [p for p in Path("/proc").glob("[0-9]*") if str(store) in command_line(p)]


def command_line(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:  # gone meanwhile
        return ""
