"""Reads of the working-day calendar.

``calendar_get`` builds the ``WorkCalendar`` from the table once and keeps it in the process.
An import clears this process's copy at once; other processes (web workers, the task worker)
rebuild theirs at most ``CACHE_SECONDS`` later. The table changes once or twice a year, well
ahead of the dates it describes, so a minute's lag is harmless, while reading the table on
every deadline computation is not free.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from zhengwu.kernel.workdays import WorkCalendar
from zhengwu.platform.workdays.models import CalendarDay

CACHE_SECONDS = 60.0

_lock = threading.Lock()
# (calendar, monotonic time it was built) or None. Monotonic time, not kernel.clock: this is
# a cache age, not a legal time, and tests that move the legal clock must not expire it.
_cached: tuple[WorkCalendar, float] | None = None
# Bumped by every clear, so that a read that began before an import cannot store its stale
# result after the import has cleared the cache.
_generation = 0


def calendar_cache_clear() -> None:
    """Forget this process's calendar; the next ``calendar_get`` reads the table again."""
    global _cached, _generation
    with _lock:
        _cached = None
        _generation += 1


def calendar_get() -> WorkCalendar:
    """The working-day calendar as the table holds it (cached, see the module docstring)."""
    global _cached
    with _lock:
        if _cached is not None and time.monotonic() - _cached[1] < CACHE_SECONDS:
            return _cached[0]
        generation = _generation
    calendar = WorkCalendar.from_rows(CalendarDay.objects.values_list("date", "kind", "name"))
    with _lock:
        if generation == _generation:
            _cached = (calendar, time.monotonic())
    return calendar


def workday_is(*, day: dt.date) -> bool:
    """Whether ``day`` is a working day; raises ``InvalidInput`` (calendar_year_missing) for an unloaded year."""
    return calendar_get().is_workday(day)


def workday_add(*, start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (before it when negative); ``start`` is not counted."""
    return calendar_get().workday_add(start, days)


def period_last_day(*, trigger: dt.date, days: int) -> dt.date:
    """Last day of a ``days``-calendar-day period triggered on ``trigger`` (民法典 第二百零一条、第二百零三条)."""
    return calendar_get().period_last_day(trigger, days)


def calendar_days_of_year(*, year: int) -> list[CalendarDay]:
    """The table's rows dated in ``year``, by date."""
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))
