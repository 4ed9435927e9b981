"""evaluation.rules: the worked examples of ebidding-rules §4.6 and further ones, computed by hand.

Amounts are given in 万元 as in the reference and converted to fen (1万元 = 1,000,000 fen). Every
expected value is worked out in the comment beside it, without the code under test: 偏差率 in
percent rounded half-up to 2 decimals, then deduction = |偏差率| × points per percent, then the
score rounded half-up to 2 decimals; procurement price score = lowest / price × weight, rounded once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhengwu.contexts.evaluation.rules import (
    Aggregation,
    BasePrice,
    BidEntry,
    CoefficientAdjusted,
    CoefficientForm,
    ComprehensiveScoring,
    ControlPriceWeighted,
    DeviationPriceScore,
    Disqualification,
    DisqualificationReason,
    ItemCategory,
    LowestEvaluatedPrice,
    LowestValid,
    Outcome,
    PartialPercent,
    PercentTrimmedMean,
    PriceAdjustment,
    ProcurementScoring,
    RatioPriceScore,
    ScoreItem,
    ScoreSheet,
    SimpleMean,
    SmeDeduction,
    SmeStatus,
    TrimmedMean,
    base_price_compute,
    deviation_rate_compute,
    deviation_score_compute,
    evaluation_compute,
    ratio_score_compute,
)
from zhengwu.kernel.errors import InvalidInput

D = Decimal


def wan(amount: str | int) -> int:
    """万元 → fen."""
    return int(D(str(amount)) * 1_000_000)


# Reference §4.6 B–D: full score 30, E1 = 0.2 per 1% above, E2 = 0.1 per 1% below, cap 5 points.
SCORING_30 = DeviationPriceScore(
    full_score=D(30), above_per_percent=D("0.2"), below_per_percent=D("0.1"), deduction_cap=D(5)
)
BIDS_B = {"A": wan(980), "B": wan(1000), "C": wan(1020), "D": wan(1300), "E": wan(900)}


def scores(base_fen: int, prices: dict[str, int], scoring: DeviationPriceScore = SCORING_30) -> dict[str, Decimal]:
    return {
        bid: deviation_score_compute(scoring=scoring, price_fen=price, base_fen=base_fen).score
        for bid, price in prices.items()
    }


# -- 评标基准价 strategies -------------------------------------------------------------------------


def test_trimmed_mean_drops_one_highest_and_one_lowest_from_four_bids_reference_b() -> None:
    # five bids (≥ 4) ⇒ drop D 1300 and E 900; (980 + 1000 + 1020) / 3 = 3000 / 3 = 1000
    base = base_price_compute(strategy=TrimmedMean(), prices_fen=BIDS_B)
    assert base == BasePrice(value_fen=wan(1000), included=("A", "B", "C"), trimmed=("E", "D"), coefficient=None)


def test_trimmed_mean_scores_reference_b() -> None:
    # base 1000; trimmed bids are still scored against it
    # A 980: −2.00% × 0.1 = 0.20 → 29.80     B 1000: 0% → 30.00     C 1020: +2.00% × 0.2 = 0.40 → 29.60
    # D 1300: +30.00% × 0.2 = 6.00 > cap 5 → 25.00     E 900: −10.00% × 0.1 = 1.00 → 29.00
    assert scores(wan(1000), BIDS_B) == {
        "A": D("29.80"),
        "B": D("30.00"),
        "C": D("29.60"),
        "D": D("25.00"),
        "E": D("29.00"),
    }
    d = deviation_score_compute(scoring=SCORING_30, price_fen=wan(1300), base_fen=wan(1000))
    assert (d.deviation_rate, d.deduction, d.capped) == (D("30.00"), D(5), True)
    a = deviation_score_compute(scoring=SCORING_30, price_fen=wan(980), base_fen=wan(1000))
    assert (a.deviation_rate, a.deduction, a.capped) == (D("-2.00"), D("0.2"), False)


def test_trimmed_mean_with_fewer_bids_than_the_threshold_is_the_plain_mean() -> None:
    # three bids < 4 ⇒ nothing dropped; (980 + 1000 + 1030) / 3 = 3010 / 3 = 1003.3333…万
    # = 1,003,333,333.33… fen → 1,003,333,333 fen (half-up to the fen)
    base = base_price_compute(strategy=TrimmedMean(), prices_fen={"A": wan(980), "B": wan(1000), "C": wan(1030)})
    assert base.value_fen == 1_003_333_333
    assert base.trimmed == ()
    # A: (980,000,000 − 1,003,333,333) / 1,003,333,333 = −2.3255…% → −2.33; × 0.1 = 0.233; 30 − 0.233 = 29.767 → 29.77
    assert deviation_score_compute(scoring=SCORING_30, price_fen=wan(980), base_fen=base.value_fen).score == D("29.77")


def test_simple_mean_of_every_valid_bid() -> None:
    # (980 + 1000 + 1020 + 1300 + 900) / 5 = 5200 / 5 = 1040
    base = base_price_compute(strategy=SimpleMean(), prices_fen=BIDS_B)
    assert base.value_fen == wan(1040)
    assert base.included == ("E", "A", "B", "C", "D")
    # A: −60/1040 = −5.769…% → −5.77 → 0.577 → 29.423 → 29.42
    # B: −40/1040 = −3.846…% → −3.85 → 0.385 → 29.615 → 29.62 (half-up)
    # C: −20/1040 = −1.923…% → −1.92 → 0.192 → 29.808 → 29.81
    # D: +260/1040 = +25.00% → 5.00, exactly the cap (not capped) → 25.00
    # E: −140/1040 = −13.461…% → −13.46 → 1.346 → 28.654 → 28.65
    assert scores(base.value_fen, BIDS_B) == {
        "A": D("29.42"),
        "B": D("29.62"),
        "C": D("29.81"),
        "D": D("25.00"),
        "E": D("28.65"),
    }
    d = deviation_score_compute(scoring=SCORING_30, price_fen=wan(1300), base_fen=base.value_fen)
    assert (d.deduction, d.capped) == (D(5), False)


def test_coefficient_down_rate_reference_c() -> None:
    # K = 2% drawn at opening: 1000 × (1 − 0.02) = 980
    strategy = CoefficientAdjusted(inner=TrimmedMean(), low=D("0.01"), high=D("0.03"))
    base = base_price_compute(strategy=strategy, prices_fen=BIDS_B, coefficient=D("0.02"))
    assert base.value_fen == wan(980)
    assert base.coefficient == D("0.02")
    # A 980: 0% → 30.00
    # B 1000: 20/980 = +2.0408…% → +2.04 × 0.2 = 0.408 → 29.592 → 29.59
    # C 1020: 40/980 = +4.0816…% → +4.08 × 0.2 = 0.816 → 29.184 → 29.18
    # D 1300: 320/980 = +32.65% → 6.53 > 5 → 25.00
    # E 900: −80/980 = −8.1632…% → −8.16 × 0.1 = 0.816 → 29.18
    assert scores(base.value_fen, BIDS_B) == {
        "A": D("30.00"),
        "B": D("29.59"),
        "C": D("29.18"),
        "D": D("25.00"),
        "E": D("29.18"),
    }


def test_coefficient_multiplier_form() -> None:
    # 随机抽取调整系数法: K = 0.97 from [0.95, 0.98] on the simple mean 1040 ⇒ 1040 × 0.97 = 1008.80
    strategy = CoefficientAdjusted(inner=SimpleMean(), low=D("0.95"), high=D("0.98"), form=CoefficientForm.MULTIPLIER)
    assert base_price_compute(strategy=strategy, prices_fen=BIDS_B, coefficient=D("0.97")).value_fen == wan("1008.80")


def test_control_price_weighted_reference_d() -> None:
    # (1100 × 0.3 + 1000 × 0.7) × (1 − 0.02) = (330 + 700) × 0.98 = 1030 × 0.98 = 1009.40
    strategy = CoefficientAdjusted(
        inner=ControlPriceWeighted(inner=TrimmedMean(), control_price_fen=wan(1100), control_weight=D("0.3")),
        low=D("0.01"),
        high=D("0.03"),
    )
    base = base_price_compute(strategy=strategy, prices_fen=BIDS_B, coefficient=D("0.02"))
    assert base.value_fen == wan("1009.40")
    # A 980: −29.4/1009.4 = −2.9126…% → −2.91 × 0.1 = 0.291 → 29.709 → 29.71
    # B 1000: −9.4/1009.4 = −0.9312…% → −0.93 → 0.093 → 29.907 → 29.91
    # C 1020: 10.6/1009.4 = +1.0501…% → +1.05 × 0.2 = 0.21 → 29.79
    # D 1300: 290.6/1009.4 = +28.79% → 5.758 > 5 → 25.00
    # E 900: −109.4/1009.4 = −10.838…% → −10.84 × 0.1 = 1.084 → 28.916 → 28.92
    assert scores(base.value_fen, BIDS_B) == {
        "A": D("29.71"),
        "B": D("29.91"),
        "C": D("29.79"),
        "D": D("25.00"),
        "E": D("28.92"),
    }


def test_percent_trimmed_mean() -> None:
    # 7 bids, 20%: ⌊7 × 0.2⌋ = ⌊1.4⌋ = 1 dropped at each end (900 and 1300);
    # (950 + 980 + 1000 + 1020 + 1050) / 5 = 5000 / 5 = 1000
    seven = {"a": 900, "b": 950, "c": 980, "d": 1000, "e": 1020, "f": 1050, "g": 1300}
    base = base_price_compute(strategy=PercentTrimmedMean(), prices_fen={k: wan(v) for k, v in seven.items()})
    assert (base.value_fen, base.trimmed) == (wan(1000), ("a", "g"))
    # 10 bids: ⌊10 × 0.2⌋ = 2 at each end (800, 900 and 1300, 1500);
    # (950 + 980 + 1000 + 1020 + 1050 + 1060) / 6 = 6060 / 6 = 1010
    ten = [800, 900, 950, 980, 1000, 1020, 1050, 1060, 1300, 1500]
    base = base_price_compute(strategy=PercentTrimmedMean(), prices_fen={f"b{p}": wan(p) for p in ten})
    assert base.value_fen == wan(1010)
    assert set(base.trimmed) == {"b800", "b900", "b1300", "b1500"}
    # 4 bids < 5: the plain mean (900 + 1000 + 1100 + 1200) / 4 = 1050
    four = {f"b{p}": wan(p) for p in (900, 1000, 1100, 1200)}
    assert base_price_compute(strategy=PercentTrimmedMean(), prices_fen=four).value_fen == wan(1050)


def test_a_disqualified_lowest_bid_changes_the_trimmed_mean() -> None:
    # E 900 rejected: four valid bids (≥ 4) ⇒ drop A 980 and D 1300; (1000 + 1020) / 2 = 1010
    valid = {k: v for k, v in BIDS_B.items() if k != "E"}
    base = base_price_compute(strategy=TrimmedMean(), prices_fen=valid)
    assert base.value_fen == wan(1010)
    # A 980: −30/1010 = −2.970…% → −2.97 × 0.1 = 0.297 → 29.703 → 29.70
    # B 1000: −10/1010 = −0.990…% → −0.99 × 0.1 = 0.099 → 29.901 → 29.90
    # C 1020: +10/1010 = +0.990…% → +0.99 × 0.2 = 0.198 → 29.802 → 29.80
    # D 1300: +290/1010 = +28.71% → 5.742 > 5 → 25.00
    assert scores(base.value_fen, valid) == {"A": D("29.70"), "B": D("29.90"), "C": D("29.80"), "D": D("25.00")}


def test_deviation_rate_rounds_half_up_away_from_zero() -> None:
    # (97,085 − 100,000) / 100,000 = −2.915% exactly → −2.92 (ties away from zero)
    assert deviation_rate_compute(price_fen=97_085, base_fen=100_000) == D("-2.92")
    # +2.915% → +2.92
    assert deviation_rate_compute(price_fen=102_915, base_fen=100_000) == D("2.92")


def test_partial_percent_readings() -> None:
    # Reference C's bid B: +2.04%. LINEAR: 2.04 × 0.2 = 0.408 → 29.59 (above);
    # WHOLE_UP 不足1%按1%计: 3 × 0.2 = 0.6 → 29.40; WHOLE_DOWN 不足1%不计: 2 × 0.2 = 0.4 → 29.60
    for mode, expected in [
        (PartialPercent.LINEAR, D("29.59")),
        (PartialPercent.WHOLE_UP, D("29.40")),
        (PartialPercent.WHOLE_DOWN, D("29.60")),
    ]:
        scoring = DeviationPriceScore(
            full_score=D(30),
            above_per_percent=D("0.2"),
            below_per_percent=D("0.1"),
            deduction_cap=D(5),
            partial_percent=mode,
        )
        assert deviation_score_compute(scoring=scoring, price_fen=wan(1000), base_fen=wan(980)).score == expected


def test_without_a_cap_the_score_floors_at_zero() -> None:
    # +20.00% × 2 points per percent = 40 > 30 ⇒ 0.00, never negative
    steep = DeviationPriceScore(full_score=D(30), above_per_percent=D(2), below_per_percent=D(1))
    result = deviation_score_compute(scoring=steep, price_fen=wan(1200), base_fen=wan(1000))
    assert (result.score, result.deduction, result.capped) == (D("0.00"), D(40), False)


# -- procurement: 低价优先 and the SME deduction -----------------------------------------------------

GP_BIDS = {"A": wan(100), "B": wan(95), "C": wan(90), "D": wan(120)}
RATIO_30 = RatioPriceScore(weight=D(30))


def test_ratio_scores_reference_a() -> None:
    # base = lowest = C 90
    # A 90/100 × 30 = 27.00; B 90/95 × 30 = 28.421… → 28.42; C 30.00; D 90/120 × 30 = 22.50
    got = {b: ratio_score_compute(scoring=RATIO_30, price_fen=p, lowest_fen=wan(90)).score for b, p in GP_BIDS.items()}
    assert got == {"A": D("27.00"), "B": D("28.42"), "C": D("30.00"), "D": D("22.50")}
    assert base_price_compute(strategy=LowestValid(), prices_fen=GP_BIDS).value_fen == wan(90)


def test_ratio_base_must_be_the_lowest() -> None:
    with pytest.raises(InvalidInput) as caught:
        ratio_score_compute(scoring=RATIO_30, price_fen=wan(90), lowest_fen=wan(95))
    assert caught.value.code == "base_price_not_lowest"


TECH = ScoreItem(code="tech", name="技术", category=ItemCategory.TECHNICAL, max_score=D(100), weight=D("0.5"))
BUSINESS = ScoreItem(code="biz", name="商务", category=ItemCategory.COMMERCIAL, max_score=D(100), weight=D("0.2"))
# technical / business scores out of 100 (reference §4.6 A gives C's: 80 and 90)
GP_SCORES = {"A": (85, 80), "B": (75, 85), "C": (80, 90), "D": (90, 70)}


def gp_sheets(experts: int = 5) -> list[ScoreSheet]:
    """Every member gives the same scores, so the committee's mean is the score itself."""
    return [
        ScoreSheet(expert_id=f"e{n}", bid_id=bid, scores={"tech": t, "biz": b})
        for n in range(1, experts + 1)
        for bid, (t, b) in GP_SCORES.items()
    ]


