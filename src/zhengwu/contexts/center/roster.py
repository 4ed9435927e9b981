"""The leaders' duty roster (窗口部门领导进中心): services that write it and selectors that read it.

The rules (duty days, the fair rotation, what a swap or a reassignment may do) live in
``roster_rules`` over plain data; here the tables are turned into that data, the rules are
asked, and what they return is stored. Only the centre's staff change the roster; department
users and city leaders read it; the public reads the published coming duty days.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db import IntegrityError, transaction

from zhengwu.contexts.center import roster_rules as rules
from zhengwu.contexts.center.events import RosterPublished
from zhengwu.contexts.center.hall import hall_event_publish
from zhengwu.contexts.center.models import (
    Department,
    DutyAssignment,
    DutyChange,
    DutyIssue,
    Leader,
    LeaderUnavailability,
    RosterYear,
)
from zhengwu.contexts.center.notify import notice_send
from zhengwu.contexts.identity.selectors import user_get_by_id
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now, clock_today
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.workdays.selectors import calendar_get

STAFF = "centre_staff"
READERS = ("centre_staff", "department_user", "city_leader")
REMINDER_DAYS_MAX = 31


def _staff_check(by: Actor, what: str) -> None:
    # The system actor stands for the demo loader and scheduled jobs.
    if not (by.is_system or by.has_role(STAFF)):
        raise PermissionDenied(f"只有服务中心工作人员可以{what}", code="roster_permission_denied")


def _text(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{label}", code="roster_field_required", detail={"field": field})
    if len(value) > max_length:
        raise InvalidInput(
            f"{label}不能超过{max_length}个字", code="roster_field_too_long", detail={"field": field, "max": max_length}
        )
    return value


# --- departments, leaders, unavailability --------------------------------------------------------


def department_create(*, code: str, name: str, order: int, by: Actor) -> Department:
    """Register a department stationed in the hall; it joins the next generated roster."""
    _staff_check(by, "登记进驻部门")
    code = _text(code, field="code", label="部门编码", max_length=20)
    name = _text(name, field="name", label="部门名称", max_length=100)
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise InvalidInput("排序号必须是非负整数", code="roster_order_invalid", detail={"order": order})
    with transaction.atomic():
        if Department.objects.filter(code=code).exists() or Department.objects.filter(name=name).exists():
            raise Conflict(f"部门“{name}”（{code}）已登记", code="roster_department_exists", detail={"code": code})
        department = Department.objects.create(code=code, name=name, order=order, created_at=clock_now())
        audit_append(
            actor=by,
            action="center.department.create",
            object_type="center.department",
            object_id=str(department.pk),
            after={"code": code, "name": name, "order": order},
        )
    return department


def leader_create(*, department: Department, code: str, name: str, title: str, phone: str = "", by: Actor) -> Leader:
    """Register a leadership member (班子成员) of a stationed department."""
    _staff_check(by, "登记部门领导")
    code = _text(code, field="code", label="领导编码", max_length=20)
    name = _text(name, field="name", label="姓名", max_length=50)
    title = _text(title, field="title", label="职务", max_length=50)
    phone = (phone or "").strip()
    if len(phone) > 20:
        raise InvalidInput(
            "联系电话不能超过20个字符", code="roster_field_too_long", detail={"field": "phone", "max": 20}
        )
    with transaction.atomic():
        # Department and leader codes share one namespace in the rotation's history.
        if Leader.objects.filter(code=code).exists() or Department.objects.filter(code=code).exists():
            raise Conflict(f"编码{code}已被使用", code="roster_leader_exists", detail={"code": code})
        leader = Leader.objects.create(
            department=department, code=code, name=name, title=title, phone=phone, created_at=clock_now()
        )
        audit_append(
            actor=by,
            action="center.leader.create",
            object_type="center.leader",
            object_id=str(leader.pk),
            after={"department": department.code, "code": code, "name": name, "title": title},
        )
    return leader


def unavailability_declare(
    *, leader: Leader, start: dt.date, end: dt.date, reason: str, by: Actor
) -> LeaderUnavailability:
    """Record days a leader cannot sit in the hall; later generations and changes honour them.

    An already generated roster is not rearranged: staff reassign the affected duty themselves.
    """
    _staff_check(by, "登记领导不能值班的时段")
    reason = _text(reason, field="reason", label="原因", max_length=200)
    if end < start:
        raise InvalidInput(
            f"结束日期{end.isoformat()}早于开始日期{start.isoformat()}",
            code="roster_unavailability_range",
            detail={"start": start.isoformat(), "end": end.isoformat()},
        )
    with transaction.atomic():
        entry = LeaderUnavailability.objects.create(
            leader=leader, start=start, end=end, reason=reason, entered_by=by.username, created_at=clock_now()
        )
        audit_append(
            actor=by,
            action="center.leader.unavailability_declare",
            object_type="center.leader",
            object_id=str(leader.pk),
            after={"start": start.isoformat(), "end": end.isoformat(), "reason": reason},
        )
    return entry


# --- from the tables to the rules' plain data ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The rules' view of the tables, and the way back from codes to rows."""

    departments: list[rules.Department]
    by_code: dict[str, rules.Department]
    unavailable: dict[str, set[dt.date]]


