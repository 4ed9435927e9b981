"""Reads of the tendering context.

Secrecy before the bid deadline (招标投标法 第二十二条; the issue; architecture §5). Until a
section's bid deadline has passed by server time, nobody may learn who obtained its documents —
not the tenderer, not its agency, not other bidders, not the centre's staff, not the regulator.
The rule is kept here, in the data-access layer, for every page and API alike:

- ``document_obtainers_for`` is the one gatekeeper of the list: it raises ``PermissionDenied`` for
  every caller before the deadline, admits the tenderer, its agency, centre staff and regulators
  after it, and writes an audit entry for every call, admitted or refused;
- ``document_obtain_status`` tells a bidder its own record and nothing about anyone else;
- who registered to bid in a land or property section (竞买申请) is kept the same way:
  ``registrations_for`` is its gatekeeper, ``registration_status`` the bidder's own record, and
  ``registration_get`` opens one registration by its reference for its own bidder and the centre's
  staff (who act on the bank's confirmation quoting it), audited for staff;
- who obtained the pre-qualification documents or applied (资格预审) is kept by its own
  deadline, the application deadline: ``prequal_applications_for`` is its gatekeeper (the
  project's managers and centre staff after that deadline, for the review), and
  ``prequal_application_status`` the bidder's own record;
- question askers are never shown to anyone but the asker; objectors are hidden until the
  deadline, like document holders;
- nothing here returns a count of holders, askers or objectors before the deadline.

The services reach the list through a private module (``services._holders``) for the platform's
own work (delivering answers and late documents to every holder).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid as uuid_lib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.models import (
    SECTION_STATUS_LABELS,
    Answer,
    AnswerDelivery,
    Document,
    DocumentObtain,
    Notice,
    NoticeApproval,
    Objection,
    PrequalApplication,
    Project,
    Question,
    Refund,
    Registration,
    Section,
)
from zhengwu.contexts.tendering.services.common import OPENING_KINDS, project_manages, ruleset_current, ruleset_of
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import InvalidInput, NotFound, PermissionDenied, ZhengwuError
from zhengwu.kernel.paging import Page, page_take
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.workdays.selectors import calendar_get

# Who oversees every tender: the centre's staff and the administrative supervisors.
OVERSIGHT_ROLES = (Role.CENTRE_STAFF, Role.REGULATOR)


# --- lookups -------------------------------------------------------------------------------------


def _uuid(value: str | uuid_lib.UUID, *, what: str) -> uuid_lib.UUID:
    if isinstance(value, uuid_lib.UUID):
        return value
    try:
        return uuid_lib.UUID(str(value))
    except ValueError as exc:
        raise NotFound(f"{what}不存在", code="not_found", detail={"id": str(value)[:64]}) from exc


def project_get(*, uuid: str | uuid_lib.UUID) -> Project:
    """The project with this public id; NotFound otherwise."""
    project = Project.objects.filter(uuid=_uuid(uuid, what="项目")).first()
    if project is None:
        raise NotFound("项目不存在", code="project_not_found", detail={"id": str(uuid)})
    return project


def project_get_by_code(*, code: str) -> Project:
    """The project with this code; NotFound otherwise."""
    project = Project.objects.filter(code=(code or "").strip()).first()
    if project is None:
        raise NotFound("项目不存在", code="project_not_found", detail={"code": code})
    return project


def section_get(*, uuid: str | uuid_lib.UUID) -> Section:
    """The section with this public id (its project loaded); NotFound otherwise."""
    section = Section.objects.select_related("project").filter(uuid=_uuid(uuid, what="标段")).first()
    if section is None:
        raise NotFound("标段不存在", code="section_not_found", detail={"id": str(uuid)})
    return section


@dataclass(frozen=True)
class BiddingWindow:
    """What decides whether a section takes bids right now: read on every upload chunk, so one narrow row."""

    code: str
    status: str
    bid_deadline: dt.datetime | None
    suspended_at: dt.datetime | None


def section_bidding_window(*, uuid: uuid_lib.UUID) -> BiddingWindow:
    """The section's deadline, status and suspension (no project, no other columns); NotFound otherwise."""
    row = Section.objects.filter(uuid=uuid).values_list("code", "status", "bid_deadline", "suspended_at").first()
    if row is None:
        raise NotFound("标段不存在", code="section_not_found", detail={"id": str(uuid)})
    return BiddingWindow(*row)


def section_get_by_code(*, code: str) -> Section:
    """The section with this code (its project loaded); NotFound otherwise."""
    section = Section.objects.select_related("project").filter(code=(code or "").strip()).first()
    if section is None:
        raise NotFound("标段不存在", code="section_not_found", detail={"code": (code or "")[:64]})
    return section


def notice_get(*, uuid: str | uuid_lib.UUID) -> Notice:
    """The notice with this public id; NotFound otherwise."""
    notice = Notice.objects.select_related("project", "references").filter(uuid=_uuid(uuid, what="公告")).first()
    if notice is None:
        raise NotFound("公告不存在", code="notice_not_found", detail={"id": str(uuid)})
    return notice


