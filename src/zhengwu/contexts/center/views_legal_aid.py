"""Pages of the legal-aid desk: consultations, applications and cases, and the statistics.

Everything but the statistics is for the legal-aid staff alone: the pages show applicants'
names, phones and incomes. The statistics (counts by month and case type, no person in them)
are also read by the centre's staff and the city's leaders. A refused form is shown again with
its reason in Chinese and what was typed kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.contexts.center import legal_aid
from zhengwu.contexts.center import legal_aid_rules as rules
from zhengwu.contexts.center.models import LegalAidCase
from zhengwu.contexts.center.views import centre_prefix
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now, clock_today
from zhengwu.kernel.errors import InvalidInput, ZhengwuError
from zhengwu.kernel.money import money_from_fen, money_to_fen
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import xlsx_response

STAFF = Role.LEGAL_AID_STAFF
STATS_READERS = (Role.LEGAL_AID_STAFF, Role.CENTRE_STAFF, Role.CITY_LEADER)
EXPORT_MAX = 10_000


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _date(raw: str) -> dt.date | None:
    """A date typed on a form (YYYY-MM-DD), None when left empty (today)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("日期格式应为YYYY-MM-DD", code="date_invalid", detail={"value": raw[:20]}) from None


def _common() -> dict[str, Any]:
    return {
        "case_types": list(legal_aid.CASE_TYPES.items()),
        "statuses": list(rules.CASE_STATUS_LABELS.items()),
        "exempt_categories": list(rules.EXEMPTION_LABELS.items()),
    }


# --- desk home -----------------------------------------------------------------------------------


@require_GET
@roles_required(STAFF)
def legal_aid_home(request: HttpRequest) -> HttpResponse:
    """The desk's home: what waits for a decision, the latest cases and consultations."""
    actor = _actor(request)
    waiting = legal_aid.cases_query(filters=legal_aid.CaseFilters(), by=actor).filter(
        status__in=[rules.CaseStatus.APPLIED.value, rules.CaseStatus.REVIEWING.value]
    )
    context = {
        "waiting": list(waiting.order_by("review_deadline", "number")[:20]),
        "overdue": legal_aid.overdue_reviews(by=actor),
        "recent": list(legal_aid.consultations_query(filters=legal_aid.ConsultationFilters(), by=actor)[:10]),
        "today": clock_today(),
        **_common(),
    }
    return render(request, "center/legal_aid/home.html", context)


# --- consultations -------------------------------------------------------------------------------


def _consultation_filters(request: HttpRequest) -> legal_aid.ConsultationFilters:
    return legal_aid.ConsultationFilters(
        month=request.GET.get("month", "").strip(), topic=request.GET.get("topic", "").strip()
    )


@require_GET
@roles_required(STAFF)
def consultations(request: HttpRequest) -> HttpResponse:
    """The consultations, filtered by month and topic, twenty to a page."""
    filters = _consultation_filters(request)
    context: dict[str, Any] = {"filters": filters, **_common()}
    paging = request.GET.copy()
    paging.pop("page", None)
    context["filter_query"] = paging.urlencode()
    try:
        context["page"] = legal_aid.consultations_page(
            filters=filters, page=_page_number(request.GET.get("page")), by=_actor(request)
        )
    except ZhengwuError as exc:
        context["error"] = exc
        return render(request, "center/legal_aid/consultations.html", context, status=refusal_status(exc))
    return render(request, "center/legal_aid/consultations.html", context)


