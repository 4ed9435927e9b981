"""Views every deployable has: the health check and the error pages.

Error pages say what went wrong in plain words and nothing more: no stack trace, no path of
a file, no SQL. Requests to an API get the API's error shape instead of a page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from zhengwu.kernel.clock import clock_now

logger = logging.getLogger(__name__)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the deployable answers and its database does too."""
    database = "ok"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # a health check reports, it never raises
        logger.exception("health check: database unavailable")
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "degraded",
            "deployable": settings.ZHENGWU_PLATFORM,
            "platforms": settings.ZHENGWU_PLATFORMS,
            "database": database,
            "time": clock_now().isoformat(),
        },
        status=status,
    )


def _is_api(request: HttpRequest) -> bool:
    return "/api/" in request.path_info


def _error(request: HttpRequest, *, status: int, code: str, message: str, template: str) -> HttpResponse:
    if _is_api(request):
        body: dict[str, Any] = {"code": code, "message": message, "detail": {}}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, template, {"message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        status=400,
        code="bad_request",
        message=_("The request could not be understood."),
        template="web/400.html",
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        status=403,
        code="permission_denied",
        message=_("You do not have permission to view this page."),
        template="web/403.html",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # The reason Django gives names cookie and referer checks: useful in logs, not to users.
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return _error(
        request,
        status=403,
        code="csrf_failed",
        message=_("The form has expired or was not sent from this site. Please reload the page and try again."),
        template="web/403.html",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        status=404,
        code="not_found",
        message=_("The page you asked for does not exist."),
        template="web/404.html",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Deliberately minimal: the error may have come from the database or a template.
    message = _("Something went wrong on our side. The error has been recorded; please try again later.")
    if _is_api(request):
        return JsonResponse(
            {"code": "internal_error", "message": message, "detail": {}},
            status=500,
            json_dumps_params={"ensure_ascii": False},
        )
    try:
        return render(request, "web/500.html", {"message": message}, status=500)
    except Exception:
        return HttpResponse(message, status=500, content_type="text/plain; charset=utf-8")
