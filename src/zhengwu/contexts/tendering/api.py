"""The trading API of the tendering context, mounted at ``/trading/api/tendering/``.

The same operations as the pages, so that an agency's own system can drive a tender end to end:
projects and sections, notices, tender documents, enquiries and objections, and the open tenders
bidders browse. Every endpoint needs a fully signed-in session (ninja checks CSRF on writes);
every refusal is a ZhengwuError that the API base turns into ``{code, message, detail}``.

Money goes in as decimal strings in yuan and comes out both as integer fen (``*_fen``) and as
yuan strings (``*_yuan``); instants are ISO 8601 with the Beijing offset.

Secrecy: no response here carries who obtained the documents, asked a question or filed an
objection, except a bidder's own obtain status. The list of holders is read only through the
audited gatekeeper ``selectors.document_obtainers_for``. Bidding registration (竞买申请) in land
and property sections is kept the same way: a bidder reads its own registration, one registration
is opened by its reference only by its own bidder and centre staff (``registration_get``, audited
for staff), and the list only through the audited gatekeeper ``selectors.registrations_for``.
Refunds reveal the same: an organisation reads its own (``selectors.refunds_own``), one refund is
opened by its reference only by its organisation and centre staff (``refund_get``), and the list
only by centre staff through the audited ``selectors.refunds_page``.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid as uuid_lib

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.tendering import rules, selectors
from zhengwu.contexts.tendering.models import (
    REFUND_KIND_LABELS,
    REFUND_REASON_LABELS,
    Answer,
    Document,
    Notice,
    PrequalApplication,
    Project,
    Refund,
    Registration,
    Section,
)
from zhengwu.contexts.tendering.services import (
    answer_publish,
    deposit_record,
    document_obtain,
    document_upload,
    notice_approve,
    notice_draft,
    notice_publish,
    notice_revise,
    objection_file,
    objection_reply,
    prequal_apply,
    prequal_conclude,
    prequal_documents_obtain,
    prequal_review,
    prequal_withdraw,
    project_register,
    question_ask,
    refund_record_paid,
    registration_apply,
    registration_confirm,
    registration_refuse,
    registration_withdraw,
    section_add,
    section_retender,
    tender_terminate,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import NotFound, PermissionDenied
from zhengwu.kernel.money import money_from_fen, money_to_fen

PAGE_SIZE_MAX = 100


# --- helpers -------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    """The fully signed-in actor of the request (401 without the second factor)."""
    return actor_for(user=getattr(request, "auth", None) or request.user, request=request)


def _yuan(fen: int) -> str:
    return str(money_from_fen(fen))


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # One offset for every instant a client reads: Beijing time, as the notices state them.
    return value.astimezone(CHINA_TZ) if value is not None else None


def _section_by_code(code: str) -> Section:
    return selectors.section_get_by_code(code=code)


def _sections_by_codes(project: Project, codes: list[str]) -> list[Section]:
    found = {s.code: s for s in Section.objects.select_related("project").filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise NotFound("标段不存在", code="section_not_found", detail={"codes": missing})
    # A section of another project is refused by the service (notice_sections_foreign).
    return [found[c] for c in codes]


def _project_visible(*, code: str, by: Actor) -> Project:
    """The project with this code, if ``by`` works on it (its tenderer, its agency, oversight)."""
    project = selectors.project_get_by_code(code=code)
    if not selectors.projects_for(by=by).filter(pk=project.pk).exists():
        raise PermissionDenied("无权查看该项目", code="project_access_denied", detail={"code": project.code})
    return project


def _page(page: int, size: int) -> tuple[int, int]:
    return max(page, 1), min(max(size, 1), PAGE_SIZE_MAX)


# --- schemas -------------------------------------------------------------------------------------


class ProjectIn(Schema):
    name: str
    procedure: str
    funding_source: str
    budget_yuan: str
    region_code: str
    industry_code: str
    tenderer_uscc: str | None = None


class SectionIn(Schema):
    name: str
    estimate_yuan: str
    # The bid security (deposit) as an amount in yuan, or as a ratio of the estimate ("2%" or
    # "0.02"); not both (``bid_security_amount_and_ratio``). Neither: no security.
    bid_security_yuan: str | None = None
    bid_security_ratio: str | None = None
    document_price_yuan: str = "0"


class SectionOut(Schema):
    code: str
    deal_code: str
    name: str
    estimate_fen: int
    estimate_yuan: str
    bid_security_fen: int
    bid_security_yuan: str
    document_price_fen: int
    document_price_yuan: str
    status: str
    status_label: str
    published_at: dt.datetime | None
    doc_issue_start: dt.datetime | None
    doc_issue_end: dt.datetime | None
    bid_deadline: dt.datetime | None
    opening_at: dt.datetime | None
    activity_start: dt.datetime | None
    ruleset_version: str
    # 1 for the first tender; a re-tender (重新招标) counts on and names the section it replaces.
    attempt: int
    retender_of: str | None
    # An objection awaits its answer and the tender stands still (实施条例 第二十二条), since then.
    suspended: bool
    suspended_at: dt.datetime | None


class ProjectOut(Schema):
    code: str
    name: str
    procedure: str
    trade_type: str
    owner_uscc: str
    owner_name: str
    agency_uscc: str
    agency_name: str
    funding_source: str
    budget_fen: int
    budget_yuan: str
    region_code: str
    industry_code: str
    created_at: dt.datetime
    sections: list[SectionOut]


class ProjectPage(Schema):
    items: list[ProjectOut]
    total: int
    page: int
    size: int
    pages: int


class ObjectionCutoff(Schema):
    kind: str
    at: dt.datetime


class TimetableOut(Schema):
    procedure: str
    ruleset_version: str
    published_at: dt.datetime
    doc_issue_last_day_min: dt.date | None
    bid_deadline_earliest_day: dt.date
    activity_start_earliest_day: dt.date | None
    prequal_doc_issue_last_day_min: dt.date | None
    application_deadline_earliest_day: dt.date | None
    bid_deadline: dt.datetime | None
    amendment_cutoff: dt.datetime | None
    objection_cutoffs: list[ObjectionCutoff]


class RuleRow(Schema):
    rule: str
    value: str
    article: str
    source: str


class SectionTimetableOut(Schema):
    section_code: str
    section_name: str
    status: str
    # True: not published yet, the dates are those of a notice published now.
    preview: bool
    timetable: TimetableOut
    rules: list[RuleRow]


class ProjectTimetableOut(Schema):
    project_code: str
    procedure: str
    sections: list[SectionTimetableOut]


class NoticeIn(Schema):
    kind: str
    title: str
    body: str
    section_codes: list[str]
    doc_issue_start: dt.datetime | None = None
    doc_issue_end: dt.datetime | None = None
    bid_deadline: dt.datetime | None = None
    opening_at: dt.datetime | None = None
    activity_start: dt.datetime | None = None
    references: uuid_lib.UUID | None = None
    affects_bid_preparation: bool = False
    # Sealed-bid tenders: "single" (one sealed file) or "two" (technical, then commercial).
    envelopes: str = "single"
    bidder_key_required: bool = True


class NoticeReviseIn(Schema):
    title: str
    body: str
    section_codes: list[str] | None = None
    doc_issue_start: dt.datetime | None = None
    doc_issue_end: dt.datetime | None = None
    bid_deadline: dt.datetime | None = None
    opening_at: dt.datetime | None = None
    activity_start: dt.datetime | None = None
    affects_bid_preparation: bool | None = None
    envelopes: str | None = None
    bidder_key_required: bool | None = None


class ApproveIn(Schema):
    comment: str = ""


class ApprovalOut(Schema):
    role: str
    display_name: str
    organisation_name: str
    comment: str
    approved_at: dt.datetime


class NoticeOut(Schema):
    uuid: uuid_lib.UUID
    project_code: str
    kind: str
    title: str
    body: str
    status: str
    section_codes: list[str]
    doc_issue_start: dt.datetime | None
    doc_issue_end: dt.datetime | None
    bid_deadline: dt.datetime | None
    opening_at: dt.datetime | None
    activity_start: dt.datetime | None
    references: uuid_lib.UUID | None
    affects_bid_preparation: bool
    envelopes: str
    bidder_key_required: bool
    published_at: dt.datetime | None
    approvals: list[ApprovalOut]
    version: int


class TerminateIn(Schema):
    reason: str
    section_codes: list[str] | None = None


class DocumentOut(Schema):
    uuid: uuid_lib.UUID
    project_code: str
    section_code: str | None
    name: str
    size: int
    sha256: str
    content_type: str
    is_public: bool
    # "tender" or "prequalification" (资格预审文件).
    stage: str
    uploaded_at: dt.datetime


class ObtainOut(Schema):
    """The caller's own organisation's record; nothing about anyone else."""

    section_code: str
    obtained: bool
    organisation_name: str | None
    username: str | None
    obtained_at: dt.datetime | None
    paid: bool
    amount_fen: int
    amount_yuan: str
    documents: list[uuid_lib.UUID]


class ObtainerOut(Schema):
    organisation_name: str
    username: str
    obtained_at: dt.datetime
    paid: bool
    amount_fen: int
    amount_yuan: str


class RegistrationOut(Schema):
    """One registration, for its own bidder or centre staff (``registration_get``) only."""

    uuid: uuid_lib.UUID
    section_code: str
    organisation_name: str
    organisation_uscc: str
    applied_at: dt.datetime
    deposit_required_fen: int
    deposit_required_yuan: str
    deposit_paid_fen: int
    deposit_paid_yuan: str
    deposit_paid_at: dt.datetime | None
    status: str
    reason: str
    decided_at: dt.datetime | None
    withdrawn_at: dt.datetime | None = None
    version: int


class RegistrationStatusOut(Schema):
    """A section's registration terms and the caller's own registration; nothing about anyone else."""

    section_code: str
    # False for construction tenders and government procurement: they have no registration.
    applicable: bool
    registration_deadline: dt.datetime | None
    deposit_required_fen: int | None
    deposit_required_yuan: str | None
    registration: RegistrationOut | None


class RegistrationRowOut(Schema):
    uuid: uuid_lib.UUID
    organisation_name: str
    organisation_uscc: str
    applied_at: dt.datetime
    deposit_required_fen: int
    deposit_required_yuan: str
    deposit_paid_fen: int
    deposit_paid_yuan: str
    deposit_paid_at: dt.datetime | None
    status: str
    reason: str


class DepositIn(Schema):
    paid_yuan: str
    # ISO 8601 with its offset (a naive time is refused: ``datetime_naive``).
    paid_at: dt.datetime


class RefuseIn(Schema):
    reason: str


class QuestionIn(Schema):
    text: str


class QuestionOut(Schema):
    uuid: uuid_lib.UUID
    text: str
    asked_at: dt.datetime
    answer: uuid_lib.UUID | None
    mine: bool


class AnswerIn(Schema):
    body: str
    affects_bid_preparation: bool
    questions: list[uuid_lib.UUID] = Field(default_factory=list)


class AnswerOut(Schema):
    uuid: uuid_lib.UUID
    section_code: str
    body: str
    affects_bid_preparation: bool
    published_at: dt.datetime
    bid_deadline_before: dt.datetime | None
    bid_deadline_after: dt.datetime | None
    amendment_notice: uuid_lib.UUID | None


class ObjectionIn(Schema):
    kind: str
    text: str


class ObjectionReplyIn(Schema):
    reply: str


class ObjectionOut(Schema):
    uuid: uuid_lib.UUID
    kind: str
    text: str
    filed_at: dt.datetime
    reply_due: dt.datetime
    status: str
    reply: str
    replied_at: dt.datetime | None
    # The objector's name: for the tenderer, its agency and oversight after the bid deadline only.
    filed_by: str | None
    mine: bool
    overdue: bool


class TenderOut(Schema):
    section_code: str
    section_name: str
    project_code: str
    project_name: str
    trade_type: str
    procedure: str
    tenderer_name: str
    agency_name: str
    # Published for tenders and procurement only; a land or property reserve price is secret.
    estimate_fen: int | None
    estimate_yuan: str | None
    bid_security_fen: int
    bid_security_yuan: str
    document_price_fen: int
    document_price_yuan: str
    status: str
    doc_issue_start: dt.datetime | None
    doc_issue_end: dt.datetime | None
    bid_deadline: dt.datetime | None
    opening_at: dt.datetime | None
    activity_start: dt.datetime | None
    # An objection awaits its answer and the tender stands still (实施条例 第二十二条), since then.
    suspended: bool
    suspended_at: dt.datetime | None


class TenderPage(Schema):
    items: list[TenderOut]
    total: int
    page: int
    size: int
    pages: int


class TenderDetailOut(TenderOut):
    notices: list[NoticeOut]
    public_documents: list[DocumentOut]


# --- converters ----------------------------------------------------------------------------------


def _section_out(section: Section) -> SectionOut:
    return SectionOut(
        code=section.code,
        deal_code=section.deal_code,
        name=section.name,
        estimate_fen=section.estimate_fen,
        estimate_yuan=_yuan(section.estimate_fen),
        bid_security_fen=section.bid_security_fen,
        bid_security_yuan=_yuan(section.bid_security_fen),
        document_price_fen=section.document_price_fen,
        document_price_yuan=_yuan(section.document_price_fen),
        status=section.status,
        status_label=selectors.section_status_label(status=section.status),
        published_at=_local(section.published_at),
        doc_issue_start=_local(section.doc_issue_start),
        doc_issue_end=_local(section.doc_issue_end),
        bid_deadline=_local(section.bid_deadline),
        opening_at=_local(section.opening_at),
        activity_start=_local(section.activity_start),
        ruleset_version=section.ruleset_version,
        attempt=section.attempt,
        retender_of=section.retender_of.code if section.retender_of_id and section.retender_of else None,
        suspended=section.suspended_at is not None,
        suspended_at=_local(section.suspended_at),
    )


def _project_out(project: Project) -> ProjectOut:
    return ProjectOut(
        code=project.code,
        name=project.name,
        procedure=project.procedure,
        trade_type=project.trade_type,
        owner_uscc=project.owner_uscc,
        owner_name=project.owner_name,
        agency_uscc=project.agency_uscc,
        agency_name=project.agency_name,
        funding_source=project.funding_source,
        budget_fen=project.budget_fen,
        budget_yuan=_yuan(project.budget_fen),
        region_code=project.region_code,
        industry_code=project.industry_code,
        created_at=project.created_at.astimezone(CHINA_TZ),
        sections=[_section_out(s) for s in selectors.project_sections(project=project)],
    )


def _timetable_out(timetable: rules.Timetable) -> TimetableOut:
    return TimetableOut(
        procedure=timetable.procedure,
        ruleset_version=timetable.ruleset_version,
        published_at=timetable.published_at.astimezone(CHINA_TZ),
        doc_issue_last_day_min=timetable.doc_issue_last_day_min,
        bid_deadline_earliest_day=timetable.bid_deadline_earliest_day,
        activity_start_earliest_day=timetable.activity_start_earliest_day,
        prequal_doc_issue_last_day_min=timetable.prequal_doc_issue_last_day_min,
        application_deadline_earliest_day=timetable.application_deadline_earliest_day,
        bid_deadline=_local(timetable.bid_deadline),
        amendment_cutoff=_local(timetable.amendment_cutoff),
        objection_cutoffs=[
            ObjectionCutoff(kind=kind, at=at.astimezone(CHINA_TZ)) for kind, at in timetable.objection_cutoffs
        ],
    )


def _notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(
        uuid=notice.uuid,
        project_code=notice.project.code,
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        status=notice.status,
        section_codes=sorted(notice.sections.values_list("code", flat=True)),
        doc_issue_start=_local(notice.doc_issue_start),
        doc_issue_end=_local(notice.doc_issue_end),
        bid_deadline=_local(notice.bid_deadline),
        opening_at=_local(notice.opening_at),
        activity_start=_local(notice.activity_start),
        references=notice.references.uuid if notice.references_id and notice.references else None,
        affects_bid_preparation=notice.affects_bid_preparation,
        envelopes=notice.envelopes,
        bidder_key_required=notice.bidder_key_required,
        published_at=_local(notice.published_at),
        approvals=[
            ApprovalOut(
                role=a.role,
                display_name=a.display_name,
                organisation_name=a.organisation_name,
                comment=a.comment,
                approved_at=a.approved_at.astimezone(CHINA_TZ),
            )
            for a in selectors.notice_approvals(notice=notice)
        ],
        version=notice.version,
    )


def _document_out(document: Document) -> DocumentOut:
    return DocumentOut(
        uuid=document.uuid,
        project_code=document.project.code,
        section_code=document.section.code if document.section_id and document.section else None,
        name=document.name,
        size=document.size,
        sha256=document.sha256,
        content_type=document.content_type,
        is_public=document.is_public,
        stage=document.stage,
        uploaded_at=document.uploaded_at.astimezone(CHINA_TZ),
    )


def _obtain_out(section: Section, by: Actor) -> ObtainOut:
    obtain = selectors.document_obtain_status(section=section, by=by)
    if obtain is None:
        return ObtainOut(
            section_code=section.code,
            obtained=False,
            organisation_name=None,
            username=None,
            obtained_at=None,
            paid=False,
            amount_fen=0,
            amount_yuan=_yuan(0),
            documents=[],
        )
    return ObtainOut(
        section_code=section.code,
        obtained=True,
        organisation_name=obtain.organisation_name,
        username=obtain.username,
        obtained_at=obtain.obtained_at.astimezone(CHINA_TZ),
        paid=obtain.paid,
        amount_fen=obtain.amount_fen,
        amount_yuan=_yuan(obtain.amount_fen),
        documents=[d.uuid for d in obtain.documents.order_by("uploaded_at", "id")],
    )


def _registration_out(registration: Registration) -> RegistrationOut:
    return RegistrationOut(
        uuid=registration.uuid,
        section_code=registration.section.code,
        organisation_name=registration.organisation_name,
        organisation_uscc=registration.organisation_uscc,
        applied_at=registration.applied_at.astimezone(CHINA_TZ),
        deposit_required_fen=registration.deposit_required_fen,
        deposit_required_yuan=_yuan(registration.deposit_required_fen),
        deposit_paid_fen=registration.deposit_paid_fen,
        deposit_paid_yuan=_yuan(registration.deposit_paid_fen),
        deposit_paid_at=_local(registration.deposit_paid_at),
        status=registration.status,
        reason=registration.reason,
        decided_at=_local(registration.decided_at),
        withdrawn_at=_local(registration.withdrawn_at),
        version=registration.version,
    )


def _registers(section: Section) -> bool:
    """Whether the section's procedure has registration (land and property) under its pinned rule set."""
    project = section.project
    if section.ruleset_version:
        ruleset = rules.ruleset_get(procedure=project.procedure, version=section.ruleset_version)
    else:
        ruleset = rules.ruleset_for(procedure=project.procedure, on=clock_now().astimezone(CHINA_TZ).date())
    return ruleset.registration is not None