@require_GET
@roles_required(STAFF)
def consultations_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered consultations as an Excel workbook."""
    actor = _actor(request)
    filters = _consultation_filters(request)
    try:
        rows = list(legal_aid.consultations_query(filters=filters, by=actor)[:EXPORT_MAX])
        legal_aid.export_record(what="consultations", count=len(rows), by=actor)
    except ZhengwuError as exc:
        context = {"filters": filters, "error": exc, **_common()}
        return render(request, "center/legal_aid/consultations.html", context, status=refusal_status(exc))
    return xlsx_response(
        filename="法律咨询登记",
        sheet="法律咨询",
        headers=("编号", "咨询时间", "咨询人", "联系电话", "类型", "咨询问题", "解答意见", "接待人员"),
        rows=[
            (
                c.pk,
                c.consulted_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
                c.person_name,
                c.phone,
                legal_aid.case_type_label(c.topic),
                c.question,
                c.advice,
                c.staff,
            )
            for c in rows
        ],
    )


def _consulted_at(raw: str) -> dt.datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw, "%Y-%m-%dT%H:%M").replace(tzinfo=CHINA_TZ)
    except ValueError:
        raise InvalidInput(
            "咨询时间格式不正确", code="legal_aid_time_invalid", detail={"field": "consulted_at"}
        ) from None


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def consultation_new(request: HttpRequest) -> HttpResponse:
    """Record a consultation; a refused form comes back with what was typed."""
    context: dict[str, Any] = {"form": request.POST if request.method == "POST" else {}, **_common()}
    if request.method == "GET":
        context["form"] = {"consulted_at": clock_now().astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M")}
        return render(request, "center/legal_aid/consultation_form.html", context)
    try:
        legal_aid.consultation_record(
            person_name=request.POST.get("person_name", ""),
            phone=request.POST.get("phone", ""),
            topic=request.POST.get("topic", ""),
            question=request.POST.get("question", ""),
            advice=request.POST.get("advice", ""),
            consulted_at=_consulted_at(request.POST.get("consulted_at", "")),
            by=_actor(request),
        )
    except ZhengwuError as exc:
        context["error"] = exc
        return render(request, "center/legal_aid/consultation_form.html", context, status=refusal_status(exc))
    messages.success(request, gettext("Consultation recorded."))
    return HttpResponseRedirect(f"{centre_prefix(request)}legal-aid/consultations/")


# --- cases ---------------------------------------------------------------------------------------


def _case_filters(request: HttpRequest) -> legal_aid.CaseFilters:
    return legal_aid.CaseFilters(
        status=request.GET.get("status", "").strip(), case_type=request.GET.get("case_type", "").strip()
    )


@require_GET
@roles_required(STAFF)
def cases(request: HttpRequest) -> HttpResponse:
    """The cases, filtered by status and type, twenty to a page."""
    filters = _case_filters(request)
    context: dict[str, Any] = {"filters": filters, "today": clock_today(), **_common()}
    paging = request.GET.copy()
    paging.pop("page", None)
    context["filter_query"] = paging.urlencode()
    try:
        context["page"] = legal_aid.cases_page(
            filters=filters, page=_page_number(request.GET.get("page")), by=_actor(request)
        )
    except ZhengwuError as exc:
        context["error"] = exc
        return render(request, "center/legal_aid/cases.html", context, status=refusal_status(exc))
    return render(request, "center/legal_aid/cases.html", context)


@require_GET
@roles_required(STAFF)
def cases_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered cases as an Excel workbook (identity numbers masked)."""
    actor = _actor(request)
    filters = _case_filters(request)
    try:
        rows = list(legal_aid.cases_query(filters=filters, by=actor)[:EXPORT_MAX])
        legal_aid.export_record(what="cases", count=len(rows), by=actor)
    except ZhengwuError as exc:
        context = {"filters": filters, "error": exc, **_common()}
        return render(request, "center/legal_aid/cases.html", context, status=refusal_status(exc))
    return xlsx_response(
        filename="法律援助案件",
        sheet="法律援助案件",
        headers=(
            "案件编号",
            "收到申请",
            "审查期限",
            "申请人",
            "身份证号码",
            "联系电话",
            "案件类型",
            "家庭人口",
            "家庭月收入（元）",
            "经济困难审查",
            "状态",
            "承办律师",
            "律师事务所",
        ),
        rows=[
            (
                c.number,
                c.received_on.isoformat(),
                c.review_deadline.isoformat(),
                c.applicant_name,
                legal_aid.case_id_number_masked(case=c),
                c.phone,
                legal_aid.case_type_label(c.case_type),
                c.household_size,
                money_from_fen(c.monthly_income_fen),
                "符合" if c.eligible else "不符合",
                legal_aid.status_label(c.status),
                c.lawyer_name,
                c.lawyer_firm,
            )
            for c in rows
        ],
    )


def _int_field(raw: str, *, field: str, label: str) -> int:
    raw = (raw or "").strip()
    if not raw.isdigit():
        raise InvalidInput(f"{label}应为整数", code="legal_aid_number_invalid", detail={"field": field})
    return int(raw)


