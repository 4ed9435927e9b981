"""The staff's pages for the departments stationed in the hall, their leaders and their unavailability.

Under ``roster/departments/``: the list with a form to register a department; one department
with its edit form, its leaders and a form to add one; one leader with the edit form, the
deactivation, and the declared unavailability (declare, withdraw). The pages decide nothing:
they parse the forms, call ``roster``'s services and show a refusal again on the same page
with its Chinese message (400/403/404/409 → 400), nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.models import Department, Leader
from zhengwu.contexts.center.views import centre_prefix
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import actor_for, user_get, user_get_by_id
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import InvalidInput, NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required

STAFF = Role.CENTRE_STAFF


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _base(request: HttpRequest) -> str:
    return centre_prefix(request) + "roster/departments/"


def _int(value: str | None, *, field: str, label: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise InvalidInput(f"{label}应为整数", code="roster_field_not_integer", detail={"field": field}) from None


def _date(value: str | None, *, field: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(
            f"{label}格式应为年-月-日，如2026-03-10", code="roster_date_invalid", detail={"field": field}
        ) from None


def _user_id(username: str | None) -> int | None:
    username = (username or "").strip()
    if not username:
        return None
    return user_get(username=username).pk


def _username_of(leader: Leader) -> str:
    if leader.user_id is None:
        return ""
    try:
        return user_get_by_id(user_id=leader.user_id).username
    except ZhengwuError:
        return ""


def _done(request: HttpRequest, text: str, url: str) -> HttpResponseRedirect:
    messages.success(request, text)
    return HttpResponseRedirect(url)


# --- the list --------------------------------------------------------------------------------------


def _list_page(
    request: HttpRequest, *, error: ZhengwuError | None = None, form: dict[str, str] | None = None
) -> HttpResponse:
    context = {"departments": roster.departments_all(), "error": error, "form": form or {}}
    return render(request, "center/roster/departments.html", context, status=refusal_status(error) if error else 200)


@require_GET
@roles_required(STAFF)
def departments_list(request: HttpRequest) -> HttpResponse:
    """Every department (stationed or not) with its leaders, and the form to register one."""
    return _list_page(request)


@require_POST
@roles_required(STAFF)
def department_create_view(request: HttpRequest) -> HttpResponse:
    p = request.POST
    try:
        by = _actor(request)
        order = _int(p.get("order") or "0", field="order", label="排序号")
        with transaction.atomic():
            department = roster.department_create(code=p.get("code", ""), name=p.get("name", ""), order=order, by=by)
            if p.get("stationed") != "on":
                roster.department_update(
                    department=department,
                    code=department.code,
                    name=department.name,
                    stationed=False,
                    order=department.order,
                    by=by,
                )
    except ZhengwuError as exc:
        return _list_page(request, error=exc, form=p.dict())
    return _done(request, gettext("Department registered."), f"{_base(request)}{department.pk}/")


# --- one department ----------------------------------------------------------------------------------


def _department_page(
    request: HttpRequest,
    department: Department,
    *,
    error: ZhengwuError | None = None,
    form: dict[str, str] | None = None,
    leader_form: dict[str, str] | None = None,
) -> HttpResponse:
    department = roster.department_get(department_id=department.pk)
    context = {
        "department": department,
        "leaders": list(department.leaders.order_by("-active", "code")),
        "error": error,
        "form": form or {},
        "leader_form": leader_form or {},
    }
    return render(
        request, "center/roster/departments_detail.html", context, status=refusal_status(error) if error else 200
    )


def _department_act(
    request: HttpRequest,
    department_id: int,
    action: Callable[[Department, Actor], Any],
    done: str,
    *,
    leader_form: bool = False,
) -> HttpResponse:
    try:
        department = roster.department_get(department_id=department_id)
    except ZhengwuError as exc:
        return _list_page(request, error=exc)
    try:
        action(department, _actor(request))
    except ZhengwuError as exc:
        typed = request.POST.dict()
        if leader_form:  # the typed values go back into the form they came from
            return _department_page(request, department, error=exc, leader_form=typed)
        return _department_page(request, department, error=exc, form=typed)
    return _done(request, done, f"{_base(request)}{department.pk}/")


@require_GET
@roles_required(STAFF)
def department_detail(request: HttpRequest, department_id: int) -> HttpResponse:
    """One department: its edit form, its leaders, and the form to add a leader."""
    try:
        department = roster.department_get(department_id=department_id)
    except ZhengwuError as exc:
        return _list_page(request, error=exc)
    return _department_page(request, department)


@require_POST
@roles_required(STAFF)
def department_update_view(request: HttpRequest, department_id: int) -> HttpResponse:
    p = request.POST

    def act(department: Department, by: Actor) -> object:
        return roster.department_update(
            department=department,
            code=p.get("code", ""),
            name=p.get("name", ""),
            stationed=p.get("stationed") == "on",
            order=_int(p.get("order") or "0", field="order", label="排序号"),
            by=by,
        )

    return _department_act(request, department_id, act, gettext("Department saved."))


@require_POST
@roles_required(STAFF)
def leader_create_view(request: HttpRequest, department_id: int) -> HttpResponse:
    p = request.POST

    def act(department: Department, by: Actor) -> object:
        user_id = _user_id(p.get("username"))
        with transaction.atomic():
            leader = roster.leader_create(
                department=department,
                code=p.get("code", ""),
                name=p.get("name", ""),
                title=p.get("title", ""),
                phone=p.get("phone", ""),
                by=by,
            )
            if user_id is not None:
                roster.leader_update(
                    leader=leader,
                    department=department,
                    name=leader.name,
                    title=leader.title,
                    phone=leader.phone,
                    user_id=user_id,
                    by=by,
                )
        return leader

    return _department_act(request, department_id, act, gettext("Leader added."), leader_form=True)


# --- one leader --------------------------------------------------------------------------------------


def _leader_page(
    request: HttpRequest, leader: Leader, *, error: ZhengwuError | None = None, form: dict[str, str] | None = None
) -> HttpResponse:
    leader = roster.leader_get(leader_id=leader.pk)
    context = {
        "leader": leader,
        "username": _username_of(leader),
        "departments": roster.departments_all(),
        "unavailability": roster.unavailability_of(leader=leader),
        "coming": roster.leader_coming_duties(leader=leader),
        "error": error,
        "form": form or {},
    }
    return render(
        request, "center/roster/departments_leader.html", context, status=refusal_status(error) if error else 200
    )


def _leader_act(
    request: HttpRequest, leader_id: int, action: Callable[[Leader, Actor], Any], done: str
) -> HttpResponse:
    try:
        leader = roster.leader_get(leader_id=leader_id)
    except ZhengwuError as exc:
        return _list_page(request, error=exc)
    try:
        action(leader, _actor(request))
    except ZhengwuError as exc:
        return _leader_page(request, leader, error=exc, form=request.POST.dict())
    return _done(request, done, f"{_base(request)}leaders/{leader.pk}/")


@require_GET
@roles_required(STAFF)
def leader_detail(request: HttpRequest, leader_id: int) -> HttpResponse:
    """One leader: the edit form, deactivation, coming duties and declared unavailability."""
    try:
        leader = roster.leader_get(leader_id=leader_id)
    except ZhengwuError as exc:
        return _list_page(request, error=exc)
    return _leader_page(request, leader)


@require_POST
@roles_required(STAFF)
def leader_update_view(request: HttpRequest, leader_id: int) -> HttpResponse:
    p = request.POST

    def act(leader: Leader, by: Actor) -> object:
        department = roster.department_get(
            department_id=_int(p.get("department"), field="department", label="所属部门")
        )
        return roster.leader_update(
            leader=leader,
            department=department,
            name=p.get("name", ""),
            title=p.get("title", ""),
            phone=p.get("phone", ""),
            user_id=_user_id(p.get("username")),
            by=by,
        )

    return _leader_act(request, leader_id, act, gettext("Leader saved."))


@require_POST
@roles_required(STAFF)
def leader_deactivate_view(request: HttpRequest, leader_id: int) -> HttpResponse:
    return _leader_act(
        request,
        leader_id,
        lambda leader, by: roster.leader_deactivate(leader=leader, by=by),
        gettext("Leader deactivated."),
    )


@require_POST
@roles_required(STAFF)
def leader_reactivate_view(request: HttpRequest, leader_id: int) -> HttpResponse:
    return _leader_act(
        request,
        leader_id,
        lambda leader, by: roster.leader_reactivate(leader=leader, by=by),
        gettext("Leader reactivated."),
    )


@require_POST
@roles_required(STAFF)
def unavailability_declare_view(request: HttpRequest, leader_id: int) -> HttpResponse:
    p = request.POST

    def act(leader: Leader, by: Actor) -> object:
        return roster.unavailability_declare(
            leader=leader,
            start=_date(p.get("start"), field="start", label="开始日期"),
            end=_date(p.get("end"), field="end", label="结束日期"),
            reason=p.get("reason", ""),
            by=by,
        )

    return _leader_act(request, leader_id, act, gettext("Unavailability declared."))


@require_POST
@roles_required(STAFF)
def unavailability_withdraw_view(request: HttpRequest, leader_id: int, entry_id: int) -> HttpResponse:
    def act(leader: Leader, by: Actor) -> object:
        entry = roster.unavailability_get(entry_id=entry_id)
        if entry.leader_id != leader.pk:
            raise NotFound("该时段不存在", code="roster_unavailability_missing", detail={"id": entry_id})
        roster.unavailability_withdraw(entry=entry, by=by)
        return None

    return _leader_act(request, leader_id, act, gettext("Unavailability withdrawn."))