def _snapshot(*, extra_leaders: tuple[Leader, ...] = ()) -> _Snapshot:
    leaders_of: dict[int, list[Leader]] = {}
    for leader in Leader.objects.filter(active=True, department__stationed=True).order_by("code"):
        leaders_of.setdefault(leader.department_id, []).append(leader)
    for leader in extra_leaders:
        # An assigned leader since made inactive still stands in the stored plan.
        known = leaders_of.setdefault(leader.department_id, [])
        if all(other.pk != leader.pk for other in known):
            known.append(leader)
    departments = [
        rules.Department(
            code=department.code,
            name=department.name,
            leaders=tuple(
                rules.Leader(code=leader.code, name=leader.name, department=department.code)
                for leader in leaders_of.get(department.pk, [])
            ),
        )
        for department in Department.objects.filter(stationed=True).order_by("order", "code")
    ]
    known_leaders = {leader.code for department in departments for leader in department.leaders}
    entries = [
        rules.Unavailability(leader=entry.leader.code, first=entry.start, last=entry.end, reason=entry.reason)
        for entry in LeaderUnavailability.objects.select_related("leader").filter(leader__code__in=known_leaders)
    ]
    return _Snapshot(
        departments=departments,
        by_code={department.code: department for department in departments},
        unavailable=rules.unavailable_days(entries=entries),
    )


def _rule_assignment(assignment: DutyAssignment, snapshot: _Snapshot) -> rules.Assignment:
    department = snapshot.by_code.get(assignment.department.code)
    if department is None:
        # A department no longer stationed keeps its stored duties; it has no leaders to offer.
        department = rules.Department(code=assignment.department.code, name=assignment.department.name, leaders=())
    leader = rules.Leader(code=assignment.leader.code, name=assignment.leader.name, department=department.code)
    return rules.Assignment(day=assignment.day, department=department, leader=leader)


def _stored_plan(roster: RosterYear) -> list[DutyAssignment]:
    return list(roster.assignments.select_related("department", "leader").order_by("day", "department__order", "id"))


def _previous_history(year: int) -> dict[str, int]:
    served: Counter[str] = Counter()
    for department_code, leader_code in DutyAssignment.objects.filter(roster__year=year - 1).values_list(
        "department__code", "leader__code"
    ):
        served[department_code] += 1
        served[leader_code] += 1
    return dict(served)


# --- the year's roster ---------------------------------------------------------------------------