def _registration_status_out(section: Section, by: Actor) -> RegistrationStatusOut:
    applicable = _registers(section)
    registration = selectors.registration_status(section=section, by=by)
    return RegistrationStatusOut(
        section_code=section.code,
        applicable=applicable,
        registration_deadline=_local(selectors.registration_deadline_for(section=section)),
        deposit_required_fen=section.bid_security_fen if applicable else None,
        deposit_required_yuan=_yuan(section.bid_security_fen) if applicable else None,
        registration=_registration_out(registration) if registration is not None else None,
    )


def _answer_out(answer: Answer) -> AnswerOut:
    return AnswerOut(
        uuid=answer.uuid,
        section_code=answer.section.code,
        body=answer.body,
        affects_bid_preparation=answer.affects_bid_preparation,
        published_at=answer.published_at.astimezone(CHINA_TZ),
        bid_deadline_before=_local(answer.bid_deadline_before),
        bid_deadline_after=_local(answer.bid_deadline_after),
        amendment_notice=answer.amendment_notice.uuid if answer.amendment_notice else None,
    )


def _objection_out(view: selectors.ObjectionView) -> ObjectionOut:
    return ObjectionOut(
        uuid=view.uuid,
        kind=view.kind,
        text=view.text,
        filed_at=view.filed_at.astimezone(CHINA_TZ),
        reply_due=view.reply_due.astimezone(CHINA_TZ),
        status=view.status,
        reply=view.reply,
        replied_at=_local(view.replied_at),
        # An objector knows its own objection by ``mine``; its name is not repeated back, so that
        # no response but the obtain status ever names a holder of the documents.
        filed_by=None if view.mine else view.filed_by,
        mine=view.mine,
        overdue=view.overdue,
    )