def gp_method(sme: SmeDeduction | None = None) -> ProcurementScoring:
    return ProcurementScoring(price=RATIO_30, items=(TECH, BUSINESS), sme_deduction=sme)


def totals(result: object) -> dict[str, Decimal | None]:
    from zhengwu.contexts.evaluation.rules import EvaluationResult

    assert isinstance(result, EvaluationResult)
    return {bid.bid_id: bid.total_score for bid in result.bids}


def test_procurement_scoring_reference_a() -> None:
    result = evaluation_compute(
        method=gp_method(), bids=[BidEntry(bid_id=b, price_fen=p) for b, p in GP_BIDS.items()], sheets=gp_sheets()
    )
    # price + technical × 0.5 + business × 0.2:
    # A 27.00 + 42.50 + 16.00 = 85.50; B 28.42 + 37.50 + 17.00 = 82.92
    # C 30.00 + 40.00 + 18.00 = 88.00 (the reference's total); D 22.50 + 45.00 + 14.00 = 81.50
    assert totals(result) == {"A": D("85.50"), "B": D("82.92"), "C": D("88.00"), "D": D("81.50")}
    assert result.ranking.order == ("C", "A", "B", "D")
    assert result.candidates.bid_ids == ("C", "A", "B")
    assert result.outcome == Outcome.CANDIDATES
    assert result.base_price is not None
    assert result.base_price.value_fen == wan(90)
    assert result.bid("C").technical_score == D("40.00")
    assert result.bid("C").commercial_score == D("18.00")
    assert result.bid("C").item_scores == {"tech": D("80.00"), "biz": D("90.00")}


