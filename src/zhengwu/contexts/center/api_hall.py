"""The hall's API, under ``/center/api/center/hall/``: its public information, and the staff's notices.

``GET /`` is what the public hall page shows (no sign-in); ``POST /announcements`` publishes a
notice through ``hall.announcement_publish``, which only the centre's staff may do. Errors are
``{code, message, detail}``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from zhengwu.contexts.center import hall
from zhengwu.contexts.center.models import Announcement
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.clock import clock_now


class DayHoursOut(Schema):
    weekday: int
    label: str
    opens: str | None
    closes: str | None
    note: str


class OpenStateOut(Schema):
    open_now: bool
    reason: str  # open, before_opening, after_closing, closed_day, holiday
    today: str
    opens: str | None
    closes: str | None
    day_name: str
    makeup: bool
    calendar_known: bool


class AmenityOut(Schema):
    kind: str
    name: str
    description: str
    location: str


class WindowOut(Schema):
    number: str
    floor: str
    services: str


class DepartmentWindowsOut(Schema):
    code: str
    name: str
    windows: list[WindowOut]


class AnnouncementOut(Schema):
    id: int
    title: str
    body: str
    pinned: bool
    published_at: str
    expires_at: str | None


class HallOut(Schema):
    week: list[DayHoursOut]
    state: OpenStateOut
    amenities: list[AmenityOut]
    departments: list[DepartmentWindowsOut]
    announcements: list[AnnouncementOut]


class AnnouncementIn(Schema):
    title: str
    body: str
    pinned: bool = False
    expires_at: dt.datetime | None = None  # with its time zone


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


def _announcement_out(row: Announcement) -> AnnouncementOut:
    return AnnouncementOut(
        id=row.pk,
        title=row.title,
        body=row.body,
        pinned=row.pinned,
        published_at=row.published_at.isoformat(),
        expires_at=row.expires_at.isoformat() if row.expires_at else None,
    )


def hall_router_build() -> Router:
    """The hall's sub-router of the centre's API."""
    router = Router(tags=["center-hall"])

    @router.get("/", response=HallOut, summary="The hall's public information (no sign-in)")
    def info(request: HttpRequest) -> HallOut:
        found = hall.hall_info(now=clock_now())
        state = found.state
        return HallOut(
            week=[
                DayHoursOut(
                    weekday=day.weekday,
                    label=hall.WEEKDAY_LABELS[day.weekday],
                    opens=_hhmm(day.opens),
                    closes=_hhmm(day.closes),
                    note=day.note,
                )
                for day in found.week
            ],
            state=OpenStateOut(
                open_now=state.open_now,
                reason=state.reason,
                today=state.today.isoformat(),
                opens=_hhmm(state.hours.opens) if state.hours else None,
                closes=_hhmm(state.hours.closes) if state.hours else None,
                day_name=state.day_name,
                makeup=state.makeup,
                calendar_known=state.calendar_known,
            ),
            amenities=[
                AmenityOut(kind=item.kind, name=item.name, description=item.description, location=item.location)
                for group in found.amenities
                for item in group.items
            ],
            departments=[
                DepartmentWindowsOut(
                    code=entry.department.code,
                    name=entry.department.name,
                    windows=[WindowOut(number=w.number, floor=w.floor, services=w.services) for w in entry.windows],
                )
                for entry in found.departments
            ],
            announcements=[_announcement_out(row) for row in found.announcements],
        )

    @router.post(
        "/announcements", response={201: AnnouncementOut}, auth=django_auth, summary="Publish a notice (staff)"
    )
    def announcement_publish(request: HttpRequest, payload: AnnouncementIn) -> Status[AnnouncementOut]:
        row = hall.announcement_publish(
            title=payload.title,
            body=payload.body,
            pinned=payload.pinned,
            expires_at=payload.expires_at,
            by=actor_for(user=request.user, request=request),
        )
        return Status(201, _announcement_out(row))

    return router
