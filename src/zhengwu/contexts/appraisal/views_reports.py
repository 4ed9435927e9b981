"""The quarterly reports of a round: the list each reader may download, the build button for the
evaluator, and the download itself — written to the audit log every time (the distribution log).
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.appraisal import reports as svc
from zhengwu.contexts.appraisal.access import APPRAISER
from zhengwu.contexts.appraisal.models import ReportFile, Round, UnitScore
from zhengwu.contexts.appraisal.tasks import appraisal_reports_build
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.errors import NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required

ANYONE = ()


def _round(code: str) -> Round:
    round = Round.objects.filter(code=code).first()
    if round is None:
        raise Http404(gettext("No such round."))
    return round


def _url(request: HttpRequest, round: Round) -> str:
    platform = getattr(request, "zw_platform", None) or "appraisal"
    return reverse(f"{platform}:appraisal:round_reports", args=[round.code])


@require_GET
@roles_required(*ANYONE)
def round_reports(request: HttpRequest, code: str) -> HttpResponse:
    """The reports of the round that the reader may download (none before publication but for the evaluator)."""
    actor = actor_for(user=request.user, request=request)
    round = _round(code)
    reports = svc.reports_visible(round=round, by=actor)
    return render(
        request,
        "appraisal/reports/list.html",
        {
            "round": round,
            "reports": reports,
            "is_appraiser": actor.has_role(APPRAISER),
            "buildable": round.status in (Round.Status.SCORED, Round.Status.PUBLISHED),
            # The job's state as the evaluator sees it: reports built so far of those the round needs.
            "built": len(reports),
            "expected": 1 + UnitScore.objects.filter(round=round).count(),
        },
    )


@require_POST
@roles_required(APPRAISER)
def round_reports_build(request: HttpRequest, code: str) -> HttpResponse:
    """Queue the building of every report of the round (the worker renders them)."""
    actor = actor_for(user=request.user, request=request)
    round = _round(code)
    try:
        svc.reports_build_check(round=round, by=actor)
    except ZhengwuError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_url(request, round))
    appraisal_reports_build(round.pk, actor)
    messages.success(request, gettext("The reports are being built; reload this page in a minute."))
    return HttpResponseRedirect(_url(request, round))


@require_GET
@roles_required(*ANYONE)
def report_pdf(request: HttpRequest, code: str, report_id: int) -> HttpResponse:
    actor = actor_for(user=request.user, request=request)
    round = _round(code)
    try:
        report = svc.report_download(round=round, report_id=report_id, by=actor)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ZhengwuError as exc:
        context = {"round": round, "reports": [], "error": exc, "is_appraiser": False}
        return render(request, "appraisal/reports/list.html", context, status=refusal_status(exc))
    name = (
        f"政务要情参阅-{round.code}.pdf"
        if report.kind == ReportFile.Kind.LEADERS
        else f"一把手必读-{round.code}-{report.unit.name if report.unit else ''}.pdf"
    )
    response = HttpResponse(bytes(report.content), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename=\"report-{report.pk}.pdf\"; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-SHA256"] = report.sha256
    return response
