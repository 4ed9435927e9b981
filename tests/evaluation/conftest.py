"""Fixtures of the evaluation tests: the clock, the opening tests' world, and a section ready for evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bidding.test_opening import world  # noqa: F401  # the fixture, re-exported
from tests.evaluation.scene import Ready
from zhengwu.contexts.tendering.tests.factories import NOW, World
from zhengwu.kernel.clock import clock_reset, clock_set


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def ready(world: World, tmp_path: Path, db: Any) -> Ready:  # noqa: F811
    return Ready(world, tmp_path)
