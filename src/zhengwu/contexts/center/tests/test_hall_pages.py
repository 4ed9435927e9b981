"""The hall's pages: the public page without sign-in, the staff's page, a refused department user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client

from zhengwu.contexts.center.demo_hall import hall_demo_load
from zhengwu.contexts.center.models import Amenity, Announcement, Department, OpeningHours, Window
from zhengwu.contexts.identity.roles import TOTP_REQUIRED_ROLES
from zhengwu.contexts.identity.services import user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=CHINA_TZ)  # a Monday morning
BASE = "/center/hall/"


@pytest.fixture(autouse=True)
def _world(settings: object) -> Iterator[None]:
    clock_set(NOW)
    calendar_defaults_load(by=SYSTEM)
    calendar_cache_clear()
    Department.objects.create(code="D01", name="市市场监督管理局", order=1, created_at=NOW)
    Department.objects.create(code="D02", name="市税务局", order=2, created_at=NOW)
    hall_demo_load(by=SYSTEM)
    yield
    clock_reset()


def _client(username: str, role: str) -> Client:
    user = user_create(
        username=username, password="Zw-test-Passw0rd!", display_name=f"测试{username}", roles=[role], by=SYSTEM
    )
    client = Client()
    client.force_login(user)
    if user.role_codes & TOTP_REQUIRED_ROLES:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def _snapshot() -> tuple[object, ...]:
    return (
        list(OpeningHours.objects.values_list("weekday", "opens", "closes", "note")),
        list(Amenity.objects.values_list("id", "name")),
        list(Window.objects.values_list("number", "department_id", "services")),
        list(Announcement.objects.values_list("id", "title", "expires_at")),
    )


def test_public_page_without_sign_in() -> None:
    response = Client().get(BASE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="hall-open-state" data-state="open" data-open="1"' in page
    assert "08:00–17:30" in page
    assert "提前一小时于8:00开门" in page
    for name in ("饮水机", "免费WiFi", "阅读角", "停车场", "母婴室"):
        assert name in page
    assert 'data-window="A01"' in page
    assert 'data-window="A02"' in page
    assert 'data-department="D02"' in page
    assert "关于延长午间服务时间的公告" in page
    assert "系统升级暂停部分业务的通知" not in page
    assert 'name="viewport"' in page


def test_public_page_on_a_holiday_says_closed() -> None:
    clock_set(dt.datetime(2026, 10, 1, 9, 0, tzinfo=CHINA_TZ))
    page = Client().get(BASE).content.decode()
    assert 'data-state="holiday" data-open="0"' in page
    assert "国庆节" in page


def test_staff_edit_through_the_page() -> None:
    staff = _client("staff", "centre_staff")
    assert staff.get(BASE + "manage/").status_code == 200
    before = _snapshot()
    bad = staff.post(BASE + "manage/hours/", {"weekday": "6", "opens": "12:00", "closes": "09:00", "note": ""})
    assert bad.status_code == 400
    assert 'data-code="hours_order"' in bad.content.decode()
    assert "开门时间应早于关门时间" in bad.content.decode()
    tax = Department.objects.get(code="D02")
    bad = staff.post(
        BASE + "manage/windows/", {"number": "A 9", "department": str(tax.pk), "floor": "", "services": ""}
    )
    assert bad.status_code == 400
    assert 'data-code="window_number_invalid"' in bad.content.decode()
    bad = staff.post(BASE + "manage/announcements/", {"title": "", "body": "x"})
    assert bad.status_code == 400
    assert 'data-code="announcement_title_required"' in bad.content.decode()
    assert _snapshot() == before

    ok = staff.post(BASE + "manage/hours/", {"weekday": "6", "opens": "09:00", "closes": "12:00", "note": "部分事项"})
    assert (ok.status_code, ok["Location"]) == (302, BASE + "manage/")
    saturday = OpeningHours.objects.get(weekday=6)
    assert (saturday.opens, saturday.closes, saturday.note) == (dt.time(9), dt.time(12), "部分事项")
    assert (
        staff.post(
            BASE + "manage/windows/",
            {"number": "B07", "department": str(tax.pk), "floor": "二楼", "services": "发票代开"},
        ).status_code
        == 302
    )
    assert Window.objects.get(number="B07").department_id == tax.pk
    assert (
        staff.post(
            BASE + "manage/amenities/", {"kind": "other", "name": "复印打印", "location": "一楼", "order": "5"}
        ).status_code
        == 302
    )
    amenity = Amenity.objects.get(name="复印打印")
    assert staff.post(BASE + f"manage/amenities/{amenity.pk}/delete/").status_code == 302
    assert not Amenity.objects.filter(name="复印打印").exists()
    assert (
        staff.post(
            BASE + "manage/announcements/", {"title": "清明节放假通知", "body": "4月4日至6日休息", "pinned": "on"}
        ).status_code
        == 302
    )
    notice = Announcement.objects.get(title="清明节放假通知")
    assert notice.pinned
    assert notice.author == "staff"
    public = Client().get(BASE).content.decode()
    assert "清明节放假通知" in public
    assert 'data-window="B07"' in public
    assert staff.post(BASE + f"manage/announcements/{notice.pk}/withdraw/").status_code == 302
    assert "清明节放假通知" not in Client().get(BASE).content.decode()
    again = staff.post(BASE + f"manage/announcements/{notice.pk}/withdraw/")
    assert again.status_code == 400
    assert 'data-code="announcement_not_current"' in again.content.decode()
    assert staff.post(BASE + "manage/amenities/999999/delete/").status_code == 404


def test_department_user_refused_nothing_changed() -> None:
    dept = _client("dept", "department_user")
    before = _snapshot()
    notice = Announcement.objects.filter(pinned=True).first()
    assert notice is not None
    assert dept.get(BASE + "manage/").status_code == 403
    for url, data in (
        ("manage/hours/", {"weekday": "1", "opens": "", "closes": "", "note": ""}),
        ("manage/amenities/", {"kind": "water", "name": "假", "order": "0"}),
        ("manage/windows/", {"number": "A01", "department": "1"}),
        ("manage/announcements/", {"title": "假公告", "body": "假"}),
        (f"manage/announcements/{notice.pk}/withdraw/", {}),
    ):
        assert dept.post(BASE + url, data).status_code == 403
    assert _snapshot() == before


def test_anonymous_manage_is_sent_to_sign_in() -> None:
    response = Client().get(BASE + "manage/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
