"""Summarizers: one small interface, three implementations (docs/behaviour.md §9, §13).

- ``ManualSummarizer``: text the user wrote, one per group.
- ``ExtractiveSummarizer``: offline and deterministic. It keeps the sentences that carry
  concrete facts (numbers, code, paths, names, decisions), in their original order, until the
  target size is reached, and says that it is extractive. Used when no endpoint is configured,
  and as the draft a person edits in the TUI.
- ``LLMSummarizer``: one call per group to an OpenAI-compatible chat-completions endpoint.

Every failure raises ``SummarizerError``; an error text is never returned as a summary.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.engine.tokens import TokenCounter
from core.errors import SummarizerError
from core.llm.client import ChatClient, LLMCancelled, LLMError, response_text, response_usage
from core.models.records import Retention

PROMPT_VERSION = "compress-v1"
SYSTEM_PROMPT = (
    "You compress the history of a conversation between a user, an AI assistant and its "
    "tools. Your reply will REPLACE the segment you are given, so write it for the assistant "
    "that continues the conversation. Write third-person prose that opens with 'Previously in "
    "this conversation:'. Keep every concrete fact: names, numbers, file paths, code "
    "identifiers, commands, decisions, constraints, errors and their causes. Drop filler, "
    "greetings and repetition. Do not invent anything. Reply with the summary only."
)
PROMPT_SHA256 = hashlib.sha256(SYSTEM_PROMPT.encode()).hexdigest()
EXTRACTIVE_LEAD = "Previously in this conversation (extractive summary of {n} messages):"
DEFAULT_EXTRACTIVE_RATIO = 0.25  # without a target, keep about a quarter of the text
MIN_EXTRACTIVE_TOKENS = 48


@dataclass(frozen=True)
class SummaryInput:
    index: int
    text: str  # "[role]: text" blocks joined by blank lines
    commit_count: int
    raw_tokens: int
    # Rules of the IMPORTANT commits in the group: the LLM is told them, the extractive
    # summarizer keeps every sentence that holds one of their patterns.
    retention: tuple[Retention, ...] = ()

    def retained(self, sentence: str) -> bool:
        return any(r.matches(p, sentence) for r in self.retention for p in r.match_patterns)


@dataclass(frozen=True)
class Summary:
    text: str
    generation_config: dict[str, Any] | None = None


class Summarizer(Protocol):
    name: str  # "manual", "extractive" or "llm"

    def describe(self) -> dict[str, Any]:
        """What goes into the event's params_json: summarizer, model, prompt version/hash."""

    def summarize(
        self,
        group: SummaryInput,
        *,
        target_tokens: int | None,
        instructions: str | None,
        cancel: threading.Event | None = None,
    ) -> Summary: ...


def _checked(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise SummarizerError(f"{what} summary is empty")
    return text


@dataclass
class ManualSummarizer:
    texts: Sequence[str]
    name: str = "manual"

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "model": None, "prompt_version": None}

    def summarize(
        self,
        group: SummaryInput,
        *,
        target_tokens: int | None,
        instructions: str | None,
        cancel: threading.Event | None = None,
    ) -> Summary:
        if group.index >= len(self.texts):
            raise SummarizerError(f"no manual summary for group {group.index + 1}")
        return Summary(_checked(self.texts[group.index], f"manual (group {group.index + 1})"))


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_BLOCK = re.compile(r"^\[([^\]\n]{1,40})\]: ", re.M)
_FACT = re.compile(
    r"\d|`|/|\\|::|\(\)|=|\b[A-Z][a-z]+[A-Z]\w*|\b[a-z]+_[a-z_]+\b|"
    r"\b(?:error|fail|fixed|decid|must|never|always|because|todo|next)\w*",
    re.I,
)


@dataclass
class ExtractiveSummarizer:
    """Deterministic extract: fact-bearing sentences first, kept in order, under a budget."""

    counter: TokenCounter
    name: str = "extractive"
    max_sentence_chars: int = 400

    def describe(self) -> dict[str, Any]:
        return {"summarizer": self.name, "model": None, "prompt_version": "extractive-v1"}

    def summarize(
        self,
        group: SummaryInput,
        *,
        target_tokens: int | None,
        instructions: str | None,
        cancel: threading.Event | None = None,
    ) -> Summary:
        lead = EXTRACTIVE_LEAD.format(n=group.commit_count)
        budget = target_tokens or max(
            MIN_EXTRACTIVE_TOKENS, int(group.raw_tokens * DEFAULT_EXTRACTIVE_RATIO)
        )
        budget -= self.counter.count_text(lead)
        candidates = list(self._sentences(group.text))
        # Sentences holding a retention pattern are kept whatever the budget (an IMPORTANT
        # commit's rules outrank the size target); the rest fill what is left.
        kept = {i for i, c in enumerate(candidates) if group.retained(c[1])}
        # Score: facts first; earlier sentences of a message before later ones.
        ranked = sorted(
            range(len(candidates)),
            key=lambda i: (i not in kept, -candidates[i][2], candidates[i][3], i),
        )
        chosen: set[int] = set()
        used = 0
        for i in ranked:
            cost = self.counter.count_text(candidates[i][1]) + 1
            if used + cost > budget and i not in kept:
                continue
            chosen.add(i)
            used += cost
        # Consecutive sentences of one speaker share a line. Collected, then joined once:
        # appending to the line itself was quadratic (5 s for one 10 MB message).
        blocks: list[tuple[str, list[str]]] = []
        for i in sorted(chosen):
            speaker, sentence, _, _ = candidates[i]
            if blocks and blocks[-1][0] == speaker:
                blocks[-1][1].append(sentence)
            else:
                blocks.append((speaker, [sentence]))
        lines = [lead, *(f"- {speaker}: {' '.join(parts)}" for speaker, parts in blocks)]
        if len(lines) == 1:  # nothing fit: keep the first sentence, cut to the budget
            first = candidates[0][1] if candidates else ""
            lines.append(f"- {first[: max(40, budget * 3)]}")
        return Summary("\n".join(lines))

    def _sentences(self, text: str) -> list[tuple[str, str, int, int]]:
        """(speaker, sentence, fact score, index within its message)."""
        out: list[tuple[str, str, int, int]] = []
        starts = [(m.start(), m.end(), m.group(1)) for m in _BLOCK.finditer(text)]
        if not starts:
            starts = [(0, 0, "context")]
        for n, (_, body_start, speaker) in enumerate(starts):
            end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
            body = text[body_start:end].strip()
            tool = _tool_sentence(body) if speaker == "tool" else None
            if tool is not None:
                out.append((speaker, tool, 3, 0))  # one line per tool call or result
                continue
            for k, sentence in enumerate(s for s in _SENTENCE.split(body) if s.strip()):
                sentence = " ".join(sentence.split())
                if len(sentence) > self.max_sentence_chars:
                    sentence = sentence[: self.max_sentence_chars - 1] + "…"
                score = min(5, len(_FACT.findall(sentence)))
                out.append((speaker, sentence, score, k))
        return out


