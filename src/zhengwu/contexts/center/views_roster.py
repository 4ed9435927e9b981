"""Pages of the leaders' duty roster: the year plan, one duty, the public's coming duty days.

Staff generate, publish and change the roster; department users and city leaders read it; the
public page needs no sign-in and shows only published duty days from today on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.models import DutyAssignment, Leader, RosterYear
from zhengwu.contexts.center.views import centre_prefix
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today
from zhengwu.kernel.errors import InvalidInput, NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import xlsx_response

READERS = (Role.CENTRE_STAFF, Role.DEPARTMENT_USER, Role.CITY_LEADER)


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _int(value: str | None, *, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise InvalidInput("请填写整数", code="roster_field_not_integer", detail={"field": field}) from None


def _year_of(request: HttpRequest, years: list[RosterYear]) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and len(raw) == 4:
        return int(raw)
    return years[0].year if years else clock_today().year


def _home_context(request: HttpRequest, year: int) -> dict[str, Any]:
    years = roster.roster_years()
    current = next((item for item in years if item.year == year), None)
    context: dict[str, Any] = {
        "years": years,
        "year": year,
        "roster": current,
        "can_manage": _actor(request).has_role(Role.CENTRE_STAFF),
        "default_per_day": 3,
    }
    if current is not None:
        context["days"] = roster.roster_days(roster=current)
        context["fairness"] = roster.roster_fairness(roster=current)
    return context


def _home_page(
    request: HttpRequest, *, year: int, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    context = _home_context(request, year)
    context["error"] = error
    return render(request, "center/roster/home.html", context, status=status)


@require_GET
@roles_required(*READERS)
def roster_home(request: HttpRequest) -> HttpResponse:
    """The year plan by month, with the fairness figures; staff also generate and publish here."""
    return _home_page(request, year=_year_of(request, roster.roster_years()))


@require_POST
@roles_required(Role.CENTRE_STAFF)
def roster_generate_view(request: HttpRequest) -> HttpResponse:
    """Generate a year's rotation from the form's year and departments per day."""
    year = clock_today().year
    try:
        year = _int(request.POST.get("year"), field="year")
        per_day = _int(request.POST.get("per_day"), field="per_day")
        roster.roster_generate(year=year, per_day=per_day, by=_actor(request))
    except ZhengwuError as exc:
        return _home_page(request, year=year, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Roster generated."))
    return HttpResponseRedirect(f"{centre_prefix(request)}roster/?year={year}")


@require_POST
@roles_required(Role.CENTRE_STAFF)
def roster_publish_view(request: HttpRequest) -> HttpResponse:
    """Publish a generated year."""
    year = clock_today().year
    try:
        year = _int(request.POST.get("year"), field="year")
        roster.roster_publish(roster=roster.roster_year_get(year=year), by=_actor(request))
    except ZhengwuError as exc:
        return _home_page(request, year=year, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Roster published."))
    return HttpResponseRedirect(f"{centre_prefix(request)}roster/?year={year}")


@require_GET
@roles_required(*READERS)
def roster_export(request: HttpRequest) -> HttpResponseBase:
    """The year plan as an Excel workbook."""
    year = _year_of(request, roster.roster_years())
    try:
        current = roster.roster_year_get(year=year)
    except NotFound as exc:
        return _home_page(request, year=year, error=exc, status=404)
    rows = [
        (
            item.day.isoformat(),
            item.department.name,
            item.leader.name,
            item.leader.title,
            item.get_status_display(),
            item.attendance_note,
        )
        for item in roster.roster_plan(roster=current)
    ]
    return xlsx_response(
        filename=f"{year}年窗口部门领导进中心值班表",
        sheet=f"{year}年值班表",
        headers=("值班日期", "部门", "值班领导", "职务", "状态", "到岗说明"),
        rows=rows,
    )


# --- one duty ------------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, assignment: DutyAssignment) -> dict[str, Any]:
    today = clock_today()
    changeable = assignment.status == DutyAssignment.Status.PLANNED and assignment.day > today
    return {
        "assignment": assignment,
        "can_manage": _actor(request).has_role(Role.CENTRE_STAFF),
        "changeable": changeable,
        "attendance_open": assignment.day <= today,
        "changes": list(assignment.changes.select_related("leader_before", "leader_after", "other").order_by("at")),
        "issues": list(assignment.issues.order_by("created_at", "id")),
        "others": [
            item
            for item in roster.roster_plan(roster=assignment.roster)
            if item.day > today and item.day != assignment.day and item.status == DutyAssignment.Status.PLANNED
        ]
        if changeable
        else [],
        "colleagues": list(
            Leader.objects.filter(department=assignment.department, active=True).exclude(pk=assignment.leader_id)
        )
        if changeable
        else [],
    }


def _detail_page(
    request: HttpRequest, assignment: DutyAssignment, *, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    context = _detail_context(request, roster.assignment_get(assignment_id=assignment.pk))
    context["error"] = error
    return render(request, "center/roster/detail.html", context, status=status)


def _assignment_or_404(request: HttpRequest, assignment_id: int) -> DutyAssignment | HttpResponse:
    try:
        return roster.assignment_get(assignment_id=assignment_id)
    except NotFound as exc:
        return _home_page(request, year=clock_today().year, error=exc, status=404)


def _back(request: HttpRequest, assignment: DutyAssignment) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"{centre_prefix(request)}roster/{assignment.pk}/")


@require_GET
@roles_required(*READERS)
def duty_detail(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """One duty: who, when, its changes, attendance and the issues raised."""
    found = _assignment_or_404(request, assignment_id)
    if isinstance(found, HttpResponse):
        return found
    return _detail_page(request, found)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def duty_swap_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = _assignment_or_404(request, assignment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        other = roster.assignment_get(assignment_id=_int(request.POST.get("other"), field="other"))
        roster.duty_swap(assignment=found, other=other, reason=request.POST.get("reason", ""), by=_actor(request))
    except ZhengwuError as exc:
        return _detail_page(request, found, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Duty days swapped."))
    return _back(request, found)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def duty_reassign_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = _assignment_or_404(request, assignment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        leader_id = _int(request.POST.get("leader"), field="leader")
        leader = Leader.objects.filter(pk=leader_id).first()
        if leader is None:
            raise NotFound("领导不存在", code="roster_leader_missing", detail={"id": leader_id})
        roster.duty_reassign(assignment=found, leader=leader, reason=request.POST.get("reason", ""), by=_actor(request))
    except ZhengwuError as exc:
        return _detail_page(request, found, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Duty reassigned."))
    return _back(request, found)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def duty_attendance_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = _assignment_or_404(request, assignment_id)
    if isinstance(found, HttpResponse):
        return found
    attended = request.POST.get("attended", "")
    try:
        if attended not in ("yes", "no"):
            raise InvalidInput("请选择是否到岗", code="roster_field_required", detail={"field": "attended"})
        roster.duty_attendance_record(
            assignment=found, attended=attended == "yes", note=request.POST.get("note", ""), by=_actor(request)
        )
    except ZhengwuError as exc:
        return _detail_page(request, found, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Attendance recorded."))
    return _back(request, found)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def duty_issue_add_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    found = _assignment_or_404(request, assignment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        roster.duty_issue_add(
            assignment=found,
            summary=request.POST.get("summary", ""),
            raised_by=request.POST.get("raised_by", ""),
            contact=request.POST.get("contact", ""),
            by=_actor(request),
        )
    except ZhengwuError as exc:
        return _detail_page(request, found, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Issue recorded."))
    return _back(request, found)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def duty_issue_resolve_view(request: HttpRequest, assignment_id: int, issue_id: int) -> HttpResponse:
    found = _assignment_or_404(request, assignment_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        issue = roster.issue_get(issue_id=issue_id)
        if issue.assignment_id != found.pk:
            raise NotFound("问题记录不存在", code="roster_issue_missing", detail={"id": issue_id})
        roster.duty_issue_resolve(issue=issue, follow_up=request.POST.get("follow_up", ""), by=_actor(request))
    except ZhengwuError as exc:
        return _detail_page(request, found, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Issue resolved."))
    return _back(request, found)


# --- the public ----------------------------------------------------------------------------------


@require_GET
def roster_public(request: HttpRequest) -> HttpResponse:
    """The coming published duty days and who sits in the hall (no sign-in)."""
    today: dt.date = clock_today()
    return render(request, "center/roster/public.html", {"days": roster.duty_days_coming(today=today)})
