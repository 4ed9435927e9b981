"""Scoring: answers → item points → indicator → category → unit total → city score.

Plain numpy over plain data; no database (appraisal-methods.md §2.1, §2.2, §2.8). The rules:

- **Items.** A rating5 answer "1".."5" scores ``system.scoring[level]`` points, a yes_no answer
  "yes" 100 and "no" 0. "na" (不了解/未办理), a missing answer or anything else is *missing*:
  it is left out of every denominator, never counted as zero. An item counts only for units of
  the kinds it applies to (``SystemDef.items_for``); an answer to an item the unit's
  questionnaire does not contain is ignored.
- **Indicator, per response**: the item-weighted mean of the response's answered items.
- **Indicator, per unit**: the mean over the unit's responses that answered it (each response
  counts once). With fewer than ``system.min_answers`` such responses the indicator is
  *suppressed*: not published and left out of the category (§2.8).
- **Objective indicators** (data, not survey): distance to frontier with the system's fixed
  goalposts, ``100·(worst − y)/(worst − best)`` clamped to [0, 100]; a unit without a value
  simply lacks the indicator.
- **Category**: the indicator-weighted mean over the indicators that apply to the unit's kind
  and have a score, the weights renormalised over those (§2.2).
- **Unit total**: the category-weighted mean over the categories that apply and have a score,
  renormalised likewise. A unit is *scored* only if at least one survey indicator is published:
  a unit without respondents is not ranked on objective data alone.
- **City score**: the unweighted mean of the unit totals ("every unit counts the same") or,
  by choice, their mean weighted by the units' numbers of responses.
- **满意率 / 差评率**: the share of a unit's rating5 answers at levels 4–5 / 1–2.

For the bootstrap (``stats.bootstrap_run``) the per-response indicator scores are computed once
(``scoring_prepare``); a resample of a unit's respondents is then a vector of counts, and every
indicator sum is a matrix product ``counts @ packed``. ``unit_aggregate`` turns such sums into
indicator, category and total scores, so the point estimate and every resample run exactly the
same pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from zhengwu.contexts.appraisal.system import SCORED_KINDS, SystemDef
from zhengwu.kernel.errors import InvalidInput

YES_POINTS = 100.0
NO_POINTS = 0.0
# Level codes of ``answers_encode``: 0 is missing; rating5 keeps its level 1..5; yes_no is 1 no, 2 yes.
MISSING = 0
CITY_WEIGHTINGS = ("unit", "respondent")

# Keyed by object: an answer is whatever JSON held, and anything but these strings is missing.
_RATING_CODES: dict[object, int] = {str(level): level for level in range(1, 6)}
_YES_NO_CODES: dict[object, int] = {"no": 1, "yes": 2}


@dataclass(frozen=True)
class UnitRef:
    """A unit as scoring sees it: its code and its kind ("centre" / "department")."""

    code: str
    kind: str


def scored_items(system: SystemDef) -> list[str]:
    """The names of the system's scored items (rating5, yes_no), in system order: the columns of a level matrix."""
    return [item.name for item in system.items if item.kind in SCORED_KINDS]


def answers_encode(*, system: SystemDef, answers: Sequence[Mapping[str, object]]) -> np.ndarray:
    """Encode answer dicts ({item name: "1".."5" | "yes" | "no" | "na" | …}) as an (n × J) int8 level matrix.

    Columns follow ``scored_items(system)``. Anything but a valid level is ``MISSING`` (0).
    """
    scored = [item for item in system.items if item.kind in SCORED_KINDS]
    tables = [(item.name, _RATING_CODES if item.kind == "rating5" else _YES_NO_CODES) for item in scored]
    levels = np.zeros((len(answers), len(scored)), dtype=np.int8)
    for i, response in enumerate(answers):
        get = response.get
        levels[i] = [table.get(get(name), MISSING) for name, table in tables]
    return levels