def _tender_out(section: Section) -> TenderOut:
    project = section.project
    public_estimate = project.trade_type in (rules.TradeType.CONSTRUCTION, rules.TradeType.PROCUREMENT)
    return TenderOut(
        section_code=section.code,
        section_name=section.name,
        project_code=project.code,
        project_name=project.name,
        trade_type=project.trade_type,
        procedure=project.procedure,
        tenderer_name=project.owner_name,
        agency_name=project.agency_name,
        estimate_fen=section.estimate_fen if public_estimate else None,
        estimate_yuan=_yuan(section.estimate_fen) if public_estimate else None,
        bid_security_fen=section.bid_security_fen,
        bid_security_yuan=_yuan(section.bid_security_fen),
        document_price_fen=section.document_price_fen,
        document_price_yuan=_yuan(section.document_price_fen),
        status=section.status,
        doc_issue_start=_local(section.doc_issue_start),
        doc_issue_end=_local(section.doc_issue_end),
        bid_deadline=_local(section.bid_deadline),
        opening_at=_local(section.opening_at),
        activity_start=_local(section.activity_start),
        suspended=section.suspended_at is not None,
        suspended_at=_local(section.suspended_at),
    )


def _section_timetable(section: Section) -> SectionTimetableOut:
    project = section.project
    published = selectors.section_timetable(section=section)
    if section.ruleset_version:
        ruleset = rules.ruleset_get(procedure=project.procedure, version=section.ruleset_version)
    else:
        ruleset = rules.ruleset_for(procedure=project.procedure, on=clock_now().astimezone(CHINA_TZ).date())
    timetable = published or selectors.timetable_preview(procedure=project.procedure)
    return SectionTimetableOut(
        section_code=section.code,
        section_name=section.name,
        status=section.status,
        preview=published is None,
        timetable=_timetable_out(timetable),
        rules=[RuleRow(**row) for row in rules.rules_table(ruleset=ruleset)],
    )


