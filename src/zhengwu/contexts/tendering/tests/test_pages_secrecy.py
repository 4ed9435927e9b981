"""Secrecy walk over the trading pages: before the bid deadline nobody but the bidder itself learns
that it obtained the documents — not from any page, whatever the role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.services import document_obtain, document_upload, objection_file, question_ask
from zhengwu.contexts.tendering.tests.factories import NOW, World, at, tender_publish, world_build
from zhengwu.contexts.tendering.tests.test_pages_journeys import client_for
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

# Every role of the brief; "bidder1" obtains the documents, "bidder2" is another bidder.
WALKERS = (
    "staff",
    "tenderer",
    "agency",
    "bidder1",
    "bidder2",
    "expert",
    "regulator",
    "appraiser",
    "leader",
    "dept",
    None,  # anonymous
)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


def _pages(project_code: str, section_code: str, document_id: str) -> list[str]:
    return [
        "/trading/",
        "/trading/tenders/",
        f"/trading/tenders/{section_code}/",
        "/trading/projects/",
        "/trading/projects/new/",
        f"/trading/projects/{project_code}/",
        f"/trading/sections/{section_code}/obtainers/",
        f"/trading/documents/{document_id}/",
    ]


def _client(key: str | None) -> Client:
    return client_for(key) if key else Client()


def test_before_the_deadline_no_page_tells_anyone_but_the_bidder_that_it_obtained_the_documents(
    world: World,
) -> None:
    project, sections, _ = tender_publish(world)
    section = sections[0]
    document = document_upload(
        project=project, section=section, name="招标文件.pdf", content=b"%PDF secret", by=world["agency"]
    )
    document_obtain(section=section, by=world["bidder1"])
    question_ask(section=section, text="工期能否调整？", by=world["bidder1"])
    objection_file(section=section, kind="tender_documents", text="资格条件排斥潜在投标人。", by=world["bidder1"])
    secrets = ("云南某建设工程有限公司", world.uscc["bidder1"], "bidder1")
    pages = _pages(project.code, section.code, str(document.uuid))
    denied_before = AuditEntry.objects.filter(action="tendering.obtainers.view_denied").count()

    for key in WALKERS:
        client = _client(key)
        for url in pages:
            response = client.get(url)
            assert response.status_code < 500, (key, url)
            if url.endswith("/obtainers/"):
                if key is None:
                    assert response.status_code == 302
                    assert response["Location"].startswith("/trading/accounts/login/")
                else:
                    assert response.status_code == 403, (key, url)
            if key == "bidder1" or url.startswith("/trading/documents/"):
                continue
            text = response.content.decode()
            for secret in secrets:
                assert secret not in text, (key, url, secret)
        if key == "bidder1":
            # The bidder's own page tells it its own status.
            assert 'data-testid="obtain-status"' in client.get(f"/trading/tenders/{section.code}/").content.decode()

    # Every signed-in look at the list was refused and audited.
    signed_in = len([k for k in WALKERS if k is not None])
    denied = AuditEntry.objects.filter(action="tendering.obtainers.view_denied").count()
    assert denied - denied_before == signed_in


def test_after_the_deadline_the_tenderer_agency_and_staff_see_the_list_and_other_bidders_do_not(
    world: World,
) -> None:
    _, sections, _ = tender_publish(world)
    section = sections[0]
    document_obtain(section=section, by=world["bidder1"])
    clock_set(at(2026, 3, 24, 9, 30))
    section = Section.objects.get(pk=section.pk)
    for key in ("tenderer", "agency", "staff"):
        response = client_for(key).get(f"/trading/sections/{section.code}/obtainers/")
        assert response.status_code == 200, key
        assert "云南某建设工程有限公司" in response.content.decode()
        tender_page = client_for(key).get(f"/trading/tenders/{section.code}/").content.decode()
        assert 'data-testid="obtainers-link"' in tender_page
    for key in ("bidder2", "bidder1", "expert", "tenderer_other", "agency_other"):
        response = client_for(key).get(f"/trading/sections/{section.code}/obtainers/")
        assert response.status_code == 403, key
        assert "云南某建设工程有限公司" not in response.content.decode()
    assert AuditEntry.objects.filter(action="tendering.obtainers.view").count() == 3