def dtf_score(*, value: float, worst: float, best: float) -> float:
    """Distance to frontier on fixed goalposts, clamped to [0, 100] (either direction: worst may be above best)."""
    return float(min(100.0, max(0.0, 100.0 * (worst - value) / (worst - best))))


@dataclass(frozen=True)
class Prepared:
    """Everything the scoring pipeline needs, computed once from the responses.

    Responses are held sorted by unit: unit ``u`` owns rows ``starts[u]:starts[u + 1]`` of
    ``packed`` and ``item_scores``. Indicator columns follow ``indicator_codes``; the survey
    indicators are the columns ``survey`` of the full (K-wide) layout.
    """

    units: tuple[UnitRef, ...]
    kinds: tuple[str, ...]  # the distinct unit kinds, in order of first appearance
    kind_index: np.ndarray  # (U,) index into ``kinds``
    indicator_codes: tuple[str, ...]  # (K,)
    category_codes: tuple[str, ...]  # (C,)
    item_names: tuple[str, ...]  # (J,) scored items
    survey: np.ndarray  # (Ks,) positions of the survey indicators among the K
    starts: np.ndarray  # (U + 1,) row offsets per unit
    # (n, 2·Ks): per-response indicator score (0 where unanswered) | 1.0 where answered.
    packed: np.ndarray
    item_scores: np.ndarray  # (n, J) item points, NaN = missing or not applicable
    response_kind: np.ndarray  # (n,) kind index of each (sorted) response
    item_category: np.ndarray  # (J,) category index of each scored item
    item_applicable: np.ndarray  # (kinds, J) bool
    applicable: np.ndarray  # (kinds, K) bool: the indicator and its category apply to the kind
    weights: np.ndarray  # (kinds, K, C): indicator weight where it belongs to the category and applies
    category_weights: np.ndarray  # (kinds, C): category weight where the category applies
    objective_scores: np.ndarray  # (U, K): DTF score of each objective indicator with a value, else NaN
    objective_values: np.ndarray  # (U, K): the raw value, else NaN
    rating_counts: np.ndarray  # (U, 3): rating5 answers, of them at levels 4–5, at levels 1–2
    min_answers: int

    @property
    def n(self) -> np.ndarray:
        """Responses per unit."""
        return np.diff(self.starts)