def retention_prompt(rules: Sequence[Retention]) -> list[str]:
    """The lines that tell an LLM what the IMPORTANT commits of a group require."""
    asks = [r.instructions.strip() for r in rules if r.instructions and r.instructions.strip()]
    verbatim = [p for r in rules if r.match_mode != "regex" for p in r.match_patterns]
    regexes = [p for r in rules if r.match_mode == "regex" for p in r.match_patterns]
    if not (asks or verbatim or regexes):
        return []
    lines = ["Parts of this segment were marked IMPORTANT. The summary must keep what follows."]
    lines += [f"- {ask}" for ask in asks]
    if verbatim:
        lines.append("It must contain these texts exactly: " + ", ".join(map(repr, verbatim)))
    if regexes:
        lines.append(
            "It must contain text matching these regular expressions: "
            + ", ".join(map(repr, regexes))
        )
    return lines


def _tool_sentence(body: str) -> str | None:
    """``Tool call: bash`` + JSON → ``bash call: command=pytest -x`` (first line of each value)."""
    head, _, rest = body.partition("\n")
    if not head.startswith("Tool "):
        return None
    try:
        payload = json.loads(rest) if rest.strip() else {}
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    parts = []
    for key, value in payload.items():
        if key == "tool_call_id":
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        first = lines[0] if lines else ""
        if len(first) > 120:
            first = first[:119] + "…"
        more = f" (+{len(lines) - 1} lines)" if len(lines) > 1 else ""
        parts.append(f"{key}={first}{more}")
    return f"{head[len('Tool ') :]}: {'; '.join(parts)}".strip()


@dataclass
class LLMSummarizer:
    client: ChatClient
    model: str | None = None
    temperature: float = 0.2
    max_tokens: int | None = None
    system_prompt: str = SYSTEM_PROMPT
    extra: Mapping[str, Any] = field(default_factory=dict)
    name: str = "llm"

    def describe(self) -> dict[str, Any]:
        return {
            "summarizer": self.name,
            "model": self.model or getattr(getattr(self.client, "settings", None), "model", None),
            "prompt_version": PROMPT_VERSION,
            "prompt_sha256": hashlib.sha256(self.system_prompt.encode()).hexdigest(),
        }

    def summarize(
        self,
        group: SummaryInput,
        *,
        target_tokens: int | None,
        instructions: str | None,
        cancel: threading.Event | None = None,
    ) -> Summary:
        parts = [
            "Summarise this segment of the conversation. Your summary will replace it.",
            "<segment>",
            group.text,
            "</segment>",
        ]
        if target_tokens:
            parts.append(f"Aim for about {target_tokens} tokens.")
        parts += retention_prompt(group.retention)
        if instructions:
            parts.append(f"Instructions: {instructions}")
        messages = [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": "\n".join(parts)},
        ]
        if cancel is not None and cancel.is_set():
            raise SummarizerError("compression cancelled")
        max_tokens = self.max_tokens or (target_tokens * 2 if target_tokens else None)
        try:
            response = self.client.chat(
                messages,
                model=self.model,
                temperature=self.temperature,
                max_tokens=max_tokens,
                **dict(self.extra),
            )
            text = response_text(response)
        except LLMCancelled:
            raise SummarizerError("compression cancelled") from None
        except LLMError as exc:
            raise SummarizerError(f"summary of group {group.index + 1} failed: {exc}") from None
        config: dict[str, Any] = {
            "model": response.get("model") or self.describe()["model"],
            "temperature": self.temperature,
            "source": "infrastructure:compress",
        }
        if max_tokens:
            config["max_tokens"] = max_tokens
        usage = response_usage(response)
        if usage:
            config["usage"] = usage
        return Summary(_checked(text, f"LLM (group {group.index + 1})"), config)
