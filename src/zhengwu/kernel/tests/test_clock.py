"""kernel.clock: the one source of "now", freezable and movable by tests."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from zhengwu.kernel.clock import (
    CHINA_TZ,
    clock_advance,
    clock_frozen,
    clock_now,
    clock_reset,
    clock_set,
    clock_today,
)

INSTANT = dt.datetime(2025, 3, 14, 1, 2, 3, 456000, tzinfo=dt.UTC)


def test_now_is_aware_utc_and_follows_the_system_clock() -> None:
    before = time.time()
    now = clock_now()
    after = time.time()
    assert now.utcoffset() == dt.timedelta(0)
    assert before - 0.001 <= now.timestamp() <= after + 0.001


def test_set_freezes_the_clock_at_the_instant_given() -> None:
    clock_set(INSTANT)
    first = clock_now()
    time.sleep(0.01)
    assert first == clock_now() == INSTANT


def test_set_converts_any_zone_to_utc() -> None:
    clock_set(dt.datetime(2025, 3, 14, 9, 2, 3, 456000, tzinfo=CHINA_TZ))
    now = clock_now()
    assert now == INSTANT
    assert now.tzinfo == dt.UTC


def test_set_refuses_a_naive_datetime_and_leaves_the_clock_alone() -> None:
    clock_set(INSTANT)
    with pytest.raises(ValueError, match="aware"):
        clock_set(dt.datetime(2025, 1, 1, 12, 0))
    assert clock_now() == INSTANT


def test_advance_moves_a_frozen_clock_exactly() -> None:
    clock_set(INSTANT)
    clock_advance(dt.timedelta(days=2, seconds=5))
    assert clock_now() == INSTANT + dt.timedelta(days=2, seconds=5)
    clock_advance(dt.timedelta(hours=-1))
    assert clock_now() == INSTANT + dt.timedelta(days=2, seconds=5, hours=-1)


def test_advance_moves_a_running_clock_by_an_offset() -> None:
    clock_advance(dt.timedelta(days=30))
    expected = time.time() + 30 * 86400
    assert abs(clock_now().timestamp() - expected) < 1.0


def test_reset_returns_to_the_real_clock() -> None:
    clock_set(INSTANT)
    clock_advance(dt.timedelta(days=1))
    clock_reset()
    assert abs(clock_now().timestamp() - time.time()) < 1.0


def test_today_is_the_date_in_beijing_not_in_utc() -> None:
    # 15:59:59 UTC is 23:59:59 in Beijing; one second later Beijing is on the next day.
    clock_set(dt.datetime(2024, 12, 31, 15, 59, 59, tzinfo=dt.UTC))
    assert clock_today() == dt.date(2024, 12, 31)
    clock_advance(dt.timedelta(seconds=1))
    assert clock_today() == dt.date(2025, 1, 1)


def _fail_inside_frozen_block() -> None:
    with clock_frozen(INSTANT):
        assert clock_now() == INSTANT
        raise RuntimeError("boom")


def test_frozen_block_freezes_then_restores_even_on_error() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _fail_inside_frozen_block()
    assert abs(clock_now().timestamp() - time.time()) < 1.0
