"""Pages of the hall's information: the public page (``hall/``) and the staff's page (``hall/manage/``).

The pages decide nothing: they parse the forms, call ``hall``'s services and show a refusal on
the staff's page again with its Chinese message (400/403/404), nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.center import hall
from zhengwu.contexts.center.models import Amenity, Announcement, Department, Window
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput, NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required

STAFF = "centre_staff"


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _manage_url(request: HttpRequest) -> str:
    platform = getattr(request, "zw_platform", None) or "center"
    return reverse(f"{platform}:center:hall_manage")


def _time(value: str, *, label: str) -> dt.time | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label}格式应为时:分，如08:00", code="time_invalid") from None


def _int(value: str, *, label: str, code: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise InvalidInput(f"{label}应为整数", code=code) from None


def _expiry(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("截止时间格式应为年-月-日 时:分", code="datetime_invalid") from None
    # The form's time is Beijing time unless it says otherwise.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA_TZ)


def _get(model: type[Any], pk: Any, message: str) -> Any:
    try:
        return model.objects.get(pk=int(pk))
    except (ValueError, TypeError, model.DoesNotExist):
        raise NotFound(message, code="not_found") from None


@require_GET
def hall_page(request: HttpRequest) -> HttpResponse:
    """The public page: anyone, signed in or not."""
    info = hall.hall_info(now=clock_now())
    return render(request, "center/hall/info.html", {"info": info, "labels": hall.WEEKDAY_LABELS})


def _manage_render(
    request: HttpRequest, *, error: ZhengwuError | None = None, form: dict[str, str] | None = None
) -> HttpResponse:
    context = {
        "week": hall.week_hours(),
        "labels": hall.WEEKDAY_LABELS,
        "amenities": list(Amenity.objects.all()),
        "amenity_kinds": Amenity.Kind.choices,
        "windows": list(Window.objects.select_related("department")),
        "departments": list(Department.objects.all()),
        "announcements": hall.announcements_all(),
        "now": clock_now(),
        "error": error,
        "form": form or {},
    }
    status = refusal_status(error) if error is not None else 200
    return render(request, "center/hall/manage.html", context, status=status)


@require_GET
@roles_required(STAFF)
def hall_manage(request: HttpRequest) -> HttpResponse:
    """The staff's page with a form for each part of the hall's information."""
    return _manage_render(request)


def _act(request: HttpRequest, action: Callable[[Actor], object], done: str) -> HttpResponse:
    try:
        action(_actor(request))
    except ZhengwuError as error:
        return _manage_render(request, error=error, form=request.POST.dict())
    messages.success(request, done)
    return HttpResponseRedirect(_manage_url(request))


@require_POST
@roles_required(STAFF)
def hours_set(request: HttpRequest) -> HttpResponse:
    p = request.POST

    def act(by: Actor) -> object:
        return hall.opening_hours_set(
            weekday=_int(p.get("weekday", ""), label="星期", code="weekday_invalid"),
            opens=_time(p.get("opens", ""), label="开门时间"),
            closes=_time(p.get("closes", ""), label="关门时间"),
            note=p.get("note", ""),
            by=by,
        )

    return _act(request, act, gettext("Opening hours saved."))


@require_POST
@roles_required(STAFF)
def amenity_save(request: HttpRequest) -> HttpResponse:
    p = request.POST

    def act(by: Actor) -> object:
        existing = _get(Amenity, p["id"], "服务设施不存在") if p.get("id") else None
        return hall.amenity_save(
            amenity=existing,
            kind=p.get("kind", ""),
            name=p.get("name", ""),
            description=p.get("description", ""),
            location=p.get("location", ""),
            order=_int(p.get("order", "0") or "0", label="排序", code="amenity_order_invalid"),
            by=by,
        )

    return _act(request, act, gettext("Amenity saved."))


@require_POST
@roles_required(STAFF)
def amenity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    def act(by: Actor) -> object:
        hall.amenity_delete(amenity=_get(Amenity, pk, "服务设施不存在"), by=by)
        return None

    return _act(request, act, gettext("Amenity removed."))


@require_POST
@roles_required(STAFF)
def window_save(request: HttpRequest) -> HttpResponse:
    p = request.POST

    def act(by: Actor) -> object:
        if not p.get("department"):
            raise InvalidInput("请选择部门", code="window_department_required")
        return hall.window_save(
            number=p.get("number", ""),
            department=_get(Department, p["department"], "部门不存在"),
            floor=p.get("floor", ""),
            services=p.get("services", ""),
            by=by,
        )

    return _act(request, act, gettext("Window saved."))


@require_POST
@roles_required(STAFF)
def window_delete(request: HttpRequest, pk: int) -> HttpResponse:
    def act(by: Actor) -> object:
        hall.window_delete(window=_get(Window, pk, "窗口不存在"), by=by)
        return None

    return _act(request, act, gettext("Window removed."))


@require_POST
@roles_required(STAFF)
def announcement_publish(request: HttpRequest) -> HttpResponse:
    p = request.POST

    def act(by: Actor) -> object:
        return hall.announcement_publish(
            title=p.get("title", ""),
            body=p.get("body", ""),
            pinned=p.get("pinned") == "on",
            expires_at=_expiry(p.get("expires_at", "")),
            by=by,
        )

    return _act(request, act, gettext("Announcement published."))


@require_POST
@roles_required(STAFF)
def announcement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def act(by: Actor) -> object:
        return hall.announcement_withdraw(announcement=_get(Announcement, pk, "公告不存在"), by=by)

    return _act(request, act, gettext("Announcement withdrawn."))
