"""The evaluation methods as configuration, and the whole evaluation of one section as one function.

- ``ComprehensiveScoring``: 综合评估法 (招标法 第四十一条第（一）项 [LAW]) — a price score from the
  deviation against a base price, plus the committee's technical and commercial scores.
- ``ProcurementScoring``: 政府采购 综合评分法 (采购条例 第三十四条 [LAW]; formula 87号令 第五十五条
  [WEB]) — the lowest valid price over the bid's price times the price weight, SME deductions
  applied to the evaluation price only, plus the committee's scores.
- ``LowestEvaluatedPrice``: 经评审的最低投标价法 (招标法 第四十一条第（二）项 [LAW]) and 政府采购
  最低评标价法 (采购条例 第三十四条 [LAW]) — compliant bids ranked by evaluated price, the bid price
  plus the documented adjustments (12号令 [GK]), after any SME deduction.

Too few valid bids: with none, every bid was rejected and the tender is repeated (招标法 第四十二条
[LAW]; 采购法 第三十六条、第三十七条 [LAW]). With fewer than three, government procurement must
cancel (废标, 采购法 第三十六条第（一）项 [LAW]); in construction the committee *may* reject all
bids for lack of competition (12号令 第二十七条 [GK]), so the ranking is still produced and the
outcome says the decision is the committee's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from zhengwu.contexts.evaluation.rules.arithmetic import (
    CGF,
    CGTL,
    ORDER_12,
    ROUNDING,
    ZBF,
    Rounding,
    count_check,
)
from zhengwu.contexts.evaluation.rules.base_price import BasePrice, BasePriceStrategy, LowestValid, base_price_compute
from zhengwu.contexts.evaluation.rules.bids import (
    BidEntry,
    Disqualification,
    SmeDeduction,
    bids_check,
    bids_valid,
    evaluation_price_compute,
)
from zhengwu.contexts.evaluation.rules.price_score import (
    DeviationPriceScore,
    PriceScore,
    RatioPriceScore,
    deviation_score_compute,
    ratio_score_compute,
)
from zhengwu.contexts.evaluation.rules.ranking import (
    CANDIDATES_ARTICLE,
    CANDIDATES_MAX,
    Candidates,
    RankBy,
    RankEntry,
    Ranking,
    TieRule,
    bids_rank,
    candidates_select,
    tie_rules_check,
)
from zhengwu.contexts.evaluation.rules.sheets import (
    Aggregation,
    BidScores,
    DeviationFlag,
    ScoreItem,
    ScoreSheet,
    expert_deviations_flag,
    expert_scores_aggregate,
    items_check,
)
from zhengwu.kernel.errors import InvalidInput

# 招标法 第二十八条 / 采购法 第三十六条: three is the least competition the law accepts.
VALID_BIDS_MIN = 3


class MethodKind(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合评估法
    PROCUREMENT_SCORING = "procurement_scoring"  # 综合评分法（政府采购）
    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price"  # 经评审的最低投标价法 / 最低评标价法


METHOD_LABELS: dict[str, str] = {
    MethodKind.COMPREHENSIVE: "综合评估法",
    MethodKind.PROCUREMENT_SCORING: "综合评分法",
    MethodKind.LOWEST_EVALUATED_PRICE: "经评审的最低投标价法",
}


class InsufficientRule(StrEnum):
    """What fewer than ``valid_bids_min`` valid bids mean."""

    COMMITTEE_DECIDES = "committee_decides"  # 工程: 评标委员会可以否决全部投标 (12号令 第二十七条 [GK])
    FAIL = "fail"  # 政府采购: 应予废标 (采购法 第三十六条第（一）项 [LAW])


class Outcome(StrEnum):
    CANDIDATES = "candidates"  # ranked candidates recommended
    TIE_UNRESOLVED = "tie_unresolved"  # a tie within the candidate places that the rules do not break
    INSUFFICIENT_COMPETITION = "insufficient_competition"  # fewer valid bids than the minimum; committee decides
    FAILED = "failed"  # every bid rejected, or procurement below the minimum: re-tender (重新招标/废标)


OUTCOME_LABELS: dict[str, str] = {
    Outcome.CANDIDATES: "推荐中标候选人",
    Outcome.TIE_UNRESOLVED: "候选人排序并列，须按招标文件规定确定",
    Outcome.INSUFFICIENT_COMPETITION: "有效投标不足，由评标委员会决定是否否决全部投标",
    Outcome.FAILED: "流标（废标），应重新招标",
}


def _common_check(
    *, tie_rules: Sequence[str], candidates_max: int, valid_bids_min: int, insufficient: str, scored: bool
) -> None:
    tie_rules_check(tie_rules, scored=scored)
    count_check(candidates_max, field="中标候选人数量", minimum=1)
    count_check(valid_bids_min, field="有效投标最少数量", minimum=1)
    if insufficient not in InsufficientRule.__members__.values():
        raise InvalidInput(
            "未知的有效投标不足处理方式", code="method_parameter_invalid", detail={"insufficient": insufficient}
        )


@dataclass(frozen=True, kw_only=True)
class ComprehensiveScoring:
    """综合评估法 of construction tendering: deviation price score + technical + commercial items.

    Default tie rules: lower bid price, then higher technical score, then a drawn lot. The 2007
    标准施工招标文件 reads "综合评分相等时，以投标报价低的优先；投标报价也相等的，由招标人自行确定"
    [GK]; the later rules are the common local completion and are parameters.
    """

    base_price: BasePriceStrategy
    price: DeviationPriceScore
    items: tuple[ScoreItem, ...]
    aggregation: Aggregation = field(default_factory=Aggregation)
    tie_rules: tuple[str, ...] = (TieRule.LOWER_PRICE, TieRule.HIGHER_TECHNICAL, TieRule.DRAWN_LOT)
    candidates_max: int = CANDIDATES_MAX
    valid_bids_min: int = VALID_BIDS_MIN
    insufficient: str = InsufficientRule.COMMITTEE_DECIDES
    sme_deduction: SmeDeduction | None = None
    rounding: Rounding = ROUNDING
    kind: str = field(default=MethodKind.COMPREHENSIVE, init=False)

    def __post_init__(self) -> None:
        items_check(self.items)
        _common_check(
            tie_rules=self.tie_rules,
            candidates_max=self.candidates_max,
            valid_bids_min=self.valid_bids_min,
            insufficient=self.insufficient,
            scored=True,
        )
        if self.candidates_max > CANDIDATES_MAX:
            raise InvalidInput(
                f"中标候选人不得超过{CANDIDATES_MAX}个（{CANDIDATES_ARTICLE}）",
                code="method_parameter_invalid",
                detail={"candidates_max": self.candidates_max},
            )

    @property
    def full_score(self) -> Decimal:
        return self.price.full_score + sum((item.points for item in self.items), Decimal(0))


@dataclass(frozen=True, kw_only=True)
class ProcurementScoring:
    """政府采购 综合评分法: price score = lowest valid evaluation price / evaluation price × weight.

    The base is always the lowest valid evaluation price (低价优先法, reference §4.3). Default tie
    rule (87号令 第五十七条 [GK]): equal totals are ordered by bid price, and equal totals with
    equal prices rank together (并列) — add ``DRAWN_LOT`` where the documents provide a draw.
    The price weight (goods ≥30%, services ≥10% under 87号令 [GK]) is the documents' choice and is
    not checked here.
    """

    price: RatioPriceScore
    items: tuple[ScoreItem, ...]
    aggregation: Aggregation = field(default_factory=Aggregation)
    tie_rules: tuple[str, ...] = (TieRule.LOWER_PRICE,)
    candidates_max: int = CANDIDATES_MAX
    valid_bids_min: int = VALID_BIDS_MIN
    insufficient: str = InsufficientRule.FAIL
    sme_deduction: SmeDeduction | None = None
    rounding: Rounding = ROUNDING
    kind: str = field(default=MethodKind.PROCUREMENT_SCORING, init=False)

    def __post_init__(self) -> None:
        items_check(self.items)
        _common_check(
            tie_rules=self.tie_rules,
            candidates_max=self.candidates_max,
            valid_bids_min=self.valid_bids_min,
            insufficient=self.insufficient,
            scored=True,
        )

    @property
    def full_score(self) -> Decimal:
        return self.price.weight + sum((item.points for item in self.items), Decimal(0))


@dataclass(frozen=True, kw_only=True)
class LowestEvaluatedPrice:
    """经评审的最低投标价法 / 最低评标价法: compliant bids ranked by evaluated price, lowest first.

    Evaluated price = bid price (less any SME deduction) + the bid's ``PriceAdjustment``s. No
    technical scores. Default tie rule: lower bid price; then the bids rank together (标准施工招标文件
    "投标报价也相等的，由招标人自行确定" [GK]; 87号令 第五十六条 "投标报价相同的并列" [GK]).
    Construction uses ``COMMITTEE_DECIDES`` for too few valid bids, procurement ``FAIL``.
    """

    tie_rules: tuple[str, ...] = (TieRule.LOWER_PRICE,)
    candidates_max: int = CANDIDATES_MAX
    valid_bids_min: int = VALID_BIDS_MIN
    insufficient: str = InsufficientRule.COMMITTEE_DECIDES
    sme_deduction: SmeDeduction | None = None
    rounding: Rounding = ROUNDING
    kind: str = field(default=MethodKind.LOWEST_EVALUATED_PRICE, init=False)

    def __post_init__(self) -> None:
        _common_check(
            tie_rules=self.tie_rules,
            candidates_max=self.candidates_max,
            valid_bids_min=self.valid_bids_min,
            insufficient=self.insufficient,
            scored=False,
        )


Method = ComprehensiveScoring | ProcurementScoring | LowestEvaluatedPrice


@dataclass(frozen=True)
class BidResult:
    """One bid's line in the evaluation report. Scores are None for a rejected bid."""

    bid_id: str
    price_fen: int
    disqualification: Disqualification | None
    evaluation_price_fen: int | None = None  # after SME deduction (and adjustments, lowest-price method)
    price: PriceScore | None = None
    technical_score: Decimal | None = None
    commercial_score: Decimal | None = None
    item_scores: Mapping[str, Decimal] = field(default_factory=dict)
    experts_dropped: tuple[str, ...] = ()
    total_score: Decimal | None = None
    rank: int | None = None

    @property
    def valid(self) -> bool:
        return self.disqualification is None