def _income_fen(raw: str) -> int:
    raw = (raw or "").strip()
    if not raw:
        raise InvalidInput("请填写家庭月收入", code="legal_aid_field_required", detail={"field": "monthly_income"})
    fen = money_to_fen(raw)
    if fen < 0:
        raise InvalidInput("家庭月收入不能为负数", code="legal_aid_number_invalid", detail={"field": "monthly_income"})
    return fen


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def case_new(request: HttpRequest) -> HttpResponse:
    """Register an application for legal aid."""
    context: dict[str, Any] = {"form": request.POST if request.method == "POST" else {}, **_common()}
    context["standard"] = money_from_fen(legal_aid.standard_fen())
    if request.method == "GET":
        return render(request, "center/legal_aid/case_form.html", context)
    try:
        case = legal_aid.case_apply(
            applicant_name=request.POST.get("applicant_name", ""),
            id_number=request.POST.get("id_number", ""),
            phone=request.POST.get("phone", ""),
            household_size=_int_field(request.POST.get("household_size", ""), field="household_size", label="家庭人口"),
            monthly_income_fen=_income_fen(request.POST.get("monthly_income", "")),
            exempt_category=request.POST.get("exempt_category", "") or None,
            case_type=request.POST.get("case_type", ""),
            summary=request.POST.get("summary", ""),
            by=_actor(request),
        )
    except ZhengwuError as exc:
        context["error"] = exc
        return render(request, "center/legal_aid/case_form.html", context, status=refusal_status(exc))
    messages.success(request, gettext("Application registered as %(number)s.") % {"number": case.number})
    return HttpResponseRedirect(f"{centre_prefix(request)}legal-aid/cases/{case.number}/")


def _case_page(
    request: HttpRequest,
    case: LegalAidCase,
    *,
    error: ZhengwuError | None = None,
    status: int = 200,
    revealed: str = "",
) -> HttpResponse:
    context = {
        "case": case,
        "id_masked": legal_aid.case_id_number_masked(case=case),
        "revealed": revealed,
        "events": legal_aid.case_events(case=case),
        "next": legal_aid.case_actions(case=case),
        "case_type_label": legal_aid.case_type_label(case.case_type),
        "status_label": legal_aid.status_label(case.status),
        "exempt_label": rules.EXEMPTION_LABELS.get(case.exempt_category, ""),
        "income": money_from_fen(case.monthly_income_fen),
        "overdue": case.status in rules.UNDECIDED
        and case.materials_requested_on is None
        and case.review_deadline < clock_today(),
        "error": error,
        "form": request.POST if request.method == "POST" else {},
        "status_labels": rules.CASE_STATUS_LABELS,
    }
    return render(request, "center/legal_aid/case.html", context, status=status)


