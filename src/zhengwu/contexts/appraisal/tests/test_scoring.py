"""Scoring against a worked example computed by hand (no database)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from zhengwu.contexts.appraisal.scoring import (
    UnitRef,
    answers_encode,
    city_score_compute,
    dtf_score,
    scored_items,
    scores_compute,
    scoring_prepare,
)
from zhengwu.contexts.appraisal.system import SystemDef, system_from_dict
from zhengwu.kernel.errors import InvalidInput

# The worked example. Scoring map 5→100, 4→80, 3→60, 2→30, 1→0 (the default); yes 100, no 0.
#
#   category A (weight 0.6, all)
#     A1 (weight 2, survey): items q1 (weight 1) and q2 (weight 3), both rating5
#     A2 (weight 1, survey, centres only): item q3, rating5
#   category B (weight 0.4, all)
#     B1 (weight 1, survey): item q4, yes_no
#     B2 (weight 3, objective): processing days, worst 20, best 2 → 100·(20 − y)/18, clamped
#   min_answers = 2
WORKED_SYSTEM: dict[str, Any] = {
    "code": "worked",
    "title": "worked example",
    "min_answers": 2,
    "categories": [
        {"code": "A", "name": "窗口服务", "weight": 0.6},
        {"code": "B", "name": "办事效率", "weight": 0.4},
    ],
    "indicators": [
        {"code": "A1", "name": "服务态度", "category": "A", "weight": 2},
        {"code": "A2", "name": "大厅环境", "category": "A", "weight": 1, "applies_to": "centre"},
        {"code": "B1", "name": "一次办成", "category": "B", "weight": 1},
        {"code": "B2", "name": "办理天数", "category": "B", "weight": 3, "source": "objective", "worst": 20, "best": 2},
    ],
    "items": [
        {"name": "q1", "kind": "rating5", "label": "态度", "indicator": "A1", "weight": 1},
        {"name": "q2", "kind": "rating5", "label": "专业", "indicator": "A1", "weight": 3},
        {"name": "q3", "kind": "rating5", "label": "环境", "indicator": "A2"},
        {"name": "q4", "kind": "yes_no", "label": "一次办成", "indicator": "B1"},
        {"name": "note", "kind": "text", "label": "其他意见", "required": False},
    ],
}
WORKED_UNITS = [UnitRef("U1", "centre"), UnitRef("U2", "centre"), UnitRef("U3", "department")]
WORKED_RESPONSES: list[tuple[int, dict[str, str]]] = [
    # U1
    (0, {"q1": "5", "q2": "4", "q3": "na", "q4": "yes", "note": "窗口少"}),
    (0, {"q1": "4", "q2": "4", "q3": "3", "q4": "no"}),
    (0, {"q1": "3", "q2": "na", "q3": "na", "q4": "yes"}),
    # U2
    (1, {"q1": "2", "q2": "1", "q3": "4", "q4": "no"}),
    (1, {"q1": "1", "q2": "2", "q3": "5", "q4": "no"}),
    # U3 (a department: q3 is not on its questionnaire, so the stray "1" below must be ignored)
    (2, {"q1": "5", "q2": "5", "q3": "1", "q4": "yes"}),
    (2, {"q1": "4", "q2": "3", "q4": "yes"}),
]
WORKED_OBJECTIVE = {("U1", "B2"): 11.0, ("U2", "B2"): 25.0, ("U3", "B2"): 1.0}


def worked_system() -> SystemDef:
    return system_from_dict(WORKED_SYSTEM)


def worked_scores(city_weighting: str = "unit") -> Any:
    system = worked_system()
    prepared = scoring_prepare(
        system=system,
        units=WORKED_UNITS,
        unit_index=[u for u, _ in WORKED_RESPONSES],
        levels=answers_encode(system=system, answers=[a for _, a in WORKED_RESPONSES]),
        objective=WORKED_OBJECTIVE,
    )
    return scores_compute(prepared=prepared, city_weighting=city_weighting)


def test_answers_are_encoded_as_levels_and_everything_else_is_missing() -> None:
    system = worked_system()
    assert scored_items(system) == ["q1", "q2", "q3", "q4"]
    levels = answers_encode(
        system=system,
        answers=[{"q1": "5", "q2": "na", "q3": "6", "q4": "yes"}, {"q1": "", "q4": "no"}, {}],
    )
    assert levels.tolist() == [[5, 0, 0, 2], [0, 0, 0, 1], [0, 0, 0, 0]]


def test_worked_example_unit_u1_by_hand() -> None:
    # U1, three respondents.
    #   A1 per response, item-weighted (q1 ×1, q2 ×3):
    #     r1: (100 + 3·80)/4 = 85;  r2: (80 + 3·80)/4 = 80;  r3: q2 is "na" → 60/1 = 60
    #     unit mean (85 + 80 + 60)/3 = 75, n = 3
    #   A2: only r2 answered → n = 1 < min_answers 2 → suppressed, left out of category A
    #   B1: yes, no, yes → (100 + 0 + 100)/3 = 66.667, n = 3
    #   B2: 11 days → 100·(20 − 11)/18 = 50
    #   A = A1 alone (weights renormalised) = 75
    #   B = (1·66.667 + 3·50)/4 = 216.667/4 = 54.1667
    #   total = 0.6·75 + 0.4·54.1667 = 45 + 21.6667 = 66.6667
    scores = worked_scores()
    assert scores.indicators[0].tolist()[0] == pytest.approx(75.0)
    assert math.isnan(scores.indicators[0, 1])
    assert scores.indicators[0, 2] == pytest.approx(200 / 3)
    assert scores.indicators[0, 3] == pytest.approx(50.0)
    assert scores.indicator_n[0].tolist() == [3, 1, 3, 0]
    assert scores.categories[0] == pytest.approx([75.0, 650 / 12])
    assert scores.category_n[0].tolist() == [3, 3]
    assert scores.totals[0] == pytest.approx(200 / 3)
    assert scores.suppressed == {"U1": ["A2"]}
    # 满意率: rating5 answers 5,4 | 4,4,3 | 3 → 6 answers, 4 at levels 4–5, none at 1–2.
    assert scores.satisfaction_rate[0] == pytest.approx(4 / 6)
    assert scores.negative_rate[0] == 0.0


def test_worked_example_unit_u2_by_hand() -> None:
    # U2, two respondents.
    #   A1: r4 (30 + 3·0)/4 = 7.5;  r5 (0 + 3·30)/4 = 22.5  → 15, n = 2
    #   A2: 80, 100 → 90, n = 2 (published)
    #   B1: no, no → 0
    #   B2: 25 days is worse than the worst goalpost → 100·(20 − 25)/18 < 0 → clamped to 0
    #   A = (2·15 + 1·90)/3 = 40
    #   B = (1·0 + 3·0)/4 = 0
    #   total = 0.6·40 + 0.4·0 = 24
    scores = worked_scores()
    assert scores.indicators[1] == pytest.approx([15.0, 90.0, 0.0, 0.0])
    assert scores.categories[1] == pytest.approx([40.0, 0.0])
    assert scores.totals[1] == pytest.approx(24.0)
    # rating5 answers 2,1,4 | 1,2,5 → 2 of 6 at 4–5, 4 of 6 at 1–2
    assert scores.satisfaction_rate[1] == pytest.approx(2 / 6)
    assert scores.negative_rate[1] == pytest.approx(4 / 6)


def test_worked_example_department_renormalises_over_the_indicators_that_apply() -> None:
    # U3, a department: A2 applies to centres only (and its stray answer is ignored).
    #   A1: r6 (100 + 3·100)/4 = 100;  r7 (80 + 3·60)/4 = 65  → 82.5
    #   B1: yes, yes → 100;  B2: 1 day is better than the best goalpost → 105.6 → clamped to 100
    #   A = A1 alone = 82.5 (A2's weight drops out, not counted as zero)
    #   B = (100 + 3·100)/4 = 100
    #   total = 0.6·82.5 + 0.4·100 = 49.5 + 40 = 89.5
    scores = worked_scores()
    assert scores.indicators[2, 0] == pytest.approx(82.5)
    assert math.isnan(scores.indicators[2, 1])
    assert scores.indicator_n[2].tolist() == [2, 0, 2, 0]
    assert scores.categories[2] == pytest.approx([82.5, 100.0])
    assert scores.totals[2] == pytest.approx(89.5)
    # Not suppressed: A2 does not apply to departments at all.
    assert "U3" not in scores.suppressed
    # rating5 answers 5,5 | 4,3 (the stray q3 does not count) → 3 of 4 at 4–5
    assert scores.satisfaction_rate[2] == pytest.approx(3 / 4)


def test_worked_example_city_score_unit_and_respondent_weighted() -> None:
    # Unit-weighted: (66.6667 + 24 + 89.5)/3 = 180.1667/3 = 60.0556
    assert worked_scores().city_score == pytest.approx((200 / 3 + 24 + 89.5) / 3)
    # Respondent-weighted (3, 2, 2 responses): (3·66.6667 + 2·24 + 2·89.5)/7 = (200 + 48 + 179)/7 = 61
    respondent = worked_scores("respondent")
    assert respondent.city_score == pytest.approx(61.0)
    assert respondent.city_weighting == "respondent"
    with pytest.raises(InvalidInput) as bad:
        worked_scores("district")
    assert bad.value.code == "appraisal_city_weighting"


def test_a_category_that_does_not_apply_drops_out_of_the_total() -> None:
    # Category B applies to centres only now: a department's total is category A alone, its
    # weight renormalised (0.6/0.6), not 0.6·A + 0.4·0.
    data = {**WORKED_SYSTEM, "categories": [dict(c) for c in WORKED_SYSTEM["categories"]]}
    data["categories"][1]["applies_to"] = "centre"
    system = system_from_dict(data)
    prepared = scoring_prepare(
        system=system,
        units=WORKED_UNITS,
        unit_index=[u for u, _ in WORKED_RESPONSES],
        levels=answers_encode(system=system, answers=[a for _, a in WORKED_RESPONSES]),
        objective=WORKED_OBJECTIVE,
    )
    scores = scores_compute(prepared=prepared)
    assert math.isnan(scores.categories[2, 1])
    assert scores.totals[2] == pytest.approx(82.5)
    assert scores.totals[0] == pytest.approx(200 / 3)


def test_units_without_usable_answers_are_not_scored_and_say_why() -> None:
    # U4 has no response; U5 has one, under min_answers for every survey indicator. U5's
    # objective value alone must not score it.
    system = worked_system()
    units = [*WORKED_UNITS, UnitRef("U4", "centre"), UnitRef("U5", "centre")]
    responses = [*WORKED_RESPONSES, (4, {"q1": "5", "q2": "5", "q3": "5", "q4": "yes"})]
    prepared = scoring_prepare(
        system=system,
        units=units,
        unit_index=[u for u, _ in responses],
        levels=answers_encode(system=system, answers=[a for _, a in responses]),
        objective={**WORKED_OBJECTIVE, ("U5", "B2"): 2.0},
    )
    scores = scores_compute(prepared=prepared)
    assert math.isnan(scores.totals[3])
    assert math.isnan(scores.totals[4])
    assert scores.unscored == {"U4": "no_responses", "U5": "too_few_answers"}
    assert scores.suppressed == {"U1": ["A2"], "U5": ["A1", "A2", "B1"]}
    assert scores.objective_missing == {"U4": ["B2"]}
    assert scores.n.tolist() == [3, 2, 2, 0, 1]
    # The city score is the mean of the three scored units only.
    assert scores.city_score == pytest.approx((200 / 3 + 24 + 89.5) / 3)


def test_distance_to_frontier_is_clamped_and_works_both_ways() -> None:
    assert dtf_score(value=11, worst=20, best=2) == pytest.approx(50.0)
    assert dtf_score(value=30, worst=20, best=2) == 0.0
    assert dtf_score(value=0, worst=20, best=2) == 100.0
    # Higher is better (e.g. an online-handling rate): worst 40 %, best 100 %.
    assert dtf_score(value=70, worst=40, best=100) == pytest.approx(50.0)


def test_city_score_over_resamples_ignores_unscored_units() -> None:
    totals = np.array([[80.0, 60.0, np.nan], [70.0, np.nan, np.nan]])
    n = np.array([10, 30, 5])
    assert city_score_compute(totals=totals, n=n).tolist() == [70.0, 70.0]
    assert city_score_compute(totals=totals, n=n, weighting="respondent").tolist() == [65.0, 70.0]


def test_mismatched_inputs_are_refused() -> None:
    system = worked_system()
    with pytest.raises(InvalidInput) as shape:
        scoring_prepare(system=system, units=WORKED_UNITS, unit_index=[0], levels=np.zeros((2, 4), dtype=np.int8))
    assert shape.value.code == "appraisal_scoring_shape"
    with pytest.raises(InvalidInput) as unit:
        scoring_prepare(system=system, units=WORKED_UNITS, unit_index=[3], levels=np.zeros((1, 4), dtype=np.int8))
    assert unit.value.code == "appraisal_scoring_unit"
