"""Compression honours an IMPORTANT commit's retention rules (tract-ai v7): its instructions
reach the LLM prompt, the extractive summarizer keeps the sentences holding its patterns, and
the preview and the result say which patterns a summary misses."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import Priority, Retention, Tract, create_tract, upgrade_store
from core.llm.client import OpenAICompatibleClient
from core.llm.config import LLMSettings
from tests.core._llm_server import Step, completion, llm_server

FILLER = "We talked about the weather and the lunch menu for a while. " * 6


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def v13(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store of ours moved to tract-ai v13, with a history to compress (SQLite, and
    PostgreSQL when ``TRACT_TEST_POSTGRES_URL`` is set)."""
    path = (
        str(tmp_path / "store.db")
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with create_tract(path) as tract:
        tract.system("You help with the deployment.")
        tract.user(FILLER)
        tract.assistant(FILLER + "The service listens on port 8080. Its owner is Ada. " + FILLER)
        tract.user("Thanks. " + FILLER)
        tract.assistant("Anything else? " + FILLER)
    upgrade_store(path, to=13)
    return path


def _important(tract: Tract, rules: Retention) -> tuple[str, str]:
    """Mark the second assistant-side commit IMPORTANT; the range is every non-system commit."""
    chain = [c.commit_hash for c in reversed(tract.log(limit=None))]
    tract.annotate(chain[2], Priority.IMPORTANT, "deployment facts", rules)
    return chain[1], chain[-1]


def test_retention_instructions_and_patterns_reach_the_llm_prompt(v13: str) -> None:
    rules = Retention("keep the port and the owner", ("port 8080", r"owner is \w+"), "regex")
    with Tract.open(v13) as tract, llm_server() as server:
        first, last = _important(tract, rules)
        server.script(Step(200, completion("The service listens on port 8080.")))
        settings = LLMSettings(base_url=server.base_url, model="m", api_key="k", timeout=5)
        result = tract.compress(
            from_ref=first,
            to_ref=last,
            summarizer="llm",
            client=OpenAICompatibleClient(settings, backoff_base=0.01, jitter=0.0),
        )
        [request] = server.requests
        prompt = request["messages"][1]["content"]
    assert "marked IMPORTANT" in prompt
    assert "- keep the port and the owner" in prompt
    assert "'port 8080'" in prompt and r"'owner is \\w+'" in prompt
    # The summary kept the port but not the owner: the result says so (not refused).
    assert result.retention_missed == (r"owner is \w+",)


def test_no_retention_leaves_the_prompt_as_it_was(v13: str) -> None:
    with Tract.open(v13) as tract, llm_server() as server:
        chain = [c.commit_hash for c in reversed(tract.log(limit=None))]
        tract.annotate(chain[2], Priority.IMPORTANT, "no rules")
        settings = LLMSettings(base_url=server.base_url, model="m", api_key="k", timeout=5)
        result = tract.compress(
            from_ref=chain[1],
            summarizer="llm",
            client=OpenAICompatibleClient(settings, backoff_base=0.01, jitter=0.0),
        )
        prompt = server.requests[0]["messages"][1]["content"]
    assert "IMPORTANT" not in prompt
    assert result.retention_missed == ()


def test_extractive_keeps_the_sentences_holding_the_patterns(v13: str) -> None:
    with Tract.open(v13) as tract:
        first, last = _important(tract, Retention(None, ("Ada",)))
        # A budget far too small for the sentence: the pattern outranks the size target.
        preview = tract.compress_preview(from_ref=first, to_ref=last, target_tokens=5)
        [draft] = preview.drafts
        assert "Its owner is Ada." in draft
        assert preview.missing() == ((),)
        assert preview.missing(["a summary without the name"]) == (("Ada",),)
        result = tract.compress(from_ref=first, to_ref=last, summarizer="extractive")
        assert result.retention_missed == ()
        summary = tract.get_commit(result.summaries[0])
        assert summary is not None
        compiled = tract.compile()
    assert any("Its owner is Ada." in m.content for m in compiled.messages)


def test_preview_says_which_patterns_the_draft_misses(v13: str) -> None:
    rules = Retention("the port", ("port 8080", "not in the text at all"))
    with Tract.open(v13) as tract:
        first, last = _important(tract, rules)
        preview = tract.compress_preview(from_ref=first, to_ref=last)
    [group] = preview.plan.groups
    assert group.retention == (rules,)
    assert preview.missing() == (("not in the text at all",),)
    assert preview.retention == 2


def test_cli_preview_names_the_missed_patterns(v13: str, capsys: pytest.CaptureFixture) -> None:
    from tract_tui.cli import main

    with Tract.open(v13) as tract:
        first, last = _important(tract, Retention("the port", ("port 8080", "absent words")))
    assert main(["compress", v13, "--from", first, "--to", last]) == 0
    shown = capsys.readouterr().out
    assert "retention: the port" in shown
    assert "the draft misses 1 of 2 patterns: 'absent words'" in shown
