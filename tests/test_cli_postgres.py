"""The command line on PostgreSQL: ``summary``, ``verify``, ``log``, ``events`` and ``upgrade``
given a ``postgresql://`` URL (the plain form a user types; psycopg 3 is used for it).

The scripting commands' full behaviour runs on both backends in ``test_cli_scripting.py``;
here: a store written by two agents (tracts) with a branch and a compress event, read by every
read command, and a legacy store refused with its upgrade command, then upgraded once.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import make_url

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from core.storage.connection import make_engine, parse_location
from tests.core._store_builders import build_v5_with_sqlalchemy
from tract_tui.cli import main

pytestmark = pytest.mark.postgres
T0 = datetime(2026, 4, 1, 8, 0, 0)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def url(pg_url: str) -> str:
    """``pg_url`` as a user writes it: ``postgresql://`` without a driver name."""
    return make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_read_commands_on_a_shared_store(capsys: pytest.CaptureFixture[str], url: str) -> None:
    with create_tract(url, clock=FrozenClock(T0, timedelta(seconds=1))) as t:
        t.system("You are terse.")
        first = t.user("one").commit_hash
        t.assistant("two")
        t.branch("feature")
        t.user("on the feature branch")
        t.switch("main")
        t.user("three")
        compressed = t.compress(from_ref=first, content="one and two, in short")
        main_id = t.tract_id
    with create_tract(url) as other:  # a second agent in the same database
        other.user("another agent")
        other_id = other.tract_id

    code, out, err = run(capsys, "summary", url)
    assert code == 0 and err == ""
    assert "2 tract(s)" in out and f"tract {main_id}" in out and f"tract {other_id}" in out
    assert "1 operation events" in out and "feature" in out
    assert ":***@" in out or make_url(url).password is None  # the password is never printed

    code, out, _ = run(capsys, "verify", url)
    assert code == 0 and out.rstrip().endswith("no problems")

    code, _, err = run(capsys, "log", url)
    assert code == 2 and "holds 2 tracts" in err  # several agents: name one
    log = json.loads(run(capsys, "log", url, "--tract", main_id, "--json")[1])
    with Tract.open(url, main_id) as t:
        assert [c["hash"] for c in log["commits"]] == [c.commit_hash for c in t.log()]
    code, out, _ = run(capsys, "log", url, "--tract", main_id, "--graph")
    assert code == 0 and "(feature)" in out

    events = json.loads(run(capsys, "events", url, "--tract", main_id, "--json")[1])
    assert [e["event_id"] for e in events["events"]] == [compressed.event_id]
    assert events["events"][0]["event_type"] == "compress"
    code, out, _ = run(capsys, "events", url, "--tract", main_id)
    assert code == 0 and "compress on main" in out


def test_legacy_store_is_refused_then_upgraded_once(
    capsys: pytest.CaptureFixture[str], url: str
) -> None:
    engine = make_engine(parse_location(url), pool=False)
    try:
        built = build_v5_with_sqlalchemy(engine)
    finally:
        engine.dispose()
    location = parse_location(url)
    command = f"tract-tui upgrade '{location.cli_arg}'"
    for argv in (["summary", url], ["log", url], ["events", url], [url]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and err.count("\n") == 1, argv
        assert f"store is at tract-ai schema v5; run: {command}" in err, argv

    code, out, _ = run(capsys, "upgrade", url)
    assert code == 0 and "from tract-ai schema v5 to tract-ai schema v6" in out
    code, out, _ = run(capsys, "upgrade", url)
    assert code == 0 and "nothing to do" in out
    code, out, _ = run(capsys, "summary", url)
    events = f"{len(built.compressions)} operation events"  # the legacy compressions
    assert code == 0 and f"tract {built.tract_id}" in out and events in out
    assert run(capsys, "verify", url)[0] == 0
