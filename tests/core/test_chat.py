"""chat(), usage calibration and the token budget (scenarios #17, #18, #40).

The LLM endpoint is a real HTTP server on 127.0.0.1 (``http.server`` in a thread) speaking the
OpenAI chat-completions protocol: it answers from a script and records every request, so the
client's retries, auth handling and error paths run over a socket, not a mock.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core import Priority, Tract, create_tract
from core.engine.clock import FrozenClock
from core.engine.tokens import message_tokens
from core.errors import (
    BudgetExceededError,
    ContentValidationError,
    LLMConfigError,
    NotFoundError,
    TractError,
)
from core.llm.client import LLMAuthError, LLMError, LLMResponseError, OpenAICompatibleClient
from core.llm.config import LLMSettings
from core.models import content as c
from core.operations.budget import BudgetAction, TokenBudget
from core.operations.chat import ChatRefusedError, resolve_llm_kwargs
from tests.conftest import store_bytes

SECRET = "sk-test-DO-NOT-STORE-4f9a2b7c1d"
T0 = datetime(2026, 3, 1, 12, 0, 0)


# --- the fake endpoint --------------------------------------------------------------------


def completion(text: str, model: str = "fake-model-2024-06", usage: Any = None) -> dict:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
    }
    body["usage"] = (
        usage
        if usage is not None
        else {"prompt_tokens": 42, "completion_tokens": 5, "total_tokens": 47}
    )
    return body


class Endpoint:
    """Scripted answers: (status, body: dict | bytes, headers); default a completion."""

    def __init__(self) -> None:
        self.script: deque[tuple[int, Any, dict[str, str]]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def then(self, status: int, body: Any = None, **headers: str) -> Endpoint:
        self.script.append((status, body if body is not None else {"error": "x"}, headers))
        return self

    def answer(self) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            if self.script:
                return self.script.popleft()
            return 200, completion(f"reply {len(self.requests)}"), {}


def _handler(endpoint: Endpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with endpoint.lock:
                endpoint.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)}
                )
            status, body, headers = endpoint.answer()
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k.replace("_", "-"), v)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

    return Handler


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    ep = Endpoint()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ep))
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield ep, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def client(endpoint: tuple[Endpoint, str]) -> Iterator[OpenAICompatibleClient]:
    settings = LLMSettings(base_url=endpoint[1], model="gpt-test", api_key=SECRET, timeout=5)
    cl = OpenAICompatibleClient(settings, backoff_base=0.01, backoff_cap=0.02, jitter=0.0)
    yield cl
    cl.close()


@pytest.fixture
def tract(store_target: str) -> Iterator[Tract]:
    t = create_tract(store_target, clock=FrozenClock(T0))
    yield t
    t.close()


def n_records(t: Tract) -> int:
    return len(t.records())


# --- scenario #40 -------------------------------------------------------------------------


def test_chat_commits_sends_records_and_calibrates(tract: Tract, endpoint, client) -> None:
    ep, _ = endpoint
    system = tract.system("You are terse.")
    result = tract.chat("What is 2+2?", client=client, temperature=0.2, stop=["\n\n"])

    # The compiled messages were sent, with the key as bearer auth.
    assert len(ep.requests) == 1
    req = ep.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == f"Bearer {SECRET}"
    assert req["body"]["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is 2+2?"},
    ]
    assert req["body"]["model"] == "gpt-test"
    assert req["body"]["temperature"] == 0.2
    assert req["body"]["stop"] == ["\n\n"]

    # The user message and then the reply were committed, the reply with the response's model.
    log = tract.log()
    assert [x.commit_hash for x in log] == [
        result.reply.commit_hash,
        result.prompt.commit_hash,
        system.commit_hash,
    ]
    assert result.text == "reply 1"
    config = result.reply.generation_config
    assert config is not None
    assert config["model"] == "fake-model-2024-06"
    assert config["temperature"] == 0.2 and config["stop_sequences"] == ["\n\n"]
    assert config["usage"] == {"prompt_tokens": 42, "completion_tokens": 5, "total_tokens": 47}
    assert tract.get_commit(result.reply.commit_hash).generation_config == config  # stored

    # Exactly one record: what was sent, written before the reply.
    records = tract.records()
    assert len(records) == 1
    rec = tract.get_record(records[0].record_id)
    assert rec.record_id == result.record_id
    assert rec.params == {"purpose": "chat", "model": "gpt-test"}
    assert rec.head_hash == result.prompt.commit_hash
    assert list(rec.effectives) == list(result.sent.commit_hashes)
    assert list(rec.effectives) == [system.commit_hash, result.prompt.commit_hash]
    assert rec.created_at < result.reply.created_at

    # Usage calibrated the head that was sent; the reply adds only its estimate.
    sent = tract.compile(at=result.prompt.commit_hash)
    assert (sent.token_count, sent.token_source) == (42, "api:42+5")
    now = tract.compile()
    reply_tokens = message_tokens(tract.ctx.counter, "assistant", "reply 1", None)
    assert (now.token_count, now.token_source) == (42 + reply_tokens, "api:42+5")

    # A plain compile writes no record.
    tract.compile()
    tract.compile(at=system.commit_hash)
    assert n_records(tract) == 1


def test_chat_inside_batch_is_refused(tract: Tract, endpoint, client) -> None:
    ep, _ = endpoint
    tract.system("s")
    with pytest.raises(ChatRefusedError), tract.batch():
        tract.chat("hi", client=client)
    assert ep.requests == []
    assert len(tract.log()) == 1 and n_records(tract) == 0


def test_record_survives_a_failed_call(tract: Tract, endpoint, client) -> None:
    ep, _ = endpoint
    ep.then(500).then(500).then(500)
    tract.system("s")
    with pytest.raises(LLMError, match=r"HTTP 500\) after 3 attempts") as err:
        tract.chat("hello?", client=client)
    assert len(ep.requests) == 3
    assert SECRET not in str(err.value)
    head = tract.log()[0]
    assert head.content_type == "dialogue" and head.message == "dialogue: hello?"  # no reply
    (rec,) = tract.records()
    assert rec.head_hash == head.commit_hash and rec.params["purpose"] == "chat"


def test_retries_429_and_500_then_succeeds(tract: Tract, endpoint, client) -> None:
    ep, _ = endpoint
    ep.then(429, Retry_After="0").then(503)
    result = tract.chat("hi", client=client)
    assert len(ep.requests) == 3 and result.text == "reply 3"
    assert n_records(tract) == 1  # one call, one record, however many attempts


def test_401_is_not_retried(tract: Tract, endpoint, client) -> None:
    ep, _ = endpoint
    ep.then(401)
    with pytest.raises(LLMAuthError) as err:
        tract.chat("hi", client=client)
    assert len(ep.requests) == 1 and SECRET not in str(err.value)
    assert n_records(tract) == 1


@pytest.mark.parametrize("body", [b"{not json", {"id": "x", "object": "error"}])
def test_malformed_response_is_an_llm_response_error(tract, endpoint, client, body) -> None:
    ep, _ = endpoint
    ep.then(200, body)
    with pytest.raises(LLMResponseError):
        tract.chat("hi", client=client)
    assert len(ep.requests) == 1 and len(tract.log()) == 1  # prompt only


def test_api_key_never_reaches_the_store(store_target: str, endpoint, client) -> None:
    ep, _ = endpoint
    with create_tract(store_target) as t:
        t.chat("one", client=client, temperature=0)
        ep.then(401)
        with pytest.raises(LLMAuthError):
            t.chat("two", client=client)
    assert SECRET not in repr(client.settings)
    assert SECRET.encode() not in store_bytes(store_target)


def test_client_from_environment(tract, endpoint, monkeypatch, tmp_path) -> None:
    ep, url = endpoint
    monkeypatch.setenv("TRACT_TUI_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("TRACT_OPENAI_BASE_URL", url + "/")
    monkeypatch.setenv("TRACT_OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("TRACT_CHAT_MODEL", "env-model")
    result = tract.chat("hi")
    assert ep.requests[0]["body"]["model"] == "env-model"
    assert tract.get_record(result.record_id).params["model"] == "env-model"
    monkeypatch.delenv("TRACT_OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMConfigError):
        tract.chat("no key")
    assert len(tract.log()) == 2  # nothing committed without a client


def test_bad_base_url_is_a_config_error_without_retries(tract: Tract) -> None:
    settings = LLMSettings(base_url="localhost:1/v1", model="m", api_key=SECRET)
    cl = OpenAICompatibleClient(settings, backoff_base=30.0)  # a retry would hang the test
    try:
        with pytest.raises(LLMConfigError, match="not a valid http"):
            tract.chat("hi", client=cl)
    finally:
        cl.close()


def test_resolve_llm_kwargs_layers_and_aliases() -> None:
    got = resolve_llm_kwargs(
        {"model": "call", "stop": ["x"], "extra": {"seed": 1}, "messages": [], "top_p": None},
        {"model": "config", "max_completion_tokens": 9, "extra": {"seed": 0, "user": "u"}},
    )
    assert got == {
        "model": "call",
        "stop_sequences": ["x"],
        "max_tokens": 9,
        "extra": {"seed": 1, "user": "u"},
    }


# --- scenario #17: usage calibration ------------------------------------------------------


@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens": 500, "completion_tokens": 20, "total_tokens": 520},
        {"input_tokens": 500, "output_tokens": 20},
    ],
)
def test_record_usage_calibrates_head(tract: Tract, usage: dict) -> None:
    tract.system("You are helpful.")
    tract.user("Hello")
    ctx = tract.record_usage(usage)
    assert (ctx.token_count, ctx.token_source) == (500, "api:500+20")
    assert (tract.compile().token_count, tract.compile().token_source) == (500, "api:500+20")
    tract.user("A follow-up question")
    estimate = message_tokens(tract.ctx.counter, "user", "A follow-up question", None)
    after = tract.compile()
    assert (after.token_count, after.token_source) == (500 + estimate, "api:500+20")
    # Rebuilt from scratch (cache cleared), the calibration still applies.
    tract.compiler.clear()
    assert tract.compile().token_count == 500 + estimate
    # Time travel bypasses it: an exact recount.
    assert tract.compile(at_time=T0 + timedelta(days=1)).token_source == "tiktoken:cl100k_base"


@pytest.mark.parametrize(
    "usage",
    [
        {},
        {"prompt_tokens": 5},
        {"tokens": 5, "completion_tokens": 1},
        {"prompt_tokens": True, "completion_tokens": 1},
        {"input_tokens": -1, "output_tokens": 1},
        "100",
        None,
    ],
)
def test_record_usage_rejects_unknown_shapes(tract: Tract, usage: Any) -> None:
    tract.user("x")
    with pytest.raises(ContentValidationError):
        tract.record_usage(usage)


def test_record_usage_needs_commits_and_head(tract: Tract) -> None:
    with pytest.raises(NotFoundError):
        tract.record_usage({"prompt_tokens": 1, "completion_tokens": 1})
    first = tract.user("one")
    tract.user("two")
    with pytest.raises(TractError, match="HEAD only"):
        tract.record_usage({"prompt_tokens": 1, "completion_tokens": 1}, head=first.commit_hash)
    assert tract.record_usage({"prompt_tokens": 9, "completion_tokens": 1}, head="HEAD")
    assert tract.compile().token_count == 9


# --- scenario #18: budget -----------------------------------------------------------------


def test_budget_reject_refuses_and_writes_nothing(tract: Tract) -> None:
    tract.system("You are helpful.")
    current = tract.compile().token_count
    add = message_tokens(tract.ctx.counter, "user", "just fits", None)
    tract.budget = TokenBudget(current + add, BudgetAction.REJECT)
    tract.user("just fits")  # exactly at the limit is allowed
    assert tract.compile().token_count == current + add  # the projection was exact
    before = tract.log(limit=None)
    with pytest.raises(BudgetExceededError) as err:
        tract.user("one more message")
    assert err.value.maximum == current + add and err.value.current > err.value.maximum
    assert tract.log(limit=None) == before


def test_budget_warn_and_callback(tract: Tract, caplog: pytest.LogCaptureFixture) -> None:
    tract.budget = TokenBudget(5, BudgetAction.WARN)
    with caplog.at_level(logging.WARNING, logger="core.budget"):
        tract.user("this is more than five tokens for sure")
    assert "token budget exceeded" in caplog.text
    seen: list[tuple[int, int]] = []
    tract.budget = TokenBudget(5, BudgetAction.CALLBACK, lambda cur, mx: seen.append((cur, mx)))
    tract.user("again")
    assert seen and seen[0][1] == 5 and seen[0][0] == tract.compile().token_count
    assert len(tract.log()) == 2


def test_budget_ignores_skipped_content(tract: Tract) -> None:
    big = tract.user("lorem ipsum " * 200)
    tract.annotate(big.commit_hash, Priority.SKIP, "too long")
    tract.budget = TokenBudget(60, BudgetAction.REJECT)
    tract.user("a short question")  # raw history is ~400 tokens; the compiled size is tiny
    assert tract.compile().token_count <= 60


def test_budget_edit_replaces_the_target_tokens(tract: Tract) -> None:
    target = tract.user("lorem ipsum " * 50)
    size = tract.compile().token_count
    tract.budget = TokenBudget(size, BudgetAction.REJECT)
    tract.edit(target.commit_hash, c.dialogue("user", "short"))  # shrinks: allowed
    assert tract.compile().token_count < size


def test_chat_over_budget_sends_nothing(tract: Tract, endpoint, client) -> None:
    ep, _ = endpoint
    tract.system("You are helpful.")
    tract.budget = TokenBudget(tract.compile().token_count, BudgetAction.REJECT)
    with pytest.raises(BudgetExceededError):
        tract.chat("this would not fit", client=client)
    assert ep.requests == [] and n_records(tract) == 0 and len(tract.log()) == 1
