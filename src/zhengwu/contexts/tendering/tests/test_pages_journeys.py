"""The three trade types through the trading platform's pages, as agencies, staff and bidders use them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from zhengwu.contexts.identity.roles import TOTP_REQUIRED_ROLES
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.models import Answer, Document, DocumentObtain, Notice, Project, Question, Section
from zhengwu.contexts.tendering.tests.factories import NOW, World, at, world_build
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


def client_for(username: str) -> Client:
    """A signed-in client (second factor passed where the role needs one)."""
    user = user_get(username=username)
    client = Client()
    client.force_login(user)
    if user.role_codes & TOTP_REQUIRED_ROLES:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def body(response: Any) -> str:
    return response.content.decode()


def register(client: Client, **data: str) -> Project:
    response = client.post("/trading/projects/new/", data)
    assert response.status_code == 302, body(response)
    project = Project.objects.get(name=data["name"])
    assert response["Location"] == f"/trading/projects/{project.code}/"
    return project


def add_section(client: Client, project: Project, **data: str) -> Section:
    response = client.post(f"/trading/projects/{project.code}/sections/", data)
    assert response.status_code == 302, body(response)
    return Section.objects.get(project=project, name=data["name"])


def draft_approve_publish(agency: Client, project: Project, section: Section, **data: Any) -> Notice:
    response = agency.post(
        f"/trading/projects/{project.code}/notices/",
        {
            "kind": "tender",
            "title": f"{project.name}公告",
            "body": "资格要求见文件。",
            "sections": [section.code],
            **data,
        },
    )
    assert response.status_code == 302, body(response)
    notice = Notice.objects.get(project=project)
    assert notice.status == "draft"
    response = client_for("staff").post(f"/trading/projects/{project.code}/notices/{notice.uuid}/approve/")
    assert response.status_code == 302, body(response)
    notice.refresh_from_db()
    assert notice.status == "approved"
    response = agency.post(f"/trading/projects/{project.code}/notices/{notice.uuid}/publish/")
    assert response.status_code == 302, body(response)
    notice.refresh_from_db()
    assert (notice.status, notice.published_at) == ("published", NOW)
    return notice


def test_a_construction_tender_goes_from_registration_to_its_opening_through_the_pages(world: World) -> None:
    agency = client_for("agency")
    form = body(agency.get("/trading/projects/new/"))
    assert 'value="construction.open"' in form
    assert 'name="tenderer_uscc"' in form
    project = register(
        agency,
        name="昆明市呈贡区吴家营片区市政道路工程",
        procedure="construction.open",
        tenderer_uscc=world.uscc["tenderer"],
        funding_source="财政资金",
        budget_yuan="86500000.00",
        region_code="530114",
        industry_code="E48",
    )
    assert (project.owner_name, project.agency_name, project.budget_fen) == (
        "昆明某城市建设投资有限公司",
        "云南某招标代理有限公司",
        8_650_000_000,
    )
    section = add_section(
        agency,
        project,
        name="第一标段",
        estimate_yuan="52300000.00",
        bid_security_yuan="800000",
        document_price_yuan="0",
    )
    assert (section.code, section.estimate_fen, section.bid_security_fen) == (
        project.code + "001001",
        5_230_000_000,
        80_000_000,
    )
    page = body(agency.get(f"/trading/projects/{project.code}/"))
    # The statutory dates if published now: sale to 03-07 at least, deadline 03-22 (a Sunday) → 03-23.
    assert '<td data-row="doc_issue_last_day_min">2026-03-07</td>' in page
    assert '<td data-row="bid_deadline_earliest_day">2026-03-23</td>' in page
    assert "《招标投标法》第二十四条" in page  # the rules table cites its articles

    draft_approve_publish(agency, project, section, doc_issue_end="2026-03-09T17:00", bid_deadline="2026-03-24T09:30")
    section.refresh_from_db()
    assert (section.status, section.bid_deadline) == ("accepting_bids", at(2026, 3, 24, 9, 30))
    page = body(agency.get(f"/trading/projects/{project.code}/"))
    assert '<td data-row="bid_deadline">2026-03-24 09:30</td>' in page
    assert 'data-testid="obtainers-link"' not in page

    content = b"%PDF-1.7 tender documents of section one"
    response = agency.post(
        f"/trading/projects/{project.code}/documents/",
        {"file": SimpleUploadedFile("招标文件.pdf", content, "application/pdf"), "section": section.code},
    )
    assert response.status_code == 302, body(response)
    document = Document.objects.get(project=project)
    assert (document.name, document.sha256, document.is_public) == (
        "招标文件.pdf",
        hashlib.sha256(content).hexdigest(),
        False,
    )

    bidder = client_for("bidder1")
    assert section.code in body(bidder.get("/trading/tenders/"))
    assert section.code in body(bidder.get("/trading/tenders/?trade_type=construction&q=吴家营"))
    assert section.code not in body(bidder.get("/trading/tenders/?trade_type=land"))
    assert bidder.get(f"/trading/documents/{document.uuid}/").status_code == 403
    response = bidder.post(f"/trading/tenders/{section.code}/obtain/")
    assert response.status_code == 302, body(response)
    assert DocumentObtain.objects.filter(section=section).count() == 1
    page = body(bidder.get(f"/trading/tenders/{section.code}/"))
    assert 'data-testid="obtain-status"' in page
    download = bidder.get(f"/trading/documents/{document.uuid}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content  # type: ignore[attr-defined]
    response = bidder.post(f"/trading/tenders/{section.code}/questions/", {"text": "类似业绩是否包含改扩建工程？"})
    assert response.status_code == 302, body(response)
    question = Question.objects.get(section=section)

    # 14 days before the deadline the agency changes the documents: the deadline moves to 15 days out.
    clock_set(at(2026, 3, 10, 9, 30))
    response = agency.post(
        f"/trading/projects/{project.code}/sections/{section.code}/answer/",
        {
            "body": "包含改扩建工程；工期调整为300日历天。",
            "questions": [str(question.uuid)],
            "affects_bid_preparation": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    notes = [str(m) for m in response.context["messages"]]
    assert "2026-03-25 09:30" in notes[-1]
    assert 'data-testid="deadline-extended"' in body(response)
    answer = Answer.objects.get(section=section)
    assert (answer.bid_deadline_before, answer.bid_deadline_after) == (at(2026, 3, 24, 9, 30), at(2026, 3, 25, 9, 30))
    section.refresh_from_db()
    assert (section.bid_deadline, section.opening_at) == (at(2026, 3, 25, 9, 30), at(2026, 3, 25, 9, 30))
    page = body(bidder.get(f"/trading/tenders/{section.code}/"))
    assert '<dd data-testid="bid-deadline">2026-03-25 09:30</dd>' in page
    assert "包含改扩建工程；工期调整为300日历天。" in page  # the answer reached the holder
    assert page.count('data-testid="amendment"') == 1  # and the amendment notice is shown

    clock_set(at(2026, 3, 25, 9, 30, 1))
    call_command("tick", "--quiet", stdout=StringIO())
    section.refresh_from_db()
    assert section.status == "opening"
    page = body(agency.get(f"/trading/projects/{project.code}/"))
    assert 'data-testid="obtainers-link"' in page
    obtainers = agency.get(f"/trading/sections/{section.code}/obtainers/")
    assert obtainers.status_code == 200
    assert "云南某建设工程有限公司" in body(obtainers)


def test_a_competitive_consultation_goes_from_registration_to_its_first_response_deadline_through_the_pages(
    world: World,
) -> None:
    agency = client_for("agency")
    project = register(
        agency,
        name="智慧大厅信息化运维服务采购项目",
        procedure="procurement.competitive_consultation",
        tenderer_uscc=world.uscc["tenderer"],
        funding_source="市级财政预算资金",
        budget_yuan="1860000",
        region_code="530100",
        industry_code="I65",
    )
    assert project.code.startswith("G530100202600001")
    package = add_section(
        agency,
        project,
        name="包1：智慧大厅运维服务",
        estimate_yuan="1860000",
        bid_security_yuan="30000",
        document_price_yuan="300.00",
    )
    draft_approve_publish(agency, project, package, doc_issue_end="2026-03-09T17:00", bid_deadline="2026-03-13T14:30")
    package.refresh_from_db()
    assert (package.status, package.bid_deadline) == ("accepting_bids", at(2026, 3, 13, 14, 30))

    bidder = client_for("bidder2")
    page = body(bidder.get(f"/trading/tenders/{package.code}/"))
    assert "<dd>300.00</dd>" in page
    assert bidder.post(f"/trading/tenders/{package.code}/obtain/").status_code == 302
    obtain = DocumentObtain.objects.get(section=package)
    assert (obtain.organisation_name, obtain.paid, obtain.amount_fen) == ("昆明某路桥工程有限公司", True, 30_000)
    assert 'data-testid="obtain-status"' in body(bidder.get(f"/trading/tenders/{package.code}/"))
    response = bidder.post(
        f"/trading/tenders/{package.code}/questions/", {"text": "驻场运维人员是否须持有信息安全证书？"}
    )
    assert response.status_code == 302, body(response)
    question = Question.objects.get(section=package)

    # 磋商 needs 5 days between a change affecting responses and the deadline (财库〔2014〕214号 第十条).
    # Issued Tuesday 03-10 with the deadline on 03-13: 03-10 + 5 days is Sunday 03-15, so 03-16 14:30.
    clock_set(at(2026, 3, 10, 9, 30))
    response = agency.post(
        f"/trading/projects/{project.code}/sections/{package.code}/answer/",
        {
            "body": "驻场人员须持有信息安全工程师证书；服务期调整为两年。",
            "questions": [str(question.uuid)],
            "affects_bid_preparation": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    notes = [str(m) for m in response.context["messages"]]
    assert "2026-03-16 14:30" in notes[-1]
    page = body(response)
    assert 'data-testid="deadline-extended"' in page
    assert '<strong data-testid="bid-deadline">2026-03-16 14:30</strong>' in page
    assert '<td data-row="bid_deadline">2026-03-16 14:30</td>' in page
    answer = Answer.objects.get(section=package)
    assert (answer.bid_deadline_before, answer.bid_deadline_after) == (at(2026, 3, 13, 14, 30), at(2026, 3, 16, 14, 30))
    package.refresh_from_db()
    assert (package.bid_deadline, package.opening_at) == (at(2026, 3, 16, 14, 30), at(2026, 3, 16, 14, 30))
    page = body(bidder.get(f"/trading/tenders/{package.code}/"))
    assert '<dd data-testid="bid-deadline">2026-03-16 14:30</dd>' in page
    assert "驻场人员须持有信息安全工程师证书；服务期调整为两年。" in page  # the answer reached the holder
    assert page.count('data-testid="amendment"') == 1

    # The original deadline passing no longer opens anything, nor unlocks the list of holders.
    clock_set(at(2026, 3, 13, 14, 30, 1))
    call_command("tick", "--quiet", stdout=StringIO())
    package.refresh_from_db()
    assert package.status == "accepting_bids"
    assert agency.get(f"/trading/sections/{package.code}/obtainers/").status_code == 403

    clock_set(at(2026, 3, 16, 14, 30, 1))
    call_command("tick", "--quiet", stdout=StringIO())
    package.refresh_from_db()
    assert package.status == "opening"
    page = body(agency.get(f"/trading/projects/{project.code}/"))
    assert '<span class="badge" data-testid="section-status">开标</span>' in page
    assert 'data-testid="obtainers-link"' in page
    obtainers = agency.get(f"/trading/sections/{package.code}/obtainers/")
    assert obtainers.status_code == 200
    assert "昆明某路桥工程有限公司" in body(obtainers)
    assert client_for("bidder1").get(f"/trading/sections/{package.code}/obtainers/").status_code == 403


def test_a_land_listing_goes_from_registration_to_the_end_of_its_listing_through_the_pages(world: World) -> None:
    tenderer = client_for("tenderer")
    form = body(tenderer.get("/trading/projects/new/"))
    assert 'name="tenderer_uscc"' not in form  # a tenderer registers for itself
    project = register(
        tenderer,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        procedure="land.listing",
        funding_source="国有建设用地使用权出让收入",
        budget_yuan="128000000",
        region_code="530114",
        industry_code="K70",
    )
    assert project.code.startswith("L530114202600001")
    plot = add_section(
        tenderer,
        project,
        name="KCC2026-18号地块",
        estimate_yuan="128000000",
        bid_security_yuan="25600000",
        document_price_yuan="0",
    )
    draft_approve_publish(tenderer, project, plot, activity_start="2026-03-23T09:00", bid_deadline="2026-04-07T17:00")
    plot.refresh_from_db()
    assert (plot.status, plot.activity_start, plot.bid_deadline) == (
        "accepting_bids",
        at(2026, 3, 23, 9),
        at(2026, 4, 7, 17),
    )
    bidder = client_for("bidder3")
    page = body(bidder.get(f"/trading/tenders/{plot.code}/"))
    assert "2026-03-23 09:00" in page
    assert "128,000,000.00" not in page  # the reserve price of land is not published
    assert bidder.post(f"/trading/tenders/{plot.code}/obtain/").status_code == 302
    assert list(DocumentObtain.objects.filter(section=plot).values_list("organisation_name", flat=True)) == [
        "云南某水利水电工程有限公司"
    ]
    response = bidder.post(f"/trading/tenders/{plot.code}/questions/", {"text": "竞买保证金能否以银行保函缴纳？"})
    assert response.status_code == 302, body(response)
    question = Question.objects.get(section=plot)

    # The land owner registered the listing itself, so it answers on the project page. An answer
    # that does not change the conditions leaves the listing's end where it was, even 2 working days before it.
    clock_set(at(2026, 4, 3, 10, 0))
    response = tenderer.post(
        f"/trading/projects/{project.code}/sections/{plot.code}/answer/",
        {"body": "竞买保证金须以人民币现金缴入指定账户，不接受银行保函。", "questions": [str(question.uuid)]},
        follow=True,
    )
    assert response.status_code == 200
    notes = [str(m) for m in response.context["messages"]]
    assert "2026-04-07 17:00" in notes[-1]
    page = body(response)
    assert 'data-testid="deadline-extended"' not in page
    assert '<strong data-testid="bid-deadline">2026-04-07 17:00</strong>' in page
    assert '<td data-row="bid_deadline">2026-04-07 17:00</td>' in page
    answer = Answer.objects.get(section=plot)
    assert (answer.bid_deadline_before, answer.bid_deadline_after, answer.amendment_notice) == (
        at(2026, 4, 7, 17),
        None,
        None,
    )
    plot.refresh_from_db()
    assert (plot.bid_deadline, plot.activity_start) == (at(2026, 4, 7, 17), at(2026, 3, 23, 9))
    page = body(bidder.get(f"/trading/tenders/{plot.code}/"))
    assert '<dd data-testid="bid-deadline">2026-04-07 17:00</dd>' in page
    assert "竞买保证金须以人民币现金缴入指定账户，不接受银行保函。" in page
    assert 'data-testid="amendment"' not in page

    # In this model a 挂牌 listing's bid deadline is the end of the listing period: the tick opens it then.
    clock_set(at(2026, 4, 7, 17, 0, 1))
    call_command("tick", "--quiet", stdout=StringIO())
    plot.refresh_from_db()
    assert plot.status == "opening"
    page = body(tenderer.get(f"/trading/projects/{project.code}/"))
    assert '<span class="badge" data-testid="section-status">开标</span>' in page
    assert 'data-testid="obtainers-link"' in page
    obtainers = tenderer.get(f"/trading/sections/{plot.code}/obtainers/")
    assert obtainers.status_code == 200
    assert "云南某水利水电工程有限公司" in body(obtainers)
    assert client_for("bidder1").get(f"/trading/sections/{plot.code}/obtainers/").status_code == 403


def test_the_project_list_filters_and_exports(world: World) -> None:
    agency = client_for("agency")
    project = register(
        agency,
        name="昆明市某道路工程",
        procedure="construction.open",
        tenderer_uscc=world.uscc["tenderer"],
        funding_source="财政资金",
        budget_yuan="1000000",
        region_code="530114",
        industry_code="E48",
    )
    assert project.code in body(agency.get("/trading/projects/"))
    assert project.code in body(agency.get("/trading/projects/?trade_type=construction"))
    assert project.code not in body(agency.get("/trading/projects/?trade_type=land"))
    assert project.code not in body(agency.get("/trading/projects/?status=accepting_bids"))
    assert project.code not in body(client_for("agency_other").get("/trading/projects/"))
    assert project.code in body(client_for("staff").get("/trading/projects/"))
    export = agency.get("/trading/projects/?format=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for("bidder1").get("/trading/projects/").status_code == 403
    assert client_for("agency_other").get(f"/trading/projects/{project.code}/").status_code == 404
