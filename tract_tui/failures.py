"""What a person sees when something fails, and where the details go.

A toast is one sentence: what failed and why, in words, then where the details are. It never
shows SQL, bound parameters or a traceback (a store error's text carries its statement and
parameters). The details — the exception with its traceback — go to one rotating log file in
the user's log directory, named in the toast. Our own errors (``TractError``: a refusal, an
unknown ref) are already one clear sentence and are not logged.
"""

from __future__ import annotations

import logging
import logging.handlers
import threading
from dataclasses import dataclass
from pathlib import Path

from core import TractError
from core.views.text import display_line, truncate

LOG_NAME = "tract-tui.log"
LOG_BYTES = 1_000_000  # one file this big, plus the one before it
REASON_CELLS = 160

_logger = logging.getLogger("tract_tui.failures")
_logger.propagate = False  # never onto the terminal the app draws on
_logger.setLevel(logging.INFO)
_lock = threading.Lock()


def log_path() -> Path:
    """``$XDG_STATE_HOME/tract-tui/log/tract-tui.log`` on Linux (platformdirs elsewhere)."""
    import platformdirs

    return Path(platformdirs.user_log_dir("tract-tui")) / LOG_NAME


def _handler_for(path: Path) -> logging.Handler:
    """The log's one handler, re-made when the path changes (a test moves the state dir)."""
    for handler in _logger.handlers:
        if isinstance(handler, logging.FileHandler) and Path(handler.baseFilename) == path:
            return handler
    for handler in list(_logger.handlers):
        _logger.removeHandler(handler)
        handler.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=1, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    _logger.addHandler(handler)
    return handler


def log_failure(what: str, error: BaseException) -> Path | None:
    """Write ``error`` with its traceback to the log; its path, or None if it cannot be
    written (a read-only home must not turn one failure into two)."""
    path = log_path()
    try:
        with _lock:
            _handler_for(path)
            _logger.error("%s", what, exc_info=(type(error), error, error.__traceback__))
    except OSError:
        return None
    return path


def reason(error: BaseException) -> str:
    """Why, in one line of words. A store driver's error wrapped by the storage layer says it
    in its ``orig`` (the wrapper's own text appends the statement and its parameters, which a
    person must never be shown); anything else says it in its text, cut before any ``[SQL:``
    that slipped in, and is named by its type when it says nothing."""
    orig = getattr(error, "orig", None)
    text = str(orig) if isinstance(orig, BaseException) else str(error)
    text = text.split("[SQL:", 1)[0].strip()
    line = text.splitlines()[0].strip() if text else ""
    return truncate(display_line(line or type(error).__name__), REASON_CELLS)


@dataclass(frozen=True)
class Failure:
    what: str  # "Could not compile"
    error: BaseException
    reason: str  # one safe line
    log: Path | None

    @property
    def because(self) -> str:
        """Why, and where the details are: for a place that already says what failed."""
        where = f" (details in {self.log})" if self.log is not None else ""
        return f"{self.reason}{where}"

    @property
    def sentence(self) -> str:
        """What failed, why, and where the details are: a toast."""
        return f"{self.what}: {self.because}"


def failure(what: str, error: BaseException) -> Failure:
    """Describe ``error`` for a person. Our own errors (a refusal, an unknown ref) say all
    there is to say; anything else is logged with its traceback, and the log named."""
    if isinstance(error, TractError):
        return Failure(what, error, reason(error), None)
    return Failure(what, error, reason(error), log_failure(what, error))
