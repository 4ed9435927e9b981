"""A round's results: computing them (the evaluator's service) and reading them back.

``round_results_compute`` reads the accepted responses and the objective values, runs the
scoring (``scoring``) and the statistics (``stats``) and stores one ``RoundResult`` and one
``UnitScore`` per scored unit. Everything a reader needs to know about *how* the figures were
made — the scoring map, the aggregation and city-score choices, suppressed indicators,
excluded responses — is stated in ``RoundResult.details``.

Conventions of the stored rows:

- scores are on the 100-point scale; ``satisfaction_rate``/``negative_rate`` are shares in
  [0, 1] (0.0 for a unit without rating answers);
- ``ci_low``/``ci_high`` are 95 % percentile bootstrap intervals; ``rank_low``/``rank_high`` the
  90 % bootstrap rank interval; ranks are within the unit's kind, 1 = best, ties share the
  better rank; ``p_last``/``p_bottom3`` are shares of bootstrap draws;
- ``change_significant`` is the Benjamini–Hochberg decision (q = 0.05) over the units that have
  a previous total; ``change_p`` the unadjusted two-sided p-value;
- ``UnitScore.categories`` = {code: {"score", "n"}} and ``UnitScore.indicators`` =
  {code: {"score", "n", "suppressed"}} (objective ones: {"score", "value", "source": "objective"})
  for the categories and indicators that apply to the unit's kind; a score is None when not
  published.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction

from zhengwu.contexts.appraisal.access import appraiser_require
from zhengwu.contexts.appraisal.models import ObjectiveValue, Response, Round, RoundResult, RoundUnit, Unit, UnitScore
from zhengwu.contexts.appraisal.scoring import (
    NO_POINTS,
    YES_POINTS,
    Prepared,
    Scores,
    UnitRef,
    answers_encode,
    scores_compute,
    scoring_prepare,
)
from zhengwu.contexts.appraisal.stats import (
    RankStats,
    benjamini_hochberg,
    bootstrap_run,
    bootstrap_se,
    category_reliability,
    change_test,
    ci_percentile,
    last_check,
    rank_stats_compute,
    ranks_compute,
)
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.platform.audit.services import audit_append

USED_QC = (Response.Qc.CLEAN, Response.Qc.ACCEPTED)
SCORABLE_STATUSES = (Round.Status.CLOSED, Round.Status.SCORED)
BOOTSTRAP_MIN, BOOTSTRAP_MAX = 100, 20_000
FDR_Q = 0.05
CI_LEVEL = 0.95
RANK_INTERVAL = 0.90
BOTTOM = 3


def _num(value: float | np.floating[Any]) -> float | None:
    """A float for JSON: NaN (not publishable) becomes None."""
    value = float(value)
    return None if math.isnan(value) else value


def round_results_compute(
    *,
    round: Round,
    by: Actor,
    bootstrap: int = 2000,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    city_weighting: str = "unit",
) -> RoundResult:
    """Score a closed round: unit totals, ranks within kind, bootstrap uncertainty, change, reliability.

    Only the third-party evaluator may do it, on a round that is ``closed`` or already
    ``scored`` (recomputing replaces the results until the round is published). Only responses
    whose QC status is clean or accepted count; flagged and rejected ones are counted in
    ``responses_excluded`` and in the details, never silently dropped. The round's units are
    its ``RoundUnit`` rows (all active units if it has none); a unit without usable answers gets
    no ``UnitScore`` and is listed in ``details["unscored"]``. ``seed`` makes the bootstrap
    reproducible (a random one is drawn and stored otherwise); ``progress(done, bootstrap)``
    reports the resamples. ``city_weighting`` is "unit" (every unit counts the same, the
    default) or "respondent". The round becomes ``scored``; one audit entry.
    """
    appraiser_require(by=by)
    if not BOOTSTRAP_MIN <= bootstrap <= BOOTSTRAP_MAX:
        raise InvalidInput(
            f"自助法重抽样次数须在 {BOOTSTRAP_MIN} 至 {BOOTSTRAP_MAX} 之间",
            code="appraisal_bootstrap_range",
            detail={"bootstrap": bootstrap},
        )
    if city_weighting not in ("unit", "respondent"):
        raise InvalidInput("全市得分的加权方式无效（unit / respondent）", code="appraisal_city_weighting")
    if seed is None:
        seed = secrets.randbits(62)
    if not 0 <= seed < 2**63:
        raise InvalidInput("随机种子须为非负整数", code="appraisal_seed")

    with transaction.atomic():
        # The lock keeps a concurrent publication (or a second computation) out until we commit.
        locked = Round.objects.select_for_update().select_related("system").get(pk=round.pk)
        if locked.status == Round.Status.PUBLISHED:
            raise Conflict("本轮结果已发布，不能重新计分", code="appraisal_round_published")
        if locked.status not in SCORABLE_STATUSES:
            raise Conflict("调查结束后才能计分", code="appraisal_round_not_closed", detail={"status": locked.status})
        before_status = locked.status
        system = system_def(system=locked.system)

        inputs = _inputs_read(round=locked)
        units, used_unit, excluded = inputs.units, inputs.unit_index, inputs.excluded
        refs = [UnitRef(unit.code, unit.kind) for unit in units]
        prepared = scoring_prepare(
            system=system,
            units=refs,
            unit_index=np.asarray(used_unit, dtype=np.int64),
            levels=answers_encode(system=system, answers=inputs.answers),
            objective=inputs.objective,
        )
        scores = scores_compute(prepared=prepared, city_weighting=city_weighting)
        scored = [u for u in range(len(units)) if not math.isnan(scores.totals[u])]
        if not scored:
            raise Conflict(
                "本轮没有可计分的评价对象（无有效答卷或作答数不足）",
                code="appraisal_round_nothing_to_score",
                detail={"responses_used": len(used_unit), "responses_excluded": sum(excluded.values())},
            )
        boot = bootstrap_run(
            prepared=prepared,
            resamples=bootstrap,
            rng=np.random.default_rng(seed),
            city_weighting=city_weighting,
            progress=progress,
        )
        kinds = [unit.kind for unit in units]
        ranks = ranks_compute(totals=scores.totals, groups=kinds)
        rank_stats = rank_stats_compute(totals=boot.totals, groups=kinds, interval=RANK_INTERVAL, bottom=BOTTOM)
        ci_low, ci_high = ci_percentile(boot.totals, level=CI_LEVEL)
        se = bootstrap_se(boot.totals)
        city_low, city_high = ci_percentile(boot.city, level=CI_LEVEL)
        city_se = float(bootstrap_se(boot.city[:, None])[0])

        previous = (
            Round.objects.filter(period_end__lt=locked.period_start, result__isnull=False)
            .exclude(pk=locked.pk)
            .select_related("result", "system")
            .order_by("-period_end", "-period_start")
            .first()
        )
        change = _changes(previous=previous, units=units, scored=scored, scores=scores, se=se)
        city_change = None
        if previous is not None:
            prev_result = previous.result
            prev_city_se = _previous_se(
                prev_result.details.get("city_se"), prev_result.city_ci_low, prev_result.city_ci_high
            )
            test = change_test(
                current=scores.city_score, current_se=city_se, previous=prev_result.city_score, previous_se=prev_city_se
            )
            city_change = {"difference": _num(test.difference), "z": _num(test.z), "p": _num(test.p)}

        last = _last_by_kind(
            units=units, scored=scored, totals=scores.totals, ci=(ci_low, ci_high), p_last=rank_stats.p_last
        )

        details = {
            "system": {"code": locked.system.code, "version": locked.system.version, "digest": locked.system.digest},
            "scoring_map": dict(system.scoring),
            "yes_no_points": {"yes": YES_POINTS, "no": NO_POINTS},
            "missing": "“na”/未作答计为缺失，不计入分母，从不计为0分",
            "aggregation": (
                "题目→指标：题目权重加权平均（仅已作答题目）；指标→单位：作答者平均；"
                "类别与总分：适用且有分的指标/类别权重重新归一后加权平均"
            ),
            "objective": "客观指标按固定最差/最优值线性折算（DTF），截断到0–100",
            "min_answers": prepared.min_answers,
            "city_weighting": city_weighting,
            "ranking": "按评价对象类型分别排名，1为最好，并列取较好名次",
            "bootstrap": {
                "resamples": bootstrap,
                "seed": seed,
                "method": "按评价对象分层、单位内有放回重抽作答者，全流程重算",
                "ci_level": CI_LEVEL,
                "rank_interval": RANK_INTERVAL,
            },
            "change_test": "z = 差值 / √(本期SE² + 上期SE²)，双侧；Benjamini–Hochberg，q = 0.05",
            "previous_round": previous.code if previous is not None else None,
            "previous_same_system": None if previous is None else previous.system.digest == locked.system.digest,
            "city_change": city_change,
            "city_se": _num(city_se),
            "bootstrap_se": {units[u].code: _num(se[u]) for u in scored},
            "suppressed": scores.suppressed,
            "objective_missing": scores.objective_missing,
            "unscored": [
                {"unit": unit.code, "reason": scores.unscored[unit.code], "responses": int(scores.n[u])}
                for u, unit in enumerate(units)
                if unit.code in scores.unscored
            ],
            "excluded": {
                "flagged": excluded[Response.Qc.FLAGGED],
                "rejected": excluded[Response.Qc.REJECTED],
                "by_unit": {code: dict(counts) for code, counts in sorted(inputs.excluded_by_unit.items())},
            },
            "responses_outside_round_units": inputs.outside,
            "last": last,
        }

        UnitScore.objects.filter(round=locked).delete()
        RoundResult.objects.filter(round=locked).delete()
        result = RoundResult.objects.create(
            round=locked,
            city_score=scores.city_score,
            city_ci_low=float(city_low),
            city_ci_high=float(city_high),
            previous_city_score=previous.result.city_score if previous is not None else None,
            responses_used=len(used_unit),
            responses_excluded=sum(excluded.values()),
            bootstrap=bootstrap,
            seed=seed,
            reliability=category_reliability(prepared=prepared),
            details=details,
            computed_at=clock_now(),
        )
        of = Counter(kinds[u] for u in scored)
        UnitScore.objects.bulk_create(
            [
                _unit_score(
                    round=locked,
                    unit=units[u],
                    u=u,
                    prepared=prepared,
                    scores=scores,
                    rank=int(ranks[u]),
                    of=of[kinds[u]],
                    rank_stats=rank_stats,
                    ci=(float(ci_low[u]), float(ci_high[u])),
                    change=change.get(u),
                )
                for u in scored
            ]
        )
        locked.status = Round.Status.SCORED
        locked.save(update_fields=["status"])
        audit_append(
            actor=by,
            action="appraisal.round.score",
            object_type="appraisal.round",
            object_id=locked.code,
            before={"status": before_status},
            after={
                "status": Round.Status.SCORED,
                # The audit chain hashes canonical JSON, which has no floats: scores go as text.
                "city_score": f"{scores.city_score:.4f}",
                "units_scored": len(scored),
                "units_unscored": len(units) - len(scored),
                "responses_used": len(used_unit),
                "responses_excluded": sum(excluded.values()),
                "bootstrap": bootstrap,
                "seed": seed,
                "previous_round": previous.code if previous is not None else None,
            },
        )
    round.status = Round.Status.SCORED
    return result


@dataclass
class _Inputs:
    units: list[Unit]
    unit_index: list[int]  # per usable response, its unit's position in ``units``
    answers: list[dict[str, Any]]
    objective: dict[tuple[str, str], float]
    excluded: Counter[str] = field(default_factory=Counter)  # by QC status
    excluded_by_unit: dict[str, Counter[str]] = field(default_factory=dict)
    outside: int = 0  # responses about units that are not in the round


def _inputs_read(*, round: Round) -> _Inputs:
    """The round's units, its usable responses (QC clean or accepted), the excluded counts and objective values."""
    units = [ru.unit for ru in RoundUnit.objects.filter(round=round).select_related("unit")]
    if not units:
        units = list(Unit.objects.filter(active=True))
    position = {unit.pk: i for i, unit in enumerate(units)}
    objective = {
        (units[position[unit_id]].code, code): value
        for unit_id, code, value in ObjectiveValue.objects.filter(round=round).values_list(
            "unit_id", "indicator_code", "value"
        )
        if unit_id in position
    }
    inputs = _Inputs(units=units, unit_index=[], answers=[], objective=objective)
    rows = Response.objects.filter(round=round).order_by("pk").values_list("unit_id", "qc_status", "answers")
    for unit_id, qc_status, answers in rows.iterator(chunk_size=2000):
        if unit_id not in position:
            inputs.outside += 1
        elif qc_status in USED_QC:
            inputs.unit_index.append(position[unit_id])
            inputs.answers.append(answers if isinstance(answers, dict) else {})
        else:
            inputs.excluded[qc_status] += 1
            inputs.excluded_by_unit.setdefault(units[position[unit_id]].code, Counter())[qc_status] += 1
    return inputs