def test_sme_deduction_reference_a() -> None:
    # B is a small firm, 10% off for evaluation: 95 × 0.9 = 85.5 becomes the lowest, the base
    # B 85.5/85.5 × 30 = 30.00; C 85.5/90 × 30 = 28.50; A 85.5/100 × 30 = 25.65;
    # D 85.5/120 × 30 = 21.375 → 21.38 (half-up)
    bids = [
        BidEntry(bid_id=b, price_fen=p, sme=SmeStatus.SMALL_MICRO if b == "B" else SmeStatus.NONE)
        for b, p in GP_BIDS.items()
    ]
    result = evaluation_compute(
        method=gp_method(SmeDeduction(small_micro_rate=D("0.10"))), bids=bids, sheets=gp_sheets()
    )
    prices = {bid.bid_id: bid.price.score for bid in result.bids if bid.price}
    assert prices == {"A": D("25.65"), "B": D("30.00"), "C": D("28.50"), "D": D("21.38")}
    assert result.bid("B").evaluation_price_fen == wan("85.5")
    assert result.bid("B").price_fen == wan(95)  # the contract price stays 95
    # totals: A 25.65 + 42.50 + 16 = 84.15; B 30 + 37.50 + 17 = 84.50; C 28.50 + 40 + 18 = 86.50;
    # D 21.38 + 45 + 14 = 80.38 — the deduction lifts B above A
    assert totals(result) == {"A": D("84.15"), "B": D("84.50"), "C": D("86.50"), "D": D("80.38")}
    assert result.candidates.bid_ids == ("C", "B", "A")


