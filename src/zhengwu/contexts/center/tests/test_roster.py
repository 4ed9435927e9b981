"""center.roster: generating, publishing and changing the duty roster, attendance, issues, reminders."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.demo_roster import roster_demo_load
from zhengwu.contexts.center.models import (
    Department,
    DutyAssignment,
    DutyChange,
    DutyIssue,
    Leader,
    LeaderUnavailability,
    RosterYear,
)
from zhengwu.contexts.center.roster_rules import duty_days
from zhengwu.contexts.center.tests.roster_world import (
    SYSTEM,
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    departments_make,
    people_make,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.workdays.selectors import calendar_get

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def people() -> dict[str, Actor]:
    return people_make()


@pytest.fixture
def staff(people: dict[str, Actor]) -> Actor:
    departments_make(by=people["staff"])
    return people["staff"]


def _duty(year: int, department: str) -> DutyAssignment:
    return DutyAssignment.objects.select_related("leader").get(roster__year=year, department__code=department)


def _state() -> list[tuple[Any, ...]]:
    """Everything the roster services may change, to compare before and after a refusal."""
    return [
        *DutyAssignment.objects.order_by("id").values_list(
            "id", "day", "leader_id", "status", "reminded_at", "attendance_note"
        ),
        *RosterYear.objects.order_by("id").values_list("id", "published_at"),
        *DutyIssue.objects.order_by("id").values_list("id", "status", "follow_up"),
        ("changes", DutyChange.objects.count()),
        ("departments", Department.objects.count()),
        ("leaders", Leader.objects.count()),
        ("unavailability", LeaderUnavailability.objects.count()),
        ("audit", AuditEntry.objects.count()),
    ]


def test_36_departments_three_a_day_serve_once_each_on_the_duty_days(staff: Actor) -> None:
    generated = roster.roster_generate(year=2026, per_day=3, by=staff)
    assignments = list(DutyAssignment.objects.filter(roster=generated).select_related("department", "leader"))
    assert len(assignments) == 36
    assert Counter(a.department.code for a in assignments) == {f"D{i:02d}": 1 for i in range(1, 37)}
    days = duty_days(year=2026, calendar=calendar_get())
    assert Counter(a.day for a in assignments) == dict.fromkeys(days, 3)
    # 2026-01-10 is a Saturday: the duty moves to Monday the 12th; the queue runs in department order.
    assert days[0] == D(2026, 1, 12)
    assert sorted(a.department.code for a in assignments if a.day == D(2026, 1, 12)) == ["D01", "D02", "D03"]
    assert {a.leader.code for a in assignments} == {f"D{i:02d}L1" for i in range(1, 37)}
    assert {a.status for a in assignments} == {"planned"}
    assert (generated.per_day, generated.published_at, generated.generated_by) == (3, None, "staff")
    entry = AuditEntry.objects.get(action="center.roster.generate")
    assert entry.object_id == "2026"
    figures = roster.roster_fairness(roster=generated)
    assert (figures["department_spread"], figures["leader_spread"]) == (0, 1)
    assert figures["count_histogram"] == [(1, 36)]


def test_generation_continues_from_last_year(staff: Actor) -> None:
    roster.roster_generate(year=2025, per_day=2, by=staff)
    roster.roster_generate(year=2026, per_day=2, by=staff)
    # 2025 served D01…D24; 2026 starts with those who did not serve, then D01 again.
    first_2026 = DutyAssignment.objects.filter(roster__year=2026).order_by("day", "department__order")
    assert [a.department.code for a in first_2026[:14]] == [f"D{i:02d}" for i in range(25, 37)] + ["D01", "D02"]
    d01 = DutyAssignment.objects.get(roster__year=2026, department__code="D01")
    # D01's first leader served in 2025, so the second takes this turn.
    assert d01.day == D(2026, 7, 10)
    assert d01.leader.code == "D01L2"


def test_unavailability_of_the_first_leader_gives_the_day_to_the_second(staff: Actor) -> None:
    roster.unavailability_declare(
        leader=Leader.objects.get(code="D02L1"), start=D(2026, 1, 12), end=D(2026, 1, 12), reason="会议", by=staff
    )
    roster.roster_generate(year=2026, per_day=3, by=staff)
    assert _duty(2026, "D02").leader.code == "D02L2"
    assert _duty(2026, "D02").day == D(2026, 1, 12)


def test_unavailability_range_must_not_end_before_it_starts(staff: Actor) -> None:
    before = _state()
    with pytest.raises(InvalidInput) as error:
        roster.unavailability_declare(
            leader=Leader.objects.get(code="D01L1"), start=D(2026, 5, 2), end=D(2026, 5, 1), reason="会议", by=staff
        )
    assert error.value.code == "roster_unavailability_range"
    assert _state() == before


def test_a_year_is_generated_once(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    before = _state()
    with pytest.raises(Conflict) as error:
        roster.roster_generate(year=2026, per_day=2, by=staff)
    assert error.value.code == "roster_year_exists"
    assert _state() == before


def test_a_year_without_calendar_is_refused(staff: Actor) -> None:
    with pytest.raises(InvalidInput) as error:
        roster.roster_generate(year=2031, per_day=3, by=staff)
    assert error.value.code == "calendar_year_missing"
    assert not RosterYear.objects.exists()


def test_publish_once(staff: Actor) -> None:
    generated = roster.roster_generate(year=2026, per_day=3, by=staff)
    published = roster.roster_publish(roster=generated, by=staff)
    assert published.published_at is not None
    with pytest.raises(Conflict) as error:
        roster.roster_publish(roster=generated, by=staff)
    assert error.value.code == "roster_already_published"


def test_swap_exchanges_days_and_records_both_sides(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    april, may = _duty(2026, "D10"), _duty(2026, "D13")
    assert (april.day, may.day) == (D(2026, 4, 10), D(2026, 5, 11))  # 2026-05-10 is a Sunday
    DutyAssignment.objects.filter(pk=april.pk).update(reminded_at=dt.datetime(2026, 3, 1, tzinfo=CHINA_TZ))
    roster.duty_swap(assignment=april, other=may, reason=" 四月有专项督查 ", by=staff)
    april.refresh_from_db()
    may.refresh_from_db()
    assert (april.day, may.day) == (D(2026, 5, 11), D(2026, 4, 10))
    assert (april.leader.code, may.leader.code) == ("D10L1", "D13L1")
    assert april.reminded_at is None
    changes = list(
        DutyChange.objects.order_by("assignment_id").values_list("assignment_id", "kind", "other_id", "reason")
    )
    assert changes == sorted(
        [(april.pk, "swap", may.pk, "四月有专项督查"), (may.pk, "swap", april.pk, "四月有专项督查")]
    )
    assert AuditEntry.objects.filter(action="center.duty.swap").count() == 2


@pytest.mark.parametrize(
    ("first", "second", "reason", "code"),
    [
        ("D10", "D13", "  ", "roster_reason_required"),
        ("D01", "D13", "理由", "roster_assignment_not_changeable"),  # January is past
        ("D13", "D01", "理由", "roster_assignment_not_changeable"),
        ("D10", "D11", "理由", "roster_swap_same_day"),
        ("D10", "D13", "理由", "roster_leader_unavailable"),
    ],
)
def test_refused_swaps_change_nothing(staff: Actor, first: str, second: str, reason: str, code: str) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    # D13's leader cannot come in April, so D13 may not take D10's April day.
    roster.unavailability_declare(
        leader=Leader.objects.get(code="D13L1"), start=D(2026, 4, 1), end=D(2026, 4, 30), reason="学习", by=staff
    )
    before = _state()
    with pytest.raises(InvalidInput) as error:
        roster.duty_swap(assignment=_duty(2026, first), other=_duty(2026, second), reason=reason, by=staff)
    assert error.value.code == code
    assert _state() == before


def test_reassign_to_another_leader_of_the_department(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    duty = _duty(2026, "D20")
    roster.duty_reassign(assignment=duty, leader=Leader.objects.get(code="D20L3"), reason="原值班领导借调", by=staff)
    duty.refresh_from_db()
    assert duty.leader.code == "D20L3"
    change = DutyChange.objects.get()
    assert (change.kind, change.leader_before.code, change.leader_after.code, change.reason, change.by) == (
        "reassign",
        "D20L1",
        "D20L3",
        "原值班领导借调",
        "staff",
    )


@pytest.mark.parametrize(
    ("department", "leader", "code"),
    [
        ("D20", "D21L2", "roster_leader_other_department"),
        ("D20", "D20L1", "roster_reassign_same_leader"),
        ("D20", "D20L2", "roster_leader_unavailable"),
        ("D02", "D02L2", "roster_assignment_not_changeable"),
    ],
)
def test_refused_reassignments_change_nothing(staff: Actor, department: str, leader: str, code: str) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    roster.unavailability_declare(
        leader=Leader.objects.get(code="D20L2"), start=D(2026, 7, 10), end=D(2026, 7, 10), reason="会议", by=staff
    )
    assert _duty(2026, "D20").day == D(2026, 7, 10)
    before = _state()
    with pytest.raises(InvalidInput) as error:
        roster.duty_reassign(
            assignment=_duty(2026, department), leader=Leader.objects.get(code=leader), reason="理由", by=staff
        )
    assert error.value.code == code
    assert _state() == before


def test_attendance_only_on_or_after_the_day(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    before = _state()
    with pytest.raises(InvalidInput) as error:
        roster.duty_attendance_record(assignment=_duty(2026, "D07"), attended=True, note="", by=staff)  # 2026-03-10
    assert error.value.code == "roster_attendance_too_early"
    assert _state() == before
    clock_set(dt.datetime(2026, 3, 10, 9, 0, tzinfo=CHINA_TZ))
    roster.duty_attendance_record(assignment=_duty(2026, "D07"), attended=True, note="准时到岗", by=staff)
    roster.duty_attendance_record(assignment=_duty(2026, "D08"), attended=False, note="临时会议", by=staff)
    assert (_duty(2026, "D07").status, _duty(2026, "D07").attendance_note) == ("attended", "准时到岗")
    assert (_duty(2026, "D08").status, _duty(2026, "D08").attended_at) == ("absent", None)


def test_issues_are_added_on_the_day_and_resolved_once(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    with pytest.raises(InvalidInput) as error:
        roster.duty_issue_add(assignment=_duty(2026, "D30"), summary="问题", raised_by="", contact="", by=staff)
    assert error.value.code == "roster_issue_too_early"
    issue = roster.duty_issue_add(
        assignment=_duty(2026, "D01"),
        summary=" 办证排队时间长 ",
        raised_by="市民张先生",
        contact="13900000000",
        by=staff,
    )
    assert (issue.summary, issue.status, issue.raised_by) == ("办证排队时间长", "open", "市民张先生")
    with pytest.raises(InvalidInput) as error:
        roster.duty_issue_resolve(issue=issue, follow_up=" ", by=staff)
    assert error.value.code == "roster_field_required"
    roster.duty_issue_resolve(issue=issue, follow_up="已增设取号窗口", by=staff)
    issue.refresh_from_db()
    assert (issue.status, issue.follow_up, issue.resolved_at is not None) == ("resolved", "已增设取号窗口", True)
    with pytest.raises(Conflict) as error:
        roster.duty_issue_resolve(issue=issue, follow_up="再次办结", by=staff)
    assert error.value.code == "roster_issue_resolved"
    assert DutyIssue.objects.get().follow_up == "已增设取号窗口"


def test_reminders_go_once_and_only_for_published_duties(staff: Actor) -> None:
    generated = roster.roster_generate(year=2026, per_day=3, by=staff)
    assert roster.duty_reminders_send(today=D(2026, 3, 7), by=staff) == 0  # not published yet
    roster.roster_publish(roster=generated, by=staff)
    assert roster.duty_reminders_send(today=D(2026, 3, 6), by=staff) == 0  # 2026-03-10 is 4 days away
    assert roster.duty_reminders_send(today=D(2026, 3, 7), by=staff) == 3
    reminded = DutyAssignment.objects.filter(reminded_at__isnull=False)
    assert sorted(reminded.values_list("department__code", flat=True)) == ["D07", "D08", "D09"]
    notices = AuditEntry.objects.filter(action="center.notice.send").order_by("position")
    assert notices.count() == 3
    assert "3月10日" in notices[0].after["body"]
    assert roster.duty_reminders_send(today=D(2026, 3, 8), by=SYSTEM) == 0
    assert AuditEntry.objects.filter(action="center.notice.send").count() == 3


@pytest.mark.parametrize("key", ["dept", "leader", "bidder"])
def test_only_staff_change_the_roster(people: dict[str, Actor], key: str) -> None:
    departments_make(by=people["staff"])
    generated = roster.roster_generate(year=2026, per_day=3, by=people["staff"])
    issue = roster.duty_issue_add(assignment=_duty(2026, "D01"), summary="问题", raised_by="", contact="", by=SYSTEM)
    actor = people[key]
    department = Department.objects.get(code="D01")
    leader = Leader.objects.get(code="D10L1")
    attempts = (
        lambda: roster.department_create(code="X1", name="测试", order=99, by=actor),
        lambda: roster.leader_create(department=department, code="X2", name="某", title="局长", by=actor),
        lambda: roster.unavailability_declare(
            leader=leader, start=D(2026, 4, 1), end=D(2026, 4, 2), reason="会", by=actor
        ),
        lambda: roster.roster_generate(year=2025, per_day=3, by=actor),
        lambda: roster.roster_publish(roster=generated, by=actor),
        lambda: roster.duty_swap(assignment=_duty(2026, "D10"), other=_duty(2026, "D13"), reason="理由", by=actor),
        lambda: roster.duty_reassign(
            assignment=_duty(2026, "D10"), leader=Leader.objects.get(code="D10L2"), reason="理由", by=actor
        ),
        lambda: roster.duty_attendance_record(assignment=_duty(2026, "D01"), attended=True, note="", by=actor),
        lambda: roster.duty_issue_add(
            assignment=_duty(2026, "D01"), summary="问题", raised_by="", contact="", by=actor
        ),
        lambda: roster.duty_issue_resolve(issue=issue, follow_up="办结", by=actor),
        lambda: roster.duty_reminders_send(today=D(2026, 3, 7), by=actor),
    )
    before = _state()
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert error.value.code == "roster_permission_denied"
    assert _state() == before


def test_duplicate_codes_are_refused(staff: Actor) -> None:
    before = _state()
    with pytest.raises(Conflict) as error:
        roster.department_create(code="D01", name="另一个部门", order=1, by=staff)
    assert error.value.code == "roster_department_exists"
    with pytest.raises(Conflict) as error:
        roster.leader_create(
            department=Department.objects.get(code="D02"), code="D01", name="某", title="局长", by=staff
        )
    assert error.value.code == "roster_leader_exists"
    assert _state() == before


def test_coming_days_are_the_published_ones_from_today(staff: Actor) -> None:
    generated = roster.roster_generate(year=2026, per_day=3, by=staff)
    assert roster.duty_days_coming(today=D(2026, 3, 2)) == []
    roster.roster_publish(roster=generated, by=staff)
    coming = roster.duty_days_coming(today=D(2026, 3, 2))
    assert [day.day for day in coming] == duty_days(year=2026, calendar=calendar_get())[2:]
    assert [a.department.code for a in coming[0].assignments] == ["D07", "D08", "D09"]


def test_demo_loads_a_published_year_once() -> None:
    roster_demo_load(by=SYSTEM)
    assert Department.objects.count() == 36
    counts = Counter(Leader.objects.values_list("department__code", flat=True))
    assert set(counts.values()) == {2, 3, 4}
    generated = RosterYear.objects.get()
    assert (generated.year, generated.per_day, generated.published_at is not None) == (2026, 3, True)
    assert DutyAssignment.objects.count() == 36
    # 2026-01-12 and 2026-02-10 are past on 2026-03-02: their six duties have attendance.
    assert DutyAssignment.objects.exclude(status="planned").count() == 6
    assert DutyAssignment.objects.filter(status="absent").count() == 1
    assert list(DutyIssue.objects.order_by("id").values_list("status", flat=True)) == ["resolved", "resolved", "open"]
    audit = AuditEntry.objects.count()
    roster_demo_load(by=SYSTEM)
    assert (Department.objects.count(), AuditEntry.objects.count()) == (36, audit)
