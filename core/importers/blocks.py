"""Content pieces shared by the session formats: texts, images, tool calls and results.

A message of a session becomes one or more payloads (``core.models.content``): dialogue text,
reasoning, a ``tool_io`` call or result. Images never enter a text: they become a short
placeholder naming their type and size (docs/sessions.md). Tool payloads follow the chat
transcript import: a call is its arguments plus ``tool_call_id``; a result is
``{"output", "tool_call_id"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from core.models import content as c

Payload = dict[str, Any]


def image_placeholder(media_type: Any = None, data: Any = None, url: Any = None) -> str:
    kind = media_type if isinstance(media_type, str) and media_type else "image"
    if isinstance(data, str) and data:
        size = (len(data) * 3) // 4 - data[-2:].count("=")
        return f"[{kind}, {size:,} bytes, not imported]"
    if isinstance(url, str) and url:
        if url.startswith("data:"):
            head, _, body = url.partition(",")
            media = head[5:].split(";", 1)[0] or kind
            return image_placeholder(media, body)
        return f"[{kind}: {url}]"
    return f"[{kind}, not imported]"


def anthropic_image(block: Mapping[str, Any]) -> str:
    source = block.get("source")
    if not isinstance(source, Mapping):
        return image_placeholder()
    return image_placeholder(
        source.get("media_type") or "image", source.get("data"), source.get("url")
    )


def text_of(value: Any) -> str | None:
    """The text of a content value: a string, or text-bearing blocks joined by newlines.

    Images become placeholders; blocks without text are left out. None when nothing is there.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    parts: list[str] = []
    for block in value:
        if isinstance(block, str):
            if block:  # an empty block adds nothing (not even a line break)
                parts.append(block)
            continue
        if not isinstance(block, Mapping):
            continue
        kind = block.get("type")
        if kind == "image":
            parts.append(anthropic_image(block))
        elif kind in ("input_image", "image_url"):
            url = block.get("image_url")
            if isinstance(url, Mapping):
                url = url.get("url")
            parts.append(image_placeholder("image", url=url))
        elif kind == "document":
            parts.append(_document(block))
        elif kind in ("web_search_result", "search_result"):
            parts.append(_search_result(block))
        else:
            for key in ("text", "content", "output_text", "input_text", "refusal"):
                text = block.get(key)
                if isinstance(text, str):
                    if text:
                        parts.append(text)
                    break
            else:
                nested = block.get("content")
                inner = text_of(nested) if isinstance(nested, list) else None
                if inner:
                    parts.append(inner)
                elif isinstance(kind, str) and kind:
                    # A block we cannot read still reached the model: name it, never drop it.
                    parts.append(f"[{kind} block, not imported]")
    if not parts:
        return None
    return "\n".join(parts)


def _document(block: Mapping[str, Any]) -> str:
    """An Anthropic ``document`` block: plain-text sources are text the model read; a PDF
    (base64) or a URL is a placeholder like an image."""
    source = block.get("source")
    title = block.get("title")
    label = f"document {title!r}" if isinstance(title, str) and title else "document"
    if not isinstance(source, Mapping):
        return f"[{label}, not imported]"
    kind = source.get("type")
    if kind == "text" and isinstance(source.get("data"), str):
        data = source["data"]
        return f"{label}:\n{data}" if label != "document" else data
    if kind == "content":
        inner = text_of(source.get("content"))
        if inner is not None:
            return inner
    if kind == "url" and isinstance(source.get("url"), str):
        return f"[{label}: {source['url']}]"
    media = source.get("media_type")
    media = media if isinstance(media, str) and media else "document"
    placeholder = image_placeholder(media, source.get("data"))
    return placeholder if label == "document" else f"{placeholder[:-1]}, {label}]"


def _search_result(block: Mapping[str, Any]) -> str:
    """A web search result: its title and address are all a reader can see (the page text
    the model got is encrypted, ``encrypted_content``)."""
    inner = text_of(block.get("content")) if isinstance(block.get("content"), list) else None
    title = block.get("title")
    where = block.get("url", block.get("source"))
    title = title if isinstance(title, str) and title else None
    where = where if isinstance(where, str) and where else None
    head = f"{title} ({where})" if title and where else title or where or ""
    if inner:
        return f"{head}\n{inner}" if head else inner
    return f"[search result: {head or 'untitled'}; content encrypted, not imported]"


def arguments(raw: Any) -> dict[str, Any]:
    """Tool-call arguments as a dict: a JSON object (text or parsed), else kept verbatim."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            return {"arguments": raw}
        return value if isinstance(value, dict) else {"arguments": raw}
    return {"arguments": raw}


def tool_call(name: Any, args: Any, call_id: Any) -> Payload:
    tool = name if isinstance(name, str) and name else "unknown"
    cid = call_id if isinstance(call_id, str) else None
    return c.tool_io(tool, "call", {**arguments(args), "tool_call_id": cid})


def tool_result(name: str | None, output: Any, call_id: Any, error: bool = False) -> Payload:
    text = text_of(output)
    cid = call_id if isinstance(call_id, str) else None
    return c.tool_io(
        name or "unknown",
        "result",
        {"output": text if text is not None else "", "tool_call_id": cid},
        "error" if error else "success",
    )


def plain(value: Any) -> Any:
    """A JSON-safe copy for metadata (orjson and json agree on these types)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)


MAX_COUNT = 2**53  # above this a "token count" is no count (and would not fit the store)


def count(value: Any) -> int | None:
    """A token count from a source: a whole, finite, non-negative number below
    :data:`MAX_COUNT` (OTLP writes integers as strings); None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        value = int(value)
    if isinstance(value, int) and 0 <= value < MAX_COUNT:
        return value
    return None
