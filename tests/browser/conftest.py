"""Browser tests run against a live server, so their database is flushed after each test (pytest-django's
transactional tests) — and with it the shipped holiday calendar that a migration loads. Each test
starts with the calendar loaded and the calendar's cache cleared, so none depends on what an
earlier test left in the cache.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zhengwu.kernel.actor import Actor
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load


@pytest.fixture(autouse=True)
def _shipped_calendar(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        # Tests against a server in its own process (test_journeys) bring their own database.
        yield
        return
    request.getfixturevalue("transactional_db")
    calendar_defaults_load(by=Actor.system("test"))
    calendar_cache_clear()
    yield
    calendar_cache_clear()
