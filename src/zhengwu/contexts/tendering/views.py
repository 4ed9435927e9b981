"""Pages of the trading platform: projects for tenderers, agencies and staff; open tenders for bidders.

The pages decide nothing: every act goes through a service, every read through a selector, and
a refusal (a ``ZhengwuError``) is shown on the page it came from, with the form as it was typed,
a 400/403/404 status and nothing changed. Who obtained a section's documents is never read here
except through ``selectors.document_obtainers_for`` (the audited gatekeeper), and its link is
only shown when ``selectors.obtainers_visible`` says the gatekeeper would admit the viewer.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.identity.roles import ROLE_LABELS, Role
from zhengwu.contexts.identity.selectors import actor_for, organisation_counts
from zhengwu.contexts.tendering import codes, rules, selectors, services
from zhengwu.contexts.tendering.forms import (
    AnswerForm,
    ApproveForm,
    DepositForm,
    DocumentForm,
    NoticeForm,
    ObjectionForm,
    PrequalApplyForm,
    PrequalReviewForm,
    ProjectForm,
    QuestionForm,
    RefundPaidForm,
    RefuseForm,
    ReplyForm,
    SectionForm,
    TerminateForm,
)
from zhengwu.contexts.tendering.lifecycle import violation_error
from zhengwu.contexts.tendering.models import (
    REFUND_KIND_LABELS,
    REFUND_REASON_LABELS,
    TRADE_TYPE_LABELS,
    Document,
    Notice,
    PrequalApplication,
    Project,
    Refund,
    Registration,
    Section,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput, NotAuthenticated, NotFound, PermissionDenied, ZhengwuError
from zhengwu.kernel.money import money_format, money_to_fen
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import xlsx_response

PAGE_SIZE = 20
# Who works on projects here: the tenderer, its agency, and oversight (staff and regulators).
PROJECT_ROLES = (Role.TENDERER, Role.AGENCY, Role.CENTRE_STAFF, Role.REGULATOR)
# Who may open a tender's page or download its public attachments: anyone signed in.
ANYONE = ()


def home(request: HttpRequest) -> HttpResponse:
    """The trading platform's front page: a dashboard once signed in, a welcome before."""
    context: dict[str, Any] = {}
    if request.user.is_authenticated:
        try:
            # Only a fully signed-in person (second factor included) gets the dashboard.
            actor = actor_for(user=request.user, request=request)
        except NotAuthenticated:
            actor = None
        if actor is not None:
            context["role_labels"] = [ROLE_LABELS.get(role, role) for role in sorted(actor.roles)]
            context["organisation"] = getattr(request.user, "organisation", None)
            if actor.has_role("centre_staff"):
                context["organisation_counts"] = organisation_counts()
    return render(request, "tendering/home.html", context)


# --- helpers -------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "trading"
    return reverse(f"{platform}:tendering:{name}", args=args)


