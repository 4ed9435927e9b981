"""The rules of the leaders' duty roster (窗口部门领导进中心): duty days, a fair rotation, changes.

Plain data and functions, no database, no Django: the services persist what these functions
return, the pages show it. Every department stationed in the hall sends one of its leadership
members to sit in the hall on the month's duty day; a year's rotation is generated once, then
staff swap or reassign single assignments with a reason.

**Duty day.** The 10th of the month, or the first working day after it when the 10th is a rest
day (weekend or holiday). An adjusted working weekend (调休上班) is a working day, so a 10th
that is one stays (2026-10-10, a Saturday, is such a day). A year whose arrangement is not
loaded raises ``calendar_year_missing`` from the calendar: a roster on a guessed calendar would
send leaders to a closed hall.

**Rotation** (``rotation_plan``), month by month, January to December:

1. Each duty day takes ``per_day`` different departments from a queue ordered by how often a
   department has served (``history`` plus the plan so far), ties broken by the order in which
   the departments were given. With 36 departments and ``per_day=3`` every department serves
   exactly once a year; with ``history`` the next year starts with those that served least.
2. Within a department the leader who has served least (``history`` plus the plan so far) goes,
   ties broken by the order of ``Department.leaders``; a leader unavailable on the duty day is
   skipped for the next one in that order.
3. When none of a department's leaders is available on the day, the department gives its place
   to the next department in the queue and keeps its own place at the head of the queue: having
   served less, it is first in line on the next duty day. A department skipped in December does
   not serve that year; ``history`` carries it to the front of the next year.
4. When fewer than ``per_day`` departments can send anyone on a day, the plan is refused
   (``roster_day_unfillable``) rather than published short.

``history`` maps department codes and leader codes to how many times they served before, in one
mapping; so department and leader codes must all be distinct (``roster_code_duplicate``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, replace
from typing import Any

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import WorkCalendar

DUTY_DAY_OF_MONTH = 10  # 每月10日, the day the centre's arrangement names
MONTHS = range(1, 13)

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Leader:
    """A leadership member of a department; ``department`` is the department's code."""

    code: str
    name: str
    department: str