def roster_generate(*, year: int, per_day: int, by: Actor) -> RosterYear:
    """Generate ``year``'s rotation once: ``per_day`` departments on each month's duty day.

    The rotation continues from the previous year's assignments and honours declared
    unavailability; a year already generated is refused (``roster_year_exists``): after that,
    the roster changes only by recorded swaps and reassignments.
    """
    _staff_check(by, "生成值班表")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(f"年份无效：{year}", code="roster_year_invalid", detail={"year": year})
    with transaction.atomic():
        if RosterYear.objects.filter(year=year).exists():
            raise Conflict(f"{year}年值班表已生成", code="roster_year_exists", detail={"year": year})
        snapshot = _snapshot()
        plan = rules.rotation_plan(
            departments=snapshot.departments,
            year=year,
            per_day=per_day,
            calendar=calendar_get(),
            unavailable=snapshot.unavailable,
            history=_previous_history(year),
        )
        departments = {department.code: department for department in Department.objects.all()}
        leaders = {leader.code: leader for leader in Leader.objects.all()}
        try:
            with transaction.atomic():
                roster = RosterYear.objects.create(
                    year=year, per_day=per_day, generated_at=clock_now(), generated_by=by.username
                )
        except IntegrityError:
            # Another generation of the same year committed between our check and our insert.
            raise Conflict(f"{year}年值班表已生成", code="roster_year_exists", detail={"year": year}) from None
        DutyAssignment.objects.bulk_create(
            DutyAssignment(
                roster=roster,
                day=item.day,
                department=departments[item.department.code],
                leader=leaders[item.leader.code],
            )
            for item in plan
        )
        audit_append(
            actor=by,
            action="center.roster.generate",
            object_type="center.roster_year",
            object_id=str(year),
            after={"year": year, "per_day": per_day, "assignments": len(plan)},
        )
    return roster


def roster_event_publish(*, roster: RosterYear) -> None:
    """Send a published year's roster as it now stands (``RosterPublished``); nothing for an unpublished one.

    Called at publication and after every change to one of the year's assignments, inside the
    change's transaction. Leaders travel by name and title only: their phones stay here.
    """
    # The year's row locked: two changes to the year send their copies one after the other, the
    # later one reading the plan with the earlier committed, and stamped later.
    roster = RosterYear.objects.select_for_update().get(pk=roster.pk)
    if roster.published_at is None:
        return
    outbox_publish(
        event=RosterPublished(
            year=roster.year,
            published_at=roster.published_at.isoformat(),
            changed_at=clock_now().isoformat(),
            duties=[
                {
                    "day": item.day.isoformat(),
                    "department": item.department.name,
                    "leader": item.leader.name,
                    "title": item.leader.title,
                    "status": item.status,
                }
                for item in _stored_plan(roster)
            ],
        )
    )


def roster_publish(*, roster: RosterYear, by: Actor) -> RosterYear:
    """Publish a generated year: its coming duty days appear on the public page."""
    _staff_check(by, "发布值班表")
    with transaction.atomic():
        roster = RosterYear.objects.select_for_update().get(pk=roster.pk)
        if roster.published_at is not None:
            raise Conflict(
                f"{roster.year}年值班表已发布", code="roster_already_published", detail={"year": roster.year}
            )
        roster.published_at = clock_now()
        roster.save(update_fields=["published_at"])
        audit_append(
            actor=by,
            action="center.roster.publish",
            object_type="center.roster_year",
            object_id=str(roster.year),
            after={"published_at": roster.published_at.isoformat()},
        )
        roster_event_publish(roster=roster)
    return roster


def _changeable_check(assignment: DutyAssignment, today: dt.date) -> None:
    if assignment.status != DutyAssignment.Status.PLANNED or assignment.day <= today:
        raise InvalidInput(
            f"{assignment.day.isoformat()}的值班已到期或已记录到岗情况，不能再调整",
            code="roster_assignment_not_changeable",
            detail={"assignment": assignment.pk, "day": assignment.day.isoformat()},
        )


def _locked(assignment: DutyAssignment) -> DutyAssignment:
    return DutyAssignment.objects.select_for_update().select_related("department", "leader").get(pk=assignment.pk)