def document_get(*, uuid: str | uuid_lib.UUID) -> Document:
    """The document with this public id; NotFound otherwise (see ``document_download`` for access)."""
    document = Document.objects.select_related("project", "section").filter(uuid=_uuid(uuid, what="文件")).first()
    if document is None:
        raise NotFound("文件不存在", code="document_not_found", detail={"id": str(uuid)})
    return document


def question_get(*, uuid: str | uuid_lib.UUID) -> Question:
    """The question with this public id; NotFound otherwise. Never show its asker fields."""
    question = Question.objects.select_related("section__project").filter(uuid=_uuid(uuid, what="问题")).first()
    if question is None:
        raise NotFound("问题不存在", code="question_not_found", detail={"id": str(uuid)})
    return question


def objection_get(*, uuid: str | uuid_lib.UUID) -> Objection:
    """The objection with this public id; NotFound otherwise. Show it through ``objections_for``."""
    objection = Objection.objects.select_related("section__project").filter(uuid=_uuid(uuid, what="异议")).first()
    if objection is None:
        raise NotFound("异议不存在", code="objection_not_found", detail={"id": str(uuid)})
    return objection


# --- projects, sections, notices -----------------------------------------------------------------


def can_manage(*, project: Project, by: Actor) -> bool:
    """Whether ``by`` acts for the project's tenderer or its agency (verified organisation)."""
    return project_manages(project, by)


def _oversees(by: Actor) -> bool:
    return not by.is_system and by.has_role(*OVERSIGHT_ROLES)


def projects_for(*, by: Actor) -> QuerySet[Project]:
    """The projects ``by`` works on: its organisation's (as tenderer or agency); every one for oversight."""
    if _oversees(by):
        return Project.objects.all()
    if by.organisation_id is None or not by.organisation_verified:
        return Project.objects.none()
    scope = Q(pk__in=[])
    if by.has_role(Role.TENDERER):
        scope |= Q(owner_org_id=by.organisation_id)
    if by.has_role(Role.AGENCY):
        scope |= Q(agency_org_id=by.organisation_id)
    return Project.objects.filter(scope)


def project_sections(*, project: Project) -> list[Section]:
    """The project's sections, by index."""
    return list(project.sections.order_by("index"))


def sections_open(*, trade_type: str | None = None, search: str = "") -> QuerySet[Section]:
    """Sections accepting bids right now (bid deadline in the future), soonest deadline first.

    Suspended sections stay listed (they are marked as such) even once their old deadline has
    passed: the answer to the objection moves it, and the tender is paused, not over.

    Public information: what is open for bidding is announced by published notices.
    """
    rows = Section.objects.select_related("project").filter(
        Q(bid_deadline__gt=clock_now()) | Q(suspended_at__isnull=False), status=rules.SectionStatus.ACCEPTING_BIDS
    )
    if trade_type:
        rows = rows.filter(project__trade_type=trade_type)
    search = (search or "").strip()
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(project__name__icontains=search) | Q(code__icontains=search))
    return rows.order_by("bid_deadline", "id")


def notices_published(*, project: Project | None = None, section: Section | None = None) -> QuerySet[Notice]:
    """Published notices, newest first (public)."""
    rows = Notice.objects.select_related("project", "references").filter(status=Notice.Status.PUBLISHED)
    if project is not None:
        rows = rows.filter(project=project)
    if section is not None:
        rows = rows.filter(sections=section)
    return rows.order_by("-published_at", "-id")


def project_notices(*, project: Project, by: Actor) -> list[Notice]:
    """The project's notices as ``by`` may see them: drafts too for its managers and oversight."""
    rows = Notice.objects.select_related("references").filter(project=project)
    if not (project_manages(project, by) or _oversees(by)):
        rows = rows.filter(status=Notice.Status.PUBLISHED)
    return list(rows.order_by("-created_at", "-id"))


def notice_approvals(*, notice: Notice) -> list[NoticeApproval]:
    """Who approved the notice, in which role, in order."""
    return list(notice.approvals.order_by("approved_at", "id"))


def notice_approval_roles_for(*, project: Project) -> tuple[str, ...]:
    """The roles that must approve a notice of ``project`` under today's rule set."""
    return tuple(rules.notice_approval_roles(ruleset=ruleset_current(project.procedure)))


def timetable_preview(*, procedure: str, published_at: dt.datetime | None = None) -> rules.Timetable:
    """Every statutory date of a tender of ``procedure`` published at ``published_at`` (default now)."""
    return rules.timetable_compute(
        ruleset=ruleset_current(procedure), published_at=published_at or clock_now(), calendar=calendar_get()
    )


