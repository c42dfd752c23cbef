"""OpenTelemetry GenAI samples: four dialects of one chat call give one context; OTLP JSON
envelopes; a conversation whose calls extend and diverge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import import_sessions
from tests.sessions._helpers import Imported, sample, samples_dir

OT = "otel-genai/Arize-ai__openinference__"
CHAT_SAMPLES = [
    "otel_genai_client_span_tool_calls.json",  # gen_ai.input.messages / output.messages
    "otel_genai_deprecated_client_span_tool_calls.json",  # gen_ai.prompt / completion
    "openinference_client_span_tool_calls.json",  # llm.input_messages.N.*
    "openinference_client_span_input_output_only.json",  # input.value / output.value
]
WEATHER = "The weather in Paris is currently rainy with a temperature of 57°F."


def _tool(direction: str, name: str, body: dict) -> str:
    head = f"Tool {direction}: {name}" + (" (success)" if direction == "result" else "")
    return f"{head}\n{json.dumps(body, indent=2, sort_keys=True)}"


EXPECTED = [
    ("user", "Weather in Paris?"),
    ("assistant", "Absolutely! Let me check the weather for you."),
    ("tool", _tool("call", "get_weather", {"location": "Paris", "tool_call_id": "1234"})),
    ("tool", _tool("result", "get_weather", {"output": "rainy, 57°F", "tool_call_id": "1234"})),
    ("assistant", WEATHER),
]


@pytest.mark.parametrize("name", CHAT_SAMPLES)
def test_every_dialect_gives_the_same_call(tmp_path: Path, store_target: str, name: str) -> None:
    summary = import_sessions(sample(OT + name, tmp_path / "in"), store_target, create=True)
    [tract] = summary.tract_ids()
    t = Imported(store_target, tract)
    try:
        assert t.context("main") == EXPECTED
        # The call's record is exactly its input; the output follows it.
        [(head, ctx, tokens, source)] = t.records()
        assert ctx == t.context_ids("main")[:4] and head == ctx[-1]
        assert (tokens, source) == (97, "api:97+52")
    finally:
        t.close()


def test_tool_execution_span(tmp_path: Path, store_target: str) -> None:
    path = sample(OT + "otel_genai_tool_execution_span.json", tmp_path / "in")
    summary = import_sessions(path, store_target, create=True)
    t = Imported(store_target, summary.tract_ids()[0])
    try:
        report = (
            '{"status": "success", "report": "The weather in New York is sunny with a '
            'temperature of 25 degrees Celsius (77 degrees Fahrenheit)."}'
        )
        assert t.context("main") == [
            ("tool", _tool("call", "get_weather", {"city": "New York", "tool_call_id": "1234"})),
            ("tool", _tool("result", "get_weather", {"output": report, "tool_call_id": "1234"})),
        ]
        assert t.records() == []
    finally:
        t.close()


def _otlp(spans: list[tuple[str, int, dict]]) -> dict:
    def value(v: object) -> dict:
        if isinstance(v, bool):
            return {"boolValue": v}
        if isinstance(v, int):
            return {"intValue": str(v)}
        if isinstance(v, float):
            return {"doubleValue": v}
        if isinstance(v, list):
            return {"arrayValue": {"values": [value(x) for x in v]}}
        return {"stringValue": str(v)}

    return {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "scope": {"name": "test"},
                        "spans": [
                            {
                                "traceId": "5b8efff798038103d269b633813fc60c",
                                "spanId": span_id,
                                "name": "chat gpt-4",
                                "startTimeUnixNano": str(start),
                                "endTimeUnixNano": str(start + 1_000_000),
                                "attributes": [
                                    {"key": k, "value": value(v)} for k, v in attrs.items()
                                ],
                            }
                            for span_id, start, attrs in spans
                        ],
                    }
                ],
            }
        ]
    }


def test_flat_map_in_an_otlp_envelope(tmp_path: Path, store_target: str) -> None:
    attrs = json.loads((samples_dir() / (OT + CHAT_SAMPLES[0])).read_text("utf-8"))
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(_otlp([("eee19b7ec3c1b174", 1_700_000_000_000_000_000, attrs)])))
    import_sessions(path, store_target, create=True)
    t = Imported(store_target, "5b8efff798038103d269b633813fc60c")  # the trace
    try:
        assert t.context("main") == EXPECTED
        [rec] = t.tract.records()
        assert rec.params is not None and rec.params["span_id"] == "eee19b7ec3c1b174"
    finally:
        t.close()


def _chat(messages: list[tuple[str, str]], reply: str, usage: int) -> dict:
    parts = [{"role": r, "parts": [{"type": "text", "content": c}]} for r, c in messages]
    out = [{"role": "assistant", "parts": [{"type": "text", "content": reply}]}]
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4",
        "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be brief."}]),
        "gen_ai.input.messages": json.dumps(parts),
        "gen_ai.output.messages": json.dumps(out),
        "gen_ai.usage.input_tokens": usage,
        "gen_ai.usage.output_tokens": 3,
    }


def test_calls_extend_and_diverge(tmp_path: Path, store_target: str) -> None:
    t0 = 1_700_000_000_000_000_000
    spans = [
        ("a1", t0, _chat([("user", "Hi")], "Hello!", 10)),
        # extends the first call by its reply and one question: two commits only
        (
            "a2",
            t0 + 10**9,
            _chat([("user", "Hi"), ("assistant", "Hello!"), ("user", "Weather?")], "Sunny.", 20),
        ),
        # diverges after the first reply (an edited question): a branch
        (
            "a3",
            t0 + 2 * 10**9,
            _chat([("user", "Hi"), ("assistant", "Hello!"), ("user", "Time?")], "Noon.", 21),
        ),
    ]
    path = tmp_path / "trace.json"
    path.write_text(json.dumps(_otlp(spans)))
    summary = import_sessions(path, store_target, create=True)
    [out] = summary.tracts
    assert len(out.commits) == 7  # instructions, Hi, Hello!, Weather?, Sunny., Time?, Noon.
    assert set(out.branches) == {
        "main",
        out.branches and next(b for b in out.branches if b != "main"),
    }
    t = Imported(store_target, "5b8efff798038103d269b633813fc60c")
    try:
        assert [c for _, c in t.context("main")] == ["Be brief.", "Hi", "Hello!", "Time?", "Noon."]
        fork = next(b for b in t.branches() if b != "main")
        assert [c for _, c in t.context(fork)] == [
            "Be brief.",
            "Hi",
            "Hello!",
            "Weather?",
            "Sunny.",
        ]
        recs = t.records()
        assert [len(ctx) for _, ctx, _, _ in recs] == [2, 4, 4]
        assert [src for *_, src in recs] == ["api:10+3", "api:20+3", "api:21+3"]
        # The second and third records share the first call's context and reply.
        assert recs[1][1][:3] == recs[2][1][:3] == [*recs[0][1], t.context_ids("main")[2]]
    finally:
        t.close()
