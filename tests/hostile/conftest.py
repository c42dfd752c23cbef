"""Fixtures of the hostile-input suite: an asyncio backend for the Pilot tests, and
``squeeze`` to compare wrapped text (waiting and reading widgets: ``tests.pilot_helpers``)."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def squeeze(text: str) -> str:
    """Rendered text with wrapping undone (line breaks and spaces dropped)."""
    return re.sub(r"\s+", "", text)
