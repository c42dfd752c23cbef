"""Texts made in order by two processes: this one and a forked helper.

``compile --json`` of a long history spends about half its time turning messages into JSON
text, and the machines it runs on have a second core. After the compile is read (the store
closed), a forked helper makes every other text while this process makes the rest and writes
them all in order. The helper writes nothing but its texts, framed on a pipe; only this
process touches stdout, so a closed pipe, Ctrl-C or an error behave as without a helper.

A process too big to copy twice (a 1M-message compile) makes no helper (``HELPER_MAX_BYTES``
says why). If the helper cannot be made, or stops for any reason (killed, out of memory, a
bug), this process makes the texts it did not send: the output is the same bytes either way
(a helper is only ever a speed-up); tests/test_helper_process.py checks each way it can fail.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

# Fewer texts than this are made here alone: a fork costs more than it saves.
MIN_TEXTS = 8
# The pipe holds a few texts (~160 KB each) so the helper seldom waits for this process.
PIPE_BYTES = 1 << 20
# Which texts the helper makes, by k % 2: every other one. (Three in five was slower: the
# helper pays for copying each page of the parent's it writes to, refcounts included.)
HELPER_MAKES = (False, True)
_HEADER = struct.Struct("<Q")
# Set to "0" to make every text in this process (for comparing timings).
HELPER_ENV = "TRACT_TUI_HELPER"
# Forked memory is shared until written, and CPython writes to every object it reads (its
# reference count), so the two processes come to copy most pages they touch: up to this
# process's whole size again. Above this size no helper is made. A 1M-message compile (~670
# MB) then stays under 1 GB in all, and gained little there anyway: copying its pages, a
# page fault at a time, cost the two processes most of what the split saved.
HELPER_MAX_BYTES = 400 << 20


def helper_allowed(count: int) -> bool:
    """Whether a helper may be forked for ``count`` texts: enough of them, a fork to make one
    with, a second CPU to run it on, no other thread that a fork would copy mid-step, and
    memory to spare for the pages it will copy."""
    return (
        count >= MIN_TEXTS
        and os.environ.get(HELPER_ENV, "1") != "0"
        and hasattr(os, "fork")
        and _cpus() >= 2
        and not _other_threads()
        and _resident_bytes() <= HELPER_MAX_BYTES
    )


def _other_threads() -> bool:
    return threading.active_count() > 1


def _resident_bytes() -> int:
    """This process's resident memory now (Linux); where that cannot be read, as if over
    the limit (no helper)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return HELPER_MAX_BYTES + 1


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@contextlib.contextmanager
def texts_in_order(make: Callable[[int], str], count: int) -> Iterator[Iterator[str]]:
    """``make(0)``, ..., ``make(count - 1)`` in order; a forked helper makes the odd ones
    when :func:`helper_allowed`. ``make`` must read nothing that the fork does not copy (no
    open store) and have no effect beyond its text. Leaving the block stops the helper."""
    helper = _Helper.start(make, count) if helper_allowed(count) else None
    if helper is None:
        yield (make(k) for k in range(count))
        return
    try:
        yield helper.texts()
    finally:
        helper.stop()


class _Helper:
    def __init__(self, make: Callable[[int], str], count: int, pid: int, pipe: BinaryIO):
        self.make = make
        self.count = count
        self.pid = pid
        self.pipe = pipe
        self.alive = True

    @classmethod
    def start(cls, make: Callable[[int], str], count: int) -> _Helper | None:
        # Anything buffered would be written again by the helper's exit otherwise.
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        with contextlib.suppress(AttributeError, OSError):  # Linux only; a bigger buffer
            import fcntl

            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        try:
            pid = os.fork()
        except OSError:  # no memory or process left for it
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the helper: never returns
            os.close(read_end)
            _serve(make, count, write_end)
        os.close(write_end)
        return cls(make, count, pid, os.fdopen(read_end, "rb"))

    def texts(self) -> Iterator[str]:
        for k in range(self.count):
            text = self._received() if _helpers(k) and self.alive else None
            yield self.make(k) if text is None else text

    def _received(self) -> str | None:
        """The helper's next text; None once it has stopped without sending it."""
        header = self.pipe.read(_HEADER.size)
        if len(header) == _HEADER.size:
            (size,) = _HEADER.unpack(header)
            data = self.pipe.read(size)
            if len(data) == size:
                return data.decode("utf-8", "surrogatepass")
        self.alive = False
        return None

    def stop(self) -> None:
        self.pipe.close()  # a helper still writing gets EPIPE and exits
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(self.pid, 0)


def _serve(make: Callable[[int], str], count: int, pipe: int) -> None:
    """The helper's whole life: make the odd texts and send them, then exit without Python's
    teardown (what it inherited belongs to the parent: buffers, files, atexit hooks)."""
    code = 0
    try:
        # Ctrl-C reaches the whole process group: the parent says "interrupted", the helper
        # just ends. Its collector must not walk (and so copy) the parent's objects.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        gc.freeze()
        for k in filter(_helpers, range(count)):
            data = make(k).encode("utf-8", "surrogatepass")
            _write_all(pipe, _HEADER.pack(len(data)) + data)
    except BaseException:  # the parent makes what was not sent; nothing to say here
        code = 1
    finally:
        os._exit(code)


def _helpers(k: int) -> bool:
    return HELPER_MAKES[k % len(HELPER_MAKES)]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
