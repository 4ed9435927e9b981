"""Keeping the departments, their leaders and the leaders' unavailability: the services and the staff's pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from zhengwu.contexts.center import hall, roster
from zhengwu.contexts.center.models import Department, DutyAssignment, Leader, LeaderUnavailability
from zhengwu.contexts.center.tests.roster_world import (
    SYSTEM,
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    client_for,
    departments_make,
    people_make,
)
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied, ZhengwuError
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

D = dt.date
BASE = "/center/roster/departments/"


@pytest.fixture
def people() -> dict[str, Actor]:
    return people_make()


@pytest.fixture
def staff(people: dict[str, Actor]) -> Actor:
    departments_make(by=people["staff"], count=4, leaders=2)
    return people["staff"]


def _state() -> list[Any]:
    return [
        *Department.objects.order_by("id").values_list("id", "code", "name", "stationed", "order"),
        *Leader.objects.order_by("id").values_list(
            "id", "department_id", "name", "title", "phone", "user_id", "active"
        ),
        *LeaderUnavailability.objects.order_by("id").values_list("id", "leader_id", "start", "end", "reason"),
        ("audit", AuditEntry.objects.count()),
    ]


def _audit(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("position")


# --- services ------------------------------------------------------------------------------------


def test_a_department_is_renamed_reordered_and_taken_out_of_the_hall(staff: Actor) -> None:
    department = Department.objects.get(code="D02")
    roster.department_update(department=department, code="SJ", name="市税务局", stationed=False, order=9, by=staff)
    department.refresh_from_db()
    assert (department.code, department.name, department.stationed, department.order) == ("SJ", "市税务局", False, 9)
    entry = _audit("center.department.update")
    assert entry.before == {"code": "D02", "name": "测试部门02", "stationed": True, "order": 2}
    assert entry.after == {"code": "SJ", "name": "市税务局", "stationed": False, "order": 9}
    # No longer stationed: the next roster leaves it out.
    roster.roster_generate(year=2026, per_day=1, by=staff)
    assert not DutyAssignment.objects.filter(department=department).exists()
    assert DutyAssignment.objects.filter(roster__year=2026).values("department").distinct().count() == 3


def test_updates_refuse_taken_codes_bad_order_unknown_accounts(staff: Actor) -> None:
    department = Department.objects.get(code="D02")
    before = _state()
    for kwargs, code in (
        ({"code": "D01", "name": "新名"}, "roster_department_exists"),
        ({"code": "D02", "name": "测试部门03"}, "roster_department_exists"),
        ({"code": "D01L1", "name": "新名"}, "roster_code_taken"),
        ({"code": "", "name": "新名"}, "roster_field_required"),
        ({"code": "D02", "name": "名" * 101}, "roster_field_too_long"),
    ):
        with pytest.raises(ZhengwuError) as error:
            roster.department_update(department=department, stationed=True, order=2, by=staff, **kwargs)
        assert error.value.code == code
    with pytest.raises(InvalidInput) as bad:
        roster.department_update(department=department, code="D02", name="x", stationed=True, order=-1, by=staff)
    assert bad.value.code == "roster_order_invalid"
    leader = Leader.objects.get(code="D02L1")
    with pytest.raises(ZhengwuError) as nobody:
        roster.leader_update(
            leader=leader, department=department, name="某", title="局长", phone="", user_id=987654, by=staff
        )
    assert nobody.value.code == "user_not_found"
    with pytest.raises(InvalidInput) as long_phone:
        roster.leader_update(
            leader=leader, department=department, name="某", title="局长", phone="1" * 21, user_id=None, by=staff
        )
    assert long_phone.value.code == "roster_field_too_long"
    assert _state() == before


def test_a_leader_is_edited_linked_to_an_account_and_moved(staff: Actor) -> None:
    leader = Leader.objects.get(code="D01L2")
    account = user_get(username="dept")
    other = Department.objects.get(code="D03")
    roster.leader_update(
        leader=leader, department=other, name="王某", title="局长", phone=" 13800000000 ", user_id=account.pk, by=staff
    )
    leader.refresh_from_db()
    assert (leader.department_id, leader.name, leader.title, leader.phone, leader.user_id) == (
        other.pk,
        "王某",
        "局长",
        "13800000000",
        account.pk,
    )
    entry = _audit("center.leader.update")
    assert (entry.before["department"], entry.after["department"], entry.after["user_id"]) == ("D01", "D03", account.pk)
    roster.leader_update(leader=leader, department=other, name="王某", title="局长", phone="", user_id=None, by=staff)
    leader.refresh_from_db()
    assert (leader.phone, leader.user_id) == ("", None)


def test_a_leader_with_a_coming_duty_keeps_department_and_post_until_reassigned(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=1, by=staff)
    # 2026: D01 on 01-12 (past), D02 on 02-10 (past), D03 on 03-10 (coming), D04 on 04-10, D01 again …
    duty = DutyAssignment.objects.select_related("leader").get(roster__year=2026, day=D(2026, 3, 10))
    assert duty.department.code == "D03"
    leader = duty.leader
    coming = list(DutyAssignment.objects.filter(leader=leader, day__gt=D(2026, 3, 2)).order_by("day"))
    assert coming[0] == duty
    before = _state()
    with pytest.raises(Conflict) as moved:
        roster.leader_update(
            leader=leader,
            department=Department.objects.get(code="D01"),
            name=leader.name,
            title=leader.title,
            phone="",
            user_id=None,
            by=staff,
        )
    assert moved.value.code == "roster_leader_has_duties"
    with pytest.raises(Conflict) as gone:
        roster.leader_deactivate(leader=leader, by=staff)
    assert gone.value.code == "roster_leader_has_duties"
    assert gone.value.detail == {"days": [item.day.isoformat() for item in coming]}
    assert _state() == before
    # Once the duties are given to a colleague, the leader may go.
    colleague = Leader.objects.exclude(pk=leader.pk).get(department__code="D03")
    for item in coming:
        roster.duty_reassign(assignment=item, leader=colleague, reason="调任", by=staff)
    roster.leader_deactivate(leader=leader, by=staff)
    leader.refresh_from_db()
    assert leader.active is False
    assert _audit("center.leader.deactivate").object_id == str(leader.pk)
    with pytest.raises(Conflict) as again:
        roster.leader_deactivate(leader=leader, by=staff)
    assert again.value.code == "roster_leader_inactive"
    roster.leader_reactivate(leader=leader, by=staff)
    leader.refresh_from_db()
    assert leader.active is True
    with pytest.raises(Conflict):
        roster.leader_reactivate(leader=leader, by=staff)


def test_a_deactivated_leader_is_left_out_of_the_next_roster(staff: Actor) -> None:
    roster.leader_deactivate(leader=Leader.objects.get(code="D01L1"), by=staff)
    roster.roster_generate(year=2026, per_day=1, by=staff)
    assert DutyAssignment.objects.filter(department__code="D01").earliest("day").leader.code == "D01L2"


def test_withdrawn_unavailability_no_longer_keeps_the_leader_off(staff: Actor) -> None:
    leader = Leader.objects.get(code="D01L1")
    entry = roster.unavailability_declare(
        leader=leader, start=D(2026, 1, 1), end=D(2026, 1, 31), reason="出差", by=staff
    )
    roster.unavailability_withdraw(entry=entry, by=staff)
    assert not LeaderUnavailability.objects.exists()
    audit = _audit("center.leader.unavailability_withdraw")
    assert (audit.object_id, audit.before["reason"]) == (str(leader.pk), "出差")
    with pytest.raises(ZhengwuError) as twice:
        roster.unavailability_withdraw(entry=entry, by=staff)
    assert twice.value.code == "roster_unavailability_missing"
    roster.roster_generate(year=2026, per_day=1, by=staff)
    assert DutyAssignment.objects.filter(department__code="D01").earliest("day").leader.code == "D01L1"


@pytest.mark.parametrize("key", ["dept", "leader", "bidder"])
def test_only_staff_keep_departments_and_leaders(people: dict[str, Actor], key: str) -> None:
    departments_make(by=people["staff"], count=2, leaders=2)
    entry = roster.unavailability_declare(
        leader=Leader.objects.get(code="D01L1"), start=D(2026, 5, 1), end=D(2026, 5, 3), reason="会议", by=SYSTEM
    )
    actor = people[key]
    department = Department.objects.get(code="D01")
    leader = Leader.objects.get(code="D01L2")
    attempts: tuple[Callable[[], object], ...] = (
        lambda: roster.department_update(department=department, code="X", name="X", stationed=False, order=1, by=actor),
        lambda: roster.leader_update(
            leader=leader, department=department, name="X", title="X", phone="", user_id=None, by=actor
        ),
        lambda: roster.leader_deactivate(leader=leader, by=actor),
        lambda: roster.leader_reactivate(leader=leader, by=actor),
        lambda: roster.unavailability_withdraw(entry=entry, by=actor),
    )
    before = _state()
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as error:
            attempt()
        assert error.value.code == "roster_permission_denied"
    assert _state() == before


# --- pages ---------------------------------------------------------------------------------------


def test_staff_register_a_department_and_its_leader_on_the_pages(staff: Actor) -> None:
    client = client_for("staff")
    home = client.get("/center/roster/").content.decode()
    assert 'data-testid="departments-link"' in home
    page = client.get(BASE)
    assert page.status_code == 200
    assert page.content.decode().count("data-department=") == 4
    response = client.post(BASE + "new/", {"code": "GA", "name": "市公安局", "order": "5"})
    department = Department.objects.get(code="GA")
    assert (response.status_code, response["Location"]) == (302, f"{BASE}{department.pk}/")
    assert (department.name, department.order, department.stationed) == ("市公安局", 5, False)
    response = client.post(BASE + "new/", {"code": "ZJ", "name": "市住建局", "order": "6", "stationed": "on"})
    assert Department.objects.get(code="ZJ").stationed is True
    response = client.post(
        f"{BASE}{department.pk}/leaders/",
        {"code": "GA1", "name": "李某", "title": "副局长", "phone": "0871-1", "username": "dept"},
    )
    assert response.status_code == 302
    leader = Leader.objects.get(code="GA1")
    assert (leader.department_id, leader.user_id) == (department.pk, user_get(username="dept").pk)
    page = client.get(f"{BASE}{department.pk}/").content.decode()
    assert 'data-leader="GA1" data-active="yes"' in page
    leader_page = client.get(f"{BASE}leaders/{leader.pk}/").content.decode()
    assert 'value="dept"' in leader_page
    response = client.post(
        f"{BASE}{department.pk}/edit/", {"code": "GA", "name": "市公安局", "order": "5", "stationed": "on"}
    )
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.stationed is True


def test_refusals_are_shown_on_the_page_in_chinese_nothing_changed(staff: Actor) -> None:
    client = client_for("staff")
    department = Department.objects.get(code="D01")
    before = _state()
    response = client.post(BASE + "new/", {"code": "D01", "name": "重复", "order": "1", "stationed": "on"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-code="roster_department_exists"' in body
    assert "已登记" in body
    assert 'value="重复"' in body  # the typed value is kept
    response = client.post(BASE + "new/", {"code": "X9", "name": "某局", "order": "abc"})
    assert 'data-code="roster_field_not_integer"' in response.content.decode()
    response = client.post(
        f"{BASE}{department.pk}/leaders/", {"code": "Z1", "name": "赵某", "title": "局长", "username": "nobody"}
    )
    assert response.status_code == 404
    body = response.content.decode()
    assert "账号不存在" in body
    # The typed leader stays in the leader's form; the department's form keeps the department.
    assert 'name="code" maxlength="20" required value="Z1"' in body
    assert 'name="code" maxlength="20" required value="D01"' in body
    leader = Leader.objects.get(code="D01L1")
    response = client.post(
        f"{BASE}leaders/{leader.pk}/unavailability/", {"start": "2026-05-03", "end": "2026-05-01", "reason": "会议"}
    )
    assert response.status_code == 400
    assert 'data-code="roster_unavailability_range"' in response.content.decode()
    response = client.post(f"{BASE}leaders/{leader.pk}/unavailability/", {"start": "5月3日", "end": "", "reason": "x"})
    assert 'data-code="roster_date_invalid"' in response.content.decode()
    assert client.get(f"{BASE}9999/").status_code == 404
    assert _state() == before


def test_staff_declare_and_withdraw_unavailability_and_deactivate_on_the_leader_page(staff: Actor) -> None:
    client = client_for("staff")
    leader = Leader.objects.get(code="D02L1")
    url = f"{BASE}leaders/{leader.pk}/"
    response = client.post(url + "unavailability/", {"start": "2026-04-01", "end": "2026-04-15", "reason": "外出学习"})
    assert (response.status_code, response["Location"]) == (302, url)
    entry = LeaderUnavailability.objects.get()
    assert (entry.leader_id, entry.start, entry.end, entry.reason, entry.entered_by) == (
        leader.pk,
        D(2026, 4, 1),
        D(2026, 4, 15),
        "外出学习",
        "staff",
    )
    assert "外出学习" in client.get(url).content.decode()
    # Another leader's entry is not withdrawn through this leader's page.
    other = Leader.objects.get(code="D03L1")
    assert client.post(f"{BASE}leaders/{other.pk}/unavailability/{entry.pk}/withdraw/").status_code == 404
    assert LeaderUnavailability.objects.exists()
    assert client.post(f"{url}unavailability/{entry.pk}/withdraw/").status_code == 302
    assert not LeaderUnavailability.objects.exists()
    assert client.post(url + "deactivate/").status_code == 302
    leader.refresh_from_db()
    assert leader.active is False
    assert 'data-active="no"' in client.get(url).content.decode()
    assert client.post(url + "reactivate/").status_code == 302
    leader.refresh_from_db()
    assert leader.active is True


@pytest.mark.parametrize("key", ["dept", "leader"])
def test_other_roles_are_refused_the_pages(staff: Actor, key: str) -> None:
    client = client_for(key)
    department = Department.objects.get(code="D01")
    before = _state()
    assert client.get(BASE).status_code == 403
    assert client.post(BASE + "new/", {"code": "X", "name": "X", "order": "1"}).status_code == 403
    assert client.post(f"{BASE}{department.pk}/edit/", {"code": "X", "name": "X", "order": "1"}).status_code == 403
    assert 'data-testid="departments-link"' not in client.get("/center/roster/").content.decode()
    assert _state() == before


def _last_payload(event_type: str) -> dict[str, Any]:
    message = OutboxMessage.objects.filter(event_type=event_type).order_by("-id").first()
    assert message is not None
    return message.payload


def test_renaming_a_leader_or_department_sends_the_public_copies_again(staff: Actor) -> None:
    year = roster.roster_generate(year=2026, per_day=2, by=staff)
    roster.roster_publish(roster=year, by=staff)
    department = Department.objects.get(code="D01")
    hall.window_save(number="A01", department=department, floor="一楼", services="企业开办", by=staff)
    leader = DutyAssignment.objects.filter(roster=year, department=department).first().leader  # type: ignore[union-attr]
    rosters_before = OutboxMessage.objects.filter(event_type="center.roster.published").count()

    roster.leader_update(
        leader=leader, department=department, name="张新", title="局长", phone="", user_id=None, by=staff
    )
    duties = _last_payload("center.roster.published")["duties"]
    assert {"leader": "张新", "title": "局长"}.items() <= next(d for d in duties if d["leader"] == "张新").items()
    assert leader.name not in {d["leader"] for d in duties}
    # A phone change alone is nobody's business on the public site: nothing is sent.
    roster.leader_update(
        leader=leader, department=department, name="张新", title="局长", phone="13900000000", user_id=None, by=staff
    )
    assert OutboxMessage.objects.filter(event_type="center.roster.published").count() == rosters_before + 1

    roster.department_update(department=department, code="D01", name="市政务服务局", stationed=True, order=1, by=staff)
    assert {d["department"] for d in _last_payload("center.roster.published")["duties"]} >= {"市政务服务局"}
    windows = _last_payload("center.hall.changed")["windows"]
    assert [(w["number"], w["department"]) for w in windows] == [("A01", "市政务服务局")]
