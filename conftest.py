"""Shared pytest configuration: every test starts on the real clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zhengwu.kernel.clock import clock_reset


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    clock_reset()
    yield
    clock_reset()
