"""An OpenAI-compatible chat-completions client over httpx (docs/behaviour.md §13).

Retries 429, 500, 502, 503, 504, connection errors and timeouts with exponential backoff
(1–30 s plus up to 2 s jitter; a 429's Retry-After is honoured), 3 attempts in all. 401/403
fail at once. Errors are one line and never contain the key. A cancel event stops waiting.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from core.errors import LLMConfigError, TractError
from core.llm.config import LLMSettings

if TYPE_CHECKING:
    import httpx  # imported where a client is made: no start pays for it (~0.3 s)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Keys a caller may not smuggle into the request body (docs/behaviour.md §13: plumbing keys).
PLUMBING_KEYS = frozenset(
    {
        "messages",
        "tools",
        "tool_choice",
        "stream",
        "response_format",
        "n",
        "logprobs",
        "top_logprobs",
        "functions",
        "function_call",
        "system",
        "metadata",
    }
)


class LLMError(TractError):
    """The endpoint failed; the message says how, without secrets."""


class LLMAuthError(LLMError):
    pass


class LLMRateLimitError(LLMError):
    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMResponseError(LLMError):
    pass


class LLMCancelled(LLMError):
    pass


class ChatClient(Protocol):
    def chat(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]: ...


def response_text(response: Mapping[str, Any]) -> str:
    """``choices[0].message.content``; anything else is an LLM-response error."""
    try:
        content = response["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise LLMResponseError("LLM response has no choices[0].message.content") from None
    if not isinstance(content, str):
        raise LLMResponseError("LLM response content is not text")
    return content


def response_usage(response: Mapping[str, Any]) -> dict[str, int] | None:
    usage = response.get("usage")
    if not isinstance(usage, Mapping):
        return None
    out = {k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)}
    return out or None


class OpenAICompatibleClient:
    """Thread-safe; one httpx client reused for every call."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        sleep: Callable[[float], None] | None = None,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        jitter: float = 2.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        self.settings = settings
        self._sleep = sleep
        self._base = backoff_base
        self._cap = backoff_cap
        self._jitter = jitter
        self._http = httpx.Client(timeout=settings.timeout, transport=transport)
        self.cancel_event = threading.Event()

    def close(self) -> None:
        self._http.close()

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            return
        if self.cancel_event.wait(seconds):
            raise LLMCancelled("LLM call cancelled")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self._cap)
        backoff = float(min(self._base * (2 ** (attempt - 1)), self._cap))
        return backoff + random.uniform(0, self._jitter)

    def chat(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        model: str | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            k: v for k, v in kwargs.items() if k not in PLUMBING_KEYS and v is not None
        }
        body["model"] = model or self.settings.model
        body["messages"] = [dict(m) for m in messages]
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        import httpx

        headers = {"Authorization": f"Bearer {self.settings.api_key}"}
        url = _display_url(self.settings.endpoint)
        attempts = max(1, self.settings.max_attempts)
        last: LLMError | None = None
        for attempt in range(1, attempts + 1):
            if self.cancel_event.is_set():
                raise LLMCancelled("LLM call cancelled")
            retry_after: float | None = None
            try:
                resp = self._http.post(self.settings.endpoint, json=body, headers=headers)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL):
                # A bad base URL never heals: no retry (InvalidURL is no HTTPError at all).
                raise LLMConfigError(f"LLM endpoint {url} is not a valid http(s) URL") from None
            except httpx.TimeoutException:
                last = LLMError(f"LLM endpoint {url} timed out after {self.settings.timeout:g} s")
            except httpx.HTTPError as exc:
                last = LLMError(f"LLM endpoint {url} unreachable ({type(exc).__name__})")
            else:
                if resp.status_code in (401, 403):
                    raise LLMAuthError(
                        f"LLM endpoint {url} refused the API key (HTTP {resp.status_code})"
                    )
                if resp.status_code in RETRY_STATUSES:
                    retry_after = _retry_after(resp)
                    if resp.status_code == 429:
                        last = LLMRateLimitError(
                            f"LLM endpoint {url} is rate limiting (HTTP 429)", retry_after
                        )
                    else:
                        last = LLMError(f"LLM endpoint {url} failed (HTTP {resp.status_code})")
                elif resp.status_code >= 400:
                    raise LLMError(
                        f"LLM endpoint {url} rejected the request (HTTP {resp.status_code})"
                    )
                elif not 200 <= resp.status_code < 300:  # e.g. a redirect httpx did not follow
                    raise LLMError(
                        f"LLM endpoint {url} answered HTTP {resp.status_code}, not a completion"
                    )
                else:
                    try:
                        data = resp.json()
                    except (json.JSONDecodeError, ValueError):
                        raise LLMResponseError(
                            f"LLM endpoint {url} returned malformed JSON"
                        ) from None
                    if not isinstance(data, dict) or "choices" not in data:
                        raise LLMResponseError(f"LLM endpoint {url} returned no choices")
                    return data
            if attempt < attempts:
                self._wait(self._delay(attempt, retry_after))
        assert last is not None
        raise type(last)(
            f"{last} after {attempts} attempts",
            *([last.retry_after] if isinstance(last, LLMRateLimitError) else []),
        )


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _display_url(url: str) -> str:
    """The URL for messages: credentials in it (``https://user:key@host``) are masked."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return "(invalid URL)"
    if parsed.userinfo:
        return str(parsed.copy_with(username=None, password=None))
    return url
