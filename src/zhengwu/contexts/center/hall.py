"""The hall's public information: opening hours, amenities, windows and announcements.

Centre staff edit it through the services below; everyone (signed in or not) reads it through
``hall_info``. Whether the hall is open now is the working-day calendar's opening-hours rule
(``platform.workdays.opening``), which the public site's copy of this page uses too.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from zhengwu.contexts.center.events import HALL_SUBJECT, HallInfoChanged
from zhengwu.contexts.center.models import Amenity, Announcement, Department, OpeningHours, Window
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish, outbox_subject_lock
from zhengwu.platform.workdays.opening import DayHours, OpenState, open_state

WEEKDAY_LABELS: dict[int, str] = {
    1: "星期一",
    2: "星期二",
    3: "星期三",
    4: "星期四",
    5: "星期五",
    6: "星期六",
    7: "星期日",
}
WINDOW_NUMBER = re.compile(r"[A-Z0-9-]{1,10}")


# --- permission and small checks ---------------------------------------------------------------------


def _staff_check(by: Actor) -> None:
    # The system (the demo loader, operators' commands) may write as well as the centre's staff.
    if not (by.has_role("centre_staff") or (by.is_system and "system" in by.roles)):
        raise PermissionDenied("只有中心工作人员可以维护大厅信息", code="centre_staff_required")


def _text(value: str, *, label: str, code: str, max_length: int, required: bool) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"请填写{label}", code=f"{code}_required")
    if len(cleaned) > max_length:
        raise InvalidInput(f"{label}不能超过{max_length}个字", code=f"{code}_too_long")
    return cleaned


# --- opening hours -----------------------------------------------------------------------------------


def opening_hours_set(
    *, weekday: int, opens: dt.time | None, closes: dt.time | None, note: str, by: Actor
) -> OpeningHours:
    """Set one weekday's hours (both None: closed that day); replaces what the weekday had."""
    _staff_check(by)
    if not isinstance(weekday, int) or not 1 <= weekday <= 7:
        raise InvalidInput("星期应为1（星期一）至7（星期日）", code="weekday_invalid")
    if (opens is None) != (closes is None):
        raise InvalidInput("开门和关门时间应同时填写，休息日两者都不填", code="hours_incomplete")
    if opens is not None and closes is not None and not opens < closes:
        raise InvalidInput("开门时间应早于关门时间", code="hours_order")
    note = _text(note, label="说明", code="hours_note", max_length=200, required=False)
    with transaction.atomic():
        row = OpeningHours.objects.select_for_update().filter(weekday=weekday).first()
        before = _hours_summary(row) if row is not None else None
        if row is None:
            row = OpeningHours(weekday=weekday)
        row.opens, row.closes, row.note = opens, closes, note
        row.save()
        audit_append(
            actor=by,
            action="center.hall.hours_set",
            object_type="center.openinghours",
            object_id=str(weekday),
            before=before,
            after=_hours_summary(row),
        )
        hall_event_publish(now=clock_now())
    return row


def _hours_summary(row: OpeningHours) -> dict[str, Any]:
    return {
        "weekday": row.weekday,
        "opens": row.opens.strftime("%H:%M") if row.opens else None,
        "closes": row.closes.strftime("%H:%M") if row.closes else None,
        "note": row.note,
    }


# --- amenities ---------------------------------------------------------------------------------------


def amenity_save(
    *,
    amenity: Amenity | None = None,
    kind: str,
    name: str,
    description: str,
    location: str,
    order: int,
    by: Actor,
) -> Amenity:
    """Add an amenity (``amenity`` None) or change one."""
    _staff_check(by)
    if kind not in Amenity.Kind.values:
        raise InvalidInput("服务设施类别无效", code="amenity_kind_invalid")
    name = _text(name, label="名称", code="amenity_name", max_length=100, required=True)
    description = _text(description, label="说明", code="amenity_description", max_length=2000, required=False)
    location = _text(location, label="位置", code="amenity_location", max_length=100, required=False)
    if not isinstance(order, int) or not 0 <= order <= 9999:
        raise InvalidInput("排序应为0至9999的整数", code="amenity_order_invalid")
    with transaction.atomic():
        before = _amenity_summary(amenity) if amenity is not None and amenity.pk else None
        row = amenity if amenity is not None else Amenity()
        row.kind, row.name, row.description, row.location, row.order = kind, name, description, location, order
        row.save()
        audit_append(
            actor=by,
            action="center.hall.amenity_save",
            object_type="center.amenity",
            object_id=str(row.pk),
            before=before,
            after=_amenity_summary(row),
        )
        hall_event_publish(now=clock_now())
    return row