def duty_swap(*, assignment: DutyAssignment, other: DutyAssignment, reason: str, by: Actor) -> None:
    """Exchange the duty days of two future assignments of one year; each keeps its leader.

    Both assignments record the swap (a ``DutyChange`` each, pointing at the other).
    """
    _staff_check(by, "调换值班")
    today = clock_today()
    with transaction.atomic():
        # Lock in id order, so two swaps over the same pair cannot deadlock.
        first, second = sorted((assignment, other), key=lambda a: a.pk)
        locked = {a.pk: a for a in (_locked(first), _locked(second))}
        assignment, other = locked[assignment.pk], locked[other.pk]
        if assignment.pk == other.pk:
            raise InvalidInput("不能与自身互换", code="roster_swap_same_day", detail={"assignment": assignment.pk})
        if assignment.roster_id != other.roster_id:
            raise InvalidInput("只能互换同一年度值班表中的安排", code="roster_swap_other_year")
        for item in (assignment, other):
            _changeable_check(item, today)
        stored = _stored_plan(assignment.roster)
        snapshot = _snapshot(extra_leaders=tuple(item.leader for item in stored))
        plan = [_rule_assignment(item, snapshot) for item in stored]
        rules.assignment_swap(
            plan=plan,
            first=_rule_assignment(assignment, snapshot),
            second=_rule_assignment(other, snapshot),
            reason=reason,
            unavailable=snapshot.unavailable,
        )
        reason = reason.strip()
        if len(reason) > 200:
            raise InvalidInput(
                "理由不能超过200个字", code="roster_field_too_long", detail={"field": "reason", "max": 200}
            )
        days = {assignment.pk: other.day, other.pk: assignment.day}
        now = clock_now()
        for item, partner in ((assignment, other), (other, assignment)):
            before = item.day
            item.day = days[item.pk]
            item.reminded_at = None  # a reminder for the old day says nothing about the new one
            item.save(update_fields=["day", "reminded_at"])
            DutyChange.objects.create(
                assignment=item,
                kind=DutyChange.Kind.SWAP,
                other=partner,
                leader_before=item.leader,
                leader_after=item.leader,
                reason=reason,
                by=by.username,
                at=now,
            )
            audit_append(
                actor=by,
                action="center.duty.swap",
                object_type="center.duty_assignment",
                object_id=str(item.pk),
                before={"day": before.isoformat()},
                after={"day": item.day.isoformat(), "other": partner.pk, "reason": reason},
            )
        roster_event_publish(roster=assignment.roster)


def duty_reassign(*, assignment: DutyAssignment, leader: Leader, reason: str, by: Actor) -> None:
    """Give a future assignment to another active leader of the same department."""
    _staff_check(by, "改派值班领导")
    today = clock_today()
    with transaction.atomic():
        assignment = _locked(assignment)
        _changeable_check(assignment, today)
        stored = _stored_plan(assignment.roster)
        snapshot = _snapshot(extra_leaders=tuple(item.leader for item in stored))
        # The snapshot's department holds only active leaders (plus those already on duty); an
        # inactive leader not on duty is therefore refused as not one of the department's.
        rules.assignment_reassign(
            plan=[_rule_assignment(item, snapshot) for item in stored],
            assignment=_rule_assignment(assignment, snapshot),
            leader=leader.code,
            reason=reason,
            unavailable=snapshot.unavailable,
        )
        if not leader.active:
            raise InvalidInput(f"{leader.name}已不在任", code="roster_leader_inactive", detail={"leader": leader.code})
        reason = reason.strip()
        if len(reason) > 200:
            raise InvalidInput(
                "理由不能超过200个字", code="roster_field_too_long", detail={"field": "reason", "max": 200}
            )
        before = assignment.leader
        assignment.leader = leader
        assignment.reminded_at = None  # the new leader has not been told yet
        assignment.save(update_fields=["leader", "reminded_at"])
        DutyChange.objects.create(
            assignment=assignment,
            kind=DutyChange.Kind.REASSIGN,
            leader_before=before,
            leader_after=leader,
            reason=reason,
            by=by.username,
            at=clock_now(),
        )
        audit_append(
            actor=by,
            action="center.duty.reassign",
            object_type="center.duty_assignment",
            object_id=str(assignment.pk),
            before={"leader": before.code},
            after={"leader": leader.code, "reason": reason},
        )
        roster_event_publish(roster=assignment.roster)


def duty_attendance_record(*, assignment: DutyAssignment, attended: bool, note: str, by: Actor) -> DutyAssignment:
    """Record whether the leader came on the duty day (a correction replaces the record)."""
    _staff_check(by, "记录到岗情况")
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput("说明不能超过200个字", code="roster_field_too_long", detail={"field": "note", "max": 200})
    with transaction.atomic():
        assignment = _locked(assignment)
        if assignment.day > clock_today():
            raise InvalidInput(
                f"值班日{assignment.day.isoformat()}尚未到来，不能记录到岗情况",
                code="roster_attendance_too_early",
                detail={"day": assignment.day.isoformat()},
            )
        before = assignment.status
        assignment.status = DutyAssignment.Status.ATTENDED if attended else DutyAssignment.Status.ABSENT
        assignment.attended_at = clock_now() if attended else None
        assignment.attendance_note = note
        assignment.save(update_fields=["status", "attended_at", "attendance_note"])
        audit_append(
            actor=by,
            action="center.duty.attendance",
            object_type="center.duty_assignment",
            object_id=str(assignment.pk),
            before={"status": before},
            after={"status": assignment.status, "note": note},
        )
        roster_event_publish(roster=assignment.roster)
    return assignment


