"""The service centre's public information on the public site, carried by the exchange.

The centre's staff change the hall and the roster through the centre's services; the relay
carries the centre's snapshot events to the public platform, whose pages show its own copies.
The library's ``CatalogueTitleChanged`` is published here directly, as the library will.
The clock is 2026-03-02 10:00 Beijing time (a Monday, a working day).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengwu.contexts.center import hall, roster
from zhengwu.contexts.center.events import CatalogueTitleChanged, HallInfoChanged, RosterPublished
from zhengwu.contexts.disclosure.handlers import HANDLERS
from zhengwu.contexts.disclosure.models import CentreDuty, CentreHall, CentreRoster, LibraryTitle
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.platform.exchange.models import Delivery, OutboxMessage
from zhengwu.platform.exchange.relay import envelope_for, relay_run_once
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.workdays.opening import DayHours, open_state_at
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = pytest.mark.django_db

SYSTEM = Actor.system("test")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
HALL, ROSTER, LIBRARY = "/centre/", "/centre/roster/", "/centre/library/"


@pytest.fixture(autouse=True)
def _clock_and_calendar(db: None) -> Iterator[None]:
    clock_set(NOW)
    calendar_defaults_load(by=SYSTEM)
    calendar_cache_clear()
    yield
    clock_reset()
    calendar_cache_clear()


def relay() -> None:
    """Deliver everything due, however many rounds it takes."""
    while True:
        report = relay_run_once()
        assert report.ok
        if not report.limit_reached:
            return


def page(url: str, **params: str) -> str:
    response = Client().get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def content(url: str) -> str:
    """The page without its per-request form token, to compare two renderings."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page(url))


def departments_make(*, count: int = 12, leaders: int = 2) -> None:
    """``count`` stationed departments D01…, each with ``leaders`` leaders D01L1… who have phones."""
    for index in range(1, count + 1):
        department = roster.department_create(code=f"D{index:02d}", name=f"测试部门{index:02d}", order=index, by=SYSTEM)
        for number in range(1, leaders + 1):
            roster.leader_create(
                department=department,
                code=f"D{index:02d}L{number}",
                name=f"领导{index:02d}{number}",
                title="副局长",
                phone=f"139871{index:02d}{number:03d}",
                by=SYSTEM,
            )


def other_leader_of(assignment: Any) -> Any:
    """The other leader of the assignment's department (departments here have two)."""
    department = next(d for d in roster.departments_list() if d.pk == assignment.department_id)
    (other,) = [leader for leader in department.leaders.all() if leader.pk != assignment.leader_id]
    return other


def leader_phones() -> list[str]:
    return [leader.phone for d in roster.departments_list() for leader in d.leaders.all() if leader.phone]


def hall_make() -> None:
    """Hours Monday–Friday 8:00–17:30, an amenity, two windows, a pinned and a plain notice."""
    for weekday in range(1, 8):
        opens, closes = (dt.time(8, 0), dt.time(17, 30)) if weekday <= 5 else (None, None)
        hall.opening_hours_set(
            weekday=weekday, opens=opens, closes=closes, note="中午不休息" if opens else "", by=SYSTEM
        )
    hall.amenity_save(
        kind="wifi", name="免费WiFi", description="网络名称ZWZX-Free", location="大厅全覆盖", order=1, by=SYSTEM
    )
    first, second = roster.departments_list()[:2]
    hall.window_save(number="a01", department=first, floor="一楼", services="企业开办", by=SYSTEM)
    hall.window_save(number="B02", department=second, floor="二楼", services="不动产登记", by=SYSTEM)
    hall.announcement_publish(title="午间不休息", body="工作日中午连续办理。", pinned=True, expires_at=None, by=SYSTEM)
    hall.announcement_publish(
        title="专区启用", body="企业开办专区启用。", pinned=False, expires_at=NOW + dt.timedelta(days=3), by=SYSTEM
    )


def last_delivery(event_type: str) -> Delivery:
    return Delivery.objects.filter(destination="public", message__event_type=event_type).order_by("-id")[0]