def scoring_prepare(
    *,
    system: SystemDef,
    units: Sequence[UnitRef],
    unit_index: Sequence[int] | np.ndarray,
    levels: np.ndarray,
    objective: Mapping[tuple[str, str], float] | None = None,
) -> Prepared:
    """Compute the per-response indicator scores once; the input of ``scores_compute`` and the bootstrap.

    ``unit_index[i]`` is the position in ``units`` of response ``i``; ``levels`` is its row of
    ``answers_encode``; ``objective`` maps (unit code, indicator code) to the indicator's value.
    """
    units = tuple(units)
    unit_index = np.asarray(unit_index, dtype=np.int64)
    n_units = len(units)
    if levels.ndim != 2 or levels.shape[0] != unit_index.shape[0]:
        raise InvalidInput("答卷矩阵与答卷所属评价对象的数量不一致", code="appraisal_scoring_shape")
    if unit_index.size and (unit_index.min() < 0 or unit_index.max() >= n_units):
        raise InvalidInput("答卷所属评价对象超出范围", code="appraisal_scoring_unit")
    items = [item for item in system.items if item.kind in SCORED_KINDS]
    if levels.shape[1] != len(items):
        raise InvalidInput("答卷矩阵的列数与计分题目不一致", code="appraisal_scoring_shape")

    kinds = tuple(dict.fromkeys(unit.kind for unit in units))
    kind_index = np.array([kinds.index(unit.kind) for unit in units], dtype=np.int64)
    indicator_codes = tuple(ind.code for ind in system.indicators)
    category_codes = tuple(cat.code for cat in system.categories)
    k_pos = {code: k for k, code in enumerate(indicator_codes)}
    c_pos = {code: c for c, code in enumerate(category_codes)}
    survey = np.array([k for k, ind in enumerate(system.indicators) if ind.source == "survey"], dtype=np.int64)
    s_pos = {int(k): s for s, k in enumerate(survey)}

    # Applicability per kind, of indicators (their own scope and their category's) and of items.
    applicable = np.zeros((len(kinds), len(indicator_codes)), dtype=bool)
    item_applicable = np.zeros((len(kinds), len(items)), dtype=bool)
    category_weights = np.zeros((len(kinds), len(category_codes)))
    weights = np.zeros((len(kinds), len(indicator_codes), len(category_codes)))
    for g, kind in enumerate(kinds):
        for c, cat in enumerate(system.categories):
            if cat.applies_to in ("all", kind):
                category_weights[g, c] = cat.weight
        for k, ind in enumerate(system.indicators):
            cat = system.category(ind.category)
            if ind.applies_to in ("all", kind) and cat.applies_to in ("all", kind):
                applicable[g, k] = True
                weights[g, k, c_pos[ind.category]] = ind.weight
        shown = {item.name for item in system.items_for(kind)}
        item_applicable[g] = [item.name in shown for item in items]

    # Item points, NaN where missing or not shown to the response's unit kind.
    order = np.argsort(unit_index, kind="stable")
    sorted_units = unit_index[order]
    starts = np.searchsorted(sorted_units, np.arange(n_units + 1)).astype(np.int64)
    response_kind = kind_index[sorted_units]
    lv = np.asarray(levels)[order].astype(np.int64)
    is_rating = np.array([item.kind == "rating5" for item in items], dtype=bool)
    rating_points = np.array([np.nan] + [system.scoring[str(level)] for level in range(1, 6)])
    yes_no_points = np.array([np.nan, NO_POINTS, YES_POINTS] + [np.nan] * 3)
    lv = np.where((lv >= 0) & (lv <= 5), lv, MISSING)
    lv = np.where(item_applicable[response_kind], lv, MISSING)
    item_scores = np.where(is_rating[None, :], rating_points[lv], yes_no_points[lv])

    # Per-response indicator score: item-weighted mean of the answered items (two matrix products).
    membership = np.zeros((len(items), len(survey)))
    for j, item in enumerate(items):
        membership[j, s_pos[k_pos[item.indicator]]] = item.weight
    answered_items = ~np.isnan(item_scores)
    numerator = np.where(answered_items, item_scores, 0.0) @ membership
    denominator = answered_items.astype(np.float64) @ membership
    answered = denominator > 0
    response_scores = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=answered)
    packed = np.ascontiguousarray(np.hstack([response_scores, answered.astype(np.float64)]))

    # Objective indicators, scored on their fixed goalposts.
    objective_scores = np.full((n_units, len(indicator_codes)), np.nan)
    objective_values = np.full((n_units, len(indicator_codes)), np.nan)
    u_pos = {unit.code: u for u, unit in enumerate(units)}
    for (unit_code, indicator_code), value in (objective or {}).items():
        if unit_code not in u_pos or indicator_code not in k_pos:
            continue  # a value for a unit outside the round or an indicator the system lacks
        u, k = u_pos[unit_code], k_pos[indicator_code]
        ind = system.indicators[k]
        if ind.source != "objective" or ind.worst is None or ind.best is None:
            continue
        objective_values[u, k] = float(value)
        objective_scores[u, k] = dtf_score(value=float(value), worst=ind.worst, best=ind.best)

    # 满意率 / 差评率 counts over the rating5 answers.
    rating_levels = np.where(is_rating[None, :], lv, MISSING)
    per_response = np.stack(
        [
            (rating_levels >= 1).sum(1),
            (rating_levels >= 4).sum(1),
            ((rating_levels >= 1) & (rating_levels <= 2)).sum(1),
        ],
        axis=1,
    ).astype(np.float64)
    rating_counts = np.zeros((n_units, 3))
    np.add.at(rating_counts, sorted_units, per_response)

    item_category = np.array([c_pos[system.indicators[k_pos[item.indicator]].category] for item in items])
    return Prepared(
        units=units,
        kinds=kinds,
        kind_index=kind_index,
        indicator_codes=indicator_codes,
        category_codes=category_codes,
        item_names=tuple(item.name for item in items),
        survey=survey,
        starts=starts,
        packed=packed,
        item_scores=item_scores,
        response_kind=response_kind,
        item_category=item_category,
        item_applicable=item_applicable,
        applicable=applicable,
        weights=weights,
        category_weights=category_weights,
        objective_scores=objective_scores,
        objective_values=objective_values,
        rating_counts=rating_counts,
        min_answers=max(1, int(system.min_answers)),
    )