def _local(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else ""


def _yuan(fen: int | None) -> str:
    return money_format(fen) if fen is not None else ""


def _project_by_code(code: str) -> Project:
    try:
        return selectors.project_get_by_code(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _section_by_code(code: str) -> Section:
    # A section code begins with its project's code (national data standard): find the
    # project, then the section among its own, so every read stays a selector's.
    try:
        parsed = codes.section_code_parse(code)
        project = selectors.project_get_by_code(code=parsed.project_code)
    except ZhengwuError as exc:
        raise Http404("标段不存在") from exc
    for section in selectors.project_sections(project=project):
        if section.code == parsed.code:
            return section
    raise Http404("标段不存在")


def _project_visible(project: Project, actor: Actor) -> bool:
    return selectors.projects_for(by=actor).filter(pk=project.pk).exists()


def _violations_error(violations: list[rules.RuleViolation]) -> ZhengwuError:
    """The first broken rule as the error, with every broken rule's message listed in its detail."""
    error = violation_error(violations[0])
    error.detail["messages"] = [violation_error(v).message for v in violations]
    return error


def _timetable_rows(timetable: rules.Timetable) -> list[tuple[str, str, str]]:
    """Every statutory date of a timetable as (key, what, when) rows in Beijing time."""
    rows: list[tuple[str, str, str]] = [("published_at", gettext("Published"), _local(timetable.published_at))]
    if timetable.prequal_doc_issue_last_day_min:
        rows.append(
            (
                "prequal_doc_issue_last_day_min",
                gettext("Pre-qualification documents issued at least until"),
                _day(timetable.prequal_doc_issue_last_day_min),
            )
        )
    if timetable.application_deadline_earliest_day:
        rows.append(
            (
                "application_deadline_earliest_day",
                gettext("Earliest application deadline (day)"),
                _day(timetable.application_deadline_earliest_day),
            )
        )
    if timetable.doc_issue_last_day_min:
        rows.append(
            (
                "doc_issue_last_day_min",
                gettext("Documents issued at least until"),
                _day(timetable.doc_issue_last_day_min),
            )
        )
    if timetable.activity_start_earliest_day:
        rows.append(
            (
                "activity_start_earliest_day",
                gettext("Earliest start of the listing (bidding)"),
                _day(timetable.activity_start_earliest_day),
            )
        )
    rows.append(
        (
            "bid_deadline_earliest_day",
            gettext("Earliest lawful bid deadline (day)"),
            _day(timetable.bid_deadline_earliest_day),
        )
    )
    if timetable.bid_deadline:
        rows.append(("bid_deadline", gettext("Bid deadline"), _local(timetable.bid_deadline)))
    if timetable.amendment_cutoff:
        rows.append(
            (
                "amendment_cutoff",
                gettext("Amendments affecting bids after this extend the deadline"),
                _local(timetable.amendment_cutoff),
            )
        )
    for kind, cutoff in timetable.objection_cutoffs:
        label = rules.OBJECTION_KIND_LABELS.get(kind, kind)
        rows.append((f"objection_{kind}", gettext("%(kind)s: to be filed before") % {"kind": label}, _local(cutoff)))
    return rows


def _timetable_of(section: Section) -> tuple[list[tuple[str, str, str]], str]:
    """(rows, problem) of a published section's timetable; problem explains a calendar gap."""
    try:
        timetable = selectors.section_timetable(section=section)
    except ZhengwuError as exc:
        return [], _calendar_problem(exc)
    return (_timetable_rows(timetable) if timetable is not None else []), ""


def _calendar_problem(exc: ZhengwuError) -> str:
    if exc.code == "calendar_year_missing":
        return gettext(
            "The statutory dates cannot be computed yet: the working-day calendar does not cover them (%(message)s)."
        ) % {"message": exc.message}
    return exc.message


def _ruleset_today(procedure: str) -> rules.RuleSet | None:
    try:
        return rules.ruleset_for(procedure=procedure, on=clock_now().astimezone(CHINA_TZ).date())
    except ZhengwuError:
        return None


def _ruleset_of(section: Section) -> rules.RuleSet | None:
    try:
        if section.ruleset_version:
            return rules.ruleset_get(procedure=section.project.procedure, version=section.ruleset_version)
    except ZhengwuError:
        return None
    return _ruleset_today(section.project.procedure)


# --- projects: list, register ---------------------------------------------------------------------


@require_GET
@roles_required(*PROJECT_ROLES)
def project_list(request: HttpRequest) -> HttpResponse:
    """My projects (all of them for oversight), filtered by trade type and section status; Excel export."""
    actor = _actor(request)
    trade_type = request.GET.get("trade_type", "").strip()
    status = request.GET.get("status", "").strip()
    rows = selectors.projects_for(by=actor)
    if trade_type in TRADE_TYPE_LABELS:
        rows = rows.filter(trade_type=trade_type)
    else:
        trade_type = ""
    if status in rules.STATUS_LABELS:
        rows = rows.filter(sections__status=status).distinct()
    else:
        status = ""
    rows = rows.order_by("-created_at", "-id")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=gettext("projects"),
            sheet=gettext("Projects"),
            headers=[
                gettext("Project code"),
                gettext("Project name"),
                gettext("Tenderer"),
                gettext("Agency"),
                gettext("Trade type"),
                gettext("Procedure"),
                gettext("Budget (yuan)"),
                gettext("Registered"),
            ],
            rows=(
                [
                    p.code,
                    p.name,
                    p.owner_name,
                    p.agency_name,
                    TRADE_TYPE_LABELS.get(p.trade_type, p.trade_type),
                    _procedure_title(p.procedure),
                    _yuan(p.budget_fen),
                    _local(p.created_at),
                ]
                for p in rows
            ),
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tendering/projects.html",
        {
            "page": page,
            "projects": [
                {"project": p, "budget": _yuan(p.budget_fen), "procedure": _procedure_title(p.procedure)} for p in page
            ],
            "trade_types": list(TRADE_TYPE_LABELS.items()),
            "statuses": list(rules.STATUS_LABELS.items()),
            "trade_type": trade_type,
            "status": status,
            "can_register": actor.has_role(Role.TENDERER, Role.AGENCY),
        },
    )


def _procedure_title(procedure: str) -> str:
    ruleset = _ruleset_today(procedure)
    return ruleset.title if ruleset is not None else procedure


@roles_required(Role.TENDERER, Role.AGENCY)
def project_new(request: HttpRequest) -> HttpResponse:
    """Register a project (项目登记); agencies name the tenderer that appointed them."""
    actor = _actor(request)
    agency = actor.has_role(Role.AGENCY)
    if request.method != "POST":
        return render(request, "tendering/project_new.html", {"form": ProjectForm(agency=agency)})
    form = ProjectForm(request.POST, agency=agency)
    if not form.is_valid():
        return render(request, "tendering/project_new.html", {"form": form}, status=400)
    data = form.cleaned_data
    try:
        project = services.project_register(
            name=data["name"],
            procedure=data["procedure"],
            funding_source=data["funding_source"],
            budget_yuan=data["budget_yuan"],
            region_code=data["region_code"],
            industry_code=data["industry_code"],
            tenderer_uscc=data.get("tenderer_uscc") or None,
            by=actor,
        )
    except ZhengwuError as exc:
        return render(request, "tendering/project_new.html", {"form": form, "error": exc}, status=refusal_status(exc))
    messages.success(request, gettext("Project %(code)s registered.") % {"code": project.code})
    return HttpResponseRedirect(_url(request, "project_detail", project.code))


# --- project detail and its actions ---------------------------------------------------------------


def _project_context(request: HttpRequest, actor: Actor, project: Project, **bound: Any) -> dict[str, Any]:
    """Everything the project page shows; ``bound`` replaces blank forms with the ones just submitted."""
    manages = selectors.can_manage(project=project, by=actor)
    sections = selectors.project_sections(project=project)
    published = [n for n in selectors.project_notices(project=project, by=actor) if n.status == Notice.Status.PUBLISHED]
    required_roles = selectors.notice_approval_roles_for(project=project)
    notices = []
    for notice in selectors.project_notices(project=project, by=actor):
        problems: list[str] = []
        if notice.status != Notice.Status.PUBLISHED:
            try:
                problems = [violation_error(v).message for v in selectors.notice_timetable_check(notice=notice)]
            except ZhengwuError as exc:
                problems = [_calendar_problem(exc)]
        approvals = selectors.notice_approvals(notice=notice)
        done = {a.role for a in approvals}
        notices.append(
            {
                "notice": notice,
                "sections": sorted(notice.sections.values_list("code", flat=True)),
                "approvals": approvals,
                "missing_roles": [ROLE_LABELS.get(r, r) for r in required_roles if r not in done],
                "problems": problems,
                "can_approve": notice.status == Notice.Status.DRAFT
                and any(actor.has_role(r) for r in required_roles if r not in done),
                "suspended_sections": _amendment_blocked_by(notice, sections),
                "revise_form": bound.get(f"revise_{notice.uuid}")
                or NoticeForm(
                    sections=sections,
                    published=published,
                    initial={
                        "kind": notice.kind,
                        "title": notice.title,
                        "body": notice.body,
                        "sections": list(notice.sections.values_list("code", flat=True)),
                        "doc_issue_start": notice.doc_issue_start,
                        "doc_issue_end": notice.doc_issue_end,
                        "bid_deadline": notice.bid_deadline,
                        "opening_at": notice.opening_at,
                        "activity_start": notice.activity_start,
                        "references": str(notice.references.uuid) if notice.references else "",
                        "affects_bid_preparation": notice.affects_bid_preparation,
                    },
                ),
            }
        )
    documents: dict[int, Document] = {d.pk: d for d in selectors.documents_public(project=project)}
    section_rows = []
    for section in sections:
        for document in selectors.documents_for(section=section, by=actor):
            documents[document.pk] = document
        timetable, problem = _timetable_of(section)
        questions = selectors.questions_for(section=section, by=actor)
        open_questions = [(str(q.uuid), q.text[:80]) for q in questions if q.answer_uuid is None]
        section_rows.append(
            {
                "section": section,
                "status_label": selectors.section_status_label(status=section.status),
                "estimate": _yuan(section.estimate_fen),
                "security": _yuan(section.bid_security_fen),
                "price": _yuan(section.document_price_fen),
                "timetable": timetable,
                "timetable_problem": problem,
                "questions": questions,
                "answers": selectors.answers_for(section=section, by=actor),
                "objections": [
                    {
                        "objection": o,
                        "kind": rules.OBJECTION_KIND_LABELS.get(o.kind, o.kind),
                        **_reply_bound(bound.get("reply_forms", {}).get(str(o.uuid)), bound.get("error")),
                    }
                    for o in selectors.objections_for(section=section, by=actor)
                ],
                "obtainers_visible": selectors.obtainers_visible(section=section, by=actor),
                "registrations_visible": selectors.registrations_visible(section=section, by=actor),
                "sealed_bids": bool((ruleset := _ruleset_of(section)) and ruleset.sealed_bids),
                # The expert draw and the evaluation room: the centre's staff act, regulators watch.
                "oversight": actor.has_role(Role.CENTRE_STAFF, Role.REGULATOR),
                "prequal": _prequal_section_facts(section, actor),
                "answer_form": bound.get(f"answer_{section.code}") or AnswerForm(questions=open_questions),
                "accepting": section.status == rules.SectionStatus.ACCEPTING_BIDS,
                **_retender_context(section, actor),
                **_suspension_overrides(section),
            }
        )
    preview: list[tuple[str, str, str]] = []
    preview_problem = ""
    if any(s.published_at is None for s in sections) or not sections:
        try:
            preview = _timetable_rows(selectors.timetable_preview(procedure=project.procedure))
        except ZhengwuError as exc:
            preview_problem = _calendar_problem(exc)
    ruleset = _ruleset_today(project.procedure)
    return {
        "project": project,
        "budget": _yuan(project.budget_fen),
        "trade_type_label": TRADE_TYPE_LABELS.get(project.trade_type, project.trade_type),
        "procedure_title": ruleset.title if ruleset else project.procedure,
        "manages": manages,
        "sections": section_rows,
        "notices": notices,
        "documents": sorted(documents.values(), key=lambda d: (d.uploaded_at, d.pk)),
        "preview": preview,
        "preview_problem": preview_problem,
        "rules_table": rules.rules_table(ruleset=ruleset) if ruleset else [],
        "required_roles": [ROLE_LABELS.get(r, r) for r in required_roles],
        "section_form": bound.get("section_form") or SectionForm(),
        "notice_form": bound.get("notice_form") or NoticeForm(sections=sections, published=published),
        "document_form": bound.get("document_form") or DocumentForm(sections=sections),
        "terminate_form": bound.get("terminate_form") or TerminateForm(),
        "reply_forms": bound.get("reply_forms", {}),
        "error": bound.get("error"),
        "suspended_codes": [s.code for s in sections if s.suspended_at is not None],
    }


def _project_for(request: HttpRequest, code: str) -> tuple[Actor, Project]:
    actor = _actor(request)
    project = _project_by_code(code)
    if not _project_visible(project, actor):
        raise Http404("项目不存在")
    return actor, project


@require_GET
@roles_required(*PROJECT_ROLES)
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A project: sections, notices with their approvals, documents, enquiries, objections, timetables."""
    actor, project = _project_for(request, code)
    return render(request, "tendering/project_detail.html", _project_context(request, actor, project))


def _project_act(
    request: HttpRequest,
    code: str,
    *,
    form_key: str,
    make_form: Callable[[Project, Actor], Any],
    act: Callable[[Project, Actor, dict[str, Any]], str],
) -> HttpResponse:
    """Run one action of the project page: shape check, service call, then redirect or the refusal."""
    actor, project = _project_for(request, code)
    form = make_form(project, actor)
    if not form.is_valid():
        error = InvalidInput(gettext("Please correct the fields marked below."), code="form_invalid")
        context = _project_context(request, actor, project, **{form_key: form, "error": error})
        return render(request, "tendering/project_detail.html", context, status=400)
    try:
        done = act(project, actor, form.cleaned_data)
    except ZhengwuError as exc:
        context = _project_context(request, actor, project, **{form_key: form, "error": exc})
        return render(request, "tendering/project_detail.html", context, status=refusal_status(exc))
    messages.success(request, done)
    return HttpResponseRedirect(_url(request, "project_detail", project.code))


def _sections_named(project: Project, codes: list[str]) -> list[Section]:
    by_code = {s.code: s for s in selectors.project_sections(project=project)}
    return [by_code[c] for c in codes if c in by_code]


def _published_notices(project: Project, actor: Actor) -> list[Notice]:
    return [n for n in selectors.project_notices(project=project, by=actor) if n.status == Notice.Status.PUBLISHED]


def _notice_of(project: Project, actor: Actor, notice_id: str) -> Notice:
    for notice in selectors.project_notices(project=project, by=actor):
        if str(notice.uuid) == notice_id:
            return notice
    raise Http404("公告不存在")


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def section_add_view(request: HttpRequest, code: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        section = services.section_add(
            project=project,
            name=data["name"],
            estimate_yuan=data["estimate_yuan"],
            bid_security_yuan=data["bid_security_yuan"] or None,
            bid_security_ratio=data["bid_security_ratio"] or None,
            document_price_yuan=data["document_price_yuan"] or "0",
            by=actor,
        )
        return gettext("Section %(code)s added.") % {"code": section.code}

    return _project_act(
        request, code, form_key="section_form", make_form=lambda p, a: SectionForm(request.POST), act=act
    )


def _timetable_refuse(project: Project, data: dict[str, Any]) -> None:
    """Refuse a timetable that would be unlawful even if published this instant (nothing is saved).

    The periods run from publication, so a timetable too short now is only shorter later; the
    publish step checks again at its own instant.
    """
    probe = Notice(
        project=project,
        kind=data["kind"],
        doc_issue_start=data.get("doc_issue_start"),
        doc_issue_end=data.get("doc_issue_end"),
        bid_deadline=data.get("bid_deadline"),
        opening_at=data.get("opening_at"),
        activity_start=data.get("activity_start"),
    )
    violations = selectors.notice_timetable_check(notice=probe)
    if violations:
        raise _violations_error(violations)


def _notice_form(request: HttpRequest) -> Callable[[Project, Actor], NoticeForm]:
    return lambda p, a: NoticeForm(
        request.POST, sections=selectors.project_sections(project=p), published=_published_notices(p, a)
    )


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def notice_new(request: HttpRequest, code: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        _timetable_refuse(project, data)
        references = None
        if data.get("references"):
            references = _notice_of(project, actor, data["references"])
        notice = services.notice_draft(
            project=project,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            sections=_sections_named(project, data["sections"]),
            doc_issue_start=data.get("doc_issue_start"),
            doc_issue_end=data.get("doc_issue_end"),
            bid_deadline=data.get("bid_deadline"),
            opening_at=data.get("opening_at"),
            activity_start=data.get("activity_start"),
            references=references,
            affects_bid_preparation=data.get("affects_bid_preparation", False),
            envelopes=data.get("envelopes") or "single",
            by=actor,
        )
        return gettext("Notice “%(title)s” drafted; it goes to approval.") % {"title": notice.title}

    return _project_act(request, code, form_key="notice_form", make_form=_notice_form(request), act=act)


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def notice_revise_view(request: HttpRequest, code: str, notice_id: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        notice = _notice_of(project, actor, notice_id)
        _timetable_refuse(project, {**data, "kind": notice.kind})
        services.notice_revise(
            notice=notice,
            title=data["title"],
            body=data["body"],
            doc_issue_start=data.get("doc_issue_start"),
            doc_issue_end=data.get("doc_issue_end"),
            bid_deadline=data.get("bid_deadline"),
            opening_at=data.get("opening_at"),
            activity_start=data.get("activity_start"),
            sections=_sections_named(project, data["sections"]),
            affects_bid_preparation=data.get("affects_bid_preparation", False),
            by=actor,
        )
        return gettext("Notice revised; its approvals were withdrawn and it goes to approval again.")

    return _project_act(request, code, form_key=f"revise_{notice_id}", make_form=_notice_form(request), act=act)


@require_POST
@roles_required(*PROJECT_ROLES)
def notice_approve_view(request: HttpRequest, code: str, notice_id: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        notice = services.notice_approve(
            notice=_notice_of(project, actor, notice_id), comment=data.get("comment", ""), by=actor
        )
        if notice.status == Notice.Status.APPROVED:
            return gettext("Notice approved; it may now be published.")
        return gettext("Your approval is recorded; other approvals are still needed.")

    return _project_act(
        request, code, form_key="approve_form", make_form=lambda p, a: ApproveForm(request.POST), act=act
    )


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY, Role.CENTRE_STAFF)
def notice_publish_view(request: HttpRequest, code: str, notice_id: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        notice = services.notice_publish(notice=_notice_of(project, actor, notice_id), by=actor)
        return gettext("Notice published at %(at)s.") % {"at": _local(notice.published_at)}

    return _project_act(request, code, form_key="publish_form", make_form=lambda p, a: ApproveForm({}), act=act)


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def document_upload_view(request: HttpRequest, code: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        upload = data["file"]
        section = None
        if data.get("section"):
            found = _sections_named(project, [data["section"]])
            if not found:
                raise InvalidInput("所选标段不属于本项目", code="document_section_foreign", detail={"field": "section"})
            section = found[0]
        document = services.document_upload(
            project=project,
            section=section,
            name=upload.name,
            content=upload,
            is_public=data.get("is_public", False),
            content_type=getattr(upload, "content_type", "") or "",
            stage=data.get("stage") or "tender",
            by=actor,
        )
        return gettext("Document %(name)s uploaded (SHA-256 %(sha)s).") % {
            "name": document.name,
            "sha": document.sha256,
        }

    return _project_act(
        request,
        code,
        form_key="document_form",
        make_form=lambda p, a: DocumentForm(
            request.POST, request.FILES, sections=selectors.project_sections(project=p)
        ),
        act=act,
    )


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def answer_view(request: HttpRequest, code: str, section_code: str) -> HttpResponse:
    def make_form(project: Project, actor: Actor) -> AnswerForm:
        section = _section_of(project, section_code)
        choices = [(str(q.uuid), q.text) for q in selectors.questions_for(section=section, by=actor)]
        return AnswerForm(request.POST, questions=choices)

    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        section = _section_of(project, section_code)
        questions = [selectors.question_get(uuid=q) for q in data.get("questions", [])]
        answer = services.answer_publish(
            section=section,
            body=data["body"],
            questions=questions,
            affects_bid_preparation=data.get("affects_bid_preparation", False),
            by=actor,
        )
        if answer.bid_deadline_after is not None:
            return gettext(
                "Clarification published. As the law requires, the bid deadline and the opening were extended "
                "to %(deadline)s."
            ) % {"deadline": _local(answer.bid_deadline_after)}
        return gettext("Clarification published; the bid deadline is unchanged (%(deadline)s).") % {
            "deadline": _local(answer.bid_deadline_before)
        }

    return _project_act(request, code, form_key=f"answer_{section_code}", make_form=make_form, act=act)


def _section_of(project: Project, section_code: str) -> Section:
    found = _sections_named(project, [section_code])
    if not found:
        raise Http404("标段不存在")
    return found[0]


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def objection_reply_view(request: HttpRequest, code: str, objection_id: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        objection = selectors.objection_get(uuid=objection_id)
        if objection.section.project_id != project.pk:
            raise Http404("异议不存在")
        services.objection_reply(objection=objection, reply=data["reply"], by=actor)
        return gettext("Reply to the objection recorded.")

    def make_form(project: Project, actor: Actor) -> ReplyForm:
        return ReplyForm(request.POST)

    actor, project = _project_for(request, code)
    form = make_form(project, actor)
    if not form.is_valid():
        error = InvalidInput(gettext("Please write a reply."), code="reply_required", detail={"field": "reply"})
        context = _project_context(request, actor, project, error=error, reply_forms={objection_id: form})
        return render(request, "tendering/project_detail.html", context, status=400)
    try:
        done = act(project, actor, form.cleaned_data)
    except ZhengwuError as exc:
        context = _project_context(request, actor, project, error=exc, reply_forms={objection_id: form})
        return render(request, "tendering/project_detail.html", context, status=refusal_status(exc))
    messages.success(request, done)
    return HttpResponseRedirect(_url(request, "project_detail", project.code))


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def terminate_view(request: HttpRequest, code: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        notice = services.tender_terminate(project=project, reason=data["reason"], by=actor)
        return gettext("Tender terminated; termination notice “%(title)s” published.") % {"title": notice.title}

    return _project_act(
        request, code, form_key="terminate_form", make_form=lambda p, a: TerminateForm(request.POST), act=act
    )


# --- who obtained the documents (the audited gatekeeper) --------------------------------------------


@require_GET
@roles_required(*ANYONE)
def obtainers_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """The list of document holders, through ``document_obtainers_for`` only (403 before the deadline)."""
    actor = _actor(request)
    section = _section_by_code(section_code)
    suspension = selectors.section_suspension(section=section)
    try:
        rows = selectors.document_obtainers_for(section=section, by=actor)
    except ZhengwuError as exc:
        context = {"section": section, "error": exc, "suspension": suspension}
        return render(request, "tendering/obtainers.html", context, status=refusal_status(exc))
    return render(
        request,
        "tendering/obtainers.html",
        {
            "section": section,
            "rows": [{"row": r, "amount": _yuan(r.amount_fen)} for r in rows],
            "suspension": suspension,
        },
    )


# --- bidders: open tenders -----------------------------------------------------------------------


@require_GET
@roles_required(*ANYONE)
def tender_list(request: HttpRequest) -> HttpResponse:
    """Sections accepting bids now, filtered by trade type and a search, soonest deadline first."""
    trade_type = request.GET.get("trade_type", "").strip()
    if trade_type not in TRADE_TYPE_LABELS:
        trade_type = ""
    search = request.GET.get("q", "").strip()[:100]
    rows = selectors.sections_open(trade_type=trade_type or None, search=search)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "tendering/tenders.html",
        {
            "page": page,
            "tenders": [
                {
                    "section": s,
                    "trade_type": TRADE_TYPE_LABELS.get(s.project.trade_type, s.project.trade_type),
                    "procedure": _procedure_title(s.project.procedure),
                    "suspended": s.suspended_at is not None,
                }
                for s in page
            ],
            "trade_types": list(TRADE_TYPE_LABELS.items()),
            "trade_type": trade_type,
            "q": search,
        },
    )


def _tender_context(request: HttpRequest, actor: Actor, section: Section, **bound: Any) -> dict[str, Any]:
    project = section.project
    timetable, problem = _timetable_of(section)
    ruleset = _ruleset_of(section)
    kinds = [r.kind for r in ruleset.objections] if ruleset else []
    obtain = selectors.document_obtain_status(section=section, by=actor)
    notices = []
    for notice in selectors.notices_published(section=section):
        notices.append({"notice": notice, "amendment": notice.kind == Notice.Kind.AMENDMENT})
    return {
        "section": section,
        "project": project,
        "status_label": selectors.section_status_label(status=section.status),
        "trade_type_label": TRADE_TYPE_LABELS.get(project.trade_type, project.trade_type),
        "procedure_title": ruleset.title if ruleset else project.procedure,
        # Land and property reserve prices are secret; tenders and procurement publish the estimate.
        "estimate": _yuan(section.estimate_fen) if project.trade_type in ("construction", "procurement") else "",
        "security": _yuan(section.bid_security_fen),
        "price": _yuan(section.document_price_fen),
        "notices": notices,
        "timetable": timetable,
        "timetable_problem": problem,
        "obtain": obtain,
        "obtain_amount": _yuan(obtain.amount_fen) if obtain else "",
        "documents": selectors.documents_for(section=section, by=actor),
        "questions": selectors.questions_for(section=section, by=actor),
        "answers": selectors.answers_for(section=section, by=actor),
        "objections": [
            {"objection": o, "kind": rules.OBJECTION_KIND_LABELS.get(o.kind, o.kind)}
            for o in selectors.objections_for(section=section, by=actor)
        ],
        "is_bidder": actor.has_role(Role.BIDDER),
        # Sealed-bid sections link to the bidding context's submission page.
        "sealed_bids": bool(ruleset and ruleset.sealed_bids),
        "accepting": section.status == rules.SectionStatus.ACCEPTING_BIDS
        and section.bid_deadline is not None
        and clock_now() < section.bid_deadline,
        "manages": selectors.can_manage(project=project, by=actor),
        "obtainers_visible": selectors.obtainers_visible(section=section, by=actor),
        **_registration_context(section, actor, ruleset),
        **_prequal_context(section, actor, ruleset),
        "question_form": bound.get("question_form") or QuestionForm(),
        "objection_form": bound.get("objection_form") or ObjectionForm(kinds=kinds),
        "error": bound.get("error"),
        **_suspension_overrides(section),
    }


def _tender_for(request: HttpRequest, section_code: str) -> tuple[Actor, Section]:
    actor = _actor(request)
    section = _section_by_code(section_code)
    # A draft is nobody's business but its tenderer's, its agency's and oversight's.
    if section.status == rules.SectionStatus.DRAFT and not _project_visible(section.project, actor):
        raise Http404("标段不存在")
    return actor, section


@require_GET
@roles_required(*ANYONE)
def tender_detail(request: HttpRequest, section_code: str) -> HttpResponse:
    """A section as a bidder sees it: notices and amendments, timetable, documents, own enquiries."""
    actor, section = _tender_for(request, section_code)
    return render(request, "tendering/tender_detail.html", _tender_context(request, actor, section))


def _tender_act(
    request: HttpRequest,
    section_code: str,
    *,
    form_key: str,
    form: Any,
    act: Callable[[Section, Actor, dict[str, Any]], str],
) -> HttpResponse:
    actor, section = _tender_for(request, section_code)
    if not form.is_valid():
        error = InvalidInput(gettext("Please correct the fields marked below."), code="form_invalid")
        context = _tender_context(request, actor, section, **{form_key: form, "error": error})
        return render(request, "tendering/tender_detail.html", context, status=400)
    try:
        done = act(section, actor, form.cleaned_data)
    except ZhengwuError as exc:
        context = _tender_context(request, actor, section, **{form_key: form, "error": exc})
        return render(request, "tendering/tender_detail.html", context, status=refusal_status(exc))
    messages.success(request, done)
    return HttpResponseRedirect(_url(request, "tender_detail", section.code))


@require_POST
@roles_required(*ANYONE)
def tender_obtain(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(section: Section, actor: Actor, data: dict[str, Any]) -> str:
        obtain = services.document_obtain(section=section, by=actor)
        return gettext("You obtained the tender documents (%(count)s files).") % {"count": obtain.documents.count()}

    return _tender_act(request, section_code, form_key="obtain_form", form=ApproveForm({}), act=act)


@require_POST
@roles_required(*ANYONE)
def tender_ask(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(section: Section, actor: Actor, data: dict[str, Any]) -> str:
        services.question_ask(section=section, text=data["text"], by=actor)
        return gettext("Your question was sent. The tenderer does not learn who asked it.")

    return _tender_act(request, section_code, form_key="question_form", form=QuestionForm(request.POST), act=act)


@require_POST
@roles_required(*ANYONE)
def tender_object(request: HttpRequest, section_code: str) -> HttpResponse:
    _, section = _tender_for(request, section_code)
    ruleset = _ruleset_of(section)
    kinds = [r.kind for r in ruleset.objections] if ruleset else []

    def act(section: Section, actor: Actor, data: dict[str, Any]) -> str:
        objection = services.objection_file(section=section, kind=data["kind"], text=data["text"], by=actor)
        return gettext("Your objection was filed; the reply is due by %(due)s.") % {"due": _local(objection.reply_due)}

    return _tender_act(
        request, section_code, form_key="objection_form", form=ObjectionForm(request.POST, kinds=kinds), act=act
    )


@require_GET
@roles_required(*ANYONE)
def document_download_view(request: HttpRequest, document_id: str) -> HttpResponseBase:
    """A document's file, for those ``document_download`` admits (403 page otherwise)."""
    actor = _actor(request)
    try:
        uuid_lib.UUID(document_id)
        document = selectors.document_download(document=selectors.document_get(uuid=document_id), by=actor)
    except ValueError as exc:
        raise Http404("文件不存在") from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ZhengwuError as exc:
        return render(request, "tendering/refused.html", {"error": exc}, status=refusal_status(exc))
    return FileResponse(
        selectors.document_open(document=document),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type or "application/octet-stream",
    )


# --- bidding registration (竞买申请) in land and property sections ---------------------------------
#
# Who registered is secret until the bid deadline: a bidder sees its own registration only
# (``registration_status``), one registration is opened by its reference only through
# ``registration_get`` (its own bidder, or centre staff acting on the bank's confirmation), and
# the list only through the audited gatekeeper ``registrations_for``.


def _registration_context(section: Section, actor: Actor, ruleset: rules.RuleSet | None) -> dict[str, Any]:
    """What the tender page shows of registration: nothing at all for tenders and procurement."""
    if ruleset is None or ruleset.registration is None:
        return {"registers": False}
    try:
        deadline = selectors.registration_deadline_for(section=section)
        problem = ""
    except ZhengwuError as exc:
        deadline, problem = None, _calendar_problem(exc)
    registration = selectors.registration_status(section=section, by=actor)
    return {
        "registers": True,
        "registration_deadline": _local(deadline),
        "registration_problem": problem,
        # The button is offered while the window is open by server time; the service decides anyway.
        "registration_open": deadline is not None
        and section.status == rules.SectionStatus.ACCEPTING_BIDS
        and clock_now() < deadline,
        "registration": registration,
        "registration_paid": _yuan(registration.deposit_paid_fen) if registration else "",
        "registration_status_label": registration.get_status_display() if registration else "",
    }


@require_POST
@roles_required(*ANYONE)
def tender_register(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(section: Section, actor: Actor, data: dict[str, Any]) -> str:
        registration = services.registration_apply(section=section, by=actor)
        return gettext(
            "Your application to bid is registered. Quote the reference %(ref)s when paying the deposit "
            "of %(amount)s yuan to the bank."
        ) % {"ref": registration.uuid, "amount": _yuan(registration.deposit_required_fen)}

    return _tender_act(request, section_code, form_key="register_form", form=ApproveForm({}), act=act)


def _registration_page(
    request: HttpRequest, actor: Actor, registration: Registration, *, status: int = 200, **bound: Any
) -> HttpResponse:
    section = registration.section
    try:
        deadline = selectors.registration_deadline_for(section=section)
        problem = ""
    except ZhengwuError as exc:
        deadline, problem = None, _calendar_problem(exc)
    staff = actor.has_role(Role.CENTRE_STAFF)
    context = {
        "registration": registration,
        "section": section,
        "project": section.project,
        "status_label": registration.get_status_display(),
        "required": _yuan(registration.deposit_required_fen),
        "paid": _yuan(registration.deposit_paid_fen),
        "paid_at": _local(registration.deposit_paid_at),
        "applied_at": _local(registration.applied_at),
        "decided_at": _local(registration.decided_at),
        "registration_deadline": _local(deadline),
        "registration_problem": problem,
        "can_decide": staff and registration.status == Registration.Status.APPLIED,
        "can_withdraw": _withdrawable(registration, actor),
        "deposit_form": bound.get("deposit_form") or DepositForm(),
        **_suspension_overrides(section),
        "refuse_form": bound.get("refuse_form") or RefuseForm(),
        "error": bound.get("error"),
    }
    return render(request, "tendering/registration.html", context, status=status)


def _registration_for(request: HttpRequest, registration_id: str) -> tuple[Actor, Registration | ZhengwuError]:
    """The actor and the registration ``registration_get`` admits, or its refusal (never who else registered)."""
    actor = _actor(request)
    try:
        return actor, selectors.registration_get(uuid=registration_id, by=actor)
    except ZhengwuError as exc:
        return actor, exc


@require_GET
@roles_required(*ANYONE)
def registration_detail(request: HttpRequest, registration_id: str) -> HttpResponse:
    """One registration by its reference: its own bidder, or centre staff (404 page for anyone else)."""
    actor, found = _registration_for(request, registration_id)
    if isinstance(found, ZhengwuError):
        return render(request, "tendering/refused.html", {"error": found}, status=refusal_status(found))
    return _registration_page(request, actor, found)


def _registration_act(
    request: HttpRequest,
    registration_id: str,
    *,
    form_key: str,
    form: Any,
    act: Callable[[Registration, Actor, dict[str, Any]], str],
) -> HttpResponse:
    """Run one staff action of the registration page: shape check, service call, then redirect or the refusal."""
    actor, found = _registration_for(request, registration_id)
    if isinstance(found, ZhengwuError):
        return render(request, "tendering/refused.html", {"error": found}, status=refusal_status(found))
    if not form.is_valid():
        error = InvalidInput(gettext("Please correct the fields marked below."), code="form_invalid")
        return _registration_page(request, actor, found, status=400, **{form_key: form, "error": error})
    try:
        done = act(found, actor, form.cleaned_data)
    except ZhengwuError as exc:
        # Re-read: the page shows the registration as it is, unchanged by the refused act.
        current = selectors.registration_get(uuid=found.uuid, by=actor)
        return _registration_page(request, actor, current, status=refusal_status(exc), **{form_key: form, "error": exc})
    messages.success(request, done)
    return HttpResponseRedirect(_url(request, "registration_detail", str(found.uuid)))


@require_POST
@roles_required(Role.CENTRE_STAFF)
def registration_deposit_view(request: HttpRequest, registration_id: str) -> HttpResponse:
    def act(registration: Registration, actor: Actor, data: dict[str, Any]) -> str:
        recorded = services.deposit_record(
            registration=registration, paid_yuan=data["paid_yuan"], paid_at=data["paid_at"], by=actor
        )
        return gettext("Deposit of %(amount)s yuan received at %(at)s recorded.") % {
            "amount": _yuan(recorded.deposit_paid_fen),
            "at": _local(recorded.deposit_paid_at),
        }

    return _registration_act(request, registration_id, form_key="deposit_form", form=DepositForm(request.POST), act=act)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def registration_confirm_view(request: HttpRequest, registration_id: str) -> HttpResponse:
    def act(registration: Registration, actor: Actor, data: dict[str, Any]) -> str:
        services.registration_confirm(registration=registration, by=actor)
        return gettext("The bidder's registration is confirmed.")

    return _registration_act(request, registration_id, form_key="confirm_form", form=ApproveForm({}), act=act)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def registration_refuse_view(request: HttpRequest, registration_id: str) -> HttpResponse:
    def act(registration: Registration, actor: Actor, data: dict[str, Any]) -> str:
        services.registration_refuse(registration=registration, reason=data["reason"], by=actor)
        return gettext("The registration was refused.")

    return _registration_act(request, registration_id, form_key="refuse_form", form=RefuseForm(request.POST), act=act)


@require_GET
@roles_required(*ANYONE)
def registrations_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """Who registered to bid, through ``registrations_for`` only (403 before the deadline)."""
    actor = _actor(request)
    section = _section_by_code(section_code)
    suspension = selectors.section_suspension(section=section)
    try:
        rows = selectors.registrations_for(section=section, by=actor)
    except ZhengwuError as exc:
        context = {"section": section, "error": exc, "suspension": suspension}
        return render(request, "tendering/registrations.html", context, status=refusal_status(exc))
    return render(
        request,
        "tendering/registrations.html",
        {
            "section": section,
            "suspension": suspension,
            "rows": [
                {
                    "row": r,
                    "required": _yuan(r.deposit_required_fen),
                    "paid": _yuan(r.deposit_paid_fen),
                    "paid_at": _local(r.deposit_paid_at),
                    "applied_at": _local(r.applied_at),
                    "status_label": Registration.Status(r.status).label,
                }
                for r in rows
            ],
        },
    )


# --- re-tender (重新招标) of a failed section ---------------------------------------------------------

# What the button says, by what the procedure does after a failure (``rules.InsufficientOutcome``).
RETENDER_LABELS = {
    "retender": gettext_lazy("Tender again"),
    "relist": gettext_lazy("List again"),
    "terminate": gettext_lazy("Offer again (new auction)"),
}


def _retender_context(section: Section, actor: Actor) -> dict[str, Any]:
    """A section row's re-tender facts: its attempt, the section it replaces, and the button."""
    replaces = section.retender_of if section.retender_of_id else None
    possible = selectors.retender_possible(section=section, by=actor)
    label = ""
    if possible:
        try:
            label = str(RETENDER_LABELS.get(selectors.retender_outcome(section=section), RETENDER_LABELS["retender"]))
        except ZhengwuError:
            label = str(RETENDER_LABELS["retender"])
    return {
        "replaces": replaces,
        "retendered_by": list(section.retenders.order_by("index")) if section.status == "failed" else [],
        "retender_possible": possible,
        "retender_label": label,
    }


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY)
def section_retender_view(request: HttpRequest, code: str, section_code: str) -> HttpResponse:
    def act(project: Project, actor: Actor, data: dict[str, Any]) -> str:
        new = services.section_retender(section=_section_of(project, section_code), by=actor)
        return gettext("Section %(code)s created as attempt %(attempt)s; draft its notice to publish it.") % {
            "code": new.code,
            "attempt": new.attempt,
        }

    return _project_act(request, code, form_key="retender_form", make_form=lambda p, a: ApproveForm({}), act=act)


# --- registration withdrawal (撤回竞买申请) --------------------------------------------------------------


def _withdrawable(registration: Registration, actor: Actor) -> bool:
    """Whether to offer the withdraw button: the bidder's own pending or confirmed registration."""
    return (
        actor.organisation_id is not None
        and registration.organisation_id == actor.organisation_id
        and registration.status in (Registration.Status.APPLIED, Registration.Status.CONFIRMED)
    )


@require_POST
@roles_required(*ANYONE)
def registration_withdraw_view(request: HttpRequest, registration_id: str) -> HttpResponse:
    def act(registration: Registration, actor: Actor, data: dict[str, Any]) -> str:
        withdrawn = services.registration_withdraw(registration=registration, by=actor)
        if withdrawn.deposit_paid_fen > 0:
            return gettext("Your registration is withdrawn; the deposit of %(amount)s yuan will be refunded.") % {
                "amount": _yuan(withdrawn.deposit_paid_fen)
            }
        return gettext("Your registration is withdrawn.")

    return _registration_act(request, registration_id, form_key="withdraw_form", form=ApproveForm({}), act=act)


# --- refunds (退还) -----------------------------------------------------------------------------------
#
# Who is owed a refund reveals who obtained the documents or registered: an organisation sees its
# own refunds (``refunds_own``); the centre's staff the list, through the audited
# ``refunds_page``/``refunds_export``; nobody else anything.


def _refund_row(refund: Refund) -> dict[str, Any]:
    return {
        "refund": refund,
        "kind": REFUND_KIND_LABELS.get(refund.kind, refund.kind),
        "reason": REFUND_REASON_LABELS.get(refund.reason, refund.reason),
        "amount": _yuan(refund.amount_fen),
        "interest": _yuan(refund.interest_fen),
        "due_at": _local(refund.due_at),
        "paid_at": _local(refund.paid_at),
        "status_label": refund.get_status_display(),
    }


@require_GET
@roles_required(*ANYONE)
def refunds_mine(request: HttpRequest) -> HttpResponse:
    """我的退款: the refunds owed or paid to the caller's own organisation."""
    actor = _actor(request)
    return render(
        request, "tendering/refunds_mine.html", {"rows": [_refund_row(r) for r in selectors.refunds_own(by=actor)]}
    )


def _refund_page_int(value: str | None) -> int:
    try:
        return max(int(value or "1"), 1)
    except ValueError:
        return 1


def _refund_list_page(
    request: HttpRequest, actor: Actor, *, status: int = 200, error: ZhengwuError | None = None
) -> HttpResponse:
    wanted = request.GET.get("status", "").strip()
    state = wanted if wanted in Refund.Status.values else ""
    try:
        taken = selectors.refunds_page(by=actor, status=state, page=_refund_page_int(request.GET.get("page")))
    except ZhengwuError as exc:
        return render(request, "tendering/refunds.html", {"error": exc}, status=refusal_status(exc))
    return render(
        request,
        "tendering/refunds.html",
        {
            "page": taken,
            "rows": [_refund_row(r) for r in taken.items],
            "statuses": list(Refund.Status.choices),
            "status": state,
            "paid_form": RefundPaidForm(),
            "error": error,
        },
        status=status,
    )


@require_GET
@roles_required(*ANYONE)
def refund_list(request: HttpRequest) -> HttpResponse:
    """Every refund, paged and filtered by status, with an Excel export: the centre's staff only,
    through the audited ``refunds_page``/``refunds_export`` (a 403 page, audited, for anyone else)."""
    actor = _actor(request)
    if request.GET.get("format") != "xlsx":
        return _refund_list_page(request, actor)
    wanted = request.GET.get("status", "").strip()
    try:
        rows = selectors.refunds_export(by=actor, status=wanted if wanted in Refund.Status.values else "")
    except ZhengwuError as exc:
        return render(request, "tendering/refunds.html", {"error": exc}, status=refusal_status(exc))
    return xlsx_response(
        filename=gettext("refunds"),
        sheet=gettext("Refunds"),
        headers=[
            gettext("Section code"),
            gettext("Organisation"),
            gettext("What"),
            gettext("Reason"),
            gettext("Amount (yuan)"),
            gettext("Interest (yuan)"),
            gettext("Due"),
            gettext("Status"),
            gettext("Paid"),
            gettext("Bank reference"),
        ],
        rows=(
            [
                r.section.code,
                r.organisation_name,
                REFUND_KIND_LABELS.get(r.kind, r.kind),
                REFUND_REASON_LABELS.get(r.reason, r.reason),
                _yuan(r.amount_fen),
                _yuan(r.interest_fen),
                _local(r.due_at),
                r.get_status_display(),
                _local(r.paid_at),
                r.bank_reference,
            ]
            for r in rows
        ),
    )


@require_POST
@roles_required(Role.CENTRE_STAFF)
def refund_paid_view(request: HttpRequest, refund_id: str) -> HttpResponse:
    """Record that the centre paid a refund (the bank's reference and interest), then back to the list."""
    actor = _actor(request)
    try:
        refund = selectors.refund_get(uuid=refund_id, by=actor)
    except ZhengwuError as exc:
        return render(request, "tendering/refused.html", {"error": exc}, status=refusal_status(exc))
    form = RefundPaidForm(request.POST)
    if not form.is_valid():
        error = InvalidInput(gettext("Please correct the fields marked below."), code="form_invalid")
        return _refund_list_page(request, actor, status=400, error=error)
    data = form.cleaned_data
    try:
        services.refund_record_paid(
            refund=refund,
            bank_reference=data["bank_reference"],
            interest_fen=money_to_fen(data["interest_yuan"] or "0"),
            by=actor,
        )
    except ZhengwuError as exc:
        return _refund_list_page(request, actor, status=refusal_status(exc), error=exc)
    messages.success(
        request, gettext("Refund of %(amount)s yuan recorded as paid.") % {"amount": _yuan(refund.amount_fen)}
    )
    return HttpResponseRedirect(_url(request, "refund_list"))


# --- pre-qualification (资格预审) ------------------------------------------------------------------
#
# Who applied is secret: a bidder sees its own application only (``prequal_application_status``,
# its result only once the review is concluded), one application is opened by its reference only
# through ``prequal_application_get`` (its own applicant; the reviewers after the application
# deadline), and the list only through the audited gatekeeper ``prequal_applications_for``.


def _prequal_section_facts(section: Section, actor: Actor) -> dict[str, Any] | None:
    """The public pre-qualification timetable and state of a section (None if it never had one)."""
    if section.prequal_deadline is None:
        return None
    now = clock_now()
    return {
        "doc_issue_start": _local(section.prequal_doc_issue_start),
        "doc_issue_end": _local(section.prequal_doc_issue_end),
        "deadline": _local(section.prequal_deadline),
        "concluded_at": _local(section.prequal_concluded_at),
        "in_prequalification": section.status == rules.SectionStatus.PREQUALIFICATION,
        "deadline_passed": now >= section.prequal_deadline,
        "list_visible": selectors.prequal_applications_visible(section=section, by=actor),
    }


def _prequal_context(section: Section, actor: Actor, ruleset: rules.RuleSet | None) -> dict[str, Any]:
    """What the tender page shows of pre-qualification: nothing for a section that never had one."""
    facts = _prequal_section_facts(section, actor)
    if facts is None:
        return {"prequalifies": False}
    now = clock_now()
    application = selectors.prequal_application_status(section=section, by=actor)
    result = selectors.prequal_result(application=application) if application is not None else None
    shown = selectors.prequal_status_shown(application=application) if application is not None else ""
    in_window = facts["in_prequalification"] and not facts["deadline_passed"]
    issuing = (
        in_window
        and (section.prequal_doc_issue_start is None or now >= section.prequal_doc_issue_start)
        and (section.prequal_doc_issue_end is None or now < section.prequal_doc_issue_end)
    )
    return {
        "prequalifies": True,
        "prequal": facts,
        "prequal_application": application,
        "prequal_status": shown,
        "prequal_status_label": PrequalApplication.Status(shown).label if shown else "",
        "prequal_result": result,
        # The buttons are offered while the windows are open by server time; the services decide anyway.
        "prequal_can_obtain": application is None and issuing,
        "prequal_can_apply": application is not None and in_window,
        "prequal_can_withdraw": application is not None and in_window and shown == "submitted",
        "prequal_apply_form": PrequalApplyForm(),
    }


@require_POST
@roles_required(*ANYONE)
def tender_prequal_obtain(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(section: Section, actor: Actor, data: dict[str, Any]) -> str:
        services.prequal_documents_obtain(section=section, by=actor)
        return gettext("You obtained the pre-qualification documents (free of charge).")

    return _tender_act(request, section_code, form_key="prequal_obtain_form", form=ApproveForm({}), act=act)


@require_POST
@roles_required(*ANYONE)
def tender_prequal_apply(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(section: Section, actor: Actor, data: dict[str, Any]) -> str:
        upload = data["file"]
        application = services.prequal_apply(
            section=section,
            name=upload.name,
            content=upload,
            content_type=getattr(upload, "content_type", "") or "",
            by=actor,
        )
        return gettext("Your pre-qualification application %(name)s was submitted (SHA-256 %(sha)s).") % {
            "name": application.file_name,
            "sha": application.file_sha256,
        }

    return _tender_act(
        request,
        section_code,
        form_key="prequal_apply_form",
        form=PrequalApplyForm(request.POST, request.FILES),
        act=act,
    )


@require_POST
@roles_required(*ANYONE)
def tender_prequal_withdraw(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(section: Section, actor: Actor, data: dict[str, Any]) -> str:
        services.prequal_withdraw(section=section, by=actor)
        return gettext("Your pre-qualification application was withdrawn.")

    return _tender_act(request, section_code, form_key="prequal_withdraw_form", form=ApproveForm({}), act=act)


def _prequal_list_page(
    request: HttpRequest, actor: Actor, section: Section, *, status: int = 200, **bound: Any
) -> HttpResponse:
    """The reviewers' list, read only through the gatekeeper (403 page before the deadline and for others)."""
    try:
        rows = selectors.prequal_applications_for(section=section, by=actor)
    except ZhengwuError as exc:
        context = {"section": section, "error": exc}
        return render(request, "tendering/prequal_applications.html", context, status=refusal_status(exc))
    facts = _prequal_section_facts(section, actor)
    reviewing = bool(facts and facts["in_prequalification"] and section.prequal_concluded_at is None)
    return render(
        request,
        "tendering/prequal_applications.html",
        {
            "section": section,
            "prequal": facts,
            "reviewing": reviewing,
            "status_label": selectors.section_status_label(status=section.status),
            "rows": [
                {
                    "row": r,
                    "status_label": PrequalApplication.Status(r.status).label,
                    "obtained_at": _local(r.obtained_at),
                    "submitted_at": _local(r.submitted_at),
                    "reviewable": reviewing and r.status in ("submitted", "passed", "failed"),
                }
                for r in rows
            ],
            "review_form": PrequalReviewForm(),
            "error": bound.get("error"),
        },
        status=status,
    )


@require_GET
@roles_required(*ANYONE)
def prequal_applications_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """The applicants of a section, for the review: reviewers after the application deadline only."""
    actor = _actor(request)
    return _prequal_list_page(request, actor, _section_by_code(section_code))


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY, Role.CENTRE_STAFF)
def prequal_review_view(request: HttpRequest, application_id: str) -> HttpResponse:
    actor = _actor(request)
    try:
        application = selectors.prequal_application_get(uuid=application_id, by=actor)
    except ZhengwuError as exc:
        return render(request, "tendering/refused.html", {"error": exc}, status=refusal_status(exc))
    section = application.section
    form = PrequalReviewForm(request.POST)
    if not form.is_valid():
        error = InvalidInput(gettext("Please correct the fields marked below."), code="form_invalid")
        return _prequal_list_page(request, actor, section, status=400, error=error)
    try:
        services.prequal_review(
            application=application,
            passed=form.cleaned_data["decision"] == "pass",
            reason=form.cleaned_data.get("reason", ""),
            by=actor,
        )
    except ZhengwuError as exc:
        return _prequal_list_page(request, actor, section, status=refusal_status(exc), error=exc)
    messages.success(
        request, gettext("The decision on %(name)s is recorded.") % {"name": application.organisation_name}
    )
    return HttpResponseRedirect(_url(request, "prequal_applications", section.code))


@require_POST
@roles_required(Role.TENDERER, Role.AGENCY, Role.CENTRE_STAFF)
def prequal_conclude_view(request: HttpRequest, section_code: str) -> HttpResponse:
    actor = _actor(request)
    section = _section_by_code(section_code)
    try:
        concluded = services.prequal_conclude(section=section, by=actor)
    except ZhengwuError as exc:
        if isinstance(exc, PermissionDenied):
            return render(request, "tendering/refused.html", {"error": exc}, status=refusal_status(exc))
        return _prequal_list_page(request, actor, section, status=refusal_status(exc), error=exc)
    if concluded.status == rules.SectionStatus.FAILED:
        messages.success(
            request, gettext("Pre-qualification concluded: too few applicants passed; the section failed.")
        )
    else:
        messages.success(request, gettext("Pre-qualification concluded; the invitation may now be published."))
    return HttpResponseRedirect(_url(request, "prequal_applications", section.code))


@require_GET
@roles_required(*ANYONE)
def prequal_file_view(request: HttpRequest, application_id: str) -> HttpResponseBase:
    """An application file: its owner; the reviewers after the application deadline (404 page otherwise)."""
    actor = _actor(request)
    try:
        application = selectors.prequal_file_download(uuid=application_id, by=actor)
    except ZhengwuError as exc:
        return render(request, "tendering/refused.html", {"error": exc}, status=refusal_status(exc))
    return FileResponse(
        selectors.prequal_file_open(application=application),
        as_attachment=True,
        filename=application.file_name,
        content_type="application/octet-stream",
    )


# --- suspension (暂停招标投标活动), the objection reply form, finding a registration ---------------
#
# While an objection suspends a section (实施条例 第二十二条) every page that shows it says so and
# offers none of the acts the services would refuse (``section_suspended``); a refused act still
# answers with the service's message. Who filed the objection is never shown.


def _suspension_overrides(section: Section) -> dict[str, Any]:
    """The banner of a suspended section, and its acts switched off (nothing for the others)."""
    suspension = selectors.section_suspension(section=section)
    if suspension is None:
        return {"suspension": None}
    view = {
        "since": suspension.since,
        "kinds": [rules.OBJECTION_KIND_LABELS.get(k, k) for k in suspension.kinds],
        "articles": list(suspension.articles),
    }
    # accepting: obtaining, asking, answering; registration_open: applying; can_decide: staff's
    # deposit, confirmation and refusal.
    return {"suspension": view, "accepting": False, "registration_open": False, "can_decide": False}


def _amendment_blocked_by(notice: Notice, sections: list[Section]) -> list[str]:
    """The suspended sections an unpublished amendment names (it cannot be published meanwhile)."""
    if notice.kind != Notice.Kind.AMENDMENT or notice.status == Notice.Status.PUBLISHED:
        return []
    named = set(notice.sections.values_list("pk", flat=True))
    return sorted(s.code for s in sections if s.pk in named and s.suspended_at is not None)


def _reply_bound(form: ReplyForm | None, error: ZhengwuError | None) -> dict[str, Any]:
    """The reply as it was typed and what was wrong with it, for the objection it was meant for."""
    if form is None:
        return {"reply_text": "", "reply_error": None}
    return {"reply_text": form.data.get("reply", ""), "reply_error": error}


@require_GET
@roles_required(Role.CENTRE_STAFF)
def registration_search_view(request: HttpRequest) -> HttpResponse:
    """Centre staff type the reference on a deposit transfer and land on that one registration.

    ``selectors.registration_find`` decides and audits every search; a miss is said plainly on
    this page, with what was typed, and shows nothing else.
    """
    actor = _actor(request)
    if "reference" not in request.GET:
        return render(request, "tendering/registration_search.html", {"reference": ""})
    reference = request.GET.get("reference", "")[: selectors.REFERENCE_MAX]
    try:
        found = selectors.registration_find(reference=reference, by=actor)
    except ZhengwuError as exc:
        context = {"reference": reference, "error": exc}
        return render(request, "tendering/registration_search.html", context, status=refusal_status(exc))
    return HttpResponseRedirect(_url(request, "registration_detail", str(found.uuid)))
