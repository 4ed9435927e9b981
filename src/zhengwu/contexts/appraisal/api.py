"""The appraisal's read API, mounted at ``/appraisal/api/appraisal/``: published results as data.

For the city's dashboards and the units' own systems: the rounds the caller may read, a round's
ranking with its uncertainty, and one unit's results over time. The same rules as the pages
(``access.round_visible_to``): the evaluator reads every scored round; leaders and units read
published rounds; a unit's users read only their own unit's history. Nothing here returns a
response or a respondent. Errors are ``{code, message, detail}`` with stable codes.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from zhengwu.contexts.appraisal.access import (
    APPRAISER,
    CITY_LEADER,
    actor_unit,
    round_visible_to,
    unit_results_readable,
)
from zhengwu.contexts.appraisal.models import Round, Unit, UnitScore
from zhengwu.contexts.appraisal.selectors import round_results_rows, rounds_visible, unit_history
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import NotFound, PermissionDenied


class RoundOut(Schema):
    code: str
    title: str
    status: str
    period_start: str
    period_end: str
    city_score: float | None


class UnitScoreOut(Schema):
    unit_code: str
    unit_name: str
    kind: str
    n: int
    total: float
    ci_low: float
    ci_high: float
    rank: int
    of: int
    rank_low: int
    rank_high: int
    p_last: float
    satisfaction_rate: float
    negative_rate: float
    previous_total: float | None
    change: float | None
    change_significant: bool


class RoundResultsOut(Schema):
    round: RoundOut
    city_score: float
    city_ci_low: float
    city_ci_high: float
    previous_city_score: float | None
    responses_used: int
    responses_excluded: int
    units: list[UnitScoreOut]


class CategoryOut(Schema):
    code: str
    name: str
    score: float | None
    kind_average: float | None


class UnitRoundOut(Schema):
    round: str
    score: UnitScoreOut
    categories: list[CategoryOut]


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _round_out(round_: Round) -> RoundOut:
    result = getattr(round_, "result", None)
    return RoundOut(
        code=round_.code,
        title=round_.title,
        status=round_.status,
        period_start=round_.period_start.isoformat(),
        period_end=round_.period_end.isoformat(),
        city_score=None if result is None else round(result.city_score, 2),
    )


def _score_out(score: UnitScore) -> UnitScoreOut:
    return UnitScoreOut(
        unit_code=score.unit.code,
        unit_name=score.unit.name,
        kind=score.kind,
        n=score.n,
        total=round(score.total, 2),
        ci_low=round(score.ci_low, 2),
        ci_high=round(score.ci_high, 2),
        rank=score.rank,
        of=score.of,
        rank_low=score.rank_low,
        rank_high=score.rank_high,
        p_last=round(score.p_last, 4),
        satisfaction_rate=round(score.satisfaction_rate, 4),
        negative_rate=round(score.negative_rate, 4),
        previous_total=None if score.previous_total is None else round(score.previous_total, 2),
        change=None if score.change is None else round(score.change, 2),
        change_significant=score.change_significant,
    )


def router_build(*, platform: str) -> Router | None:
    """The results API (appraisal platform only)."""
    if platform != "appraisal":
        return None
    router = Router(tags=["appraisal"], auth=django_auth)

    @router.get("/rounds", response=list[RoundOut], summary="The rounds whose results the caller may read")
    def rounds(request: HttpRequest) -> list[RoundOut]:
        actor = _actor(request)
        if not (actor.has_role(APPRAISER, CITY_LEADER) or actor_unit(actor=actor) is not None):
            raise PermissionDenied(
                "只有第三方评价机构、市领导和参评单位可以查看评价结果", code="appraisal_results_roles"
            )
        return [_round_out(r) for r in rounds_visible(actor=actor)]

    @router.get("/rounds/{code}/results", response=RoundResultsOut, summary="A round's ranking with its uncertainty")
    def round_results(request: HttpRequest, code: str) -> RoundResultsOut:
        actor = _actor(request)
        round_ = Round.objects.filter(code=code).select_related("result").first()
        if round_ is None:
            raise NotFound(f"轮次{code}不存在", code="appraisal_round_not_found", detail={"code": code})
        rows = round_results_rows(round=round_)
        if rows["result"] is None or not round_visible_to(round=round_, actor=actor):
            raise PermissionDenied("本轮结果尚未发布", code="appraisal_results_not_published", detail={"code": code})
        result = rows["result"]
        return RoundResultsOut(
            round=_round_out(round_),
            city_score=round(result.city_score, 2),
            city_ci_low=round(result.city_ci_low, 2),
            city_ci_high=round(result.city_ci_high, 2),
            previous_city_score=None if result.previous_city_score is None else round(result.previous_city_score, 2),
            responses_used=result.responses_used,
            responses_excluded=result.responses_excluded,
            units=[_score_out(s) for s in rows["scores"]],
        )

    @router.get("/units/{code}/results", response=list[UnitRoundOut], summary="One unit's results over the rounds")
    def unit_results(request: HttpRequest, code: str) -> list[UnitRoundOut]:
        actor = _actor(request)
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise NotFound(f"评价对象{code}不存在", code="appraisal_unit_not_found", detail={"code": code})
        if not unit_results_readable(unit=unit, actor=actor):
            raise PermissionDenied("只能查看本单位的评价结果", code="appraisal_unit_not_yours", detail={"code": code})
        history = unit_history(unit=unit, published_only=not actor.has_role(APPRAISER))
        return [
            UnitRoundOut(
                round=entry["round"].code,
                score=_score_out(entry["score"]),
                categories=[
                    CategoryOut(
                        code=c["code"],
                        name=c["name"],
                        score=None if c["score"] is None else round(c["score"], 2),
                        kind_average=None if c["kind_average"] is None else round(c["kind_average"], 2),
                    )
                    for c in entry["categories"]
                ],
            )
            for entry in history
        ]

    return router
