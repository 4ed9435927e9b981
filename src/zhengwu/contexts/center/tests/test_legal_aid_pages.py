"""The legal-aid desk's pages and API for its staff: record, apply, decide, export, the statistics.

A bad form comes back with its Chinese reason and what was typed; nothing is stored.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.test import Client

from zhengwu.contexts.center import legal_aid
from zhengwu.contexts.center.models import Consultation, LegalAidCase
from zhengwu.contexts.center.tests.legal_aid_world import APPLICANT, ID_NUMBER, PHONE, application, people_make
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    client_for,
)
from zhengwu.kernel.actor import Actor
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.web.exports import XLSX_CONTENT_TYPE

pytestmark = pytest.mark.django_db

BASE = "/center/legal-aid/"
API = "/center/api/center/legal-aid/"


@pytest.fixture
def desk() -> Actor:
    return people_make()["legalaid"]


@pytest.fixture
def client(desk: Actor) -> Client:
    return client_for("legalaid")


def _apply_form(**overrides: str) -> dict[str, str]:
    form = {
        "applicant_name": APPLICANT,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "case_type": "wages",
        "household_size": "3",
        "monthly_income": "4500.00",
        "exempt_category": "",
        "summary": "追索拖欠工资。",
    }
    form.update(overrides)
    return form


def _sheet(response: object) -> list[tuple[object, ...]]:
    assert response["Content-Type"] == XLSX_CONTENT_TYPE  # type: ignore[index]
    book = openpyxl.load_workbook(io.BytesIO(response.content))  # type: ignore[attr-defined]
    return list(book.active.iter_rows(values_only=True))


def test_the_desk_home_and_the_nav_link(client: Client, desk: Actor) -> None:
    application(desk)
    page = client.get(BASE)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="nav-legal-aid"' in text
    assert 'data-case="FY2026-0001"' in text


def test_a_consultation_is_recorded_through_the_form(client: Client) -> None:
    form = client.get(BASE + "consultations/new/").content.decode()
    assert 'name="consulted_at" value="2026-03-02T10:00"' in form
    response = client.post(
        BASE + "consultations/new/",
        {
            "person_name": "赵咨询",
            "phone": "13700001111",
            "topic": "labour",
            "consulted_at": "2026-03-02T09:30",
            "question": "单位拖欠加班费",
            "advice": "可申请劳动仲裁",
        },
    )
    assert (response.status_code, response["Location"]) == (302, BASE + "consultations/")
    consultation = Consultation.objects.get()
    assert (consultation.person_name, consultation.topic, consultation.staff) == ("赵咨询", "labour", "legalaid")
    listing = client.get(BASE + "consultations/", {"month": "2026-03", "topic": "labour"}).content.decode()
    assert f'data-consultation="{consultation.pk}"' in listing
    assert 'data-testid="empty"' in client.get(BASE + "consultations/", {"topic": "wages"}).content.decode()


def test_a_bad_consultation_form_keeps_what_was_typed(client: Client) -> None:
    response = client.post(
        BASE + "consultations/new/",
        {"person_name": "赵咨询", "phone": "x", "topic": "labour", "question": "单位拖欠加班费", "advice": "仲裁"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-code="legal_aid_phone_invalid"' in text
    assert "联系电话" in text
    assert "单位拖欠加班费" in text
    assert 'value="赵咨询"' in text
    bad_time = client.post(
        BASE + "consultations/new/",
        {"person_name": "赵", "topic": "labour", "question": "问", "advice": "答", "consulted_at": "昨天"},
    )
    assert bad_time.status_code == 400
    assert 'data-code="legal_aid_time_invalid"' in bad_time.content.decode()
    assert client.get(BASE + "consultations/", {"month": "2026-99"}).status_code == 400
    assert not Consultation.objects.exists()


def test_consultations_page_and_export(client: Client, desk: Actor) -> None:
    for n in range(23):
        legal_aid.consultation_record(
            person_name=f"咨询人{n:02d}",
            phone="",
            topic="labour" if n % 2 else "wages",
            question="问",
            advice="答",
            by=desk,
        )
    first = client.get(BASE + "consultations/").content.decode()
    assert len(re.findall(r'data-consultation="\d+"', first)) == 20
    assert 'data-testid="pager">1 / 2<' in first
    second = client.get(BASE + "consultations/", {"page": "2"}).content.decode()
    assert len(re.findall(r'data-consultation="\d+"', second)) == 3
    rows = _sheet(client.get(BASE + "consultations/export/", {"topic": "labour"}))
    assert rows[0][:4] == ("编号", "咨询时间", "咨询人", "联系电话")
    assert len(rows) == 1 + 11
    assert AuditEntry.objects.filter(action="center.legal_aid.consultations.export").get().after == {"rows": 11}


def test_an_application_is_registered_and_taken_to_acceptance(client: Client) -> None:
    form = client.get(BASE + "cases/new/").content.decode()
    assert "1990.00" in form  # the standard in force, shown to the staff
    response = client.post(BASE + "cases/new/", _apply_form())
    assert (response.status_code, response["Location"]) == (302, BASE + "cases/FY2026-0001/")
    case = LegalAidCase.objects.get()
    assert (case.monthly_income_fen, case.household_size, case.eligible) == (450_000, 3, True)
    page = client.get(response["Location"]).content.decode()
    assert ID_NUMBER not in page
    assert ID_NUMBER[:6] + "********" + ID_NUMBER[-4:] in page
    assert 'data-testid="review-deadline">2026-03-11<' in page
    assert 'data-testid="review-begin"' in page
    assert 'data-testid="review-form"' not in page
    assert client.post(BASE + "cases/FY2026-0001/review-begin/").status_code == 302
    page = client.get(BASE + "cases/FY2026-0001/").content.decode()
    assert 'data-testid="review-form"' in page
    refused = client.post(BASE + "cases/FY2026-0001/review/", {"decision": "accept", "reason": ""})
    assert refused.status_code == 400
    assert 'data-code="legal_aid_field_required"' in refused.content.decode()
    accepted = client.post(BASE + "cases/FY2026-0001/review/", {"decision": "accept", "reason": "符合条件"})
    assert accepted.status_code == 302
    case.refresh_from_db()
    assert case.status == "accepted"
    out_of_order = client.post(BASE + "cases/FY2026-0001/close/", {"outcome": "结案"})
    assert out_of_order.status_code == 400
    assert 'data-code="legal_aid_transition_forbidden"' in out_of_order.content.decode()
    client.post(BASE + "cases/FY2026-0001/assign/", {"lawyer_name": "杨晓东", "lawyer_firm": "云南某律师事务所"})
    client.post(BASE + "cases/FY2026-0001/start/")
    client.post(BASE + "cases/FY2026-0001/close/", {"outcome": "调解结案"})
    case.refresh_from_db()
    assert (case.status, case.lawyer_name, case.outcome) == ("closed", "杨晓东", "调解结案")
    assert 'data-testid="case-final"' in client.get(BASE + "cases/FY2026-0001/").content.decode()


def test_materials_are_asked_for_and_completed_and_an_application_withdrawn_on_the_page(client: Client) -> None:
    client.post(BASE + "cases/new/", _apply_form())
    url = BASE + "cases/FY2026-0001/"
    assert 'data-testid="materials-form"' in client.get(url).content.decode()
    assert client.post(url + "materials/", {"missing": "户口簿、收入证明"}).status_code == 302
    page = client.get(url).content.decode()
    assert "户口簿、收入证明" in page
    assert 'data-testid="materials-waiting"' in page
    assert 'data-testid="awaiting-materials"' in client.get(BASE).content.decode()
    assert 'data-testid="review-form"' not in page
    bad = client.post(url + "materials-complete/", {"completed_on": "2026-02-30"})
    assert bad.status_code == 400
    assert 'data-code="date_invalid"' in bad.content.decode()
    assert LegalAidCase.objects.get().materials_requested_on is not None
    assert client.post(url + "materials-complete/", {"completed_on": ""}).status_code == 302
    assert 'data-testid="materials-waiting"' not in client.get(url).content.decode()
    assert client.post(url + "withdraw/", {"reason": "申请人撤回"}).status_code == 302
    case = LegalAidCase.objects.get()
    assert (case.status, case.materials_requested_on) == ("withdrawn", None)
    assert 'data-testid="case-final"' in client.get(url).content.decode()


def test_a_bad_application_form_keeps_what_was_typed(client: Client) -> None:
    for overrides, code in (
        ({"id_number": ID_NUMBER[:10]}, "id_card_length"),
        ({"household_size": "两"}, "legal_aid_number_invalid"),
        ({"monthly_income": "12.345"}, "money_precision"),
        ({"monthly_income": "-5"}, "legal_aid_number_invalid"),
        ({"case_type": ""}, "legal_aid_case_type_unknown"),
    ):
        response = client.post(BASE + "cases/new/", _apply_form(**overrides))
        assert response.status_code == 400, overrides
        text = response.content.decode()
        assert f'data-code="{code}"' in text
        assert "追索拖欠工资。" in text
    assert not LegalAidCase.objects.exists()


def test_reveal_shows_the_whole_number_once_and_records_it(client: Client, desk: Actor) -> None:
    application(desk)
    response = client.post(BASE + "cases/FY2026-0001/reveal/")
    assert response.status_code == 200
    assert f'data-testid="id-full">{ID_NUMBER}<' in response.content.decode()
    assert AuditEntry.objects.filter(action="center.legal_aid.case.id_number_reveal", object_id="FY2026-0001").exists()
    assert ID_NUMBER not in client.get(BASE + "cases/FY2026-0001/").content.decode()


def test_cases_list_filters_pages_and_exports(client: Client, desk: Actor) -> None:
    for n in range(21):
        application(desk, case_type="labour" if n % 3 == 0 else "wages")
    legal_aid.case_review_begin(case=LegalAidCase.objects.get(number="FY2026-0001"), by=desk)
    listing = client.get(BASE + "cases/").content.decode()
    assert len(re.findall(r'data-case="FY2026-\d{4}"', listing)) == 20
    assert 'data-testid="pager">1 / 2<' in listing
    reviewing = client.get(BASE + "cases/", {"status": "reviewing"}).content.decode()
    assert re.findall(r'data-case="(FY2026-\d{4})"', reviewing) == ["FY2026-0001"]
    assert client.get(BASE + "cases/", {"status": "lost"}).status_code == 400
    rows = _sheet(client.get(BASE + "cases/export/", {"case_type": "labour"}))
    assert len(rows) == 1 + 7
    assert all(ID_NUMBER not in str(row) for row in rows)
    assert rows[1][4] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert client.get(BASE + "cases/FY2026-9999/").status_code == 404


def test_statistics_page_chart_and_excel(client: Client, desk: Actor) -> None:
    application(desk)
    application(desk, case_type="labour")
    page = client.get(BASE + "statistics/", {"year": "2026"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="legal-aid-chart"' in text
    assert 'data-month="2026-03" data-type="wages" data-count="1"' in text
    rows = _sheet(client.get(BASE + "statistics/export/", {"year": "2026"}))
    assert rows[0] == ("月份", "咨询", "追索劳动报酬", "劳动争议", "案件合计")
    assert rows[3] == ("2026-03", 0, 1, 1, 2)
    assert rows[-1] == ("合计", 0, 1, 1, 2)


def test_the_api_for_the_staff(client: Client, desk: Actor) -> None:
    created = client.post(
        API + "cases",
        {
            "applicant_name": APPLICANT,
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "household_size": 1,
            "monthly_income_fen": 100_000,
            "case_type": "wages",
            "summary": "讨薪",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["number"], body["eligible"], body["status"]) == ("FY2026-0001", True, "applied")
    assert body["id_number_masked"] == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert ID_NUMBER not in created.content.decode()
    bad = client.post(API + "cases", {**body, "id_number": "123", "summary": "x"}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "id_card_length")
    assert client.get(API + "cases", {"status": "applied"}).json()["total"] == 1
    detail = client.get(API + "cases/FY2026-0001").json()
    assert detail["events"][0]["status_to"] == "applied"
    assert client.get(API + "cases/FY2026-0099").json()["code"] == "legal_aid_case_missing"
    recorded = client.post(
        API + "consultations",
        {"person_name": "甲", "topic": "labour", "question": "问", "advice": "答"},
        content_type="application/json",
    )
    assert recorded.status_code == 201
    assert client.get(API + "consultations", {"topic": "labour"}).json()["total"] == 1
    stats = client.get(API + "statistics", {"year": 2026}).json()
    assert (stats["case_total"], stats["consultation_total"]) == (1, 1)
    assert stats["months"][2] == {"month": "2026-03", "consultations": 1, "cases": {"wages": 1}, "cases_total": 1}