@dataclass(frozen=True)
class Aggregate:
    """Scores of one unit from m sets of sums (m = 1 for the point estimate, B for a bootstrap chunk)."""

    indicators: np.ndarray  # (m, K) published indicator scores, NaN = suppressed / not applicable / no data
    answers: np.ndarray  # (m, Ks) responses that answered each survey indicator
    categories: np.ndarray  # (m, C)
    totals: np.ndarray  # (m,) NaN = not scored


def unit_aggregate(*, prepared: Prepared, unit: int, sums: np.ndarray) -> Aggregate:
    """Indicator → category → total for unit ``unit`` from (m × 2·Ks) sums of its ``packed`` rows.

    ``sums`` is ``counts @ packed[rows of unit]`` for m count vectors: all ones for the point
    estimate, multinomial counts for bootstrap resamples. The same code serves both.
    """
    ks = prepared.survey.shape[0]
    value_sums, answers = sums[:, :ks], sums[:, ks:]
    g = int(prepared.kind_index[unit])
    applicable = prepared.applicable[g]
    published = answers >= prepared.min_answers
    indicators = np.empty((sums.shape[0], len(prepared.indicator_codes)))
    indicators[:] = prepared.objective_scores[unit]
    indicators[:, prepared.survey] = np.divide(
        value_sums, answers, out=np.full_like(value_sums, np.nan), where=published
    )
    available = ~np.isnan(indicators) & applicable
    indicators = np.where(available, indicators, np.nan)
    weights = prepared.weights[g]
    numerator = np.where(available, indicators, 0.0) @ weights
    denominator = available.astype(np.float64) @ weights
    categories = np.divide(numerator, denominator, out=np.full_like(numerator, np.nan), where=denominator > 0)
    has_category = ~np.isnan(categories)
    category_weights = prepared.category_weights[g]
    total_numerator = np.where(has_category, categories, 0.0) @ category_weights
    total_denominator = has_category.astype(np.float64) @ category_weights
    has_survey = available[:, prepared.survey].any(axis=1)
    scored = has_survey & (total_denominator > 0)
    totals = np.divide(total_numerator, total_denominator, out=np.full_like(total_numerator, np.nan), where=scored)
    return Aggregate(indicators=indicators, answers=answers, categories=categories, totals=totals)


def city_score_compute(*, totals: np.ndarray, n: np.ndarray, weighting: str = "unit") -> np.ndarray | float:
    """The city score from unit totals along the last axis (NaN totals left out).

    ``weighting="unit"``: every scored unit counts the same; ``"respondent"``: each unit counts
    with its number of responses ``n``.
    """
    if weighting not in CITY_WEIGHTINGS:
        raise InvalidInput("全市得分的加权方式无效（unit / respondent）", code="appraisal_city_weighting")
    scored = ~np.isnan(totals)
    w = np.broadcast_to(
        np.ones_like(n, dtype=np.float64) if weighting == "unit" else n.astype(np.float64), totals.shape
    )
    w = np.where(scored, w, 0.0)
    numerator = (np.where(scored, totals, 0.0) * w).sum(axis=-1)
    denominator = w.sum(axis=-1)
    out = np.divide(numerator, denominator, out=np.full_like(numerator, np.nan), where=denominator > 0)
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class Scores:
    """The point estimates of a round (rows follow ``prepared.units``)."""

    totals: np.ndarray  # (U,) NaN = not scored
    categories: np.ndarray  # (U, C)
    category_n: np.ndarray  # (U, C) responses that answered at least one indicator of the category
    indicators: np.ndarray  # (U, K) published scores
    indicator_n: np.ndarray  # (U, K) responses that answered each survey indicator (0 for objective ones)
    suppressed: dict[str, list[str]]  # unit code → applicable survey indicators under min_answers
    objective_missing: dict[str, list[str]]  # unit code → applicable objective indicators without a value
    unscored: dict[str, str]  # unit code → "no_responses" | "too_few_answers"
    n: np.ndarray  # (U,) responses
    satisfaction_rate: np.ndarray  # (U,) share of rating5 answers at 4–5, NaN without answers
    negative_rate: np.ndarray  # (U,) share at 1–2
    city_score: float
    city_weighting: str


