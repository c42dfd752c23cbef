"""Claude Code session JSONL → tract plans (docs/sessions.md, "Claude Code").

Every DAG record (one with a ``uuid``) that carries something the model saw becomes commits
parented on its ``parentUuid``; records that carry nothing for the model (progress, hook
summaries, most ``system`` records) are *aliases* of their nearest message ancestor, so the
line passes through them. A ``compact_boundary`` closes the line of its ``logicalParentUuid``
and the ``isCompactSummary`` record after it is the compaction's result. Each model response
(records sharing ``message.id``) is a compile record of the line before it. Sidechain trees
(inline subagents) are child tracts.

The parser keeps its state between calls of :meth:`ClaudeParser.feed`, so a follower feeds it
only the lines appended since the last call.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from core.importers import claude_content as cc
from core.importers.blocks import count, plain
from core.importers.model import SOURCE, SOURCE_ID, Call, Compaction, Node, Notes, TractPlan
from core.importers.reader import JsonLine, parse_time

FORMAT = "claude-code"
SYNTHETIC_MODEL = "<synthetic>"
# Record types that are Claude Code's own bookkeeping: counted, never messages.
BOOKKEEPING = frozenset(
    {
        "progress",
        "file-history-snapshot",
        "queue-operation",
        "summary",
        "custom-title",
        "ai-title",
        "last-prompt",
        "permission-mode",
        "mode",
        "agent-name",
        "worktree-state",
        "pr-link",
        "turn_end",
    }
)
# Record fields read into the plan; the rest of a message record is kept as metadata.
_READ = frozenset(
    {"type", "uuid", "parentUuid", "timestamp", "message", "toolUseResult", "sessionId"}
)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:/@+=-]{1,64}$")


def tract_key(raw: str, prefix: str = "") -> str:
    """A tract id from a source id: itself when short and plain, else a digest of it."""
    if _SAFE_ID.match(prefix + raw):
        return prefix + raw
    return prefix + "s-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:30]


def _session_tract(path: Path, session_id: Any) -> str:
    """A session file's tract: its name (Claude Code names it after the session), else the
    ``sessionId`` inside, else a digest of the name."""
    if _SAFE_ID.match(path.stem):
        return path.stem
    if isinstance(session_id, str) and session_id:
        return tract_key(session_id)
    return tract_key(path.stem)


def _id(value: Any) -> Any:
    """A record id as a key: a NUL in it (never in Claude Code's own ids) is written as an
    escape, since stores look keys up as text that a NUL would cut short."""
    return value.replace("\x00", "\\u0000") if isinstance(value, str) else value


def _fingerprint(record: Any) -> bytes:
    return hashlib.blake2b(
        orjson.dumps(record, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).digest()


class ClaudeParser:
    """One Claude Code session file (or one subagent file when ``tract_id`` is given)."""

    format = FORMAT

    def __init__(self, path: Path, *, tract_id: str | None = None) -> None:
        self.path = path
        self.fixed = tract_id
        self.session: str | None = tract_id
        self.title: str | None = None
        self._fp: dict[str, bytes] = {}  # effective id → fingerprint of its record
        self._occ: dict[str, int] = {}  # uuid → occurrences with distinct content
        self._latest: dict[str, str] = {}  # uuid → effective id of its latest occurrence
        self._alias: dict[str, str | None] = {}  # effective id → node key the line ends at
        self._tract: dict[str, str] = {}  # effective id → tract id
        self.tool_names: dict[str, str] = {}
        self.tool_nodes: dict[str, str] = {}  # tool_use id → node key of the call
        self.answered: set[str] = set()
        self._anonymous: list[str] = []  # names of calls without an id, not answered yet
        self._responses: set[str] = set()
        self._pending: dict[str, Compaction] = {}  # tract → compaction waiting for its summary
        self.task_calls: list[tuple[str, str, datetime | None, dict[str, Any]]] = []
        self.agent_results: dict[str, str] = {}  # agentId → tool_use id (toolUseResult)
        self.sidechains: dict[str, tuple[str | None, datetime | None]] = {}  # tract → prompt
        self.untimed = 0
        self.unpaired = 0  # tool results whose call was not seen
        self._plans: dict[str, TractPlan] = {}
        self._notes = Notes()

    # -- driving ----------------------------------------------------------------------------

    def feed(self, lines: list[JsonLine], notes: Notes) -> list[TractPlan]:
        """Plans for ``lines`` (appended after everything fed before)."""
        self._plans, self._notes = {}, notes
        for line in lines:
            self._record(line.number, line.value)
        if self.title and self.main in self._plans:  # titles may come after the messages
            self._plans[self.main].title = self.title
        return list(self._plans.values())

    def finish(self, notes: Notes) -> None:
        """End-of-input notes for a one-shot import (a follower calls it only when it stops)."""
        for tract, comp in self._pending.items():
            notes.warn(
                f"{self.path}:{comp.line}: compaction has no summary yet (tract {tract}); "
                "imported once the summary is written"
            )
        if self.untimed:
            notes.warn(
                f"{self.path}: {self.untimed} records have no valid timestamp; each is placed "
                "just after its parent"
            )
        if self.unpaired:
            notes.warn(
                f"{self.path}: {self.unpaired} tool results answer a call not in the file; "
                "kept, with tool name 'unknown'"
            )
        missing = [k for k in self.tool_nodes if k not in self.answered]
        if missing:
            notes.warn(f"{self.path}: {len(missing)} tool calls have no result in the file")

    def plan(self, tract: str) -> TractPlan:
        plan = self._plans.get(tract)
        if plan is None:
            title = self.title if tract == self.main else None
            plan = self._plans[tract] = TractPlan(tract, FORMAT, title=title)
        return plan

    # -- one record -------------------------------------------------------------------------

    def _record(self, n: int, r: Any) -> None:
        notes = self._notes
        if not isinstance(r, Mapping):
            notes.warn(f"{self.path}:{n}: not a JSON object; line skipped")
            return
        kind = r.get("type")
        kind = kind if isinstance(kind, str) else "untyped"
        if self.session is None and isinstance(r.get("sessionId"), str):
            self.session = _session_tract(self.path, r["sessionId"])
        uuid = _id(r.get("uuid"))
        if not isinstance(uuid, str) or not uuid:
            self._bookkeeping(n, kind, r)
            return
        fingerprint = _fingerprint(r)
        eff = uuid
        if uuid in self._latest:
            if self._fp.get(self._latest[uuid]) == fingerprint:
                notes.skip("duplicate")
                return
            self._occ[uuid] = self._occ.get(uuid, 1) + 1
            eff = f"{uuid}~{self._occ[uuid]}"
        # The parent is resolved before this record is known: a uuid used again names its
        # latest occurrence *before* this line.
        parent_uuid = _id(r.get("parentUuid"))
        parent_eff = self._latest.get(parent_uuid) if isinstance(parent_uuid, str) else None
        logical = _id(r.get("logicalParentUuid"))
        logical_eff = self._latest.get(logical) if isinstance(logical, str) else None
        self._latest[uuid] = eff
        self._fp[eff] = fingerprint
        if isinstance(parent_uuid, str) and parent_eff is None:
            notes.warn(
                f"{self.path}:{n}: parent {parent_uuid} is not in the file; "
                "the record starts a new line"
            )
        parent_key = self._alias.get(parent_eff) if parent_eff is not None else None
        tract = self._tract_for(eff, parent_eff, r)
        at = parse_time(r.get("timestamp"))
        if at is None:
            self.untimed += 1

        if kind == "system":
            subtype = r.get("subtype")
            if subtype == "compact_boundary":
                self._boundary(n, r, eff, tract, at, logical_eff)
                return
            self._alias[eff] = parent_key
            notes.skip(f"system:{subtype}" if isinstance(subtype, str) else "system")
            return
        if kind not in ("user", "assistant", "attachment"):
            self._alias[eff] = parent_key
            if kind in BOOKKEEPING:
                notes.skip(kind)
            else:
                notes.keep_unknown(kind, n, plain(r))
            return
        self._message(n, r, kind, eff, tract, parent_key, at)

    def _bookkeeping(self, n: int, kind: str, r: Mapping[str, Any]) -> None:
        if kind == "custom-title" and isinstance(r.get("customTitle"), str):
            self.title = r["customTitle"]
        elif kind == "ai-title" and isinstance(r.get("aiTitle"), str) and self.title is None:
            self.title = r["aiTitle"]
        elif kind == "summary" and isinstance(r.get("summary"), str) and self.title is None:
            self.title = r["summary"]
        if kind in BOOKKEEPING:
            self._notes.skip(kind)
        else:
            self._notes.keep_unknown(kind, n, plain(r))

    def _tract_for(self, eff: str, parent_eff: str | None, r: Mapping[str, Any]) -> str:
        if parent_eff is not None and parent_eff in self._tract:
            tract = self._tract[parent_eff]
        elif self.fixed is None and r.get("isSidechain") is True:
            tract = tract_key(f"{self.main}/side-{eff[:8]}")
            self.sidechains.setdefault(tract, (None, parse_time(r.get("timestamp"))))
        else:
            tract = self.main
        self._tract[eff] = tract
        return tract

    @property
    def main(self) -> str:
        if self.session is None:
            self.session = _session_tract(self.path, None)
        return self.session

    # -- compactions ------------------------------------------------------------------------

    def _boundary(
        self,
        n: int,
        r: Mapping[str, Any],
        eff: str,
        tract: str,
        at: datetime | None,
        closed_eff: str | None,
    ) -> None:
        self._alias[eff] = None  # the summary after it starts a new line
        logical = r.get("logicalParentUuid")
        closes = self._alias.get(closed_eff) if closed_eff is not None else None
        if closes is None:
            self._notes.warn(
                f"{self.path}:{n}: compaction's logical parent {logical} is not a message "
                "of the file; its event has no sources"
            )
        meta = r.get("compactMetadata")
        meta = meta if isinstance(meta, Mapping) else {}
        pre = meta.get("preTokens")
        params = {
            "source": FORMAT,
            SOURCE_ID: eff,
            "trigger": meta.get("trigger", r.get("trigger")),
            "preTokens": pre,
            "logicalParentUuid": logical,
            "line": n,
        }
        extra = {k: plain(v) for k, v in meta.items() if k not in ("trigger", "preTokens")}
        if extra:
            params["compactMetadata"] = extra
        self._finish_pending(tract, n)
        self._pending[tract] = Compaction(
            key=eff,
            closes=closes,
            results=[],
            at=at,
            line=n,
            original_tokens=count(pre) or 0,
            params=params,
        )

    def _finish_pending(self, tract: str, n: int, results: list[str] | None = None) -> None:
        comp = self._pending.pop(tract, None)
        if comp is None:
            return
        if results:
            comp.results = results
        else:
            self._notes.warn(
                f"{self.path}:{comp.line}: compaction has no summary record (line {n} follows "
                "it); its event has no result"
            )
        self.plan(tract).compactions.append(comp)

    # -- messages ---------------------------------------------------------------------------

    def _message(
        self,
        n: int,
        r: Mapping[str, Any],
        kind: str,
        eff: str,
        tract: str,
        parent_key: str | None,
        at: datetime | None,
    ) -> None:
        msg = r.get("message")
        msg = msg if isinstance(msg, Mapping) else {}
        config: dict[str, Any] | None = None
        skip_reason: str | None = None
        if kind == "assistant":
            payloads, other = cc.assistant_payloads(msg.get("content"))
            for block in other:
                self._notes.skip(f"assistant block:{block}")
            config = self._config(r, msg)
            self.answered.update(cc.server_results(msg.get("content")))
            if msg.get("model") == SYNTHETIC_MODEL or r.get("isApiErrorMessage") is True:
                skip_reason = "written by Claude Code, not by the model; never sent to it"
        elif kind == "user":
            source_call = r.get("sourceToolUseID")
            payloads, unpaired = cc.user_payloads(
                msg.get("content"),
                self._tool_name,
                source_call if isinstance(source_call, str) else None,
            )
            self.unpaired += len(unpaired)
            self._user_links(r, msg)
        else:
            text = cc.attachment_text(r.get("attachment"))
            payloads = [{"content_type": "dialogue", "role": "user", "text": text, "name": None}]
            if text is None:
                payloads = []
        if not payloads:
            self._alias[eff] = parent_key
            att = r.get("attachment")
            sub = att.get("type") if kind == "attachment" and isinstance(att, Mapping) else None
            self._notes.skip(f"attachment:{sub}" if sub else f"{kind} without content")
            return

        if r.get("isCompactSummary") is True and tract in self._pending:
            summary_keys = [self._key(eff, i, len(payloads)) for i in range(len(payloads))]
            self._finish_pending(tract, n, summary_keys)
        elif tract in self._pending:
            self._finish_pending(tract, n)

        if kind == "assistant" and parent_key is not None and skip_reason is None:
            self._call(n, r, msg, tract, parent_key, at, eff)

        plan = self.plan(tract)
        extra = {k: plain(v) for k, v in r.items() if k not in _READ}
        if "toolUseResult" in r:
            extra["toolUseResult"] = "(display data, not sent to the model: not imported)"
        parent = parent_key
        for i, payload in enumerate(payloads):
            key = self._key(eff, i, len(payloads))
            source: dict[str, Any] = {"format": FORMAT, "line": n, "uuid": r["uuid"], "type": kind}
            if kind == "attachment":
                att = r.get("attachment")
                source["attachment"] = att.get("type") if isinstance(att, Mapping) else None
            if i == len(payloads) - 1 and extra:
                source["record"] = extra
            metadata: dict[str, Any] = {SOURCE_ID: key, SOURCE: source}
            if skip_reason:
                metadata["skip"] = skip_reason
            plan.nodes.append(Node(key, parent, payload, at, n, metadata, config))
            parent = key
            if payload.get("content_type") == "tool_io" and payload["direction"] == "call":
                call_id = payload["payload"].get("tool_call_id")
                if isinstance(call_id, str):
                    self.tool_names[call_id] = payload["tool_name"]
                    self.tool_nodes[call_id] = key
                else:
                    self._anonymous.append(payload["tool_name"])
                if payload["tool_name"] in cc.TASK_TOOLS:
                    args = {k: v for k, v in payload["payload"].items() if k != "tool_call_id"}
                    self.task_calls.append((tract, key, at, args))
        self._alias[eff] = parent
        if kind == "user" and tract in self.sidechains and self.sidechains[tract][0] is None:
            first = payloads[0]
            if first.get("content_type") == "dialogue":
                self.sidechains[tract] = (first["text"], at)

    def _tool_name(self, call_id: str | None) -> str | None:
        """The tool a result answers: by id; a result naming no known call answers the
        latest call that had no id and no result yet (files from before tool ids)."""
        if call_id is not None and call_id in self.tool_names:
            return self.tool_names[call_id]
        return self._anonymous.pop() if self._anonymous else None

    @staticmethod
    def _key(eff: str, i: int, n: int) -> str:
        # The last payload of a record is keyed by the record itself, so a child record (which
        # names only its parent's uuid) always continues from it, in this import or a later one.
        return eff if i == n - 1 else f"{eff}#{i}"

    def _user_links(self, r: Mapping[str, Any], msg: Mapping[str, Any]) -> None:
        content = msg.get("content")
        if not isinstance(content, list):
            return
        ids = [
            blk.get("tool_use_id")
            for blk in content
            if isinstance(blk, Mapping) and blk.get("type") == "tool_result"
        ]
        self.answered.update(i for i in ids if isinstance(i, str))
        result = r.get("toolUseResult")
        if isinstance(result, Mapping) and isinstance(result.get("agentId"), str):
            for i in ids:
                if isinstance(i, str):
                    self.agent_results[result["agentId"]] = i

    def _config(self, r: Mapping[str, Any], msg: Mapping[str, Any]) -> dict[str, Any]:
        config: dict[str, Any] = {"source": FORMAT}
        for key in ("model", "id", "stop_reason", "stop_sequence", "usage"):
            if msg.get(key) is not None:
                config["message_id" if key == "id" else key] = plain(msg[key])
        if isinstance(r.get("requestId"), str):
            config["request_id"] = r["requestId"]
        rest = {
            k: plain(v)
            for k, v in msg.items()
            if k
            not in (
                "model",
                "id",
                "stop_reason",
                "stop_sequence",
                "usage",
                "content",
                "role",
                "type",
            )
        }
        if rest:
            config["message"] = rest
        return config

    def _call(
        self,
        n: int,
        r: Mapping[str, Any],
        msg: Mapping[str, Any],
        tract: str,
        head: str,
        at: datetime | None,
        eff: str,
    ) -> None:
        rid = msg.get("id") if isinstance(msg.get("id"), str) else r.get("requestId")
        response = rid if isinstance(rid, str) and rid else eff
        if response in self._responses:
            return
        self._responses.add(response)
        prompt, completion = cc.usage_figures(msg.get("usage"))
        params: dict[str, Any] = {"source": FORMAT, "message_id": msg.get("id"), "line": n}
        if isinstance(r.get("requestId"), str):
            params["request_id"] = r["requestId"]
        if isinstance(msg.get("model"), str):
            params["model"] = msg["model"]
        if isinstance(msg.get("usage"), Mapping):
            params["usage"] = plain(msg["usage"])
        self.plan(tract).calls.append(
            Call(f"call:{response}", head, at, n, prompt, completion, params)
        )
