"""Pages of a round's results: rankings with their uncertainty, and one unit's results over time.

The evaluator sees every scored round; leaders and units see published rounds only, and a unit's
users see their own unit's page only (``access.round_visible_to``). Nothing here shows a
response or a respondent: these pages read ``UnitScore`` and ``RoundResult`` rows only.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from zhengwu.contexts.appraisal.access import (
    APPRAISER,
    CITY_LEADER,
    UNIT_USER,
    actor_unit,
    round_visible_to,
    unit_results_readable,
)
from zhengwu.contexts.appraisal.models import Round, Unit, UnitScore
from zhengwu.contexts.appraisal.report_charts import RankPoint, ranking_chart
from zhengwu.contexts.appraisal.selectors import (
    round_results_rows,
    rounds_visible,
    unit_history,
)
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.platform.web.access import roles_required
from zhengwu.platform.web.exports import xlsx_response

RESULT_ROLES = (APPRAISER, CITY_LEADER, UNIT_USER)
RESULT_HEADERS = [
    "类型",
    "排名",
    "参评单位数",
    "编号",
    "单位",
    "样本量",
    "总分",
    "95%置信区间下限",
    "95%置信区间上限",
    "90%排名区间",
    "末位概率",
    "满意率",
    "差评率",
    "上季度",
    "变化",
    "变化显著",
]


def _round_for(request: HttpRequest, code: str) -> Round:
    round_ = Round.objects.select_related("system").filter(code=code).first()
    if round_ is None:
        raise Http404
    if not round_visible_to(round=round_, actor=actor_for(user=request.user, request=request)):
        raise PermissionDenied
    return round_


@roles_required(*RESULT_ROLES)
def round_results(request: HttpRequest, code: str) -> HttpResponse:
    """A round's rankings within each unit kind, with CIs, rank bands, P(last) and the change."""
    round_ = _round_for(request, code)
    actor = actor_for(user=request.user, request=request)
    rows = round_results_rows(round=round_)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            filename=f"评价结果-{round_.code}",
            sheet=round_.code,
            headers=RESULT_HEADERS,
            rows=[_export_row(score) for score in rows["scores"]],
        )
    for group in rows["kinds"]:
        group["chart"] = _ranking_chart(round_, group) if rows["result"] is not None else ""
    context: dict[str, Any] = {
        "round": round_,
        "result": rows["result"],
        "kinds": rows["kinds"],
        "own_unit": actor_unit(actor=actor),
        "is_appraiser": actor.has_role(APPRAISER),
    }
    return render(request, "appraisal/results/round.html", context)


def _ranking_chart(round_: Round, group: dict[str, Any]) -> str:
    """The kind's dot-and-whisker chart (the reports' own), drawn once per computation of the round."""
    result = round_.result
    key = f"appraisal:ranking:{round_.code}:{group['kind']}:{result.computed_at.timestamp()}"

    def draw() -> str:
        worst = max(s.rank for s in group["scores"])
        points = [
            RankPoint(s.unit.name, s.total, s.ci_low, s.ci_high, highlight=s.rank == worst) for s in group["scores"]
        ]
        return ranking_chart(points=points, title=f"{group['label']}得分及95%置信区间")

    chart = str(cache.get_or_set(key, draw, timeout=24 * 3600) or "")
    return chart


def _export_row(score: UnitScore) -> list[object]:
    return [
        score.unit.get_kind_display(),
        score.rank,
        score.of,
        score.unit.code,
        score.unit.name,
        score.n,
        round(score.total, 2),
        round(score.ci_low, 2),
        round(score.ci_high, 2),
        f"{score.rank_low}–{score.rank_high}",
        round(score.p_last, 3),
        round(score.satisfaction_rate, 3),
        round(score.negative_rate, 3),
        None if score.previous_total is None else round(score.previous_total, 2),
        None if score.change is None else round(score.change, 2),
        score.change_significant,
    ]


@roles_required(*RESULT_ROLES)
def unit_results(request: HttpRequest, code: str) -> HttpResponse:
    """One unit's results over the rounds its reader may see, category by category."""
    actor = actor_for(user=request.user, request=request)
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404
    if not unit_results_readable(unit=unit, actor=actor):
        raise PermissionDenied
    history = unit_history(unit=unit, published_only=not actor.has_role(APPRAISER))
    return render(request, "appraisal/results/unit.html", {"unit": unit, "history": history})


@roles_required(*RESULT_ROLES)
def my_unit(request: HttpRequest) -> HttpResponse:
    """A unit user's way to their own unit's page."""
    unit = actor_unit(actor=actor_for(user=request.user, request=request))
    if unit is None:
        raise PermissionDenied
    return HttpResponseRedirect(f"../units/{unit.code}/")


@roles_required(*RESULT_ROLES)
def results_index(request: HttpRequest) -> HttpResponse:
    """The rounds whose results the reader may see."""
    actor = actor_for(user=request.user, request=request)
    return render(request, "appraisal/results/index.html", {"rounds": rounds_visible(actor=actor)})
