"""evaluation.rules: score sheets — validation with stable codes, aggregation, deviation flags."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhengwu.contexts.evaluation.rules import (
    Aggregation,
    DeviationFlag,
    ItemCategory,
    Rounding,
    ScoreItem,
    ScoreSheet,
    expert_deviations_flag,
    expert_scores_aggregate,
    score_sheet_problems,
    score_sheets_validate,
)
from zhengwu.kernel.errors import InvalidInput

D = Decimal
PLAN = ScoreItem(code="plan", name="施工组织设计", category=ItemCategory.TECHNICAL, max_score=D(10))
RECORD = ScoreItem(code="record", name="业绩信誉", category=ItemCategory.COMMERCIAL, max_score=D(5), min_score=D(1))
ITEMS = (PLAN, RECORD)


def sheet(expert: str, bid: str, **scores: object) -> ScoreSheet:
    return ScoreSheet(expert_id=expert, bid_id=bid, scores=scores)


def codes(sheets: list[ScoreSheet], bids: tuple[str, ...] = ("X",), excluded: tuple[str, ...] = ()) -> list[str]:
    return [p.code for p in score_sheet_problems(items=ITEMS, sheets=sheets, bid_ids=bids, excluded_bid_ids=excluded)]


def test_complete_sheets_have_no_problem() -> None:
    sheets = [sheet("e1", "X", plan="7.5", record=3), sheet("e2", "X", plan=D("8.25"), record=5)]
    assert codes(sheets) == []
    score_sheets_validate(items=ITEMS, sheets=sheets, bid_ids=("X",))  # does not raise


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ({"plan": 11, "record": 3}, "score_out_of_range"),  # above 10
        ({"plan": -1, "record": 3}, "score_out_of_range"),  # below 0
        ({"plan": 5, "record": "0.5"}, "score_out_of_range"),  # below the item's minimum 1
        ({"plan": 5}, "score_item_missing"),
        ({"plan": 5, "record": 3, "bonus": 1}, "score_item_unknown"),
        ({"plan": 7.5, "record": 3}, "score_invalid"),  # a float
        ({"plan": True, "record": 3}, "score_invalid"),
        ({"plan": "七", "record": 3}, "score_invalid"),
        ({"plan": "NaN", "record": 3}, "score_invalid"),
        ({"plan": "7.125", "record": 3}, "score_precision"),  # finer than 0.01
    ],
)
def test_a_wrong_score_has_a_stable_code(scores: dict[str, object], code: str) -> None:
    sheets = [ScoreSheet(expert_id="e1", bid_id="X", scores=scores)]
    assert codes(sheets) == [code]
    with pytest.raises(InvalidInput) as caught:
        score_sheets_validate(items=ITEMS, sheets=sheets, bid_ids=("X",))
    assert caught.value.code == code
    (problem,) = caught.value.detail["problems"]
    assert (problem["expert_id"], problem["bid_id"]) == ("e1", "X")


def test_every_problem_is_listed_where_it_is() -> None:
    sheets = [
        sheet("e1", "X", plan=11, record=3),
        sheet("e1", "X", plan=5, record=3),  # a second sheet for the same bid
        sheet("e2", "Y", plan=5, record=3),  # e2 never scored X; Y is not in this evaluation
    ]
    problems = score_sheet_problems(items=ITEMS, sheets=sheets, bid_ids=("X",))
    assert [(p.code, p.expert_id, p.bid_id, p.item_code) for p in problems] == [
        ("score_out_of_range", "e1", "X", "plan"),
        ("score_sheet_duplicate", "e1", "X", None),
        ("score_bid_unknown", "e2", "Y", None),
    ]
    assert problems[0].message == "“施工组织设计”的分值应在0至10分之间"


def test_a_member_who_skipped_a_valid_bid_is_named() -> None:
    sheets = [
        sheet("e1", "X", plan=5, record=3),
        sheet("e1", "Y", plan=5, record=3),
        sheet("e2", "X", plan=6, record=3),
    ]
    problems = score_sheet_problems(items=ITEMS, sheets=sheets, bid_ids=("X", "Y"))
    assert [(p.code, p.expert_id, p.bid_id) for p in problems] == [("score_sheet_missing", "e2", "Y")]
    assert codes([], bids=("X",)) == ["score_sheets_missing"]


def test_sheets_of_a_rejected_bid_are_ignored_even_if_wrong() -> None:
    sheets = [sheet("e1", "X", plan=5, record=3), sheet("e1", "R", plan=99)]
    assert codes(sheets, excluded=("R",)) == []


def test_entry_precision_is_a_parameter() -> None:
    coarse = Rounding(entry_places=1)
    problems = score_sheet_problems(
        items=ITEMS, sheets=[sheet("e1", "X", plan="7.25", record=3)], bid_ids=("X",), rounding=coarse
    )
    assert [p.code for p in problems] == ["score_precision"]


def test_mean_is_rounded_once_half_up() -> None:
    # 施工组织设计 7, 8, 8 ⇒ 23/3 = 7.666… → 7.67; 业绩信誉 3, 4, 4 ⇒ 11/3 = 3.666… → 3.67
    sheets = [
        sheet("e1", "X", plan=7, record=3),
        sheet("e2", "X", plan=8, record=4),
        sheet("e3", "X", plan=8, record=4),
    ]
    (scores,) = expert_scores_aggregate(items=ITEMS, sheets=sheets, bid_ids=("X",)).values()
    assert (scores.technical, scores.commercial) == (D("7.67"), D("3.67"))
    assert scores.items == {"plan": D("7.67"), "record": D("3.67")}
    assert scores.experts_counted == ("e1", "e2", "e3")


def test_weights_apply_to_the_mean() -> None:
    # an item scored 0–100 and weighing 0.3: scores 85 and 90 ⇒ mean 87.5 × 0.3 = 26.25
    weighted = ScoreItem(code="t", name="技术", category=ItemCategory.TECHNICAL, max_score=D(100), weight=D("0.3"))
    sheets = [
        ScoreSheet(expert_id="e1", bid_id="X", scores={"t": 85}),
        ScoreSheet(expert_id="e2", bid_id="X", scores={"t": 90}),
    ]
    (scores,) = expert_scores_aggregate(items=(weighted,), sheets=sheets, bid_ids=("X",)).values()
    assert (scores.technical, scores.items["t"]) == (D("26.25"), D("87.50"))


def test_deviation_flags_beyond_the_limit() -> None:
    # 施工组织设计 range 0–10, limit 20% ⇒ 2 points; e1..e4 give 8, e5 gives 3: mean 35/5 = 7;
    # deviations +1, +1, +1, +1, −4 ⇒ only e5 is flagged
    # totals with 业绩信誉 4 each: 12, 12, 12, 12, 7, mean 55/5 = 11; range 10 + 4 = 14 × 20% = 2.8;
    # e5 deviates −4 > 2.8 ⇒ flagged on the total too
    sheets = [sheet(f"e{n}", "X", plan=8, record=4) for n in range(1, 5)] + [sheet("e5", "X", plan=3, record=4)]
    flags = expert_deviations_flag(items=ITEMS, sheets=sheets, bid_ids=("X",))
    assert flags == [
        DeviationFlag("e5", "X", "plan", D("3.00"), D("7.00"), D("-4.00"), D("2.00")),
        DeviationFlag("e5", "X", None, D("7.00"), D("11.00"), D("-4.00"), D("2.80")),
    ]
    # flags do not change the scores: the mean still counts e5 (plan 7.00)
    (scores,) = expert_scores_aggregate(items=ITEMS, sheets=sheets, bid_ids=("X",)).values()
    assert scores.technical == D("7.00")


def test_a_deviation_exactly_at_the_limit_is_not_flagged() -> None:
    # 9, 9, 9, 9, 6.5 ⇒ mean 42.5/5 = 8.5; e5 deviates exactly −2.0 = the limit ⇒ no flag
    sheets = [sheet(f"e{n}", "X", plan=9, record=3) for n in range(1, 5)] + [sheet("e5", "X", plan="6.5", record=3)]
    assert expert_deviations_flag(items=ITEMS, sheets=sheets, bid_ids=("X",)) == []
    # a tighter limit (10% ⇒ 1 point on the item, 1.4 on the total) flags e5 on both
    tight = Aggregation(deviation_limit=D("0.10"))
    flagged = expert_deviations_flag(items=ITEMS, sheets=sheets, bid_ids=("X",), aggregation=tight)
    assert [(f.expert_id, f.item_code) for f in flagged] == [("e5", "plan"), ("e5", None)]


def test_item_configuration_is_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        ScoreItem(code="x", name="x", category=ItemCategory.TECHNICAL, max_score=D(0))
    assert caught.value.code == "method_parameter_invalid"
    with pytest.raises(InvalidInput):
        ScoreItem(code="x", name="x", category="price", max_score=D(5))
    with pytest.raises(InvalidInput):
        ScoreItem(code="x", name="x", category=ItemCategory.TECHNICAL, max_score=D(5), weight=D(0))
    with pytest.raises(InvalidInput):
        score_sheet_problems(items=(PLAN, PLAN), sheets=[], bid_ids=())
    with pytest.raises(InvalidInput):
        Aggregation(trim_min_experts=2)