def duty_issue_add(*, assignment: DutyAssignment, summary: str, raised_by: str, contact: str, by: Actor) -> DutyIssue:
    """Record a matter the public raised with the leader on duty (on or after the duty day)."""
    _staff_check(by, "登记群众反映的问题")
    summary = _text(summary, field="summary", label="问题摘要", max_length=2000)
    raised_by, contact = (raised_by or "").strip(), (contact or "").strip()
    if len(raised_by) > 100 or len(contact) > 50:
        raise InvalidInput("反映人或联系方式过长", code="roster_field_too_long", detail={"field": "raised_by"})
    if assignment.day > clock_today():
        raise InvalidInput(
            f"值班日{assignment.day.isoformat()}尚未到来，不能登记问题",
            code="roster_issue_too_early",
            detail={"day": assignment.day.isoformat()},
        )
    with transaction.atomic():
        issue = DutyIssue.objects.create(
            assignment=assignment, summary=summary, raised_by=raised_by, contact=contact, created_at=clock_now()
        )
        audit_append(
            actor=by,
            action="center.duty_issue.add",
            object_type="center.duty_issue",
            object_id=str(issue.pk),
            # The person's name and contact stay out of the permanent log.
            after={"assignment": assignment.pk, "summary": summary[:100]},
        )
    return issue


def duty_issue_resolve(*, issue: DutyIssue, follow_up: str, by: Actor) -> DutyIssue:
    """Close an issue with what was done about it."""
    _staff_check(by, "办结问题")
    follow_up = _text(follow_up, field="follow_up", label="办理情况", max_length=2000)
    with transaction.atomic():
        issue = DutyIssue.objects.select_for_update().get(pk=issue.pk)
        if issue.status == DutyIssue.Status.RESOLVED:
            raise Conflict("该问题已办结", code="roster_issue_resolved", detail={"issue": issue.pk})
        issue.status = DutyIssue.Status.RESOLVED
        issue.follow_up = follow_up
        issue.resolved_at = clock_now()
        issue.save(update_fields=["status", "follow_up", "resolved_at"])
        audit_append(
            actor=by,
            action="center.duty_issue.resolve",
            object_type="center.duty_issue",
            object_id=str(issue.pk),
            before={"status": DutyIssue.Status.OPEN},
            after={"status": issue.status, "follow_up": follow_up[:100]},
        )
    return issue


def reminder_text(*, assignment: DutyAssignment) -> str:
    """The reminder as the leader reads it (SMS length)."""
    return (
        f"【政务服务中心】{assignment.leader.name}{assignment.leader.title}：您好！"
        f"请于{assignment.day.month}月{assignment.day.day}日到政务服务大厅参加“窗口部门领导进中心”值班。"
    )


def duty_reminders_send(*, today: dt.date, days_before: int = 3, by: Actor) -> int:
    """Remind each leader of a published duty within ``days_before`` days, once; how many were sent."""
    _staff_check(by, "发送值班提醒")
    if isinstance(days_before, bool) or not isinstance(days_before, int) or not 0 <= days_before <= REMINDER_DAYS_MAX:
        raise InvalidInput(
            f"提前提醒天数必须在0至{REMINDER_DAYS_MAX}之间",
            code="roster_days_before_invalid",
            detail={"days": days_before},
        )
    with transaction.atomic():
        due = list(
            DutyAssignment.objects.select_for_update(of=("self",))
            .select_related("leader", "department")
            .filter(
                roster__published_at__isnull=False,
                status=DutyAssignment.Status.PLANNED,
                reminded_at__isnull=True,
                day__gte=today,
                day__lte=today + dt.timedelta(days=days_before),
            )
            .order_by("day", "department__order")
        )
        now = clock_now()
        for assignment in due:
            recipient = assignment.leader.phone or f"leader:{assignment.leader.code}"
            notice_send(
                recipient=recipient,
                body=reminder_text(assignment=assignment),
                subject_type="center.duty_assignment",
                subject_id=str(assignment.pk),
                by=by,
            )
            assignment.reminded_at = now
            assignment.save(update_fields=["reminded_at"])
        if due:
            audit_append(
                actor=by,
                action="center.duty.remind",
                object_type="center.duty_reminders",
                object_id=today.isoformat(),
                after={"assignments": [assignment.pk for assignment in due], "days_before": days_before},
            )
    return len(due)


