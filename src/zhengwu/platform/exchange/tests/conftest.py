from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.kernel.clock import clock_reset
from zhengwu.platform.exchange.tests.factories import THING_ROUTES


@pytest.fixture(autouse=True)
def _thing_routes(settings: Any) -> Iterator[None]:
    """The test events are routed like real ones; the clock is real again after each test."""
    settings.ZHENGWU_EXCHANGE_ROUTES = {**settings.ZHENGWU_EXCHANGE_ROUTES, **THING_ROUTES}
    yield
    clock_reset()
