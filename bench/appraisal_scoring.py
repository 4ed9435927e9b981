"""Scoring a quarter of the service appraisal, against a plain numpy pass over the same answers.

A generated round (seeded): 74 units (40 centres, 34 departments), a system of 18 categories and
151 indicators (one survey item each, a few objective indicators, some categories and indicators
for one kind of unit only), 30,000 responses with per-unit true levels, respondent and item
noise and about 10 % "na" answers.

Measured, each the best of ``--repeat``:

- floor: one plain numpy pass, the unit × item means with NaN handling (``np.nanmean`` of the
  item points by unit) — what any scoring must at least do once;
- scoring: ``scoring_prepare`` + ``scores_compute`` + ranks within kind (the point estimates
  from the level matrix);
- scoring + bootstrap: the above plus ``--bootstrap`` stratified resamples of the whole pipeline,
  percentile CIs, ranks and P(last) per unit.

Encoding the answer dicts as they are stored (``answers_encode``) is timed once and shown
apart: it is the same for any method. No database.

    .venv/bin/python bench/appraisal_scoring.py [--responses 30000] [--bootstrap 2000] [--seed 2026]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from zhengwu.contexts.appraisal.scoring import (
    Prepared,
    Scores,
    UnitRef,
    answers_encode,
    scores_compute,
    scoring_prepare,
)
from zhengwu.contexts.appraisal.stats import (
    RankStats,
    bootstrap_run,
    ci_percentile,
    rank_stats_compute,
    ranks_compute,
)
from zhengwu.contexts.appraisal.system import SystemDef, system_from_dict

CENTRES, DEPARTMENTS = 40, 34
CATEGORIES, INDICATORS = 18, 151
OBJECTIVE_EVERY = 30  # every 30th indicator is data-fed (5 of 151)

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--responses", type=int, default=30_000)
parser.add_argument("--bootstrap", type=int, default=2000)
parser.add_argument("--seed", type=int, default=2026)
parser.add_argument(
    "--repeat", type=int, default=3, help="time the floor and the scoring this many times, keep the best"
)
args = parser.parse_args()


def system_build(rng: np.random.Generator) -> dict[str, Any]:
    """18 categories / 151 indicators: categories 1–3 centres only, 4–5 departments only, the rest all."""
    scopes = ["centre"] * 3 + ["department"] * 2 + ["all"] * (CATEGORIES - 5)
    categories = [
        {"code": f"C{c + 1:02d}", "name": f"类别{c + 1}", "weight": float(rng.integers(3, 9)), "applies_to": scopes[c]}
        for c in range(CATEGORIES)
    ]
    indicators, items = [], []
    for k in range(INDICATORS):
        code, category = f"I{k + 1:03d}", f"C{k % CATEGORIES + 1:02d}"
        indicator: dict[str, Any] = {"code": code, "name": f"指标{k + 1}", "category": category}
        indicator["weight"] = float(rng.integers(1, 4))
        # A few indicators of the shared categories apply to one kind only.
        if scopes[k % CATEGORIES] == "all" and k % 11 == 0:
            indicator["applies_to"] = "centre" if k % 2 else "department"
        if k % OBJECTIVE_EVERY == OBJECTIVE_EVERY - 1:
            indicator.update(source="objective", worst=30.0, best=1.0)
        else:
            kind = "yes_no" if k % 9 == 4 else "rating5"
            items.append({"name": f"q{k + 1:03d}", "kind": kind, "label": f"题目{k + 1}", "indicator": code})
        indicators.append(indicator)
    return {"code": "bench", "title": "bench", "categories": categories, "indicators": indicators, "items": items}


def round_generate(
    system: SystemDef, rng: np.random.Generator
) -> tuple[list[UnitRef], np.ndarray, list[dict[str, str]], dict[tuple[str, str], float]]:
    units = [UnitRef(f"C{u + 1:03d}", "centre") for u in range(CENTRES)]
    units += [UnitRef(f"D{u + 1:03d}", "department") for u in range(DEPARTMENTS)]
    # Unequal sample sizes around 30,000/74 ≈ 405.
    shares = rng.dirichlet(np.full(len(units), 30.0))
    unit_index = np.repeat(np.arange(len(units)), rng.multinomial(args.responses, shares))
    rng.shuffle(unit_index)
    n_items = sum(1 for item in system.items)
    unit_level = rng.normal(4.0, 0.25, size=len(units))  # true mean on the 1–5 scale
    item_level = rng.normal(0.0, 0.3, size=n_items)
    person = rng.normal(0.0, 0.5, size=(unit_index.size, 1))
    latent = (
        unit_level[unit_index][:, None]
        + item_level[None, :]
        + person
        + rng.normal(0.0, 0.8, (unit_index.size, n_items))
    )
    ratings = np.clip(np.rint(latent), 1, 5).astype(np.int64)
    na = rng.random(ratings.shape) < 0.10
    shown = {kind: {item.name for item in system.items_for(kind)} for kind in ("centre", "department")}
    answers = []
    for i, u in enumerate(unit_index):
        own = shown[units[u].kind]
        row: dict[str, str] = {}
        for j, item in enumerate(system.items):
            if item.name not in own:
                continue  # only the unit's own questionnaire is answered
            if na[i, j]:
                row[item.name] = "na"
            elif item.kind == "yes_no":
                row[item.name] = "yes" if ratings[i, j] >= 3 else "no"
            else:
                row[item.name] = str(ratings[i, j])
        answers.append(row)
    objective = {
        (unit.code, ind.code): float(rng.uniform(2, 25))
        for unit in units
        for ind in system.indicators
        if ind.source == "objective"
    }
    return units, unit_index, answers, objective


T = TypeVar("T")


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    timings, results = [], []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        results.append(fn())
        timings.append(time.perf_counter() - start)
    return min(timings), results[-1]


rng = np.random.default_rng(args.seed)
system = system_from_dict(system_build(rng))
print(f"generating {args.responses} responses …", flush=True)
units, unit_index, answers, objective = round_generate(system, rng)

start = time.perf_counter()
levels = answers_encode(system=system, answers=answers)
encode_seconds = time.perf_counter() - start

# The floor: item points with NaN for missing, then the unit × item means, in plain numpy.
points = np.array([np.nan, *(system.scoring[str(v)] for v in range(1, 6))])
is_yes_no = np.array([item.kind == "yes_no" for item in system.items])
item_points = np.where(is_yes_no, np.array([np.nan, 0.0, 100.0, np.nan, np.nan, np.nan])[levels], points[levels])


def floor() -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # items a kind is not shown: all-NaN columns
        return np.stack([np.nanmean(item_points[unit_index == u], axis=0) for u in range(len(units))])


kinds = [unit.kind for unit in units]


def scoring() -> tuple[Prepared, Scores, np.ndarray]:
    prepared = scoring_prepare(system=system, units=units, unit_index=unit_index, levels=levels, objective=objective)
    scores = scores_compute(prepared=prepared)
    return prepared, scores, ranks_compute(totals=scores.totals, groups=kinds)


def scoring_with_bootstrap() -> tuple[Scores, np.ndarray, np.ndarray, np.ndarray, RankStats]:
    prepared, scores, ranks = scoring()
    boot = bootstrap_run(prepared=prepared, resamples=args.bootstrap, rng=np.random.default_rng(args.seed))
    low, high = ci_percentile(boot.totals)
    stats = rank_stats_compute(totals=boot.totals, groups=kinds)
    return scores, ranks, low, high, stats


floor_seconds, _means = best_of(args.repeat, floor)
scoring_seconds, _point = best_of(args.repeat, scoring)
bootstrap_seconds, outcome = best_of(1, scoring_with_bootstrap)
scores, ranks, low, high, stats = outcome

na_share = sum(v == "na" for row in answers for v in row.values()) / sum(len(row) for row in answers)
n_survey = sum(1 for ind in system.indicators if ind.source == "survey")
print(
    f"units: {len(units)} ({CENTRES} centres, {DEPARTMENTS} departments); categories: {len(system.categories)}; "
    f"indicators: {len(system.indicators)} ({n_survey} survey); responses: {unit_index.size}; "
    f"“na” among the answers shown: {na_share:.1%}"
)
print(f"encode answer dicts (not in the ratios):   {encode_seconds:8.3f} s")
print(f"floor, numpy nanmean by unit:               {floor_seconds:8.3f} s")
print(
    f"scoring (prepare + scores + ranks):         {scoring_seconds:8.3f} s   "
    f"ratio {scoring_seconds / floor_seconds:6.1f}x"
)
print(
    f"scoring + {args.bootstrap} bootstrap resamples:      {bootstrap_seconds:8.3f} s   "
    f"ratio {bootstrap_seconds / floor_seconds:6.1f}x "
    f"({(bootstrap_seconds - scoring_seconds) / max(args.bootstrap, 1) * 1000:.2f} ms a resample)"
)
print(f"city score {scores.city_score:.2f}; widest unit CI ±{np.nanmax(high - low) / 2:.2f} points")
for kind in ("centre", "department"):
    cols = [u for u, unit in enumerate(units) if unit.kind == kind]
    last = max(cols, key=lambda u: ranks[u])
    print(
        f"last {kind}: {units[last].code} total {scores.totals[last]:.2f} "
        f"[{low[last]:.2f}, {high[last]:.2f}], P(last) {stats.p_last[last]:.2f}, "
        f"rank interval {stats.low[last]:.0f}–{stats.high[last]:.0f}"
    )
