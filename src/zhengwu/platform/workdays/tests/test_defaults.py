"""The shipped official arrangements, as a fresh database has them after migrating.

The expected facts are read off the State Council's notices, not off the shipped files.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.workdays.defaults import defaults_rows
from zhengwu.platform.workdays.models import CalendarDay
from zhengwu.platform.workdays.selectors import (
    calendar_days_of_year,
    calendar_get,
    period_last_day,
    workday_add,
    workday_is,
)

pytestmark = pytest.mark.django_db
D = dt.date

SOURCES = {2024: "国办发明电〔2023〕7号", 2025: "国办发明电〔2024〕12号", 2026: "国办发明电〔2025〕7号"}


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _kinds(year: int) -> dict[str, list[dt.date]]:
    out: dict[str, list[dt.date]] = {"holiday": [], "workday": []}
    for day in calendar_days_of_year(year=year):
        out[day.kind].append(day.date)
    return out


def test_the_migration_loaded_exactly_the_shipped_files() -> None:
    shipped = sorted((r.date, r.kind, r.name, r.source) for _path, rows in defaults_rows() for r in rows)
    table = sorted(CalendarDay.objects.values_list("date", "kind", "name", "source"))
    assert table == shipped
    assert [p.name for p, _rows in defaults_rows()] == ["cn-2024.csv", "cn-2025.csv", "cn-2026.csv"]
    assert calendar_get().years == frozenset({2024, 2025, 2026})


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_row_names_its_notice(year: int) -> None:
    assert {d.source for d in calendar_days_of_year(year=year)} == {SOURCES[year]}


def test_2024_arrangement() -> None:
    kinds = _kinds(2024)
    assert kinds["workday"] == [
        D(2024, 2, 4), D(2024, 2, 18), D(2024, 4, 7), D(2024, 4, 28),
        D(2024, 5, 11), D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12),
    ]  # fmt: skip
    assert kinds["holiday"] == [
        D(2024, 1, 1),
        *_span(D(2024, 2, 10), D(2024, 2, 17)),
        *_span(D(2024, 4, 4), D(2024, 4, 6)),
        *_span(D(2024, 5, 1), D(2024, 5, 5)),
        D(2024, 6, 10),
        *_span(D(2024, 9, 15), D(2024, 9, 17)),
        *_span(D(2024, 10, 1), D(2024, 10, 7)),
    ]
    # 4 and 18 February 2024 were working Sundays.
    assert D(2024, 2, 4).weekday() == D(2024, 2, 18).weekday() == 6
    assert workday_is(day=D(2024, 2, 4))
    assert workday_is(day=D(2024, 2, 18))
    # 除夕 (Friday 9 February) became a statutory holiday only in 2025: in 2024 it was a working day
    # (the notice merely encouraged employers to let staff take it off).
    assert workday_is(day=D(2024, 2, 9))


def test_2025_arrangement_with_the_two_new_statutory_days() -> None:
    kinds = _kinds(2025)
    assert kinds["workday"] == [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)]
    assert kinds["holiday"] == [
        D(2025, 1, 1),
        *_span(D(2025, 1, 28), D(2025, 2, 4)),
        *_span(D(2025, 4, 4), D(2025, 4, 6)),
        *_span(D(2025, 5, 1), D(2025, 5, 5)),
        *_span(D(2025, 5, 31), D(2025, 6, 2)),
        *_span(D(2025, 10, 1), D(2025, 10, 8)),
    ]
    assert (D(2025, 1, 26).weekday(), D(2025, 2, 8).weekday()) == (6, 5)
    assert workday_is(day=D(2025, 1, 26))
    assert workday_is(day=D(2025, 2, 8))
    assert not any(workday_is(day=d) for d in _span(D(2025, 10, 1), D(2025, 10, 8)))
    assert CalendarDay.objects.get(date=D(2025, 10, 6)).name == "国庆节、中秋节"


def test_2026_arrangement() -> None:
    kinds = _kinds(2026)
    assert kinds["workday"] == [
        D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10),
    ]  # fmt: skip
    assert kinds["holiday"] == [
        *_span(D(2026, 1, 1), D(2026, 1, 3)),
        *_span(D(2026, 2, 15), D(2026, 2, 23)),
        *_span(D(2026, 4, 4), D(2026, 4, 6)),
        *_span(D(2026, 5, 1), D(2026, 5, 5)),
        *_span(D(2026, 6, 19), D(2026, 6, 21)),
        *_span(D(2026, 9, 25), D(2026, 9, 27)),
        *_span(D(2026, 10, 1), D(2026, 10, 7)),
    ]


@pytest.mark.parametrize(("year", "working_days"), [(2024, 251), (2025, 248), (2026, 248)])
def test_working_days_per_year(year: int, working_days: int) -> None:
    # Worked out by hand: days − weekend days − weekday holidays + adjusted working days
    # (2024: 366 − 104 − 19 + 8; 2025: 365 − 104 − 18 + 5; 2026: 365 − 104 − 19 + 6).
    assert calendar_get().workdays_between(D(year - 1, 12, 31), D(year, 12, 31)) == working_days


def test_working_days_across_a_year_end_and_a_spring_festival() -> None:
    assert workday_add(start=D(2024, 12, 30), days=3) == D(2025, 1, 3)
    assert workday_add(start=D(2024, 2, 8), days=2) == D(2024, 2, 18)  # Friday 9, then the working Sunday
    assert workday_add(start=D(2026, 2, 13), days=1) == D(2026, 2, 14)  # a working Saturday
    assert workday_add(start=D(2026, 2, 14), days=1) == D(2026, 2, 24)


def test_civil_code_203_moves_a_last_day_off_the_holiday() -> None:
    # 民法典 第二百零一条: counted from the day after 23 September; day 8 is 1 October 2025, inside
    # the 8-day 国庆节、中秋节 break, so by 第二百零三条 the period ends on Thursday 9 October.
    assert period_last_day(trigger=D(2025, 9, 23), days=8) == D(2025, 10, 9)
    # Day 10 after 5 February 2026 is Sunday 15 February, first day of the Spring Festival break
    # (15–23 February): the period ends on Tuesday 24 February.
    assert period_last_day(trigger=D(2026, 2, 5), days=10) == D(2026, 2, 24)
    # A last day on an adjusted working Saturday stays put.
    assert period_last_day(trigger=D(2026, 9, 30), days=10) == D(2026, 10, 10)


def test_a_deadline_reaching_into_2027_is_refused_until_its_notice_is_imported() -> None:
    with pytest.raises(InvalidInput) as caught:
        workday_add(start=D(2026, 12, 28), days=5)
    assert caught.value.code == "calendar_year_missing"
    assert caught.value.detail == {"year": 2027, "date": "2027-01-01", "loaded_years": [2024, 2025, 2026]}
    with pytest.raises(InvalidInput) as caught:
        period_last_day(trigger=D(2026, 12, 20), days=30)
    assert caught.value.code == "calendar_year_missing"
    with pytest.raises(InvalidInput) as caught:
        workday_is(day=D(2023, 12, 29))
    assert caught.value.detail["year"] == 2023