def test_sme_consortium_rate_and_deduction_to_the_fen() -> None:
    # 12,345 fen × (1 − 0.05) = 11,727.75 fen → 11,728 fen (half-up to the fen)
    from zhengwu.contexts.evaluation.rules import ROUNDING, evaluation_price_compute

    sme = SmeDeduction(small_micro_rate=D("0.10"), consortium_rate=D("0.05"))
    bid = BidEntry(bid_id="x", price_fen=12_345, sme=SmeStatus.CONSORTIUM_SHARE)
    assert evaluation_price_compute(bid=bid, sme_deduction=sme, rounding=ROUNDING) == 11_728
    # no consortium rate in the documents ⇒ no deduction for a consortium
    plain = SmeDeduction(small_micro_rate=D("0.10"))
    assert evaluation_price_compute(bid=bid, sme_deduction=plain, rounding=ROUNDING) == 12_345


def test_procurement_disqualified_lowest_bid_moves_the_lowest_valid_price() -> None:
    # C (90, the lowest) rejected: the base becomes B 95
    # A 95/100 × 30 = 28.50 → 28.50 + 42.50 + 16 = 87.00; B 30.00 + 37.50 + 17 = 84.50;
    # D 95/120 × 30 = 23.75 → 23.75 + 45 + 14 = 82.75
    bids = [
        BidEntry(
            bid_id=b,
            price_fen=p,
            disqualification=Disqualification(DisqualificationReason.NOT_RESPONSIVE) if b == "C" else None,
        )
        for b, p in GP_BIDS.items()
    ]
    result = evaluation_compute(method=gp_method(), bids=bids, sheets=gp_sheets())
    assert result.base_price is not None
    assert result.base_price.value_fen == wan(95)
    assert totals(result) == {"A": D("87.00"), "B": D("84.50"), "C": None, "D": D("82.75")}
    assert result.ranking.order == ("A", "B", "D")
    assert result.bid("C").rank is None
    assert result.bid("C").price is None
    assert result.outcome == Outcome.CANDIDATES