def _paged(rows: QuerySet[Project], page: int, size: int) -> tuple[list[Project], int, int, int, int]:
    page, size = _page(page, size)
    total = rows.count()
    return list(rows[(page - 1) * size : page * size]), total, page, size, max(math.ceil(total / size), 1)


# --- refunds (退还): schemas and converters ----------------------------------------------------------


class RefundOut(Schema):
    """One refund: for the organisation owed it and for the centre's staff only."""

    uuid: uuid_lib.UUID
    section_code: str
    section_name: str
    organisation_name: str
    kind: str
    kind_label: str
    reason: str
    reason_label: str
    amount_fen: int
    amount_yuan: str
    interest_fen: int
    interest_yuan: str
    due_at: dt.datetime
    status: str
    paid_at: dt.datetime | None
    bank_reference: str
    version: int


class RefundPage(Schema):
    items: list[RefundOut]
    total: int
    page: int
    size: int
    pages: int


class RefundPaidIn(Schema):
    bank_reference: str
    # The bank's interest for the same period, in yuan (deposits and securities only).
    interest_yuan: str = "0"


def _refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        uuid=refund.uuid,
        section_code=refund.section.code,
        section_name=refund.section.name,
        organisation_name=refund.organisation_name,
        kind=refund.kind,
        kind_label=REFUND_KIND_LABELS.get(refund.kind, refund.kind),
        reason=refund.reason,
        reason_label=REFUND_REASON_LABELS.get(refund.reason, refund.reason),
        amount_fen=refund.amount_fen,
        amount_yuan=_yuan(refund.amount_fen),
        interest_fen=refund.interest_fen,
        interest_yuan=_yuan(refund.interest_fen),
        due_at=refund.due_at.astimezone(CHINA_TZ),
        status=refund.status,
        paid_at=_local(refund.paid_at),
        bank_reference=refund.bank_reference,
        version=refund.version,
    )


# --- the router ----------------------------------------------------------------------------------