def notice_timetable_check(*, notice: Notice, published_at: dt.datetime | None = None) -> list[rules.RuleViolation]:
    """What would be wrong with the notice's timetable if it were published at ``published_at`` (default now).

    The same checks ``notice_publish`` makes, for a draft page to show before anyone approves it.
    Amendments are checked when published (their lawful deadline depends on that instant).
    """
    if notice.bid_deadline is None or notice.kind not in OPENING_KINDS:
        return []
    at = published_at or clock_now()
    ruleset = ruleset_current(notice.project.procedure)
    issue_start = max(notice.doc_issue_start or at, at)
    issue_end = notice.doc_issue_end or notice.bid_deadline
    if notice.kind == Notice.Kind.PREQUALIFICATION:
        return list(
            rules.prequalification_check(
                ruleset=ruleset,
                published_at=at,
                application_deadline=notice.bid_deadline,
                calendar=calendar_get(),
                doc_issue_start=issue_start,
                doc_issue_end=issue_end,
            )
        )
    return list(
        rules.timetable_check(
            ruleset=ruleset,
            published_at=at,
            bid_deadline=notice.bid_deadline,
            calendar=calendar_get(),
            doc_issue_start=issue_start,
            doc_issue_end=issue_end,
            opening_at=notice.opening_at or notice.bid_deadline,
            activity_start=notice.activity_start,
        )
    )


def section_timetable(*, section: Section) -> rules.Timetable | None:
    """The statutory dates of a published section under its pinned rule set (None before publication)."""
    if section.published_at is None:
        return None
    return rules.timetable_compute(
        ruleset=ruleset_of(section),
        published_at=section.published_at,
        calendar=calendar_get(),
        bid_deadline=section.bid_deadline,
        doc_issue_start=section.doc_issue_start,
    )


def section_deadline_passed(*, section: Section) -> bool:
    """Whether the section's bid deadline has passed by server time (the secrecy unlock).

    The deadline is read from the database, never from the instance passed in: an amendment may
    have moved it since the caller loaded the section, and a stale copy must not unlock a secret.
    """
    deadline = Section.objects.filter(pk=section.pk).values_list("bid_deadline", flat=True).first()
    return deadline is not None and clock_now() >= deadline


# --- documents -----------------------------------------------------------------------------------


def documents_public(*, project: Project) -> list[Document]:
    """The project's public attachments (everyone may read them)."""
    return list(Document.objects.filter(project=project, is_public=True).order_by("uploaded_at", "id"))


def documents_for(*, section: Section, by: Actor) -> list[Document]:
    """The section's documents ``by`` may download: public ones for all; tender documents for the
    tenderer, its agency, oversight, and bidders that obtained them (the ones they received)."""
    rows = Document.objects.filter(project_id=section.project_id).filter(Q(section=section) | Q(section__isnull=True))
    if project_manages(section.project, by) or _oversees(by):
        return list(rows.order_by("uploaded_at", "id"))
    public = list(rows.filter(is_public=True).order_by("uploaded_at", "id"))
    # Pre-qualification documents go to the organisations that obtained them (资格预审文件).
    prequal: list[Document] = []
    if prequal_application_status(section=section, by=by) is not None:
        prequal = list(rows.filter(is_public=False, stage="prequalification").order_by("uploaded_at", "id"))
    obtain = document_obtain_status(section=section, by=by)
    if obtain is None:
        return sorted([*public, *prequal], key=lambda d: (d.uploaded_at, d.pk))
    received = list(obtain.documents.order_by("uploaded_at", "id"))
    return sorted([*public, *prequal, *received], key=lambda d: (d.uploaded_at, d.pk))


def document_download(*, document: Document, by: Actor) -> Document:
    """``document`` if ``by`` may download it; PermissionDenied otherwise (nothing said about why)."""
    if document.is_public:
        return document
    project = document.project
    if project_manages(project, by) or _oversees(by):
        return document
    if by.organisation_id is not None and by.has_role(Role.BIDDER):
        if document.stage == "prequalification":
            # Pre-qualification documents: for the organisations that obtained them, never via the
            # tender documents (and tender documents never via these).
            applications = PrequalApplication.objects.filter(
                organisation_id=by.organisation_id, section__project=project
            )
            if document.section_id is not None:
                applications = applications.filter(section_id=document.section_id)
            if applications.exists():
                return document
            raise PermissionDenied("请先获取资格预审文件", code="prequal_documents_not_obtained")
        received = DocumentObtain.objects.filter(
            organisation_id=by.organisation_id, section__project=project, documents=document
        ).exists()
        if received:
            return document
    raise PermissionDenied("请先获取招标文件", code="document_not_obtained")


def document_open(*, document: Document) -> IO[bytes]:
    """The stored file of ``document``, opened for reading (check ``document_download`` first)."""
    return default_storage.open(document.storage_name, "rb")


# --- who obtained the documents (SECRET until the bid deadline) ----------------------------------


@dataclasses.dataclass(frozen=True)
class ObtainerRow:
    """One holder of the documents, as shown after the deadline."""

    organisation_id: int
    organisation_name: str
    username: str
    obtained_at: dt.datetime
    paid: bool
    amount_fen: int


def _secret_list_admits(*, section: Section, by: Actor) -> bool:
    # The one rule for every list of who is competing (obtainers, registrations): nobody before
    # the bid deadline; afterwards the project's tenderer and agency, centre staff, regulators.
    if not section_deadline_passed(section=section):
        return False
    return project_manages(section.project, by) or _oversees(by)