# --- selectors -----------------------------------------------------------------------------------


def roster_years() -> list[RosterYear]:
    """Every generated year, newest first."""
    return list(RosterYear.objects.order_by("-year"))


def roster_year_get(*, year: int) -> RosterYear:
    try:
        return RosterYear.objects.get(year=year)
    except RosterYear.DoesNotExist:
        raise NotFound(f"{year}年值班表尚未生成", code="roster_year_missing", detail={"year": year}) from None


def assignment_get(*, assignment_id: int) -> DutyAssignment:
    try:
        return DutyAssignment.objects.select_related("roster", "department", "leader").get(pk=assignment_id)
    except DutyAssignment.DoesNotExist:
        raise NotFound("值班安排不存在", code="roster_assignment_missing", detail={"id": assignment_id}) from None


def issue_get(*, issue_id: int) -> DutyIssue:
    try:
        return DutyIssue.objects.select_related("assignment").get(pk=issue_id)
    except DutyIssue.DoesNotExist:
        raise NotFound("问题记录不存在", code="roster_issue_missing", detail={"id": issue_id}) from None


def roster_plan(*, roster: RosterYear) -> list[DutyAssignment]:
    """The year's assignments by day, then by department order."""
    return _stored_plan(roster)


@dataclass(frozen=True, slots=True)
class DutyDay:
    day: dt.date
    assignments: list[DutyAssignment]


def _by_day(assignments: list[DutyAssignment]) -> list[DutyDay]:
    return [DutyDay(day=day, assignments=list(items)) for day, items in groupby(assignments, key=lambda a: a.day)]


def roster_days(*, roster: RosterYear) -> list[DutyDay]:
    """The year's plan as duty days (one a month), each with its assignments."""
    return _by_day(_stored_plan(roster))


def duty_days_coming(*, today: dt.date, limit: int = 12) -> list[DutyDay]:
    """The next ``limit`` published duty days from ``today`` on: what the public may read."""
    assignments = list(
        DutyAssignment.objects.select_related("department", "leader")
        .filter(roster__published_at__isnull=False, day__gte=today)
        .order_by("day", "department__order", "id")
    )
    return _by_day(assignments)[:limit]


def roster_fairness(*, roster: RosterYear) -> dict[str, Any]:
    """How evenly the year spreads the duty (``roster_rules.fairness``), with names for the page.

    Counts the year's assignments only, over the departments stationed now.
    """
    stored = _stored_plan(roster)
    snapshot = _snapshot(extra_leaders=tuple(item.leader for item in stored))
    figures = rules.fairness(
        plan=[_rule_assignment(item, snapshot) for item in stored], departments=snapshot.departments
    )
    names = {department.code: department.name for department in Department.objects.all()}
    counts = Counter(figures["departments"].values())
    figures["department_rows"] = [
        {"code": code, "name": names.get(code, code), "count": count} for code, count in figures["departments"].items()
    ]
    figures["count_histogram"] = sorted(counts.items())
    return figures


def departments_list() -> list[Department]:
    """The stationed departments with their leaders."""
    return list(Department.objects.filter(stationed=True).prefetch_related("leaders"))


# --- keeping the departments and their leaders (the staff's pages) --------------------------------


def _order_check(order: int) -> None:
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 9999:
        raise InvalidInput("排序号必须是0至9999的整数", code="roster_order_invalid", detail={"order": order})


def _phone(phone: str) -> str:
    phone = (phone or "").strip()
    if len(phone) > 20:
        raise InvalidInput(
            "联系电话不能超过20个字符", code="roster_field_too_long", detail={"field": "phone", "max": 20}
        )
    return phone


