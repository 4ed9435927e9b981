"""Fixtures of the experts tests: the clock at 2026-03-02 10:00 Beijing time, and the world."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.experts.tests.factories import NOW, World, world_build
from zhengwu.kernel.clock import clock_reset, clock_set


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()
