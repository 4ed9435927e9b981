"""The hall's information: the open-now rule, the services' checks and permissions, the selector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from zhengwu.contexts.center import hall
from zhengwu.contexts.center.demo_hall import hall_demo_load
from zhengwu.contexts.center.models import Amenity, Announcement, Department, OpeningHours, Window
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.workdays.opening import DayHours, open_state_at
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load

SYSTEM = Actor.system("test")
STAFF = Actor(user_id=1, username="staff", roles=frozenset({"centre_staff"}))
OTHERS = [
    Actor(user_id=2, username="dept", roles=frozenset({"department_user"})),
    Actor(user_id=3, username="leader", roles=frozenset({"city_leader"})),
    Actor(user_id=4, username="bidder", roles=frozenset({"bidder"})),
]
EIGHT, HALF_FIVE = dt.time(8, 0), dt.time(17, 30)
WEEK = {d: DayHours(d, EIGHT, HALF_FIVE) for d in range(1, 6)} | {
    6: DayHours(6, None, None),
    7: DayHours(7, None, None),
}


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(at(2026, 3, 2, 10))
    yield
    clock_reset()


@pytest.fixture
def calendar(db: None) -> None:
    calendar_defaults_load(by=SYSTEM)
    calendar_cache_clear()


def _week_load() -> None:
    for d in range(1, 8):
        opens, closes = (EIGHT, HALF_FIVE) if d <= 5 else (None, None)
        hall.opening_hours_set(weekday=d, opens=opens, closes=closes, note="", by=STAFF)


def _department(code: str = "D01", name: str = "市市场监督管理局", order: int = 1) -> Department:
    return Department.objects.create(code=code, name=name, order=order, created_at=at(2026, 1, 1, 9))


# --- the pure rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "holiday", "makeup", "open_now", "reason"),
    [
        (at(2026, 3, 2, 8, 30), False, False, True, "open"),
        (at(2026, 3, 2, 7, 30), False, False, False, "before_opening"),
        (at(2026, 3, 2, 17, 30), False, False, False, "after_closing"),
        (at(2026, 3, 7, 10), False, False, False, "closed_day"),  # an ordinary Saturday
        (at(2026, 10, 1, 10), True, False, False, "holiday"),  # a Thursday holiday
        (at(2026, 10, 10, 10), False, True, True, "open"),  # a make-up Saturday
    ],
)
def test_open_state_rule(local: dt.datetime, holiday: bool, makeup: bool, open_now: bool, reason: str) -> None:
    state = open_state_at(local=local, week=WEEK, holiday=holiday, makeup=makeup)
    assert (state.open_now, state.reason, state.makeup) == (open_now, reason, makeup)
    assert state.today == local.date()


# --- open now through the selector, with the server clock and the calendar -------------------------


@pytest.mark.parametrize(
    ("now", "open_now", "reason", "makeup"),
    [
        (at(2026, 3, 2, 8, 30), True, "open", False),  # Monday morning
        (at(2026, 3, 2, 7, 30), False, "before_opening", False),
        (at(2026, 10, 1, 9), False, "holiday", False),  # 国庆节, a Thursday
        (at(2026, 10, 10, 9), True, "open", True),  # 调休 Saturday
        (at(2026, 10, 10, 18), False, "after_closing", True),
    ],
)
def test_hall_info_open_now(calendar: None, now: dt.datetime, open_now: bool, reason: str, makeup: bool) -> None:
    _week_load()
    clock_set(now)
    info = hall.hall_info(now=now)
    assert (info.state.open_now, info.state.reason, info.state.makeup, info.state.calendar_known) == (
        open_now,
        reason,
        makeup,
        True,
    )
    if reason == "holiday":
        assert info.state.day_name == "国庆节"


def test_a_year_without_calendar_falls_back_on_weekday_hours(calendar: None) -> None:
    _week_load()
    now = at(2040, 3, 5, 9)  # a Monday of a year the calendar lacks
    info = hall.hall_info(now=now)
    assert (info.state.open_now, info.state.reason, info.state.calendar_known) == (True, "open", False)


# --- services: validation --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("weekday", "opens", "closes", "code"),
    [
        (0, EIGHT, HALF_FIVE, "weekday_invalid"),
        (8, EIGHT, HALF_FIVE, "weekday_invalid"),
        (1, EIGHT, None, "hours_incomplete"),
        (1, None, HALF_FIVE, "hours_incomplete"),
        (1, HALF_FIVE, EIGHT, "hours_order"),
        (1, EIGHT, EIGHT, "hours_order"),
    ],
)
def test_opening_hours_refused(weekday: int, opens: dt.time | None, closes: dt.time | None, code: str) -> None:
    audits = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as caught:
        hall.opening_hours_set(weekday=weekday, opens=opens, closes=closes, note="", by=STAFF)
    assert caught.value.code == code
    assert not OpeningHours.objects.exists()
    assert AuditEntry.objects.count() == audits


@pytest.mark.django_db
def test_opening_hours_set_and_replace() -> None:
    hall.opening_hours_set(weekday=1, opens=EIGHT, closes=HALF_FIVE, note="提前一小时开门", by=STAFF)
    hall.opening_hours_set(weekday=1, opens=None, closes=None, note="休息", by=STAFF)
    row = OpeningHours.objects.get()
    assert (row.weekday, row.opens, row.closes, row.note) == (1, None, None, "休息")
    entry = AuditEntry.objects.filter(action="center.hall.hours_set").latest("id")
    assert entry.object_id == "1"


@pytest.mark.django_db
def test_amenity_refusals_and_save_delete() -> None:
    for kwargs, code in (
        ({"kind": "spa", "name": "按摩椅"}, "amenity_kind_invalid"),
        ({"kind": "water", "name": "  "}, "amenity_name_required"),
        ({"kind": "water", "name": "饮" * 101}, "amenity_name_too_long"),
    ):
        with pytest.raises(InvalidInput) as caught:
            hall.amenity_save(description="", location="", order=0, by=STAFF, **kwargs)
        assert caught.value.code == code
    assert not Amenity.objects.exists()
    amenity = hall.amenity_save(kind="water", name="饮水机", description="", location="一楼", order=1, by=STAFF)
    hall.amenity_save(
        amenity=amenity, kind="water", name="直饮水机", description="", location="一楼", order=1, by=STAFF
    )
    assert list(Amenity.objects.values_list("name", flat=True)) == ["直饮水机"]
    hall.amenity_delete(amenity=amenity, by=STAFF)
    assert not Amenity.objects.exists()


@pytest.mark.django_db
def test_window_number_checked_and_saved_in_capitals() -> None:
    department = _department()
    for number, code in (
        ("", "window_number_required"),
        ("A 01", "window_number_invalid"),
        ("A" * 11, "window_number_invalid"),
    ):
        with pytest.raises(InvalidInput) as caught:
            hall.window_save(number=number, department=department, floor="一楼", services="", by=STAFF)
        assert caught.value.code == code
    assert not Window.objects.exists()
    hall.window_save(number="a01", department=department, floor="一楼", services="营业执照", by=STAFF)
    other = _department("D02", "市税务局", 2)
    hall.window_save(number="A01", department=other, floor="一楼", services="发票", by=STAFF)
    window = Window.objects.get()
    assert (window.number, window.department_id, window.services) == ("A01", other.pk, "发票")


@pytest.mark.django_db
def test_announcements_publish_withdraw_and_current() -> None:
    now = at(2026, 3, 2, 10)
    for kwargs, code in (
        ({"title": "", "body": "正文"}, "announcement_title_required"),
        ({"title": "标题", "body": " "}, "announcement_body_required"),
    ):
        with pytest.raises(InvalidInput) as caught:
            hall.announcement_publish(pinned=False, expires_at=None, by=STAFF, **kwargs)
        assert caught.value.code == code
    with pytest.raises(InvalidInput) as caught:
        hall.announcement_publish(title="旧", body="旧", pinned=False, expires_at=now, by=STAFF)
    assert caught.value.code == "announcement_expiry_past"
    assert not Announcement.objects.exists()
    plain = hall.announcement_publish(title="普通", body="一", pinned=False, expires_at=None, by=STAFF)
    clock_set(at(2026, 3, 2, 11))
    later = hall.announcement_publish(title="新", body="二", pinned=False, expires_at=at(2026, 3, 3, 0), by=STAFF)
    pinned = hall.announcement_publish(title="置顶", body="三", pinned=True, expires_at=None, by=STAFF)
    gone = hall.announcement_publish(title="撤下", body="四", pinned=True, expires_at=None, by=STAFF)
    hall.announcement_withdraw(announcement=gone, by=STAFF)
    with pytest.raises(Conflict) as conflict:
        hall.announcement_withdraw(announcement=gone, by=STAFF)
    assert conflict.value.code == "announcement_not_current"
    current = hall.announcements_current(now=at(2026, 3, 2, 12))
    assert [a.pk for a in current] == [pinned.pk, later.pk, plain.pk]
    assert [a.pk for a in hall.announcements_current(now=at(2026, 3, 3, 0))] == [pinned.pk, plain.pk]


# --- services: permissions -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.username)
def test_other_roles_refused_nothing_changed(actor: Actor) -> None:
    department = _department()
    amenity = hall.amenity_save(kind="wifi", name="免费WiFi", description="", location="", order=0, by=STAFF)
    notice = hall.announcement_publish(title="通知", body="正文", pinned=False, expires_at=None, by=STAFF)
    audits = AuditEntry.objects.count()
    attempts = [
        lambda: hall.opening_hours_set(weekday=1, opens=EIGHT, closes=HALF_FIVE, note="", by=actor),
        lambda: hall.amenity_save(kind="water", name="饮水机", description="", location="", order=0, by=actor),
        lambda: hall.amenity_delete(amenity=amenity, by=actor),
        lambda: hall.window_save(number="A01", department=department, floor="", services="", by=actor),
        lambda: hall.announcement_publish(title="假", body="假", pinned=True, expires_at=None, by=actor),
        lambda: hall.announcement_withdraw(announcement=notice, by=actor),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as caught:
            attempt()
        assert caught.value.code == "centre_staff_required"
    assert not OpeningHours.objects.exists()
    assert list(Amenity.objects.values_list("name", flat=True)) == ["免费WiFi"]
    assert not Window.objects.exists()
    notice.refresh_from_db()
    assert notice.expires_at is None
    assert Announcement.objects.count() == 1
    assert AuditEntry.objects.count() == audits


# --- the demo --------------------------------------------------------------------------------------


def test_demo_loads_once(calendar: None) -> None:
    _department("D01", "市市场监督管理局", 1)
    _department("D02", "市税务局", 2)
    hall_demo_load(by=SYSTEM)
    counts = (
        OpeningHours.objects.count(),
        Amenity.objects.count(),
        Window.objects.count(),
        Announcement.objects.count(),
    )
    hall_demo_load(by=SYSTEM)
    assert (
        (
            OpeningHours.objects.count(),
            Amenity.objects.count(),
            Window.objects.count(),
            Announcement.objects.count(),
        )
        == counts
        == (7, 7, 2, 3)
    )
    assert sorted(Window.objects.values_list("number", flat=True)) == ["A01", "A02"]
    info = hall.hall_info(now=at(2026, 3, 2, 10))
    assert len(info.announcements) == 2
    assert info.announcements[0].pinned
    assert "系统升级暂停部分业务的通知" not in [a.title for a in info.announcements]
    assert {g.kind for g in info.amenities} == {"water", "wifi", "reading", "parking", "other"}
    monday = info.week[0]
    assert (monday.opens, monday.closes) == (EIGHT, HALF_FIVE)
    assert info.week[5].closed
    assert info.week[6].closed