# -- construction: 综合评估法 end to end -------------------------------------------------------------

PLAN = ScoreItem(code="plan", name="施工组织设计", category=ItemCategory.TECHNICAL, max_score=D(40))
RECORD = ScoreItem(code="record", name="业绩信誉", category=ItemCategory.COMMERCIAL, max_score=D(30))
# five members' scores per bid: (施工组织设计 list, 业绩信誉 list)
CONSTRUCTION_SHEETS = {
    "A": ([30, 32, 34, 31, 33], [20, 20, 20, 20, 20]),
    "B": ([30, 30, 30, 30, 30], [21, 21, 21, 21, 21]),
    "C": ([35, 35, 35, 35, 36], [18, 18, 18, 18, 18]),
    "D": ([38, 38, 38, 38, 38], [25, 25, 25, 25, 25]),
    "E": ([28, 28, 28, 28, 28], [19, 19, 19, 19, 19]),
}


def construction_sheets(skip: set[str] | None = None) -> list[ScoreSheet]:
    return [
        ScoreSheet(expert_id=f"e{n + 1}", bid_id=bid, scores={"plan": plans[n], "record": records[n]})
        for bid, (plans, records) in CONSTRUCTION_SHEETS.items()
        if bid not in (skip or set())
        for n in range(5)
    ]


