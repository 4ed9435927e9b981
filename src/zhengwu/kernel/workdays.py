"""The working-day calendar (工作日) and the arithmetic of legal periods.

A ``WorkCalendar`` is built from plain data: the festival holidays (放假) and the adjusted
working days (调休上班) that the State Council's yearly notice (国务院办公厅关于某年部分节假日安排
的通知) publishes. A day is a working day when it is listed as an adjusted working day, or when it
is a Monday to Friday that is not listed as a holiday. Everything else is a rest day.

Years the table does not cover raise ``InvalidInput`` (code ``calendar_year_missing``): a deadline
computed on a guessed calendar is worse than no deadline. A year counts as loaded when its
1 January is listed as a holiday: 元旦 is a statutory holiday every year (《全国年节及纪念日放假办法》
第二条), so every year's notice lists it, while a notice may reach into the neighbouring year for a
few adjusted days (the 2019 notice made 2018-12-29 a working day) without that year being loaded.

Period arithmetic follows the Civil Code (民法典), which other laws (招标投标法, 政府采购法 …)
rely on when they count days:

- 第二百零一条: a period counted in days starts on the day after the triggering day
  ("开始的当日不计入，自下一日开始计算");
- 第二百零三条: when the last day is a 法定休假日 the period ends on the day after the holiday ends,
  and the last day ends at 24:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)

_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5  # date.weekday(): Monday 0 … Sunday 6


def _require_date(value: object, name: str) -> dt.date:
    # datetime is a subclass of date; letting one through would silently drop its time zone.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date, got {type(value).__name__}")
    return value


def _require_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


class WorkCalendar:
    """Working days and rest days for the years whose official arrangement is loaded.

    Immutable once built; share one instance freely between threads.
    """

    __slots__ = ("_holidays", "_workdays", "_years")

    def __init__(
        self,
        *,
        holidays: Mapping[dt.date, str],
        adjusted_workdays: Mapping[dt.date, str],
    ) -> None:
        for day in (*holidays, *adjusted_workdays):
            _require_date(day, "calendar day")
        both = sorted(set(holidays) & set(adjusted_workdays))
        if both:
            raise InvalidInput(
                f"同一日期不能既是节假日又是调休上班日：{both[0].isoformat()}",
                code="calendar_conflict",
                detail={"dates": [d.isoformat() for d in both]},
            )
        weekdays = sorted(d for d in adjusted_workdays if d.weekday() < _SATURDAY)
        if weekdays:
            raise InvalidInput(
                f"调休上班日必须是周六或周日：{weekdays[0].isoformat()}",
                code="calendar_workday_not_weekend",
                detail={"dates": [d.isoformat() for d in weekdays]},
            )
        self._holidays: dict[dt.date, str] = dict(holidays)
        self._workdays: dict[dt.date, str] = dict(adjusted_workdays)
        self._years = frozenset(d.year for d in self._holidays if (d.month, d.day) == (1, 1))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[dt.date, str, str]]) -> WorkCalendar:
        """Build a calendar from ``(date, kind, name)`` rows, kind being ``holiday`` or ``workday``."""
        holidays: dict[dt.date, str] = {}
        workdays: dict[dt.date, str] = {}
        for day, kind, name in rows:
            if kind == HOLIDAY:
                target = holidays
            elif kind == WORKDAY:
                target = workdays
            else:
                raise InvalidInput(f"未知的日期类型“{kind}”", code="calendar_kind_unknown", detail={"kind": kind})
            if day in holidays or day in workdays:
                raise InvalidInput(
                    f"日期重复：{day.isoformat()}", code="calendar_duplicate", detail={"date": day.isoformat()}
                )
            target[day] = name
        return cls(holidays=holidays, adjusted_workdays=workdays)

    # -- what the table holds -------------------------------------------------------------

    @property
    def years(self) -> frozenset[int]:
        """The years whose arrangement is loaded (see the module docstring)."""
        return self._years

    @property
    def holidays(self) -> Mapping[dt.date, str]:
        return dict(self._holidays)

    @property
    def adjusted_workdays(self) -> Mapping[dt.date, str]:
        return dict(self._workdays)

    def year_loaded(self, year: int) -> bool:
        return year in self._years

    def _require_year(self, day: dt.date) -> None:
        if day.year not in self._years:
            loaded = sorted(self._years)
            shown = "、".join(str(y) for y in loaded) or "无"
            raise InvalidInput(
                f"工作日历未载入{day.year}年的节假日安排（已载入：{shown}），无法判断{day.isoformat()}是否为工作日；"
                "请先导入国务院办公厅公布的该年放假安排",
                code="calendar_year_missing",
                detail={"year": day.year, "date": day.isoformat(), "loaded_years": loaded},
            )

    def day_name(self, day: dt.date) -> str:
        """The holiday's or adjusted working day's name, or ``""`` for an ordinary day."""
        _require_date(day, "day")
        return self._holidays.get(day) or self._workdays.get(day) or ""

    # -- working days ---------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        """True for an adjusted working day or a Monday–Friday that is not a holiday."""
        _require_date(day, "day")
        self._require_year(day)
        if day in self._workdays:
            return True
        if day in self._holidays:
            return False
        return day.weekday() < _SATURDAY

    def is_rest_day(self, day: dt.date) -> bool:
        """True for a holiday or an ordinary weekend day (法定休假日 in the Civil Code's sense)."""
        return not self.is_workday(day)

    def workday_add(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after ``start`` (before it when n is negative).

        ``start`` itself is never counted, whatever it is; ``n == 0`` returns ``start``. This is
        "N个工作日内" counted from the day after the triggering day (民法典 第二百零一条).
        """
        _require_date(start, "start")
        _require_int(n, "n")
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        day = start
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Number of working days after ``a`` up to and including ``b``.

        Signed: when ``b`` is before ``a`` it is minus the working days after ``b`` up to and
        including ``a``. It is F(b) − F(a) for F counting the working days up to a date, so it
        adds up (between(a, b) + between(b, c) == between(a, c)) and
        ``workdays_between(a, workday_add(a, n)) == n`` for every n >= 0.
        """
        _require_date(a, "a")
        _require_date(b, "b")
        first, last, sign = (a, b, 1) if b >= a else (b, a, -1)
        count = 0
        day = first + _ONE_DAY
        while day <= last:
            if self.is_workday(day):
                count += 1
            day += _ONE_DAY
        return sign * count

    # -- calendar days and legal periods --------------------------------------------------

    def calendar_day_add(self, start: dt.date, n: int) -> dt.date:
        """The n-th calendar day after ``start`` (no table needed: every day counts)."""
        _require_date(start, "start")
        _require_int(n, "n")
        return start + dt.timedelta(days=n)

    def rest_day_rollover(self, last_day: dt.date) -> dt.date:
        """Move a period's last day off a rest day.

        民法典 第二百零三条第一款：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。
        法定休假日 covers ordinary weekends as well as festival holidays (民法通则 第一百五十四条, which
        the article replaced, said so in words: "星期日或者其他法定休假日"), while an adjusted
        working weekend (调休上班) is a working day. So the last day becomes the first working day
        on or after it.
        """
        _require_date(last_day, "last_day")
        day = last_day
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def period_last_day(self, trigger: dt.date, days: int) -> dt.date:
        """Last day of a period of ``days`` calendar days triggered on ``trigger``.

        民法典 第二百零一条：开始的当日不计入，自下一日开始计算 — day 1 is the day after
        ``trigger``; then 第二百零三条 moves a last day that is a rest day to the next working day.
        """
        _require_int(days, "days")
        if days < 1:
            raise InvalidInput(
                f"期间天数必须为正整数，实为{days}", code="calendar_period_invalid", detail={"days": days}
            )
        return self.rest_day_rollover(self.calendar_day_add(trigger, days))

    def workday_period_last_day(self, trigger: dt.date, workdays: int) -> dt.date:
        """Last day of a period of ``workdays`` working days triggered on ``trigger``.

        The n-th working day after the triggering day; it is a working day, so 第二百零三条 never
        moves it.
        """
        _require_int(workdays, "workdays")
        if workdays < 1:
            raise InvalidInput(
                f"期间工作日数必须为正整数，实为{workdays}",
                code="calendar_period_invalid",
                detail={"workdays": workdays},
            )
        return self.workday_add(trigger, workdays)


def period_deadline(last_day: dt.date) -> dt.datetime:
    """The instant a period whose last day is ``last_day`` runs out (an exclusive bound).

    民法典 第二百零三条第二款：期间的最后一日的截止时间为二十四时 — 24:00 China Standard Time, which
    is 00:00 of the next day. Where business hours apply the law ends the day when business
    closes; callers with such hours compute that themselves.
    """
    _require_date(last_day, "last_day")
    next_day = last_day + _ONE_DAY
    return dt.datetime(next_day.year, next_day.month, next_day.day, tzinfo=CHINA_TZ)