def _secret_list_open(
    *,
    section: Section,
    by: Actor,
    action: str,
    secret: tuple[str, str],
    denied: tuple[str, str],
    admits: Callable[..., bool] | None = None,
    deadline_passed: Callable[..., bool] | None = None,
) -> None:
    """Admit ``by`` to a secret list of ``section`` or raise; a refusal is audited here.

    ``secret`` and ``denied`` are (code, message) for a refusal before and after the deadline.
    ``admits`` and ``deadline_passed`` (keyword ``section`` and ``by`` / ``section``) replace the
    bid-deadline rule for a list with a deadline of its own (pre-qualification applicants).
    """
    if (admits or _secret_list_admits)(section=section, by=by):
        return
    passed = (deadline_passed or section_deadline_passed)(section=section)
    audit_append(
        actor=by,
        action=f"{action}_denied",
        object_type="tendering.section",
        object_id=section.code,
        after={"deadline_passed": passed},
    )
    code, message = denied if passed else secret
    raise PermissionDenied(message, code=code)


def _secret_list_viewed(*, section: Section, by: Actor, action: str, count: int) -> None:
    audit_append(
        actor=by, action=action, object_type="tendering.section", object_id=section.code, after={"count": count}
    )


def obtainers_visible(*, section: Section, by: Actor) -> bool:
    """Whether ``document_obtainers_for`` would admit ``by`` now (no audit entry; for showing a link)."""
    return _secret_list_admits(section=section, by=by)


def document_obtainers_for(*, section: Section, by: Actor) -> list[ObtainerRow]:
    """Who obtained the section's documents — the gatekeeper of the secret list.

    Before the bid deadline: ``PermissionDenied`` for every caller, whatever the role. After it:
    the project's tenderer and agency, centre staff and regulators; nobody else. Every call is
    audited (``tendering.obtainers.view`` or ``tendering.obtainers.view_denied``).
    """
    _secret_list_open(
        section=section,
        by=by,
        action="tendering.obtainers.view",
        secret=("obtainers_secret", "投标截止时间前，获取招标文件的潜在投标人名称和数量不得公开"),
        denied=("obtainers_denied", "无权查看获取招标文件的投标人名单"),
    )
    rows = [
        ObtainerRow(
            organisation_id=o.organisation_id,
            organisation_name=o.organisation_name,
            username=o.username,
            obtained_at=o.obtained_at,
            paid=o.paid,
            amount_fen=o.amount_fen,
        )
        for o in DocumentObtain.objects.filter(section=section).order_by("obtained_at", "id")
    ]
    _secret_list_viewed(section=section, by=by, action="tendering.obtainers.view", count=len(rows))
    return rows


def document_obtain_status(*, section: Section, by: Actor) -> DocumentObtain | None:
    """The caller's own organisation's obtain record for ``section``, or None. Nothing about others."""
    if by.organisation_id is None or by.is_system:
        return None
    return DocumentObtain.objects.filter(section=section, organisation_id=by.organisation_id).first()


def sections_obtained(*, by: Actor) -> list[Section]:
    """The sections whose documents the caller's organisation obtained (its own list only)."""
    if by.organisation_id is None or by.is_system:
        return []
    return list(
        Section.objects.select_related("project")
        .filter(obtains__organisation_id=by.organisation_id)
        .order_by("bid_deadline", "id")
    )


# --- questions, answers, objections --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class QuestionView:
    """A question as anyone but the platform sees it: never with its asker."""

    uuid: uuid_lib.UUID
    text: str
    asked_at: dt.datetime
    answer_uuid: uuid_lib.UUID | None
    mine: bool


def questions_for(*, section: Section, by: Actor) -> list[QuestionView]:
    """The section's questions without their askers.

    The tenderer, its agency and oversight see every question; a bidder sees its own; others none.
    """
    rows = Question.objects.select_related("answer").filter(section=section)
    if not (project_manages(section.project, by) or _oversees(by)):
        if by.organisation_id is None or not by.has_role(Role.BIDDER):
            return []
        rows = rows.filter(asker_org_id=by.organisation_id)
    return [
        QuestionView(
            uuid=q.uuid,
            text=q.text,
            asked_at=q.asked_at,
            answer_uuid=q.answer.uuid if q.answer is not None else None,
            mine=by.organisation_id is not None and q.asker_org_id == by.organisation_id,
        )
        for q in rows.order_by("asked_at", "id")
    ]


def answers_for(*, section: Section, by: Actor) -> list[Answer]:
    """The section's clarifications: for the tenderer, its agency, oversight and the holders of the documents."""
    rows = Answer.objects.select_related("amendment_notice").filter(section=section).order_by("published_at", "id")
    if project_manages(section.project, by) or _oversees(by):
        return list(rows)
    if by.organisation_id is None:
        return []
    delivered = AnswerDelivery.objects.filter(organisation_id=by.organisation_id).values("answer_id")
    return list(rows.filter(pk__in=delivered))