def router_build(*, platform: str) -> Router | None:
    """The tendering API; only the trading platform has it."""
    if platform != "trading":
        return None
    router = Router(tags=["tendering"], auth=django_auth)

    # -- projects ---------------------------------------------------------------------------------

    @router.post("/projects", response={201: ProjectOut}, summary="Register a project (项目登记)")
    def projects_create(request: HttpRequest, payload: ProjectIn) -> Status[ProjectOut]:
        """Register a project for the tenderer (an agency names it by ``tenderer_uscc``)."""
        project = project_register(
            name=payload.name,
            procedure=payload.procedure,
            funding_source=payload.funding_source,
            budget_yuan=payload.budget_yuan,
            region_code=payload.region_code,
            industry_code=payload.industry_code,
            tenderer_uscc=payload.tenderer_uscc,
            by=_actor(request),
        )
        return Status(201, _project_out(project))

    @router.get("/projects", response=ProjectPage, summary="The projects I work on")
    def projects_list(
        request: HttpRequest, trade_type: str | None = None, status: str | None = None, page: int = 1, size: int = 20
    ) -> ProjectPage:
        """The caller's projects (every project for centre staff and regulators), newest first;
        ``status`` filters on the status of any of their sections."""
        rows = selectors.projects_for(by=_actor(request)).order_by("-created_at", "-id")
        if trade_type:
            rows = rows.filter(trade_type=trade_type)
        if status:
            rows = rows.filter(sections__status=status).distinct()
        items, total, page, size, pages = _paged(rows, page, size)
        return ProjectPage(items=[_project_out(p) for p in items], total=total, page=page, size=size, pages=pages)

    @router.get("/projects/{code}", response=ProjectOut, summary="One project with its sections")
    def projects_detail(request: HttpRequest, code: str) -> ProjectOut:
        return _project_out(_project_visible(code=code, by=_actor(request)))

    @router.post("/projects/{code}/sections", response={201: SectionOut}, summary="Add a section (标段/包)")
    def sections_create(request: HttpRequest, code: str, payload: SectionIn) -> Status[SectionOut]:
        section = section_add(
            project=selectors.project_get_by_code(code=code),
            name=payload.name,
            estimate_yuan=payload.estimate_yuan,
            bid_security_yuan=payload.bid_security_yuan,
            bid_security_ratio=payload.bid_security_ratio,
            document_price_yuan=payload.document_price_yuan,
            by=_actor(request),
        )
        return Status(201, _section_out(section))

    @router.get("/projects/{code}/timetable", response=ProjectTimetableOut, summary="Every statutory date")
    def projects_timetable(request: HttpRequest, code: str) -> ProjectTimetableOut:
        """Per section: the statutory dates under its pinned rule set once published (a preview
        for a notice published now before that), and the rule set as a table with its articles."""
        project = _project_visible(code=code, by=_actor(request))
        return ProjectTimetableOut(
            project_code=project.code,
            procedure=project.procedure,
            sections=[_section_timetable(s) for s in selectors.project_sections(project=project)],
        )

    # -- notices ----------------------------------------------------------------------------------

    @router.post("/projects/{code}/notices", response={201: NoticeOut}, summary="Draft a notice")
    def notices_create(request: HttpRequest, code: str, payload: NoticeIn) -> Status[NoticeOut]:
        actor = _actor(request)
        project = selectors.project_get_by_code(code=code)
        references = selectors.notice_get(uuid=payload.references) if payload.references else None
        notice = notice_draft(
            project=project,
            kind=payload.kind,
            title=payload.title,
            body=payload.body,
            sections=_sections_by_codes(project, payload.section_codes),
            doc_issue_start=payload.doc_issue_start,
            doc_issue_end=payload.doc_issue_end,
            bid_deadline=payload.bid_deadline,
            opening_at=payload.opening_at,
            activity_start=payload.activity_start,
            references=references,
            affects_bid_preparation=payload.affects_bid_preparation,
            envelopes=payload.envelopes,
            bidder_key_required=payload.bidder_key_required,
            by=actor,
        )
        return Status(201, _notice_out(notice))

    @router.put("/notices/{uuid}", response=NoticeOut, summary="Revise an unpublished notice")
    def notices_revise(request: HttpRequest, uuid: str, payload: NoticeReviseIn) -> NoticeOut:
        actor = _actor(request)
        notice = selectors.notice_get(uuid=uuid)
        sections = (
            _sections_by_codes(notice.project, payload.section_codes) if payload.section_codes is not None else None
        )
        revised = notice_revise(
            notice=notice,
            title=payload.title,
            body=payload.body,
            doc_issue_start=payload.doc_issue_start,
            doc_issue_end=payload.doc_issue_end,
            bid_deadline=payload.bid_deadline,
            opening_at=payload.opening_at,
            activity_start=payload.activity_start,
            sections=sections,
            affects_bid_preparation=payload.affects_bid_preparation,
            envelopes=payload.envelopes,
            bidder_key_required=payload.bidder_key_required,
            by=actor,
        )
        return _notice_out(revised)

    @router.post("/notices/{uuid}/approve", response=NoticeOut, summary="Approve a notice")
    def notices_approve(request: HttpRequest, uuid: str, payload: ApproveIn) -> NoticeOut:
        actor = _actor(request)
        return _notice_out(notice_approve(notice=selectors.notice_get(uuid=uuid), comment=payload.comment, by=actor))

    @router.post("/notices/{uuid}/publish", response=NoticeOut, summary="Publish an approved notice")
    def notices_publish(request: HttpRequest, uuid: str) -> NoticeOut:
        actor = _actor(request)
        return _notice_out(notice_publish(notice=selectors.notice_get(uuid=uuid), by=actor))

    @router.get("/projects/{code}/notices", response=list[NoticeOut], summary="A project's notices")
    def notices_list(request: HttpRequest, code: str) -> list[NoticeOut]:
        """Published notices for everyone; drafts too for the project's managers and oversight."""
        actor = _actor(request)
        project = selectors.project_get_by_code(code=code)
        return [_notice_out(n) for n in selectors.project_notices(project=project, by=actor)]

    @router.post("/projects/{code}/terminate", response=NoticeOut, summary="Terminate the tender (终止招标)")
    def projects_terminate(request: HttpRequest, code: str, payload: TerminateIn) -> NoticeOut:
        actor = _actor(request)
        project = selectors.project_get_by_code(code=code)
        sections = _sections_by_codes(project, payload.section_codes) if payload.section_codes is not None else None
        return _notice_out(tender_terminate(project=project, reason=payload.reason, sections=sections, by=actor))

    # -- documents --------------------------------------------------------------------------------

    @router.post("/projects/{code}/documents", response={201: DocumentOut}, summary="Upload a document")
    def documents_upload(
        request: HttpRequest,
        code: str,
        file: File[UploadedFile],
        section_code: Form[str | None] = None,
        is_public: Form[bool] = False,
        stage: Form[str] = "tender",
    ) -> Status[DocumentOut]:
        """Multipart upload; the response carries the SHA-256 and size computed while storing it.
        ``stage="prequalification"`` uploads pre-qualification documents (资格预审文件)."""
        actor = _actor(request)
        project = selectors.project_get_by_code(code=code)
        section = _section_by_code(section_code) if section_code else None
        document = document_upload(
            project=project,
            name=file.name or "",
            content=file,
            section=section,
            is_public=is_public,
            content_type=file.content_type or "",
            stage=stage,
            by=actor,
        )
        return Status(201, _document_out(document))

    @router.get("/sections/{code}/documents", response=list[DocumentOut], summary="Documents I may download")
    def documents_list(request: HttpRequest, code: str) -> list[DocumentOut]:
        actor = _actor(request)
        return [_document_out(d) for d in selectors.documents_for(section=_section_by_code(code), by=actor)]

    @router.get("/documents/{uuid}/download", summary="Download a document")
    def documents_download(request: HttpRequest, uuid: str) -> FileResponse:
        actor = _actor(request)
        document = selectors.document_download(document=selectors.document_get(uuid=uuid), by=actor)
        return FileResponse(
            selectors.document_open(document=document),
            as_attachment=True,
            filename=document.name,
            content_type=document.content_type or "application/octet-stream",
        )

    @router.post("/sections/{code}/obtain", response={201: ObtainOut}, summary="Obtain the tender documents")
    def obtain_create(request: HttpRequest, code: str) -> Status[ObtainOut]:
        actor = _actor(request)
        section = _section_by_code(code)
        document_obtain(section=section, by=actor)
        return Status(201, _obtain_out(section, actor))

    @router.get("/sections/{code}/obtain", response=ObtainOut, summary="My own obtain status")
    def obtain_status(request: HttpRequest, code: str) -> ObtainOut:
        actor = _actor(request)
        return _obtain_out(_section_by_code(code), actor)

    @router.get("/sections/{code}/obtainers", response=list[ObtainerOut], summary="Who obtained (after the deadline)")
    def obtainers_list(request: HttpRequest, code: str) -> list[ObtainerOut]:
        """Secret until the bid deadline for everyone (403 ``obtainers_secret``); afterwards for the
        tenderer, its agency, centre staff and regulators. Every call is audited."""
        actor = _actor(request)
        rows = selectors.document_obtainers_for(section=_section_by_code(code), by=actor)
        return [
            ObtainerOut(
                organisation_name=r.organisation_name,
                username=r.username,
                obtained_at=r.obtained_at.astimezone(CHINA_TZ),
                paid=r.paid,
                amount_fen=r.amount_fen,
                amount_yuan=_yuan(r.amount_fen),
            )
            for r in rows
        ]

    # -- bidding registration (竞买申请) in land and property sections -----------------------------

    @router.post(
        "/sections/{code}/registration", response={201: RegistrationStatusOut}, summary="Apply to bid (竞买申请)"
    )
    def registration_create(request: HttpRequest, code: str) -> Status[RegistrationStatusOut]:
        """For the caller's organisation, within the registration window (idempotent: applying
        again returns the first record). Construction and procurement: ``registration_not_applicable``."""
        actor = _actor(request)
        section = _section_by_code(code)
        registration_apply(section=section, by=actor)
        return Status(201, _registration_status_out(section, actor))

    @router.get("/sections/{code}/registration", response=RegistrationStatusOut, summary="My own registration")
    def registration_own(request: HttpRequest, code: str) -> RegistrationStatusOut:
        """The section's registration deadline and deposit, and the caller's own registration, if any."""
        actor = _actor(request)
        return _registration_status_out(_section_by_code(code), actor)

    @router.get(
        "/sections/{code}/registrations",
        response=list[RegistrationRowOut],
        summary="Who registered (after the deadline)",
    )
    def registrations_list(request: HttpRequest, code: str) -> list[RegistrationRowOut]:
        """Secret until the bid deadline for everyone (403 ``registrations_secret``); afterwards for the
        tenderer, its agency, centre staff and regulators. Every call is audited."""
        actor = _actor(request)
        rows = selectors.registrations_for(section=_section_by_code(code), by=actor)
        return [
            RegistrationRowOut(
                uuid=r.uuid,
                organisation_name=r.organisation_name,
                organisation_uscc=r.organisation_uscc,
                applied_at=r.applied_at.astimezone(CHINA_TZ),
                deposit_required_fen=r.deposit_required_fen,
                deposit_required_yuan=_yuan(r.deposit_required_fen),
                deposit_paid_fen=r.deposit_paid_fen,
                deposit_paid_yuan=_yuan(r.deposit_paid_fen),
                deposit_paid_at=_local(r.deposit_paid_at),
                status=r.status,
                reason=r.reason,
            )
            for r in rows
        ]

    @router.get("/registrations/{uuid}", response=RegistrationOut, summary="One registration by its reference")
    def registration_detail(request: HttpRequest, uuid: str) -> RegistrationOut:
        """Its own bidder and centre staff (audited); anyone else gets 404 ``registration_not_found``."""
        return _registration_out(selectors.registration_get(uuid=uuid, by=_actor(request)))

    @router.post("/registrations/{uuid}/deposit", response=RegistrationOut, summary="Record the deposit received")
    def registration_deposit(request: HttpRequest, uuid: str, payload: DepositIn) -> RegistrationOut:
        """Centre staff record the bank's confirmation: the total received (yuan) and when it was reached."""
        actor = _actor(request)
        registration = selectors.registration_get(uuid=uuid, by=actor)
        return _registration_out(
            deposit_record(registration=registration, paid_yuan=payload.paid_yuan, paid_at=payload.paid_at, by=actor)
        )

    @router.post("/registrations/{uuid}/confirm", response=RegistrationOut, summary="Confirm the registration")
    def registration_confirm_endpoint(request: HttpRequest, uuid: str) -> RegistrationOut:
        """Centre staff, only when the full deposit arrived before the registration deadline."""
        actor = _actor(request)
        registration = selectors.registration_get(uuid=uuid, by=actor)
        return _registration_out(registration_confirm(registration=registration, by=actor))

    @router.post("/registrations/{uuid}/refuse", response=RegistrationOut, summary="Refuse the registration")
    def registration_refuse_endpoint(request: HttpRequest, uuid: str, payload: RefuseIn) -> RegistrationOut:
        actor = _actor(request)
        registration = selectors.registration_get(uuid=uuid, by=actor)
        return _registration_out(registration_refuse(registration=registration, reason=payload.reason, by=actor))

    # -- enquiries and objections -----------------------------------------------------------------

    @router.post("/sections/{code}/questions", response={201: QuestionOut}, summary="Ask a clarification question")
    def questions_create(request: HttpRequest, code: str, payload: QuestionIn) -> Status[QuestionOut]:
        actor = _actor(request)
        question = question_ask(section=_section_by_code(code), text=payload.text, by=actor)
        return Status(
            201, QuestionOut(uuid=question.uuid, text=question.text, asked_at=question.asked_at, answer=None, mine=True)
        )

    @router.get("/sections/{code}/questions", response=list[QuestionOut], summary="Questions (never the asker)")
    def questions_list(request: HttpRequest, code: str) -> list[QuestionOut]:
        actor = _actor(request)
        return [
            QuestionOut(
                uuid=q.uuid, text=q.text, asked_at=q.asked_at.astimezone(CHINA_TZ), answer=q.answer_uuid, mine=q.mine
            )
            for q in selectors.questions_for(section=_section_by_code(code), by=actor)
        ]

    @router.post("/sections/{code}/answers", response={201: AnswerOut}, summary="Publish a clarification")
    def answers_create(request: HttpRequest, code: str, payload: AnswerIn) -> Status[AnswerOut]:
        """Sent to every holder of the documents; one affecting bid preparation too close to the
        deadline moves it (``bid_deadline_before`` → ``bid_deadline_after``)."""
        actor = _actor(request)
        section = _section_by_code(code)
        questions = [selectors.question_get(uuid=u) for u in payload.questions]
        answer = answer_publish(
            section=section,
            body=payload.body,
            affects_bid_preparation=payload.affects_bid_preparation,
            questions=questions,
            by=actor,
        )
        return Status(201, _answer_out(answer))

    @router.get("/sections/{code}/answers", response=list[AnswerOut], summary="Clarifications I received")
    def answers_list(request: HttpRequest, code: str) -> list[AnswerOut]:
        actor = _actor(request)
        return [_answer_out(a) for a in selectors.answers_for(section=_section_by_code(code), by=actor)]

    @router.post("/sections/{code}/objections", response={201: ObjectionOut}, summary="File an objection (异议)")
    def objections_create(request: HttpRequest, code: str, payload: ObjectionIn) -> Status[ObjectionOut]:
        actor = _actor(request)
        section = _section_by_code(code)
        objection = objection_file(section=section, kind=payload.kind, text=payload.text, by=actor)
        view = next(v for v in selectors.objections_for(section=section, by=actor) if v.uuid == objection.uuid)
        return Status(201, _objection_out(view))

    @router.post("/objections/{uuid}/reply", response=ObjectionOut, summary="Reply to an objection")
    def objections_reply(request: HttpRequest, uuid: str, payload: ObjectionReplyIn) -> ObjectionOut:
        actor = _actor(request)
        objection = objection_reply(objection=selectors.objection_get(uuid=uuid), reply=payload.reply, by=actor)
        section = objection.section
        view = next(v for v in selectors.objections_for(section=section, by=actor) if v.uuid == objection.uuid)
        return _objection_out(view)

    @router.get("/sections/{code}/objections", response=list[ObjectionOut], summary="Objections I may see")
    def objections_list(request: HttpRequest, code: str) -> list[ObjectionOut]:
        actor = _actor(request)
        return [_objection_out(v) for v in selectors.objections_for(section=_section_by_code(code), by=actor)]

    # -- open tenders, for bidders ----------------------------------------------------------------

    @router.get("/tenders", response=TenderPage, summary="Sections open for bids")
    def tenders_list(
        request: HttpRequest, trade_type: str | None = None, q: str = "", page: int = 1, size: int = 20
    ) -> TenderPage:
        """Sections accepting bids now, soonest deadline first; by trade type and text (``q``)."""
        _actor(request)
        rows = selectors.sections_open(trade_type=trade_type or None, search=q[:100])
        page, size = _page(page, size)
        total = rows.count()
        return TenderPage(
            items=[_tender_out(s) for s in rows[(page - 1) * size : page * size]],
            total=total,
            page=page,
            size=size,
            pages=max(math.ceil(total / size), 1),
        )

    @router.get("/tenders/{section_code}", response=TenderDetailOut, summary="One published tender")
    def tenders_detail(request: HttpRequest, section_code: str) -> TenderDetailOut:
        """A published section with its published notices and public attachments (drafts: 404)."""
        _actor(request)
        section = _section_by_code(section_code)
        if section.published_at is None:
            raise NotFound("标段不存在", code="section_not_found", detail={"code": section_code[:64]})
        return TenderDetailOut(
            **_tender_out(section).model_dump(),
            notices=[_notice_out(n) for n in selectors.notices_published(section=section)],
            public_documents=[_document_out(d) for d in selectors.documents_public(project=section.project)],
        )

    # -- re-tender, registration withdrawal, refunds ----------------------------------------------

    @router.post(
        "/sections/{code}/retender", response={201: SectionOut}, summary="Tender a failed section again (重新招标)"
    )
    def sections_retender(request: HttpRequest, code: str) -> Status[SectionOut]:
        """A new draft section of the same project replacing the failed one (``attempt`` + 1)."""
        actor = _actor(request)
        return Status(201, _section_out(section_retender(section=_section_by_code(code), by=actor)))

    @router.post("/registrations/{uuid}/withdraw", response=RegistrationOut, summary="Withdraw my registration")
    def registration_withdraw_endpoint(request: HttpRequest, uuid: str) -> RegistrationOut:
        """The registering organisation itself, before the registration deadline; a deposit received
        becomes a refund."""
        actor = _actor(request)
        registration = selectors.registration_get(uuid=uuid, by=actor)
        return _registration_out(registration_withdraw(registration=registration, by=actor))

    @router.get("/refunds/mine", response=list[RefundOut], summary="My organisation's refunds (我的退款)")
    def refunds_mine(request: HttpRequest) -> list[RefundOut]:
        return [_refund_out(r) for r in selectors.refunds_own(by=_actor(request))]

    @router.get("/refunds", response=RefundPage, summary="Every refund (centre staff)")
    def refunds_list(request: HttpRequest, status: str = "", page: int = 1, size: int = 20) -> RefundPage:
        """The centre's staff only (403 ``refunds_denied`` for anyone else); every call is audited."""
        taken = selectors.refunds_page(by=_actor(request), status=status.strip(), page=page, size=size)
        return RefundPage(
            items=[_refund_out(r) for r in taken.items],
            total=taken.total,
            page=taken.page,
            size=taken.size,
            pages=taken.pages,
        )

    @router.post("/refunds/{uuid}/paid", response=RefundOut, summary="Record a refund paid (centre staff)")
    def refunds_paid(request: HttpRequest, uuid: str, payload: RefundPaidIn) -> RefundOut:
        actor = _actor(request)
        refund = selectors.refund_get(uuid=uuid, by=actor)
        return _refund_out(
            refund_record_paid(
                refund=refund,
                bank_reference=payload.bank_reference,
                interest_fen=money_to_fen(payload.interest_yuan or "0"),
                by=actor,
            )
        )

    _prequal_routes(router)
    # -- one registration by the reference on the bank's transfer (centre staff) -------------------

    @router.get("/registrations", response=RegistrationOut, summary="Find a registration by the bank's reference")
    def registration_search(request: HttpRequest, reference: str = "") -> RegistrationOut:
        """Centre staff only (403 ``centre_staff_required`` for everyone else): the one registration
        whose reference the bank shows on a deposit transfer (capitals, spaces, hyphens and a label
        around it are tolerated), or 404 ``registration_not_found``. Never a list; every search is audited."""
        return _registration_out(selectors.registration_find(reference=reference, by=_actor(request)))

    return router


