"""A real OpenAI-compatible HTTP endpoint on 127.0.0.1 for tests: scripted replies, recorded
requests. Each scripted step is a status code plus a body (dict → JSON, str → raw text)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def completion(text: str, model: str = "test-model", usage: dict[str, int] | None = None) -> dict:
    return {
        "id": "cmpl-test",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
        "usage": usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


@dataclass
class Step:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeEndpoint:
    steps: list[Step] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: list[str] = field(default_factory=list)
    base_url: str = ""
    default: Step | None = None

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def next_step(self) -> Step:
        if self.steps:
            return self.steps.pop(0)
        return self.default or Step(200, completion("default summary"))


@contextmanager
def llm_server() -> Iterator[FakeEndpoint]:
    endpoint = FakeEndpoint()
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length)
            try:
                endpoint.requests.append(json.loads(raw))
            except ValueError:
                endpoint.requests.append({"_raw": raw.decode("utf-8", "replace")})
            endpoint.auth_headers.append(self.headers.get("authorization", ""))
            step = endpoint.next_step()
            if step.delay:
                stop.wait(step.delay)
            body = step.body
            data = (
                body.encode()
                if isinstance(body, str)
                else json.dumps(body if body is not None else {}).encode()
            )
            try:
                self.send_response(step.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in step.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield endpoint
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
