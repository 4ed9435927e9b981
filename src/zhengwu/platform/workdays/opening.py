"""Opening hours on the working-day calendar: is a place open at a given moment?

A pure rule over a week's hours and what the calendar says of the day — a public holiday closes
whatever the weekday's hours say, and a 调休 make-up working day opens with weekday hours — and
its use on this platform's calendar. The service centre's hall and the public site's copy of its
information both ask it, so the two pages can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.platform.workdays.selectors import calendar_get


@dataclass(frozen=True)
class DayHours:
    """One weekday's hours (1 = Monday … 7 = Sunday); ``opens``/``closes`` None: closed that day."""

    weekday: int
    opens: dt.time | None
    closes: dt.time | None
    note: str = ""

    @property
    def closed(self) -> bool:
        return self.opens is None or self.closes is None


@dataclass(frozen=True)
class OpenState:
    """A day's effective hours, whether the place is open at the given moment, and why.

    ``reason`` is a stable code: ``open``, ``before_opening``, ``after_closing``, ``closed_day``
    (no hours on this weekday) or ``holiday``. ``makeup`` is set on a 调休 working day;
    ``calendar_known`` is False when the calendar lacks the year (weekday hours are then used).
    """

    open_now: bool
    reason: str
    today: dt.date
    hours: DayHours | None
    day_name: str = ""
    makeup: bool = False
    calendar_known: bool = True


def open_state_at(
    *,
    local: dt.datetime,
    week: Mapping[int, DayHours],
    holiday: bool,
    makeup: bool,
    day_name: str = "",
    calendar_known: bool = True,
) -> OpenState:
    """Whether the place is open at ``local`` (China time), given the week's hours and today's kind.

    On a make-up working day that has no hours of its own (a Saturday, usually) the place keeps
    the hours of the first of Monday–Friday that has any: it works as on an ordinary weekday.
    """
    today = local.date()
    if holiday:
        return OpenState(False, "holiday", today, None, day_name, False, calendar_known)
    hours = week.get(today.isoweekday())
    if makeup and (hours is None or hours.closed):
        hours = next((week[d] for d in range(1, 6) if d in week and not week[d].closed), None)
    if hours is None or hours.closed or hours.opens is None or hours.closes is None:
        return OpenState(False, "closed_day", today, None, day_name, makeup, calendar_known)
    moment = local.time().replace(tzinfo=None)
    if moment < hours.opens:
        reason = "before_opening"
    elif moment >= hours.closes:
        reason = "after_closing"
    else:
        reason = "open"
    return OpenState(reason == "open", reason, today, hours, day_name, makeup, calendar_known)


def open_state(*, now: dt.datetime, week: Iterable[DayHours]) -> OpenState:
    """The state at ``now`` on this platform's calendar; a year it lacks falls back on the weekday's hours."""
    local = now.astimezone(CHINA_TZ)
    today = local.date()
    calendar = calendar_get()
    known = calendar.year_loaded(today.year)
    return open_state_at(
        local=local,
        week={h.weekday: h for h in week},
        holiday=known and today in calendar.holidays,
        makeup=known and today in calendar.adjusted_workdays,
        day_name=calendar.day_name(today) if known else "",
        calendar_known=known,
    )