# --- the hall -----------------------------------------------------------------------------------------


def test_the_hall_reaches_the_public_site_only_through_the_exchange_and_follows_every_change() -> None:
    departments_make(count=2)
    hall_make()
    # Every change sent the whole hall: 7 days, an amenity, two windows, two notices.
    assert OutboxMessage.objects.filter(event_type=HallInfoChanged.event_type).count() == 12
    assert 'data-testid="hall-empty"' in page(HALL)

    relay()
    body = page(HALL)
    assert 'data-open="1"' in body
    assert 'data-state="open"' in body
    assert re.findall(r'data-weekday="(\d)"', body) == ["1", "2", "3", "4", "5", "6", "7"]
    assert "08:00–17:30" in body
    assert "中午不休息" in body
    assert 'data-amenity="免费WiFi"' in body
    assert "ZWZX-Free" in body
    # Windows grouped under their departments, in the departments' order.
    assert re.findall(r'data-department="([^"]+)"', body) == ["测试部门01", "测试部门02"]
    assert re.findall(r'data-window="([^"]+)"', body) == ["A01", "B02"]
    # The pinned notice first.
    titles = re.findall(
        r'data-announcement="\d+"(?: data-pinned="1")?>\s*<strong>(?:\[[^\]]*\] )?([^<]+)</strong>', body
    )
    assert titles == ["午间不休息", "专区启用"]

    info = hall.hall_info(now=NOW)
    hall.amenity_delete(amenity=info.amenities[0].items[0], by=SYSTEM)
    hall.window_delete(window=info.departments[1].windows[0], by=SYSTEM)
    pinned = hall.announcements_current(now=NOW)[0]
    hall.announcement_withdraw(announcement=pinned, by=SYSTEM)
    hall.opening_hours_set(weekday=1, opens=dt.time(9, 0), closes=dt.time(17, 0), note="", by=SYSTEM)
    relay()
    body = page(HALL)
    assert "免费WiFi" not in body
    assert re.findall(r'data-window="([^"]+)"', body) == ["A01"]
    assert "午间不休息" not in body
    assert "专区启用" in body
    assert "09:00–17:00" in body
    assert CentreHall.objects.count() == 1


def test_a_notice_leaves_the_public_page_at_its_expiry_without_another_message() -> None:
    departments_make(count=2)
    hall_make()
    relay()
    clock_set(NOW + dt.timedelta(days=3, minutes=1))
    body = page(HALL)
    assert "专区启用" not in body
    assert "午间不休息" in body


@pytest.mark.parametrize(
    ("instant", "state", "open_"),
    [
        # A Monday before opening, at opening, after closing.
        (dt.datetime(2026, 3, 2, 7, 59), "before_opening", "0"),
        (dt.datetime(2026, 3, 2, 8, 0), "open", "1"),
        (dt.datetime(2026, 3, 2, 17, 30), "after_closing", "0"),
        # A Sunday; 劳动节 on a Tuesday; 2026-02-28 is a Saturday worked for 春节 (调休).
        (dt.datetime(2026, 3, 1, 10, 0), "closed_day", "0"),
        (dt.datetime(2026, 5, 5, 10, 0), "holiday", "0"),
        (dt.datetime(2026, 2, 28, 10, 0), "open", "1"),
    ],
)
def test_open_now_follows_the_hours_and_the_holiday_calendar(instant: dt.datetime, state: str, open_: str) -> None:
    departments_make(count=2)
    hall_make()
    relay()
    clock_set(instant.replace(tzinfo=CHINA_TZ))
    body = page(HALL)
    assert f'data-state="{state}" data-open="{open_}"' in body
    if instant.date() == dt.date(2026, 2, 28):
        assert 'data-testid="hall-makeup"' in body
    if state == "holiday":
        assert "劳动节" in body


