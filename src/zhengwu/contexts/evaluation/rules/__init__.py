"""The scoring arithmetic of bid evaluation (评标): pure functions over plain data, no ORM, no I/O.

Reading order, as the committee works:

1. ``bids``: each opened bid with its price in fen, SME declaration, adjustments and compliance
   verdict (``Disqualification`` with a stable reason code). Rejected bids enter nothing else.
2. ``base_price``: the 评标基准价 strategies — ``LowestValid``, ``SimpleMean``, ``TrimmedMean``,
   ``PercentTrimmedMean``, ``CoefficientAdjusted`` (K drawn at the opening), ``ControlPriceWeighted``.
3. ``price_score``: the deviation score (points per percent above/below, cap, floor 0) and the
   procurement ratio score (lowest valid price / price × weight).
4. ``sheets``: the members' score sheets, their validation, the committee's aggregate and the
   deviation flags.
5. ``ranking``: ranking with the documents' tie rules and the ≤3 ranked candidates.
6. ``methods``: the three methods as configuration and ``evaluation_compute``, the whole section.

Exactness: amounts are integer fen, parameters and scores ``Decimal``, every intermediate an exact
``Fraction``; rounding happens only in ``arithmetic.Rounding`` (偏差率 and scores to 2 decimals,
half-up; amounts to the fen). Provenance as in tendering.rules: [LAW] checked against
shared/reference/laws/, [WEB] a secondary reprint, [GK] unverified — every [GK] number is a
parameter with a default, never a constant in the code.
"""

from __future__ import annotations

from zhengwu.contexts.evaluation.rules.arithmetic import (
    ROUNDING,
    Rounding,
    decimal_parse,
    fraction_round,
)
from zhengwu.contexts.evaluation.rules.base_price import (
    BasePartial,
    BasePrice,
    BasePriceStrategy,
    CoefficientAdjusted,
    CoefficientForm,
    ControlPriceWeighted,
    LowestValid,
    PercentTrimmedMean,
    SimpleMean,
    TrimmedMean,
    base_price_compute,
)
from zhengwu.contexts.evaluation.rules.bids import (
    DISQUALIFICATION_ARTICLES,
    DISQUALIFICATION_LABELS,
    SME_STATUS_LABELS,
    BidEntry,
    Disqualification,
    DisqualificationReason,
    PriceAdjustment,
    SmeDeduction,
    SmeStatus,
    bids_check,
    bids_valid,
    evaluation_price_compute,
)
from zhengwu.contexts.evaluation.rules.methods import (
    METHOD_LABELS,
    OUTCOME_LABELS,
    VALID_BIDS_MIN,
    BidResult,
    ComprehensiveScoring,
    EvaluationResult,
    InsufficientRule,
    LowestEvaluatedPrice,
    Method,
    MethodKind,
    Outcome,
    ProcurementScoring,
    evaluation_compute,
)
from zhengwu.contexts.evaluation.rules.price_score import (
    DeviationPriceScore,
    PartialPercent,
    PriceScore,
    RatioPriceScore,
    deviation_rate_compute,
    deviation_score_compute,
    ratio_score_compute,
)
from zhengwu.contexts.evaluation.rules.ranking import (
    CANDIDATES_MAX,
    TIE_RULE_LABELS,
    Candidates,
    RankBy,
    RankEntry,
    RankGroup,
    Ranking,
    TieRule,
    bids_rank,
    candidates_select,
)
from zhengwu.contexts.evaluation.rules.sheets import (
    ITEM_CATEGORY_LABELS,
    Aggregation,
    AggregationRule,
    BidScores,
    DeviationFlag,
    ItemCategory,
    ScoreItem,
    ScoreSheet,
    SheetProblem,
    expert_deviations_flag,
    expert_scores_aggregate,
    score_sheet_problems,
    score_sheets_validate,
)

__all__ = [
    "CANDIDATES_MAX",
    "DISQUALIFICATION_ARTICLES",
    "DISQUALIFICATION_LABELS",
    "ITEM_CATEGORY_LABELS",
    "METHOD_LABELS",
    "OUTCOME_LABELS",
    "ROUNDING",
    "SME_STATUS_LABELS",
    "TIE_RULE_LABELS",
    "VALID_BIDS_MIN",
    "Aggregation",
    "AggregationRule",
    "BasePartial",
    "BasePrice",
    "BasePriceStrategy",
    "BidEntry",
    "BidResult",
    "BidScores",
    "Candidates",
    "CoefficientAdjusted",
    "CoefficientForm",
    "ComprehensiveScoring",
    "ControlPriceWeighted",
    "DeviationFlag",
    "DeviationPriceScore",
    "Disqualification",
    "DisqualificationReason",
    "EvaluationResult",
    "InsufficientRule",
    "ItemCategory",
    "LowestEvaluatedPrice",
    "LowestValid",
    "Method",
    "MethodKind",
    "Outcome",
    "PartialPercent",
    "PercentTrimmedMean",
    "PriceAdjustment",
    "PriceScore",
    "ProcurementScoring",
    "RankBy",
    "RankEntry",
    "RankGroup",
    "Ranking",
    "RatioPriceScore",
    "Rounding",
    "ScoreItem",
    "ScoreSheet",
    "SheetProblem",
    "SimpleMean",
    "SmeDeduction",
    "SmeStatus",
    "TieRule",
    "TrimmedMean",
    "base_price_compute",
    "bids_check",
    "bids_rank",
    "bids_valid",
    "candidates_select",
    "decimal_parse",
    "deviation_rate_compute",
    "deviation_score_compute",
    "evaluation_compute",
    "evaluation_price_compute",
    "expert_deviations_flag",
    "expert_scores_aggregate",
    "fraction_round",
    "ratio_score_compute",
    "score_sheet_problems",
    "score_sheets_validate",
]