def construction_method() -> ComprehensiveScoring:
    return ComprehensiveScoring(base_price=TrimmedMean(), price=SCORING_30, items=(PLAN, RECORD))


def test_comprehensive_scoring_end_to_end() -> None:
    result = evaluation_compute(
        method=construction_method(),
        bids=[BidEntry(bid_id=b, price_fen=p) for b, p in BIDS_B.items()],
        sheets=construction_sheets(),
    )
    # price scores as in reference B: A 29.80, B 30.00, C 29.60, D 25.00, E 29.00
    # 施工组织设计 means: A 160/5 = 32; B 30; C 176/5 = 35.20; D 38; E 28 — 业绩信誉: 20, 21, 18, 25, 19
    # A 29.80 + 32 + 20 = 81.80; B 30 + 30 + 21 = 81.00; C 29.60 + 35.20 + 18 = 82.80;
    # D 25 + 38 + 25 = 88.00; E 29 + 28 + 19 = 76.00
    assert totals(result) == {"A": D("81.80"), "B": D("81.00"), "C": D("82.80"), "D": D("88.00"), "E": D("76.00")}
    assert result.ranking.order == ("D", "C", "A", "B", "E")
    assert result.candidates.bid_ids == ("D", "C", "A")
    assert result.outcome == Outcome.CANDIDATES
    d_price = result.bid("D").price
    assert d_price is not None
    assert d_price.capped
    assert construction_method().full_score == D(100)  # 30 + 40 + 30


