"""The message dialects of GenAI spans → one shape: ``(role, [parts])``.

Read, in order of preference: the current semantic conventions (``gen_ai.input.messages``,
``gen_ai.output.messages``, ``gen_ai.system_instructions``: JSON of ``{role, parts}``), the
older single ``gen_ai.prompt`` / ``gen_ai.completion`` attributes, the indexed
``gen_ai.prompt.N.*`` form, OpenInference's ``llm.input_messages.N.message.*``, and last
``input.value`` / ``output.value``. A part is ``{"type": "text"|"tool_call"|
"tool_call_response"|"reasoning", …}``; messages in the OpenAI ``{role, content,
tool_calls}`` shape are turned into parts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

Message = tuple[str, list[dict[str, Any]]]


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def _text_in(value: Any) -> str:
    """The text of a tool result's content: a string, or the texts of its blocks."""
    value = _loads(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [_text_in(v) for v in value]
        return "\n".join(t for t in texts if t)
    if isinstance(value, Mapping):
        for key in ("text", "content", "json", "value"):
            if key in value:
                inner = value[key]
                return inner if isinstance(inner, str) else json.dumps(inner, ensure_ascii=False)
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _block_part(block: Mapping[str, Any]) -> dict[str, Any]:
    """One content block of a message in a provider's shape (OpenAI, Anthropic, Bedrock
    Converse, the Vercel AI SDK) as a part; a block we cannot read is named, not dropped."""
    kind = block.get("type")
    if kind in ("tool_use", "tool-call"):  # Anthropic, AI SDK
        return {
            "type": "tool_call",
            "id": block.get("id", block.get("toolCallId")),
            "name": block.get("name", block.get("toolName")),
            "arguments": block.get("input", block.get("args")),
        }
    if kind in ("tool_result", "tool-result"):
        return {
            "type": "tool_call_response",
            "id": block.get("tool_use_id", block.get("toolCallId")),
            "name": block.get("toolName"),
            "response": _text_in(block.get("content", block.get("output", block.get("result")))),
        }
    if isinstance(block.get("toolUse"), Mapping):  # Bedrock Converse
        use = block["toolUse"]
        return {
            "type": "tool_call",
            "id": use.get("toolUseId"),
            "name": use.get("name"),
            "arguments": use.get("input"),
        }
    if isinstance(block.get("toolResult"), Mapping):
        res = block["toolResult"]
        return {
            "type": "tool_call_response",
            "id": res.get("toolUseId"),
            "response": _text_in(res.get("content")),
        }
    if kind in ("thinking", "reasoning") and isinstance(
        block.get("thinking", block.get("text")), str
    ):
        return {"type": "reasoning", "content": block.get("thinking", block.get("text"))}
    text = block.get("text", block.get("content"))
    if isinstance(text, str):
        return {"type": "text", "content": text}
    if kind in ("image_url", "image", "input_image"):
        return {"type": "image", **dict(block)}
    label = kind if isinstance(kind, str) and kind else "/".join(str(k) for k in block) or "empty"
    return {"type": "text", "content": f"[{label} block, not imported]"}


def _parts_of(msg: Mapping[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    raw = msg.get("parts")
    if isinstance(raw, list):
        for part in raw:
            if isinstance(part, Mapping):
                parts.append(dict(part))
            elif isinstance(part, str):
                parts.append({"type": "text", "content": part})
        return parts
    content = msg.get("content")
    if isinstance(content, str):
        if content:
            parts.append({"type": "text", "content": content})
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, Mapping):
                parts.append(_block_part(block))
            elif isinstance(block, str) and block:
                parts.append({"type": "text", "content": block})
    for call in msg.get("tool_calls") or ():
        if isinstance(call, Mapping):
            fn: Mapping[str, Any] = (
                call["function"] if isinstance(call.get("function"), Mapping) else call
            )
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": fn.get("name"),
                    "arguments": fn.get("arguments"),
                }
            )
    if msg.get("role") == "tool" or "tool_call_id" in msg:
        if any(p.get("type") == "tool_call_response" for p in parts):
            return parts  # the blocks name their calls themselves (Bedrock, the AI SDK)
        text = " ".join(p["content"] for p in parts if p.get("type") == "text")
        return [
            {
                "type": "tool_call_response",
                "id": msg.get("tool_call_id"),
                "response": text,
                "name": msg.get("name"),
            }
        ]
    return parts


