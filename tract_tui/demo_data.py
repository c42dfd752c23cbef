"""The words of the demo store: what the people and the agents in it say.

The story: a maintainer asks an orchestrating agent to fix marshmallow issue #1867 (TimeDelta
serialisation loses precision). The orchestrator hands the work to SWE-agent, whose real run is
the imported transcript; afterwards a regression test, a changelog entry and an abandoned
experiment happen on branches. Kept apart from ``demo.py`` so the builder stays readable.
"""

from __future__ import annotations

from typing import Any

SYSTEM = (
    "You are the maintainer's orchestrating agent for the marshmallow repository. Delegate "
    "code changes to a SWE-agent run, review its work, keep the history of every step, and "
    "report back concisely. Never publish a release without the maintainer's approval."
)

TASK = (
    "Please fix issue #1867: `fields.TimeDelta(precision='milliseconds')` serialises "
    "`timedelta(milliseconds=345)` as 344. Keep the fix minimal, add a regression test and a "
    "changelog entry, and tell me when it is ready for review."
)

PLAN = (
    "Plan: 1) let SWE-agent reproduce the bug in a scratch script; 2) find the truncating "
    "division in `TimeDelta._serialize`; 3) fix it and rerun the reproduction; 4) add a "
    "regression test on a branch; 5) draft the changelog entry."
)

PLAN_REVISED = (
    "Plan (revised after review): 1) let SWE-agent reproduce the bug; 2) replace the integer "
    "division in `TimeDelta._serialize` with `round()`; 3) rerun the reproduction; 4) add "
    "`test_timedelta_precision_rounding` on its own branch; 5) draft the changelog entry; "
    "6) ask the maintainer before releasing 3.19.1."
)

# Manual summary of the set-up phase (the first compression).
SETUP_SUMMARY = (
    "Previously in this conversation: SWE-agent listed the repository root (src/, tests/, "
    "setup.py, tox.ini), read setup.py (marshmallow 3.19.0, extras `dev`, `tests`, `lint`) and "
    "installed the package in editable mode with `pip install -e .[dev]`; the install "
    "succeeded."
)

ISSUE_PIN_REASON = "the issue text: keep it verbatim through every compression"
SKIP_REASON = "noisy: a second directory listing with nothing new"

REVIEW_NOTE = (
    "Reviewer: the `round()` fix looks right. Keep it minimal, and merge the changelog entry "
    "before you hand it back."
)
REVIEW_ACK = "Understood. Merging the changelog branch into main now."

CHANGELOG_ENTRY = (
    "3.19.1 (unreleased)\n"
    "*******************\n\n"
    "Bug fixes:\n\n"
    "- `fields.TimeDelta` rounds to the nearest unit instead of truncating when it "
    "serialises with a coarser precision (:issue:`1867`)."
)
CHANGELOG_NOTE = "Drafted the CHANGELOG entry for 3.19.1 under 'Bug fixes'."

TEST_NOTE = "Adding a regression test that pins 345 ms to 345, not 344."
TEST_CODE = (
    "def test_timedelta_precision_rounding():\n"
    "    field = fields.TimeDelta(precision='milliseconds')\n"
    "    obj = {'td': dt.timedelta(milliseconds=345)}\n"
    "    assert field.serialize('td', obj) == 345\n"
)
TEST_RESULT = "tests/test_fields.py::test_timedelta_precision_rounding PASSED (1 passed in 0.04s)"

EXPERIMENT_ASK = (
    "Experiment: what if TimeDelta serialised to float seconds instead of rounding to an int?"
)
EXPERIMENT_ANSWER = (
    "Tried it on a branch: `serialize` returned 0.345 for milliseconds=345, which breaks every "
    "caller that expects an int. Abandoning this approach; the `round()` fix stays."
)

HANDOFF = "Ready for review: fix, regression test and changelog entry are in place."

# The agent run the demo imports unless $TRACT_TUI_DEMO_TRANSCRIPT names a real one:
# the same shape (system, user, then assistant text + one tool call + its result).
FALLBACK_TRANSCRIPT: list[dict[str, Any]] = [
    {"role": "system", "content": "You are SWE-agent, an autonomous programmer in a shell."},
    {
        "role": "user",
        "content": "Issue #1867: TimeDelta serialization precision. "
        "`TimeDelta(precision='milliseconds')` serialises 345 ms as 344.",
    },
]
_FALLBACK_STEPS = [  # (assistant text, tool, arguments, tool output)
    ("Let's look at the repository first.", "bash", {"command": "ls -F"}, "src/ tests/"),
    ("Install it for development.", "bash", {"command": "pip install -e ."}, "Installed"),
    ("Reproduce the issue.", "bash", {"command": "python reproduce.py"}, "344"),
    ("Check the repository again.", "bash", {"command": "ls -F"}, "src/ tests/ reproduce.py"),
    ("Open the field.", "open", {"path": "src/marshmallow/fields.py"}, "return int(value)"),
    ("Use round() instead.", "edit", {"search": "int(", "replace": "int(round("}, "Replaced."),
    ("Run the reproduction again.", "bash", {"command": "python reproduce.py"}, "345"),
    ("Submit the change.", "submit", {}, "diff --git a/src/marshmallow/fields.py"),
]
for _i, (_text, _tool, _args, _out) in enumerate(_FALLBACK_STEPS):
    _call_id = f"call_{_i:02d}"
    FALLBACK_TRANSCRIPT += [
        {
            "role": "assistant",
            "content": _text,
            "tool_calls": [
                {
                    "id": _call_id,
                    "type": "function",
                    "function": {"name": _tool, "arguments": _args},
                }
            ],
        },
        {"role": "tool", "content": _out, "tool_call_id": _call_id},
    ]