# --- pre-qualification (资格预审) ------------------------------------------------------------------
#
# A bidder reads its own application (its result once the review is concluded); one application
# is opened by its reference by its own applicant and, after the application deadline, by the
# reviewers (``prequal_application_get``, audited); the list only through the audited gatekeeper
# ``selectors.prequal_applications_for``.


class PrequalResultOut(Schema):
    passed: bool
    reason: str
    concluded_at: dt.datetime


class PrequalApplicationOut(Schema):
    uuid: uuid_lib.UUID
    section_code: str
    organisation_name: str
    organisation_uscc: str
    # For the applicant, a decision shows as "submitted" until the review is concluded.
    status: str
    obtained_at: dt.datetime
    submitted_at: dt.datetime | None
    file_name: str
    file_size: int | None
    file_sha256: str
    withdrawn_at: dt.datetime | None
    # 资格预审结果通知书: None until the review is concluded.
    result: PrequalResultOut | None
    version: int


class PrequalOwnOut(Schema):
    """A section's pre-qualification timetable and the caller's own application; nothing about others."""

    section_code: str
    status: str
    prequal_doc_issue_start: dt.datetime | None
    prequal_doc_issue_end: dt.datetime | None
    prequal_deadline: dt.datetime | None
    prequal_concluded_at: dt.datetime | None
    # The documents are free of charge on this platform (platform policy).
    document_price_fen: int
    application: PrequalApplicationOut | None


