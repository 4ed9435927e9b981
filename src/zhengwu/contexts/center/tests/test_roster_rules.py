"""center.roster_rules: duty days, the yearly rotation, swaps and reassignments — no database.

The calendars are the State Council's arrangements for 2024, 2025 and 2026, typed in from
the notices (the shipped ``platform/workdays/data/cn-*.csv``) as ``kernel/tests/test_workdays``
does, only the parts these tests touch for 2024.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from zhengwu.contexts.center.roster_rules import (
    Assignment,
    Department,
    Leader,
    Unavailability,
    assignment_reassign,
    assignment_swap,
    duty_day,
    duty_days,
    fairness,
    history_merge,
    rotation_plan,
    unavailable_days,
)
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import WorkCalendar

D = dt.date


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


HOLIDAYS = {
    # 2024 (国办发明电〔2023〕7号): 元旦 and 春节 only.
    D(2024, 1, 1): "元旦",
    **dict.fromkeys(_span(D(2024, 2, 10), D(2024, 2, 17)), "春节"),
    # 2025 (国办发明电〔2024〕12号).
    D(2025, 1, 1): "元旦",
    **dict.fromkeys(_span(D(2025, 1, 28), D(2025, 2, 4)), "春节"),
    **dict.fromkeys(_span(D(2025, 4, 4), D(2025, 4, 6)), "清明节"),
    **dict.fromkeys(_span(D(2025, 5, 1), D(2025, 5, 5)), "劳动节"),
    **dict.fromkeys(_span(D(2025, 5, 31), D(2025, 6, 2)), "端午节"),
    **dict.fromkeys(_span(D(2025, 10, 1), D(2025, 10, 8)), "国庆节、中秋节"),
    # 2026 (国办发明电〔2025〕7号).
    **dict.fromkeys(_span(D(2026, 1, 1), D(2026, 1, 3)), "元旦"),
    **dict.fromkeys(_span(D(2026, 2, 15), D(2026, 2, 23)), "春节"),
    **dict.fromkeys(_span(D(2026, 4, 4), D(2026, 4, 6)), "清明节"),
    **dict.fromkeys(_span(D(2026, 5, 1), D(2026, 5, 5)), "劳动节"),
    **dict.fromkeys(_span(D(2026, 6, 19), D(2026, 6, 21)), "端午节"),
    **dict.fromkeys(_span(D(2026, 9, 25), D(2026, 9, 27)), "中秋节"),
    **dict.fromkeys(_span(D(2026, 10, 1), D(2026, 10, 7)), "国庆节"),
}
WORKDAYS = {
    D(2024, 2, 4): "春节",
    D(2024, 2, 18): "春节",
    D(2025, 1, 26): "春节",
    D(2025, 2, 8): "春节",
    D(2025, 4, 27): "劳动节",
    D(2025, 9, 28): "国庆节、中秋节",
    D(2025, 10, 11): "国庆节、中秋节",
    D(2026, 1, 4): "元旦",
    D(2026, 2, 14): "春节",
    D(2026, 2, 28): "春节",
    D(2026, 5, 9): "劳动节",
    D(2026, 9, 20): "国庆节",
    D(2026, 10, 10): "国庆节",
}
CAL = WorkCalendar(holidays=HOLIDAYS, adjusted_workdays=WORKDAYS)

DUTY_DAYS_2026 = [
    D(2026, 1, 12),  # the 10th is a Saturday
    D(2026, 2, 10),
    D(2026, 3, 10),
    D(2026, 4, 10),
    D(2026, 5, 11),  # the 10th is a Sunday
    D(2026, 6, 10),
    D(2026, 7, 10),
    D(2026, 8, 10),
    D(2026, 9, 10),
    D(2026, 10, 10),  # a Saturday, but 调休上班 after 国庆节
    D(2026, 11, 10),
    D(2026, 12, 10),
]


def _department(number: int, leaders: int) -> Department:
    code = f"D{number:02d}"
    return Department(
        code=code,
        name=f"部门{number:02d}",
        leaders=tuple(
            Leader(code=f"{code}-L{i}", name=f"部门{number:02d}领导{i}", department=code) for i in range(1, leaders + 1)
        ),
    )


# The demo's 36 departments, with 2, 3 or 4 leaders each.
HALL = [_department(n, 2 + n % 3) for n in range(1, 37)]


def _plan(**overrides: Any) -> list[Assignment]:
    arguments: dict[str, Any] = {
        "departments": HALL,
        "year": 2026,
        "per_day": 3,
        "calendar": CAL,
        "unavailable": {},
    }
    arguments.update(overrides)
    return rotation_plan(**arguments)


def _codes(plan: list[Assignment], day: dt.date) -> list[tuple[str, str]]:
    return [(a.department.code, a.leader.code) for a in plan if a.day == day]


# -- duty days --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 1, D(2026, 1, 12)),  # Saturday 10th → Monday
        (2026, 5, D(2026, 5, 11)),  # Sunday 10th → Monday
        (2026, 10, D(2026, 10, 10)),  # Saturday 10th that is a make-up working day stays
        (2026, 2, D(2026, 2, 10)),  # ordinary Tuesday, the week before 春节
        (2024, 2, D(2024, 2, 18)),  # 10th is 春节 (to the 17th) → the make-up Sunday after it
        (2025, 10, D(2025, 10, 10)),  # Friday right after 国庆节、中秋节
    ],
)
def test_duty_day_is_the_10th_or_the_next_working_day(year: int, month: int, expected: dt.date) -> None:
    assert duty_day(year=year, month=month, calendar=CAL) == expected


def test_duty_days_of_2026() -> None:
    assert duty_days(year=2026, calendar=CAL) == DUTY_DAYS_2026


def test_duty_day_refuses_a_year_without_arrangement() -> None:
    with pytest.raises(InvalidInput) as exc:
        duty_day(year=2027, month=3, calendar=CAL)
    assert exc.value.code == "calendar_year_missing"


@pytest.mark.parametrize("month", [0, 13, True])
def test_duty_day_refuses_a_bad_month(month: int) -> None:
    with pytest.raises(InvalidInput) as exc:
        duty_day(year=2026, month=month, calendar=CAL)
    assert exc.value.code == "roster_month_invalid"


# -- unavailability ---------------------------------------------------------------------------


def test_unavailability_declarations_merge_into_days() -> None:
    merged = unavailable_days(
        entries=[
            Unavailability(leader="D01-L1", first=D(2026, 1, 11), last=D(2026, 1, 13), reason="出差"),
            Unavailability(leader="D01-L1", first=D(2026, 3, 10), last=D(2026, 3, 10)),
        ]
    )
    assert merged == {"D01-L1": {D(2026, 1, 11), D(2026, 1, 12), D(2026, 1, 13), D(2026, 3, 10)}}


def test_unavailability_must_not_end_before_it_starts() -> None:
    with pytest.raises(InvalidInput) as exc:
        unavailable_days(entries=[Unavailability(leader="D01-L1", first=D(2026, 1, 13), last=D(2026, 1, 11))])
    assert exc.value.code == "roster_unavailability_range"


# -- the rotation -----------------------------------------------------------------------------


def test_a_full_year_sends_every_department_exactly_once() -> None:
    # A few leaders away on their department's natural day, to show the plan honours them.
    unavailable = {"D01-L1": {D(2026, 1, 12)}, "D20-L1": {D(2026, 7, 10)}, "D36-L1": set(DUTY_DAYS_2026)}
    plan = _plan(unavailable=unavailable)

    assert len(plan) == 36
    assert sorted(a.department.code for a in plan) == [d.code for d in HALL]
    assert [a.day for a in plan] == [day for day in DUTY_DAYS_2026 for _ in range(3)]
    for assignment in plan:
        assert assignment.leader in assignment.department.leaders
        assert assignment.day not in unavailable.get(assignment.leader.code, set())
        assert assignment.reason == ""
    report = fairness(plan=plan, departments=HALL)
    assert report["department_spread"] == 0
    assert set(report["departments"].values()) == {1}


def test_departments_go_in_the_given_order_with_their_first_leader() -> None:
    plan = _plan()
    assert _codes(plan, D(2026, 1, 12)) == [("D01", "D01-L1"), ("D02", "D02-L1"), ("D03", "D03-L1")]
    assert _codes(plan, D(2026, 12, 10)) == [("D34", "D34-L1"), ("D35", "D35-L1"), ("D36", "D36-L1")]


def test_an_unavailable_leader_is_replaced_by_the_next_of_the_same_department() -> None:
    plan = _plan(unavailable={"D02-L1": {D(2026, 1, 12)}})
    assert _codes(plan, D(2026, 1, 12)) == [("D01", "D01-L1"), ("D02", "D02-L2"), ("D03", "D03-L1")]


def test_a_department_without_anyone_available_serves_next_month_instead() -> None:
    # D01 has three leaders (2 + 1 % 3); none can come on 12 January.
    away = {leader.code: {D(2026, 1, 12)} for leader in HALL[0].leaders}
    plan = _plan(unavailable=away)

    assert _codes(plan, D(2026, 1, 12)) == [("D02", "D02-L1"), ("D03", "D03-L1"), ("D04", "D04-L1")]
    assert _codes(plan, D(2026, 2, 10)) == [("D01", "D01-L1"), ("D05", "D05-L1"), ("D06", "D06-L1")]
    assert fairness(plan=plan, departments=HALL)["department_spread"] == 0


def test_a_day_too_few_departments_can_serve_is_refused() -> None:
    small = HALL[:3]
    away = {leader.code: {D(2026, 3, 10)} for leader in small[0].leaders}
    with pytest.raises(InvalidInput) as exc:
        _plan(departments=small, unavailable=away)
    assert exc.value.code == "roster_day_unfillable"
    assert exc.value.detail == {"day": "2026-03-10", "available": 2, "per_day": 3}


def test_two_years_with_history_rotate_departments_and_their_leaders() -> None:
    first = _plan(year=2025)
    history = history_merge(plan=first)
    second = _plan(year=2026, history=history)

    assert [a.day for a in second][::3] == DUTY_DAYS_2026
    report = fairness(plan=second, departments=HALL, history=history)
    assert set(report["departments"].values()) == {2}
    assert report["department_spread"] == 0
    assert report["leader_spread"] == 1  # a department of 3 or 4 leaders has some not yet served
    leader_of = {a.department.code: a.leader.code for a in first}
    for assignment in second:
        # Every department has at least two leaders, so next year is somebody else's turn.
        assert assignment.leader.code != leader_of[assignment.department.code]
        assert assignment.leader.code.endswith("-L2")


def test_history_puts_the_departments_left_out_last_year_first() -> None:
    # Two a day: 24 of the 36 serve in 2025; 2026 starts with the other 12.
    first = _plan(year=2025, per_day=2)
    second = _plan(year=2026, per_day=2, history=history_merge(plan=first))

    assert {a.department.code for a in first} == {d.code for d in HALL[:24]}
    assert [a.department.code for a in second[:12]] == [d.code for d in HALL[24:]]
    report = fairness(plan=first + second, departments=HALL)
    assert report["department_spread"] == 1
    assert report["leader_spread"] == 1


def test_leaders_take_turns_when_a_department_serves_often() -> None:
    # Three departments, two a day: 8 services each in the year.
    plan = _plan(departments=HALL[:3], per_day=2)
    report = fairness(plan=plan, departments=HALL[:3])
    assert report["departments"] == {"D01": 8, "D02": 8, "D03": 8}
    assert report["leader_spread"] <= 1
    assert [a.leader.code for a in plan if a.department.code == "D03"][:3] == ["D03-L1", "D03-L2", "D03-L1"]


EMPTY = Department(code="D99", name="空部门", leaders=())


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"per_day": 0}, "roster_per_day_invalid"),
        ({"per_day": 37}, "roster_per_day_too_many"),
        ({"departments": []}, "roster_no_departments"),
        ({"departments": [*HALL[:3], EMPTY]}, "roster_department_without_leaders"),
        ({"departments": [*HALL[:3], HALL[0]]}, "roster_code_duplicate"),
        (
            {"departments": [*HALL[:3], Department("D99", "部门99", (Leader("D01-L1", "重名", "D99"),))]},
            "roster_code_duplicate",
        ),
        (
            {"departments": [*HALL[:3], Department("D01-L1", "部门99", (Leader("X", "X", "D01-L1"),))]},
            "roster_code_duplicate",
        ),
        (
            {"departments": [*HALL[:3], Department(code="D99", name="部门99", leaders=(Leader("X", "X", "D98"),))]},
            "roster_leader_department_mismatch",
        ),
        ({"history": {"D01": -1}}, "roster_history_invalid"),
        ({"unavailable": {"D01-L9": {D(2026, 1, 12)}}}, "roster_unavailable_unknown_leader"),
    ],
)
def test_impossible_inputs_are_refused(overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        _plan(**overrides)
    assert exc.value.code == code
    assert exc.value.message  # Chinese, for people


# -- swaps ------------------------------------------------------------------------------------


def test_a_swap_exchanges_the_days_of_two_assignments() -> None:
    plan = _plan()
    before = copy.deepcopy(plan)
    january, february = plan[0], plan[3]  # D01 on 12 January, D04 on 10 February

    swapped = assignment_swap(plan=plan, first=january, second=february, reason="D01主要领导1月参加全市会议")

    assert plan == before
    assert _codes(swapped, D(2026, 1, 12)) == [("D02", "D02-L1"), ("D03", "D03-L1"), ("D04", "D04-L1")]
    assert _codes(swapped, D(2026, 2, 10)) == [("D01", "D01-L1"), ("D05", "D05-L1"), ("D06", "D06-L1")]
    changed = [a for a in swapped if a.reason]
    assert {(a.department.code, a.day) for a in changed} == {("D01", D(2026, 2, 10)), ("D04", D(2026, 1, 12))}
    assert all(a.reason == "D01主要领导1月参加全市会议" for a in changed)
    assert fairness(plan=swapped) == fairness(plan=plan)


def _swap_error(plan: list[Assignment], **arguments: Any) -> str:
    before = copy.deepcopy(plan)
    arguments.setdefault("reason", "工作安排冲突")
    with pytest.raises(InvalidInput) as exc:
        assignment_swap(plan=plan, **arguments)
    assert plan == before
    return exc.value.code


def test_swap_refusals() -> None:
    plan = _plan()
    january, february = plan[0], plan[3]
    stranger = Assignment(day=D(2026, 3, 10), department=HALL[0], leader=HALL[0].leaders[0])

    assert _swap_error(plan, first=january, second=february, reason="  ") == "roster_reason_required"
    assert _swap_error(plan, first=january, second=plan[1]) == "roster_swap_same_day"
    assert _swap_error(plan, first=january, second=stranger) == "roster_assignment_missing"
    away = {january.leader.code: {february.day}}
    assert _swap_error(plan, first=january, second=february, unavailable=away) == "roster_leader_unavailable"


def test_a_swap_may_not_put_a_department_twice_on_one_day() -> None:
    plan = _plan(departments=HALL[:3], per_day=2)
    # 12 January: D01, D02; 10 February: D03, D01.
    assert [a.department.code for a in plan[:4]] == ["D01", "D02", "D03", "D01"]
    assert _swap_error(plan, first=plan[0], second=plan[2]) == "roster_department_twice"


# -- reassignments ----------------------------------------------------------------------------


def test_a_reassignment_gives_the_day_to_another_leader_of_the_department() -> None:
    plan = _plan()
    before = copy.deepcopy(plan)

    changed = assignment_reassign(plan=plan, assignment=plan[1], leader="D02-L2", reason="D02-L1病假")

    assert plan == before
    assert changed[1] == Assignment(
        day=D(2026, 1, 12), department=HALL[1], leader=HALL[1].leaders[1], reason="D02-L1病假"
    )
    assert changed[:1] + changed[2:] == plan[:1] + plan[2:]


def _reassign_error(plan: list[Assignment], **arguments: Any) -> str:
    before = copy.deepcopy(plan)
    arguments.setdefault("reason", "临时公务")
    with pytest.raises(InvalidInput) as exc:
        assignment_reassign(plan=plan, **arguments)
    assert plan == before
    return exc.value.code


def test_reassignment_refusals() -> None:
    plan = _plan()
    target = plan[1]  # D02-L1 on 12 January
    stranger = Assignment(day=D(2026, 3, 10), department=HALL[1], leader=HALL[1].leaders[0])

    assert _reassign_error(plan, assignment=target, leader="D02-L2", reason="") == "roster_reason_required"
    assert _reassign_error(plan, assignment=stranger, leader="D02-L2") == "roster_assignment_missing"
    assert _reassign_error(plan, assignment=target, leader="D01-L2") == "roster_leader_other_department"
    assert _reassign_error(plan, assignment=target, leader="D02-L1") == "roster_reassign_same_leader"
    away = {"D02-L2": {D(2026, 1, 12)}}
    assert _reassign_error(plan, assignment=target, leader="D02-L2", unavailable=away) == "roster_leader_unavailable"
