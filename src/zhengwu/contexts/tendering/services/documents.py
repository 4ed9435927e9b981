"""Tender documents: upload with their SHA-256, and bidders obtaining them (free or paid).

Files live in Django's default storage under ``tendering/<project uuid>/<document uuid>``; the
name a person gave the file is kept in the database only, so no uploaded name ever reaches a
storage path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import mimetypes
import unicodedata
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import iso
from zhengwu.contexts.tendering.models import (
    DOCUMENT_STAGE_LABELS,
    Answer,
    AnswerDelivery,
    Document,
    DocumentObtain,
    PrequalApplication,
    Project,
    Section,
)
from zhengwu.contexts.tendering.services._holders import holder_obtains
from zhengwu.contexts.tendering.services.common import BEFORE_DEADLINE_STATUSES, require_manager, suspension_check
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append

# Large enough for a full set of construction drawings; anything bigger is split by the uploader.
DOCUMENT_MAX_BYTES = 512 * 1024 * 1024
CHUNK_BYTES = 1024 * 1024
NAME_MAX = 200


def _name_checked(name: str) -> str:
    # Keep only the last path component a browser may send, and refuse control characters.
    cleaned = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not cleaned or cleaned in {".", ".."}:
        raise InvalidInput("请提供文件名", code="document_name_required", detail={"field": "name"})
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(
            f"文件名不能超过{NAME_MAX}个字符", code="document_name_too_long", detail={"field": "name", "max": NAME_MAX}
        )
    if any(unicodedata.category(ch) == "Cc" for ch in cleaned):
        raise InvalidInput("文件名含有控制字符", code="document_name_invalid", detail={"field": "name"})
    return cleaned


def _digest(file: File) -> tuple[int, str]:
    """Size and SHA-256 of ``file``, read in chunks (never whole into memory); refuses oversize files.

    The digest is SHA-256 whatever the configured crypto suite: the issue and the NoticePublished
    event name it, and bidders check it with ordinary tools. kernel.crypto has no incremental
    hashing yet, hence hashlib here.
    """
    hasher = hashlib.sha256()
    size = 0
    for chunk in file.chunks(CHUNK_BYTES):
        size += len(chunk)
        if size > DOCUMENT_MAX_BYTES:
            raise InvalidInput(
                f"文件不能超过{DOCUMENT_MAX_BYTES // (1024 * 1024)}MB",
                code="document_too_large",
                detail={"field": "file", "max_bytes": DOCUMENT_MAX_BYTES},
            )
        hasher.update(chunk)
    if size == 0:
        raise InvalidInput("文件为空", code="document_empty", detail={"field": "file"})
    return size, hasher.hexdigest()


def _open_for_upload(content: IO[bytes] | bytes) -> File:
    file = File(io.BytesIO(content)) if isinstance(content, bytes | bytearray) else File(content)
    try:
        file.seek(0)
    except (AttributeError, OSError, io.UnsupportedOperation) as exc:
        raise InvalidInput("无法读取上传的文件", code="document_unreadable", detail={"field": "file"}) from exc
    return file


def _stage_open(section: Section, stage: str, now: dt.datetime) -> bool:
    if stage == "prequalification":
        # Pre-qualification documents: until the application deadline of a draft or pre-qualifying section.
        return section.status in (rules.SectionStatus.DRAFT, rules.SectionStatus.PREQUALIFICATION) and (
            section.prequal_deadline is None or now < section.prequal_deadline
        )
    # Tender documents are prepared during pre-qualification too, for the invitation.
    return section.status in (*BEFORE_DEADLINE_STATUSES, rules.SectionStatus.PREQUALIFICATION) and (
        section.bid_deadline is None or now < section.bid_deadline
    )


def _open_sections(project: Project, section: Section | None, now: dt.datetime, stage: str = "tender") -> list[Section]:
    """The sections a new document goes to; refuses when their bid deadline has passed."""
    sections = [section] if section is not None else list(project.sections.order_by("index"))
    open_ = [s for s in sections if _stage_open(s, stage, now)]
    if section is not None and not open_:
        raise Conflict(
            "该标段投标截止时间已过或已终止，不能再上传文件", code="documents_closed", detail={"section": section.code}
        )
    if section is None and sections and not open_:
        raise Conflict(
            "项目各标段均已截止或终止，不能再上传文件", code="documents_closed", detail={"project": project.code}
        )
    return open_


def document_upload(
    *,
    project: Project,
    name: str,
    content: IO[bytes] | bytes,
    section: Section | None = None,
    is_public: bool = False,
    content_type: str = "",
    stage: str = "tender",
    by: Actor,
) -> Document:
    """Store a document of ``project`` (of one section, or of all when ``section`` is None).

    Its size and SHA-256 are computed while reading it in chunks. Tender documents
    (``is_public=False``) go to those who obtain them — and, when uploaded later, to everyone who
    already did; public documents are attached to the project's notices for everyone.
    ``stage="prequalification"``: pre-qualification documents (资格预审文件), never public, for the
    organisations that obtain them (``prequal_documents_obtain``), until the application deadline.
    """
    require_manager(project, by, what="上传文件")
    name = _name_checked(name)
    if stage not in DOCUMENT_STAGE_LABELS:
        raise InvalidInput("未知的文件类别", code="document_stage_invalid", detail={"field": "stage", "stage": stage})
    if stage == "prequalification" and is_public:
        raise InvalidInput(
            "资格预审文件只向获取的申请人提供，不能作为公开附件",
            code="document_stage_public",
            detail={"field": "is_public"},
        )
    if section is not None and section.project_id != project.pk:
        raise InvalidInput("所选标段不属于本项目", code="document_section_foreign", detail={"field": "section"})
    now = clock_now()
    sections = _open_sections(project, section, now, stage)
    # Refused before the file is read; checked again on the locked rows below.
    for target in sections:
        suspension_check(target)
    file = _open_for_upload(content)
    size, sha256 = _digest(file)
    file.seek(0)
    document = Document(
        project=project,
        section=section,
        name=name,
        size=size,
        sha256=sha256,
        content_type=(content_type or mimetypes.guess_type(name)[0] or "application/octet-stream")[:100],
        is_public=bool(is_public),
        stage=stage,
        uploaded_by_user_id=by.user_id,
        uploaded_by_username=by.username,
        uploaded_at=now,
    )
    stored = default_storage.save(f"tendering/{project.uuid}/{document.uuid}", file)
    try:
        with transaction.atomic():
            # A document reaching a suspended section's holders would amend its documents while
            # the tender stands still (实施条例 第二十二条): refused, the answer comes first.
            for target in Section.objects.select_for_update().filter(pk__in=[t.pk for t in sections]):
                suspension_check(target)
            document.storage_name = stored
            document.save()
            if not document.is_public and stage == "tender":
                through = DocumentObtain.documents.through
                through.objects.bulk_create(
                    [through(documentobtain_id=o.pk, document_id=document.pk) for o in holder_obtains(sections)]
                )
            audit_append(
                actor=by,
                action="tendering.document.upload",
                object_type="tendering.document",
                object_id=str(document.uuid),
                after={
                    "project": project.code,
                    "section": section.code if section else None,
                    "name": name,
                    "size": size,
                    "sha256": sha256,
                    "is_public": document.is_public,
                    "stage": stage,
                },
            )
    except BaseException:
        # The database said no: do not leave an orphan file behind.
        default_storage.delete(stored)
        raise
    return document


def document_obtain(*, section: Section, by: Actor) -> DocumentObtain:
    """Record that the bidder's organisation obtained the section's tender documents (idempotent).

    Only a verified bidder organisation, only while the documents are issued (between the issue
    start and end the notice published, and before the bid deadline, by server time). Obtaining
    twice returns the first record. The record is secret until the bid deadline (see selectors).
    """
    if not by.has_role(Role.BIDDER) or by.organisation_id is None:
        raise PermissionDenied("只有投标人（供应商、竞买人）可以获取招标文件", code="bidder_required")
    if not by.organisation_verified:
        raise PermissionDenied("单位尚未通过核验，不能获取招标文件", code="organisation_not_verified")
    project = section.project
    if by.organisation_id in (project.owner_org_id, project.agency_org_id):
        raise PermissionDenied("招标人及其代理机构不能参加本项目投标", code="obtain_own_project")
    existing = DocumentObtain.objects.filter(section=section, organisation_id=by.organisation_id).first()
    if existing is not None:
        return existing
    now = clock_now()
    with transaction.atomic():
        locked = Section.objects.select_for_update().get(pk=section.pk)
        _prequal_passed_check(locked, by)
        _obtain_window_check(locked, now)
        try:
            with transaction.atomic():
                obtain = DocumentObtain.objects.create(
                    section=locked,
                    organisation_id=by.organisation_id,
                    organisation_name=by.organisation_name,
                    user_id=by.user_id,
                    username=by.username,
                    obtained_at=now,
                    paid=locked.document_price_fen > 0,
                    amount_fen=locked.document_price_fen,
                )
        except IntegrityError:
            # A second request of the same organisation won the race: same result, no second record.
            return DocumentObtain.objects.get(section=locked, organisation_id=by.organisation_id)
        # Tender documents only: pre-qualification documents are obtained separately.
        documents = Document.objects.filter(project=project, is_public=False, stage="tender").filter(
            section__isnull=True
        ) | Document.objects.filter(section=locked, is_public=False, stage="tender")
        obtain.documents.set(documents)
        # Answers published before it obtained the documents reach it too (招标投标法 第二十三条:
        # every holder is notified).
        AnswerDelivery.objects.bulk_create(
            [
                AnswerDelivery(answer=a, organisation_id=by.organisation_id, delivered_at=now)
                for a in Answer.objects.filter(section=locked)
            ]
        )
        # The entry names the obtain record, not the section, so that a section's audit history
        # does not list its document holders.
        audit_append(
            actor=by,
            action="tendering.document.obtain",
            object_type="tendering.document_obtain",
            object_id=str(obtain.uuid),
            after={"paid": obtain.paid, "amount_fen": obtain.amount_fen, "documents": obtain.documents.count()},
        )
    return obtain


def _prequal_passed_check(section: Section, by: Actor) -> None:
    """In a pre-qualified section only the applicants that passed may obtain the tender documents
    (招标投标法实施条例 第十九条第一款: 资格预审后，招标人应当向资格预审合格的潜在投标人发出投标邀请书)."""
    if section.prequal_deadline is None:
        return
    passed = by.organisation_id is not None and (
        PrequalApplication.objects.filter(
            section=section, organisation_id=by.organisation_id, status=PrequalApplication.Status.PASSED
        ).exists()
    )
    if not passed:
        raise PermissionDenied(
            "本标段经资格预审，只有资格预审合格的申请人可以获取招标文件",
            code="prequalification_not_passed",
            detail={"section": section.code},
        )


def _obtain_window_check(section: Section, now: dt.datetime) -> None:
    if section.status == rules.SectionStatus.DRAFT or section.published_at is None:
        raise Conflict("该标段尚未发布公告", code="section_not_published", detail={"section": section.code})
    # Before the deadline checks: a deadline that passed while suspended is moved when the answer
    # lifts the suspension, so "suspended" is the true reason.
    suspension_check(section)
    if section.bid_deadline is not None and now >= section.bid_deadline:
        raise Conflict(
            "投标截止时间已过，不能再获取招标文件",
            code="bid_deadline_passed",
            detail={"section": section.code, "bid_deadline": iso(section.bid_deadline)},
        )
    if section.status not in (rules.SectionStatus.PUBLISHED, rules.SectionStatus.ACCEPTING_BIDS):
        raise Conflict("该标段已不在文件发售阶段", code="section_closed", detail={"status": section.status})
    if section.doc_issue_start is not None and now < section.doc_issue_start:
        raise Conflict(
            "招标文件发售尚未开始",
            code="document_issue_not_started",
            detail={"section": section.code, "doc_issue_start": iso(section.doc_issue_start)},
        )
    if section.doc_issue_end is not None and now >= section.doc_issue_end:
        raise Conflict(
            "招标文件发售期已结束",
            code="document_issue_closed",
            detail={"section": section.code, "doc_issue_end": iso(section.doc_issue_end)},
        )