class PrequalRowOut(Schema):
    uuid: uuid_lib.UUID
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


class PrequalReviewIn(Schema):
    passed: bool
    reason: str = ""


def _prequal_application_out(application: PrequalApplication, *, own: bool) -> PrequalApplicationOut:
    result = selectors.prequal_result(application=application)
    return PrequalApplicationOut(
        uuid=application.uuid,
        section_code=application.section.code,
        organisation_name=application.organisation_name,
        organisation_uscc=application.organisation_uscc,
        status=selectors.prequal_status_shown(application=application) if own else application.status,
        obtained_at=application.obtained_at.astimezone(CHINA_TZ),
        submitted_at=_local(application.submitted_at),
        file_name=application.file_name,
        file_size=application.file_size,
        file_sha256=application.file_sha256,
        withdrawn_at=_local(application.withdrawn_at),
        result=PrequalResultOut(
            passed=result.passed, reason=result.reason, concluded_at=result.concluded_at.astimezone(CHINA_TZ)
        )
        if result is not None
        else None,
        version=application.version,
    )


def _prequal_own_out(section: Section, by: Actor) -> PrequalOwnOut:
    section = selectors.section_get(uuid=section.uuid)
    application = selectors.prequal_application_status(section=section, by=by)
    return PrequalOwnOut(
        section_code=section.code,
        status=section.status,
        prequal_doc_issue_start=_local(section.prequal_doc_issue_start),
        prequal_doc_issue_end=_local(section.prequal_doc_issue_end),
        prequal_deadline=_local(section.prequal_deadline),
        prequal_concluded_at=_local(section.prequal_concluded_at),
        document_price_fen=0,
        application=_prequal_application_out(application, own=True) if application is not None else None,
    )