def _last_by_kind(
    *, units: list[Unit], scored: list[int], totals: np.ndarray, ci: tuple[np.ndarray, np.ndarray], p_last: np.ndarray
) -> dict[str, dict[str, Any]]:
    """Per kind: the last unit, the next one up, and whether their 95 % intervals are apart (for accountability)."""
    last: dict[str, dict[str, Any]] = {}
    for kind in dict.fromkeys(unit.kind for unit in units):
        members = [u for u in scored if units[u].kind == kind]
        check = last_check(
            codes=[units[u].code for u in members],
            totals=[float(totals[u]) for u in members],
            ci_low=[float(ci[0][u]) for u in members],
            ci_high=[float(ci[1][u]) for u in members],
            p_last=[float(p_last[u]) for u in members],
        )
        if check is not None:
            last[kind] = {
                "unit": check.last,
                "next": check.next,
                "distinguishable": check.distinguishable,
                "p_last": check.p_last,
                "last_ci_high": check.last_ci_high,
                "next_ci_low": check.next_ci_low,
            }
    return last


def _previous_se(stored: Any, ci_low: float, ci_high: float) -> float:
    """A previous round's bootstrap SE: as stored, else read back from its 95 % interval (width / 3.92)."""
    if isinstance(stored, int | float) and math.isfinite(stored):
        return float(stored)
    return (ci_high - ci_low) / (2 * 1.959964)