def test_a_year_the_calendar_lacks_falls_back_on_the_weekday_hours() -> None:
    week = {1: DayHours(1, dt.time(8, 0), dt.time(17, 30))}
    state = open_state_at(
        local=dt.datetime(2027, 3, 1, 9, 0, tzinfo=CHINA_TZ),
        week=week,
        holiday=False,
        makeup=False,
        calendar_known=False,
    )
    assert (state.open_now, state.reason, state.calendar_known) == (True, "open", False)
    departments_make(count=2)
    hall_make()
    relay()
    clock_set(dt.datetime(2027, 3, 1, 9, 0, tzinfo=CHINA_TZ))
    assert 'data-testid="hall-calendar-missing"' in page(HALL)


def test_an_older_hall_message_after_a_newer_one_and_a_redelivered_one_change_nothing() -> None:
    departments_make(count=2)
    hall_make()
    relay()
    stored = CentreHall.objects.values().get()
    before = content(HALL)

    # A snapshot stamped before the current one, arriving after it.
    outbox_publish(
        event=HallInfoChanged(
            changed_at=(NOW - dt.timedelta(minutes=5)).isoformat(), hours=[], amenities=[], windows=[], announcements=[]
        )
    )
    relay()
    assert CentreHall.objects.values().get() == stored

    # The newest message once more, and an old one once more, straight to the handler.
    for delivery in (last_delivery(HallInfoChanged.event_type), Delivery.objects.filter(destination="public").first()):
        assert delivery is not None
        envelope = envelope_for(delivery)
        HANDLERS[envelope.event_type](envelope.payload, envelope)
    assert CentreHall.objects.values().get() == stored
    assert content(HALL) == before


# --- the duty roster ----------------------------------------------------------------------------------


def _days(body: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}" data-day="([0-9-]+)"', body)


def test_a_published_roster_shows_the_next_duty_first_then_the_year_with_the_past_folded() -> None:
    departments_make()
    year = roster.roster_generate(year=2026, per_day=3, by=SYSTEM)
    # Generated but not published: nothing goes to the public site.
    assert not OutboxMessage.objects.filter(event_type=RosterPublished.event_type).exists()
    relay()
    assert 'data-testid="public-empty"' in page(ROSTER)

    roster.roster_publish(roster=year, by=SYSTEM)
    relay()
    body = page(ROSTER)
    plan = roster.roster_days(roster=year)
    future = [d.day.isoformat() for d in plan if d.day >= NOW.date()]
    past = [d.day.isoformat() for d in plan if d.day < NOW.date()]
    assert _days(body, "next-day") == future[:1] == ["2026-03-10"]
    assert _days(body, "coming-day") == future[1:]
    assert _days(body, "past-day") == past
    assert body.index('data-testid="next-day"') < body.index('data-testid="coming-day"') < body.index("<details")
    march = next(d for d in plan if d.day.isoformat() == "2026-03-10")
    for assignment in march.assignments:
        assert f"{assignment.department.name}：{assignment.leader.name}（副局长）" in body
    assert CentreDuty.objects.count() == len(roster.roster_plan(roster=year))


