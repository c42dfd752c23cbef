"""The ``tract`` most core suites start from: a fresh one on each backend, clock frozen at
``START`` (a suite that needs another clock defines its own ``tract``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core import Tract, create_tract
from core.engine.clock import FrozenClock
from tests.core._helpers import START


@pytest.fixture
def tract(store_target: str) -> Iterator[Tract]:
    t = create_tract(store_target, clock=FrozenClock(START))
    yield t
    t.close()
