"""The service centre's public information on the public site: the hall, the duty roster, the library.

Read only from this platform's copies (``CentreHall``, ``CentreRoster``/``CentreDuty``,
``LibraryTitle``), which the centre's events keep (``handlers``). Whether the hall is open now
is decided here, from the hours the centre sent and the working-day calendar this platform
keeps, by the same rule the centre's own page uses (``platform.workdays.opening``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.disclosure.models import CentreDuty, CentreHall, CentreRoster, LibraryTitle
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.paging import Page, page_take
from zhengwu.platform.workdays.opening import DayHours, OpenState, open_state

WEEKDAY_NAMES: dict[int, Any] = {
    1: _("Monday"),
    2: _("Tuesday"),
    3: _("Wednesday"),
    4: _("Thursday"),
    5: _("Friday"),
    6: _("Saturday"),
    7: _("Sunday"),
}
AMENITY_KINDS: dict[str, Any] = {
    "water": _("Drinking water"),
    "wifi": _("Wi-Fi"),
    "reading": _("Reading"),
    "parking": _("Parking"),
    "other": _("Other services"),
}
DUTY_STATUSES: dict[str, Any] = {"planned": _("Scheduled"), "attended": _("Attended"), "absent": _("Absent")}
LIBRARY_KINDS: dict[str, Any] = {"book": _("Books"), "periodical": _("Periodicals")}
MAX_QUERY_LENGTH = 100
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000


# --- the hall's page ----------------------------------------------------------------------------------


@dataclass
class AmenityGroup:
    kind: str
    label: Any
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DepartmentWindows:
    department: str
    windows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class HallPublic:
    """Everything the public hall page shows, as of the centre's last message."""

    week: list[DayHours]
    weekday_names: dict[int, Any]
    state: OpenState
    amenities: list[AmenityGroup]
    departments: list[DepartmentWindows]
    announcements: list[dict[str, Any]]
    changed_at: dt.datetime


def _time(value: Any) -> dt.time | None:
    return dt.time.fromisoformat(value) if isinstance(value, str) and value else None


def _instant(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


def hall_week(hall: CentreHall) -> list[DayHours]:
    """Monday to Sunday from the stored hours; a weekday the centre did not send is closed."""
    sent = {row["weekday"]: row for row in hall.hours}
    return [
        DayHours(d, _time(sent[d].get("opens")), _time(sent[d].get("closes")), str(sent[d].get("note") or ""))
        if d in sent
        else DayHours(d, None, None)
        for d in range(1, 8)
    ]


def hall_public(*, now: dt.datetime) -> HallPublic | None:
    """The hall's public information at ``now``; None before the centre has sent any."""
    hall = CentreHall.objects.order_by("id").first()
    if hall is None:
        return None
    week = hall_week(hall)
    groups = {kind: AmenityGroup(kind, label) for kind, label in AMENITY_KINDS.items()}
    for amenity in hall.amenities:
        kind = amenity.get("kind") if amenity.get("kind") in groups else "other"
        groups[str(kind)].items.append(amenity)
    departments: list[DepartmentWindows] = []
    # The centre sends the windows in its departments' order: keep it, grouping by department.
    for department, windows in groupby(hall.windows, key=lambda w: str(w.get("department") or "")):
        departments.append(DepartmentWindows(department, list(windows)))
    announcements = []
    for row in hall.announcements:
        expires_at = _instant(row.get("expires_at"))
        published_at = _instant(row.get("published_at"))
        # Sent while current; each one leaves the page at its expiry without another message.
        if (expires_at is not None and expires_at <= now) or published_at is None or published_at > now:
            continue
        announcements.append({**row, "published_at": published_at, "expires_at": expires_at})
    announcements.sort(key=lambda a: (not a.get("pinned"), -a["published_at"].timestamp()))
    return HallPublic(
        week=week,
        weekday_names=WEEKDAY_NAMES,
        state=open_state(now=now, week=week),
        amenities=[g for g in groups.values() if g.items],
        departments=departments,
        announcements=announcements,
        changed_at=hall.changed_at,
    )


# --- the duty roster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicDutyDay:
    day: dt.date
    duties: list[CentreDuty]


@dataclass
class RosterPublic:
    """A year's published duty days around ``today``: the next one first, then the rest, the past apart."""

    year: int
    years: list[int]
    next_day: PublicDutyDay | None
    coming: list[PublicDutyDay]
    past: list[PublicDutyDay]
    published: bool


def _by_day(duties: list[CentreDuty]) -> list[PublicDutyDay]:
    return [PublicDutyDay(day, list(items)) for day, items in groupby(duties, key=lambda d: d.day)]


def roster_public(*, today: dt.date, year: int | None = None) -> RosterPublic:
    """The published duty days of ``year`` (default: ``today``'s) split around ``today``.

    ``next_day`` is the first published duty day on or after ``today`` in any year, so that in
    December the next year's first duty shows as soon as it is published.
    """
    years = list(CentreRoster.objects.order_by("-year").values_list("year", flat=True))
    year = year if year is not None else today.year
    duties = list(CentreDuty.objects.filter(roster__year=year).order_by("day", "position"))
    days = _by_day(duties)
    upcoming = CentreDuty.objects.filter(day__gte=today).order_by("day").values_list("day", flat=True).first()
    next_day = _by_day(list(CentreDuty.objects.filter(day=upcoming).order_by("position"))) if upcoming else []
    return RosterPublic(
        year=year,
        years=years,
        next_day=next_day[0] if next_day else None,
        coming=[d for d in days if d.day >= today and d.day != upcoming],
        past=[d for d in days if d.day < today],
        published=year in years,
    )


# --- the library's catalogue --------------------------------------------------------------------------


def library_search(*, q: str = "", kind: str | None = None, available_only: bool = False) -> QuerySet[LibraryTitle]:
    """Titles on the public catalogue matching every word of ``q`` in the title, author, ISBN or class.

    Recommended new titles come first (the newest recommendation first), then the rest by title.
    """
    q = (q or "").strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"搜索词不能超过{MAX_QUERY_LENGTH}个字符",
            code="disclosure_query_too_long",
            detail={"max": MAX_QUERY_LENGTH},
        )
    if kind and kind not in LIBRARY_KINDS:
        raise InvalidInput("文献类型不存在", code="disclosure_library_kind_unknown", detail={"kind": kind})
    queryset = LibraryTitle.objects.filter(withdrawn=False)
    for word in q.split():
        digits = word.replace("-", "")
        match = Q(title__icontains=word) | Q(author__icontains=word) | Q(category__istartswith=word)
        if digits:
            match |= Q(isbn__contains=digits)
        queryset = queryset.filter(match)
    if kind:
        queryset = queryset.filter(kind=kind)
    if available_only:
        queryset = queryset.filter(copies_available__gt=0)
    return queryset.order_by(F("recommended_at").desc(nulls_last=True), "title", "key")


def library_page(
    *, q: str = "", kind: str | None = None, available_only: bool = False, page: int = 1, size: int = 20
) -> Page[LibraryTitle]:
    """One page (1-based) of ``library_search``; a page past the end is empty."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            f"页码应在1到{MAX_PAGE}之间", code="disclosure_page_invalid", detail={"page": page, "max": MAX_PAGE}
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"每页条数应在1到{MAX_PAGE_SIZE}之间", code="disclosure_size_invalid", detail={"size": size})
    return page_take(library_search(q=q, kind=kind, available_only=available_only), page=page, size=size)
