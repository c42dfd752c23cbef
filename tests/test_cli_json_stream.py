"""``compile --json`` is streamed (orjson, one message at a time) and prints exactly what
``json.dumps(indent=2)`` of the whole object prints: ASCII-escaped, stored text verbatim when
parsed back — non-ASCII, astral characters, controls, and a lone surrogate (which orjson
refuses) alike."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from core import Blame, create_tract
from core.models import content as c
from core.models.compiled import CompiledContext, Message
from tract_tui.commands._json_stream import write_json
from tract_tui.commands.compile import encoded_messages, message_items

TEXTS = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | TEXTS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXTS, inner, max_size=4),
    max_leaves=12,
)


def streamed(fields: dict[str, Any], items: list[Any]) -> str:
    buffer = io.StringIO()
    order = [*fields, "items"]
    write_json(fields, {"items": iter(items)}, order=order, stream=buffer)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "é", "c"]), VALUES), st.lists(VALUES))
def test_streamed_json_is_json_dumps(fields: dict[str, Any], items: list[Any]) -> None:
    whole = {**fields, "items": items}
    assert streamed(fields, items) == json.dumps(whole, indent=2) + "\n"


def test_odd_text_round_trips() -> None:
    odd = ["café ✓", "🦀 astral", "\x1b[31mred\x1b[0m\ttab\x00", "\ud800 lone", "", "\u2028"]
    items = [{"content": t, "tool_calls": [{"id": t}]} for t in odd]
    text = streamed({"head": "h", "tools": []}, items)
    assert text.isascii()
    assert json.loads(text)["items"] == items
    assert streamed({}, []) == json.dumps({"items": []}, indent=2) + "\n"


def test_compile_json_prints_the_whole_compile(tmp_path: Path) -> None:
    store = tmp_path / "s.db"
    t = create_tract(store)
    t.system("Be brief. ✓")
    t.user("🦀 and \x1b[2J")  # an astral character and a terminal control
    t.assistant("done")
    compiled = t.compile()
    t.close()
    proc = subprocess.run(
        [sys.executable, "-m", "tract_tui", "compile", "--json", str(store)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout)
    assert proc.stdout.isascii()
    assert [m["content"] for m in data["messages"]] == [m.content for m in compiled.messages]
    assert data["commit_hashes"] == list(compiled.commit_hashes)
    assert list(data) == [
        "head",
        "token_count",
        "token_source",
        "commit_count",
        "commit_hashes",
        "messages",
        "tools",
        "tools_tokens",
        "record_id",
    ]
    assert data["messages"][0]["blame"]["kind"]


# Tool fields come from stored metadata: any JSON, floats in exponent form and NaN included.
TOOL_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXTS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            TEXTS,
            st.none() | TEXTS | TOOL_VALUES,
            st.none() | st.lists(st.dictionaries(TEXTS, TOOL_VALUES, max_size=3), max_size=2),
            st.none() | st.integers(-(2**65), 2**65),
        ),
        max_size=5,
    ),
    st.lists(st.integers(0, 2**70) | st.floats(allow_nan=False), max_size=5),
)
def test_compile_messages_stream_as_json_dumps(
    rows: list[tuple[str, Any, Any, int | None]], counts: list[Any]
) -> None:
    """The compile command encodes its messages without looking at the values whose types
    it knows: the text is still what ``json.dumps(indent=2)`` of the same items prints."""
    messages = [
        Message("tool", text, tool_call_id=call_id, tool_calls=tuple(calls) if calls else None)
        for text, call_id, calls, _ in rows
    ]
    hashes = [f"{i:064x}" for i in range(len(rows))]
    compiled = CompiledContext(messages, 0, "", hashes, [None] * len(rows), tuple(counts))
    blame = tuple(
        Blame(h, "imported", "imported from x", "e", (), file="x", line=line)
        for h, (_, _, _, line) in zip(hashes, rows, strict=True)
    )
    items = list(message_items(compiled, blame))
    for run in (1, 2, 256):  # runs of messages encoded together, split anywhere
        buffer = io.StringIO()
        encoded = encoded_messages(compiled, blame, run=run)
        write_json({}, {"items": encoded}, order=["items"], stream=buffer)
        assert buffer.getvalue() == json.dumps({"items": items}, indent=2) + "\n"


def test_a_lone_surrogate_in_a_run_of_messages() -> None:
    """orjson refuses a lone surrogate, which sends its whole run to be written item by item:
    the text is still ``json.dumps``'s, the messages around it included."""
    texts = ["plain", "café", "\ud800 lone", "after", "🦀"]
    messages = [Message("user", t) for t in texts]
    hashes = [f"{i:064x}" for i in range(len(texts))]
    compiled = CompiledContext(messages, 0, "", hashes, [None] * len(texts), (1,) * len(texts))
    items = list(message_items(compiled))
    for run in (1, 2, 3, 256):
        buffer = io.StringIO()
        encoded = encoded_messages(compiled, run=run)
        write_json({}, {"items": encoded}, order=["items"], stream=buffer)
        assert buffer.getvalue() == json.dumps({"items": items}, indent=2) + "\n"


def test_streamed_compile_prints_what_the_kept_compile_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command reads its compile once, a run at a time (``Tract.compile_stream``): its
    JSON and its text are byte for byte those made from ``Tract.compile`` and
    ``Tract.blame`` — over several runs of messages, merges, an edit and damaged content."""
    from core import Tract
    from tests.core.test_blame_merged import random_history
    from tract_tui import cli
    from tract_tui.commands.compile import _entries, _print, compiled_dict

    store = tmp_path / "s.db"
    t = random_history(str(store), 3)
    with t.batch():
        for i in range(300):
            t.user(f"more {i % 40} ✓")
    t.edit(t.head, c.dialogue("user", "edited 🦀"))
    t.close()
    con = sqlite3.connect(store)
    con.execute("UPDATE blobs SET payload_json = '{oops' WHERE rowid = 5")
    con.commit()
    con.close()
    with Tract.open(store) as kept:
        compiled = kept.compile()
        blame = kept.blame(at=compiled.head_hash)
        assert len(compiled.messages) > 256 and any(m.damaged for m in compiled.messages)
        want_json = json.dumps(compiled_dict(compiled, blame), indent=2) + "\n"
        _print(compiled, _entries(compiled, blame), as_json=False)
        want_text = capsys.readouterr().out
    assert cli.main(["compile", "--json", "--allow-damaged", str(store)]) == 0
    assert capsys.readouterr().out == want_json
    assert cli.main(["compile", "--allow-damaged", str(store)]) == 0
    assert capsys.readouterr().out == want_text
    assert cli.main(["compile", "--json", str(store)]) == 2  # refused before printing
    refused = capsys.readouterr()
    assert refused.out == "" and "has missing or unreadable content" in refused.err


def test_commit_hashes_stream_in_runs() -> None:
    from tract_tui.commands.compile import _encoded_hashes

    hashes = [f"{i:064x}" for i in range(10)] + ["\ud800 not a hash", "é"]
    for run in (1, 3, 4096):
        buffer = io.StringIO()
        write_json({}, {"h": _encoded_hashes(hashes, run)}, order=["h"], stream=buffer)
        assert buffer.getvalue() == json.dumps({"h": hashes}, indent=2) + "\n"
