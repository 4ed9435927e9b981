"""Tender documents: stored with their SHA-256, obtained by bidders only while they are issued."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.models import AnswerDelivery, Document, DocumentObtain
from zhengwu.contexts.tendering.services import (
    answer_publish,
    document_obtain,
    document_upload,
    notice_approve,
    notice_publish,
)
from zhengwu.contexts.tendering.services import documents as documents_module
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    World,
    at,
    notice_make,
    project_make,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def files(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


@pytest.fixture
def world(db: Any, settings: Any, files: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


# --- upload -----------------------------------------------------------------------------------------


def test_an_upload_is_stored_under_the_project_with_its_size_and_sha256(world: World, files: Path) -> None:
    project, sections = project_make(world)
    content = "第一章 招标公告\n".encode() * 100_000  # 2.3 MB: read in several chunks
    document = document_upload(
        project=project,
        section=sections[0],
        name="C:\\招标\\招标文件.pdf",
        content=io.BytesIO(content),
        by=world["agency"],
    )
    assert (document.name, document.size, document.sha256) == (
        "招标文件.pdf",
        len(content),
        hashlib.sha256(content).hexdigest(),
    )
    assert document.storage_name == f"tendering/{project.uuid}/{document.uuid}"
    assert (files / document.storage_name).read_bytes() == content
    with selectors.document_open(document=document) as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == document.sha256
    entry = AuditEntry.objects.filter(action="tendering.document.upload").get()
    assert entry.after["sha256"] == document.sha256


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("招标文件.pdf", b"", "document_empty"),
        ("", b"x", "document_name_required"),
        ("../", b"x", "document_name_required"),
        ("招标\x07文件.pdf", b"x", "document_name_invalid"),
        ("文" * 201, b"x", "document_name_too_long"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    world: World, files: Path, name: str, content: bytes, code: str
) -> None:
    project, _ = project_make(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        document_upload(project=project, name=name, content=content, by=world["agency"])
    assert caught.value.code == code
    assert snapshot() == before
    assert not (files / "tendering").exists()


def test_an_oversized_upload_is_refused_without_a_file_left_behind(
    world: World, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(documents_module, "DOCUMENT_MAX_BYTES", 1024 * 1024)
    project, _ = project_make(world)
    with pytest.raises(InvalidInput) as caught:
        document_upload(project=project, name="图纸.zip", content=b"z" * (1024 * 1024 + 1), by=world["agency"])
    assert (caught.value.code, caught.value.detail["max_bytes"]) == ("document_too_large", 1024 * 1024)
    assert Document.objects.count() == 0
    assert not (files / "tendering").exists()


def test_documents_cannot_be_uploaded_to_a_section_after_its_deadline(world: World) -> None:
    project, sections, _ = tender_publish(world)
    clock_set(at(2026, 3, 24, 9, 30))
    with pytest.raises(Conflict) as caught:
        document_upload(project=project, section=sections[0], name="补遗.pdf", content=b"late", by=world["agency"])
    assert caught.value.code == "documents_closed"


# --- obtaining --------------------------------------------------------------------------------------


def test_a_bidder_obtains_the_documents_once_and_receives_later_ones_too(world: World) -> None:
    project, sections = project_make(world, document_price_yuan="200.00")
    section = sections[0]
    first = document_upload(project=project, section=section, name="招标文件.pdf", content=b"v1", by=world["agency"])
    public = document_upload(project=project, name="公告附件.pdf", content=b"pub", is_public=True, by=world["agency"])
    notice_approve(notice=notice_make(world, project, sections), by=world["staff"])
    notice_publish(notice=project.notices.get(), by=world["agency"])

    obtain = document_obtain(section=section, by=world["bidder1"])
    assert (obtain.organisation_name, obtain.paid, obtain.amount_fen, obtain.obtained_at) == (
        "云南某建设工程有限公司",
        True,
        20_000,
        NOW,
    )
    assert list(obtain.documents.all()) == [first]
    entries = AuditEntry.objects.filter(action="tendering.document.obtain").count()
    clock_set(at(2026, 3, 3, 9))
    again = document_obtain(section=section, by=world["bidder1"])
    assert (again.pk, again.obtained_at) == (obtain.pk, NOW)
    assert AuditEntry.objects.filter(action="tendering.document.obtain").count() == entries
    assert DocumentObtain.objects.count() == 1

    later = document_upload(project=project, section=section, name="补遗文件.pdf", content=b"v2", by=world["agency"])
    assert set(obtain.documents.all()) == {first, later}
    assert selectors.documents_for(section=section, by=world["bidder1"]) == [first, public, later]
    assert selectors.documents_for(section=section, by=world["bidder2"]) == [public]
    assert selectors.document_download(document=later, by=world["bidder1"]) == later
    with pytest.raises(PermissionDenied):
        selectors.document_download(document=later, by=world["bidder2"])
    assert selectors.document_download(document=public, by=world["bidder2"]) == public


def test_documents_are_issued_only_between_the_issue_start_and_end(world: World) -> None:
    project, sections = project_make(world)
    notice = notice_make(world, project, sections, doc_issue_start=at(2026, 3, 3, 9), doc_issue_end=at(2026, 3, 9, 17))
    notice_approve(notice=notice, by=world["staff"])
    notice_publish(notice=notice, by=world["agency"])
    section = sections[0]
    before = snapshot()
    with pytest.raises(Conflict) as early:
        document_obtain(section=section, by=world["bidder1"])
    assert (early.value.code, early.value.detail["doc_issue_start"]) == (
        "document_issue_not_started",
        "2026-03-03T01:00:00+00:00",
    )
    assert snapshot() == before
    clock_set(at(2026, 3, 3, 9))
    document_obtain(section=section, by=world["bidder1"])
    clock_set(at(2026, 3, 9, 16, 59, 59))
    document_obtain(section=section, by=world["bidder2"])
    clock_set(at(2026, 3, 9, 17))
    with pytest.raises(Conflict) as late:
        document_obtain(section=section, by=world["bidder3"])
    assert (late.value.code, late.value.detail["doc_issue_end"]) == (
        "document_issue_closed",
        "2026-03-09T09:00:00+00:00",
    )
    assert DocumentObtain.objects.count() == 2


def test_documents_are_refused_at_the_deadline_even_before_the_scheduler_has_run(world: World) -> None:
    _, sections, _ = tender_publish(world)
    section = sections[0]
    section.doc_issue_end = None  # issued until the deadline
    section.save(update_fields=["doc_issue_end"])
    clock_set(at(2026, 3, 24, 9, 30))
    with pytest.raises(Conflict) as caught:
        document_obtain(section=section, by=world["bidder1"])
    assert caught.value.code == "bid_deadline_passed"
    section.refresh_from_db()
    assert section.status == "accepting_bids"  # the tick has not run: the clock alone refuses


def test_documents_of_an_unpublished_section_cannot_be_obtained(world: World) -> None:
    _, sections = project_make(world)
    with pytest.raises(Conflict) as caught:
        document_obtain(section=sections[0], by=world["bidder1"])
    assert caught.value.code == "section_not_published"


def test_a_late_holder_receives_the_answers_published_before(world: World) -> None:
    _, sections, _ = tender_publish(world)
    section = sections[0]
    document_obtain(section=section, by=world["bidder1"])
    answer = answer_publish(
        section=section, body="工期为365日历天。", affects_bid_preparation=False, by=world["agency"]
    )
    assert list(AnswerDelivery.objects.values_list("organisation_id", flat=True)) == [world["bidder1"].organisation_id]
    assert selectors.answers_for(section=section, by=world["bidder2"]) == []
    document_obtain(section=section, by=world["bidder2"])
    assert selectors.answers_for(section=section, by=world["bidder2"]) == [answer]
