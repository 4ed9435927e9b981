"""Pre-qualification (资格预审) through the trading API: a construction.open_prequalification tender from
project registration to its bid deadline, and the secrecy of the applicants over every GET endpoint
and every role, before and after the application deadline (dates: test_prequalification.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from zhengwu.contexts.tendering.models import DocumentObtain, PrequalApplication, Section
from zhengwu.contexts.tendering.services import document_upload, prequal_apply, prequal_documents_obtain
from zhengwu.contexts.tendering.tests.factories import NOW, World, at, world_build
from zhengwu.contexts.tendering.tests.test_api_secrecy import WALKERS, body_of, client_for, fill, get_paths
from zhengwu.contexts.tendering.tests.test_prequalification import (
    BID_DEADLINE,
    BIDDER1,
    PQ_DEADLINE,
    bidder_add,
    prequal_publish,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
REVIEWERS = {"tenderer", "agency", "staff"}
OWN = "/sections/{code}/prequal"
LIST = "/sections/{code}/prequal/applications"
ONE = "/prequal/{uuid}"
FILE = "/prequal/{uuid}/file"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return world_build()


def post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(API + path, data=json.dumps(body or {}), content_type="application/json")


def test_a_prequalified_construction_tender_goes_from_registration_to_its_bid_deadline_through_the_api(
    world: World,
) -> None:
    bidder_add(world, "bidder4", "昆明某市政工程有限公司")
    agency, staff = client_for("agency"), client_for("staff")
    created = post(
        agency,
        "/projects",
        {
            "name": "呈贡区污水处理厂提标改造工程",
            "procedure": "construction.open_prequalification",
            "funding_source": "财政资金",
            "budget_yuan": "86500000",
            "region_code": "530114",
            "industry_code": "E48",
            "tenderer_uscc": world.uscc["tenderer"],
        },
    )
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    added = post(agency, f"/projects/{code}/sections", {"name": "施工标", "estimate_yuan": "52300000"})
    section_code = added.json()["code"]

    # A tender notice straight away is refused: this procedure pre-qualifies first.
    tender = post(
        agency,
        f"/projects/{code}/notices",
        {
            "kind": "tender",
            "title": "招标公告",
            "body": "正文",
            "section_codes": [section_code],
            "doc_issue_end": "2026-03-09T17:00:00+08:00",
            "bid_deadline": "2026-03-24T09:30:00+08:00",
        },
    ).json()
    post(staff, f"/notices/{tender['uuid']}/approve")
    refused = post(agency, f"/notices/{tender['uuid']}/publish")
    assert (refused.status_code, refused.json()["code"]) == (409, "prequalification_required")

    drafted = post(
        agency,
        f"/projects/{code}/notices",
        {
            "kind": "prequalification",
            "title": "资格预审公告",
            "body": "申请人须具备市政公用工程施工总承包二级及以上资质。",
            "section_codes": [section_code],
            "doc_issue_end": "2026-03-07T17:00:00+08:00",
            "bid_deadline": "2026-03-12T09:30:00+08:00",
        },
    ).json()
    post(staff, f"/notices/{drafted['uuid']}/approve")
    published = post(agency, f"/notices/{drafted['uuid']}/publish")
    assert published.status_code == 200, published.content
    sections = agency.get(f"{API}/projects/{code}").json()["sections"]
    assert (sections[0]["status"], sections[0]["ruleset_version"]) == ("prequalification", "1")

    content = b"%PDF prequalification documents"
    uploaded = agency.post(
        f"{API}/projects/{code}/documents",
        {
            "file": SimpleUploadedFile("资格预审文件.pdf", content),
            "section_code": section_code,
            "stage": "prequalification",
        },
    )
    assert uploaded.status_code == 201, uploaded.content
    assert (uploaded.json()["stage"], uploaded.json()["sha256"]) == (
        "prequalification",
        hashlib.sha256(content).hexdigest(),
    )
    document_id = uploaded.json()["uuid"]

    keys = ("bidder1", "bidder2", "bidder3", "bidder4")
    for key in keys:
        client = client_for(key)
        response = post(client, f"/sections/{section_code}/prequal/obtain")
        assert response.status_code == 201, response.content
        own = response.json()
        assert (own["status"], own["prequal_deadline"], own["document_price_fen"]) == (
            "prequalification",
            "2026-03-12T09:30:00+08:00",
            0,
        )
        assert own["application"]["status"] == "obtained"
        assert client.get(f"{API}/documents/{document_id}/download").status_code == 200
        response = client.post(
            f"{API}/sections/{section_code}/prequal/application",
            {"file": SimpleUploadedFile("申请文件.pdf", key.encode())},
        )
        assert response.status_code == 201, response.content
        assert response.json()["application"]["file_sha256"] == hashlib.sha256(key.encode()).hexdigest()
    # Before the deadline the list is secret even to the agency; the review is refused.
    response = agency.get(f"{API}/sections/{section_code}/prequal/applications")
    assert (response.status_code, response.json()["code"]) == (403, "prequal_applicants_secret")
    own_ref = client_for("bidder1").get(f"{API}/sections/{section_code}/prequal").json()["application"]["uuid"]
    response = post(agency, f"/prequal/{own_ref}/review", {"passed": True})
    assert (response.status_code, response.json()["code"]) == (404, "prequal_application_not_found")

    clock_set(PQ_DEADLINE)
    rows = agency.get(f"{API}/sections/{section_code}/prequal/applications").json()
    assert [r["status"] for r in rows] == ["submitted"] * 4
    by_name = {r["organisation_name"]: r["uuid"] for r in rows}
    for uuid in list(by_name.values())[:3]:
        response = post(agency, f"/prequal/{uuid}/review", {"passed": True})
        assert (response.status_code, response.json()["status"]) == (200, "passed")
    last = list(by_name.values())[3]
    response = post(staff, f"/prequal/{last}/review", {"passed": False})
    assert (response.status_code, response.json()["code"]) == (400, "reason_required")
    assert post(staff, f"/prequal/{last}/review", {"passed": False, "reason": "业绩不符"}).json()["status"] == "failed"
    # The applicant sees no decision before the conclusion.
    mine = client_for("bidder4").get(f"{API}/sections/{section_code}/prequal").json()["application"]
    assert (mine["status"], mine["result"]) == ("submitted", None)
    concluded = post(agency, f"/sections/{section_code}/prequal/conclude")
    assert (concluded.status_code, concluded.json()["status"]) == (200, "prequalification")
    mine = client_for("bidder4").get(f"{API}/sections/{section_code}/prequal").json()["application"]
    assert (mine["status"], mine["result"]["passed"], mine["result"]["reason"]) == ("failed", False, "业绩不符")
    assert (
        client_for("bidder1").get(f"{API}/sections/{section_code}/prequal").json()["application"]["result"]["passed"]
        is True
    )

    tender_doc = agency.post(
        f"{API}/projects/{code}/documents",
        {"file": SimpleUploadedFile("招标文件.pdf", b"tender"), "section_code": section_code},
    )
    assert tender_doc.status_code == 201, tender_doc.content
    clock_set(at(2026, 3, 13, 10))
    invitation = post(
        agency,
        f"/projects/{code}/notices",
        {
            "kind": "invitation",
            "title": "投标邀请书",
            "body": "致资格预审合格的申请人。",
            "section_codes": [section_code],
            "doc_issue_end": "2026-03-18T17:00:00+08:00",
            "bid_deadline": "2026-04-02T09:30:00+08:00",
        },
    ).json()
    post(staff, f"/notices/{invitation['uuid']}/approve")
    assert post(agency, f"/notices/{invitation['uuid']}/publish").status_code == 200
    detail = agency.get(f"{API}/projects/{code}").json()["sections"][0]
    assert (detail["status"], detail["bid_deadline"]) == ("accepting_bids", "2026-04-02T09:30:00+08:00")

    response = post(client_for("bidder4"), f"/sections/{section_code}/obtain")
    assert (response.status_code, response.json()["code"]) == (403, "prequalification_not_passed")
    response = post(client_for("bidder1"), f"/sections/{section_code}/obtain")
    assert response.status_code == 201, response.content
    assert len(response.json()["documents"]) == 1  # the tender documents, not the pre-qualification ones
    assert DocumentObtain.objects.count() == 1

    clock_set(BID_DEADLINE)
    call_command("tick", "--quiet", stdout=StringIO())
    assert Section.objects.get(code=section_code).status == "opening"


@pytest.fixture
def prequalified(world: World) -> dict[str, str]:
    """A section in pre-qualification where bidder1 obtained the documents and applied."""
    section = prequal_publish(world)
    document_upload(
        project=section.project,
        section=section,
        name="资格预审文件.pdf",
        content=b"pq",
        stage="prequalification",
        by=world["agency"],
    )
    prequal_documents_obtain(section=section, by=world["bidder1"])
    application = prequal_apply(section=section, name="申请文件.pdf", content=b"application", by=world["bidder1"])
    notice = section.notices.get()
    document = section.documents.get()
    return {
        "projects/code": section.project.code,
        "sections/code": section.code,
        "tenders/section_code": section.code,
        "notices/uuid": str(notice.uuid),
        "documents/uuid": str(document.uuid),
        "objections/uuid": str(application.uuid),  # no objection here: any id gives 404
        "registrations/uuid": str(application.uuid),
        "prequal/uuid": str(application.uuid),
    }


@pytest.mark.parametrize("after", [False, True], ids=["before_deadline", "after_deadline"])
def test_no_get_endpoint_names_the_applicant_but_to_itself_and_after_the_deadline_to_the_reviewers(
    world: World, prequalified: dict[str, str], after: bool
) -> None:
    secrets = (BIDDER1, world.uscc["bidder1"], "bidder1", "申请文件.pdf")
    if after:
        clock_set(PQ_DEADLINE)
    for username in WALKERS:
        client = client_for(username)
        for template in get_paths():
            response = client.get(API + fill(template, prequalified))
            assert response.status_code < 500, (username, template)
            if username is None:
                assert response.status_code == 401, template
                continue
            body = body_of(response)
            if username == "bidder1" and template in (OWN, ONE, FILE):
                # Its own application, and its own file.
                if template == FILE:
                    assert body == "application"
                else:
                    own = response.json()
                    application = own["application"] if template == OWN else own
                    assert application["organisation_name"] == BIDDER1
                continue
            if after and username in REVIEWERS and template in (LIST, ONE, FILE):
                assert response.status_code == 200, (username, template)
                assert BIDDER1 in body or body == "application", (username, template)
                continue
            for secret in secrets:
                assert secret not in body, (username, template, secret)
            if template == LIST:
                expected = "prequal_applicants_denied" if after else "prequal_applicants_secret"
                assert (response.status_code, response.json()["code"]) == (403, expected), username
            if template in (ONE, FILE):
                assert (response.status_code, response.json()["code"]) == (404, "prequal_application_not_found")
            if template == OWN:
                assert response.json()["application"] is None, username
    denied = AuditEntry.objects.filter(
        action="tendering.prequal_applications.view_denied", object_id=prequalified["sections/code"]
    )
    viewed = AuditEntry.objects.filter(
        action="tendering.prequal_applications.view", object_id=prequalified["sections/code"]
    )
    signed_in = len(WALKERS) - 1
    if after:
        assert (denied.count(), viewed.count()) == (signed_in - len(REVIEWERS), len(REVIEWERS))
        downloads = AuditEntry.objects.filter(action="tendering.prequal_application.download")
        assert downloads.count() == len(REVIEWERS)
    else:
        assert (denied.count(), viewed.count()) == (signed_in, 0)
    assert PrequalApplication.objects.count() == 1
