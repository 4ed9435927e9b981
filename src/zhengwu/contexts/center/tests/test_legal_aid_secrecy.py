"""The legal-aid desk's secrecy, role by role: every page, export and API endpoint against every other role.

Nobody but the legal-aid staff reads or writes a consultation or a case. The statistics hold no
person and are also open to the centre's staff and the city's leaders. Whatever the answer, it
never contains an applicant's or a consulting citizen's name, phone or identity number, and a
refused write changes nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client

from zhengwu.contexts.center import legal_aid
from zhengwu.contexts.center.models import CaseEvent, Consultation, LegalAidCase
from zhengwu.contexts.center.tests.legal_aid_world import (
    APPLICANT,
    ID_NUMBER,
    PHONE,
    ROLES,
    application,
    people_make,
)
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    client_for,
)
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

BASE = "/center/legal-aid/"
API = "/center/api/center/legal-aid/"
NUMBER = "FY2026-0001"
CITIZEN = "钱咨询"
CITIZEN_PHONE = "13711112222"
SECRETS = (APPLICANT, PHONE, ID_NUMBER, ID_NUMBER[6:14], CITIZEN, CITIZEN_PHONE)

OTHERS = [username for username in ROLES if username != "legalaid"] + ["anonymous"]
STATS_READERS = {"staff", "leader"}

PAGES = [
    "",
    "consultations/",
    "consultations/?month=2026-03&topic=labour",
    "consultations/new/",
    "consultations/export/",
    "cases/",
    "cases/?status=applied",
    "cases/new/",
    "cases/export/",
    f"cases/{NUMBER}/",
]
STATS_PAGES = ["statistics/", "statistics/?year=2026", "statistics/export/?year=2026"]
APPLY = {
    "applicant_name": "孙某",
    "id_number": ID_NUMBER,
    "phone": "13900000000",
    "case_type": "labour",
    "household_size": "1",
    "monthly_income": "100",
    "summary": "冒名申请",
}
POSTS: list[tuple[str, dict[str, str]]] = [
    ("consultations/new/", {"person_name": "某人", "topic": "labour", "question": "问", "advice": "答"}),
    ("cases/new/", APPLY),
    (f"cases/{NUMBER}/review-begin/", {}),
    (f"cases/{NUMBER}/review/", {"decision": "refuse", "reason": "无"}),
    (f"cases/{NUMBER}/assign/", {"lawyer_name": "某律师", "lawyer_firm": "某所"}),
    (f"cases/{NUMBER}/start/", {}),
    (f"cases/{NUMBER}/close/", {"outcome": "结案"}),
    (f"cases/{NUMBER}/reveal/", {}),
    (f"cases/{NUMBER}/materials/", {"missing": "户口簿"}),
    (f"cases/{NUMBER}/materials-complete/", {"completed_on": ""}),
    (f"cases/{NUMBER}/withdraw/", {"reason": "撤回"}),
    (f"cases/{NUMBER}/terminate/", {"reason": "终止"}),
]
API_GETS = ["consultations", "consultations?topic=labour", "cases", f"cases/{NUMBER}"]
API_POSTS: list[tuple[str, dict[str, object]]] = [
    ("consultations", {"person_name": "某人", "topic": "labour", "question": "问", "advice": "答"}),
    (
        "cases",
        {
            "applicant_name": "孙某",
            "id_number": ID_NUMBER,
            "phone": "13900000000",
            "household_size": 1,
            "monthly_income_fen": 10_000,
            "case_type": "labour",
            "summary": "冒名申请",
        },
    ),
]


@pytest.fixture
def world() -> None:
    people = people_make()
    desk = people["legalaid"]
    case = legal_aid.case_review_begin(case=application(desk), by=desk)
    legal_aid.case_review(case=case, accept=True, reason="符合条件", by=desk)
    legal_aid.consultation_record(
        person_name=CITIZEN, phone=CITIZEN_PHONE, topic="labour", question="被辞退", advice="申请仲裁", by=desk
    )
    return


def _client(username: str) -> Client:
    return Client() if username == "anonymous" else client_for(username)


def _state() -> tuple[object, ...]:
    case = LegalAidCase.objects.get(number=NUMBER)
    return (
        LegalAidCase.objects.count(),
        Consultation.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.filter(action__startswith="center.legal_aid.").count(),
        case.status,
        case.lawyer_name,
        case.outcome,
    )


def _text(response: object) -> str:
    content = getattr(response, "content", b"")
    try:
        return content.decode()
    except UnicodeDecodeError:  # a workbook: look into its XML too
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def _no_secrets(response: object) -> None:
    text = _text(response)
    for secret in SECRETS:
        assert secret not in text


def _refused(response: object, username: str, *, api: bool) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    if username == "anonymous":
        assert status in ((401, 403) if api else (302,)), status
        if not api:
            assert "/accounts/login/" in response["Location"]  # type: ignore[index]
    else:
        assert status == 403, status


@pytest.mark.parametrize("username", OTHERS)
def test_every_page_and_export_is_refused_to_other_roles(world: None, username: str) -> None:
    client = _client(username)
    for path in PAGES:
        response = client.get(BASE + path)
        _refused(response, username, api=False)
        _no_secrets(response)


@pytest.mark.parametrize("username", OTHERS)
def test_every_write_is_refused_to_other_roles_and_changes_nothing(world: None, username: str) -> None:
    client = _client(username)
    before = _state()
    for path, form in POSTS:
        response = client.post(BASE + path, form)
        _refused(response, username, api=False)
        _no_secrets(response)
    for path, body in API_POSTS:
        response = client.post(API + path, body, content_type="application/json")
        _refused(response, username, api=True)
        _no_secrets(response)
    assert _state() == before


@pytest.mark.parametrize("username", OTHERS)
def test_every_api_read_is_refused_to_other_roles(world: None, username: str) -> None:
    client = _client(username)
    for path in API_GETS:
        response = client.get(API + path)
        _refused(response, username, api=True)
        _no_secrets(response)


@pytest.mark.parametrize("username", OTHERS)
def test_the_statistics_are_for_the_centre_staff_and_leaders_only_and_name_nobody(world: None, username: str) -> None:
    client = _client(username)
    for path in STATS_PAGES:
        response = client.get(BASE + path)
        _no_secrets(response)
        if username in STATS_READERS:
            assert response.status_code == 200
        else:
            _refused(response, username, api=False)
    response = client.get(API + "statistics?year=2026")
    _no_secrets(response)
    if username in STATS_READERS:
        assert response.status_code == 200
        assert response.json()["case_total"] == 1
    else:
        _refused(response, username, api=True)


def test_the_statistics_readers_see_the_figures_and_no_desk_link(world: None) -> None:
    for username in STATS_READERS:
        page = _client(username).get(BASE + "statistics/?year=2026").content.decode()
        assert 'data-testid="legal-aid-chart"' in page
        assert 'data-testid="nav-legal-aid"' not in page
        assert 'data-testid="legal-aid-subnav"' not in page


def test_the_legal_aid_staff_themselves_are_let_in_everywhere(world: None) -> None:
    # The matrix's control: the same requests succeed for the desk, so the refusals above are real.
    client = client_for("legalaid")
    for path in PAGES + STATS_PAGES:
        assert client.get(BASE + path).status_code == 200, path
    for path in [*API_GETS, "statistics"]:
        assert client.get(API + path).status_code == 200, path