def test_every_change_to_a_published_roster_reaches_the_public_page_and_no_phone_ever_does() -> None:
    departments_make()
    year = roster.roster_generate(year=2026, per_day=3, by=SYSTEM)
    roster.roster_publish(roster=year, by=SYSTEM)
    plan = roster.roster_days(roster=year)
    march, april = plan[2].assignments, plan[3].assignments

    # A reassignment: the department's other leader sits in March.
    target = march[0]
    other_leader = other_leader_of(target)
    roster.duty_reassign(assignment=target, leader=other_leader, reason="出差", by=SYSTEM)
    # A swap of a March and an April duty.
    swapped, partner = march[1], april[0]
    roster.duty_swap(assignment=swapped, other=partner, reason="会议冲突", by=SYSTEM)
    # The February duty attended, one absent.
    february = plan[1].assignments
    roster.duty_attendance_record(assignment=february[0], attended=True, note="", by=SYSTEM)
    roster.duty_attendance_record(assignment=february[1], attended=False, note="临时会议", by=SYSTEM)
    relay()

    body = page(ROSTER)
    next_day = body[body.index('data-testid="next-day"') : body.index('data-testid="coming-day"')]
    assert f"{target.department.name}：{other_leader.name}" in next_day
    assert f"{target.department.name}：{target.leader.name}（" not in next_day
    assert f"{partner.department.name}：{partner.leader.name}" in next_day
    assert f"{swapped.department.name}：{swapped.leader.name}" not in next_day
    past = body[body.index("<details") :]
    assert f'data-department="{february[0].department.name}" data-status="attended"' in past
    assert f'data-department="{february[1].department.name}" data-status="absent"' in past
    stored = {(d.day, d.department, d.leader) for d in CentreDuty.objects.all()}
    assert stored == {(a.day, a.department.name, a.leader.name) for a in roster.roster_plan(roster=year)}
    # Neither the page nor any message sent carries a leader's phone.
    phones = leader_phones()
    assert len(phones) == 24
    sent = "".join(str(m.payload) for m in OutboxMessage.objects.filter(event_type=RosterPublished.event_type))
    for phone in phones:
        assert phone not in body
        assert phone not in sent


def test_an_older_roster_message_after_a_newer_one_and_a_redelivered_one_change_nothing() -> None:
    departments_make()
    year = roster.roster_generate(year=2026, per_day=3, by=SYSTEM)
    roster.roster_publish(roster=year, by=SYSTEM)
    relay()
    clock_set(NOW + dt.timedelta(minutes=1))
    target = roster.roster_days(roster=year)[3].assignments[0]
    other_leader = other_leader_of(target)
    roster.duty_reassign(assignment=target, leader=other_leader, reason="出差", by=SYSTEM)
    relay()
    stored = list(CentreDuty.objects.values())
    header = CentreRoster.objects.values().get()
    before = content(ROSTER)

    # The publication's message again (older), then the latest once more: nothing moves.
    first = Delivery.objects.filter(destination="public", message__event_type=RosterPublished.event_type).order_by(
        "id"
    )[0]
    latest = last_delivery(RosterPublished.event_type)
    for delivery in (first, latest):
        envelope = envelope_for(delivery)
        HANDLERS[envelope.event_type](envelope.payload, envelope)
    # A message stamped before the stored one, arriving later through the exchange.
    outbox_publish(
        event=RosterPublished(year=2026, published_at=NOW.isoformat(), changed_at=NOW.isoformat(), duties=[])
    )
    relay()
    assert list(CentreDuty.objects.values()) == stored
    assert CentreRoster.objects.values().get() == header
    assert content(ROSTER) == before


# --- the library --------------------------------------------------------------------------------------


def title(n: int, **changes: Any) -> CatalogueTitleChanged:
    fields: dict[str, Any] = {
        "key": f"B{n}",
        "kind": "book",
        "isbn": f"97875{n:08d}",
        "title": f"书名{n:02d}",
        "author": f"作者{n:02d}",
        "publisher": "人民出版社",
        "year": 2025,
        "category": "D6",
        "call_number": f"D6/{n}",
        "summary": "",
        "recommended_at": None,
        "copies_total": 2,
        "copies_available": 1,
        "changed_at": NOW.isoformat(),
        "withdrawn": False,
    }
    return CatalogueTitleChanged(**{**fields, **changes})


def keys(body: str) -> list[str]:
    return re.findall(r'data-title="([^"]+)"', body)


