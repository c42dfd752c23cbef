"""OpenTelemetry GenAI spans → tract plans (docs/sessions.md, "OpenTelemetry").

Input: OTLP JSON (``resourceSpans[].scopeSpans[].spans[]``, one document or one per line) or
flat attribute maps (one object, a list of them, or one per line). Spans are grouped into
conversations (``gen_ai.conversation.id``, else the trace) and taken in start order.

A chat span's input messages are exactly what the model saw. They are laid down as a path of
commits keyed by their content and position, so a span that repeats the previous call's
messages and adds a few reuses the commits it shares and appends only the new ones, and a
span that diverges branches off where it diverges. The span becomes a compile record of that
path, and its output an assistant commit after it. An ``execute_tool`` span is a tool result
under the call it answers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from core.importers import blocks as b
from core.importers.claude_code import tract_key
from core.importers.model import SOURCE, SOURCE_ID, Call, Node, Notes, TractPlan
from core.importers.otel_messages import event_messages, input_messages, output_messages
from core.importers.reader import JsonLine, parse_time
from core.models import content as c

FORMAT = "otel"
TOOL_OPS = frozenset({"execute_tool"})


def any_value(v: Any) -> Any:
    """An OTLP ``AnyValue`` as a plain value."""
    if not isinstance(v, Mapping):
        return v
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in v:
            return v[key]
    if "intValue" in v:
        try:
            return int(v["intValue"])
        except (TypeError, ValueError):
            return v["intValue"]
    if "arrayValue" in v:
        return [any_value(x) for x in _values(v["arrayValue"])]
    if "kvlistValue" in v:
        return {
            str(kv.get("key")): any_value(kv.get("value"))
            for kv in _values(v["kvlistValue"])
            if isinstance(kv, Mapping)
        }
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def _values(container: Any) -> list[Any]:
    """The ``values`` of an OTLP array or key-value list; none when it is malformed."""
    values = container.get("values") if isinstance(container, Mapping) else None
    return values if isinstance(values, list) else []


def is_flat_map(obj: Any) -> bool:
    return isinstance(obj, Mapping) and any(
        isinstance(k, str) and k.startswith(("gen_ai.", "llm.", "openinference.")) for k in obj
    )


class Span:
    __slots__ = (
        "attrs",
        "end",
        "events",
        "line",
        "name",
        "parent_id",
        "span_id",
        "start",
        "trace_id",
    )

    def __init__(
        self,
        attrs: dict[str, Any],
        line: int,
        raw: Mapping[str, Any] | None = None,
        events: list[tuple[str, dict[str, Any]]] | None = None,
    ):
        raw = raw or {}
        self.attrs = attrs
        self.events = events or []
        self.line = line
        self.span_id = raw.get("spanId") if isinstance(raw.get("spanId"), str) else None
        self.trace_id = raw.get("traceId") if isinstance(raw.get("traceId"), str) else None
        self.parent_id = raw.get("parentSpanId")
        self.name = raw.get("name")
        self.start = _nanos(raw.get("startTimeUnixNano"))
        self.end = _nanos(raw.get("endTimeUnixNano"))


def _nanos(value: Any) -> datetime | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return parse_time(n) if n > 0 else None


def spans_of(doc: Any, line: int, odd: list[Any] | None = None) -> Iterator[Span]:
    """The spans of one document; entries of the OTLP envelope that are not objects where
    objects belong are added to ``odd`` (the caller counts them) instead of failing."""
    odd = [] if odd is None else odd
    if isinstance(doc, list):
        for item in doc:
            yield from spans_of(item, line, odd)
        return
    if not isinstance(doc, Mapping):
        odd.append(doc)
        return
    if "resourceSpans" in doc:
        for rs in _objects(doc.get("resourceSpans"), odd):
            scopes = rs.get("scopeSpans") or rs.get("instrumentationLibrarySpans")
            for ss in _objects(scopes, odd):
                for span in _objects(ss.get("spans"), odd):
                    events = [
                        (str(e.get("name")), _attributes(e.get("attributes"), odd))
                        for e in _objects(span.get("events"), odd)
                    ]
                    yield Span(_attributes(span.get("attributes"), odd), line, span, events)
    elif is_flat_map(doc):
        yield Span(dict(doc), line)
    else:
        odd.append(doc)


def _attributes(value: Any, odd: list[Any]) -> dict[str, Any]:
    return {str(a.get("key")): any_value(a.get("value")) for a in _objects(value, odd)}


def _objects(value: Any, odd: list[Any]) -> Iterator[Mapping[str, Any]]:
    """The objects of an OTLP list (absent: none); anything else goes to ``odd``."""
    if value is None:
        return
    if not isinstance(value, list):
        odd.append(value)
        return
    for item in value:
        if isinstance(item, Mapping):
            yield item
        else:
            odd.append(item)


class OtelParser:
    format = FORMAT

    def __init__(self, path: Path) -> None:
        self.path = path
        self._names: dict[str, dict[str, str]] = {}  # conversation → call id → tool name
        self._calls: dict[str, dict[str, str]] = {}  # conversation → call id → node key
        # (conversation, node key) laid down: keys are per conversation, as two conversations
        # that open with the same message each need their own commit of it.
        self._emitted: set[tuple[str, str]] = set()
        self._plans: dict[str, TractPlan] = {}
        self._notes = Notes()

    def feed(self, lines: list[JsonLine], notes: Notes) -> list[TractPlan]:
        self._plans, self._notes = {}, notes
        spans: list[Span] = []
        for line in lines:
            odd: list[Any] = []
            spans.extend(spans_of(line.value, line.number, odd))
            for value in odd:
                notes.keep_unknown("not a span", line.number, b.plain(value))
        spans.sort(key=lambda s: (s.start is None, s.start or datetime.min, s.line))
        for span in spans:
            self._span(span)
        return list(self._plans.values())

    def finish(self, notes: Notes) -> None:
        pass

    def _conversation(self, span: Span) -> str:
        for key in ("gen_ai.conversation.id", "session.id", "llm.session.id"):
            value = span.attrs.get(key)
            if isinstance(value, str) and value:
                return tract_key(value)
        return tract_key(span.trace_id or self.path.stem)

    def _plan(self, tract: str) -> TractPlan:
        plan = self._plans.get(tract)
        if plan is None:
            plan = self._plans[tract] = TractPlan(tract, FORMAT)
        return plan

    def _span(self, span: Span) -> None:
        attrs = span.attrs
        op = attrs.get("gen_ai.operation.name")
        kind = attrs.get("openinference.span.kind")
        tract = self._conversation(span)
        sid = (
            span.span_id
            or hashlib.sha256(json.dumps(b.plain(attrs), sort_keys=True).encode()).hexdigest()[:16]
        )
        op = op if isinstance(op, str) else None  # a malformed value names no operation
        kind = kind if isinstance(kind, str) else None
        if op in TOOL_OPS or kind == "TOOL":
            self._tool(span, tract, sid)
            return
        inputs, dialect = input_messages(attrs)
        outputs = output_messages(attrs)
        if dialect == "none" and outputs is None and span.events:
            ev_in, outputs = event_messages(span.events)
            if ev_in is not None:
                inputs = (inputs or []) + ev_in  # after any system instructions
            if ev_in is not None or outputs is not None:
                dialect = "span events"
        if inputs is None and outputs is None:
            self._notes.skip(f"span:{op or kind or span.name or 'unknown'}")
            return
        head: str | None = None
        for role, parts in inputs or ():
            for payload in self._payloads(tract, role, parts):
                head = self._node(tract, head, payload, span, "input")
        model = attrs.get("gen_ai.request.model") or attrs.get("llm.model_name")
        prompt = _int(attrs.get("gen_ai.usage.input_tokens", attrs.get("llm.token_count.prompt")))
        completion = _int(
            attrs.get("gen_ai.usage.output_tokens", attrs.get("llm.token_count.completion"))
        )
        params = {"source": FORMAT, "span_id": sid, "dialect": dialect, "line": span.line}
        for key, value in (
            ("trace_id", span.trace_id),
            ("model", model),
            ("span", span.name),
            ("operation", op or kind),
        ):
            if value is not None:
                params[key] = b.plain(value)
        if head is not None:
            self._plan(tract).calls.append(
                Call(f"span:{sid}", head, span.start, span.line, prompt, completion, params)
            )
        config = {
            k: b.plain(v)
            for k, v in attrs.items()
            if k.startswith(
                (
                    "gen_ai.request.",
                    "gen_ai.response.",
                    "gen_ai.usage.",
                    "llm.invocation_parameters",
                    "llm.token_count.",
                )
            )
        }
        if model is not None:
            config["model"] = b.plain(attrs.get("gen_ai.response.model", model))
        config["source"] = FORMAT
        for role, parts in outputs or ():
            for payload in self._payloads(tract, role or "assistant", parts):
                head = self._node(tract, head, payload, span, "output", config, span.end)

    def _tool(self, span: Span, tract: str, sid: str) -> None:
        attrs = span.attrs
        name = attrs.get("gen_ai.tool.name") or attrs.get("tool.name") or span.name
        call_id = attrs.get("gen_ai.tool.call.id") or attrs.get("tool_call.id")
        output = attrs.get(
            "gen_ai.tool.call.result", attrs.get("output", attrs.get("output.value"))
        )
        args = attrs.get("gen_ai.tool.call.arguments", attrs.get("input", attrs.get("input.value")))
        parent = self._calls.get(tract, {}).get(call_id) if isinstance(call_id, str) else None
        if parent is None:  # the call is not in any chat span seen: keep it with its result
            parent = self._node(tract, None, b.tool_call(name, args, call_id), span, "tool")
        result = b.tool_result(str(name) if name else None, output, call_id)
        self._node(tract, parent, result, span, "tool", None, span.end)

    def _payloads(self, tract: str, role: str, parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = self._names.setdefault(tract, {})
        out: list[dict[str, Any]] = []
        texts: list[str] = []

        def flush() -> None:
            if texts:
                text = "\n".join(texts)
                if role in ("system", "developer"):
                    out.append(c.instruction(text))
                else:
                    out.append(
                        c.dialogue(
                            role if role in ("user", "assistant") else "user",
                            text,
                            None if role in ("user", "assistant") else role,
                        )
                    )
                texts.clear()

        for part in parts:
            kind = part.get("type")
            if kind == "text" and isinstance(part.get("content"), str):
                texts.append(part["content"])
            elif kind == "tool_call":
                flush()
                if isinstance(part.get("id"), str) and isinstance(part.get("name"), str):
                    names[part["id"]] = part["name"]
                out.append(b.tool_call(part.get("name"), part.get("arguments"), part.get("id")))
            elif kind == "tool_call_response":
                flush()
                cid = part.get("id")
                name = names.get(cid) if isinstance(cid, str) else None
                out.append(b.tool_result(name or part.get("name"), part.get("response"), cid))
            elif kind == "reasoning" and isinstance(part.get("content"), str):
                flush()
                out.append(c.reasoning(part["content"]))
            elif kind in ("image", "blob", "uri", "file"):
                texts.append(
                    b.image_placeholder(
                        part.get("mime_type") or part.get("modality"),
                        part.get("content"),
                        part.get("uri"),
                    )
                )
            else:
                texts.append(json.dumps(b.plain(part), ensure_ascii=False))
        flush()
        return out

    def _node(
        self,
        tract: str,
        parent: str | None,
        payload: dict[str, Any],
        span: Span,
        role: str,
        config: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> str:
        digest = hashlib.sha256(
            json.dumps([parent, payload], sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()[:32]
        key = f"m:{digest}"
        if payload.get("content_type") == "tool_io" and payload["direction"] == "call":
            cid = payload["payload"].get("tool_call_id")
            if isinstance(cid, str):
                self._calls.setdefault(tract, {})[cid] = key
        if (tract, key) not in self._emitted:
            self._emitted.add((tract, key))
            meta = {
                SOURCE_ID: key,
                SOURCE: {
                    "format": FORMAT,
                    "line": span.line,
                    "part": role,
                    "span_id": span.span_id,
                },
            }
            self._plan(tract).nodes.append(
                Node(key, parent, payload, at or span.start, span.line, meta, config)
            )
        return key


def _int(value: Any) -> int | None:
    return b.count(value)
