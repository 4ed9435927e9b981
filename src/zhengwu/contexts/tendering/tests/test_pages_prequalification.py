"""Pre-qualification (资格预审) through the trading pages: a construction.open_prequalification tender from
project registration to its bid deadline, and the applicants' secrecy on the pages, role by role,
before and after the application deadline (dates: test_prequalification.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from zhengwu.contexts.tendering.models import Document, DocumentObtain, Notice, PrequalApplication, Section
from zhengwu.contexts.tendering.services import prequal_apply, prequal_documents_obtain
from zhengwu.contexts.tendering.tests.factories import NOW, ROLE_KEYS, World, at, world_build
from zhengwu.contexts.tendering.tests.test_pages_journeys import add_section, body, client_for, register
from zhengwu.contexts.tendering.tests.test_prequalification import (
    BID_DEADLINE,
    BIDDER1,
    PQ_DEADLINE,
    bidder_add,
    prequal_publish,
    state,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

REVIEWERS = {"tenderer", "agency", "staff"}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return world_build()


def publish(project_code: str, notice: Notice) -> None:
    response = client_for("staff").post(f"/trading/projects/{project_code}/notices/{notice.uuid}/approve/")
    assert response.status_code == 302, body(response)
    response = client_for("agency").post(f"/trading/projects/{project_code}/notices/{notice.uuid}/publish/")
    assert response.status_code == 302, body(response)


def test_a_prequalified_construction_tender_goes_from_registration_to_its_bid_deadline_through_the_pages(
    world: World,
) -> None:
    bidder_add(world, "bidder4", "昆明某市政工程有限公司")
    agency = client_for("agency")
    project = register(
        agency,
        name="呈贡区污水处理厂提标改造工程",
        procedure="construction.open_prequalification",
        tenderer_uscc=world.uscc["tenderer"],
        funding_source="财政资金",
        budget_yuan="86500000.00",
        region_code="530114",
        industry_code="E48",
    )
    section = add_section(
        agency, project, name="施工标", estimate_yuan="52300000", bid_security_yuan="800000", document_price_yuan="0"
    )
    response = agency.post(
        f"/trading/projects/{project.code}/notices/",
        {
            "kind": "prequalification",
            "title": "资格预审公告",
            "body": "申请人须具备市政公用工程施工总承包二级及以上资质。",
            "sections": [section.code],
            "doc_issue_end": "2026-03-07T17:00",
            "bid_deadline": "2026-03-12T09:30",
        },
    )
    assert response.status_code == 302, body(response)
    publish(project.code, Notice.objects.get(project=project))
    section.refresh_from_db()
    assert (section.status, section.prequal_deadline) == ("prequalification", PQ_DEADLINE)
    page = body(agency.get(f"/trading/projects/{project.code}/"))
    assert '<strong data-testid="prequal-deadline">2026-03-12 09:30</strong>' in page
    assert 'data-testid="prequal-list-link"' not in page

    content = b"%PDF prequalification documents"
    response = agency.post(
        f"/trading/projects/{project.code}/documents/",
        {
            "file": SimpleUploadedFile("资格预审文件.pdf", content),
            "section": section.code,
            "stage": "prequalification",
        },
    )
    assert response.status_code == 302, body(response)
    document = Document.objects.get(project=project)
    assert (document.stage, document.sha256) == ("prequalification", hashlib.sha256(content).hexdigest())

    for key in ("bidder1", "bidder2", "bidder3", "bidder4"):
        bidder = client_for(key)
        page = body(bidder.get(f"/trading/tenders/{section.code}/"))
        assert '<dd data-testid="prequal-deadline">2026-03-12 09:30</dd>' in page
        assert 'data-testid="prequal-obtain"' in page
        assert bidder.get(f"/trading/documents/{document.uuid}/").status_code == 403
        response = bidder.post(f"/trading/tenders/{section.code}/prequal/obtain/")
        assert response.status_code == 302, body(response)
        assert bidder.get(f"/trading/documents/{document.uuid}/").status_code == 200
        response = bidder.post(
            f"/trading/tenders/{section.code}/prequal/apply/",
            {"file": SimpleUploadedFile("申请文件.pdf", key.encode())},
        )
        assert response.status_code == 302, body(response)
        page = body(bidder.get(f"/trading/tenders/{section.code}/"))
        assert 'data-status="submitted"' in page
        assert hashlib.sha256(key.encode()).hexdigest() in page
    # bidder4 replaces its file, withdraws and submits again.
    bidder4 = client_for("bidder4")
    response = bidder4.post(
        f"/trading/tenders/{section.code}/prequal/apply/", {"file": SimpleUploadedFile("修改.pdf", b"v2")}
    )
    assert response.status_code == 302, body(response)
    assert bidder4.post(f"/trading/tenders/{section.code}/prequal/withdraw/").status_code == 302
    assert PrequalApplication.objects.get(organisation_name="昆明某市政工程有限公司").status == "withdrawn"
    response = bidder4.post(
        f"/trading/tenders/{section.code}/prequal/apply/", {"file": SimpleUploadedFile("v3.pdf", b"v3")}
    )
    assert response.status_code == 302, body(response)
    # The review list is secret before the deadline.
    assert agency.get(f"/trading/sections/{section.code}/prequal/").status_code == 403

    clock_set(PQ_DEADLINE)
    # Too late to apply: refused on the page, nothing changed.
    before = state()
    response = bidder4.post(
        f"/trading/tenders/{section.code}/prequal/apply/", {"file": SimpleUploadedFile("late.pdf", b"late")}
    )
    assert response.status_code == 400
    assert "资格预审申请文件递交截止时间已过" in body(response)
    assert state() == before
    page = body(agency.get(f"/trading/projects/{project.code}/"))
    assert 'data-testid="prequal-list-link"' in page
    listing = agency.get(f"/trading/sections/{section.code}/prequal/")
    assert listing.status_code == 200
    assert body(listing).count('data-testid="prequal-review"') == 4
    applications = {a.organisation_name: a for a in PrequalApplication.objects.all()}
    for name, application in applications.items():
        decision = (
            {"decision": "fail", "reason": "业绩不符"} if name == "昆明某市政工程有限公司" else {"decision": "pass"}
        )
        response = agency.post(f"/trading/prequal/{application.uuid}/review/", decision)
        assert response.status_code == 302, body(response)
    # Failing without a reason is refused on the list page.
    failing = applications["昆明某市政工程有限公司"]
    response = client_for("staff").post(f"/trading/prequal/{failing.uuid}/review/", {"decision": "fail"})
    assert response.status_code == 400
    assert "请填写不合格理由" in body(response)
    response = agency.post(f"/trading/sections/{section.code}/prequal/conclude/")
    assert response.status_code == 302, body(response)
    section.refresh_from_db()
    assert (section.status, section.prequal_concluded_at) == ("prequalification", PQ_DEADLINE)
    page = body(client_for("bidder4").get(f"/trading/tenders/{section.code}/"))
    assert 'data-testid="prequal-result" data-passed="false"' in page
    assert "业绩不符" in page
    page = body(client_for("bidder1").get(f"/trading/tenders/{section.code}/"))
    assert 'data-testid="prequal-result" data-passed="true"' in page

    response = agency.post(
        f"/trading/projects/{project.code}/documents/",
        {"file": SimpleUploadedFile("招标文件.pdf", b"tender"), "section": section.code},
    )
    assert response.status_code == 302, body(response)
    clock_set(at(2026, 3, 13, 10))
    response = agency.post(
        f"/trading/projects/{project.code}/notices/",
        {
            "kind": "invitation",
            "title": "投标邀请书",
            "body": "致资格预审合格的申请人。",
            "sections": [section.code],
            "doc_issue_end": "2026-03-18T17:00",
            "bid_deadline": "2026-04-02T09:30",
        },
    )
    assert response.status_code == 302, body(response)
    publish(project.code, Notice.objects.get(project=project, kind="invitation"))
    section.refresh_from_db()
    assert (section.status, section.bid_deadline) == ("accepting_bids", BID_DEADLINE)

    response = client_for("bidder4").post(f"/trading/tenders/{section.code}/obtain/")
    assert response.status_code == 403
    assert "只有资格预审合格的申请人可以获取招标文件" in body(response)
    response = client_for("bidder1").post(f"/trading/tenders/{section.code}/obtain/")
    assert response.status_code == 302, body(response)
    obtain = DocumentObtain.objects.get(section=section)
    assert [d.name for d in obtain.documents.all()] == ["招标文件.pdf"]

    clock_set(BID_DEADLINE)
    call_command("tick", "--quiet", stdout=StringIO())
    section.refresh_from_db()
    assert section.status == "opening"


def test_the_applicants_and_their_files_on_the_pages_role_by_role(world: World) -> None:
    section = prequal_publish(world)
    prequal_documents_obtain(section=section, by=world["bidder1"])
    application = prequal_apply(section=section, name="申请文件.pdf", content=b"application", by=world["bidder1"])
    urls = {
        "list": f"/trading/sections/{section.code}/prequal/",
        "file": f"/trading/prequal/{application.uuid}/file/",
        "tender": f"/trading/tenders/{section.code}/",
    }
    walkers = [k for k in ROLE_KEYS if k != "system"]
    for after in (False, True):
        if after:
            clock_set(PQ_DEADLINE)
        for key in walkers:
            client = client_for(key)
            listing = client.get(urls["list"])
            download = client.get(urls["file"])
            tender = body(client.get(urls["tender"]))
            if after and key in REVIEWERS:
                assert listing.status_code == 200, key
                assert BIDDER1 in body(listing)
                assert download.status_code == 200, key
                assert 'data-testid="prequal-list-link"' in tender
                continue
            assert listing.status_code == 403, (key, after)
            assert BIDDER1 not in body(listing)
            if key == "bidder1":
                assert download.status_code == 200
                assert b"".join(download.streaming_content) == b"application"  # type: ignore[attr-defined]
                assert 'data-testid="own-prequal"' in tender
                continue
            assert download.status_code == 404, (key, after)
            assert BIDDER1 not in body(download)
            assert BIDDER1 not in tender
            assert "申请文件.pdf" not in tender
            assert 'data-testid="prequal-list-link"' not in tender
    assert AuditEntry.objects.filter(action="tendering.prequal_applications.view").count() == len(REVIEWERS)
    assert Section.objects.get(pk=section.pk).status == "prequalification"