def _department_summary(department: Department) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": department.name,
        "stationed": department.stationed,
        "order": department.order,
    }


def _leader_summary(leader: Leader) -> dict[str, Any]:
    return {
        "department": leader.department.code,
        "name": leader.name,
        "title": leader.title,
        "phone": leader.phone,
        "user_id": leader.user_id,
        "active": leader.active,
    }


def _coming_duties(leader: Leader) -> list[DutyAssignment]:
    return list(
        DutyAssignment.objects.filter(
            leader=leader, status=DutyAssignment.Status.PLANNED, day__gt=clock_today()
        ).order_by("day")
    )


def _public_copies_refresh(*, department: Department | None = None, leader: Leader | None = None) -> None:
    # A renamed department or leader appears in the public site's copies: the published rosters
    # naming them and, for a department, the hall's windows. Sent again, inside the change.
    duties = DutyAssignment.objects.filter(roster__published_at__isnull=False)
    duties = duties.filter(department=department) if department is not None else duties.filter(leader=leader)
    for roster in RosterYear.objects.filter(pk__in=duties.values("roster_id")).order_by("year"):
        roster_event_publish(roster=roster)
    if department is not None and department.windows.exists():
        hall_event_publish(now=clock_now())


def department_update(
    *, department: Department, code: str, name: str, stationed: bool, order: int, by: Actor
) -> Department:
    """Change a department's code, name, order, or whether it is stationed in the hall.

    A department taken out of the hall keeps its stored duties; the next generated year leaves it out.
    """
    _staff_check(by, "修改进驻部门")
    code = _text(code, field="code", label="部门编码", max_length=20)
    name = _text(name, field="name", label="部门名称", max_length=100)
    _order_check(order)
    with transaction.atomic():
        locked = Department.objects.select_for_update().get(pk=department.pk)
        others = Department.objects.exclude(pk=locked.pk)
        if others.filter(code=code).exists() or others.filter(name=name).exists():
            raise Conflict(f"部门“{name}”（{code}）已登记", code="roster_department_exists", detail={"code": code})
        if code != locked.code and Leader.objects.filter(code=code).exists():
            # Department and leader codes share one namespace in the rotation's history.
            raise Conflict(f"编码{code}已被使用", code="roster_code_taken", detail={"code": code})
        before = _department_summary(locked)
        locked.code, locked.name, locked.stationed, locked.order = code, name, bool(stationed), order
        locked.save(update_fields=["code", "name", "stationed", "order"])
        audit_append(
            actor=by,
            action="center.department.update",
            object_type="center.department",
            object_id=str(locked.pk),
            before=before,
            after=_department_summary(locked),
        )
        if before["name"] != locked.name:
            _public_copies_refresh(department=locked)
    department.code, department.name, department.stationed, department.order = code, name, bool(stationed), order
    return locked


def leader_update(
    *,
    leader: Leader,
    department: Department,
    name: str,
    title: str,
    phone: str,
    user_id: int | None,
    by: Actor,
) -> Leader:
    """Change a leader's department, name, title, phone and linked account (``user_id`` None: none).

    A leader with coming planned duties stays in their department: the duty belongs to it.
    """
    _staff_check(by, "修改部门领导")
    name = _text(name, field="name", label="姓名", max_length=50)
    title = _text(title, field="title", label="职务", max_length=50)
    phone = _phone(phone)
    if user_id is not None:
        user_get_by_id(user_id=user_id)  # NotFound (user_not_found) for an account that does not exist
    with transaction.atomic():
        locked = Leader.objects.select_for_update().select_related("department").get(pk=leader.pk)
        if department.pk != locked.department_id:
            coming = _coming_duties(locked)
            if coming:
                raise Conflict(
                    f"{locked.name}在{coming[0].day.isoformat()}等日期还有值班安排，请先改派后再调整所属部门",
                    code="roster_leader_has_duties",
                    detail={"days": [item.day.isoformat() for item in coming]},
                )
        before = _leader_summary(locked)
        locked.department, locked.name, locked.title, locked.phone, locked.user_id = (
            department,
            name,
            title,
            phone,
            user_id,
        )
        locked.save(update_fields=["department", "name", "title", "phone", "user_id"])
        audit_append(
            actor=by,
            action="center.leader.update",
            object_type="center.leader",
            object_id=str(locked.pk),
            before=before,
            after=_leader_summary(locked),
        )
        if (before["name"], before["title"]) != (locked.name, locked.title):
            _public_copies_refresh(leader=locked)
    return locked


