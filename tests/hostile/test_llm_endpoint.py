"""A hostile LLM endpoint (a real HTTP server on 127.0.0.1): it times out, answers 500, answers
malformed JSON, or answers an empty summary. Compress fails with a one-line error, the store is
byte-for-byte untouched and holds no error text; and the API key never reaches the store (file
and write-ahead log), any log record (every logger at DEBUG, httpx and httpcore included), an
error message, or the screen.

Per-failure error types are in tests/core/test_compress.py (test_failing_summarizer_*,
test_llm_timeout_is_an_error); the key-not-stored check for chat is in tests/core/test_chat.py.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import Tract, create_tract
from core.errors import TractError
from core.llm.client import OpenAICompatibleClient
from core.llm.config import LLMSettings, resolve_settings
from tests.core._llm_server import Step, completion, llm_server
from tests.pilot_helpers import wait_for
from tests.tui.conftest import screen_text
from tract_tui.app import TractApp
from tract_tui.screens.compress import CompressScreen
from tract_tui.widgets.graph_view import GraphView

KEY = "sk-hostile-KEY-4242-never-anywhere"
ERROR_TEXT = "upstream-exploded-7731"  # what a failing endpoint says; never stored

FAILURES = {
    "timeout": [Step(200, completion("late"), delay=1.0)] * 3,
    "http_500": [Step(500, {"error": {"message": ERROR_TEXT}})] * 3,
    "malformed_json": [Step(200, "{" + ERROR_TEXT)],
    "no_choices": [Step(200, {"error": ERROR_TEXT})],
    "empty_summary": [Step(200, completion("   \n "))],
}


def store_digest(path: Path) -> tuple[str, ...]:
    return tuple(
        hashlib.sha256(p.read_bytes() if p.exists() else b"").hexdigest()
        for p in (path, Path(f"{path}-wal"))
    )


def store_contents(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of every logger, at DEBUG (httpx and httpcore log requests)."""
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "core", "tract_tui"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def assert_no_key_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert KEY not in record.getMessage(), record.name
        assert KEY not in repr(record.args), record.name
    assert KEY not in caplog.text


def client_for(base_url: str, timeout: float = 0.3) -> OpenAICompatibleClient:
    settings = LLMSettings(base_url=base_url, model="m", api_key=KEY, timeout=timeout)
    return OpenAICompatibleClient(settings, backoff_base=0.01, backoff_cap=0.02, jitter=0.0)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with create_tract(path) as t:
        t.system("sys")
        for i in range(4):
            t.user(f"question {i}")
            t.assistant(f"answer {i}")
    return path


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failing_endpoint_leaves_store_byte_identical(
    store: Path, failure: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    with Tract.open(str(store)) as t:
        before = store_digest(store)
        with llm_server() as server:
            server.script(*FAILURES[failure])
            with pytest.raises(TractError) as err:
                t.compress(summarizer="llm", client=client_for(server.base_url))
        message = str(err.value)
        assert message and "\n" not in message and len(message) < 300
        assert KEY not in message and ERROR_TEXT not in message
        assert server.auth_headers[0] == f"Bearer {KEY}"  # the key was sent, only there
        assert store_digest(store) == before
    data = store_contents(store)
    assert KEY.encode() not in data and ERROR_TEXT.encode() not in data
    assert_no_key_in_logs(debug_logs)


def test_successful_call_keeps_the_key_out_of_store_and_logs(
    store: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    with Tract.open(str(store)) as t, llm_server() as server:
        server.script(Step(200, completion("Summary: questions 0-3 answered.")))
        result = t.compress(summarizer="llm", client=client_for(server.base_url, timeout=5))
        assert result.summaries
    assert any(r.name.startswith("httpx") for r in debug_logs.records)  # logging did run
    assert_no_key_in_logs(debug_logs)
    assert KEY.encode() not in store_contents(store)


def test_key_in_the_base_url_is_masked(store: Path) -> None:
    """A key pasted into the URL (``http://user:KEY@host``) stays out of error messages."""
    with Tract.open(str(store)) as t, llm_server() as server:
        server.script(Step(200, "not json"))
        url = server.base_url.replace("http://", f"http://user:{KEY}@")
        with pytest.raises(TractError) as err:
            t.compress(summarizer="llm", client=client_for(url))
    assert KEY not in str(err.value) and "127.0.0.1" in str(err.value)


def test_settings_repr_masks_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACT_OPENAI_API_KEY", KEY)
    settings = resolve_settings(config={})
    assert settings.api_key == KEY
    assert KEY not in repr(settings) and KEY not in str(settings) and "***" in repr(settings)


@pytest.mark.anyio
@pytest.mark.parametrize("failure", ["malformed_json", "no_choices"])
async def test_tui_compress_failure_shows_no_key(
    store: Path, failure: str, monkeypatch: pytest.MonkeyPatch, debug_logs: pytest.LogCaptureFixture
) -> None:
    with llm_server() as server:
        server.script(*FAILURES[failure])
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.delenv("TRACT_OPENAI_API_KEY", raising=False)
        monkeypatch.delenv("TRACT_OPENAI_BASE_URL", raising=False)
        monkeypatch.setenv("TRACT_TUI_CONFIG", os.devnull)
        before = store_digest(store)
        app = TractApp(Tract.open(str(store)))
        async with app.run_test(size=(120, 34), notifications=True) as pilot:
            graph = app.screen.query_one(GraphView)
            await wait_for(pilot, lambda: graph.model.complete and len(graph.model) == 9)
            graph.move_to(len(graph.model) - 2)  # the first question
            await pilot.press("z")  # compress the selected commit .. HEAD
            await wait_for(pilot, lambda: isinstance(app.screen, CompressScreen))
            screen = app.screen
            assert isinstance(screen, CompressScreen)
            await wait_for(pilot, lambda: screen.preview is not None)
            screen.select_summarizer("llm")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen.cancel_event is None and server.requests)
            await wait_for(pilot, lambda: "127.0.0.1" in screen_text(app))
            text = screen_text(app)
            assert KEY not in text and ERROR_TEXT not in text
            assert isinstance(app.screen, CompressScreen)  # the dialog stays, with the error
            assert all(KEY not in n.message for n in app._notifications)
        assert server.auth_headers == [f"Bearer {KEY}"]
    assert store_digest(store) == before
    assert_no_key_in_logs(debug_logs)
