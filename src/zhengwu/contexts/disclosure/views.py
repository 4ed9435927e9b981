"""Pages of the public trading website."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.disclosure.selectors import (
    MARKET_ROLES,
    NOTICE_KINDS,
    TRADE_TYPES,
    market_subject_page,
    market_subject_search,
    notice_amended_by,
    notice_chain,
    notice_get,
    notice_latest,
    notice_page,
    notice_search,
)
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.money import money_format, money_from_fen
from zhengwu.platform.audit.selectors import audit_latest_tree_head
from zhengwu.platform.web.exports import xlsx_response

ROLE_NAMES = {"tenderer": _("Tenderer"), "agency": _("Tendering agency"), "bidder": _("Bidder")}
PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    """The public home page: what the platform is, live figures, and where each user goes."""
    return render(
        request,
        "disclosure/home.html",
        {
            "subject_total": market_subject_page(page=1, size=1).total,
            "tree_head": audit_latest_tree_head(),
            "latest_notices": notice_latest(limit=5),
        },
    )


def subjects(request: HttpRequest) -> HttpResponse:
    """The list of verified market subjects, searchable by name or code and by role."""
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "").strip()
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 6 else 1
    error = ""
    try:
        page = market_subject_page(q=q, role=role or None, page=page_number, size=PAGE_SIZE)
    except InvalidInput as exc:
        error = exc.message
        page = market_subject_page(page=1, size=PAGE_SIZE)
        status = 400
    else:
        status = 200
    if request.GET.get("format") == "xlsx" and not error:
        return xlsx_response(
            filename=gettext("market-subjects"),
            sheet=gettext("Market subjects"),
            headers=[
                gettext("Name"),
                gettext("Unified social credit code"),
                gettext("Roles"),
                gettext("Region"),
                gettext("Updated"),
            ],
            rows=(
                (
                    s.name,
                    s.uscc,
                    "、".join(str(ROLE_NAMES.get(r, r)) for r in s.market_roles),
                    s.region_code,
                    localtime(s.updated_at).strftime("%Y-%m-%d %H:%M"),
                )
                for s in market_subject_search(q=q, role=role or None)
            ),
        )

    def page_url(number: int) -> str:
        return "?" + urlencode({k: v for k, v in {"q": q, "role": role, "page": number}.items() if v})

    context = {
        "page": page,
        "q": q,
        "role": role,
        "roles": [(code, ROLE_NAMES.get(code, code)) for code in MARKET_ROLES],
        "rows": [(s, [ROLE_NAMES.get(r, r) for r in s.market_roles]) for s in page.items],
        "error": error,
        "previous_url": page_url(page.page - 1) if page.has_previous else "",
        "next_url": page_url(page.page + 1) if page.has_next else "",
        "export_url": "?" + urlencode({k: v for k, v in {"q": q, "role": role, "format": "xlsx"}.items() if v}),
    }
    return render(request, "disclosure/subjects.html", context, status=status)


# Notices ------------------------------------------------------------------------------------

TRADE_TYPE_NAMES = {
    "construction": _("Construction works"),
    "procurement": _("Government procurement"),
    "land": _("Land-use rights"),
    "property": _("State-owned property"),
}
KIND_NAMES = {
    "tender": _("Tender notice"),
    "invitation": _("Invitation to tender"),
    "prequalification": _("Pre-qualification notice"),
    "amendment": _("Amendment or clarification"),
    "termination": _("Termination notice"),
    "result": _("Result notice"),
}
NOTICE_FILTERS = ("q", "trade_type", "kind", "region", "date_from", "date_to")


def _date_param(text: str, *, field: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "日期格式应为YYYY-MM-DD", code="disclosure_date_invalid", detail={"field": field, "value": text[:40]}
        ) from None


def _beijing(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def notices(request: HttpRequest) -> HttpResponse:
    """The public list of notices: filter by trade type, kind, region, text and dates; export."""
    params = {name: request.GET.get(name, "").strip()[:200] for name in NOTICE_FILTERS}
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 6 else 1
    error = ""
    filters: dict[str, Any] = {}
    try:
        filters = {
            "q": params["q"],
            "trade_type": params["trade_type"] or None,
            "kind": params["kind"] or None,
            "region": params["region"] or None,
            "date_from": _date_param(params["date_from"], field="date_from"),
            "date_to": _date_param(params["date_to"], field="date_to"),
        }
        page = notice_page(**filters, page=page_number, size=PAGE_SIZE)
    except InvalidInput as exc:
        error = exc.message
        page = notice_page(page=1, size=PAGE_SIZE)
        status = 400
    else:
        status = 200
    if request.GET.get("format") == "xlsx" and not error:
        return xlsx_response(
            filename=gettext("notices"),
            sheet=gettext("Notices"),
            headers=[
                gettext("Published (Beijing time)"),
                gettext("Title"),
                gettext("Kind"),
                gettext("Trade type"),
                gettext("Procedure"),
                gettext("Project code"),
                gettext("Project name"),
                gettext("Sections"),
                gettext("Tenderer"),
                gettext("Agency"),
                gettext("Region"),
                gettext("Budget (yuan)"),
                gettext("Bid deadline (Beijing time)"),
                gettext("Opening (Beijing time)"),
                gettext("Amends notice"),
                gettext("Notice ID"),
            ],
            rows=(
                (
                    _beijing(n.published_at),
                    n.title,
                    str(KIND_NAMES.get(n.kind, n.kind)),
                    str(TRADE_TYPE_NAMES.get(n.trade_type, n.trade_type)),
                    n.procedure,
                    n.project_code,
                    n.project_name,
                    "、".join(n.section_codes),
                    n.tenderer_name,
                    n.agency_name,
                    n.region_code,
                    str(money_from_fen(n.budget_fen)) if n.budget_fen is not None else "",
                    _beijing(n.bid_deadline),
                    _beijing(n.opening_at),
                    str(n.references_notice_id or ""),
                    str(n.notice_id),
                )
                for n in notice_search(**filters).iterator()
            ),
        )

    def query(**extra: object) -> str:
        values = {**params, **extra}
        return "?" + urlencode({k: v for k, v in values.items() if v})

    context = {
        "page": page,
        **params,
        "trade_types": [(code, TRADE_TYPE_NAMES[code]) for code in TRADE_TYPES],
        "kinds": [(code, KIND_NAMES[code]) for code in NOTICE_KINDS],
        "rows": [
            (n, KIND_NAMES.get(n.kind, n.kind), TRADE_TYPE_NAMES.get(n.trade_type, n.trade_type)) for n in page.items
        ],
        "error": error,
        "previous_url": query(page=page.page - 1) if page.has_previous else "",
        "next_url": query(page=page.page + 1) if page.has_next else "",
        "export_url": query(format="xlsx"),
    }
    return render(request, "disclosure/notices.html", context, status=status)


def notice_detail(request: HttpRequest, notice_id: str) -> HttpResponse:
    """One notice: its text (escaped, line breaks kept), attachments with their SHA-256,
    deadlines in Beijing time, and its place in an amendment chain."""
    try:
        notice = notice_get(notice_id=notice_id)
    except NotFound:
        raise Http404(notice_id) from None
    chain = notice_chain(notice=notice)
    context = {
        "notice": notice,
        "kind_label": KIND_NAMES.get(notice.kind, notice.kind),
        "trade_type_label": TRADE_TYPE_NAMES.get(notice.trade_type, notice.trade_type),
        "budget": money_format(notice.budget_fen) if notice.budget_fen is not None else "",
        # The notices this one amends (oldest first); empty for an original notice.
        "chain": chain[:-1],
        "amended_by": notice_amended_by(notice=notice),
    }
    return render(request, "disclosure/notice_detail.html", context)