@dataclasses.dataclass(frozen=True)
class ObjectionView:
    """An objection as a person sees it; ``filed_by`` is None where the objector must stay hidden."""

    uuid: uuid_lib.UUID
    kind: str
    text: str
    filed_at: dt.datetime
    reply_due: dt.datetime
    status: str
    reply: str
    replied_at: dt.datetime | None
    filed_by: str | None
    mine: bool
    overdue: bool


def objections_for(*, section: Section, by: Actor) -> list[ObjectionView]:
    """The section's objections: all of them for the tenderer, its agency and oversight (the objector
    named only after the bid deadline); a bidder its own; others none."""
    rows = Objection.objects.filter(section=section)
    insider = project_manages(section.project, by) or _oversees(by)
    if not insider:
        if by.organisation_id is None or not by.has_role(Role.BIDDER):
            return []
        rows = rows.filter(filed_by_org_id=by.organisation_id)
    named = insider and section_deadline_passed(section=section)
    now = clock_now()
    return [
        ObjectionView(
            uuid=o.uuid,
            kind=o.kind,
            text=o.text,
            filed_at=o.filed_at,
            reply_due=o.reply_due,
            status=o.status,
            reply=o.reply,
            replied_at=o.replied_at,
            filed_by=o.filed_by_org_name if (named or o.filed_by_org_id == by.organisation_id) else None,
            mine=by.organisation_id is not None and o.filed_by_org_id == by.organisation_id,
            overdue=o.status == Objection.Status.PENDING and now > o.reply_due,
        )
        for o in rows.order_by("filed_at", "id")
    ]


def section_status_label(*, status: str) -> str:
    """The Chinese label of a section status (unknown values come back as they are)."""
    return SECTION_STATUS_LABELS.get(status, status)


# --- who registered to bid in a land or property section (SECRET until the bid deadline) --------


@dataclasses.dataclass(frozen=True)
class RegistrationRow:
    """One registration (竞买申请) as shown after the deadline."""

    uuid: uuid_lib.UUID
    organisation_id: int
    organisation_name: str
    organisation_uscc: str
    applied_at: dt.datetime
    deposit_required_fen: int
    deposit_paid_fen: int
    deposit_paid_at: dt.datetime | None
    status: str
    reason: str


def registration_deadline_for(*, section: Section) -> dt.datetime | None:
    """When applications and deposits close for ``section`` (public: the notice states it).

    None for a section without registration (tenders, procurement) or without a bid deadline yet.
    """
    if section.bid_deadline is None:
        return None
    ruleset = ruleset_of(section)
    if ruleset.registration is None:
        return None
    return rules.registration_deadline(ruleset=ruleset, bid_deadline=section.bid_deadline, calendar=calendar_get())


def registrations_visible(*, section: Section, by: Actor) -> bool:
    """Whether ``registrations_for`` would admit ``by`` now (no audit entry; for showing a link)."""
    return _secret_list_admits(section=section, by=by)


def registrations_for(*, section: Section, by: Actor) -> list[RegistrationRow]:
    """Who registered to bid in the section — the gatekeeper of the secret list.

    Before the bid deadline: ``PermissionDenied`` for every caller, whatever the role. After it:
    the project's tenderer (出让人/转让方) and agency, centre staff and regulators; nobody else. Every
    call is audited (``tendering.registrations.view`` or ``tendering.registrations.view_denied``).
    """
    _secret_list_open(
        section=section,
        by=by,
        action="tendering.registrations.view",
        secret=("registrations_secret", "截止时间前，竞买申请人的名称和数量不得公开"),
        denied=("registrations_denied", "无权查看竞买申请人名单"),
    )
    rows = [
        RegistrationRow(
            uuid=r.uuid,
            organisation_id=r.organisation_id,
            organisation_name=r.organisation_name,
            organisation_uscc=r.organisation_uscc,
            applied_at=r.applied_at,
            deposit_required_fen=r.deposit_required_fen,
            deposit_paid_fen=r.deposit_paid_fen,
            deposit_paid_at=r.deposit_paid_at,
            status=r.status,
            reason=r.reason,
        )
        for r in Registration.objects.filter(section=section).order_by("applied_at", "id")
    ]
    _secret_list_viewed(section=section, by=by, action="tendering.registrations.view", count=len(rows))
    return rows


def registration_status(*, section: Section, by: Actor) -> Registration | None:
    """The caller's own organisation's registration for ``section``, or None. Nothing about others."""
    if by.organisation_id is None or by.is_system:
        return None
    return Registration.objects.filter(section=section, organisation_id=by.organisation_id).first()


def registration_get(*, uuid: str | uuid_lib.UUID, by: Actor) -> Registration:
    """One registration by its reference, for its own bidder and for the centre's staff.

    Staff need it before the deadline to record the bank's confirmation, which quotes the
    reference; they learn the one registration they were given, never the list, and each look is
    audited (``tendering.registration.view``). Anyone else gets NotFound, as if it did not exist.
    """
    found = Registration.objects.select_related("section__project").filter(uuid=_uuid(uuid, what="竞买申请")).first()
    if found is not None and not by.is_system:
        if by.organisation_id is not None and found.organisation_id == by.organisation_id:
            return found
        if by.has_role(Role.CENTRE_STAFF):
            audit_append(
                actor=by,
                action="tendering.registration.view",
                object_type="tendering.registration",
                object_id=str(found.uuid),
            )
            return found
    raise NotFound("竞买申请不存在", code="registration_not_found", detail={"id": str(uuid)[:64]})