def test_the_catalogue_is_searchable_with_availability_and_recommendations_first() -> None:
    for n in range(1, 23):
        outbox_publish(event=title(n))
    outbox_publish(
        event=title(
            30,
            title="习近平新时代中国特色社会主义思想学习纲要",
            author="中共中央宣传部",
            isbn="9787514709121",
            category="A8",
            recommended_at=NOW.isoformat(),
        )
    )
    outbox_publish(event=title(31, title="求是", kind="periodical", isbn="", category="D2", copies_available=0))
    relay()

    body = page(LIBRARY)
    assert re.search(r'data-testid="library-total">\s*24\D', body)
    assert keys(body)[0] == "B30"  # the recommendation first
    assert 'data-testid="recommended"' in body
    assert len(keys(body)) == 20
    assert 'rel="next"' in body
    assert keys(page(LIBRARY, page="2")) == ["B20", "B21", "B22", "B31"]

    assert keys(page(LIBRARY, q="中共中央宣传部")) == ["B30"]  # author
    assert keys(page(LIBRARY, q="978-7-5147-0912-1")) == ["B30"]  # ISBN written with hyphens
    assert keys(page(LIBRARY, q="A8")) == ["B30"]  # class
    assert keys(page(LIBRARY, q="纲要 学习")) == ["B30"]  # every word
    assert keys(page(LIBRARY, kind="periodical")) == ["B31"]
    on_shelf = page(LIBRARY, q="求是")
    assert 'data-title="B31" data-available="0"' in on_shelf
    assert keys(page(LIBRARY, q="求是", available="1")) == []
    assert 'data-title="B30" data-available="1"' in page(LIBRARY, q="纲要", available="1")


def test_a_lent_copy_and_a_withdrawn_title_show_and_an_older_message_cannot_bring_it_back() -> None:
    outbox_publish(event=title(1))
    relay()
    later = (NOW + dt.timedelta(minutes=1)).isoformat()
    outbox_publish(event=title(1, copies_available=0, changed_at=later))
    relay()
    assert 'data-title="B1" data-available="0"' in page(LIBRARY, q="书名01")

    outbox_publish(event=title(1, withdrawn=True, changed_at=(NOW + dt.timedelta(minutes=2)).isoformat()))
    relay()
    assert keys(page(LIBRARY, q="书名01")) == []
    outbox_publish(event=title(1, copies_available=2, changed_at=later))  # late, from before the withdrawal
    relay()
    assert keys(page(LIBRARY)) == []
    assert LibraryTitle.objects.get(key="B1").withdrawn


def test_a_malformed_filter_is_refused_in_chinese_not_with_an_error_page() -> None:
    response = Client().get(LIBRARY, {"kind": "dvd"})
    assert response.status_code == 400
    assert "文献类型不存在" in response.content.decode()
    response = Client().get(LIBRARY, {"q": "长" * 150})
    assert response.status_code == 400
    assert "搜索词不能超过100个字符" in response.content.decode()


# --- the demo -----------------------------------------------------------------------------------------


def test_the_centres_demo_ends_up_on_the_public_site_and_a_second_run_sends_nothing(settings: Any) -> None:
    settings.ZHENGWU_DEMO_CENTER_RECORDS = True  # the library's titles too
    call_command("demo", stdout=StringIO())
    centre_events = OutboxMessage.objects.filter(event_type__startswith="center.")
    sent = centre_events.count()
    assert sent > 0
    call_command("demo", stdout=StringIO())
    assert centre_events.count() == sent
    relay()
    body = page(HALL)
    assert 'data-window="A01"' in body
    assert "市发展和改革委员会" in body
    assert "关于延长午间服务时间的公告" in body
    assert "系统升级暂停部分业务的通知" not in body
    roster_body = page(ROSTER)
    assert _days(roster_body, "next-day") == ["2026-03-10"]
    phones = leader_phones()
    assert phones
    for phone in phones:
        assert phone not in roster_body
    home = page("/")
    for url in (HALL, ROSTER, LIBRARY):
        assert f'href="{url}"' in home


def test_the_event_payloads_are_what_the_centres_events_declare() -> None:
    departments_make(count=2)
    hall_make()
    message = OutboxMessage.objects.filter(event_type=HallInfoChanged.event_type).order_by("-id")[0]
    assert set(message.payload) == {f.name for f in dataclasses.fields(HallInfoChanged)}
    assert message.payload["windows"][0] == {
        "number": "A01",
        "department": "测试部门01",
        "floor": "一楼",
        "services": "企业开办",
    }
