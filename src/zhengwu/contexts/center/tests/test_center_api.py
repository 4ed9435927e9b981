"""The centre's API: the roster (duties, departments, the staff's changes) and the hall (information, notices)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.center import hall, roster
from zhengwu.contexts.center.models import Announcement, DutyAssignment, DutyChange, Leader, RosterYear
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    client_for,
    departments_make,
    people_make,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/center/api/center"
D = dt.date


@pytest.fixture
def staff() -> Actor:
    people = people_make()
    departments_make(by=people["staff"])
    return people["staff"]


@pytest.fixture
def generated(staff: Actor) -> RosterYear:
    return roster.roster_generate(year=2026, per_day=3, by=staff)


def _post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(API + path, json.dumps(body), content_type="application/json")


def _duty(department: str) -> DutyAssignment:
    return DutyAssignment.objects.select_related("leader").get(roster__year=2026, department__code=department)


def _roster_state() -> list[Any]:
    return [
        *DutyAssignment.objects.order_by("id").values_list("id", "day", "leader_id", "status", "attendance_note"),
        ("changes", DutyChange.objects.count()),
        ("audit", AuditEntry.objects.count()),
    ]


# --- the roster ----------------------------------------------------------------------------------


def test_an_unpublished_year_is_for_staff_a_published_one_for_everyone(staff: Actor, generated: RosterYear) -> None:
    public, dept = Client(), client_for("dept")
    for client in (public, dept):
        refused = client.get(f"{API}/roster/duties?year=2026")
        assert refused.status_code == 404
        assert refused.json()["code"] == "roster_year_unpublished"
    body = client_for("staff").get(f"{API}/roster/duties?year=2026").json()
    assert (body["year"], body["per_day"], body["published"]) == (2026, 3, False)
    assert len(body["duties"]) == 36
    first = body["duties"][0]
    stored = _duty("D01")
    assert first == {
        "id": stored.pk,
        "day": "2026-01-12",
        "department_code": "D01",
        "department_name": "测试部门01",
        "leader_code": stored.leader.code,
        "leader_name": stored.leader.name,
        "leader_title": "副局长",
        "status": "planned",
    }
    roster.roster_publish(roster=generated, by=staff)
    body = public.get(f"{API}/roster/duties?year=2026").json()
    assert body["published"] is True
    assert [d["day"] for d in body["duties"]] == [a.day.isoformat() for a in roster.roster_plan(roster=generated)]
    # Without a year: the current one (the clock says 2026).
    assert public.get(f"{API}/roster/duties").json()["year"] == 2026
    missing = public.get(f"{API}/roster/duties?year=2030")
    assert (missing.status_code, missing.json()["code"]) == (404, "roster_year_missing")
    bad = public.get(f"{API}/roster/duties?year=abc")
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")


def test_the_departments_list_hides_phones_and_former_leaders_from_all_but_staff(staff: Actor) -> None:
    leader = Leader.objects.get(code="D01L3")
    roster.leader_update(
        leader=leader, department=leader.department, name=leader.name, title="局长", phone="138", user_id=None, by=staff
    )
    roster.leader_deactivate(leader=Leader.objects.get(code="D01L2"), by=staff)
    public = Client().get(f"{API}/roster/departments").json()
    assert len(public) == 36
    assert public[0]["code"] == "D01"
    assert [(item["code"], item["phone"]) for item in public[0]["leaders"]] == [("D01L1", None), ("D01L3", None)]
    inside = client_for("staff").get(f"{API}/roster/departments").json()
    assert [(item["code"], item["active"], item["phone"]) for item in inside[0]["leaders"]] == [
        ("D01L1", True, ""),
        ("D01L2", False, ""),
        ("D01L3", True, "138"),
    ]


def test_staff_swap_reassign_and_record_attendance_through_the_api(staff: Actor, generated: RosterYear) -> None:
    client = client_for("staff")
    march, april = _duty("D07"), _duty("D10")
    assert (march.day, april.day) == (D(2026, 3, 10), D(2026, 4, 10))
    response = _post(client, f"/roster/duties/{march.pk}/swap", {"other": april.pk, "reason": "外出开会"})
    assert response.status_code == 200, response.json()
    assert [(d["department_code"], d["day"]) for d in response.json()] == [("D07", "2026-04-10"), ("D10", "2026-03-10")]
    assert (_duty("D07").day, _duty("D10").day) == (D(2026, 4, 10), D(2026, 3, 10))
    assert DutyChange.objects.filter(kind="swap", reason="外出开会").count() == 2

    colleague = Leader.objects.exclude(pk=march.leader_id).filter(department__code="D07").first()
    assert colleague is not None
    response = _post(client, f"/roster/duties/{march.pk}/reassign", {"leader": colleague.code, "reason": "调整分工"})
    assert response.status_code == 200, response.json()
    assert response.json()["leader_code"] == colleague.code == _duty("D07").leader.code

    past = _duty("D01")  # 2026-01-12, before the clock's 2026-03-02
    response = _post(client, f"/roster/duties/{past.pk}/attendance", {"attended": False, "note": "临时请假"})
    assert response.status_code == 200
    assert response.json()["status"] == "absent"
    assert (_duty("D01").status, _duty("D01").attendance_note) == ("absent", "临时请假")


def test_the_apis_refusals_have_codes_and_change_nothing(staff: Actor, generated: RosterYear) -> None:
    client = client_for("staff")
    march, april = _duty("D07"), _duty("D10")
    before = _roster_state()
    cases = [
        (f"/roster/duties/{march.pk}/swap", {"other": march.pk, "reason": "x"}, 400, "roster_swap_same_day"),
        (f"/roster/duties/{march.pk}/swap", {"other": 99999, "reason": "x"}, 404, "roster_assignment_missing"),
        (f"/roster/duties/{march.pk}/reassign", {"leader": "NOPE", "reason": "x"}, 404, "roster_leader_missing"),
        (f"/roster/duties/{april.pk}/attendance", {"attended": True}, 400, "roster_attendance_too_early"),
        (f"/roster/duties/{march.pk}/swap", {"reason": "x"}, 422, "invalid_input"),
    ]
    for path, body, status, code in cases:
        response = _post(client, path, body)
        assert (response.status_code, response.json()["code"]) == (status, code), path
        assert response.json()["message"]
    for client_, status, code in (
        (Client(), 401, "not_authenticated"),
        (client_for("dept"), 403, "roster_permission_denied"),
        (client_for("leader"), 403, "roster_permission_denied"),
    ):
        response = _post(client_, f"/roster/duties/{march.pk}/swap", {"other": april.pk, "reason": "x"})
        assert (response.status_code, response.json()["code"]) == (status, code)
        response = _post(client_, f"/roster/duties/{march.pk}/attendance", {"attended": True})
        assert response.status_code == status
    assert _roster_state() == before


# --- the hall ------------------------------------------------------------------------------------


def test_the_hall_information_is_public(staff: Actor) -> None:
    hall.opening_hours_set(weekday=1, opens=dt.time(9), closes=dt.time(17), note="", by=staff)
    hall.announcement_publish(title="系统升级", body="周六暂停办理", pinned=True, expires_at=None, by=staff)
    body = Client().get(f"{API}/hall/").json()
    assert body["week"][0] == {"weekday": 1, "label": "星期一", "opens": "09:00", "closes": "17:00", "note": ""}
    assert body["week"][6]["opens"] is None
    # 2026-03-02 10:00 is a Monday: open.
    assert (body["state"]["open_now"], body["state"]["reason"], body["state"]["today"]) == (True, "open", "2026-03-02")
    assert [(a["title"], a["pinned"]) for a in body["announcements"]] == [("系统升级", True)]


def test_staff_publish_an_announcement_through_the_api(staff: Actor) -> None:
    client = client_for("staff")
    expires = dt.datetime(2026, 3, 9, 18, 0, tzinfo=CHINA_TZ)
    response = _post(
        client, "/hall/announcements", {"title": "停车场施工", "body": "请走北门", "expires_at": expires.isoformat()}
    )
    assert response.status_code == 201, response.json()
    row = Announcement.objects.get()
    assert (row.title, row.body, row.pinned, row.expires_at, row.author) == (
        "停车场施工",
        "请走北门",
        False,
        expires,
        "staff",
    )
    assert response.json()["id"] == row.pk
    assert [a["title"] for a in Client().get(f"{API}/hall/").json()["announcements"]] == ["停车场施工"]


def test_an_announcement_is_refused_to_others_and_to_bad_input(staff: Actor) -> None:
    before = (Announcement.objects.count(), AuditEntry.objects.count())
    for client, status, code in (
        (Client(), 401, "not_authenticated"),
        (client_for("dept"), 403, "centre_staff_required"),
        (client_for("staff"), 400, "announcement_title_required"),
    ):
        response = _post(client, "/hall/announcements", {"title": "" if status == 400 else "通知", "body": "正文"})
        assert (response.status_code, response.json()["code"]) == (status, code)
    naive = _post(
        client_for("staff"), "/hall/announcements", {"title": "t", "body": "b", "expires_at": "2026-04-01T10:00"}
    )
    assert (naive.status_code, naive.json()["code"]) == (400, "announcement_expiry_naive")
    assert (Announcement.objects.count(), AuditEntry.objects.count()) == before