# --- re-tender (重新招标) ----------------------------------------------------------------------------


def retender_outcome(*, section: Section) -> str:
    """What tendering a failed section again is called for its procedure: ``retender``, ``relist`` or
    ``terminate`` (a land auction ended for too few bidders, offered again); see ``services.retender``."""
    return rules.bids_insufficient_outcome(ruleset=ruleset_of(section))


def retender_possible(*, section: Section, by: Actor) -> bool:
    """Whether ``section_retender`` would accept ``by`` for ``section`` now (for showing the button)."""
    return (
        section.status == rules.SectionStatus.FAILED
        and project_manages(section.project, by)
        and not section.retenders.exists()
    )


# --- refunds (退还): who is owed one reveals who obtained the documents or registered -----------------
#
# An organisation sees its own refunds. The centre's staff, who pay them from the centre's
# settlement account, see the list, each view and export audited like the secret lists above. The
# tenderer and its agency see none, not even totals: a total of document fees divided by the
# document price is the number of holders. Nobody else sees anything.

REFUND_PAGE_SIZE_MAX = 100


def refunds_own(*, by: Actor) -> list[Refund]:
    """The refunds owed (or paid) to the caller's own organisation, newest first; nothing about others."""
    if by.is_system or by.organisation_id is None:
        return []
    return list(
        Refund.objects.select_related("section__project")
        .filter(organisation_id=by.organisation_id)
        .order_by("-due_at", "-id")
    )


def refunds_visible(*, by: Actor) -> bool:
    """Whether ``refunds_page`` would admit ``by`` (no audit entry; for showing a link)."""
    return not by.is_system and by.has_role(Role.CENTRE_STAFF)


def _refunds_open(*, by: Actor, action: str, status: str) -> QuerySet[Refund]:
    if status and status not in Refund.Status.values:
        raise InvalidInput(
            "退款状态不存在",
            code="refund_status_unknown",
            detail={"status": status[:20], "allowed": Refund.Status.values},
        )
    if not refunds_visible(by=by):
        audit_append(actor=by, action=f"{action}_denied", object_type="tendering.refunds", object_id="all")
        raise PermissionDenied("只有交易中心工作人员可以查看退款清单", code="refunds_denied")
    rows = Refund.objects.select_related("section__project")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-due_at", "-id")


def refunds_page(*, by: Actor, status: str = "", page: int = 1, size: int = 20) -> Page[Refund]:
    """One page of every refund (the centre's staff only), filtered by status; every call audited
    (``tendering.refunds.view`` or ``tendering.refunds.view_denied``)."""
    rows = _refunds_open(by=by, action="tendering.refunds.view", status=status)
    page = max(page, 1)
    size = min(max(size, 1), REFUND_PAGE_SIZE_MAX)
    taken: Page[Refund] = page_take(rows, page=page, size=size)
    audit_append(
        actor=by,
        action="tendering.refunds.view",
        object_type="tendering.refunds",
        object_id="all",
        after={"status": status, "page": page, "count": len(taken.items)},
    )
    return taken


def refunds_export(*, by: Actor, status: str = "") -> list[Refund]:
    """Every refund for an Excel export (the centre's staff only), audited like a view
    (``tendering.refunds.export`` or ``tendering.refunds.export_denied``)."""
    rows = list(_refunds_open(by=by, action="tendering.refunds.export", status=status))
    audit_append(
        actor=by,
        action="tendering.refunds.export",
        object_type="tendering.refunds",
        object_id="all",
        after={"status": status, "count": len(rows)},
    )
    return rows


def refund_get(*, uuid: str | uuid_lib.UUID, by: Actor) -> Refund:
    """One refund by its reference: for the organisation owed it, and for the centre's staff (audited).

    Anyone else gets NotFound, as if it did not exist.
    """
    found = Refund.objects.select_related("section__project").filter(uuid=_uuid(uuid, what="退款")).first()
    if found is not None and not by.is_system:
        if by.organisation_id is not None and found.organisation_id == by.organisation_id:
            return found
        if by.has_role(Role.CENTRE_STAFF):
            audit_append(
                actor=by, action="tendering.refund.view", object_type="tendering.refund", object_id=str(found.uuid)
            )
            return found
    raise NotFound("退款记录不存在", code="refund_not_found", detail={"id": str(uuid)[:64]})


# --- pre-qualification (资格预审) applicants (SECRET; the reviewers only after the application deadline)
#
# The applicants are the potential bidders (招标投标法 第二十二条). Before the application deadline
# nobody sees who obtained the pre-qualification documents or applied; after it the project's
# tenderer and agency and the centre's staff see them for the review, each look audited. The
# regulator is not among them: it supervises through the audit trail, and the list is not part of
# a regulator's work. A bidder only ever sees its own application.