def leader_deactivate(*, leader: Leader, by: Actor) -> Leader:
    """Take a leader off the rotation (left the post); refused while coming duties are still theirs."""
    _staff_check(by, "停用部门领导")
    with transaction.atomic():
        locked = Leader.objects.select_for_update().select_related("department").get(pk=leader.pk)
        if not locked.active:
            raise Conflict(f"{locked.name}已停用", code="roster_leader_inactive", detail={"leader": locked.code})
        coming = _coming_duties(locked)
        if coming:
            raise Conflict(
                f"{locked.name}在{coming[0].day.isoformat()}等日期还有值班安排，请先改派后再停用",
                code="roster_leader_has_duties",
                detail={"days": [item.day.isoformat() for item in coming]},
            )
        locked.active = False
        locked.save(update_fields=["active"])
        audit_append(
            actor=by,
            action="center.leader.deactivate",
            object_type="center.leader",
            object_id=str(locked.pk),
            before={"active": True},
            after={"active": False},
        )
    leader.active = False
    return locked


def leader_reactivate(*, leader: Leader, by: Actor) -> Leader:
    """Put a deactivated leader back on the rotation (from the next generated year or change on)."""
    _staff_check(by, "启用部门领导")
    with transaction.atomic():
        locked = Leader.objects.select_for_update().select_related("department").get(pk=leader.pk)
        if locked.active:
            raise Conflict(f"{locked.name}在任，无需启用", code="roster_leader_active", detail={"leader": locked.code})
        locked.active = True
        locked.save(update_fields=["active"])
        audit_append(
            actor=by,
            action="center.leader.reactivate",
            object_type="center.leader",
            object_id=str(locked.pk),
            before={"active": False},
            after={"active": True},
        )
    leader.active = True
    return locked


def unavailability_withdraw(*, entry: LeaderUnavailability, by: Actor) -> None:
    """Withdraw a declared unavailability (the leader can sit after all); it stays in the audit log."""
    _staff_check(by, "撤销领导不能值班的时段")
    with transaction.atomic():
        locked = LeaderUnavailability.objects.select_for_update().filter(pk=entry.pk).first()
        if locked is None:
            raise NotFound("该时段已撤销", code="roster_unavailability_missing", detail={"id": entry.pk})
        before = {"start": locked.start.isoformat(), "end": locked.end.isoformat(), "reason": locked.reason}
        leader_id = locked.leader_id
        locked.delete()
        audit_append(
            actor=by,
            action="center.leader.unavailability_withdraw",
            object_type="center.leader",
            object_id=str(leader_id),
            before=before,
        )


def departments_all() -> list[Department]:
    """Every department, stationed or not, in the hall's order, with their leaders."""
    return list(Department.objects.prefetch_related("leaders"))


def department_get(*, department_id: int) -> Department:
    try:
        return Department.objects.get(pk=department_id)
    except Department.DoesNotExist:
        raise NotFound("部门不存在", code="roster_department_missing", detail={"id": department_id}) from None


def leader_get(*, leader_id: int) -> Leader:
    try:
        return Leader.objects.select_related("department").get(pk=leader_id)
    except Leader.DoesNotExist:
        raise NotFound("领导不存在", code="roster_leader_missing", detail={"id": leader_id}) from None


def unavailability_get(*, entry_id: int) -> LeaderUnavailability:
    try:
        return LeaderUnavailability.objects.select_related("leader").get(pk=entry_id)
    except LeaderUnavailability.DoesNotExist:
        raise NotFound("该时段不存在", code="roster_unavailability_missing", detail={"id": entry_id}) from None


def unavailability_of(*, leader: Leader) -> list[LeaderUnavailability]:
    """A leader's declared unavailability, latest first."""
    return list(leader.unavailability.order_by("-start", "-id"))


def leader_coming_duties(*, leader: Leader) -> list[DutyAssignment]:
    """A leader's planned duties after today."""
    return _coming_duties(leader)
