"""Every page of the service centre answers nonsense with a refusal, never a server error.

Each URL of the centre, with an existing id and one that does not exist, is asked by the
centre's staff, the legal-aid staff, a city leader, a department's user and an anonymous
visitor: GET with nonsense in every query parameter the pages read, and POST with nonsense in
every field their forms send. Whatever the answer (a page with the reason, a redirect, a
refusal, not found), it is never a 500 and never shows a traceback.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from zhengwu.contexts.center.demo import demo_load
from zhengwu.contexts.center.models import Book, DutyAssignment, LegalAidCase
from zhengwu.contexts.center.tests.legal_aid_world import people_make
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    client_for,
)
from zhengwu.contexts.center.urls import urlpatterns

pytestmark = pytest.mark.django_db

NONSENSE: dict[str, str] = {
    "year": "二〇二六",
    "month": "2026-13",
    "page": "-1",
    "q": "《" * 300,
    "category": "<script>",
    "kind": "novel",
    "available": "maybe",
    "overdue": "2",
    "status": "lost-in-space",
    "topic": "\x00",
    "barcode": "'; DROP TABLE center_copy; --",
    "card_no": "",
    "reason": "",
    "day": "2026-02-30",
    "start": "昨天",
    "end": "0000-00-00",
    "weekday": "9",
    "opens": "25:61",
    "closes": "noon",
    "number": "窗口一",
    "floor": "x" * 500,
    "department": "999999",
    "leader": "D99L9",
    "other": "abc",
    "expires_at": "not a date",
    "pinned": "perhaps",
    "title": "",
    "isbn": "978-0-00-000000-0",
    "year_published": "MMXXVI",
    "count": "100000",
    "issue": "",
    "household_size": "-3",
    "monthly_income": "1e9999",
    "id_number": "123",
    "case_type": "nope",
    "exempt_category": "everyone",
    "received_on": "2999-01-01",
    "decision": "perhaps",
    "lawyer_name": "",
    "outcome": "",
    "order": "first",
    "stationed": "sometimes",
    "code": "",
    "name": "",
    "phone": "电话" * 20,
    "user": "nobody-at-all",
    "per_day": "0",
    "status_to": "closed",
    "note": "x" * 5000,
}


def _routes() -> list[str]:
    routes = []
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        routes.append(str(pattern.pattern))
    return routes


def _filled(route: str, ids: dict[str, Any]) -> list[str]:
    names = re.findall(r"<(?:int|str|slug):(\w+)>", route)
    if not names:
        return ["/center/" + route]
    known = re.sub(r"<(?:int|str|slug):(\w+)>", lambda m: str(ids.get(m.group(1), 1)), route)
    missing = re.sub(r"<(?:int|str|slug):(\w+)>", "999999", route)
    return ["/center/" + known, "/center/" + missing]


@pytest.fixture
def ids(settings: Any) -> dict[str, Any]:
    settings.ZHENGWU_DEMO_CENTER_RECORDS = True  # the suite leaves them out; their pages are asked here
    people_make()
    demo_load(platforms=["center"])
    book = Book.objects.order_by("id").first()
    assert book is not None
    copy = book.copies.order_by("id").first()
    duty = DutyAssignment.objects.order_by("id").first()
    case = LegalAidCase.objects.order_by("id").first()
    assert copy is not None
    assert duty is not None
    assert case is not None
    return {
        "book_id": book.pk,
        "copy_id": copy.pk,
        "assignment_id": duty.pk,
        "number": case.number,
        "department_id": duty.department_id,
        "leader_id": duty.leader_id,
        "issue_id": 1,
        "entry_id": 1,
        "reader_id": 1,
        "pk": 1,
    }


@pytest.mark.parametrize("who", ["staff", "legalaid", "leader", "dept", "anonymous"])
def test_no_page_of_the_centre_fails_on_nonsense(ids: dict[str, Any], who: str) -> None:
    client = Client() if who == "anonymous" else client_for(who)
    failures = []
    for route in _routes():
        for url in _filled(route, ids):
            for method in ("get", "post"):
                response = getattr(client, method)(url, NONSENSE)
                body = response.content.decode(errors="replace") if response.status_code != 302 else ""
                if response.status_code >= 500 or "Traceback" in body:
                    failures.append((method, url, response.status_code))
    assert failures == []
