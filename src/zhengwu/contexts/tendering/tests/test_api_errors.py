"""Error shapes of the tendering API: 401, 403 (nothing changed), 404, 400 with the rule's code, 422, CSRF."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.tests.factories import (
    CONSTRUCTION,
    CONSULTATION,
    NOW,
    World,
    notice_make,
    project_make,
    snapshot,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
PROJECT = {
    "name": "昆明市呈贡区吴家营片区市政道路工程",
    "procedure": "construction.open",
    "funding_source": "财政资金",
    "budget_yuan": "86500000.00",
    "region_code": "530114",
    "industry_code": "E48",
}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


def client_for(username: str, *, csrf: bool = False, totp: bool = True) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user_get(username=username))
    if totp:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, data=json.dumps(body or {}), content_type="application/json")


def test_anonymous_gets_401_in_the_common_shape(world: World) -> None:
    before = snapshot()
    response = Client().post(API + "/projects", data=json.dumps(PROJECT), content_type="application/json")
    assert (response.status_code, response.json()) == (
        401,
        {"code": "not_authenticated", "message": "请先登录", "detail": {}},
    )
    assert Client().get(API + "/tenders").status_code == 401
    assert snapshot() == before


def test_a_user_without_the_second_factor_is_refused(world: World) -> None:
    response = client_for("staff", totp=False).get(API + "/projects")
    # staff must pass TOTP; actor_for refuses the half-signed-in session.
    assert (response.status_code, response.json()["code"]) == (401, "totp_required")


def test_a_wrong_role_gets_403_and_nothing_changes(world: World) -> None:
    project, sections = project_make(world)
    notice = notice_make(world, project, sections)
    before = snapshot()
    bidder = client_for("bidder1")
    registered = post(bidder, "/projects", {**PROJECT, "tenderer_uscc": world.uscc["tenderer"]})
    assert (registered.status_code, registered.json()["code"]) == (403, "project_register_denied")
    assert registered.json()["message"] == "只有招标人（采购人）或招标代理机构可以登记项目"
    approved = post(client_for("agency_other"), f"/notices/{notice.uuid}/approve")
    assert (approved.status_code, approved.json()["code"]) == (403, "notice_approve_denied")
    added = post(
        client_for("tenderer_other"), f"/projects/{project.code}/sections", {"name": "x", "estimate_yuan": "1"}
    )
    assert (added.status_code, added.json()["code"]) == (403, "tender_manager_required")
    seen = client_for("bidder2").get(f"{API}/projects/{project.code}")
    assert (seen.status_code, seen.json()["code"]) == (403, "project_access_denied")
    assert snapshot() == before


def test_unknown_codes_get_404(world: World) -> None:
    agency = client_for("agency")
    for path, code in (
        ("/projects/E530114202699999X", "project_not_found"),
        ("/projects/E530114202699999X/timetable", "project_not_found"),
        ("/sections/E530114202699999X001001/questions", "section_not_found"),
        ("/tenders/E530114202699999X001001", "section_not_found"),
        ("/documents/not-a-uuid/download", "not_found"),
        ("/documents/7d0b8a4e-2f1c-4e0e-9a57-1c8f3c8e2b10/download", "document_not_found"),
    ):
        response = agency.get(API + path)
        assert (response.status_code, response.json()["code"]) == (404, code), path
    published = post(agency, "/notices/7d0b8a4e-2f1c-4e0e-9a57-1c8f3c8e2b10/publish")
    assert (published.status_code, published.json()["code"]) == (404, "notice_not_found")


def _published_with(world: World, procedure: str = CONSTRUCTION, **timetable: str) -> Any:
    """Draft a notice through the API with ``timetable``, approve it, try to publish it."""
    project, sections = project_make(world, procedure=procedure)
    agency = client_for("agency")
    drafted = post(
        agency,
        f"/projects/{project.code}/notices",
        {"kind": "tender", "title": "招标公告", "body": "正文", "section_codes": [sections[0].code], **timetable},
    )
    assert drafted.status_code == 201, drafted.content
    assert post(client_for("staff"), f"/notices/{drafted.json()['uuid']}/approve").status_code == 200
    before = snapshot()
    response = post(agency, f"/notices/{drafted.json()['uuid']}/publish")
    if response.status_code != 200:
        assert snapshot() == before  # a refused publication changes nothing
    return response


def test_a_bid_deadline_one_day_short_is_refused_with_the_rule(world: World) -> None:
    # 竞争性磋商 published Mon 2 March: ≥10 days to the first responses, so Thu 12 March at the
    # earliest; Wed 11 March is one day short.
    response = _published_with(
        world, CONSULTATION, doc_issue_end="2026-03-09T17:00:00+08:00", bid_deadline="2026-03-11T14:30:00+08:00"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bid_period_short"
    assert "第十条" in body["message"]
    assert body["detail"]["article"].endswith("第十条")
    lawful = _published_with(
        world, CONSULTATION, doc_issue_end="2026-03-09T17:00:00+08:00", bid_deadline="2026-03-12T14:30:00+08:00"
    )
    assert lawful.status_code == 200, lawful.content


def test_a_bid_deadline_on_a_saturday_is_refused(world: World) -> None:
    response = _published_with(
        world, doc_issue_end="2026-03-09T17:00:00+08:00", bid_deadline="2026-03-28T09:30:00+08:00"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "deadline_on_rest_day"
    assert response.json()["message"].startswith("截止日2026-03-28不是工作日，请改为工作日（最近为2026-03-30）")


def test_a_bid_security_above_two_percent_is_refused(world: World) -> None:
    project, _ = project_make(world)
    before = snapshot()
    response = post(
        client_for("agency"),
        f"/projects/{project.code}/sections",
        # 2% of 1,000,000.00 is 20,000.00; one fen more is refused.
        {"name": "第二标段", "estimate_yuan": "1000000.00", "bid_security_yuan": "20000.01"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bid_security_over_cap"
    assert "2%" in response.json()["message"]
    assert "20,000.00元" in response.json()["message"]
    assert (response.json()["detail"]["cap_fen"], response.json()["detail"]["security_fen"]) == (2_000_000, 2_000_001)
    assert snapshot() == before


def test_malformed_input_gets_422_and_bad_money_a_400(world: World) -> None:
    agency = client_for("agency")
    before = snapshot()
    missing = post(agency, "/projects", {"name": "缺字段"})
    assert missing.status_code == 422
    assert missing.json()["code"] == "invalid_input"
    assert {e["field"] for e in missing.json()["detail"]["errors"]} >= {"procedure", "budget_yuan"}
    wrong_type = post(agency, "/projects", {**PROJECT, "budget_yuan": ["86500000"]})
    assert (wrong_type.status_code, wrong_type.json()["code"]) == (422, "invalid_input")
    not_json = agency.post(API + "/projects", data="{", content_type="application/json")
    assert not_json.status_code in (400, 422)
    bad_date = post(
        agency,
        "/projects/X/notices",
        {"kind": "tender", "title": "t", "body": "b", "section_codes": [], "bid_deadline": "明天"},
    )
    assert bad_date.status_code == 422
    money = post(agency, "/projects", {**PROJECT, "tenderer_uscc": world.uscc["tenderer"], "budget_yuan": "12.345"})
    assert (money.status_code, money.json()["code"]) == (400, "money_precision")
    assert money.json()["detail"]["field"] == "budget"
    assert snapshot() == before


def test_session_posts_without_the_csrf_token_are_refused(world: World) -> None:
    client = client_for("agency", csrf=True)
    before = snapshot()
    response = client.post(
        API + "/projects",
        data=json.dumps({**PROJECT, "tenderer_uscc": world.uscc["tenderer"]}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert snapshot() == before
    # With the token from the cookie the same request goes through.
    client.get("/trading/")
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        API + "/projects",
        data=json.dumps({**PROJECT, "tenderer_uscc": world.uscc["tenderer"]}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.status_code == 201, accepted.content