def test_comprehensive_disqualified_lowest_bid_changes_base_and_ranking() -> None:
    # E (900, the lowest) rejected ⇒ base 1010 (see test_a_disqualified_lowest_bid_changes_the_trimmed_mean):
    # A 29.70 + 32 + 20 = 81.70; B 29.90 + 30 + 21 = 80.90; C 29.80 + 35.20 + 18 = 83.00; D 25 + 38 + 25 = 88.00
    bids = [
        BidEntry(
            bid_id=b,
            price_fen=p,
            disqualification=Disqualification(DisqualificationReason.BELOW_COST) if b == "E" else None,
        )
        for b, p in BIDS_B.items()
    ]
    # E's sheets were filled before the rejection: they are ignored
    result = evaluation_compute(method=construction_method(), bids=bids, sheets=construction_sheets())
    assert result.base_price is not None
    assert (result.base_price.value_fen, result.base_price.trimmed) == (wan(1010), ("A", "D"))
    assert totals(result) == {"A": D("81.70"), "B": D("80.90"), "C": D("83.00"), "D": D("88.00"), "E": None}
    assert result.ranking.order == ("D", "C", "A", "B")
    verdict = result.bid("E").disqualification
    assert verdict == Disqualification(DisqualificationReason.BELOW_COST)
    assert verdict is not None
    assert verdict.article == "《招标投标法实施条例》第五十一条第（五）项"
    # and the same without E's sheets at all: identical for everyone else
    again = evaluation_compute(method=construction_method(), bids=bids, sheets=construction_sheets(skip={"E"}))
    assert again == result


def test_comprehensive_with_the_coefficient_drawn_at_opening() -> None:
    method = ComprehensiveScoring(
        base_price=CoefficientAdjusted(inner=TrimmedMean(), low=D("0.01"), high=D("0.03")),
        price=SCORING_30,
        items=(PLAN, RECORD),
    )
    bids = [BidEntry(bid_id=b, price_fen=p) for b, p in BIDS_B.items()]
    result = evaluation_compute(method=method, bids=bids, sheets=construction_sheets(), coefficient=D("0.02"))
    # reference C's prices: A 30.00, B 29.59, C 29.18, D 25.00, E 29.18
    # A 30 + 32 + 20 = 82.00; B 29.59 + 30 + 21 = 80.59; C 29.18 + 35.20 + 18 = 82.38; D 88.00;
    # E 29.18 + 28 + 19 = 76.18
    assert totals(result) == {"A": D("82.00"), "B": D("80.59"), "C": D("82.38"), "D": D("88.00"), "E": D("76.18")}
    with pytest.raises(InvalidInput) as caught:
        evaluation_compute(method=method, bids=bids, sheets=construction_sheets())
    assert caught.value.code == "coefficient_missing"
    with pytest.raises(InvalidInput) as caught:
        evaluation_compute(method=method, bids=bids, sheets=construction_sheets(), coefficient=D("0.05"))
    assert caught.value.code == "coefficient_out_of_range"


# -- 经评审的最低投标价法 --------------------------------------------------------------------------------