def scores_compute(*, prepared: Prepared, city_weighting: str = "unit") -> Scores:
    """The round's point estimates: every unit's indicators, categories and total, and the city score."""
    n_units, n_ind, n_cat = len(prepared.units), len(prepared.indicator_codes), len(prepared.category_codes)
    totals = np.full(n_units, np.nan)
    categories = np.full((n_units, n_cat), np.nan)
    category_n = np.zeros((n_units, n_cat), dtype=np.int64)
    indicators = np.full((n_units, n_ind), np.nan)
    indicator_n = np.zeros((n_units, n_ind), dtype=np.int64)
    suppressed: dict[str, list[str]] = {}
    objective_missing: dict[str, list[str]] = {}
    unscored: dict[str, str] = {}
    ks = prepared.survey.shape[0]
    # Which category each survey indicator belongs to (any kind: membership does not depend on it).
    survey_category = (prepared.weights.sum(axis=0)[prepared.survey] > 0).astype(np.float64)
    objective_cols = np.setdiff1d(np.arange(n_ind), prepared.survey)
    for u, unit in enumerate(prepared.units):
        rows = prepared.packed[prepared.starts[u] : prepared.starts[u + 1]]
        agg = unit_aggregate(prepared=prepared, unit=u, sums=rows.sum(axis=0, keepdims=True))
        totals[u] = agg.totals[0]
        categories[u] = agg.categories[0]
        indicators[u] = agg.indicators[0]
        indicator_n[u, prepared.survey] = agg.answers[0].astype(np.int64)
        category_n[u] = ((rows[:, ks:] @ survey_category) > 0).sum(axis=0)
        applicable = prepared.applicable[prepared.kind_index[u]]
        low = [
            prepared.indicator_codes[k]
            for s, k in enumerate(prepared.survey)
            if applicable[k] and agg.answers[0, s] < prepared.min_answers
        ]
        if low and rows.shape[0]:
            suppressed[unit.code] = low
        missing = [
            prepared.indicator_codes[k]
            for k in objective_cols
            if applicable[k] and np.isnan(prepared.objective_scores[u, k])
        ]
        if missing:
            objective_missing[unit.code] = missing
        if np.isnan(totals[u]):
            unscored[unit.code] = "no_responses" if rows.shape[0] == 0 else "too_few_answers"
    answered, top, bottom = prepared.rating_counts.T
    with np.errstate(invalid="ignore", divide="ignore"):
        satisfaction = np.where(answered > 0, top / answered, np.nan)
        negative = np.where(answered > 0, bottom / answered, np.nan)
    n = prepared.n
    city = city_score_compute(totals=totals, n=n, weighting=city_weighting)
    return Scores(
        totals=totals,
        categories=categories,
        category_n=category_n,
        indicators=indicators,
        indicator_n=indicator_n,
        suppressed=suppressed,
        objective_missing=objective_missing,
        unscored=unscored,
        n=n,
        satisfaction_rate=satisfaction,
        negative_rate=negative,
        city_score=float(city),
        city_weighting=city_weighting,
    )
