"""The roster's pages: staff generate, publish and change; readers read; the public sees the coming days."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.models import DutyAssignment, DutyChange, DutyIssue, Leader, RosterYear
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    client_for,
    departments_make,
    people_make,
)
from zhengwu.kernel.actor import Actor
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.web.exports import XLSX_CONTENT_TYPE

pytestmark = pytest.mark.django_db

BASE = "/center/roster/"


@pytest.fixture
def staff() -> Actor:
    people = people_make()
    departments_make(by=people["staff"])
    return people["staff"]


def _duty(department: str) -> DutyAssignment:
    return DutyAssignment.objects.get(roster__year=2026, department__code=department)


def test_staff_generate_and_publish_through_the_page(staff: Actor) -> None:
    client = client_for("staff")
    page = client.get(BASE).content.decode()
    assert 'data-testid="roster-generate"' in page
    assert 'data-testid="roster-missing"' in page
    response = client.post(BASE + "generate/", {"year": "2026", "per_day": "3"})
    assert (response.status_code, response["Location"]) == (302, BASE + "?year=2026")
    assert DutyAssignment.objects.filter(roster__year=2026).count() == 36
    page = client.get(response["Location"]).content.decode()
    assert len(re.findall(r'data-assignment="\d+"', page)) == 36
    assert 'data-testid="department-spread">0<' in page
    assert 'data-published="no"' in page
    again = client.post(BASE + "generate/", {"year": "2026", "per_day": "2"})
    assert again.status_code == 400
    assert "2026年值班表已生成" in again.content.decode()
    assert RosterYear.objects.get().per_day == 3
    assert client.post(BASE + "publish/", {"year": "2026"}).status_code == 302
    assert RosterYear.objects.get().published_at is not None
    assert 'data-published="yes"' in client.get(BASE + "?year=2026").content.decode()


def test_a_bad_form_is_shown_again_with_its_reason(staff: Actor) -> None:
    client = client_for("staff")
    response = client.post(BASE + "generate/", {"year": "2026", "per_day": "x"})
    assert response.status_code == 400
    assert 'data-code="roster_field_not_integer"' in response.content.decode()
    response = client.post(BASE + "generate/", {"year": "2026", "per_day": "40"})
    assert response.status_code == 400
    assert 'data-code="roster_per_day_too_many"' in response.content.decode()
    assert not RosterYear.objects.exists()


def test_public_page_shows_only_published_coming_days_without_login(staff: Actor) -> None:
    generated = roster.roster_generate(year=2026, per_day=3, by=staff)
    public = Client()
    page = public.get(BASE + "public/")
    assert page.status_code == 200
    assert 'data-testid="public-empty"' in page.content.decode()
    roster.roster_publish(roster=generated, by=staff)
    page = public.get(BASE + "public/").content.decode()
    days = re.findall(r'data-testid="public-day" data-day="([0-9-]+)"', page)
    # The clock stands at 2026-03-02: January and February are past.
    assert days[0] == "2026-03-10"
    assert len(days) == 10
    assert all(day >= "2026-03-02" for day in days)
    assert "领导071" in page  # D07's first leader sits in the hall on 2026-03-10
    assert "领导011" not in page  # D01 served in January
    # The year plan itself still needs a sign-in.
    assert public.get(BASE).status_code == 302


def test_department_user_reads_but_cannot_change(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    reader = client_for("dept")
    page = reader.get(BASE + "?year=2026")
    assert page.status_code == 200
    assert 'data-testid="roster-generate"' not in page.content.decode()
    duty = _duty("D10")
    detail = reader.get(f"{BASE}{duty.pk}/").content.decode()
    assert 'data-testid="duty-change"' not in detail
    audit = AuditEntry.objects.count()
    posts = (
        (BASE + "generate/", {"year": "2025", "per_day": "3"}),
        (BASE + "publish/", {"year": "2026"}),
        (f"{BASE}{duty.pk}/swap/", {"other": str(_duty("D13").pk), "reason": "理由"}),
        (f"{BASE}{duty.pk}/reassign/", {"leader": str(Leader.objects.get(code="D10L2").pk), "reason": "理由"}),
        (f"{BASE}{_duty('D01').pk}/attendance/", {"attended": "yes"}),
        (f"{BASE}{_duty('D01').pk}/issues/", {"summary": "问题"}),
    )
    for url, data in posts:
        assert reader.post(url, data).status_code == 403
    assert not RosterYear.objects.filter(year=2025).exists()
    assert RosterYear.objects.get(year=2026).published_at is None
    duty.refresh_from_db()
    assert (duty.day, duty.leader.code) == (dt.date(2026, 4, 10), "D10L1")
    assert (DutyChange.objects.count(), DutyIssue.objects.count(), AuditEntry.objects.count()) == (0, 0, audit)
    assert client_for("leader").get(BASE).status_code == 200
    assert client_for("bidder").get(BASE).status_code == 403


def test_staff_swap_reassign_attendance_and_issues_through_the_detail_page(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    client = client_for("staff")
    april, may = _duty("D10"), _duty("D13")
    refused = client.post(f"{BASE}{april.pk}/swap/", {"other": str(may.pk), "reason": " "})
    assert refused.status_code == 400
    assert "调整值班安排必须填写理由" in refused.content.decode()
    assert client.post(f"{BASE}{april.pk}/swap/", {"other": str(may.pk), "reason": "督查"}).status_code == 302
    april.refresh_from_db()
    assert april.day == dt.date(2026, 5, 11)
    leader = Leader.objects.get(code="D10L2")
    assert client.post(f"{BASE}{april.pk}/reassign/", {"leader": str(leader.pk), "reason": "借调"}).status_code == 302
    april.refresh_from_db()
    assert april.leader_id == leader.pk
    detail = client.get(f"{BASE}{april.pk}/").content.decode()
    assert detail.count('data-kind="swap"') == 1
    assert detail.count('data-kind="reassign"') == 1
    early = client.post(f"{BASE}{april.pk}/attendance/", {"attended": "yes"})
    assert early.status_code == 400
    assert 'data-code="roster_attendance_too_early"' in early.content.decode()
    january = _duty("D01")
    assert client.post(f"{BASE}{january.pk}/attendance/", {"attended": "no", "note": "外出"}).status_code == 302
    assert client.post(f"{BASE}{january.pk}/issues/", {"summary": "停车难", "raised_by": "市民"}).status_code == 302
    issue = DutyIssue.objects.get()
    url = f"{BASE}{january.pk}/issues/{issue.pk}/resolve/"
    assert client.post(url, {"follow_up": "已协调增设车位"}).status_code == 302
    january.refresh_from_db()
    issue.refresh_from_db()
    assert (january.status, january.attendance_note, issue.status) == ("absent", "外出", "resolved")
    assert client.get(f"{BASE}999999/").status_code == 404


def test_export_the_year_plan(staff: Actor) -> None:
    roster.roster_generate(year=2026, per_day=3, by=staff)
    response = client_for("dept").get(BASE + "export/?year=2026")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("值班日期", "部门", "值班领导", "职务", "状态", "到岗说明")
    assert len(rows) == 37
    assert rows[1][:5] == ("2026-01-12", "测试部门01", "领导011", "副局长", "待值班")
    assert client_for("dept").get(BASE + "export/?year=2030").status_code == 404