def amenity_delete(*, amenity: Amenity, by: Actor) -> None:
    """Remove an amenity from the hall's information."""
    _staff_check(by)
    with transaction.atomic():
        before = _amenity_summary(amenity)
        object_id = str(amenity.pk)
        amenity.delete()
        audit_append(
            actor=by,
            action="center.hall.amenity_delete",
            object_type="center.amenity",
            object_id=object_id,
            before=before,
        )
        hall_event_publish(now=clock_now())


def _amenity_summary(row: Amenity) -> dict[str, Any]:
    return {"kind": row.kind, "name": row.name, "location": row.location, "order": row.order}


# --- windows -----------------------------------------------------------------------------------------


def window_save(*, number: str, department: Department, floor: str, services: str, by: Actor) -> Window:
    """Add a window or change the one with this number (numbers are written in capitals: A01)."""
    _staff_check(by)
    number = (number or "").strip().upper()
    if not number:
        raise InvalidInput("请填写窗口编号", code="window_number_required")
    if not WINDOW_NUMBER.fullmatch(number):
        raise InvalidInput("窗口编号应为1至10位字母、数字或连字符，如A01", code="window_number_invalid")
    floor = _text(floor, label="楼层", code="window_floor", max_length=20, required=False)
    services = _text(services, label="办理事项", code="window_services", max_length=4000, required=False)
    with transaction.atomic():
        row = Window.objects.select_for_update().filter(number=number).first()
        before = _window_summary(row) if row is not None else None
        if row is None:
            row = Window(number=number)
        row.department, row.floor, row.services = department, floor, services
        row.save()
        audit_append(
            actor=by,
            action="center.hall.window_save",
            object_type="center.window",
            object_id=number,
            before=before,
            after=_window_summary(row),
        )
        hall_event_publish(now=clock_now())
    return row


def window_delete(*, window: Window, by: Actor) -> None:
    """Remove a window from the hall's information."""
    _staff_check(by)
    with transaction.atomic():
        before = _window_summary(window)
        window.delete()
        audit_append(
            actor=by,
            action="center.hall.window_delete",
            object_type="center.window",
            object_id=before["number"],
            before=before,
        )
        hall_event_publish(now=clock_now())


def _window_summary(row: Window) -> dict[str, Any]:
    return {"number": row.number, "department": row.department.code, "floor": row.floor}


# --- announcements -----------------------------------------------------------------------------------


def announcement_publish(
    *, title: str, body: str, pinned: bool, expires_at: dt.datetime | None, by: Actor
) -> Announcement:
    """Publish a notice now; it shows until ``expires_at`` (None: until withdrawn)."""
    _staff_check(by)
    title = _text(title, label="标题", code="announcement_title", max_length=200, required=True)
    body = _text(body, label="正文", code="announcement_body", max_length=20000, required=True)
    now = clock_now()
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise InvalidInput("截止时间缺少时区", code="announcement_expiry_naive")
        if expires_at <= now:
            raise InvalidInput("截止时间应晚于当前时间", code="announcement_expiry_past")
    with transaction.atomic():
        row = Announcement.objects.create(
            title=title, body=body, pinned=bool(pinned), published_at=now, expires_at=expires_at, author=by.username
        )
        audit_append(
            actor=by,
            action="center.hall.announcement_publish",
            object_type="center.announcement",
            object_id=str(row.pk),
            after={"title": title, "pinned": row.pinned, "expires_at": expires_at.isoformat() if expires_at else None},
        )
        hall_event_publish(now=now)
    return row


def announcement_withdraw(*, announcement: Announcement, by: Actor) -> Announcement:
    """Take a current notice down: it expires now and stays on record."""
    _staff_check(by)
    now = clock_now()
    with transaction.atomic():
        row = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if row.expires_at is not None and row.expires_at <= now:
            raise Conflict("该公告已过期或已撤下", code="announcement_not_current")
        before = row.expires_at.isoformat() if row.expires_at else None
        row.expires_at = now
        row.save(update_fields=["expires_at"])
        audit_append(
            actor=by,
            action="center.hall.announcement_withdraw",
            object_type="center.announcement",
            object_id=str(row.pk),
            before={"expires_at": before},
            after={"expires_at": now.isoformat()},
        )
        hall_event_publish(now=now)
    announcement.expires_at = row.expires_at
    return row


