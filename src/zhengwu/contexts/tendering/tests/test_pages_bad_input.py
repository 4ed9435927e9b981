"""Bad input on the trading pages: a clear Chinese message on the page, a 400/403 status, nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering.models import Notice
from zhengwu.contexts.tendering.tests.factories import World, at, project_make, snapshot, world_build
from zhengwu.contexts.tendering.tests.test_pages_journeys import client_for
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db

# Wednesday 4 March 2026, 10:00: 20 days from the first issue of documents end on Tuesday 03-24.
WEDNESDAY = at(2026, 3, 4, 10)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(WEDNESDAY)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


def _register(client: Any, world: World, budget: str) -> Any:
    return client.post(
        "/trading/projects/new/",
        {
            "name": "昆明市某道路工程",
            "procedure": "construction.open",
            "tenderer_uscc": world.uscc["tenderer"],
            "funding_source": "财政资金",
            "budget_yuan": budget,
            "region_code": "530114",
            "industry_code": "E48",
        },
    )


@pytest.mark.parametrize(
    ("budget", "message"),
    [("12.345", "金额最多保留两位小数（精确到分）"), ("一百万", "金额格式不正确"), ("0", "预算（估算价）必须大于零")],
)
def test_invalid_money_is_refused_with_its_reason_and_nothing_saved(world: World, budget: str, message: str) -> None:
    before = snapshot()
    response = _register(client_for("agency"), world, budget)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'value="昆明市某道路工程"' in response.content.decode()  # the form keeps what was typed
    assert snapshot() == before


def test_an_invalid_section_estimate_is_refused_on_the_project_page(world: World) -> None:
    project, _ = project_make(world)
    before = snapshot()
    response = client_for("agency").post(
        f"/trading/projects/{project.code}/sections/",
        {"name": "第二标段", "estimate_yuan": "abc", "bid_security_yuan": "0", "document_price_yuan": "0"},
    )
    assert response.status_code == 400
    assert "金额格式不正确" in response.content.decode()
    assert snapshot() == before


def _draft(client: Any, project: Any, section: Any, deadline: str) -> Any:
    return client.post(
        f"/trading/projects/{project.code}/notices/",
        {
            "kind": "tender",
            "title": "某道路工程招标公告",
            "body": "资格要求见文件。",
            "sections": [section.code],
            "doc_issue_end": "2026-03-10T17:00",
            "bid_deadline": deadline,
        },
    )


def test_a_deadline_one_day_short_is_refused_with_the_article(world: World) -> None:
    project, sections = project_make(world)
    before = snapshot()
    response = _draft(client_for("agency"), project, sections[0], "2026-03-23T09:30")
    text = response.content.decode()
    assert response.status_code == 400
    assert "不得少于20日（《招标投标法》第二十四条）" in text
    assert "截止时间最早为2026-03-24" in text
    assert snapshot() == before
    # The lawful day is accepted.
    assert _draft(client_for("agency"), project, sections[0], "2026-03-24T09:30").status_code == 302
    assert Notice.objects.filter(project=project).count() == 1


def test_a_saturday_deadline_is_refused(world: World) -> None:
    project, sections = project_make(world)
    before = snapshot()
    response = _draft(client_for("agency"), project, sections[0], "2026-03-28T09:30")
    assert response.status_code == 400
    assert "截止日2026-03-28不是工作日，请改为工作日（最近为2026-03-30）" in response.content.decode()
    assert snapshot() == before


def test_a_malformed_date_is_refused_by_the_form(world: World) -> None:
    project, sections = project_make(world)
    before = snapshot()
    response = _draft(client_for("agency"), project, sections[0], "next tuesday")
    assert response.status_code == 400
    assert "时间格式应为 年-月-日 时:分" in response.content.decode()
    assert snapshot() == before


def test_someone_who_may_not_approve_gets_a_403_page_and_nothing_changes(world: World) -> None:
    project, sections = project_make(world)
    response = _draft(client_for("agency"), project, sections[0], "2026-03-24T09:30")
    assert response.status_code == 302
    notice = Notice.objects.get(project=project)
    before = snapshot()
    response = client_for("regulator").post(f"/trading/projects/{project.code}/notices/{notice.uuid}/approve/")
    assert response.status_code == 403
    assert "您不在本公告的审核人之列" in response.content.decode()
    assert snapshot() == before
    # Publishing an unapproved notice is refused as well.
    response = client_for("agency").post(f"/trading/projects/{project.code}/notices/{notice.uuid}/publish/")
    assert response.status_code == 400
    assert "公告尚未完成审核" in response.content.decode()
    assert snapshot() == before


def test_a_bidder_who_did_not_obtain_the_documents_cannot_ask(world: World) -> None:
    project, sections = project_make(world)
    agency = client_for("agency")
    assert _draft(agency, project, sections[0], "2026-03-24T09:30").status_code == 302
    notice = Notice.objects.get(project=project)
    assert (
        client_for("staff").post(f"/trading/projects/{project.code}/notices/{notice.uuid}/approve/").status_code == 302
    )
    assert agency.post(f"/trading/projects/{project.code}/notices/{notice.uuid}/publish/").status_code == 302
    before = snapshot()
    response = client_for("bidder2").post(
        f"/trading/tenders/{sections[0].code}/questions/", {"text": "能否联合体投标？"}
    )
    assert response.status_code == 403
    assert "请先获取招标文件再提问" in response.content.decode()
    assert snapshot() == before
