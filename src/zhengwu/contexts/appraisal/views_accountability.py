"""The accountability page of a round: the rules' outcomes with their statistical caveats.

The evaluator sees it at any time and applies the rules; city leaders see it once the round is
published; the officials authorised to find harm to key investment projects see a form per unit
to enter that finding with its evidence (the evaluator never does: 管评分离).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.appraisal import accountability as svc
from zhengwu.contexts.appraisal.access import APPRAISER
from zhengwu.contexts.appraisal.models import Round, Unit, UnitScore
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import PermissionDenied, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required

ANYONE = ()


def _round(code: str) -> Round:
    round = Round.objects.select_related("system").filter(code=code).first()
    if round is None:
        raise Http404(gettext("No such round."))
    return round


def _url(request: HttpRequest, round: Round) -> str:
    platform = getattr(request, "zw_platform", None) or "appraisal"
    return reverse(f"{platform}:appraisal:round_accountability", args=[round.code])


def _page(
    request: HttpRequest, actor: Actor, round: Round, *, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {"round": round, "error": error}
    try:
        context["outcomes"] = svc.outcomes_of(round=round, by=actor)
    except ZhengwuError as exc:
        return render(
            request, "appraisal/accountability/page.html", {**context, "error": exc}, status=refusal_status(exc)
        )
    may_flag = svc.harm_flag_may_enter(by=actor)
    flags = {f.unit_id: f for f in svc.harm_flags_of(round=round)}
    units = [s.unit for s in UnitScore.objects.filter(round=round).select_related("unit").order_by("kind", "rank")]
    context.update(
        readable=True,
        is_appraiser=actor.has_role(APPRAISER),
        may_flag=may_flag,
        show_flags=may_flag or actor.has_role(APPRAISER),
        unit_rows=[{"unit": u, "flag": flags.get(u.pk)} for u in units],
        rules=svc.accountability_rules(),
    )
    return render(request, "appraisal/accountability/page.html", context, status=status)


@require_GET
@roles_required(*ANYONE)
def round_accountability(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_for(user=request.user, request=request)
    return _page(request, actor, _round(code))


@require_POST
@roles_required(APPRAISER)
def round_accountability_apply(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_for(user=request.user, request=request)
    round = _round(code)
    try:
        outcomes = svc.accountability_apply(round=round, by=actor)
    except ZhengwuError as exc:
        return _page(request, actor, round, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Rules applied: %(n)d outcomes.") % {"n": len(outcomes)})
    return HttpResponseRedirect(_url(request, round))


@require_POST
@roles_required(*ANYONE)
def round_harm_flag(request: HttpRequest, code: str) -> HttpResponse:
    actor = actor_for(user=request.user, request=request)
    round = _round(code)
    try:
        if not svc.outcomes_may_read(round=round, by=actor):
            raise PermissionDenied("无权查看本轮问责结果", code="appraisal_outcomes_denied")
        unit = Unit.objects.filter(code=request.POST.get("unit", "")).first()
        if unit is None:
            raise Http404(gettext("No such unit."))
        svc.harm_flag_enter(round=round, unit=unit, evidence=request.POST.get("evidence", ""), by=actor)
    except ZhengwuError as exc:
        return _page(request, actor, round, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Finding recorded; the round's outcomes were worked out again."))
    return HttpResponseRedirect(_url(request, round))