def _messages(value: Any, default_role: str) -> list[Message] | None:
    value = _loads(value)
    if isinstance(value, Mapping) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, str):
        return [(default_role, [{"type": "text", "content": value}])] if value else []
    if isinstance(value, Mapping):
        if "role" in value or "parts" in value:
            value = [value]
        else:
            text = value.get("text", value.get("content"))
            if isinstance(text, str):
                return [(default_role, [{"type": "text", "content": text}])]
            return None
    if not isinstance(value, list):
        return None
    out: list[Message] = []
    for msg in value:
        if isinstance(msg, Mapping):
            role = msg.get("role")
            out.append((role if isinstance(role, str) else default_role, _parts_of(msg)))
        elif isinstance(msg, str):
            out.append((default_role, [{"type": "text", "content": msg}]))
    return out


def _indexed(attrs: Mapping[str, Any], prefix: str) -> dict[int, dict[str, Any]]:
    """``prefix.N.rest`` keys grouped by N into nested dicts of the dotted rest."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.(.+)$")
    out: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        m = pattern.match(key)
        if m:
            out.setdefault(int(m.group(1)), {})[m.group(2)] = value
    return out


def _nest(flat: Mapping[str, Any], prefix: str) -> dict[int, dict[str, Any]]:
    return _indexed(flat, prefix)


def _openinference(attrs: Mapping[str, Any], prefix: str) -> list[Message] | None:
    msgs = _indexed(attrs, prefix)
    if not msgs:
        return None
    out: list[Message] = []
    for i in sorted(msgs):
        m = msgs[i]
        role = m.get("message.role")
        msg: dict[str, Any] = {"role": role}
        if isinstance(m.get("message.content"), str):
            msg["content"] = m["message.content"]
        contents = _nest(m, "message.contents")
        if contents:
            msg["content"] = [
                {"type": "text", "text": contents[j].get("message_content.text")}
                for j in sorted(contents)
                if isinstance(contents[j].get("message_content.text"), str)
            ]
        calls = _nest(m, "message.tool_calls")
        if calls:
            msg["tool_calls"] = [
                {
                    "id": calls[j].get("tool_call.id"),
                    "function": {
                        "name": calls[j].get("tool_call.function.name"),
                        "arguments": calls[j].get("tool_call.function.arguments"),
                    },
                }
                for j in sorted(calls)
            ]
        if isinstance(m.get("message.tool_call_id"), str):
            msg["tool_call_id"] = m["message.tool_call_id"]
        if isinstance(m.get("message.name"), str):
            msg["name"] = m["message.name"]
        out.append((role if isinstance(role, str) else "user", _parts_of(msg)))
    return out


def _gen_ai_indexed(attrs: Mapping[str, Any], prefix: str) -> list[Message] | None:
    msgs = _indexed(attrs, prefix)
    if not msgs:
        return None
    out: list[Message] = []
    for i in sorted(msgs):
        m = msgs[i]
        msg: dict[str, Any] = {"role": m.get("role"), "content": m.get("content")}
        calls = _nest(m, "tool_calls")
        if calls:
            msg["tool_calls"] = [
                {
                    "id": calls[j].get("id"),
                    "function": {
                        "name": calls[j].get("name"),
                        "arguments": calls[j].get("arguments"),
                    },
                }
                for j in sorted(calls)
            ]
        if isinstance(m.get("tool_call_id"), str):
            msg["tool_call_id"] = m["tool_call_id"]
        role = m.get("role")
        out.append((role if isinstance(role, str) else "user", _parts_of(msg)))
    return out


def input_messages(attrs: Mapping[str, Any]) -> tuple[list[Message] | None, str]:
    """The span's input messages (system instructions first) and the dialect they came from."""
    system: list[Message] = []
    instructions = _loads(attrs.get("gen_ai.system_instructions"))
    if isinstance(instructions, str) and instructions:
        system = [("system", [{"type": "text", "content": instructions}])]
    elif isinstance(instructions, list):
        parts = [dict(p) for p in instructions if isinstance(p, Mapping)]
        parts += [{"type": "text", "content": p} for p in instructions if isinstance(p, str)]
        if parts:
            system = [("system", parts)]
    for key, dialect in (
        ("gen_ai.input.messages", "gen_ai.input.messages"),
        ("gen_ai.prompt", "gen_ai.prompt"),
        ("ai.prompt.messages", "ai.prompt.messages"),  # the Vercel AI SDK's model call
    ):
        if key in attrs:
            found = _messages(attrs[key], "user")
            if found is not None:
                return system + found, dialect
    for reader, prefix, dialect in (
        (_gen_ai_indexed, "gen_ai.prompt", "gen_ai.prompt.N"),
        (_openinference, "llm.input_messages", "openinference"),
    ):
        found = reader(attrs, prefix)
        if found is not None:
            return system + found, dialect
    if "input.value" in attrs:
        found = _messages(attrs["input.value"], "user")
        if found is not None:
            return system + found, "input.value"
    return (system or None), "none"