@dataclass(frozen=True)
class EvaluationResult:
    """The committee's result for one section, everything needed for the report and for recomputation."""

    method: str
    outcome: str
    outcome_article: str
    base_price: BasePrice | None
    bids: tuple[BidResult, ...]  # in the order given
    ranking: Ranking
    candidates: Candidates
    deviation_flags: tuple[DeviationFlag, ...] = ()

    @property
    def retender(self) -> bool:
        """Whether the section must be tendered again (流标/废标)."""
        return self.outcome == Outcome.FAILED

    def bid(self, bid_id: str) -> BidResult:
        for result in self.bids:
            if result.bid_id == bid_id:
                return result
        raise InvalidInput("投标不存在", code="bid_unknown", detail={"bid_id": bid_id})


def _outcome(method: Method, valid_count: int, candidates: Candidates) -> tuple[Outcome, str]:
    if valid_count == 0:
        return Outcome.FAILED, f"{ZBF}第四十二条；{CGF}第三十六条、第三十七条"
    if valid_count < method.valid_bids_min:
        if method.insufficient == InsufficientRule.FAIL:
            return Outcome.FAILED, f"{CGF}第三十六条第（一）项"
        return Outcome.INSUFFICIENT_COMPETITION, f"{ORDER_12}第二十七条"
    if not candidates.resolved:
        return Outcome.TIE_UNRESOLVED, CANDIDATES_ARTICLE
    if method.kind == MethodKind.PROCUREMENT_SCORING:
        return Outcome.CANDIDATES, f"{CGTL}第三十四条"
    if method.kind == MethodKind.LOWEST_EVALUATED_PRICE:
        return Outcome.CANDIDATES, f"{ZBF}第四十一条；{CGTL}第三十四条"
    return Outcome.CANDIDATES, CANDIDATES_ARTICLE


