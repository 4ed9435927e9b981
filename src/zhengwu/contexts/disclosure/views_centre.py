"""Public pages of the service centre: the hall (``centre/``), the duty roster, the library's catalogue.

No sign-in: everything here is what the centre chose to publish, read from this platform's
copies (``centre``). A malformed filter shows its Chinese message with a 400, never a 500.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhengwu.contexts.disclosure.centre import (
    DUTY_STATUSES,
    LIBRARY_KINDS,
    hall_public,
    library_page,
    roster_public,
)
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput

PAGE_SIZE = 20


def _page_number(text: str) -> int:
    text = text.strip()
    return int(text) if text.isdigit() and 0 < len(text) <= 6 else 1


@require_GET
def centre_hall(request: HttpRequest) -> HttpResponse:
    """The hall: open now or not, the week's hours, announcements, amenities, windows by department."""
    return render(request, "disclosure/centre/hall.html", {"info": hall_public(now=clock_now())})


@require_GET
def centre_roster(request: HttpRequest) -> HttpResponse:
    """The leaders' duty days: the next one first, then the rest of the year; the past ones folded away."""
    today = clock_now().astimezone(CHINA_TZ).date()
    year_text = request.GET.get("year", "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    return render(
        request,
        "disclosure/centre/roster.html",
        {"roster": roster_public(today=today, year=year), "statuses": DUTY_STATUSES, "today": today},
    )


@require_GET
def centre_library(request: HttpRequest) -> HttpResponse:
    """The library's catalogue: search by title, author, ISBN or class; books or periodicals; on the shelf only."""
    q = request.GET.get("q", "").strip()[:200]
    kind = request.GET.get("kind", "").strip()[:20]
    available = request.GET.get("available", "") == "1"
    error, status = "", 200
    try:
        page = library_page(
            q=q,
            kind=kind or None,
            available_only=available,
            page=_page_number(request.GET.get("page", "1")),
            size=PAGE_SIZE,
        )
    except InvalidInput as exc:
        error, status = exc.message, 400
        page = library_page(page=1, size=PAGE_SIZE)

    def page_url(number: int) -> str:
        params = {"q": q, "kind": kind, "available": "1" if available else "", "page": number}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    context = {
        "page": page,
        "rows": [(title, LIBRARY_KINDS.get(title.kind, title.kind)) for title in page.items],
        "q": q,
        "kind": kind,
        "available": available,
        "kinds": list(LIBRARY_KINDS.items()),
        "error": error,
        "previous_url": page_url(page.page - 1) if page.has_previous else "",
        "next_url": page_url(page.page + 1) if page.has_next else "",
    }
    return render(request, "disclosure/centre/library.html", context, status=status)
