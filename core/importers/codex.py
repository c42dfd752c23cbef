"""OpenAI Codex CLI rollout JSONL → tract plans (docs/sessions.md, "Codex").

What the model saw is the ``response_item`` stream: each item is a commit on the session's one
line, keyed by its line in the file (rollouts only grow, so a line number is a stable id).
``session_meta`` starts (or, with an id seen before, continues) a session and its
instructions are the first commit; ``turn_context`` sets the generation config of the model's
items after it; ``compacted`` closes the line and starts a new one from its
``replacement_history``. ``event_msg`` lines repeat the stream for display and are counted,
never imported. Older rollouts without the ``{type, payload}`` wrapper are read too.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from core.importers import blocks as b
from core.importers.claude_code import tract_key
from core.importers.model import SOURCE, SOURCE_ID, Compaction, Node, Notes, TractPlan
from core.importers.reader import JsonLine, parse_time
from core.models import content as c

FORMAT = "codex"
WRAPPED = frozenset({"session_meta", "response_item", "compacted", "turn_context", "event_msg"})
_ROLES = {"user": "user", "assistant": "assistant", "system": "system"}
# Response items that are not something the model was sent.
_NOT_CONTEXT = frozenset({"ghost_snapshot"})


class CodexParser:
    format = FORMAT

    def __init__(self, path: Path) -> None:
        self.path = path
        self.session: str | None = None
        self._tip: dict[str, str | None] = {}  # session → key of its line's last node
        self._config: dict[str, dict[str, Any]] = {}
        self._instructions: set[str] = set()
        self.calls: dict[str, str] = {}  # call_id → tool name
        self._open_calls: list[tuple[str, str]] = []  # unwrapped calls without ids: (name, key)
        self._info: dict[str, dict[str, Any]] = {}
        self._plans: dict[str, TractPlan] = {}
        self._notes = Notes()
        self.untimed = 0
        self.unpaired = 0

    def feed(self, lines: list[JsonLine], notes: Notes) -> list[TractPlan]:
        self._plans, self._notes = {}, notes
        for line in lines:
            self._line(line.number, line.value)
        return list(self._plans.values())

    def finish(self, notes: Notes) -> None:
        if self.unpaired:
            notes.warn(
                f"{self.path}: {self.unpaired} tool outputs answer a call not in the file; "
                "kept, with tool name 'unknown'"
            )
        if self.untimed:
            notes.warn(
                f"{self.path}: {self.untimed} items have no valid timestamp; each is placed "
                "just after the one before it"
            )

    @property
    def current(self) -> str:
        if self.session is None:
            self.session = tract_key(self.path.stem)
        return self.session

    def plan(self, tract: str) -> TractPlan:
        plan = self._plans.get(tract)
        if plan is None:
            plan = self._plans[tract] = TractPlan(tract, FORMAT)
            if tract in self._info:
                plan.info = self._info[tract]
        return plan

    # -- lines ------------------------------------------------------------------------------

    def _line(self, n: int, r: Any) -> None:
        if not isinstance(r, Mapping):
            self._notes.warn(f"{self.path}:{n}: not a JSON object; line skipped")
            return
        kind = r.get("type")
        payload = r.get("payload")
        if isinstance(kind, str) and isinstance(payload, Mapping) and "payload" in r:
            at = parse_time(r.get("timestamp")) or parse_time(payload.get("timestamp"))
            self._wrapped(n, kind, payload, at)
        else:
            self._unwrapped(n, r)

    def _wrapped(self, n: int, kind: str, p: Mapping[str, Any], at: datetime | None) -> None:
        if kind == "session_meta":
            self._session(n, p, at)
        elif kind == "turn_context":
            config = {"source": FORMAT}
            for key in ("model", "effort", "summary", "approval_policy", "cwd", "turn_id"):
                if p.get(key) is not None:
                    config[key] = b.plain(p[key])
            if isinstance(p.get("sandbox_policy"), Mapping):
                config["sandbox_policy"] = b.plain(p["sandbox_policy"])
            self._config[self.current] = config
            self._notes.skip("turn_context (kept as generation config)")
        elif kind == "response_item":
            self._item(n, p, at)
        elif kind == "compacted":
            self._compacted(n, p, at)
        elif kind == "event_msg":
            sub = p.get("type")
            self._notes.skip(f"event_msg:{sub}" if isinstance(sub, str) else "event_msg")
        else:
            self._notes.keep_unknown(kind, n, b.plain({"type": kind, "payload": p}))

    def _session(self, n: int, p: Mapping[str, Any], at: datetime | None) -> None:
        sid = p.get("id") or p.get("session_id")
        if isinstance(sid, str) and sid:
            self.session = tract_key(sid)
        tract = self.current
        info = {
            k: b.plain(p[k])
            for k in ("id", "cwd", "cli_version", "originator", "model_provider", "git", "source")
            if p.get(k) is not None
        }
        self._info.setdefault(tract, {}).update(info)
        self.plan(tract).info = self._info[tract]
        self._notes.skip("session_meta")
        text = p.get("instructions")
        base = p.get("base_instructions")
        if not isinstance(text, str) and isinstance(base, Mapping):
            text = base.get("text")
        if isinstance(text, str) and text and tract not in self._instructions:
            self._instructions.add(tract)
            self._add(tract, f"{tract}:instructions", c.instruction(text), at, n, "session_meta")

    def _add(
        self,
        tract: str,
        key: str,
        payload: dict[str, Any],
        at: datetime | None,
        n: int,
        kind: str,
        config: dict[str, Any] | None = None,
        parent: str | bool | None = True,
    ) -> None:
        if at is None:
            self.untimed += 1
        up = self._tip.get(tract) if parent is True else (parent or None)
        meta = {SOURCE_ID: key, SOURCE: {"format": FORMAT, "line": n, "type": kind}}
        self.plan(tract).nodes.append(Node(key, up, payload, at, n, meta, config))
        self._tip[tract] = key

    # -- response items ---------------------------------------------------------------------

    def _payload(self, n: int, p: Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        """(payload, produced by the model) of one response item; None when not context."""
        kind = p.get("type")
        if kind == "message":
            text = b.text_of(p.get("content"))
            role = p.get("role")
            if text is None:
                return None, False  # nothing was said: counted, no empty commit
            if role == "developer":
                return c.dialogue("system", text, "developer"), False
            if isinstance(role, str) and role in _ROLES:
                return c.dialogue(_ROLES[role], text), role == "assistant"
            self._notes.warn(f"{self.path}:{n}: message with role {role!r}; kept as user")
            return c.dialogue("user", text, str(role)), False
        if kind == "reasoning":
            return c.reasoning(_reasoning_text(p)), True
        if kind in ("function_call", "custom_tool_call", "local_shell_call", "tool_search_call"):
            name = p.get("name") or kind.removesuffix("_call")
            if kind == "custom_tool_call":
                args: Any = {"input": p.get("input")}
            elif kind == "local_shell_call":
                args = {"action": b.plain(p.get("action"))}
            else:
                args = p.get("arguments")
            call_id = p.get("call_id")
            if isinstance(call_id, str):
                self.calls[call_id] = str(name)
            return b.tool_call(name, args, call_id), True
        if kind in (
            "function_call_output",
            "custom_tool_call_output",
            "tool_search_output",
            "local_shell_call_output",
        ):
            call_id = p.get("call_id")
            name = self.calls.get(call_id) if isinstance(call_id, str) else None
            if name is None:
                self.unpaired += 1
            output = p.get("output")
            if kind == "tool_search_output":
                output = b.plain(p.get("tools"))
                output = output if isinstance(output, str) else _json(output)
            error = False
            if isinstance(output, Mapping) and "content" in output:
                error = output.get("success") is False
                output = output.get("content")
            return b.tool_result(name, output, call_id, error), False
        if kind in ("web_search_call", "image_generation_call"):
            detail = {k: b.plain(v) for k, v in p.items() if k not in ("type", "result")}
            if isinstance(p.get("result"), str):
                detail["result"] = b.image_placeholder("image", p["result"])
            return b.tool_call(kind.removesuffix("_call"), detail, p.get("id")), True
        if kind == "agent_message":  # a message another agent sent this one
            author = p.get("author")
            name = author if isinstance(author, str) and author else "agent"
            return c.dialogue("user", b.text_of(p.get("content")) or "", name), False
        if kind == "compaction":
            data = p.get("encrypted_content")
            size = len(data) if isinstance(data, str) else 0
            return c.dialogue(
                "user", f"[encrypted compaction summary, {size:,} characters, not readable]"
            ), False
        return None, False

    def _item(self, n: int, p: Mapping[str, Any], at: datetime | None) -> None:
        kind = str(p.get("type"))
        if kind in _NOT_CONTEXT:
            self._notes.skip(f"response_item:{kind}")
            return
        payload, by_model = self._payload(n, p)
        if payload is None and kind == "message":
            self._notes.skip("response_item:message without content")
            return
        if payload is None:
            self._notes.keep_unknown(f"response_item:{kind}", n, b.plain(p))
            return
        tract = self.current
        config = self._config.get(tract) if by_model else None
        self._add(tract, f"{tract}:L{n}", payload, at, n, kind, config)

    def _compacted(self, n: int, p: Mapping[str, Any], at: datetime | None) -> None:
        tract = self.current
        closes = self._tip.get(tract)
        history = p.get("replacement_history")
        keys: list[str] = []
        parent: str | None = None
        items: list[Any] = list(history) if isinstance(history, list) else []
        message = p.get("message")
        if not items and isinstance(message, str) and message:
            items = [{"type": "message", "role": "user", "content": message}]
        # The instructions are sent with every request, so the new line starts from them.
        base = f"{tract}:instructions" if tract in self._instructions else None
        for i, item in enumerate(items):
            if isinstance(item, Mapping) and item.get("type") in _NOT_CONTEXT:
                self._notes.skip(f"replacement_history:{item.get('type')}")
                continue
            payload = self._payload(n, item)[0] if isinstance(item, Mapping) else None
            if payload is None:
                self._notes.keep_unknown("replacement_history item", n, b.plain(item))
                continue
            key = f"{tract}:L{n}:{i}"
            self._add(tract, key, payload, at, n, "compacted", parent=parent or base or False)
            parent = key
            keys.append(key)
        if not keys:
            self._tip[tract] = base  # the model was left with nothing else: a new line starts
            self._notes.warn(f"{self.path}:{n}: compaction kept nothing; its event has no result")
        params = {"source": FORMAT, "line": n}
        extra = {k: b.plain(v) for k, v in p.items() if k != "replacement_history"}
        if extra:
            params["compacted"] = extra
        self.plan(tract).compactions.append(
            Compaction(f"{tract}:L{n}", closes, keys, at, n, 0, params)
        )

    # -- older, unwrapped lines -------------------------------------------------------------

    def _unwrapped(self, n: int, r: Mapping[str, Any]) -> None:
        at = parse_time(r.get("created_at")) or parse_time(r.get("timestamp"))
        tract = self.current
        kind = r.get("type")
        if isinstance(r.get("role"), str):
            text = r.get("content")
            if text is None:
                text = r.get("message")
            item = {"type": "message", "role": r["role"], "content": b.text_of(text) or ""}
            payload, by_model = self._payload(n, item)
            config = self._config.get(tract) if by_model else None
            if isinstance(r.get("model"), str):
                self._config[tract] = {"source": FORMAT, "model": r["model"]}
            assert payload is not None
            self._add(tract, f"{tract}:L{n}", payload, at, n, "message", config)
        elif kind == "function_call":
            fn = r.get("function")
            name = (fn.get("name") if isinstance(fn, Mapping) else None) or r.get("name")
            key = f"{tract}:L{n}"
            args = r.get("arguments")
            if args is None and isinstance(fn, Mapping):
                args = fn.get("arguments")
            self._open_calls.append((str(name), key))
            self._add(
                tract,
                key,
                b.tool_call(name, args, r.get("call_id")),
                at,
                n,
                kind,
                self._config.get(tract),
            )
        elif kind in ("function_result", "function_call_output"):
            name = r.get("name")
            for i in range(len(self._open_calls) - 1, -1, -1):  # pair with its call by name
                if self._open_calls[i][0] == name or name is None:
                    name = self._open_calls.pop(i)[0]
                    break
            output = r.get("result", r.get("output"))
            payload = b.tool_result(
                name if isinstance(name, str) else None,
                output if isinstance(output, str) else _json(output),
                r.get("call_id"),
            )
            self._add(tract, f"{tract}:L{n}", payload, at, n, kind)
        elif isinstance(r.get("instructions"), str) and "id" in r:
            self._session(n, r, at)
        else:
            self._notes.keep_unknown(str(kind) if kind else "untyped", n, b.plain(r))


def _reasoning_text(p: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for key in ("summary", "content"):
        value = p.get(key)
        if isinstance(value, list):
            for part in value:
                if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                    parts.append(part["text"])
    if parts:
        return "\n\n".join(parts)
    data = p.get("encrypted_content")
    if not isinstance(data, str) or not data:
        return "[reasoning with no text in the rollout]"  # not "encrypted": nothing is there
    return f"[encrypted reasoning, {len(data):,} characters, not readable]"


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