def output_messages(attrs: Mapping[str, Any]) -> list[Message] | None:
    for key in ("gen_ai.output.messages", "gen_ai.completion"):
        if key in attrs:
            found = _messages(attrs[key], "assistant")
            if found is not None:
                return found
    for reader, prefix in (
        (_gen_ai_indexed, "gen_ai.completion"),
        (_openinference, "llm.output_messages"),
    ):
        found = reader(attrs, prefix)
        if found is not None:
            return found
    if "ai.response.text" in attrs or "ai.response.toolCalls" in attrs:
        return [("assistant", _ai_sdk_output(attrs))]
    if "output.value" in attrs:
        return _messages(attrs["output.value"], "assistant")
    return None


def _ai_sdk_output(attrs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Vercel AI SDK's reply: ``ai.response.text`` and ``ai.response.toolCalls``."""
    parts: list[dict[str, Any]] = []
    text = attrs.get("ai.response.text")
    if isinstance(text, str) and text:
        parts.append({"type": "text", "content": text})
    calls = _loads(attrs.get("ai.response.toolCalls"))
    for call in calls if isinstance(calls, list) else ():
        if isinstance(call, Mapping):
            parts.append(_block_part({"type": "tool-call", **call}))
    return parts


# Span events of the earlier semantic conventions: one event per message.
_EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}


def _event_message(role: str, attrs: Mapping[str, Any]) -> Message:
    body = _loads(attrs.get("body"))
    fields: Mapping[str, Any] = body if isinstance(body, Mapping) else attrs
    msg: dict[str, Any] = {"role": role, "content": _loads(fields.get("content"))}
    if isinstance(msg["content"], Mapping):  # structured content: its text
        msg["content"] = msg["content"].get("text", msg["content"].get("content"))
    calls = _loads(fields.get("tool_calls"))
    if isinstance(calls, list):
        msg["tool_calls"] = calls
    call_id = fields.get("id", fields.get("tool_call_id"))
    if role == "tool" and isinstance(call_id, str):
        msg["tool_call_id"] = call_id
    return role, _parts_of(msg)


def event_messages(
    events: list[tuple[str, dict[str, Any]]],
) -> tuple[list[Message] | None, list[Message] | None]:
    """(input, output) messages carried by span events instead of attributes: the
    ``gen_ai.content.prompt`` / ``gen_ai.content.completion`` pair (a ``gen_ai.prompt`` /
    ``gen_ai.completion`` attribute each), or one ``gen_ai.<role>.message`` event per input
    message and a ``gen_ai.choice`` event per output. None where the events hold none."""
    inputs: list[Message] | None = None
    outputs: list[Message] | None = None
    for name, attrs in events:
        if name == "gen_ai.content.prompt" and "gen_ai.prompt" in attrs:
            found = _messages(attrs["gen_ai.prompt"], "user")
            if found is not None:
                inputs = (inputs or []) + found
        elif name == "gen_ai.content.completion" and "gen_ai.completion" in attrs:
            found = _messages(attrs["gen_ai.completion"], "assistant")
            if found is not None:
                outputs = (outputs or []) + found
        elif name in _EVENT_ROLES:
            inputs = [*(inputs or []), _event_message(_EVENT_ROLES[name], attrs)]
        elif name == "gen_ai.choice":
            body = _loads(attrs.get("body"))
            fields: Mapping[str, Any] = body if isinstance(body, Mapping) else attrs
            message = _loads(fields.get("message"))
            if isinstance(message, (list, str)):  # the content alone (Strands Agents)
                message = {"role": "assistant", "content": message}
            if isinstance(message, Mapping):
                role = message.get("role")
                role = role if isinstance(role, str) and role else "assistant"
                outputs = [*(outputs or []), _event_message(role, message)]
    return inputs, outputs
