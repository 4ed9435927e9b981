"""Tenders driven end to end through the trading API, as an agency's own system would drive them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.models import DocumentObtain, Notice, Section
from zhengwu.contexts.tendering.tests.factories import CONSULTATION, NOW, World, at, tender_publish, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return world_build()


def signed_in(username: str) -> Client:
    """A client signed in as ``username`` with the second factor passed."""
    client = Client()
    client.force_login(user_get(username=username))
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, data=json.dumps(body or {}), content_type="application/json")


def test_a_competitive_consultation_goes_from_registration_to_its_opening_through_the_api(world: World) -> None:
    agency, staff, bidder = signed_in("agency"), signed_in("staff"), signed_in("bidder2")

    created = post(
        agency,
        "/projects",
        {
            "name": "昆明市政务服务中心智慧大厅信息化运维服务采购项目",
            "procedure": "procurement.competitive_consultation",
            "funding_source": "市级财政预算资金",
            "budget_yuan": "1860000",
            "region_code": "530100",
            "industry_code": "I65",
            "tenderer_uscc": world.uscc["tenderer"],
        },
    )
    assert created.status_code == 201, created.content
    project = created.json()
    code = project["code"]
    assert code.startswith("G530100202600001")
    assert len(code) == 17
    assert (project["trade_type"], project["budget_fen"], project["budget_yuan"]) == (
        "procurement",
        186_000_000,
        "1860000.00",
    )
    assert (project["owner_name"], project["agency_name"]) == ("昆明某城市建设投资有限公司", "云南某招标代理有限公司")
    assert project["created_at"] == "2026-03-02T10:00:00+08:00"

    section = post(
        agency,
        f"/projects/{code}/sections",
        {
            "name": "包1：智慧大厅运维服务",
            "estimate_yuan": "1860000",
            "bid_security_yuan": "30000",
            "document_price_yuan": "300.00",
        },
    )
    assert section.status_code == 201, section.content
    package = section.json()
    section_code = package["code"]
    assert section_code == code + "001001"
    assert (package["bid_security_fen"], package["bid_security_yuan"]) == (3_000_000, "30000.00")
    assert (package["document_price_fen"], package["document_price_yuan"]) == (30_000, "300.00")
    assert package["status"] == "draft"

    # Before publication the timetable is a preview of a notice published now.
    timetable = agency.get(f"{API}/projects/{code}/timetable").json()["sections"][0]
    assert timetable["preview"] is True
    # Sale ≥5 working days and first responses ≥10 days after it starts (see factories).
    assert timetable["timetable"]["doc_issue_last_day_min"] == "2026-03-09"
    assert timetable["timetable"]["bid_deadline_earliest_day"] == "2026-03-12"
    assert any(r["rule"] == "澄清或修改距截止时间" and r["value"] == "≥5日" for r in timetable["rules"])

    drafted = post(
        agency,
        f"/projects/{code}/notices",
        {
            "kind": "tender",
            "title": "智慧大厅信息化运维服务竞争性磋商公告",
            "body": "本项目专门面向中小企业。",
            "section_codes": [section_code],
            "doc_issue_end": "2026-03-09T17:00:00+08:00",
            "bid_deadline": "2026-03-13T14:30:00+08:00",
        },
    )
    assert drafted.status_code == 201, drafted.content
    notice_id = drafted.json()["uuid"]
    assert drafted.json()["status"] == "draft"

    approved = post(staff, f"/notices/{notice_id}/approve", {"comment": "同意发布"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    assert [(a["role"], a["comment"]) for a in approved.json()["approvals"]] == [("centre_staff", "同意发布")]

    published = post(agency, f"/notices/{notice_id}/publish")
    assert published.status_code == 200, published.content
    assert (published.json()["status"], published.json()["published_at"]) == ("published", "2026-03-02T10:00:00+08:00")
    detail = agency.get(f"{API}/projects/{code}").json()
    assert detail["sections"][0]["status"] == "accepting_bids"
    assert detail["sections"][0]["bid_deadline"] == "2026-03-13T14:30:00+08:00"
    assert detail["sections"][0]["ruleset_version"] == "1"
    assert OutboxMessage.objects.filter(aggregate_id=code, event_type="tendering.notice.published").count() == 1

    content = "竞争性磋商文件 正文".encode()
    uploaded = agency.post(
        f"{API}/projects/{code}/documents",
        {"file": SimpleUploadedFile("磋商文件.pdf", content, "application/pdf"), "section_code": section_code},
    )
    assert uploaded.status_code == 201, uploaded.content
    document = uploaded.json()
    assert (document["sha256"], document["size"], document["name"]) == (
        hashlib.sha256(content).hexdigest(),
        len(content),
        "磋商文件.pdf",
    )

    # The bidder finds the tender among the open ones and obtains the documents (paid).
    tenders = bidder.get(f"{API}/tenders", {"trade_type": "procurement"}).json()
    assert [t["section_code"] for t in tenders["items"]] == [section_code]
    assert tenders["items"][0]["estimate_yuan"] == "1860000.00"
    clock_set(at(2026, 3, 3, 9))
    obtained = post(bidder, f"/sections/{section_code}/obtain")
    assert obtained.status_code == 201, obtained.content
    assert (obtained.json()["paid"], obtained.json()["amount_fen"], obtained.json()["amount_yuan"]) == (
        True,
        30_000,
        "300.00",
    )
    assert obtained.json()["documents"] == [document["uuid"]]
    download = bidder.get(f"{API}/documents/{document['uuid']}/download")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content

    clock_set(at(2026, 3, 10, 10))
    asked = post(bidder, f"/sections/{section_code}/questions", {"text": "运维人员是否须驻场？"})
    assert asked.status_code == 201, asked.content
    question_id = asked.json()["uuid"]
    seen = agency.get(f"{API}/sections/{section_code}/questions").json()
    assert seen == [
        {
            "uuid": question_id,
            "text": "运维人员是否须驻场？",
            "asked_at": "2026-03-10T10:00:00+08:00",
            "answer": None,
            "mine": False,
        }
    ]

    # An amendment on Tue 10 March, 3 days before the deadline: the 5-day lead (暂行办法 第十条)
    # takes it to Sun 15 March, which rolls over to Monday 16 March at the original 14:30.
    answered = post(
        agency,
        f"/sections/{section_code}/answers",
        {"body": "须驻场，服务人员不少于4人。", "affects_bid_preparation": True, "questions": [question_id]},
    )
    assert answered.status_code == 201, answered.content
    answer = answered.json()
    assert (answer["bid_deadline_before"], answer["bid_deadline_after"]) == (
        "2026-03-13T14:30:00+08:00",
        "2026-03-16T14:30:00+08:00",
    )
    assert answer["amendment_notice"] is not None
    notices = bidder.get(f"{API}/projects/{code}/notices").json()
    assert [(n["kind"], n["bid_deadline"]) for n in notices] == [
        ("amendment", "2026-03-16T14:30:00+08:00"),
        ("tender", "2026-03-13T14:30:00+08:00"),
    ]
    assert [a["uuid"] for a in bidder.get(f"{API}/sections/{section_code}/answers").json()] == [answer["uuid"]]

    # At the old deadline nothing happens; one second after the new one the tick opens the section.
    clock_set(at(2026, 3, 13, 14, 31))
    call_command("tick")
    assert agency.get(f"{API}/projects/{code}").json()["sections"][0]["status"] == "accepting_bids"
    clock_set(at(2026, 3, 16, 14, 30, 1))
    call_command("tick")
    assert agency.get(f"{API}/projects/{code}").json()["sections"][0]["status"] == "opening"
    # Now the list of holders may be read by the agency.
    holders = agency.get(f"{API}/sections/{section_code}/obtainers")
    assert holders.status_code == 200
    assert [(h["organisation_name"], h["amount_yuan"]) for h in holders.json()] == [
        ("昆明某路桥工程有限公司", "300.00")
    ]


def test_a_construction_tender_is_registered_and_published_through_the_api(world: World) -> None:
    tenderer, staff = signed_in("tenderer"), signed_in("staff")
    created = post(
        tenderer,
        "/projects",
        {
            "name": "昆明市呈贡区吴家营片区市政道路工程",
            "procedure": "construction.open",
            "funding_source": "财政资金",
            "budget_yuan": "86500000.00",
            "region_code": "530114",
            "industry_code": "E48",
        },
    )
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    assert code.startswith("E530114202600001")
    assert (created.json()["owner_name"], created.json()["agency_name"]) == ("昆明某城市建设投资有限公司", "")
    for name, estimate, security in (("第一标段", "52300000.00", "800000"), ("第二标段", "34200000.00", "600000")):
        assert (
            post(
                tenderer,
                f"/projects/{code}/sections",
                {"name": name, "estimate_yuan": estimate, "bid_security_yuan": security},
            ).status_code
            == 201
        )
    drafted = post(
        tenderer,
        f"/projects/{code}/notices",
        {
            "kind": "tender",
            "title": "吴家营片区市政道路工程招标公告",
            "body": "投标人须具备市政公用工程施工总承包贰级及以上资质。",
            "section_codes": [code + "001001", code + "001002"],
            "doc_issue_end": "2026-03-09T17:00:00+08:00",
            "bid_deadline": "2026-03-23T09:30:00+08:00",
        },
    ).json()
    # Revised before approval: the deadline moves a day later.
    revised = tenderer.put(
        f"{API}/notices/{drafted['uuid']}",
        data=json.dumps(
            {
                "title": "吴家营片区市政道路工程招标公告",
                "body": drafted["body"],
                "doc_issue_end": "2026-03-09T17:00:00+08:00",
                "bid_deadline": "2026-03-24T09:30:00+08:00",
            }
        ),
        content_type="application/json",
    )
    assert revised.status_code == 200, revised.content
    assert (revised.json()["bid_deadline"], revised.json()["version"]) == ("2026-03-24T09:30:00+08:00", 2)
    assert post(staff, f"/notices/{drafted['uuid']}/approve").status_code == 200
    published = post(tenderer, f"/notices/{drafted['uuid']}/publish")
    assert published.status_code == 200, published.content
    assert published.json()["section_codes"] == [code + "001001", code + "001002"]
    assert Notice.objects.get(uuid=drafted["uuid"]).status == "published"
    assert sorted(Section.objects.filter(project__code=code).values_list("status", "bid_deadline")) == [
        ("accepting_bids", at(2026, 3, 24, 9, 30)),
        ("accepting_bids", at(2026, 3, 24, 9, 30)),
    ]
    sections = tenderer.get(f"{API}/projects/{code}/timetable").json()["sections"]
    first = sections[0]
    assert first["preview"] is False
    assert first["timetable"]["bid_deadline"] == "2026-03-24T09:30:00+08:00"
    # 15 days before the deadline (招标法 第二十三条): an amendment issued from 10 March on moves it.
    assert first["timetable"]["amendment_cutoff"] == "2026-03-10T00:00:00+08:00"
    assert DocumentObtain.objects.count() == 0


def test_the_openapi_document_lists_every_tendering_endpoint_with_schemas(world: World) -> None:
    response = Client().get("/trading/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    assert paths[f"{API}/projects"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProjectIn"
    }
    assert "multipart/form-data" in paths[f"{API}/projects/{{code}}/documents"]["post"]["requestBody"]["content"]
    schemas = document["components"]["schemas"]
    assert {"ProjectOut", "SectionOut", "NoticeOut", "DocumentOut", "ObtainOut", "AnswerOut", "TenderPage"} <= set(
        schemas
    )
    assert schemas["SectionOut"]["properties"]["estimate_fen"]["type"] == "integer"
    assert schemas["SectionOut"]["properties"]["estimate_yuan"]["type"] == "string"
    assert schemas["SectionOut"]["properties"]["suspended"]["type"] == "boolean"
    assert schemas["TenderOut"]["properties"]["suspended"]["type"] == "boolean"
    assert paths[f"{API}/registrations"]["get"]["parameters"][0]["name"] == "reference"
    assert {p for p in paths if p.startswith(API)} == {
        f"{API}{p}"
        for p in (
            "/projects",
            "/projects/{code}",
            "/projects/{code}/sections",
            "/projects/{code}/timetable",
            "/projects/{code}/notices",
            "/projects/{code}/terminate",
            "/projects/{code}/documents",
            "/notices/{uuid}",
            "/notices/{uuid}/approve",
            "/notices/{uuid}/publish",
            "/sections/{code}/documents",
            "/documents/{uuid}/download",
            "/sections/{code}/obtain",
            "/sections/{code}/obtainers",
            "/sections/{code}/questions",
            "/sections/{code}/answers",
            "/sections/{code}/objections",
            "/objections/{uuid}/reply",
            "/sections/{code}/registration",
            "/sections/{code}/registrations",
            "/registrations/{uuid}",
            "/registrations/{uuid}/deposit",
            "/registrations/{uuid}/confirm",
            "/registrations/{uuid}/refuse",
            "/registrations",
            "/tenders",
            "/tenders/{section_code}",
            "/prequal/{uuid}",
            "/prequal/{uuid}/file",
            "/prequal/{uuid}/review",
            "/refunds",
            "/refunds/mine",
            "/refunds/{uuid}/paid",
            "/registrations/{uuid}/withdraw",
            "/sections/{code}/prequal",
            "/sections/{code}/prequal/application",
            "/sections/{code}/prequal/applications",
            "/sections/{code}/prequal/conclude",
            "/sections/{code}/prequal/obtain",
            "/sections/{code}/prequal/withdraw",
            "/sections/{code}/retender",
        )
    }


def test_projects_are_listed_paged_and_filtered_for_those_who_work_on_them(world: World) -> None:
    tender_publish(world)
    tender_publish(world, procedure=CONSULTATION, name="智慧大厅运维服务采购项目")
    agency = signed_in("agency")
    everything = agency.get(f"{API}/projects", {"size": 1}).json()
    assert (everything["total"], everything["pages"], len(everything["items"])) == (2, 2, 1)
    assert everything["items"][0]["name"] == "智慧大厅运维服务采购项目"  # newest first
    procurement = agency.get(f"{API}/projects", {"trade_type": "procurement"}).json()
    assert [p["procedure"] for p in procurement["items"]] == [CONSULTATION]
    assert agency.get(f"{API}/projects", {"status": "opening"}).json()["total"] == 0
    assert signed_in("bidder1").get(f"{API}/projects").json()["total"] == 0
    assert signed_in("regulator").get(f"{API}/projects").json()["total"] == 2


def test_a_tender_is_browsed_by_bidders_and_terminated_through_the_api(world: World) -> None:
    project, sections, notice = tender_publish(world)
    bidder = signed_in("bidder3")
    detail = bidder.get(f"{API}/tenders/{sections[0].code}").json()
    assert (detail["project_code"], detail["bid_deadline"], detail["bid_security_yuan"]) == (
        project.code,
        "2026-03-24T09:30:00+08:00",
        "800000.00",
    )
    assert [n["uuid"] for n in detail["notices"]] == [str(notice.uuid)]
    terminated = post(signed_in("agency"), f"/projects/{project.code}/terminate", {"reason": "项目资金未落实"})
    assert terminated.status_code == 200, terminated.content
    assert (terminated.json()["kind"], terminated.json()["references"]) == ("termination", str(notice.uuid))
    assert Section.objects.get(pk=sections[0].pk).status == "terminated"
    assert bidder.get(f"{API}/tenders").json()["total"] == 0