@dataclasses.dataclass(frozen=True)
class PrequalRow:
    """One applicant as the reviewers see it after the application deadline."""

    uuid: uuid_lib.UUID
    organisation_id: int
    organisation_name: str
    organisation_uscc: str
    status: str
    obtained_at: dt.datetime
    submitted_at: dt.datetime | None
    file_name: str
    file_size: int | None
    file_sha256: str
    withdrawn_at: dt.datetime | None
    reviewed_by_username: str
    reviewed_at: dt.datetime | None
    reason: str


@dataclasses.dataclass(frozen=True)
class PrequalResult:
    """An applicant's own result (资格预审结果通知书); only once the review is concluded."""

    passed: bool
    reason: str
    concluded_at: dt.datetime


def prequal_deadline_passed(*, section: Section) -> bool:
    """Whether the section's application deadline has passed by server time (read from the database)."""
    deadline = Section.objects.filter(pk=section.pk).values_list("prequal_deadline", flat=True).first()
    return deadline is not None and clock_now() >= deadline


def _prequal_reviewer(section: Section, by: Actor) -> bool:
    return not by.is_system and (project_manages(section.project, by) or by.has_role(Role.CENTRE_STAFF))


def _prequal_list_admits(*, section: Section, by: Actor) -> bool:
    return prequal_deadline_passed(section=section) and _prequal_reviewer(section, by)


def prequal_applications_visible(*, section: Section, by: Actor) -> bool:
    """Whether ``prequal_applications_for`` would admit ``by`` now (no audit entry; for showing a link)."""
    return _prequal_list_admits(section=section, by=by)


def prequal_applications_for(*, section: Section, by: Actor) -> list[PrequalRow]:
    """Who obtained the pre-qualification documents or applied — the gatekeeper of the secret list.

    Before the application deadline: ``PermissionDenied`` for every caller. After it: the
    project's tenderer and agency and centre staff (the review); nobody else. Every call is
    audited (``tendering.prequal_applications.view`` or ``…view_denied``).
    """
    _secret_list_open(
        section=section,
        by=by,
        action="tendering.prequal_applications.view",
        secret=("prequal_applicants_secret", "资格预审申请截止时间前，资格预审申请人的名称和数量不得公开"),
        denied=("prequal_applicants_denied", "无权查看资格预审申请人名单"),
        admits=_prequal_list_admits,
        deadline_passed=prequal_deadline_passed,
    )
    rows = [
        PrequalRow(
            uuid=a.uuid,
            organisation_id=a.organisation_id,
            organisation_name=a.organisation_name,
            organisation_uscc=a.organisation_uscc,
            status=a.status,
            obtained_at=a.obtained_at,
            submitted_at=a.submitted_at,
            file_name=a.file_name,
            file_size=a.file_size,
            file_sha256=a.file_sha256,
            withdrawn_at=a.withdrawn_at,
            reviewed_by_username=a.reviewed_by_username,
            reviewed_at=a.reviewed_at,
            reason=a.reason,
        )
        for a in PrequalApplication.objects.filter(section=section).order_by("obtained_at", "id")
    ]
    _secret_list_viewed(section=section, by=by, action="tendering.prequal_applications.view", count=len(rows))
    return rows


def prequal_application_status(*, section: Section, by: Actor) -> PrequalApplication | None:
    """The caller's own organisation's application for ``section``, or None. Nothing about others.

    Its ``status`` may already say passed/failed while the review goes on: show the result only
    through ``prequal_result``.
    """
    if by.organisation_id is None or by.is_system:
        return None
    return PrequalApplication.objects.filter(section=section, organisation_id=by.organisation_id).first()


def prequal_result(*, application: PrequalApplication) -> PrequalResult | None:
    """The applicant's result once the review is concluded (None before, or if it never applied)."""
    concluded = Section.objects.filter(pk=application.section_id).values_list("prequal_concluded_at", flat=True).first()
    if concluded is None or application.status not in (
        PrequalApplication.Status.PASSED,
        PrequalApplication.Status.FAILED,
    ):
        return None
    return PrequalResult(
        passed=application.status == PrequalApplication.Status.PASSED,
        reason=application.reason,
        concluded_at=concluded,
    )


def prequal_status_shown(*, application: PrequalApplication) -> str:
    """The status its applicant may see: a decision stays "submitted" until the review is concluded."""
    decided = application.status in (PrequalApplication.Status.PASSED, PrequalApplication.Status.FAILED)
    if decided and prequal_result(application=application) is None:
        return PrequalApplication.Status.SUBMITTED.value
    return str(application.status)


def prequal_application_get(*, uuid: str | uuid_lib.UUID, by: Actor) -> PrequalApplication:
    """One application by its reference: its own applicant; the reviewers after the application deadline.

    A reviewer's look is audited (``tendering.prequal_application.view``). Anyone else — and a
    reviewer before the deadline — gets NotFound, as if it did not exist.
    """
    found = (
        PrequalApplication.objects.select_related("section__project")
        .filter(uuid=_uuid(uuid, what="资格预审申请"))
        .first()
    )
    if found is not None and not by.is_system:
        if by.organisation_id is not None and found.organisation_id == by.organisation_id:
            return found
        if _prequal_list_admits(section=found.section, by=by):
            audit_append(
                actor=by,
                action="tendering.prequal_application.view",
                object_type="tendering.prequal_application",
                object_id=str(found.uuid),
            )
            return found
    raise NotFound("资格预审申请不存在", code="prequal_application_not_found", detail={"id": str(uuid)[:64]})