def test_lowest_evaluated_price_with_adjustments_and_a_rejected_lowest_bid() -> None:
    bids = [
        # 1000 + 30 (longer payment terms asked) = 1030
        BidEntry(bid_id="A", price_fen=wan(1000), adjustments=(PriceAdjustment("payment", wan(30), "付款条件"),)),
        # 1010 − 10 (earlier completion credited) = 1000
        BidEntry(bid_id="B", price_fen=wan(1010), adjustments=(PriceAdjustment("duration", -wan(10), "工期"),)),
        # 990 + 50 (priced deviation) = 1040
        BidEntry(bid_id="C", price_fen=wan(990), adjustments=(PriceAdjustment("deviation", wan(50), "偏差"),)),
        # 950, the lowest price, rejected as below cost (招标法 第四十一条第（二）项)
        BidEntry(bid_id="D", price_fen=wan(950), disqualification=Disqualification(DisqualificationReason.BELOW_COST)),
    ]
    result = evaluation_compute(method=LowestEvaluatedPrice(), bids=bids)
    assert {b.bid_id: b.evaluation_price_fen for b in result.bids} == {
        "A": wan(1030),
        "B": wan(1000),
        "C": wan(1040),
        "D": None,
    }
    assert result.ranking.order == ("B", "A", "C")
    assert result.candidates.bid_ids == ("B", "A", "C")
    assert result.base_price is None
    assert all(b.total_score is None for b in result.bids)


def test_lowest_evaluated_price_for_procurement_with_sme() -> None:
    # 最低评标价法 with a 10% small-firm deduction: B 95 × 0.9 = 85.5 < C 90 ⇒ B first
    bids = [
        BidEntry(bid_id=b, price_fen=p, sme=SmeStatus.SMALL_MICRO if b == "B" else SmeStatus.NONE)
        for b, p in GP_BIDS.items()
    ]
    method = LowestEvaluatedPrice(sme_deduction=SmeDeduction(), insufficient="fail")
    result = evaluation_compute(method=method, bids=bids)
    assert result.ranking.order == ("B", "C", "A", "D")


def test_aggregation_with_trimming_changes_the_committee_score() -> None:
    # seven members on one bid; (施工组织设计, 业绩信誉) and their totals:
    # e1 (6, 3) = 9   e2 (7, 4) = 11   e3 (7, 4) = 11   e4 (8, 4) = 12
    # e5 (8, 4) = 12  e6 (8, 4) = 12   e7 (10, 4) = 14
    marks = {"e1": (6, 3), "e2": (7, 4), "e3": (7, 4), "e4": (8, 4), "e5": (8, 4), "e6": (8, 4), "e7": (10, 4)}
    sheets = [ScoreSheet(expert_id=e, bid_id="X", scores={"plan": p, "record": r}) for e, (p, r) in marks.items()]
    bids = [BidEntry(bid_id="X", price_fen=wan(1000))]
    plain = ComprehensiveScoring(base_price=SimpleMean(), price=SCORING_30, items=(PLAN, RECORD))
    trimmed = ComprehensiveScoring(
        base_price=SimpleMean(), price=SCORING_30, items=(PLAN, RECORD), aggregation=Aggregation(rule="trimmed_mean")
    )
    # all seven: 施工组织设计 54/7 = 7.714… → 7.71; 业绩信誉 27/7 = 3.857… → 3.86; price 30 (one bid = base)
    x = evaluation_compute(method=plain, bids=bids, sheets=sheets).bid("X")
    assert (x.technical_score, x.commercial_score, x.total_score) == (D("7.71"), D("3.86"), D("41.57"))
    # drop e1 (lowest total 9) and e7 (highest 14): 施工组织设计 (7+7+8+8+8)/5 = 38/5 = 7.60; 业绩信誉 20/5 = 4.00
    y = evaluation_compute(method=trimmed, bids=bids, sheets=sheets).bid("X")
    assert (y.technical_score, y.commercial_score, y.total_score) == (D("7.60"), D("4.00"), D("41.60"))
    assert y.experts_dropped == ("e1", "e7")
    # with five members the trimming does not apply (threshold 7)
    five = [s for s in sheets if s.expert_id not in {"e6", "e7"}]
    z = evaluation_compute(method=trimmed, bids=bids, sheets=five).bid("X")
    # (6+7+7+8+8)/5 = 36/5 = 7.20; (3+4+4+4+4)/5 = 19/5 = 3.80
    assert (z.technical_score, z.commercial_score, z.experts_dropped) == (D("7.20"), D("3.80"), ())