def _prequal_routes(router: Router) -> None:
    @router.post(
        "/sections/{code}/prequal/obtain",
        response={201: PrequalOwnOut},
        summary="Obtain the pre-qualification documents (资格预审文件)",
    )
    def prequal_obtain(request: HttpRequest, code: str) -> Status[PrequalOwnOut]:
        """Free of charge, during their issue period (idempotent)."""
        actor = _actor(request)
        section = _section_by_code(code)
        prequal_documents_obtain(section=section, by=actor)
        return Status(201, _prequal_own_out(section, actor))

    @router.get("/sections/{code}/prequal", response=PrequalOwnOut, summary="My own pre-qualification application")
    def prequal_own(request: HttpRequest, code: str) -> PrequalOwnOut:
        """The section's pre-qualification timetable and the caller's own application, with its result
        once the review is concluded."""
        actor = _actor(request)
        return _prequal_own_out(_section_by_code(code), actor)

    @router.post(
        "/sections/{code}/prequal/application",
        response={201: PrequalOwnOut},
        summary="Submit or replace the pre-qualification application",
    )
    def prequal_submit(request: HttpRequest, code: str, file: File[UploadedFile]) -> Status[PrequalOwnOut]:
        """Multipart upload before the application deadline; the SHA-256 is computed while storing it."""
        actor = _actor(request)
        section = _section_by_code(code)
        prequal_apply(
            section=section, name=file.name or "", content=file, content_type=file.content_type or "", by=actor
        )
        return Status(201, _prequal_own_out(section, actor))

    @router.post(
        "/sections/{code}/prequal/withdraw",
        response=PrequalOwnOut,
        summary="Withdraw the pre-qualification application",
    )
    def prequal_withdraw_endpoint(request: HttpRequest, code: str) -> PrequalOwnOut:
        actor = _actor(request)
        section = _section_by_code(code)
        prequal_withdraw(section=section, by=actor)
        return _prequal_own_out(section, actor)

    @router.get(
        "/sections/{code}/prequal/applications",
        response=list[PrequalRowOut],
        summary="Pre-qualification applicants (reviewers, after the deadline)",
    )
    def prequal_applications_list(request: HttpRequest, code: str) -> list[PrequalRowOut]:
        """Secret before the application deadline for everyone (403 ``prequal_applicants_secret``);
        afterwards for the tenderer, its agency and centre staff. Every call is audited."""
        actor = _actor(request)
        rows = selectors.prequal_applications_for(section=_section_by_code(code), by=actor)
        return [
            PrequalRowOut(
                uuid=r.uuid,
                organisation_name=r.organisation_name,
                organisation_uscc=r.organisation_uscc,
                status=r.status,
                obtained_at=r.obtained_at.astimezone(CHINA_TZ),
                submitted_at=_local(r.submitted_at),
                file_name=r.file_name,
                file_size=r.file_size,
                file_sha256=r.file_sha256,
                withdrawn_at=_local(r.withdrawn_at),
                reviewed_by_username=r.reviewed_by_username,
                reviewed_at=_local(r.reviewed_at),
                reason=r.reason,
            )
            for r in rows
        ]

    @router.get("/prequal/{uuid}", response=PrequalApplicationOut, summary="One pre-qualification application")
    def prequal_detail(request: HttpRequest, uuid: str) -> PrequalApplicationOut:
        """Its own applicant; the reviewers after the deadline (audited); 404 for anyone else."""
        actor = _actor(request)
        application = selectors.prequal_application_get(uuid=uuid, by=actor)
        return _prequal_application_out(application, own=application.organisation_id == actor.organisation_id)

    @router.post("/prequal/{uuid}/review", response=PrequalApplicationOut, summary="Pass or fail an application")
    def prequal_review_endpoint(request: HttpRequest, uuid: str, payload: PrequalReviewIn) -> PrequalApplicationOut:
        """After the application deadline, before conclusion; failing needs a ``reason``."""
        actor = _actor(request)
        application = selectors.prequal_application_get(uuid=uuid, by=actor)
        reviewed = prequal_review(application=application, passed=payload.passed, reason=payload.reason, by=actor)
        return _prequal_application_out(reviewed, own=False)

    @router.post("/sections/{code}/prequal/conclude", response=SectionOut, summary="Conclude the pre-qualification")
    def prequal_conclude_endpoint(request: HttpRequest, code: str) -> SectionOut:
        """Once every submitted application is decided; too few passed ⇒ the section fails
        (``insufficient_qualified``)."""
        actor = _actor(request)
        return _section_out(prequal_conclude(section=_section_by_code(code), by=actor))

    @router.get("/prequal/{uuid}/file", summary="Download a pre-qualification application file")
    def prequal_file(request: HttpRequest, uuid: str) -> FileResponse:
        """Its own applicant; the reviewers after the deadline (audited); 404 for anyone else."""
        actor = _actor(request)
        application = selectors.prequal_file_download(uuid=uuid, by=actor)
        return FileResponse(
            selectors.prequal_file_open(application=application),
            as_attachment=True,
            filename=application.file_name,
            content_type="application/octet-stream",
        )
