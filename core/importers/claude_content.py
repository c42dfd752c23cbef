"""Claude Code records → message payloads (what the model saw of each record).

A user record holds text, images and ``tool_result`` blocks; an assistant record holds text,
``thinking`` and ``tool_use`` blocks (usually one per record). An ``attachment`` record holds
context Claude Code injected (a memory file, hook output, a reminder); its text is the
attachment's own, and an attachment that carries no text injected nothing. The record's
``toolUseResult`` is display data the model never saw and is not read.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from core.importers import blocks as b
from core.models import content as c

Payload = dict[str, Any]

TASK_TOOLS = frozenset({"Task", "Agent"})


def user_payloads(
    content: Any, name_for: Callable[[str | None], str | None], fallback_call: str | None
) -> tuple[list[Payload], list[str]]:
    """Payloads of a user message, and the tool_use ids it answers without a known call.

    ``name_for(call_id)`` names the tool a result answers (None: no such call)."""
    if isinstance(content, str):
        return [c.dialogue("user", content)], []
    if not isinstance(content, list):
        text = b.text_of(content)
        return ([c.dialogue("user", text)] if text is not None else []), []
    out: list[Payload] = []
    unpaired: list[str] = []
    pending: list[Any] = []  # consecutive non-tool blocks make one user message

    def flush() -> None:
        if pending:
            text = b.text_of(pending)
            if text is not None:
                out.append(c.dialogue("user", text))
            pending.clear()

    for block in content:
        if isinstance(block, Mapping) and block.get("type") == "tool_result":
            flush()
            call_id = block.get("tool_use_id")
            if not isinstance(call_id, str):
                call_id = fallback_call
            name = name_for(call_id if isinstance(call_id, str) else None)
            if name is None:
                unpaired.append(str(call_id))
            output = block.get("content")
            if output is None:
                output = block.get("text")
            out.append(b.tool_result(name, output, call_id, bool(block.get("is_error"))))
        else:
            pending.append(block)
    flush()
    return out, unpaired


def assistant_payloads(content: Any) -> tuple[list[Payload], list[str]]:
    """Payloads of an assistant message, and the block types we did not make messages of."""
    if isinstance(content, str):
        return [c.dialogue("assistant", content)], []
    if not isinstance(content, list):
        return [], ["content"]
    out: list[Payload] = []
    other: list[str] = []
    for block in content:
        if not isinstance(block, Mapping):
            other.append(type(block).__name__)
            continue
        kind = block.get("type")
        if kind == "text" and block.get("text") == "":
            other.append("empty text")  # nothing the model said: no empty commit
        elif kind == "text" and isinstance(block.get("text"), str):
            out.append(c.dialogue("assistant", block["text"]))
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            out.append(c.reasoning(block["thinking"]))
        elif kind == "redacted_thinking":
            data = block.get("data")
            size = len(data) if isinstance(data, str) else 0
            out.append(c.reasoning(f"[redacted thinking, {size:,} characters, not readable]"))
        elif kind in ("tool_use", "server_tool_use"):
            out.append(b.tool_call(block.get("name"), block.get("input"), block.get("id")))
        elif kind == "image":
            out.append(c.dialogue("assistant", b.anthropic_image(block)))
        elif isinstance(kind, str) and kind.endswith("_tool_result"):  # server tools
            out.append(
                b.tool_result(
                    kind.removesuffix("_tool_result"),
                    block.get("content"),
                    block.get("tool_use_id"),
                )
            )
        else:
            other.append(str(kind))
    return out, other


def server_results(content: Any) -> list[str]:
    """The call ids answered inside an assistant message (server tools such as web search
    return their result in the same response)."""
    if not isinstance(content, list):
        return []
    return [
        block["tool_use_id"]
        for block in content
        if isinstance(block, Mapping)
        and isinstance(block.get("type"), str)
        and block["type"].endswith("_tool_result")
        and isinstance(block.get("tool_use_id"), str)
    ]


def tool_uses(content: Any) -> list[tuple[str | None, str, dict[str, Any]]]:
    """(id, name, input) of each tool_use block."""
    if not isinstance(content, list):
        return []
    out = []
    for block in content:
        if isinstance(block, Mapping) and block.get("type") in ("tool_use", "server_tool_use"):
            call_id = block.get("id")
            name = block.get("name")
            args = block.get("input")
            out.append(
                (
                    call_id if isinstance(call_id, str) else None,
                    name if isinstance(name, str) else "unknown",
                    dict(args) if isinstance(args, Mapping) else {},
                )
            )
    return out


def attachment_text(attachment: Any) -> str | None:
    """The text an attachment injected, or None when it carries none."""
    if not isinstance(attachment, Mapping):
        return None
    kind = attachment.get("type")
    if kind == "nested_memory":
        inner = attachment.get("content")
        text = inner.get("content") if isinstance(inner, Mapping) else inner
        path = attachment.get("path")
        if isinstance(text, str) and text:
            return f"{path}:\n{text}" if isinstance(path, str) else text
        return None
    if kind == "edited_text_file":
        snippet = attachment.get("snippet")
        name = attachment.get("filename")
        if isinstance(snippet, str) and snippet:
            return f"{name}:\n{snippet}" if isinstance(name, str) else snippet
        return None
    if kind == "file":
        inner = attachment.get("content")
        file = inner.get("file") if isinstance(inner, Mapping) else None
        text = file.get("content") if isinstance(file, Mapping) else None
        name = attachment.get("filename")
        if isinstance(text, str) and text:
            return f"{name}:\n{text}" if isinstance(name, str) else text
        return None
    for key in ("content", "text", "prompt", "snippet", "stdout"):
        value = attachment.get(key)
        if isinstance(value, str):
            if value.strip() and value.strip() != "{}":
                return value
            continue
        if isinstance(value, list) and value:
            text = b.text_of(value) if key == "prompt" else None
            return text if text is not None else json.dumps(value, ensure_ascii=False)
    return None


def usage_figures(usage: Any) -> tuple[int | None, int | None]:
    """(prompt tokens, completion tokens) of an Anthropic usage object: the prompt is input
    plus cache reads and cache writes, which together are what the model was sent."""
    if not isinstance(usage, Mapping):
        return None, None

    def num(key: str) -> int:
        return b.count(usage.get(key)) or 0

    if not any(k in usage for k in ("input_tokens", "output_tokens")):
        return None, None
    prompt = (
        num("input_tokens") + num("cache_read_input_tokens") + num("cache_creation_input_tokens")
    )
    return prompt, num("output_tokens")