# --- selectors ---------------------------------------------------------------------------------------


@dataclass
class AmenityGroup:
    kind: str
    label: str
    items: list[Amenity] = field(default_factory=list)


@dataclass
class DepartmentWindows:
    department: Department
    windows: list[Window] = field(default_factory=list)


@dataclass
class HallInfo:
    """Everything the public hall page shows."""

    week: list[DayHours]
    state: OpenState
    amenities: list[AmenityGroup]
    departments: list[DepartmentWindows]
    announcements: list[Announcement]


def week_hours() -> list[DayHours]:
    """Monday to Sunday; a weekday without a row is closed."""
    rows = {r.weekday: r for r in OpeningHours.objects.all()}
    return [
        DayHours(d, rows[d].opens, rows[d].closes, rows[d].note) if d in rows else DayHours(d, None, None)
        for d in range(1, 8)
    ]


def hall_state(*, now: dt.datetime, week: list[DayHours]) -> OpenState:
    """Today's state from the calendar; a year the calendar lacks falls back on the weekday's hours."""
    return open_state(now=now, week=week)


def announcements_current(*, now: dt.datetime) -> list[Announcement]:
    """Published and not expired, pinned first, newest first."""
    return list(
        Announcement.objects.filter(published_at__lte=now)
        .exclude(expires_at__lte=now)
        .order_by("-pinned", "-published_at", "-id")
    )


def announcements_all() -> list[Announcement]:
    """Every notice, current or not, for the staff's page."""
    return list(Announcement.objects.order_by("-published_at", "-id"))


def hall_info(*, now: dt.datetime) -> HallInfo:
    """The hall's public information at ``now``."""
    week = week_hours()
    labels = dict(Amenity.Kind.choices)
    groups: dict[str, AmenityGroup] = {k: AmenityGroup(k, str(labels[k])) for k in Amenity.Kind.values}
    for amenity in Amenity.objects.all():
        groups[amenity.kind].items.append(amenity)
    by_department: dict[int, DepartmentWindows] = {}
    for window in Window.objects.select_related("department").order_by(
        "department__order", "department__code", "number"
    ):
        entry = by_department.setdefault(window.department_id, DepartmentWindows(window.department))
        entry.windows.append(window)
    return HallInfo(
        week=week,
        state=hall_state(now=now, week=week),
        amenities=[g for g in groups.values() if g.items],
        departments=list(by_department.values()),
        announcements=announcements_current(now=now),
    )


# --- the public site's copy --------------------------------------------------------------------------


def hall_event_publish(*, now: dt.datetime) -> None:
    """Send the hall's whole public information as it stands at ``now`` (``HallInfoChanged``).

    Called by every service above inside its transaction, after the change: the public site
    replaces its copy with this one, so a lost or repeated message leaves nothing half-updated.
    Only the announcements shown at ``now`` travel; the public site hides each at its expiry.
    """
    # The hall's outbox subject locked before reading it: two edits committing together send their
    # copies one after the other, the later one reading the hall with the earlier committed and
    # stamped later (the public site keeps the latest stamp), whichever rows each edit changed.
    outbox_subject_lock(aggregate_type=HallInfoChanged.aggregate_type, aggregate_id=HALL_SUBJECT)
    windows = Window.objects.select_related("department").order_by("department__order", "department__code", "number")
    outbox_publish(
        event=HallInfoChanged(
            changed_at=clock_now().isoformat(),
            hours=[
                {
                    "weekday": day.weekday,
                    "opens": day.opens.strftime("%H:%M") if day.opens else None,
                    "closes": day.closes.strftime("%H:%M") if day.closes else None,
                    "note": day.note,
                }
                for day in week_hours()
            ],
            amenities=[
                {"kind": a.kind, "name": a.name, "location": a.location, "note": a.description}
                for a in Amenity.objects.order_by("order", "id")
            ],
            windows=[
                {"number": w.number, "department": w.department.name, "floor": w.floor, "services": w.services}
                for w in windows
            ],
            announcements=[
                {
                    "id": a.pk,
                    "title": a.title,
                    "body": a.body,
                    "pinned": a.pinned,
                    "published_at": a.published_at.isoformat(),
                    "expires_at": a.expires_at.isoformat() if a.expires_at else None,
                }
                for a in announcements_current(now=now)
            ],
        )
    )
