"""Pages of the expert pool (专家库) on the trading platform.

The centre's staff list, filter, export, import, enter and change experts; regulators read the
same list and records; an expert sees their own record and assignments (``experts/me/``), and
declares their own conflicts and unavailability there. Nobody else sees anything of the pool:
the list is refused (403, audited by the selector) and one expert is a 404.

The pages decide nothing: every act goes through a service, every read through a selector, and
a refusal is shown on the page it came from with a 400/403/404 status and nothing changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.contexts.experts import selectors, services
from zhengwu.contexts.experts.forms import (
    ConflictForm,
    DrawForm,
    ExpertForm,
    ImportForm,
    PerformForm,
    ReasonForm,
    WindowForm,
    codes_split,
)
from zhengwu.contexts.experts.models import (
    ASSIGNMENT_ROLE_LABELS,
    ASSIGNMENT_STATUS_LABELS,
    BASE_TYPE_LABELS,
    EXPERT_STATUS_LABELS,
    RELATION_LABELS,
    TITLE_LEVEL_LABELS,
    Expert,
    ExpertConflict,
)
from zhengwu.contexts.experts.rules import COMMITTEE_LABELS, DrawGroup, committee_kind_for
from zhengwu.contexts.experts.sheet import COLUMNS, template_xlsx
from zhengwu.contexts.experts.specialties import specialty_choices, specialty_label
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import CHINA_TZ, clock_today
from zhengwu.kernel.errors import InvalidInput, NotFound, PermissionDenied, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import XLSX_CONTENT_TYPE, xlsx_response

PAGE_SIZE = 20
# Anyone signed in reaches the pages whose selector decides (and audits) who is admitted.
ANYONE = ()
STATUS_ACTIONS = {
    "suspend": services.expert_suspend,
    "reinstate": services.expert_reinstate,
    "retire": services.expert_retire,
}


# --- helpers -------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "trading"
    return reverse(f"{platform}:experts:{name}", args=args)


def _local(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _page_int(value: str | None) -> int:
    try:
        return max(int(value or "1"), 1)
    except ValueError:
        return 1


def _filters(request: HttpRequest) -> selectors.ExpertFilters:
    get = request.GET
    return selectors.ExpertFilters(
        search=get.get("q", ""),
        specialty=get.get("specialty", ""),
        region=get.get("region", ""),
        status=get.get("status", ""),
        title_level=get.get("title_level", ""),
        base_type=get.get("base_type", ""),
    )


def _form_error() -> InvalidInput:
    return InvalidInput(gettext("Please correct the fields marked below."), code="form_invalid")


def _expert_for(request: HttpRequest, expert_id: str) -> tuple[Actor, Expert]:
    actor = _actor(request)
    try:
        return actor, selectors.expert_get(uuid=expert_id, by=actor)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _specialty_rows(expert: Expert) -> list[dict[str, Any]]:
    return [{"code": s.code, "label": specialty_label(s.code), "main": s.is_main} for s in expert.specialties.all()]


def _expert_row(expert: Expert, today: dt.date) -> dict[str, Any]:
    specialties = list(expert.specialties.all())
    return {
        "expert": expert,
        "main": next((specialty_label(s.code) for s in specialties if s.is_main), ""),
        "others": [s.code for s in specialties if not s.is_main],
        "title_level": TITLE_LEVEL_LABELS.get(expert.title_level, expert.title_level),
        "base_type": BASE_TYPE_LABELS.get(expert.base_type, expert.base_type),
        "status": EXPERT_STATUS_LABELS.get(expert.status, expert.status),
        "work_years": selectors.work_years_on(expert, today),
    }


def _choices_context(filters: selectors.ExpertFilters) -> dict[str, Any]:
    return {
        "filters": filters,
        "statuses": list(EXPERT_STATUS_LABELS.items()),
        "title_levels": list(TITLE_LEVEL_LABELS.items()),
        "base_types": list(BASE_TYPE_LABELS.items()),
        "specialties": specialty_choices(),
    }


# --- the pool ------------------------------------------------------------------------------------


@require_GET
@roles_required(*ANYONE)
def expert_list(request: HttpRequest) -> HttpResponse:
    """The pool, paged and filtered, with an Excel export of the filtered list: staff and regulators,
    through the audited ``experts_page``/``experts_export`` (a 403 page, audited, for anyone else)."""
    actor = _actor(request)
    filters = _filters(request)
    context: dict[str, Any] = {
        **_choices_context(filters),
        "can_maintain": selectors.experts_maintainable(by=actor),
        "query": request.GET.urlencode() if request.GET else "",
    }
    try:
        if request.GET.get("format") == "xlsx":
            return _export(selectors.experts_export(by=actor, filters=filters))
        page = selectors.experts_page(
            by=actor, filters=filters, page=_page_int(request.GET.get("page")), size=PAGE_SIZE
        )
    except ZhengwuError as exc:
        return render(request, "experts/list.html", {**context, "error": exc}, status=refusal_status(exc))
    today = clock_today()
    paging = request.GET.copy()
    paging.pop("page", None)
    paging.pop("format", None)
    context.update(
        page=page,
        rows=[_expert_row(e, today) for e in page.items],
        filter_query=paging.urlencode(),
    )
    return render(request, "experts/list.html", context)


def _export(experts: list[Expert]) -> HttpResponse:
    today = clock_today()
    rows = []
    for expert in experts:
        row = _expert_row(expert, today)
        rows.append(
            [
                expert.name,
                expert.id_card_masked,
                expert.get_sex_display(),
                expert.birth_date.isoformat(),
                expert.phone,
                expert.employer_name,
                expert.employer_uscc,
                expert.region_code,
                expert.title_name,
                row["title_level"],
                row["work_years"],
                row["base_type"],
                row["main"],
                "、".join(row["others"]),
                expert.qualifications,
                expert.education,
                row["status"],
                expert.entered_on.isoformat(),
            ]
        )
    return xlsx_response(
        filename=gettext("experts"),
        sheet=gettext("Experts"),
        headers=[
            gettext("Full name"),
            gettext("Identity card number (masked)"),
            gettext("Sex"),
            gettext("Date of birth"),
            gettext("Mobile phone"),
            gettext("Employer"),
            gettext("Employer's unified social credit code"),
            gettext("Region code"),
            gettext("Professional title"),
            gettext("Title level"),
            gettext("Years of work"),
            gettext("Pool"),
            gettext("Main specialty"),
            gettext("Other specialties"),
            gettext("Professional qualifications"),
            gettext("Education"),
            gettext("Status"),
            gettext("Entered the pool on"),
        ],
        rows=rows,
    )


def _expert_form_page(
    request: HttpRequest, form: ExpertForm, *, expert: Expert | None, error: ZhengwuError | None, status: int
) -> HttpResponse:
    return render(request, "experts/form.html", {"form": form, "expert": expert, "error": error}, status=status)


def _service_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": data["name"],
        "phone": data["phone"],
        "employer_name": data["employer_name"],
        "employer_uscc": data["employer_uscc"],
        "region_code": data["region_code"],
        "title_name": data["title_name"],
        "title_level": data["title_level"],
        "work_years": data["work_years"],
        "base_type": data["base_type"],
        "main_specialty": data["main_specialty"],
        "other_specialties": list(data["other_specialties"]),
        "qualifications": data["qualifications"],
        "education": data["education"],
        "entered_on": data["entered_on"],
        "username": data["username"],
    }


def _mark(form: ExpertForm, error: ZhengwuError) -> None:
    # The service names the field of each problem; show them where they belong.
    problems = error.detail.get("errors") or [{"field": error.detail.get("field"), "message": error.message}]
    for problem in problems:
        name = problem.get("field")
        if name in form.fields:
            form.add_error(name, problem.get("message") or error.message)


@require_http_methods(["GET", "POST"])
@roles_required(Role.CENTRE_STAFF)
def expert_new(request: HttpRequest) -> HttpResponse:
    """Enter one expert (the centre's staff)."""
    actor = _actor(request)
    if request.method == "GET":
        return _expert_form_page(request, ExpertForm(), expert=None, error=None, status=200)
    form = ExpertForm(request.POST)
    if not form.is_valid():
        return _expert_form_page(request, form, expert=None, error=_form_error(), status=400)
    try:
        expert = services.expert_create(
            id_card=form.cleaned_data["id_card"], **_service_kwargs(form.cleaned_data), by=actor
        )
    except ZhengwuError as exc:
        _mark(form, exc)
        return _expert_form_page(request, form, expert=None, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Expert %(name)s entered in the pool.") % {"name": expert.name})
    return HttpResponseRedirect(_url(request, "expert_detail", str(expert.uuid)))


@require_http_methods(["GET", "POST"])
@roles_required(Role.CENTRE_STAFF)
def expert_edit(request: HttpRequest, expert_id: str) -> HttpResponse:
    """Change an expert's record (the centre's staff)."""
    actor, expert = _expert_for(request, expert_id)
    if request.method == "GET":
        specialties = list(expert.specialties.all())
        initial = {
            "name": expert.name,
            "phone": expert.phone,
            "employer_name": expert.employer_name,
            "employer_uscc": expert.employer_uscc,
            "region_code": expert.region_code,
            "title_name": expert.title_name,
            "title_level": expert.title_level,
            "work_years": str(expert.work_years),
            "base_type": expert.base_type,
            "main_specialty": next((s.code for s in specialties if s.is_main), ""),
            "other_specialties": [s.code for s in specialties if not s.is_main],
            "qualifications": expert.qualifications,
            "education": expert.education,
            "entered_on": expert.entered_on,
            "username": expert.username,
        }
        form = ExpertForm(initial=initial, editing=True)
        return _expert_form_page(request, form, expert=expert, error=None, status=200)
    form = ExpertForm(request.POST, editing=True)
    if not form.is_valid():
        return _expert_form_page(request, form, expert=expert, error=_form_error(), status=400)
    try:
        services.expert_update(
            expert=expert, id_card=form.cleaned_data["id_card"], **_service_kwargs(form.cleaned_data), by=actor
        )
    except ZhengwuError as exc:
        _mark(form, exc)
        return _expert_form_page(request, form, expert=expert, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Expert record saved."))
    return HttpResponseRedirect(_url(request, "expert_detail", str(expert.uuid)))


def _detail_context(actor: Actor, expert: Expert) -> dict[str, Any]:
    today = clock_today()
    conflicts = selectors.expert_conflicts(expert=expert)
    return {
        "expert": expert,
        "row": _expert_row(expert, today),
        "specialties": _specialty_rows(expert),
        "conflicts": [
            {
                "conflict": c,
                "relation": RELATION_LABELS.get(c.relation, c.relation),
                "withdrawn_at": _local(c.withdrawn_at),
            }
            for c in conflicts
        ],
        "windows": selectors.expert_unavailability(expert=expert),
        "can_maintain": selectors.experts_maintainable(by=actor) and expert.status != Expert.Status.RETIRED,
        "is_self": expert.user_id is not None and expert.user_id == actor.user_id,
        "today": today,
        "conflict_form": ConflictForm(),
        "window_form": WindowForm(),
        "reason_form": ReasonForm(),
    }


def _detail_page(
    request: HttpRequest, actor: Actor, expert: Expert, *, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    if expert.user_id is not None and expert.user_id == actor.user_id:
        template = "experts/me.html"
        context = {**_detail_context(actor, expert), "assignments": _assignment_rows(actor)}
    else:
        template = "experts/detail.html"
        context = _detail_context(actor, expert)
    return render(request, template, {**context, "error": error}, status=status)


@require_GET
@roles_required(*ANYONE)
def expert_detail(request: HttpRequest, expert_id: str) -> HttpResponse:
    """One expert's record: staff and regulators (audited), and the expert themself; 404 for anyone else."""
    actor, expert = _expert_for(request, expert_id)
    return _detail_page(request, actor, expert)


def _back(request: HttpRequest, actor: Actor, expert: Expert) -> HttpResponseRedirect:
    if expert.user_id is not None and expert.user_id == actor.user_id:
        return HttpResponseRedirect(_url(request, "expert_me"))
    return HttpResponseRedirect(_url(request, "expert_detail", str(expert.uuid)))


@require_POST
@roles_required(Role.CENTRE_STAFF)
def expert_status_view(request: HttpRequest, expert_id: str, action: str) -> HttpResponse:
    """Suspend, reinstate or retire an expert (the centre's staff, with a reason)."""
    service = STATUS_ACTIONS.get(action)
    if service is None:
        raise Http404
    actor, expert = _expert_for(request, expert_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, actor, expert, error=_form_error(), status=400)
    try:
        service(expert=expert, reason=form.cleaned_data["reason"], by=actor)
    except ZhengwuError as exc:
        return _detail_page(request, actor, expert, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Status changed."))
    return _back(request, actor, expert)


@require_POST
@roles_required(*ANYONE)
def conflict_new(request: HttpRequest, expert_id: str) -> HttpResponse:
    """Declare a conflict: the expert themself (from their own page) or the centre's staff."""
    actor, expert = _expert_for(request, expert_id)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, actor, expert, error=_form_error(), status=400)
    data = form.cleaned_data
    try:
        services.conflict_declare(
            expert=expert,
            organisation_name=data["organisation_name"],
            organisation_uscc=data["organisation_uscc"],
            relation=data["relation"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            note=data["note"],
            by=actor,
        )
    except ZhengwuError as exc:
        return _detail_page(request, actor, expert, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Conflict declared: the draw will avoid this organisation's tenders."))
    return _back(request, actor, expert)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def conflict_withdraw_view(request: HttpRequest, conflict_id: str) -> HttpResponse:
    """Withdraw a declaration made in error (the centre's staff, with a reason)."""
    actor = _actor(request)
    try:
        conflict: ExpertConflict = selectors.conflict_get(uuid=conflict_id, by=actor)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    expert = selectors.expert_get(uuid=conflict.expert.uuid, by=actor)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, actor, expert, error=_form_error(), status=400)
    try:
        services.conflict_withdraw(conflict=conflict, reason=form.cleaned_data["reason"], by=actor)
    except ZhengwuError as exc:
        return _detail_page(request, actor, expert, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Declaration withdrawn."))
    return _back(request, actor, expert)


def _windows_of(expert: Expert) -> list[services.Window]:
    return [services.Window(w.starts_on, w.ends_on, w.reason) for w in selectors.expert_unavailability(expert=expert)]


@require_POST
@roles_required(*ANYONE)
def availability_add(request: HttpRequest, expert_id: str) -> HttpResponse:
    """Add a period of unavailability: the expert themself or the centre's staff."""
    actor, expert = _expert_for(request, expert_id)
    form = WindowForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, actor, expert, error=_form_error(), status=400)
    data = form.cleaned_data
    windows = [*_windows_of(expert), services.Window(data["starts_on"], data["ends_on"], data["reason"])]
    try:
        services.availability_set(expert=expert, windows=windows, by=actor)
    except ZhengwuError as exc:
        return _detail_page(request, actor, expert, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Period of unavailability recorded."))
    return _back(request, actor, expert)


@require_POST
@roles_required(*ANYONE)
def availability_remove(request: HttpRequest, expert_id: str, window_id: int) -> HttpResponse:
    """Remove one period of unavailability: the expert themself or the centre's staff."""
    actor, expert = _expert_for(request, expert_id)
    current = selectors.expert_unavailability(expert=expert)
    if not any(w.pk == window_id for w in current):
        raise Http404
    windows = [services.Window(w.starts_on, w.ends_on, w.reason) for w in current if w.pk != window_id]
    try:
        services.availability_set(expert=expert, windows=windows, by=actor)
    except ZhengwuError as exc:
        return _detail_page(request, actor, expert, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Period of unavailability removed."))
    return _back(request, actor, expert)


# --- import --------------------------------------------------------------------------------------


def _import_page(request: HttpRequest, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return render(
        request,
        "experts/import.html",
        {"form": context.pop("form", ImportForm()), "columns": COLUMNS, **context},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(Role.CENTRE_STAFF)
def expert_import_view(request: HttpRequest) -> HttpResponse:
    """Import experts from an .xlsx sheet (the centre's staff): good rows in, bad rows listed with
    their row number, column and reason."""
    actor = _actor(request)
    if request.method == "GET":
        return _import_page(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form=form, error=_form_error(), status=400)
    upload = form.cleaned_data["file"]
    try:
        report = services.experts_import(file=upload, file_name=upload.name or "", by=actor)
    except ZhengwuError as exc:
        return _import_page(request, form=form, error=exc, status=refusal_status(exc))
    return _import_page(request, report=report)


@require_GET
@roles_required(Role.CENTRE_STAFF)
def expert_import_template(request: HttpRequest) -> HttpResponse:
    """The import template (.xlsx): header row, how to fill each column, the specialty codes."""
    response = HttpResponse(template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    name = quote(gettext("expert import template") + ".xlsx")
    response["Content-Disposition"] = f"attachment; filename=\"experts-template.xlsx\"; filename*=UTF-8''{name}"
    return response


# --- an expert's own page ------------------------------------------------------------------------


def _assignment_rows(actor: Actor) -> list[dict[str, Any]]:
    return [
        {
            "assignment": a,
            "role": ASSIGNMENT_ROLE_LABELS.get(a.role, a.role),
            "status": ASSIGNMENT_STATUS_LABELS.get(a.status, a.status),
            "assigned_at": _local(a.assigned_at),
        }
        for a in selectors.expert_assignments_own(by=actor)
    ]


@require_GET
@roles_required(Role.EXPERT)
def expert_me(request: HttpRequest) -> HttpResponse:
    """我的专家信息: the signed-in expert's own record, conflicts, unavailability and assignments."""
    actor = _actor(request)
    expert = selectors.expert_own(by=actor)
    if expert is None:
        return render(request, "experts/me.html", {"expert": None})
    return _detail_page(request, actor, expert)


# --- draws (专家抽取) -----------------------------------------------------------------------------
#
# A section's draw page is for the centre's staff, who request, commit and perform the draw, and
# for regulators, who read it; everyone else is refused (403) — who sits on a panel is secret
# until the result is published, and only the commitment is public. The names are read through
# ``selectors.draw_panel`` (audited); a refused POST writes nothing, not even an audit entry, so
# its page is shown without the panel.

DRAW_ROLES = (Role.CENTRE_STAFF, Role.REGULATOR)


def _section_for(section_code: str) -> Any:
    try:
        return tendering_selectors.section_get_by_code(code=section_code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _draw_groups(form: DrawForm) -> list[DrawGroup]:
    return [
        DrawGroup(
            specialties=tuple(row["specialties"]),
            count=row["count"],
            reserves=row["reserves"],
            regions=tuple(row["regions"]),
        )
        for row in form.group_rows()
    ]


def _committee(form: DrawForm) -> services.Committee:
    data = form.cleaned_data
    return services.Committee(
        representatives=data["representatives"] or 0,
        complex_project=bool(data["complex_project"]),
        at_open_tender_threshold=bool(data["at_open_tender_threshold"]),
    )


def _record_name(section_code: str) -> str:
    return f"expert-draw-{section_code}.json"


def _draw_context(
    request: HttpRequest, actor: Actor, section: Any, *, with_panel: bool = True, **extra: Any
) -> dict[str, Any]:
    project = section.project
    draw = selectors.draw_for_section(section_code=section.code, by=actor)
    record = draw.record if draw is not None else None
    staff = selectors.experts_maintainable(by=actor)
    kind = committee_kind_for(procedure=project.procedure)
    context: dict[str, Any] = {
        "section": section,
        "project": project,
        "committee_label": COMMITTEE_LABELS.get(kind, "") if kind is not None else "",
        "bidders_known": tendering_selectors.section_deadline_passed(section=section),
        "draw": draw,
        "committed_at": _local(draw.committed_at) if draw is not None else "",
        "drawn_at": _local(draw.drawn_at) if draw is not None else "",
        "contributions": (record or {}).get("contributions", []),
        "panel": _panel_rows(selectors.draw_panel(draw=draw, by=actor)) if draw is not None and with_panel else [],
        "can_act": staff,
        "specialties": specialty_choices(),
        "form": DrawForm(initial={"representatives": 0}) if staff and draw is None else None,
        "perform_form": PerformForm() if staff and draw is not None and record is None else None,
    }
    if draw is not None and record is not None:
        context["record_name"] = _record_name(section.code)
        context["verify_command"] = (
            f"zhengwu experts verify-draw {_record_name(section.code)} --commitment {draw.commitment}"
        )
    context.update(extra)
    return context


def _panel_rows(panel: list[selectors.DrawPanelGroup]) -> list[dict[str, Any]]:
    return [
        {
            "group": group,
            "seats": [
                {"seat": seat, "status": ASSIGNMENT_STATUS_LABELS.get(seat.status, seat.status)} for seat in group.seats
            ],
        }
        for group in panel
    ]


def _draw_page(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, "experts/draw.html", context, status=status)


@require_GET
@roles_required(*DRAW_ROLES)
def draw_section(request: HttpRequest, section_code: str) -> HttpResponse:
    """A section's expert draw: the request form, then the commitment, then the panel and its record
    (staff act; regulators read; 403 for anyone else)."""
    actor = _actor(request)
    section = _section_for(section_code)
    try:
        context = _draw_context(request, actor, section)
    except PermissionDenied as exc:
        return render(request, "experts/draw.html", {"error": exc, "denied": True}, status=403)
    return _draw_page(request, context)


@require_POST
@roles_required(Role.CENTRE_STAFF)
def draw_commit_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """Check the committee a request fills (``step=check``), then commit the draw (``step=commit``)."""
    actor = _actor(request)
    section = _section_for(section_code)
    form = DrawForm(request.POST)
    if not form.is_valid():
        context = _draw_context(request, actor, section, with_panel=False)
        return _draw_page(request, {**context, "form": form, "error": _form_error()}, status=400)
    try:
        groups = _draw_groups(form)
        if request.POST.get("step") != "commit":
            check = services.section_draw_check(
                section_code=section.code, groups=groups, committee=_committee(form), by=actor
            )
            context = _draw_context(request, actor, section, with_panel=False)
            error = (
                InvalidInput(check.violations[0].message, code=check.violations[0].code) if check.violations else None
            )
            return _draw_page(
                request,
                {**context, "form": form, "check": check, "error": error},
                status=400 if check.violations else 200,
            )
        draw = services.section_draw_commit(
            section_code=section.code,
            evaluation_on=form.cleaned_data["evaluation_on"],
            groups=groups,
            committee=_committee(form),
            regions=codes_split(form.cleaned_data["regions"] or ""),
            by=actor,
        )
    except ZhengwuError as exc:
        context = _draw_context(request, actor, section, with_panel=False)
        if context["form"] is not None:
            context["form"] = form
        return _draw_page(request, {**context, "error": exc}, status=refusal_status(exc))
    messages.success(
        request,
        gettext("Draw committed. Commitment %(commitment)s published at %(at)s.")
        % {"commitment": draw.commitment, "at": _local(draw.committed_at)},
    )
    return HttpResponseRedirect(_url(request, "draw_section", section.code))


@require_POST
@roles_required(Role.CENTRE_STAFF)
def draw_perform_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """Perform the committed draw, with the supervisor's contribution if one is given (staff)."""
    actor = _actor(request)
    section = _section_for(section_code)
    form = PerformForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error()
        services.section_draw_perform(
            section_code=section.code, contribution=form.cleaned_data["contribution"], by=actor
        )
    except ZhengwuError as exc:
        context = _draw_context(request, actor, section, with_panel=False)
        if context["perform_form"] is not None:
            context["perform_form"] = form
        return _draw_page(request, {**context, "error": exc}, status=refusal_status(exc))
    messages.success(request, gettext("The draw is done; the drawn experts are notified."))
    return HttpResponseRedirect(_url(request, "draw_section", section.code))


@require_GET
@roles_required(*DRAW_ROLES)
def draw_record_download(request: HttpRequest, section_code: str) -> HttpResponse:
    """The full record of a performed draw as JSON, for ``zhengwu experts verify-draw`` (staff and regulators)."""
    actor = _actor(request)
    try:
        record = selectors.draw_record(section_code=section_code, by=actor)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        return render(request, "experts/draw.html", {"error": exc, "denied": True}, status=403)
    response = HttpResponse(canonical_dumps(record), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_record_name(record["request"]["reference"])}"'
    return response


ANSWERS = {"accept": True, "decline": False}


@require_POST
@roles_required(Role.EXPERT)
def assignment_answer_view(request: HttpRequest, assignment_id: str, answer: str) -> HttpResponse:
    """The drawn expert accepts or declines (from their own page); a decline calls a reserve."""
    accept = ANSWERS.get(answer)
    if accept is None:
        raise Http404
    actor = _actor(request)
    try:
        assignment = selectors.assignment_own_get(uuid=assignment_id, by=actor)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    try:
        replacement = services.assignment_answer(assignment=assignment, accept=accept, by=actor)
    except ZhengwuError as exc:
        expert = selectors.expert_own(by=actor)
        if expert is None:
            raise Http404 from exc
        return _detail_page(request, actor, expert, error=exc, status=refusal_status(exc))
    if accept:
        messages.success(
            request, gettext("You accepted the assignment for section %(code)s.") % {"code": assignment.section_code}
        )
    elif replacement is not None:
        messages.success(
            request,
            gettext("You declined the assignment for section %(code)s. A reserve expert has been called.")
            % {"code": assignment.section_code},
        )
    else:
        messages.warning(
            request,
            gettext(
                "You declined the assignment for section %(code)s. No reserve is left: "
                "the trading centre will arrange a supplementary draw."
            )
            % {"code": assignment.section_code},
        )
    return HttpResponseRedirect(_url(request, "expert_me"))
