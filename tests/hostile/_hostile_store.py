"""A store whose every shown string is hostile: commit texts and messages, branch names, a
custom content type, an operation event's type/branch/params, compile-record reasons.

Each hostile string has a *shown* form: what a screen or CLI must print instead (controls
escaped as ``\\x1b``/``\\u202e``, markup verbatim), from ``core.views.text``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core import create_tract
from core.engine.clock import FrozenClock
from core.models.records import OperationEvent
from core.operations.commit import write_commit
from core.operations.context import branch_ref

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=3)

HOSTILE: dict[str, str] = {
    "csi": "\x1b[31mred\x1b[0m",
    "osc_title": "\x1b]0;pwned-title\x07",
    "osc52": "\x1b]52;c;cm0gLXJmIH4=\x07",  # clipboard injection
    "markup": "[bold]B[/bold] [link=https://evil.example]click[/link] [/] [red",
    "controls": "a\x00b\x07c\x08d\x0be\x0cf\x7fg\x85h\x9bi",
    "cr": "visible\rhidden",
    "zero_width": "a\u200bb\u200dc\ufeffd",
    "bidi": "\u202eevil\u202c and \u2066iso\u2069",
    "cjk": "漢字テキスト 中文",
    "emoji": "👩\u200d💻 coder 🇺🇸 flag 🎉",
}
ALL = " | ".join(HOSTILE.values())

# Fragments a screen must show verbatim for each hostile text (a subset is enough to be sure
# the text was escaped, not dropped).
SHOWN: dict[str, tuple[str, ...]] = {
    "csi": ("\\x1b[31mred\\x1b[0m",),
    "osc_title": ("\\x1b]0;pwned-title\\x07",),
    "osc52": ("\\x1b]52;c;cm0gLXJmIH4=\\x07",),
    "markup": ("[bold]B[/bold] [link=https://evil.example]click[/link] [/] [red",),
    "controls": ("a\\x00b\\x07c\\x08d\\x0be\\x0cf\\x7fg\\x85h\\x9bi",),
    "cr": ("visible\\rhidden",),
    "zero_width": ("a\\u200bb\\u200dc\\ufeffd",),
    "bidi": ("\\u202eevil\\u202c and \\u2066iso\\u2069",),
    "cjk": ("漢字テキスト 中文",),
    "emoji": ("👩\\u200d💻 coder 🇺🇸 flag 🎉",),
}
# Characters that must never reach a screen or a terminal raw.
RAW_CONTROLS = ("\x1b", "\x07", "\x00", "\x08", "\r", "\x9b", "\u202e", "\u2066", "\u200b")

HOSTILE_BRANCHES = ("\x1b[31mevil", "[bold]b[/]", "漢字", "👩\u200d💻")
CUSTOM_TYPE = "\x1b[7mct漢"
EVENT_TYPE = "\x1b]0;t\x07[b]ev"


@dataclass
class HostileStore:
    path: Path
    tract_id: str
    commits: dict[str, str] = field(default_factory=dict)  # hostile name → user commit
    custom: str = ""  # the commit of a custom content type with a hostile name
    records: tuple[str, str] = ("", "")
    event_id: str = ""


def build(path: Path) -> HostileStore:
    """Every hostile text as a user message (and as its commit message), a reply each, a
    recorded compile, a compress whose instructions are hostile, another recorded compile,
    branches with hostile names, a custom content type and a foreign event."""
    t = create_tract(path, clock=FrozenClock(T0, timedelta(seconds=5)))
    built = HostileStore(path, t.tract_id)
    t.system("You are terse. " + ALL)
    for name, text in HOSTILE.items():
        built.commits[name] = t.user(
            f"{name}: {text}\nsecond line {text}", message=text
        ).commit_hash
        t.assistant(f"reply to {name}: {text}")
    first = t.compile(record=True, reason=ALL).record_id or ""
    t.compress(
        from_ref=built.commits["cr"],
        to_ref=built.commits["zero_width"],
        summarizer="extractive",
        instructions=ALL,
    )
    with t.store.write() as uow:  # what a foreign writer might leave behind
        head = t.head
        assert head is not None
        custom = write_commit(
            uow,
            t.ctx,
            {"content_type": CUSTOM_TYPE, "text": "custom " + ALL},
            parent=head,
            message="custom " + HOSTILE["osc52"],
        )
        uow.refs.set_direct(t.tract_id, branch_ref("main"), custom.commit_hash)
        for name in HOSTILE_BRANCHES:
            uow.refs.set_direct(t.tract_id, branch_ref(name), custom.commit_hash)
        event_id = uuid.uuid4().hex
        uow.events.add(
            OperationEvent(
                event_id=event_id,
                tract_id=t.tract_id,
                event_type=EVENT_TYPE,
                branch_name="\x1b[2Jbr漢",
                created_at=T0 + timedelta(hours=1),
                original_tokens=10,
                compressed_tokens=5,
                params={"instructions": ALL, "summarizer": HOSTILE["csi"], "model": ALL},
                sources=(built.commits["csi"],),
                results=(custom.commit_hash,),
            )
        )
    t.compiler.clear()
    second = t.compile(record=True, reason="after " + ALL).record_id or ""
    built.custom = custom.commit_hash
    built.records = (first, second)
    built.event_id = event_id
    t.close()
    return built
