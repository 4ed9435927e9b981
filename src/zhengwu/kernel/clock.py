"""The one clock of the whole code base.

Deadlines are legal facts: every piece of code asks this module for "now", never
``datetime.now()`` or ``time.time()`` directly, so that tests can move time and so that a
deployment can be checked against one source. Times are timezone-aware; the legal time zone
of the platform is China Standard Time.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")

_lock = threading.Lock()
# (frozen instant, offset) — at most one of them is set; None means the real clock.
_frozen: dt.datetime | None = None
_offset = dt.timedelta(0)


def clock_now() -> dt.datetime:
    """Return the current instant (aware, UTC)."""
    with _lock:
        if _frozen is not None:
            return _frozen
        return dt.datetime.now(dt.UTC) + _offset


def clock_today() -> dt.date:
    """Return today's date in China Standard Time (legal periods count Beijing days)."""
    return clock_now().astimezone(CHINA_TZ).date()


def clock_set(instant: dt.datetime) -> None:
    """Freeze the clock at ``instant`` (tests and drills only)."""
    if instant.tzinfo is None:
        raise ValueError("clock_set needs an aware datetime")
    global _frozen
    with _lock:
        _frozen = instant.astimezone(dt.UTC)


def clock_advance(delta: dt.timedelta) -> None:
    """Move the clock forward (or back) by ``delta``, frozen or not."""
    global _frozen, _offset
    with _lock:
        if _frozen is not None:
            _frozen = _frozen + delta
        else:
            _offset = _offset + delta


def clock_reset() -> None:
    """Return to the real clock."""
    global _frozen, _offset
    with _lock:
        _frozen = None
        _offset = dt.timedelta(0)


@contextmanager
def clock_frozen(instant: dt.datetime) -> Iterator[None]:
    """Freeze the clock at ``instant`` for the duration of a ``with`` block."""
    clock_set(instant)
    try:
        yield
    finally:
        clock_reset()