@dataclass(frozen=True, slots=True)
class Department:
    """A department stationed in the hall with its leaders, in their rotation order."""

    code: str
    name: str
    leaders: tuple[Leader, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """One leader of one department on duty on ``day``; ``reason`` is set when staff changed it."""

    day: dt.date
    department: Department
    leader: Leader
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Unavailability:
    """A leader declared unavailable from ``first`` to ``last``, both included (出差、会议、休假 …)."""

    leader: str
    first: dt.date
    last: dt.date
    reason: str = ""


# -- duty days --------------------------------------------------------------------------------


def duty_day(*, year: int, month: int, calendar: WorkCalendar) -> dt.date:
    """The month's duty day: the 10th, or the first working day after it (see the module docstring)."""
    if isinstance(month, bool) or not isinstance(month, int) or month not in MONTHS:
        raise InvalidInput(f"月份必须是1至12的整数，实为{month}", code="roster_month_invalid", detail={"month": month})
    # rest_day_rollover is exactly "the first working day on or after": it keeps 调休 weekends.
    return calendar.rest_day_rollover(dt.date(year, month, DUTY_DAY_OF_MONTH))


def duty_days(*, year: int, calendar: WorkCalendar) -> list[dt.date]:
    """The twelve duty days of ``year``, January first."""
    return [duty_day(year=year, month=month, calendar=calendar) for month in MONTHS]


def unavailable_days(*, entries: Iterable[Unavailability]) -> dict[str, set[dt.date]]:
    """Merge declarations into the ``leader code → dates`` mapping ``rotation_plan`` takes."""
    result: dict[str, set[dt.date]] = {}
    for entry in entries:
        if entry.last < entry.first:
            raise InvalidInput(
                f"不可值班时段的结束日期早于开始日期：{entry.first.isoformat()}至{entry.last.isoformat()}",
                code="roster_unavailability_range",
                detail={"leader": entry.leader, "first": entry.first.isoformat(), "last": entry.last.isoformat()},
            )
        days = result.setdefault(entry.leader, set())
        day = entry.first
        while day <= entry.last:
            days.add(day)
            day += _ONE_DAY
    return result


# -- validation -------------------------------------------------------------------------------


def _departments_check(departments: Sequence[Department]) -> None:
    if not departments:
        raise InvalidInput("没有进驻部门，无法排班", code="roster_no_departments")
    seen: set[str] = set()
    for department in departments:
        if not department.leaders:
            raise InvalidInput(
                f"部门“{department.name}”没有登记领导班子成员，无法排班",
                code="roster_department_without_leaders",
                detail={"department": department.code},
            )
        for code in (department.code, *(leader.code for leader in department.leaders)):
            # One namespace for both kinds, because ``history`` keys them together.
            if code in seen:
                raise InvalidInput(f"编码重复：{code}", code="roster_code_duplicate", detail={"code": code})
            seen.add(code)
        for leader in department.leaders:
            if leader.department != department.code:
                raise InvalidInput(
                    f"领导“{leader.name}”登记的部门（{leader.department}）与所在部门（{department.code}）不一致",
                    code="roster_leader_department_mismatch",
                    detail={"leader": leader.code, "department": department.code},
                )


def _per_day_check(per_day: int, departments: Sequence[Department]) -> None:
    if isinstance(per_day, bool) or not isinstance(per_day, int) or per_day < 1:
        raise InvalidInput(
            f"每个值班日的部门数必须为正整数，实为{per_day}", code="roster_per_day_invalid", detail={"per_day": per_day}
        )
    if per_day > len(departments):
        raise InvalidInput(
            f"每个值班日安排{per_day}个部门，但只有{len(departments)}个进驻部门",
            code="roster_per_day_too_many",
            detail={"per_day": per_day, "departments": len(departments)},
        )


def _history_check(history: Mapping[str, int]) -> None:
    for code, count in history.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInput(
                f"历史值班次数必须为非负整数：{code}={count}",
                code="roster_history_invalid",
                detail={"code": code, "count": count},
            )


def _unavailable_check(unavailable: Mapping[str, Set[dt.date]], departments: Sequence[Department]) -> None:
    # An unknown code is most likely a typo; ignoring it would put an absent leader on duty.
    known = {leader.code for department in departments for leader in department.leaders}
    unknown = sorted(set(unavailable) - known)
    if unknown:
        raise InvalidInput(
            f"不可值班登记中的领导不存在：{'、'.join(unknown)}",
            code="roster_unavailable_unknown_leader",
            detail={"leaders": unknown},
        )


def _reason_check(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("调整值班安排必须填写理由", code="roster_reason_required")
    return reason


# -- the rotation -----------------------------------------------------------------------------


def _leader_pick(
    department: Department, day: dt.date, served: Counter[str], unavailable: Mapping[str, Set[dt.date]]
) -> Leader | None:
    # sorted() is stable, so equal counts keep the order of Department.leaders.
    for leader in sorted(department.leaders, key=lambda leader: served[leader.code]):
        if day not in unavailable.get(leader.code, ()):
            return leader
    return None


def rotation_plan(
    *,
    departments: Sequence[Department],
    year: int,
    per_day: int,
    calendar: WorkCalendar,
    unavailable: Mapping[str, Set[dt.date]],
    history: Mapping[str, int] | None = None,
) -> list[Assignment]:
    """A fair rotation for ``year``, ordered by day then queue position (rules in the module docstring)."""
    _departments_check(departments)
    _per_day_check(per_day, departments)
    history = history or {}
    _history_check(history)
    _unavailable_check(unavailable, departments)

    # ``served`` counts history and this plan together, so the queue and the leaders' turns
    # both continue from where the previous year stopped.
    served: Counter[str] = Counter({code: count for code, count in history.items() if count})
    position = {department.code: index for index, department in enumerate(departments)}
    plan: list[Assignment] = []
    for day in duty_days(year=year, calendar=calendar):
        queue = sorted(departments, key=lambda d: (served[d.code], position[d.code]))
        chosen: list[Assignment] = []
        for department in queue:
            leader = _leader_pick(department, day, served, unavailable)
            if leader is None:
                continue  # rule 3: it keeps its place at the head of the queue for the next day
            chosen.append(Assignment(day=day, department=department, leader=leader))
            if len(chosen) == per_day:
                break
        if len(chosen) < per_day:
            raise InvalidInput(
                f"{day.isoformat()}只有{len(chosen)}个部门有领导可以值班，少于每日所需的{per_day}个",
                code="roster_day_unfillable",
                detail={"day": day.isoformat(), "available": len(chosen), "per_day": per_day},
            )
        for assignment in chosen:
            served[assignment.department.code] += 1
            served[assignment.leader.code] += 1
        plan.extend(chosen)
    return plan


def history_merge(*, plan: Iterable[Assignment], history: Mapping[str, int] | None = None) -> dict[str, int]:
    """``history`` plus the plan's services, to pass to next year's ``rotation_plan``."""
    merged: Counter[str] = Counter(history or {})
    for assignment in plan:
        merged[assignment.department.code] += 1
        merged[assignment.leader.code] += 1
    return dict(merged)


def fairness(
    *,
    plan: Iterable[Assignment],
    departments: Sequence[Department] | None = None,
    history: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """How evenly the plan (plus ``history``) spreads the duty.

    ``departments`` adds those that never served, with 0, so that they count in the spread.
    ``department_spread`` is the max − min over departments; ``leader_spread`` is the largest
    max − min among the leaders *of one department*: leaders of a small department are meant to
    serve more often than those of a large one, so comparing across departments says nothing.
    """
    history = history or {}
    assignments = list(plan)
    # Keyed by code so that the given departments come first, in their order, then any others.
    by_code = {department.code: department for department in departments or ()}
    for assignment in assignments:
        by_code.setdefault(assignment.department.code, assignment.department)
    known = list(by_code.values())
    merged = history_merge(plan=assignments, history=history)
    department_counts = {d.code: merged.get(d.code, 0) for d in known}
    leader_counts = {leader.code: merged.get(leader.code, 0) for d in known for leader in d.leaders}
    leader_spread = 0
    for department in known:
        counts = [leader_counts[leader.code] for leader in department.leaders]
        if counts:
            leader_spread = max(leader_spread, max(counts) - min(counts))
    values = list(department_counts.values())
    return {
        "departments": department_counts,
        "leaders": leader_counts,
        "department_spread": max(values) - min(values) if values else 0,
        "leader_spread": leader_spread,
    }


# -- changes by staff -------------------------------------------------------------------------


def _index_of(plan: Sequence[Assignment], assignment: Assignment) -> int:
    try:
        return plan.index(assignment)
    except ValueError:
        raise InvalidInput(
            f"值班安排中没有{assignment.day.isoformat()}{assignment.department.name}的这条记录",
            code="roster_assignment_missing",
            detail={"day": assignment.day.isoformat(), "department": assignment.department.code},
        ) from None


def _available_check(leader: Leader, day: dt.date, unavailable: Mapping[str, Set[dt.date]]) -> None:
    if day in unavailable.get(leader.code, ()):
        raise InvalidInput(
            f"{leader.name}已登记{day.isoformat()}不能值班",
            code="roster_leader_unavailable",
            detail={"leader": leader.code, "day": day.isoformat()},
        )


def _plan_sorted(plan: list[Assignment]) -> list[Assignment]:
    # Stable sort: within a day the queue order of the generated plan is kept.
    return sorted(plan, key=lambda assignment: assignment.day)


def assignment_swap(
    *,
    plan: Sequence[Assignment],
    first: Assignment,
    second: Assignment,
    reason: str,
    unavailable: Mapping[str, Set[dt.date]] | None = None,
) -> list[Assignment]:
    """Exchange the days of two assignments (each department keeps its leader); a new plan.

    Refused when an assignment is not in the plan, both are on the same day, a department would
    then serve twice on one day, a leader is unavailable on the new day, or ``reason`` is blank.
    The given plan is never modified.
    """
    reason = _reason_check(reason)
    i, j = _index_of(plan, first), _index_of(plan, second)
    if first.day == second.day:
        raise InvalidInput(
            "同一值班日的两条安排无需互换", code="roster_swap_same_day", detail={"day": first.day.isoformat()}
        )
    moved = {i: replace(first, day=second.day, reason=reason), j: replace(second, day=first.day, reason=reason)}
    for assignment in moved.values():
        others = (a for k, a in enumerate(plan) if k not in moved and a.day == assignment.day)
        if any(other.department.code == assignment.department.code for other in others):
            raise InvalidInput(
                f"互换后{assignment.department.name}在{assignment.day.isoformat()}将值班两次",
                code="roster_department_twice",
                detail={"department": assignment.department.code, "day": assignment.day.isoformat()},
            )
        _available_check(assignment.leader, assignment.day, unavailable or {})
    return _plan_sorted([moved.get(k, a) for k, a in enumerate(plan)])


def assignment_reassign(
    *,
    plan: Sequence[Assignment],
    assignment: Assignment,
    leader: str,
    reason: str,
    unavailable: Mapping[str, Set[dt.date]] | None = None,
) -> list[Assignment]:
    """Give an assignment to another leader (by code) of the same department; a new plan.

    Refused when the assignment is not in the plan, the leader is not a leader of that
    department or is the one already assigned, is unavailable that day, or ``reason`` is blank.
    The given plan is never modified.
    """
    reason = _reason_check(reason)
    index = _index_of(plan, assignment)
    department = assignment.department
    chosen = next((candidate for candidate in department.leaders if candidate.code == leader), None)
    if chosen is None:
        raise InvalidInput(
            f"{leader}不是{department.name}的领导班子成员",
            code="roster_leader_other_department",
            detail={"leader": leader, "department": department.code},
        )
    if chosen == assignment.leader:
        raise InvalidInput(
            f"{chosen.name}已是该日的值班领导", code="roster_reassign_same_leader", detail={"leader": leader}
        )
    _available_check(chosen, assignment.day, unavailable or {})
    new_plan = list(plan)
    new_plan[index] = replace(assignment, leader=chosen, reason=reason)
    return new_plan