def evaluation_compute(
    *,
    method: Method,
    bids: Sequence[BidEntry],
    sheets: Iterable[ScoreSheet] = (),
    coefficient: Decimal | None = None,
    lots: Mapping[str, int] | None = None,
) -> EvaluationResult:
    """Evaluate one section: evaluation prices, base price, price scores, committee scores, ranking, candidates.

    ``bids`` are the opened bids with the compliance verdicts (a disqualified bid is reported but
    enters nothing else); ``sheets`` the members' score sheets (scoring methods only; validated);
    ``coefficient`` the K drawn at the opening, when the base price uses one; ``lots`` the numbers
    drawn to break ties, when a ``DRAWN_LOT`` rule applies. Totals are the sums of the published
    (rounded) parts and the ranking compares those published totals. Pure: the same inputs give
    the same result, so anyone holding them (the supervision platform included) can recompute it.
    """
    bids_check(bids)
    valid = bids_valid(bids)
    valid_ids = [bid.bid_id for bid in valid]
    excluded_ids = [bid.bid_id for bid in bids if not bid.valid]
    sheets = list(sheets)
    scored = not isinstance(method, LowestEvaluatedPrice)

    if scored:
        for bid in bids:
            if bid.adjustments:
                raise InvalidInput(
                    "只有经评审的最低投标价法可以调整评审价格",
                    code="adjustments_not_applicable",
                    detail={"bid_id": bid.bid_id},
                )
    elif sheets:
        raise InvalidInput("经评审的最低投标价法不打分，不接受评分表", code="sheets_not_applicable")
    if coefficient is not None and not isinstance(method, ComprehensiveScoring):
        raise InvalidInput("该评标方法不使用抽取系数", code="coefficient_unexpected")

    committee: dict[str, BidScores] = {}
    flags: list[DeviationFlag] = []
    if isinstance(method, ComprehensiveScoring | ProcurementScoring):
        committee = expert_scores_aggregate(
            items=method.items,
            sheets=sheets,
            bid_ids=valid_ids,
            excluded_bid_ids=excluded_ids,
            aggregation=method.aggregation,
            rounding=method.rounding,
        )
        flags = expert_deviations_flag(
            items=method.items,
            sheets=sheets,
            bid_ids=valid_ids,
            excluded_bid_ids=excluded_ids,
            aggregation=method.aggregation,
            rounding=method.rounding,
        )

    evaluation_prices = {
        bid.bid_id: evaluation_price_compute(
            bid=bid,
            sme_deduction=method.sme_deduction,
            rounding=method.rounding,
            with_adjustments=not scored,
        )
        for bid in valid
    }

    base: BasePrice | None = None
    price_scores: dict[str, PriceScore] = {}
    if valid and isinstance(method, ComprehensiveScoring):
        base = base_price_compute(
            strategy=method.base_price, prices_fen=evaluation_prices, coefficient=coefficient, rounding=method.rounding
        )
        for bid_id, price in evaluation_prices.items():
            price_scores[bid_id] = deviation_score_compute(
                scoring=method.price, price_fen=price, base_fen=base.value_fen, rounding=method.rounding
            )
    elif valid and isinstance(method, ProcurementScoring):
        base = base_price_compute(strategy=LowestValid(), prices_fen=evaluation_prices, rounding=method.rounding)
        for bid_id, price in evaluation_prices.items():
            price_scores[bid_id] = ratio_score_compute(
                scoring=method.price, price_fen=price, lowest_fen=base.value_fen, rounding=method.rounding
            )

    entries: list[RankEntry] = []
    for bid in valid:
        scores = committee.get(bid.bid_id)
        total = None
        if scored:
            assert scores is not None  # aggregated for every valid bid above
            total = price_scores[bid.bid_id].score + scores.technical + scores.commercial
        entries.append(
            RankEntry(
                bid_id=bid.bid_id,
                price_fen=bid.price_fen,
                evaluated_price_fen=evaluation_prices[bid.bid_id],
                total_score=total,
                technical_score=None if scores is None else scores.technical,
                commercial_score=None if scores is None else scores.commercial,
            )
        )
    ranking = bids_rank(
        entries=entries,
        rank_by=RankBy.TOTAL_SCORE if scored else RankBy.EVALUATED_PRICE,
        tie_rules=method.tie_rules,
        lots=lots,
    )
    outcome, article = _outcome(method, len(valid), Candidates(()))
    candidates = Candidates(())
    if outcome != Outcome.FAILED:
        candidates = candidates_select(ranking=ranking, candidates_max=method.candidates_max)
        outcome, article = _outcome(method, len(valid), candidates)

    by_id = {entry.bid_id: entry for entry in entries}
    results: list[BidResult] = []
    for bid in bids:
        if not bid.valid:
            results.append(BidResult(bid_id=bid.bid_id, price_fen=bid.price_fen, disqualification=bid.disqualification))
            continue
        scores = committee.get(bid.bid_id)
        results.append(
            BidResult(
                bid_id=bid.bid_id,
                price_fen=bid.price_fen,
                disqualification=None,
                evaluation_price_fen=evaluation_prices[bid.bid_id],
                price=price_scores.get(bid.bid_id),
                technical_score=None if scores is None else scores.technical,
                commercial_score=None if scores is None else scores.commercial,
                item_scores={} if scores is None else dict(scores.items),
                experts_dropped=() if scores is None else scores.experts_dropped,
                total_score=by_id[bid.bid_id].total_score,
                rank=ranking.rank_of(bid.bid_id),
            )
        )
    return EvaluationResult(
        method=method.kind,
        outcome=outcome,
        outcome_article=article,
        base_price=base,
        bids=tuple(results),
        ranking=ranking,
        candidates=candidates,
        deviation_flags=tuple(flags),
    )
