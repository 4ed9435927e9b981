"""Every test starts with an empty calendar cache: a rolled-back test must not leave its table behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zhengwu.platform.workdays.selectors import calendar_cache_clear


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    calendar_cache_clear()
    yield
    calendar_cache_clear()