def _changes(
    *, previous: Round | None, units: list[Unit], scored: list[int], scores: Scores, se: np.ndarray
) -> dict[int, dict[str, Any]]:
    """Change against the previous round per scored unit, with the BH decision across units."""
    if previous is None:
        return {}
    stored_se = previous.result.details.get("bootstrap_se") or {}
    before = {s.unit_id: s for s in UnitScore.objects.filter(round=previous)}
    tested: list[tuple[int, Any, float, float]] = []  # (u, previous row, difference, p)
    for u in scored:
        prev = before.get(units[u].pk)
        if prev is None:
            continue
        prev_se = _previous_se(stored_se.get(units[u].code), prev.ci_low, prev.ci_high)
        test = change_test(
            current=float(scores.totals[u]), current_se=float(se[u]), previous=prev.total, previous_se=prev_se
        )
        tested.append((u, prev, test.difference, test.p))
    reject, _ = benjamini_hochberg([p for _, _, _, p in tested], q=FDR_Q)
    return {
        u: {"previous_total": prev.total, "change": difference, "change_p": _num(p), "significant": bool(reject[i])}
        for i, (u, prev, difference, p) in enumerate(tested)
    }


def _unit_score(
    *,
    round: Round,
    unit: Unit,
    u: int,
    prepared: Prepared,
    scores: Scores,
    rank: int,
    of: int,
    rank_stats: RankStats,
    ci: tuple[float, float],
    change: dict[str, Any] | None,
) -> UnitScore:
    g = prepared.kind_index[u]
    survey = set(prepared.survey.tolist())
    suppressed = set(scores.suppressed.get(unit.code, ()))
    indicators: dict[str, dict[str, Any]] = {}
    for k, code in enumerate(prepared.indicator_codes):
        if not prepared.applicable[g, k]:
            continue
        if k in survey:
            indicators[code] = {
                "score": _num(scores.indicators[u, k]),
                "n": int(scores.indicator_n[u, k]),
                "suppressed": code in suppressed,
            }
        else:
            indicators[code] = {
                "score": _num(scores.indicators[u, k]),
                "value": _num(prepared.objective_values[u, k]),
                "source": "objective",
            }
    categories = {
        code: {"score": _num(scores.categories[u, c]), "n": int(scores.category_n[u, c])}
        for c, code in enumerate(prepared.category_codes)
        if prepared.category_weights[g, c] > 0
    }

    def share(value: float, fallback: float) -> float:
        return fallback if math.isnan(value) else float(value)

    return UnitScore(
        round=round,
        unit=unit,
        kind=unit.kind,
        n=int(scores.n[u]),
        total=float(scores.totals[u]),
        ci_low=ci[0],
        ci_high=ci[1],
        rank=rank,
        of=of,
        # A scored unit is scored in (nearly) every draw; the point rank stands in if it never was.
        median_rank=share(rank_stats.median[u], rank),
        rank_low=int(share(rank_stats.low[u], rank)),
        rank_high=int(share(rank_stats.high[u], rank)),
        p_last=share(rank_stats.p_last[u], 0.0),
        p_bottom3=share(rank_stats.p_bottom[u], 0.0),
        satisfaction_rate=share(scores.satisfaction_rate[u], 0.0),
        negative_rate=share(scores.negative_rate[u], 0.0),
        previous_total=change["previous_total"] if change else None,
        change=change["change"] if change else None,
        change_p=change["change_p"] if change else None,
        change_significant=bool(change and change["significant"]),
        categories=categories,
        indicators=indicators,
    )


# --- selectors -------------------------------------------------------------------------------------


def round_result_get(*, round: Round) -> RoundResult | None:
    """The round's stored result, or None before it is scored.

    Callers check visibility first (``access.round_visible_to``): before publication only the evaluator may read it.
    """
    return RoundResult.objects.filter(round=round).first()


def unit_scores_list(*, round: Round, kind: str | None = None) -> list[UnitScore]:
    """The round's unit scores, by kind then rank (1 = best), optionally of one kind. Callers check visibility."""
    rows = UnitScore.objects.filter(round=round).select_related("unit").order_by("kind", "rank", "unit__code")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)
