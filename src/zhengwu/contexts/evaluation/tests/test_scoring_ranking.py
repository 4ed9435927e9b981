"""evaluation.rules: ranking, tie rules, candidates and the outcomes with too few valid bids."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from zhengwu.contexts.evaluation.rules import (
    BidEntry,
    Candidates,
    ComprehensiveScoring,
    DeviationPriceScore,
    Disqualification,
    DisqualificationReason,
    InsufficientRule,
    ItemCategory,
    LowestEvaluatedPrice,
    Outcome,
    ProcurementScoring,
    RankBy,
    RankEntry,
    RankGroup,
    RatioPriceScore,
    ScoreItem,
    ScoreSheet,
    SimpleMean,
    TieRule,
    bids_rank,
    candidates_select,
    evaluation_compute,
)
from zhengwu.kernel.errors import InvalidInput

D = Decimal
WAN = 1_000_000  # fen per 万元

SCORING_30 = DeviationPriceScore(
    full_score=D(30), above_per_percent=D("0.2"), below_per_percent=D("0.1"), deduction_cap=D(5)
)
PLAN = ScoreItem(code="plan", name="施工组织设计", category=ItemCategory.TECHNICAL, max_score=D(40))
RECORD = ScoreItem(code="record", name="业绩信誉", category=ItemCategory.COMMERCIAL, max_score=D(30))


def sheets(marks: Mapping[str, tuple[object, object]], experts: int = 5) -> list[ScoreSheet]:
    """Every member gives a bid the same (施工组织设计, 业绩信誉)."""
    return [
        ScoreSheet(expert_id=f"e{n}", bid_id=bid, scores={"plan": plan, "record": record})
        for n in range(1, experts + 1)
        for bid, (plan, record) in marks.items()
    ]


def method(
    *,
    tie_rules: tuple[str, ...] = (TieRule.LOWER_PRICE, TieRule.HIGHER_TECHNICAL, TieRule.DRAWN_LOT),
    candidates_max: int = 3,
    valid_bids_min: int = 3,
    insufficient: str = InsufficientRule.COMMITTEE_DECIDES,
) -> ComprehensiveScoring:
    return ComprehensiveScoring(
        base_price=SimpleMean(),
        price=SCORING_30,
        items=(PLAN, RECORD),
        tie_rules=tie_rules,
        candidates_max=candidates_max,
        valid_bids_min=valid_bids_min,
        insufficient=insufficient,
    )


def rejected(reason: str = DisqualificationReason.NOT_RESPONSIVE) -> Disqualification:
    return Disqualification(reason)


# -- ties --------------------------------------------------------------------------------------------


def test_equal_totals_are_broken_by_the_lower_price() -> None:
    # X 980, Y 1000, Z 1020: base (980 + 1000 + 1020) / 3 = 1000
    # X: −2.00% × 0.1 = 0.20 → 29.80, + 30.20 + 0 = 60.00; Y: 30.00 + 30.00 + 0 = 60.00; Z: 29.60 + 20 + 0 = 49.60
    bids = [
        BidEntry(bid_id="X", price_fen=980 * WAN),
        BidEntry(bid_id="Y", price_fen=1000 * WAN),
        BidEntry(bid_id="Z", price_fen=1020 * WAN),
    ]
    result = evaluation_compute(
        method=method(), bids=bids, sheets=sheets({"X": ("30.20", 0), "Y": (30, 0), "Z": (20, 0)})
    )
    assert [b.total_score for b in result.bids] == [D("60.00"), D("60.00"), D("49.60")]
    assert result.ranking.groups == (
        RankGroup(1, ("X",), TieRule.LOWER_PRICE),
        RankGroup(2, ("Y",), TieRule.LOWER_PRICE),
        RankGroup(3, ("Z",), None),
    )
    assert result.candidates == Candidates(("X", "Y", "Z"))
    assert result.outcome == Outcome.CANDIDATES


def test_equal_totals_and_prices_go_to_the_technical_score_then_stay_tied_without_lots() -> None:
    # three bids at the same price: base = 1000, every price score 30.00
    # P 30 + 30 + 20 = 80; Q 30 + 32 + 18 = 80; R 30 + 30 + 20 = 80 — lower price ties; technical: Q 32 first,
    # P and R 30 each; no lots drawn ⇒ P and R stay tied for places 2–3
    bids = [BidEntry(bid_id=b, price_fen=1000 * WAN) for b in ("P", "Q", "R")]
    marks = {"P": (30, 20), "Q": (32, 18), "R": (30, 20)}
    result = evaluation_compute(method=method(), bids=bids, sheets=sheets(marks))
    assert {b.bid_id: b.total_score for b in result.bids} == {"P": D("80.00"), "Q": D("80.00"), "R": D("80.00")}
    assert result.ranking.groups == (RankGroup(1, ("Q",), TieRule.HIGHER_TECHNICAL), RankGroup(2, ("P", "R"), None))
    assert result.candidates == Candidates(("Q",), tie=("P", "R"))
    assert result.outcome == Outcome.TIE_UNRESOLVED
    assert result.bid("P").rank == result.bid("R").rank == 2
    # the draw is held in public (lower number first) and the section ranked again
    drawn = evaluation_compute(method=method(), bids=bids, sheets=sheets(marks), lots={"P": 2, "R": 1})
    assert drawn.ranking.groups == (
        RankGroup(1, ("Q",), TieRule.HIGHER_TECHNICAL),
        RankGroup(2, ("R",), TieRule.DRAWN_LOT),
        RankGroup(3, ("P",), TieRule.DRAWN_LOT),
    )
    assert drawn.candidates == Candidates(("Q", "R", "P"))
    assert drawn.outcome == Outcome.CANDIDATES


def test_when_every_rule_ties_no_order_is_invented() -> None:
    entries = [
        RankEntry(bid_id=b, price_fen=100, evaluated_price_fen=100, total_score=D(80), technical_score=D(40))
        for b in ("b", "a")
    ]
    ranking = bids_rank(
        entries=entries,
        rank_by=RankBy.TOTAL_SCORE,
        tie_rules=(TieRule.LOWER_PRICE, TieRule.HIGHER_TECHNICAL, TieRule.DRAWN_LOT),
    )
    assert ranking.groups == (RankGroup(1, ("a", "b"), None),)
    assert ranking.unresolved == (("a", "b"),)
    assert candidates_select(ranking=ranking) == Candidates((), tie=("a", "b"))
    # lots for only one of them do not apply
    partial = bids_rank(entries=entries, rank_by=RankBy.TOTAL_SCORE, tie_rules=(TieRule.DRAWN_LOT,), lots={"a": 1})
    assert partial.unresolved == (("a", "b"),)


def test_a_tie_beyond_the_candidate_places_does_not_block_the_candidates() -> None:
    entries = [
        RankEntry(bid_id="a", price_fen=100, evaluated_price_fen=100, total_score=D(90)),
        RankEntry(bid_id="b", price_fen=100, evaluated_price_fen=100, total_score=D(85)),
        RankEntry(bid_id="c", price_fen=100, evaluated_price_fen=100, total_score=D(80)),
        RankEntry(bid_id="d", price_fen=100, evaluated_price_fen=100, total_score=D(70)),
        RankEntry(bid_id="e", price_fen=100, evaluated_price_fen=100, total_score=D(70)),
    ]
    ranking = bids_rank(entries=entries, rank_by=RankBy.TOTAL_SCORE, tie_rules=(TieRule.LOWER_PRICE,))
    assert [g.rank for g in ranking.groups] == [1, 2, 3, 4]
    assert candidates_select(ranking=ranking, candidates_max=3) == Candidates(("a", "b", "c"))
    # a tie across places 3–4 does block the third place
    entries[2] = RankEntry(bid_id="c", price_fen=100, evaluated_price_fen=100, total_score=D(70))
    ranking = bids_rank(entries=entries, rank_by=RankBy.TOTAL_SCORE)
    assert candidates_select(ranking=ranking, candidates_max=3) == Candidates(("a", "b"), tie=("c", "d", "e"))


def test_procurement_equal_scores_and_prices_rank_together() -> None:
    # 87号令 第五十七条 [GK]: equal totals by price, equal price too ⇒ 并列; default rules stop there
    items = (ScoreItem(code="t", name="技术", category=ItemCategory.TECHNICAL, max_score=D(70)),)
    gp = ProcurementScoring(price=RatioPriceScore(weight=D(30)), items=items)
    bids = [BidEntry(bid_id=b, price_fen=90 * WAN) for b in ("A", "B", "C")]
    marks = [ScoreSheet(expert_id=f"e{n}", bid_id=b, scores={"t": 60}) for n in range(1, 6) for b in ("A", "B", "C")]
    result = evaluation_compute(method=gp, bids=bids, sheets=marks)
    assert result.ranking.groups == (RankGroup(1, ("A", "B", "C"), None),)
    assert result.outcome == Outcome.TIE_UNRESOLVED


def test_lowest_evaluated_price_ties() -> None:
    # equal evaluated prices: lower bid price first; equal both ⇒ tied (default rules)
    entries = [
        RankEntry(bid_id="a", price_fen=1010, evaluated_price_fen=1000),
        RankEntry(bid_id="b", price_fen=990, evaluated_price_fen=1000),
        RankEntry(bid_id="c", price_fen=1000, evaluated_price_fen=1000),
        RankEntry(bid_id="d", price_fen=1000, evaluated_price_fen=1000),
    ]
    ranking = bids_rank(entries=entries, rank_by=RankBy.EVALUATED_PRICE, tie_rules=(TieRule.LOWER_PRICE,))
    assert ranking.groups == (
        RankGroup(1, ("b",), TieRule.LOWER_PRICE),
        RankGroup(2, ("c", "d"), None),
        RankGroup(4, ("a",), TieRule.LOWER_PRICE),
    )


def test_tie_rule_configuration_is_checked() -> None:
    with pytest.raises(InvalidInput) as caught:
        LowestEvaluatedPrice(tie_rules=(TieRule.HIGHER_TECHNICAL,))
    assert caught.value.code == "method_parameter_invalid"
    with pytest.raises(InvalidInput):
        method(tie_rules=(TieRule.LOWER_PRICE, TieRule.LOWER_PRICE))
    with pytest.raises(InvalidInput):
        method(tie_rules=("coin_toss",))
    with pytest.raises(InvalidInput) as caught:
        method(candidates_max=4)  # 招标条例 第五十三条: at most 3
    assert caught.value.code == "method_parameter_invalid"
    with pytest.raises(InvalidInput) as caught:
        bids_rank(entries=[], rank_by=RankBy.TOTAL_SCORE, lots={"a": 1, "b": 1})
    assert caught.value.code == "lots_duplicate"


# -- too few valid bids ------------------------------------------------------------------------------


def three_bids(rejected_ids: set[str]) -> list[BidEntry]:
    return [
        BidEntry(bid_id=b, price_fen=p * WAN, disqualification=rejected() if b in rejected_ids else None)
        for b, p in (("A", 980), ("B", 1000), ("C", 1020))
    ]


MARKS = {"A": (30, 20), "B": (31, 20), "C": (32, 20)}


def test_construction_single_remaining_valid_bid_is_left_to_the_committee() -> None:
    # A and C rejected: B alone is the base (1000), 0% ⇒ 30.00; 30 + 31 + 20 = 81.00
    result = evaluation_compute(method=method(), bids=three_bids({"A", "C"}), sheets=sheets(MARKS))
    assert result.outcome == Outcome.INSUFFICIENT_COMPETITION
    assert result.outcome_article == "《评标委员会和评标方法暂行规定》（七部委令第12号）第二十七条"
    assert not result.retender
    assert result.base_price is not None
    assert result.base_price.value_fen == 1000 * WAN
    assert result.bid("B").total_score == D("81.00")
    assert result.candidates == Candidates(("B",))


def test_procurement_single_remaining_valid_bid_fails() -> None:
    items = (ScoreItem(code="t", name="技术", category=ItemCategory.TECHNICAL, max_score=D(70)),)
    gp = ProcurementScoring(price=RatioPriceScore(weight=D(30)), items=items)
    marks = [ScoreSheet(expert_id=f"e{n}", bid_id=b, scores={"t": 60}) for n in range(1, 6) for b in ("A", "B", "C")]
    result = evaluation_compute(method=gp, bids=three_bids({"A", "C"}), sheets=marks)
    # 采购法 第三十六条第（一）项: fewer than three responsive suppliers ⇒ 废标
    assert result.outcome == Outcome.FAILED
    assert result.retender
    assert result.outcome_article == "《政府采购法》第三十六条第（一）项"
    assert result.candidates == Candidates(())
    # the score is still reported: B alone is the lowest valid price ⇒ 30.00 + 60 = 90.00
    assert result.bid("B").total_score == D("90.00")


def test_two_valid_bids_with_a_lower_minimum() -> None:
    # documents allowing two (e.g. 磋商 with two suppliers in the cases 财政部 allows): ranked normally
    result = evaluation_compute(method=method(valid_bids_min=2), bids=three_bids({"C"}), sheets=sheets(MARKS))
    assert result.outcome == Outcome.CANDIDATES
    # base (980 + 1000) / 2 = 990; A −10/990 = −1.0101…% → −1.01 × 0.1 = 0.101 → 29.899 → 29.90;
    # B +1.01 × 0.2 = 0.202 → 29.798 → 29.80; totals A 29.90 + 30 + 20 = 79.90, B 29.80 + 31 + 20 = 80.80
    assert [result.bid(b).total_score for b in ("A", "B")] == [D("79.90"), D("80.80")]
    assert result.candidates.bid_ids == ("B", "A")


def test_zero_valid_bids_means_retender() -> None:
    # every bid rejected ⇒ 招标法 第四十二条: 重新招标; no base price, no scores, no candidates
    result = evaluation_compute(method=method(), bids=three_bids({"A", "B", "C"}), sheets=sheets(MARKS))
    assert result.outcome == Outcome.FAILED
    assert result.retender
    assert result.base_price is None
    assert result.ranking.groups == ()
    assert result.candidates == Candidates(())
    assert all(b.total_score is None and b.disqualification is not None for b in result.bids)
    # and for the lowest evaluated price method, with no sheets at all
    lep = evaluation_compute(method=LowestEvaluatedPrice(), bids=three_bids({"A", "B", "C"}))
    assert lep.outcome == Outcome.FAILED


def test_insufficient_rule_is_a_parameter() -> None:
    strict = method(insufficient=InsufficientRule.FAIL)
    result = evaluation_compute(method=strict, bids=three_bids({"A"}), sheets=sheets(MARKS))
    assert result.outcome == Outcome.FAILED


# -- inputs that are refused -------------------------------------------------------------------------


def test_inputs_that_do_not_fit_the_method_are_refused() -> None:
    bids = three_bids(set())
    with pytest.raises(InvalidInput) as caught:
        evaluation_compute(method=LowestEvaluatedPrice(), bids=bids, sheets=sheets(MARKS))
    assert caught.value.code == "sheets_not_applicable"
    with pytest.raises(InvalidInput) as caught:
        evaluation_compute(method=method(), bids=bids, sheets=sheets(MARKS), coefficient=D("0.02"))
    assert caught.value.code == "coefficient_unexpected"
    with pytest.raises(InvalidInput) as caught:
        evaluation_compute(method=LowestEvaluatedPrice(), bids=bids, coefficient=D("0.02"))
    assert caught.value.code == "coefficient_unexpected"
    with pytest.raises(InvalidInput) as caught:
        evaluation_compute(method=method(), bids=[*bids, bids[0]], sheets=sheets(MARKS))
    assert caught.value.code == "bid_duplicate"


def test_disqualification_reasons() -> None:
    with pytest.raises(InvalidInput) as caught:
        Disqualification("late")
    assert caught.value.code == "disqualification_reason_unknown"
    with pytest.raises(InvalidInput) as caught:
        Disqualification(DisqualificationReason.OTHER)
    assert caught.value.code == "disqualification_note_required"
    other = Disqualification(DisqualificationReason.OTHER, "招标文件第三章第2.1款：未提供项目经理社保证明")
    assert other.label == "招标文件规定的其他否决投标情形"
    assert (
        Disqualification(DisqualificationReason.ABOVE_PRICE_CAP).article == "《招标投标法实施条例》第五十一条第（五）项"
    )