@require_GET
@roles_required(STAFF)
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One case: the application, the eligibility verdict, its steps and what may be done next."""
    try:
        case = legal_aid.case_get(number=number, by=_actor(request))
    except ZhengwuError as exc:
        return render(request, "center/legal_aid/missing.html", {"error": exc}, status=refusal_status(exc))
    return _case_page(request, case)


def _case_action(request: HttpRequest, number: str, act: str) -> HttpResponse:
    actor = _actor(request)
    try:
        case = legal_aid.case_get(number=number, by=actor)
    except ZhengwuError as exc:
        return render(request, "center/legal_aid/missing.html", {"error": exc}, status=refusal_status(exc))
    post = request.POST
    try:
        if act == "review_begin":
            legal_aid.case_review_begin(case=case, by=actor)
            done = gettext("Review begun.")
        elif act == "review":
            decision = post.get("decision", "")
            if decision not in ("accept", "refuse"):
                raise InvalidInput(
                    "请选择受理或不予受理", code="legal_aid_field_required", detail={"field": "decision"}
                )
            legal_aid.case_review(case=case, accept=decision == "accept", reason=post.get("reason", ""), by=actor)
            done = gettext("Decision recorded.")
        elif act == "assign":
            legal_aid.case_assign(
                case=case, lawyer_name=post.get("lawyer_name", ""), lawyer_firm=post.get("lawyer_firm", ""), by=actor
            )
            done = gettext("Lawyer assigned.")
        elif act == "start":
            legal_aid.case_start(case=case, by=actor)
            done = gettext("Case in progress.")
        elif act == "close":
            legal_aid.case_close(case=case, outcome=post.get("outcome", ""), by=actor)
            done = gettext("Case closed.")
        elif act == "materials":
            legal_aid.case_materials_request(case=case, missing=post.get("missing", ""), by=actor)
            done = gettext("The applicant is told which materials are missing; the review waits for them.")
        elif act == "materials_complete":
            legal_aid.case_materials_complete(case=case, completed_on=_date(post.get("completed_on", "")), by=actor)
            done = gettext("Materials complete; the review period is counted again.")
        elif act == "withdraw":
            legal_aid.case_withdraw(case=case, reason=post.get("reason", ""), by=actor)
            done = gettext("Application withdrawn.")
        elif act == "terminate":
            legal_aid.case_terminate(case=case, reason=post.get("reason", ""), by=actor)
            done = gettext("Legal aid terminated.")
        else:  # reveal
            revealed = legal_aid.case_id_number_reveal(case=case, by=actor)
            return _case_page(request, case, revealed=revealed)
    except ZhengwuError as exc:
        case.refresh_from_db()
        return _case_page(request, case, error=exc, status=refusal_status(exc))
    messages.success(request, done)
    return HttpResponseRedirect(f"{centre_prefix(request)}legal-aid/cases/{case.number}/")


@require_POST
@roles_required(STAFF)
def case_review_begin_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "review_begin")


@require_POST
@roles_required(STAFF)
def case_review_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "review")


@require_POST
@roles_required(STAFF)
def case_assign_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "assign")


@require_POST
@roles_required(STAFF)
def case_start_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "start")


@require_POST
@roles_required(STAFF)
def case_close_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "close")


@require_POST
@roles_required(STAFF)
def case_materials_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "materials")


@require_POST
@roles_required(STAFF)
def case_materials_complete_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "materials_complete")


@require_POST
@roles_required(STAFF)
def case_withdraw_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "withdraw")


@require_POST
@roles_required(STAFF)
def case_terminate_view(request: HttpRequest, number: str) -> HttpResponse:
    return _case_action(request, number, "terminate")


@require_POST
@roles_required(STAFF)
def case_reveal_view(request: HttpRequest, number: str) -> HttpResponse:
    """The whole identity number, shown once on this response (audited)."""
    return _case_action(request, number, "reveal")


# --- statistics ----------------------------------------------------------------------------------

COLOURS = ("#1f4e8c", "#b3261e", "#2e7d32", "#8a5300", "#5f6368", "#6a1b9a", "#00838f", "#ad1457", "#4e342e")


def stats_chart_svg(stats: legal_aid.LegalAidStats) -> str:
    """Cases by month as stacked bars, one colour per case type, drawn as inline SVG."""
    width, height, left, bottom, top = 760, 300, 40, 40, 20
    plot_w, plot_h = width - left - 180, height - top - bottom
    months = stats.months
    totals = [sum(stats.cases[m].values()) for m in months]
    peak = max([*totals, 1])
    step = plot_w / len(months)
    bar = step * 0.6
    title = escape(gettext("Cases received by month and type"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{title}" data-testid="legal-aid-chart" style="max-width:100%;height:auto">',
        f"<title>{title}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#5f6368"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#5f6368"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    for i, month in enumerate(months):
        x = left + i * step + (step - bar) / 2
        y: float = top + plot_h
        for t_index, case_type in enumerate(stats.types):
            n = stats.cases[month].get(case_type, 0)
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            label = escape(f"{month} {legal_aid.case_type_label(case_type)}: {n}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[t_index % len(COLOURS)]}" data-month="{month}" data-type="{case_type}" '
                f'data-count="{n}"><title>{label}</title></rect>'
            )
        if totals[i]:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="11">{totals[i]}</text>'
            )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">'
            f"{int(month[5:])}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h + 34}" text-anchor="middle" font-size="12">'
        f"{escape(gettext('Month'))}</text>"
    )
    for t_index, case_type in enumerate(stats.types):
        y = top + 14.0 + 18 * t_index
        parts.append(
            f'<rect x="{left + plot_w + 20}" y="{y - 10}" width="12" height="12" '
            f'fill="{COLOURS[t_index % len(COLOURS)]}"/>'
            f'<text x="{left + plot_w + 38}" y="{y}" font-size="12">'
            f"{escape(legal_aid.case_type_label(case_type))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else clock_today().year


@require_GET
@roles_required(*STATS_READERS)
def statistics(request: HttpRequest) -> HttpResponse:
    """Counts by month and case type as a chart and a table; no personal data."""
    year = _year(request)
    context: dict[str, Any] = {"year": year, "years": list(range(clock_today().year, clock_today().year - 5, -1))}
    try:
        stats = legal_aid.legal_aid_stats(year=year, by=_actor(request))
    except ZhengwuError as exc:
        context["error"] = exc
        return render(request, "center/legal_aid/statistics.html", context, status=refusal_status(exc))
    headers, rows = legal_aid.legal_aid_stats_rows(stats)
    context.update(
        stats=stats,
        headers=headers,
        rows=rows,
        chart=mark_safe(stats_chart_svg(stats)),  # noqa: S308 - built above with every text escaped
    )
    return render(request, "center/legal_aid/statistics.html", context)


@require_GET
@roles_required(*STATS_READERS)
def statistics_export(request: HttpRequest) -> HttpResponseBase:
    """The statistics' numbers as an Excel workbook."""
    year = _year(request)
    try:
        stats = legal_aid.legal_aid_stats(year=year, by=_actor(request))
    except ZhengwuError as exc:
        context = {"year": year, "error": exc}
        return render(request, "center/legal_aid/statistics.html", context, status=refusal_status(exc))
    headers, rows = legal_aid.legal_aid_stats_rows(stats)
    return xlsx_response(filename=f"{year}年法律援助统计", sheet=f"{year}年法律援助统计", headers=headers, rows=rows)
