"""kernel.workdays: working days and legal periods on a table built from plain data.

The table is the State Council's arrangement for 2025 (国办发明电〔2024〕12号), typed in here
from the notice so that these tests need neither Django nor the shipped files.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import HOLIDAY, WORKDAY, WorkCalendar, period_deadline

D = dt.date


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


HOLIDAYS_2025 = {
    **dict.fromkeys([D(2025, 1, 1)], "元旦"),
    **dict.fromkeys(_span(D(2025, 1, 28), D(2025, 2, 4)), "春节"),
    **dict.fromkeys(_span(D(2025, 4, 4), D(2025, 4, 6)), "清明节"),
    **dict.fromkeys(_span(D(2025, 5, 1), D(2025, 5, 5)), "劳动节"),
    **dict.fromkeys(_span(D(2025, 5, 31), D(2025, 6, 2)), "端午节"),
    **dict.fromkeys(_span(D(2025, 10, 1), D(2025, 10, 8)), "国庆节、中秋节"),
}
WORKDAYS_2025 = {
    D(2025, 1, 26): "春节",
    D(2025, 2, 8): "春节",
    D(2025, 4, 27): "劳动节",
    D(2025, 9, 28): "国庆节、中秋节",
    D(2025, 10, 11): "国庆节、中秋节",
}
CAL = WorkCalendar(holidays=HOLIDAYS_2025, adjusted_workdays=WORKDAYS_2025)

in_2025 = st.dates(min_value=D(2025, 1, 1), max_value=D(2025, 12, 31))


def _missing_year(exc: pytest.ExceptionInfo[InvalidInput], year: int) -> None:
    assert exc.value.code == "calendar_year_missing"
    assert exc.value.detail["year"] == year
    assert exc.value.detail["loaded_years"] == [2025]
    assert f"未载入{year}年" in exc.value.message


# -- which days work --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "works"),
    [
        (D(2025, 1, 26), True),  # Sunday, adjusted working day
        (D(2025, 2, 8), True),  # Saturday, adjusted working day
        (D(2025, 1, 27), True),  # ordinary Monday
        (D(2025, 1, 28), False),  # Tuesday, 除夕, a statutory holiday since 2025
        (D(2025, 2, 4), False),  # Tuesday, last day of the Spring Festival break
        (D(2025, 10, 8), False),  # Wednesday inside 国庆节、中秋节
        (D(2025, 10, 9), True),  # Thursday after it
        (D(2025, 3, 1), False),  # ordinary Saturday
        (D(2025, 3, 2), False),  # ordinary Sunday
        (D(2025, 5, 31), False),  # Saturday that is also a listed holiday
    ],
)
def test_working_days_follow_the_notice_then_the_week(day: dt.date, works: bool) -> None:
    assert CAL.is_workday(day) is works
    assert CAL.is_rest_day(day) is not works


def test_names_of_special_days() -> None:
    assert CAL.day_name(D(2025, 1, 28)) == "春节"
    assert CAL.day_name(D(2025, 9, 28)) == "国庆节、中秋节"
    assert CAL.day_name(D(2025, 3, 3)) == ""


def test_a_year_counts_as_loaded_only_with_its_new_years_day() -> None:
    assert CAL.years == frozenset({2025})
    # A table that reaches into 2024 for a few days (as the 2019 notice did into 2018) does not load 2024.
    cal = WorkCalendar(
        holidays={D(2024, 12, 30): "元旦", D(2024, 12, 31): "元旦", D(2025, 1, 1): "元旦"},
        adjusted_workdays={D(2024, 12, 28): "元旦"},
    )
    assert cal.years == frozenset({2025})
    assert cal.year_loaded(2025) is True
    assert cal.year_loaded(2024) is False


@pytest.mark.parametrize("day", [D(2024, 12, 31), D(2026, 1, 5), D(2027, 6, 1)])
def test_a_day_of_a_year_not_loaded_raises_instead_of_guessing(day: dt.date) -> None:
    with pytest.raises(InvalidInput) as caught:
        CAL.is_workday(day)
    _missing_year(caught, day.year)


def test_dates_only_datetimes_are_refused() -> None:
    with pytest.raises(TypeError):
        CAL.is_workday(dt.datetime(2025, 3, 3, 12, 0, tzinfo=CHINA_TZ))
    with pytest.raises(TypeError):
        CAL.workday_add(D(2025, 3, 3), 1.0)  # type: ignore[arg-type]


# -- building a calendar -------------------------------------------------------------------------


def test_a_date_cannot_be_both_holiday_and_working_day() -> None:
    with pytest.raises(InvalidInput) as caught:
        WorkCalendar(holidays={D(2025, 1, 26): "春节"}, adjusted_workdays={D(2025, 1, 26): "春节"})
    assert caught.value.code == "calendar_conflict"
    assert caught.value.detail == {"dates": ["2025-01-26"]}


def test_an_adjusted_working_day_must_be_a_weekend_day() -> None:
    with pytest.raises(InvalidInput) as caught:
        WorkCalendar(holidays={}, adjusted_workdays={D(2025, 1, 27): "春节"})
    assert caught.value.code == "calendar_workday_not_weekend"
    assert caught.value.detail == {"dates": ["2025-01-27"]}


def test_from_rows_builds_the_same_calendar_and_checks_kinds_and_duplicates() -> None:
    rows = [(d, HOLIDAY, n) for d, n in HOLIDAYS_2025.items()] + [(d, WORKDAY, n) for d, n in WORKDAYS_2025.items()]
    cal = WorkCalendar.from_rows(rows)
    assert cal.holidays == HOLIDAYS_2025
    assert cal.adjusted_workdays == WORKDAYS_2025
    with pytest.raises(InvalidInput) as caught:
        WorkCalendar.from_rows([(D(2025, 1, 1), "vacation", "元旦")])
    assert caught.value.code == "calendar_kind_unknown"
    with pytest.raises(InvalidInput) as caught:
        WorkCalendar.from_rows([(D(2025, 1, 1), HOLIDAY, "元旦"), (D(2025, 1, 1), HOLIDAY, "元旦")])
    assert caught.value.code == "calendar_duplicate"


# -- counting working days -----------------------------------------------------------------------


def test_workday_add_steps_over_the_spring_festival() -> None:
    friday = D(2025, 1, 24)
    assert CAL.workday_add(friday, 1) == D(2025, 1, 26)  # the working Sunday
    assert CAL.workday_add(friday, 2) == D(2025, 1, 27)
    assert CAL.workday_add(friday, 3) == D(2025, 2, 5)  # 28 Jan – 4 Feb off
    assert CAL.workday_add(friday, 0) == friday


def test_workday_add_backwards() -> None:
    assert CAL.workday_add(D(2025, 2, 5), -1) == D(2025, 1, 27)
    assert CAL.workday_add(D(2025, 2, 5), -2) == D(2025, 1, 26)
    assert CAL.workday_add(D(2025, 2, 5), -3) == D(2025, 1, 24)


def test_the_start_day_is_never_counted_even_on_a_holiday() -> None:
    assert CAL.workday_add(D(2025, 10, 3), 1) == D(2025, 10, 9)
    assert CAL.workday_add(D(2025, 10, 9), 1) == D(2025, 10, 10)


def test_workdays_between_counts_the_days_after_the_first_up_to_the_second() -> None:
    assert CAL.workdays_between(D(2025, 1, 24), D(2025, 2, 5)) == 3
    assert CAL.workdays_between(D(2025, 2, 5), D(2025, 1, 24)) == -3
    # Saturday 25 January is not counted, Sunday 26 (working) is; Friday 24 itself never is.
    assert CAL.workdays_between(D(2025, 1, 24), D(2025, 1, 26)) == 1
    assert CAL.workdays_between(D(2025, 1, 23), D(2025, 1, 24)) == 1
    assert CAL.workdays_between(D(2025, 3, 3), D(2025, 3, 3)) == 0
    # The whole year: 365 days − 104 weekend days − 18 weekday holidays + 5 adjusted days.
    assert CAL.workdays_between(D(2024, 12, 31), D(2025, 12, 31)) == 248


def test_counting_into_a_year_not_loaded_raises() -> None:
    assert CAL.workday_add(D(2025, 12, 29), 2) == D(2025, 12, 31)
    with pytest.raises(InvalidInput) as caught:
        CAL.workday_add(D(2025, 12, 29), 3)
    _missing_year(caught, 2026)
    with pytest.raises(InvalidInput) as caught:
        CAL.workdays_between(D(2025, 12, 1), D(2026, 1, 10))
    _missing_year(caught, 2026)


# -- legal periods (民法典 第二百零一条、第二百零三条) ---------------------------------------------------


def test_calendar_days_need_no_table() -> None:
    assert CAL.calendar_day_add(D(2025, 1, 31), 30) == D(2025, 3, 2)
    assert CAL.calendar_day_add(D(2030, 1, 1), -1) == D(2029, 12, 31)


def test_a_period_starts_the_day_after_its_trigger() -> None:
    # Triggered Monday 3 March: day 1 is Tuesday, day 3 is Thursday 6 March.
    assert CAL.period_last_day(D(2025, 3, 3), 3) == D(2025, 3, 6)


def test_a_period_ending_on_a_weekend_ends_on_the_next_working_day() -> None:
    assert CAL.period_last_day(D(2025, 3, 3), 5) == D(2025, 3, 10)  # Saturday 8 March → Monday


def test_a_period_ending_in_a_holiday_ends_the_day_after_the_holiday() -> None:
    # Day 8 after 23 September is 1 October, inside 国庆节、中秋节 (1–8 October).
    assert CAL.period_last_day(D(2025, 9, 23), 8) == D(2025, 10, 9)
    assert CAL.rest_day_rollover(D(2025, 1, 28)) == D(2025, 2, 5)


def test_a_period_ending_on_an_adjusted_working_weekend_stays_there() -> None:
    assert CAL.period_last_day(D(2025, 9, 20), 8) == D(2025, 9, 28)
    assert CAL.rest_day_rollover(D(2025, 2, 8)) == D(2025, 2, 8)


def test_a_period_in_working_days() -> None:
    # Friday 26 September + 5 working days: 28 Sep (Sun, working), 29, 30, then 9 and 10 October.
    assert CAL.workday_period_last_day(D(2025, 9, 26), 5) == D(2025, 10, 10)


@pytest.mark.parametrize("days", [0, -1])
def test_a_period_needs_a_positive_length(days: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        CAL.period_last_day(D(2025, 3, 3), days)
    assert caught.value.code == "calendar_period_invalid"
    with pytest.raises(InvalidInput) as caught:
        CAL.workday_period_last_day(D(2025, 3, 3), days)
    assert caught.value.code == "calendar_period_invalid"


def test_a_period_whose_last_day_falls_in_a_year_not_loaded_raises() -> None:
    with pytest.raises(InvalidInput) as caught:
        CAL.period_last_day(D(2025, 12, 20), 15)
    _missing_year(caught, 2026)


def test_the_last_day_ends_at_midnight_beijing_time() -> None:
    deadline = period_deadline(D(2025, 10, 9))
    assert deadline == dt.datetime(2025, 10, 10, 0, 0, tzinfo=CHINA_TZ)
    assert deadline == dt.datetime(2025, 10, 9, 16, 0, tzinfo=dt.UTC)


# -- properties ----------------------------------------------------------------------------------


# Starts and steps that stay inside 2025 (30 working days span at most about 50 calendar days).
@given(st.dates(min_value=D(2025, 3, 15), max_value=D(2025, 10, 31)), st.integers(min_value=-30, max_value=30))
def test_workday_add_and_workdays_between_agree(start: dt.date, n: int) -> None:
    end = CAL.workday_add(start, n)
    if n >= 0:
        assert CAL.workdays_between(start, end) == n
    if n:
        assert CAL.is_workday(end)
        # Exactly |n| working days were stepped on: those between start (excluded) and end (included).
        stepped = [d for d in _span(min(start, end), max(start, end)) if d != start and CAL.is_workday(d)]
        assert len(stepped) == abs(n)


@given(in_2025, in_2025, in_2025)
def test_workdays_between_adds_up(a: dt.date, b: dt.date, c: dt.date) -> None:
    assert CAL.workdays_between(a, b) + CAL.workdays_between(b, c) == CAL.workdays_between(a, c)


@given(st.dates(min_value=D(2025, 1, 1), max_value=D(2025, 11, 30)), st.integers(min_value=1, max_value=30))
def test_period_last_day_is_the_first_working_day_on_or_after_the_nominal_last_day(start: dt.date, days: int) -> None:
    nominal = start + dt.timedelta(days=days)
    last = CAL.period_last_day(start, days)
    assert CAL.is_workday(last)
    assert last >= nominal
    assert all(CAL.is_rest_day(d) for d in _span(nominal, last - dt.timedelta(days=1)))
