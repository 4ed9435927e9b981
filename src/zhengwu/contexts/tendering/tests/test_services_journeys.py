"""The three trade types, each from project registration to the bid deadline, through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.lifecycle import tick_run
from zhengwu.contexts.tendering.models import Notice, Section
from zhengwu.contexts.tendering.services import (
    answer_publish,
    document_obtain,
    document_upload,
    notice_approve,
    notice_draft,
    notice_publish,
    project_register,
    question_ask,
    section_add,
)
from zhengwu.contexts.tendering.tests.factories import NOW, World, at, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


def _events(project_code: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (m.event_type, m.payload) for m in OutboxMessage.objects.filter(aggregate_id=project_code).order_by("sequence")
    ]


def test_a_construction_tender_with_two_sections_goes_from_registration_to_its_opening(world: World) -> None:
    agency, staff = world["agency"], world["staff"]
    project = project_register(
        name="昆明市呈贡区吴家营片区市政道路及配套管网工程",
        procedure="construction.open",
        funding_source="财政资金及企业自筹",
        budget_yuan="86500000.00",
        region_code="530114",
        industry_code="E48",
        tenderer_uscc=world.uscc["tenderer"],
        by=agency,
    )
    assert project.code == "E530114202600001" + project.code[-1]
    assert len(project.code) == 17
    assert (project.owner_name, project.agency_name, project.budget_fen) == (
        "昆明某城市建设投资有限公司",
        "云南某招标代理有限公司",
        8_650_000_000,
    )
    roads = section_add(
        project=project,
        name="第一标段：道路及桥涵工程",
        estimate_yuan="52300000.00",
        bid_security_yuan="800000",
        by=agency,
    )
    pipes = section_add(
        project=project,
        name="第二标段：给排水及综合管网工程",
        estimate_yuan="34200000.00",
        bid_security_yuan="600000",
        by=agency,
    )
    assert (roads.code, pipes.code) == (project.code + "001001", project.code + "001002")
    document = document_upload(
        project=project, section=roads, name="招标文件（第一标段）.pdf", content=b"%PDF-1.7 roads", by=agency
    )
    notice = notice_draft(
        project=project,
        kind="tender",
        title="吴家营片区市政道路及配套管网工程招标公告",
        body="投标人须具备市政公用工程施工总承包贰级及以上资质。",
        sections=[roads, pipes],
        doc_issue_end=at(2026, 3, 9, 17),
        bid_deadline=at(2026, 3, 24, 9, 30),
        by=agency,
    )
    notice_approve(notice=notice, by=staff)
    notice = notice_publish(notice=notice, by=agency)

    assert notice.status == Notice.Status.PUBLISHED
    assert notice.published_at == NOW
    for section in Section.objects.filter(project=project):
        assert section.status == "accepting_bids"
        assert section.bid_deadline == at(2026, 3, 24, 9, 30)
        assert section.opening_at == at(2026, 3, 24, 9, 30)
        assert section.doc_issue_start == NOW
        assert section.doc_issue_end == at(2026, 3, 9, 17)
        assert section.ruleset_version == "1"
        assert section.next_check_at == at(2026, 3, 24, 9, 30)

    obtain = document_obtain(section=roads, by=world["bidder1"])
    assert list(obtain.documents.all()) == [document]
    question = question_ask(section=roads, text="类似工程业绩是否包含改扩建工程？", by=world["bidder1"])
    answer_publish(section=roads, body="包含。", questions=[question], affects_bid_preparation=False, by=agency)
    assert selectors.answers_for(section=roads, by=world["bidder1"])[0].body == "包含。"

    # One second before the deadline nothing is due; at the deadline both sections open.
    assert tick_run(now=at(2026, 3, 24, 9, 29, 59)).transitions == ()
    clock_set(at(2026, 3, 24, 9, 30))
    report = tick_run()
    assert sorted((t.section_code, t.previous_status, t.status) for t in report.transitions) == [
        (roads.code, "accepting_bids", "opening"),
        (pipes.code, "accepting_bids", "opening"),
    ]
    assert [e[0] for e in _events(project.code)] == [
        "tendering.notice.published",
        "tendering.section.status_changed",
        "tendering.section.status_changed",
        "tendering.section.status_changed",
        "tendering.section.status_changed",
        "tendering.section.status_changed",
        "tendering.section.status_changed",
    ]


def test_a_procurement_by_competitive_consultation_goes_from_registration_to_its_deadline(world: World) -> None:
    agency = world["agency"]
    project = project_register(
        name="昆明市政务服务中心智慧大厅信息化运维服务采购项目",
        procedure="procurement.competitive_consultation",
        funding_source="市级财政预算资金",
        budget_yuan="1860000",
        region_code="530100",
        industry_code="I65",
        tenderer_uscc=world.uscc["tenderer"],
        by=agency,
    )
    assert project.code.startswith("G530100202600001")
    assert project.trade_type == "procurement"
    package = section_add(
        project=project,
        name="包1：智慧大厅运维服务",
        estimate_yuan="1860000",
        bid_security_yuan="30000",
        document_price_yuan="300.00",
        by=agency,
    )
    notice = notice_draft(
        project=project,
        kind="tender",
        title="智慧大厅信息化运维服务竞争性磋商公告",
        body="本项目专门面向中小企业。",
        sections=[package],
        doc_issue_end=at(2026, 3, 9, 17),
        bid_deadline=at(2026, 3, 13, 14, 30),
        by=agency,
    )
    notice_approve(notice=notice, by=world["staff"])
    notice_publish(notice=notice, by=agency)
    package.refresh_from_db()
    assert (package.status, package.bid_deadline) == ("accepting_bids", at(2026, 3, 13, 14, 30))

    obtain = document_obtain(section=package, by=world["bidder2"])
    assert (obtain.paid, obtain.amount_fen) == (True, 30_000)
    clock_set(at(2026, 3, 13, 14, 30) + dt.timedelta(seconds=1))
    assert [(t.previous_status, t.status) for t in tick_run().transitions] == [("accepting_bids", "opening")]
    package.refresh_from_db()
    assert package.status == "opening"


def test_a_land_listing_goes_from_registration_to_the_end_of_its_listing(world: World) -> None:
    tenderer = world["tenderer"]
    project = project_register(
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        procedure="land.listing",
        funding_source="国有建设用地使用权出让收入",
        budget_yuan="128000000",
        region_code="530114",
        industry_code="K70",
        by=tenderer,
    )
    assert project.code.startswith("L530114202600001")
    assert (project.owner_name, project.agency_name, project.agency_org_id) == ("昆明某城市建设投资有限公司", "", None)
    plot = section_add(
        project=project,
        name="KCC2026-18号地块（城镇住宅用地）",
        estimate_yuan="128000000",
        bid_security_yuan="25600000",  # 20%: land deposits have no 2% cap
        by=tenderer,
    )
    notice = notice_draft(
        project=project,
        kind="tender",
        title="KCC2026-18号地块挂牌出让公告",
        body="起始价12800万元，增价幅度100万元。",
        sections=[plot],
        activity_start=at(2026, 3, 23, 9),
        bid_deadline=at(2026, 4, 7, 17),
        by=tenderer,
    )
    notice_approve(notice=notice, by=world["staff"])
    notice = notice_publish(notice=notice, by=tenderer)
    plot.refresh_from_db()
    assert (plot.status, plot.activity_start, plot.bid_deadline) == (
        "accepting_bids",
        at(2026, 3, 23, 9),
        at(2026, 4, 7, 17),
    )
    published = _events(project.code)[0]
    assert published[0] == "tendering.notice.published"
    # A land notice carries no budget: the reserve price (底价) is secret.
    assert (published[1]["trade_type"], published[1]["budget_fen"]) == ("land", None)

    assert tick_run(now=at(2026, 4, 7, 16, 59)).transitions == ()
    assert [(t.section_code, t.status) for t in tick_run(now=at(2026, 4, 7, 17)).transitions] == [
        (plot.code, "opening")
    ]
