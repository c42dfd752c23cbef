"""A compile as a document: OpenAI chat messages, Anthropic messages, or Markdown.

The texts are exactly the compiled texts. OpenAI keeps every role and ``name``. Anthropic's
Messages API knows only ``user`` and ``assistant`` turns plus one ``system`` string: system
messages are joined into ``system`` (blank line between), ``tool`` messages become ``user``
turns (their text unchanged), and ``name`` is dropped (the API has no such field).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from core.errors import CompileError
from core.models.compiled import CompiledContext

FORMATS = ("openai", "anthropic", "markdown")


def openai_messages(compiled: CompiledContext) -> list[dict[str, Any]]:
    return [m.to_dict() for m in compiled.messages]


def anthropic_messages(compiled: CompiledContext) -> dict[str, Any]:
    system = [m.content for m in compiled.messages if m.role == "system"]
    turns = [
        {"role": "assistant" if m.role == "assistant" else "user", "content": m.content}
        for m in compiled.messages
        if m.role != "system"
    ]
    return {"system": "\n\n".join(system) if system else None, "messages": turns}


def _fence(text: str) -> str:
    """A backtick fence longer than any run of backticks in ``text``."""
    longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def markdown(compiled: CompiledContext, title: str, provenance: Sequence[str] = ()) -> str:
    """One section per message, its text in a fence (so no stored text becomes markup)."""
    tokens = list(compiled.message_tokens)
    lines = [f"# {title}", ""]
    source = f" ({compiled.token_source})" if compiled.token_source else ""
    lines += [f"{compiled.commit_count} messages, {compiled.token_count} tokens{source}", ""]
    for i, (m, h) in enumerate(zip(compiled.messages, compiled.commit_hashes, strict=True)):
        name = f" ({m.name})" if m.name is not None else ""
        count = f", {tokens[i]} tokens" if i < len(tokens) else ""
        origin = f" — {provenance[i]}" if i < len(provenance) and provenance[i] else ""
        fence = _fence(m.content)
        lines += [
            f"## {i}. {m.role}{name}",
            "",
            f"commit `{h[:12]}`{count}{origin}",
            "",
            fence,
            m.content,
            fence,
            "",
        ]
    return "\n".join(lines)


def render_export(
    compiled: CompiledContext,
    fmt: str,
    title: str,
    provenance: Sequence[str] = (),
    *,
    ascii_json: bool = False,
) -> str:
    """The document text for ``fmt`` (one of :data:`FORMATS`). ``ascii_json`` escapes every
    non-ASCII character in JSON (for a terminal; parsing gives the same text back)."""
    if fmt == "openai":
        return json.dumps(openai_messages(compiled), indent=2, ensure_ascii=ascii_json) + "\n"
    if fmt == "anthropic":
        data = anthropic_messages(compiled)
        return json.dumps(data, indent=2, ensure_ascii=ascii_json) + "\n"
    if fmt == "markdown":
        return markdown(compiled, title, provenance)
    raise CompileError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
