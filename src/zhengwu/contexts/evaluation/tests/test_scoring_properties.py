"""evaluation.rules: invariants over random bids, sheets and prices (hypothesis)."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengwu.contexts.evaluation.rules import (
    BidEntry,
    CoefficientAdjusted,
    ComprehensiveScoring,
    ControlPriceWeighted,
    DeviationPriceScore,
    Disqualification,
    DisqualificationReason,
    ItemCategory,
    LowestEvaluatedPrice,
    Method,
    PercentTrimmedMean,
    ProcurementScoring,
    RankBy,
    RankEntry,
    RatioPriceScore,
    ScoreItem,
    ScoreSheet,
    SimpleMean,
    SmeDeduction,
    SmeStatus,
    TieRule,
    TrimmedMean,
    base_price_compute,
    bids_rank,
    deviation_score_compute,
    evaluation_compute,
    fraction_round,
    ratio_score_compute,
)

D = Decimal
PLAN = ScoreItem(code="plan", name="施工组织设计", category=ItemCategory.TECHNICAL, max_score=D(40))
RECORD = ScoreItem(code="record", name="业绩信誉", category=ItemCategory.COMMERCIAL, max_score=D(30), min_score=D(5))
ITEMS = (PLAN, RECORD)
SCORING = DeviationPriceScore(
    full_score=D(30), above_per_percent=D("0.2"), below_per_percent=D("0.1"), deduction_cap=D(5)
)
STEEP = DeviationPriceScore(full_score=D(30), above_per_percent=D(3), below_per_percent=D("1.5"))
RATIO = RatioPriceScore(weight=D(30))
K = D("0.02")

METHODS: dict[str, Method] = {
    "trimmed": ComprehensiveScoring(base_price=TrimmedMean(), price=SCORING, items=ITEMS),
    "percent_steep": ComprehensiveScoring(base_price=PercentTrimmedMean(), price=STEEP, items=ITEMS),
    "weighted_k": ComprehensiveScoring(
        base_price=CoefficientAdjusted(
            inner=ControlPriceWeighted(inner=SimpleMean(), control_price_fen=10**9, control_weight=D("0.3")),
            low=D("0.01"),
            high=D("0.03"),
        ),
        price=SCORING,
        items=ITEMS,
        tie_rules=(TieRule.LOWER_PRICE, TieRule.HIGHER_TECHNICAL),
    ),
    "procurement": ProcurementScoring(price=RATIO, items=ITEMS, sme_deduction=SmeDeduction(small_micro_rate=D("0.2"))),
    "lowest_price": LowestEvaluatedPrice(sme_deduction=SmeDeduction()),
}

prices = st.integers(min_value=1, max_value=10**9)
entries = st.integers(min_value=0, max_value=4000).map(lambda n: D(n).scaleb(-2))  # 0.00–40.00 in 0.01 steps


@st.composite
def sections(draw: st.DrawFn) -> tuple[list[BidEntry], list[ScoreSheet]]:
    """Random opened bids (some rejected, some small firms) and complete sheets from 1–7 members."""
    count = draw(st.integers(min_value=1, max_value=8))
    bids = [
        BidEntry(
            bid_id=f"b{n}",
            price_fen=draw(st.integers(min_value=5 * 10**8, max_value=15 * 10**8)),
            sme=draw(st.sampled_from([SmeStatus.NONE, SmeStatus.SMALL_MICRO])),
            disqualification=draw(st.sampled_from([None, None, Disqualification(DisqualificationReason.UNQUALIFIED)])),
        )
        for n in range(count)
    ]
    experts = draw(st.integers(min_value=1, max_value=7))
    sheets = [
        ScoreSheet(
            expert_id=f"e{e}",
            bid_id=bid.bid_id,
            scores={"plan": draw(entries), "record": max(D(5), draw(entries) * 3 / 4).quantize(D("0.01"))},
        )
        for e in range(experts)
        for bid in bids
    ]
    return bids, sheets


def run(name: str, bids: list[BidEntry], sheets: list[ScoreSheet]) -> object:
    method = METHODS[name]
    return evaluation_compute(
        method=method,
        bids=bids,
        sheets=[] if isinstance(method, LowestEvaluatedPrice) else sheets,
        coefficient=K if name == "weighted_k" else None,
    )


# -- price scores ------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(lowest=prices, a=prices, b=prices)
def test_ratio_score_is_monotone_and_within_the_weight(lowest: int, a: int, b: int) -> None:
    low, high = sorted((lowest + a, lowest + b))  # both at or above the lowest
    s_low = ratio_score_compute(scoring=RATIO, price_fen=low, lowest_fen=lowest).score
    s_high = ratio_score_compute(scoring=RATIO, price_fen=high, lowest_fen=lowest).score
    assert D(0) <= s_high <= s_low <= RATIO.weight


@settings(max_examples=300)
@given(base=prices, a=prices, b=prices, scoring=st.sampled_from([SCORING, STEEP]))
def test_deviation_score_falls_away_from_the_base_and_stays_within_the_full_score(
    base: int, a: int, b: int, scoring: DeviationPriceScore
) -> None:
    def score(price: int) -> Decimal:
        return deviation_score_compute(scoring=scoring, price_fen=price, base_fen=base).score

    near, far = sorted((a, b))
    above_near, above_far = score(base + near), score(base + far)
    assert D(0) <= above_far <= above_near <= score(base) == scoring.full_score
    below_near, below_far = base - near, base - far
    if below_far > 0:
        assert D(0) <= score(below_far) <= score(below_near) <= scoring.full_score


@settings(max_examples=300)
@given(
    value=st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False, allow_infinity=False),
    places=st.integers(min_value=0, max_value=4),
    mode=st.sampled_from([ROUND_HALF_UP, ROUND_HALF_EVEN]),
)
def test_exact_rounding_matches_decimal_quantize(value: Decimal, places: int, mode: str) -> None:
    from fractions import Fraction

    assert fraction_round(Fraction(value), places=places, mode=mode) == value.quantize(
        D(1).scaleb(-places), rounding=mode
    )


@settings(max_examples=200)
@given(st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=3), prices, min_size=1, max_size=9))
def test_mean_bases_lie_between_the_lowest_and_the_highest_bid(bids: dict[str, int]) -> None:
    for strategy in (
        SimpleMean(),
        TrimmedMean(),
        PercentTrimmedMean(),
        TrimmedMean(drop_highest=2, drop_lowest=0, min_bids=3),
    ):
        base = base_price_compute(strategy=strategy, prices_fen=bids)
        assert min(bids.values()) <= base.value_fen <= max(bids.values())
        assert sorted(base.included + base.trimmed) == sorted(bids)


# -- whole evaluations -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(section=sections(), name=st.sampled_from(sorted(METHODS)))
def test_ranking_is_a_permutation_of_the_valid_bids(
    section: tuple[list[BidEntry], list[ScoreSheet]], name: str
) -> None:
    from zhengwu.contexts.evaluation.rules import EvaluationResult

    bids, sheets = section
    result = run(name, bids, sheets)
    assert isinstance(result, EvaluationResult)
    valid = sorted(b.bid_id for b in bids if b.valid)
    assert sorted(result.ranking.order) == valid
    assert len(result.ranking.order) == len(set(result.ranking.order))
    method = METHODS[name]
    for line in result.bids:
        assert (line.rank is None) == (not line.valid)
        if line.total_score is not None and not isinstance(method, LowestEvaluatedPrice):
            assert D(0) <= line.total_score <= method.full_score
        if line.price is not None:
            assert (
                D(0)
                <= line.price.score
                <= (method.price.full_score if isinstance(method, ComprehensiveScoring) else RATIO.weight)
            )
    # groups come in order of the primary criterion
    primary = {
        line.bid_id: -line.total_score if line.total_score is not None else D(line.evaluation_price_fen or 0)
        for line in result.bids
        if line.valid
    }
    keys = [primary[group.bid_ids[0]] for group in result.ranking.groups]
    assert keys == sorted(keys)  # equal keys only where a tie rule split a tie
    assert len(result.candidates.bid_ids) <= 3


@settings(max_examples=150, deadline=None)
@given(section=sections(), name=st.sampled_from(sorted(METHODS)))
def test_rejected_bids_change_nothing_for_the_others(
    section: tuple[list[BidEntry], list[ScoreSheet]], name: str
) -> None:
    from zhengwu.contexts.evaluation.rules import EvaluationResult

    bids, sheets = section
    with_rejected = run(name, bids, sheets)
    valid_ids = {b.bid_id for b in bids if b.valid}
    without = run(name, [b for b in bids if b.valid], [s for s in sheets if s.bid_id in valid_ids])
    assert isinstance(with_rejected, EvaluationResult)
    assert isinstance(without, EvaluationResult)
    assert [line for line in with_rejected.bids if line.valid] == list(without.bids)
    assert with_rejected.base_price == without.base_price
    assert with_rejected.ranking == without.ranking


@settings(max_examples=150, deadline=None)
@given(
    section=sections(), name=st.sampled_from(["trimmed", "weighted_k", "procurement"]), pick=st.integers(min_value=0)
)
def test_rejecting_a_bid_never_changes_another_bids_committee_scores(
    section: tuple[list[BidEntry], list[ScoreSheet]], name: str, pick: int
) -> None:
    from zhengwu.contexts.evaluation.rules import EvaluationResult

    bids, sheets = section
    valid = [b for b in bids if b.valid]
    if not valid:
        return
    victim = valid[pick % len(valid)].bid_id
    before = run(name, bids, sheets)
    after = run(
        name,
        [
            dataclasses.replace(b, disqualification=Disqualification(DisqualificationReason.MISCONDUCT))
            if b.bid_id == victim
            else b
            for b in bids
        ],
        sheets,
    )
    assert isinstance(before, EvaluationResult)
    assert isinstance(after, EvaluationResult)
    for old, new in zip(before.bids, after.bids, strict=True):
        if new.valid:
            assert (new.technical_score, new.commercial_score, new.item_scores) == (
                old.technical_score,
                old.commercial_score,
                old.item_scores,
            )
    assert victim not in after.ranking.order


@st.composite
def tied_entries(draw: st.DrawFn) -> list[RankEntry]:
    """Few distinct values, so ties on every criterion are common."""
    count = draw(st.integers(min_value=0, max_value=9))
    return [
        RankEntry(
            bid_id=f"b{n}",
            price_fen=draw(st.sampled_from([100, 101])),
            evaluated_price_fen=draw(st.sampled_from([100, 101])),
            total_score=draw(st.sampled_from([D("80.00"), D("80.01")])),
            technical_score=draw(st.sampled_from([D("40.00"), D("41.00")])),
            commercial_score=draw(st.sampled_from([D("20.00"), D("21.00")])),
        )
        for n in range(count)
    ]


@settings(max_examples=300)
@given(
    entries_=tied_entries(),
    rank_by=st.sampled_from(list(RankBy)),
    rules=st.permutations(list(TieRule)).flatmap(lambda p: st.integers(0, len(p)).map(lambda k: p[:k])),
    lot_seed=st.randoms(use_true_random=False),
    with_lots=st.booleans(),
)
def test_ranking_with_ties_is_a_permutation_that_never_invents_an_order(
    entries_: list[RankEntry], rank_by: str, rules: list[TieRule], lot_seed: Random, with_lots: bool
) -> None:
    if rank_by == RankBy.EVALUATED_PRICE:
        rules = [r for r in rules if r not in (TieRule.HIGHER_TECHNICAL, TieRule.HIGHER_COMMERCIAL)]
    numbers = list(range(1, len(entries_) + 1))
    lot_seed.shuffle(numbers)
    lots = {e.bid_id: n for e, n in zip(entries_, numbers, strict=True)} if with_lots else {}
    ranking = bids_rank(entries=entries_, rank_by=rank_by, tie_rules=rules, lots=lots)
    assert sorted(ranking.order) == sorted(e.bid_id for e in entries_)
    by_id = {e.bid_id: e for e in entries_}
    position = 1
    for group in ranking.groups:
        assert group.rank == position
        position += len(group.bid_ids)
        if group.tied:
            # every member is equal on the primary criterion and on every listed rule that could apply
            members = [by_id[b] for b in group.bid_ids]
            criteria = {
                TieRule.LOWER_PRICE: lambda m: m.price_fen,
                TieRule.LOWER_EVALUATED_PRICE: lambda m: m.evaluated_price_fen,
                TieRule.HIGHER_TECHNICAL: lambda m: m.technical_score,
                TieRule.HIGHER_COMMERCIAL: lambda m: m.commercial_score,
            }
            if rank_by == RankBy.TOTAL_SCORE:
                assert len({m.total_score for m in members}) == 1
            else:
                assert len({m.evaluated_price_fen for m in members}) == 1
            for rule in rules:
                if rule != TieRule.DRAWN_LOT:
                    assert len({criteria[rule](m) for m in members}) == 1
            assert not (TieRule.DRAWN_LOT in rules and with_lots)  # lots always separate
    if TieRule.DRAWN_LOT in rules and with_lots:
        assert ranking.unresolved == ()


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_method_handles_a_single_valid_bid(name: str) -> None:
    bids = [BidEntry(bid_id="only", price_fen=10**9)]
    sheets = [ScoreSheet(expert_id="e1", bid_id="only", scores={"plan": 30, "record": 20})]
    from zhengwu.contexts.evaluation.rules import EvaluationResult

    result = run(name, bids, sheets)
    assert isinstance(result, EvaluationResult)
    assert result.ranking.order == ("only",)
    line = result.bid("only")
    if line.price is not None and name != "weighted_k":
        # alone it is its own base (and its own lowest price): full price score
        assert line.price.score == (D(30))
