"""Pages of the public trading website."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.disclosure.selectors import MARKET_ROLES, market_subject_page, market_subject_search
from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.audit.selectors import audit_latest_tree_head
from zhengwu.platform.web.exports import xlsx_response

ROLE_NAMES = {"tenderer": _("Tenderer"), "agency": _("Tendering agency"), "bidder": _("Bidder")}
PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    """The public home page: what the platform is, live figures, and where each user goes."""
    return render(
        request,
        "disclosure/home.html",
        {"subject_total": market_subject_page(page=1, size=1).total, "tree_head": audit_latest_tree_head()},
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