def prequal_file_download(*, uuid: str | uuid_lib.UUID, by: Actor) -> PrequalApplication:
    """The application whose file ``by`` may download: its owner; the reviewers after the deadline (audited).

    NotFound for anyone else, and when no file was submitted.
    """
    application = prequal_application_get(uuid=uuid, by=by)
    if not application.storage_name:
        raise NotFound("尚未递交资格预审申请文件", code="prequal_file_not_found", detail={"id": str(uuid)[:64]})
    if application.organisation_id != by.organisation_id:
        audit_append(
            actor=by,
            action="tendering.prequal_application.download",
            object_type="tendering.prequal_application",
            object_id=str(application.uuid),
            after={"sha256": application.file_sha256},
        )
    return application


def prequal_file_open(*, application: PrequalApplication) -> IO[bytes]:
    """The stored application file (check ``prequal_file_download`` first)."""
    return default_storage.open(application.storage_name, "rb")


# --- suspension (暂停招标投标活动) -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SuspensionView:
    """Why and since when a section stands still, as everyone may see it.

    Public: the tender visibly stops and its lifting is published. It names the kinds of the
    objections awaiting their answer and the articles, never who filed them nor how many there
    are (a count of objectors is as secret as a count of document holders).
    """

    since: dt.datetime
    kinds: tuple[str, ...]
    articles: tuple[str, ...]


def section_suspension(*, section: Section) -> SuspensionView | None:
    """The section's suspension, or None when it is not suspended (read fresh from the database)."""
    since = Section.objects.filter(pk=section.pk).values_list("suspended_at", flat=True).first()
    if since is None:
        return None
    kinds = sorted(
        set(
            Objection.objects.filter(section_id=section.pk, status=Objection.Status.PENDING, suspends=True).values_list(
                "kind", flat=True
            )
        )
    )
    articles: list[str] = []
    try:
        ruleset = ruleset_of(section)
    except ZhengwuError:
        ruleset = None
    for kind in kinds:
        try:
            article = ruleset.objection_rule(kind).reply_article if ruleset is not None else ""
        except ZhengwuError:
            article = ""
        if article and article not in articles:
            articles.append(article)
    return SuspensionView(since=since, kinds=tuple(kinds), articles=tuple(articles))


# --- one registration by the bank's reference (centre staff) ------------------------------------

# The reference a bidder quotes to the bank is its registration's uuid; banks print it in capitals,
# without hyphens, broken by spaces, or after a label such as "附言:". What counts is one run of
# exactly 32 hex digits once spaces and hyphens are dropped; anything else is a miss.
_REFERENCE_RUN = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])")
REFERENCE_MAX = 200


def registration_find(*, reference: str, by: Actor) -> Registration:
    """The one registration whose reference the bank shows on a deposit transfer (centre staff only).

    Before the bid deadline who registered is secret (see ``registrations_for``); staff may open
    one registration by its reference as an audited exception, to record the bank's word. The
    search is exact — never a prefix, a list or a count — and every search, hit or miss, is
    audited (``tendering.registration.search``). Anyone else is refused (and audited,
    ``tendering.registration.search_denied``) before anything is looked up, so a refusal says
    nothing about what exists.
    """
    if by.is_system or not by.has_role(Role.CENTRE_STAFF):
        # Audited like a refused look at a secret list; nothing is looked up, nothing is kept of
        # what was typed (it may be another organisation's reference).
        audit_append(
            actor=by,
            action="tendering.registration.search_denied",
            object_type="tendering.registration",
            object_id="",
        )
        raise PermissionDenied(
            "只有交易中心工作人员可以按银行流水附言查找竞买申请",
            code="centre_staff_required",
            detail={"action": "按银行流水附言查找竞买申请"},
        )
    typed = (reference or "").strip()[:REFERENCE_MAX]
    runs = _REFERENCE_RUN.findall(re.sub(r"[\s\-]", "", typed))
    found: Registration | None = None
    if len(runs) == 1:
        found = Registration.objects.select_related("section__project").filter(uuid=uuid_lib.UUID(hex=runs[0])).first()
    audit_append(
        actor=by,
        action="tendering.registration.search",
        object_type="tendering.registration",
        object_id=str(found.uuid) if found is not None else "",
        after={"reference": typed, "found": found is not None},
    )
    if found is None:
        if not typed:
            raise InvalidInput(
                "请输入银行流水上的竞买申请参考号", code="reference_required", detail={"field": "reference"}
            )
        raise NotFound(
            "未找到与该参考号对应的竞买申请，请核对银行流水上的附言（参考号为32位字母数字，可含连字符）",
            code="registration_not_found",
            detail={"reference": typed[:64]},
        )
    return found
