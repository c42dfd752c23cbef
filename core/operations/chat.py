"""chat(text) and usage calibration (docs/behaviour.md §5 usage calibration, §6, §13).

``chat`` runs in two transactions around the LLM call: (1) commit the user message, compile
that head and write the compile record — committed *before* the call, so a failed call still
leaves evidence of what was sent; (2) commit the reply and calibrate the head that was sent
(tract-ai calibrated the reply head, §15.3). The call itself holds no transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from core.errors import ContentValidationError, LLMConfigError, NotFoundError, TractError
from core.llm.client import PLUMBING_KEYS, ChatClient, response_text, response_usage
from core.models import content as c
from core.models.compiled import CompiledContext
from core.models.enums import CommitOperation
from core.models.records import CommitInfo
from core.operations import commit as commit_op
from core.operations.budget import TokenBudget, check_budget
from core.operations.compile import Compiler, write_record
from core.operations.context import TractContext, head_state
from core.storage.repositories import UnitOfWork

# A write transaction, opened anew for each phase of a chat (or the caller's batch).
Transaction = Callable[[], AbstractContextManager[UnitOfWork]]

# Aliases folded into their canonical generation-config names (§13).
ALIASES = {"stop": "stop_sequences", "max_completion_tokens": "max_tokens"}
# Canonical names the OpenAI body spells differently.
REQUEST_NAMES = {"stop_sequences": "stop"}


class ChatRefusedError(TractError):
    """chat() cannot run here (inside a batch)."""


@dataclass(frozen=True)
class ChatResult:
    text: str
    prompt: CommitInfo  # the user message that was committed and sent
    reply: CommitInfo  # the assistant reply
    record_id: str  # the compile record of what was sent
    sent: CompiledContext  # the compiled context that was sent
    usage: dict[str, int] | None
    generation_config: dict[str, Any]


def resolve_llm_kwargs(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge config layers, highest precedence first; aliases folded, plumbing dropped.

    ``extra`` dicts are merged (a higher layer's keys win); ``None`` values never override.
    """
    out: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for layer in reversed([lay for lay in layers if lay]):
        for key, value in layer.items():
            key = ALIASES.get(key, key)
            if key in PLUMBING_KEYS or value is None:
                continue
            if key == "extra" and isinstance(value, Mapping):
                extra.update(value)
            else:
                out[key] = value
    if extra:
        out["extra"] = extra
    return out


def request_kwargs(resolved: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments for ``ChatClient.chat`` (extras flattened into the body)."""
    out: dict[str, Any] = {}
    for key, value in resolved.items():
        if key == "extra":
            continue
        out[REQUEST_NAMES.get(key, key)] = value
    for key, value in dict(resolved.get("extra") or {}).items():
        if key not in PLUMBING_KEYS:
            out.setdefault(key, value)
    return out


def parse_usage(usage: Any) -> tuple[int, int]:
    """(prompt, completion) from OpenAI ``{prompt_tokens, completion_tokens}`` or Anthropic
    ``{input_tokens, output_tokens}``; anything else is a content-validation error."""
    if isinstance(usage, Mapping):
        for p_key, c_key in (
            ("prompt_tokens", "completion_tokens"),
            ("input_tokens", "output_tokens"),
        ):
            p, comp = usage.get(p_key), usage.get(c_key)
            if _count(p) and _count(comp):
                return int(p), int(comp)  # type: ignore[arg-type]  # _count checked: ints
    raise ContentValidationError(
        "usage must have prompt_tokens and completion_tokens (OpenAI) or "
        "input_tokens and output_tokens (Anthropic) as non-negative integers"
    )


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def record_usage(
    uow: UnitOfWork, ctx: TractContext, compiler: Compiler, usage: Any, head: str | None = None
) -> CompiledContext:
    """Calibrate ``head`` (HEAD by default): its compile reports the API's prompt count."""
    prompt, completion = parse_usage(usage)
    target = head or head_state(uow, ctx.tract_id).commit
    if target is None:
        raise NotFoundError("cannot record usage: the tract has no commits")
    return compiler.calibrate(uow, target, prompt, completion)


def _client_text(client: ChatClient, response: Mapping[str, Any]) -> str:
    extract = getattr(client, "extract_content", None)
    return str(extract(response)) if callable(extract) else response_text(response)


def _client_usage(client: ChatClient, response: Mapping[str, Any]) -> dict[str, int] | None:
    extract = getattr(client, "extract_usage", None)
    usage = extract(response) if callable(extract) else response_usage(response)
    return dict(usage) if isinstance(usage, Mapping) and usage else None


def chat(
    write: Transaction,
    ctx: TractContext,
    compiler: Compiler,
    budget: TokenBudget | None,
    text: str,
    client: ChatClient | None,
    *,
    name: str | None = None,
    config: Mapping[str, Any] | None = None,
    **llm_kwargs: Any,
) -> ChatResult:
    """Commit ``text`` as a user message, send the compiled context, commit the reply.

    ``write`` opens each of the two transactions; the caller refuses a batch beforehand (the
    LLM call must not run inside one)."""
    if client is None:
        raise LLMConfigError("chat() needs an LLM client")
    resolved = resolve_llm_kwargs(llm_kwargs, config)
    settings = getattr(client, "settings", None)
    model = resolved.get("model") or getattr(settings, "model", None)
    payload = ctx.registry.validate(c.dialogue("user", text, name))

    with write() as uow:  # (1) the prompt and the evidence, committed before the call
        check_budget(uow, ctx, compiler, budget, payload, CommitOperation.APPEND, None)
        prompt = commit_op.commit(uow, ctx, payload)
        sent = compiler.compile(uow, head=prompt.commit_hash)
        record = write_record(uow, ctx, sent, {"purpose": "chat", "model": model})

    response = client.chat(sent.to_dicts(), **request_kwargs(resolved))
    reply_text = _client_text(client, response)
    usage = _client_usage(client, response)
    generation_config = dict(resolved)
    generation_config["model"] = response.get("model") or model
    if usage:
        generation_config["usage"] = usage
    try:
        calibration = parse_usage(usage) if usage else None
    except ContentValidationError:
        calibration = None  # an endpoint's odd usage shape must not lose the reply

    with write() as uow:  # (2) the reply; the sent head is what the usage measured
        if calibration is not None:
            compiler.calibrate(uow, prompt.commit_hash, *calibration)
        reply_payload = ctx.registry.validate(c.dialogue("assistant", reply_text))
        check_budget(uow, ctx, compiler, budget, reply_payload, CommitOperation.APPEND, None)
        reply = commit_op.commit(uow, ctx, reply_payload, generation_config=generation_config)
    return ChatResult(
        text=reply_text,
        prompt=prompt,
        reply=reply,
        record_id=record.record_id,
        sent=sent,
        usage=usage,
        generation_config=generation_config,
    )
