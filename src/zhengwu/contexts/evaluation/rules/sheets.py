"""Expert score sheets: validation, the committee's aggregate, and the deviation check.

Each member scores every valid bid on every item of the tender documents, within the item's range
(招标条例 第四十九条 [LAW]: only the documents' criteria; 采购条例 第三十四条 [LAW]: each score maps
to a quantified factor). Sheets for a bid rejected in the compliance review are ignored, so a
rejection never moves another bid's score.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from zhengwu.contexts.evaluation.rules.arithmetic import (
    PRACTICE,
    ROUNDING,
    Rounding,
    count_check,
    decimal_parse,
    parameter_check,
)
from zhengwu.kernel.errors import InvalidInput


class ItemCategory(StrEnum):
    TECHNICAL = "technical"  # 技术部分（施工组织设计、技术方案…）
    COMMERCIAL = "commercial"  # 商务部分（业绩、信誉、服务承诺…）


ITEM_CATEGORY_LABELS: dict[str, str] = {ItemCategory.TECHNICAL: "技术分", ItemCategory.COMMERCIAL: "商务分"}


@dataclass(frozen=True)
class ScoreItem:
    """One scoring factor (评分因素) with the range an expert may give and its weight.

    The item contributes ``score × weight`` points; with the usual "0–5分" items the weight is 1.
    """

    code: str
    name: str
    category: str
    max_score: Decimal
    min_score: Decimal = Decimal(0)
    weight: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code:
            raise InvalidInput("评分因素编号不能为空", code="method_parameter_invalid", detail={"field": "code"})
        if self.category not in ItemCategory.__members__.values():
            raise InvalidInput(
                "未知的评分因素类别",
                code="method_parameter_invalid",
                detail={"item": self.code, "category": self.category},
            )
        low = parameter_check(self.min_score, field=f"{self.name}最低分", minimum=0)
        high = parameter_check(self.max_score, field=f"{self.name}最高分", minimum=low, minimum_open=True)
        object.__setattr__(self, "min_score", low)
        object.__setattr__(self, "max_score", high)
        object.__setattr__(
            self, "weight", parameter_check(self.weight, field=f"{self.name}权重", minimum=0, minimum_open=True)
        )

    @property
    def points(self) -> Decimal:
        """The most this item adds to a total."""
        return self.max_score * self.weight

    @property
    def span(self) -> Fraction:
        """The width of the range in points (after the weight), the yardstick of the deviation check."""
        return (Fraction(self.max_score) - Fraction(self.min_score)) * Fraction(self.weight)


@dataclass(frozen=True)
class ScoreSheet:
    """One member's scores for one bid: item code → score as entered (Decimal, int or text; never a float)."""

    expert_id: str
    bid_id: str
    scores: Mapping[str, object]


class AggregationRule(StrEnum):
    MEAN = "mean"  # arithmetic mean of every member's score
    TRIMMED_MEAN = "trimmed_mean"  # drop the highest and the lowest member, from ``trim_min_experts`` members


@dataclass(frozen=True)
class Aggregation:
    """How members' sheets become the committee's score, and the deviation check's limit.

    Neither the law nor the reference fixes these: the mean of all members is the reading of 12号令
    [GK]; dropping the highest and the lowest member's total for a bid (去掉一个最高分和一个最低分)
    is a local practice some provinces' 评标办法 adopt for larger committees (not in 招标法/招标条例;
    unverified, default off). ``deviation_limit`` is the share of an item's range (and, for the
    total, of all items' ranges) beyond which a member's score is flagged for the committee to
    review (评审分值畸高畸低, a practice of e-evaluation systems; 20% is a common setting [GK]).
    """

    rule: str = AggregationRule.MEAN
    trim_min_experts: int = 7
    deviation_limit: Decimal = Decimal("0.20")
    article: str = PRACTICE

    def __post_init__(self) -> None:
        if self.rule not in AggregationRule.__members__.values():
            raise InvalidInput("未知的汇总方式", code="method_parameter_invalid", detail={"rule": self.rule})
        # with two dropped there must be at least one member left
        count_check(self.trim_min_experts, field="去掉最高最低分的最少评委人数", minimum=3)
        object.__setattr__(
            self,
            "deviation_limit",
            parameter_check(self.deviation_limit, field="评分偏离限度", minimum=0, minimum_open=True, maximum=1),
        )


@dataclass(frozen=True)
class SheetProblem:
    """One thing wrong with the sheets, with a stable code and a Chinese message."""

    code: str
    message: str
    expert_id: str | None = None
    bid_id: str | None = None
    item_code: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "expert_id": self.expert_id,
            "bid_id": self.bid_id,
            "item_code": self.item_code,
            "detail": self.detail,
        }


def items_check(items: Sequence[ScoreItem]) -> None:
    """Refuse a list of scoring factors with a repeated code."""
    codes = [item.code for item in items]
    if len(codes) != len(set(codes)):
        raise InvalidInput(
            "评分因素编号重复",
            code="method_parameter_invalid",
            detail={"duplicates": sorted({c for c in codes if codes.count(c) > 1})},
        )


# bid → expert → item → score
_Parsed = dict[str, dict[str, dict[str, Decimal]]]


def _parse(
    *,
    items: Sequence[ScoreItem],
    sheets: Iterable[ScoreSheet],
    bid_ids: Collection[str],
    excluded_bid_ids: Collection[str],
    rounding: Rounding,
) -> tuple[_Parsed, list[SheetProblem]]:
    by_code = {item.code: item for item in items}
    parsed: _Parsed = {bid_id: {} for bid_id in bid_ids}
    problems: list[SheetProblem] = []
    step = Decimal(1).scaleb(-rounding.entry_places)
    for sheet in sheets:
        if sheet.bid_id in excluded_bid_ids:
            continue  # a rejected bid is not scored; a sheet made before the rejection is void
        if sheet.bid_id not in parsed:
            problems.append(
                SheetProblem(
                    "score_bid_unknown",
                    "评分表对应的投标不在本次评审范围内",
                    expert_id=sheet.expert_id,
                    bid_id=sheet.bid_id,
                )
            )
            continue
        if sheet.expert_id in parsed[sheet.bid_id]:
            problems.append(
                SheetProblem(
                    "score_sheet_duplicate",
                    "同一评委对同一投标提交了多份评分表",
                    expert_id=sheet.expert_id,
                    bid_id=sheet.bid_id,
                )
            )
            continue
        values: dict[str, Decimal] = {}
        for code, raw in sheet.scores.items():
            item = by_code.get(code)
            if item is None:
                problems.append(
                    SheetProblem(
                        "score_item_unknown",
                        "评分表含有招标文件未规定的评分因素",
                        item_code=code,
                        expert_id=sheet.expert_id,
                        bid_id=sheet.bid_id,
                    )
                )
                continue
            try:
                value = decimal_parse(raw, field=item.name, code="score_invalid")
            except InvalidInput as exc:
                problems.append(
                    SheetProblem(exc.code, exc.message, item_code=code, expert_id=sheet.expert_id, bid_id=sheet.bid_id)
                )
                continue
            if value != value.quantize(step):
                problems.append(
                    SheetProblem(
                        "score_precision",
                        f"“{item.name}”的分值最多保留{rounding.entry_places}位小数",
                        item_code=code,
                        detail={"value": str(value)},
                        expert_id=sheet.expert_id,
                        bid_id=sheet.bid_id,
                    )
                )
                continue
            if not item.min_score <= value <= item.max_score:
                problems.append(
                    SheetProblem(
                        "score_out_of_range",
                        f"“{item.name}”的分值应在{item.min_score}至{item.max_score}分之间",
                        item_code=code,
                        detail={"value": str(value), "min": str(item.min_score), "max": str(item.max_score)},
                        expert_id=sheet.expert_id,
                        bid_id=sheet.bid_id,
                    )
                )
                continue
            values[code] = value
        for item in items:
            if item.code not in sheet.scores:
                problems.append(
                    SheetProblem(
                        "score_item_missing",
                        f"评分表缺少“{item.name}”的分值",
                        item_code=item.code,
                        expert_id=sheet.expert_id,
                        bid_id=sheet.bid_id,
                    )
                )
        parsed[sheet.bid_id][sheet.expert_id] = values
    experts = sorted({expert for by_expert in parsed.values() for expert in by_expert})
    if items and bid_ids and not experts:
        problems.append(SheetProblem("score_sheets_missing", "尚无评委提交评分表"))
    for bid_id in bid_ids:
        for expert in experts:
            if expert not in parsed[bid_id]:
                problems.append(
                    SheetProblem("score_sheet_missing", "评委未对全部有效投标评分", expert_id=expert, bid_id=bid_id)
                )
    return parsed, problems


def score_sheet_problems(
    *,
    items: Sequence[ScoreItem],
    sheets: Iterable[ScoreSheet],
    bid_ids: Collection[str],
    excluded_bid_ids: Collection[str] = (),
    rounding: Rounding = ROUNDING,
) -> list[SheetProblem]:
    """Everything wrong with the sheets, for a page to show next to each field (empty when they are complete).

    ``bid_ids`` are the valid bids every member must score; sheets for ``excluded_bid_ids`` (rejected
    bids) are skipped; any other bid is unknown. Codes: ``score_invalid``, ``score_precision``,
    ``score_out_of_range``, ``score_item_unknown``, ``score_item_missing``, ``score_bid_unknown``,
    ``score_sheet_duplicate``, ``score_sheet_missing``, ``score_sheets_missing``.
    """
    items_check(items)
    return _parse(items=items, sheets=sheets, bid_ids=bid_ids, excluded_bid_ids=excluded_bid_ids, rounding=rounding)[1]


def _validated(
    *,
    items: Sequence[ScoreItem],
    sheets: Iterable[ScoreSheet],
    bid_ids: Collection[str],
    excluded_bid_ids: Collection[str],
    rounding: Rounding,
) -> _Parsed:
    items_check(items)
    parsed, problems = _parse(
        items=items, sheets=sheets, bid_ids=bid_ids, excluded_bid_ids=excluded_bid_ids, rounding=rounding
    )
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, code=first.code, detail={"problems": [p.as_dict() for p in problems]})
    return parsed


def score_sheets_validate(
    *,
    items: Sequence[ScoreItem],
    sheets: Iterable[ScoreSheet],
    bid_ids: Collection[str],
    excluded_bid_ids: Collection[str] = (),
    rounding: Rounding = ROUNDING,
) -> None:
    """Refuse incomplete or wrong sheets: ``InvalidInput`` with the first problem's code, all problems in ``detail``."""
    _validated(items=items, sheets=sheets, bid_ids=bid_ids, excluded_bid_ids=excluded_bid_ids, rounding=rounding)


@dataclass(frozen=True)
class BidScores:
    """The committee's scores for one bid (rounded for publication)."""

    bid_id: str
    technical: Decimal
    commercial: Decimal
    items: Mapping[str, Decimal]  # committee mean of each item as scored (before weight), for the report
    experts_counted: tuple[str, ...]
    experts_dropped: tuple[str, ...] = ()


def _expert_total(items: Sequence[ScoreItem], scores: Mapping[str, Decimal]) -> Fraction:
    return sum((Fraction(scores[item.code]) * Fraction(item.weight) for item in items), Fraction(0))


def expert_scores_aggregate(
    *,
    items: Sequence[ScoreItem],
    sheets: Iterable[ScoreSheet],
    bid_ids: Collection[str],
    excluded_bid_ids: Collection[str] = (),
    aggregation: Aggregation = Aggregation(),
    rounding: Rounding = ROUNDING,
) -> dict[str, BidScores]:
    """The committee's technical and commercial score per valid bid (bid id → ``BidScores``).

    Each part is the exact mean over the counted members of their weighted item scores, rounded
    once. With ``TRIMMED_MEAN`` and at least ``trim_min_experts`` members, the member with the
    highest and the one with the lowest total for that bid are not counted (equal totals are
    ordered by expert id, so the lowest id goes at the low end and the highest at the high end:
    the choice is repeatable; the sum is the same whichever equal member goes, its split between
    technical and commercial may not be). Sheets are validated first (``score_sheets_validate``).
    """
    parsed = _validated(
        items=items, sheets=sheets, bid_ids=bid_ids, excluded_bid_ids=excluded_bid_ids, rounding=rounding
    )
    result: dict[str, BidScores] = {}
    for bid_id in bid_ids:
        by_expert = parsed[bid_id]
        ranked = sorted(by_expert, key=lambda expert: (_expert_total(items, by_expert[expert]), expert))
        dropped: list[str] = []
        if aggregation.rule == AggregationRule.TRIMMED_MEAN and len(ranked) >= aggregation.trim_min_experts:
            dropped = [ranked[0], ranked[-1]]
            ranked = ranked[1:-1]
        counted = sorted(ranked)
        parts = {category: Fraction(0) for category in ItemCategory}
        means: dict[str, Decimal] = {}
        for item in items:
            if not counted:
                means[item.code] = Decimal(0)
                continue
            mean = Fraction(sum(Fraction(by_expert[e][item.code]) for e in counted), len(counted))
            means[item.code] = rounding.score(mean)
            parts[ItemCategory(item.category)] += mean * Fraction(item.weight)
        result[bid_id] = BidScores(
            bid_id=bid_id,
            technical=rounding.score(parts[ItemCategory.TECHNICAL]),
            commercial=rounding.score(parts[ItemCategory.COMMERCIAL]),
            items=means,
            experts_counted=tuple(counted),
            experts_dropped=tuple(sorted(dropped)),
        )
    return result


@dataclass(frozen=True)
class DeviationFlag:
    """A member's score that strays from the committee's mean by more than the limit (a prompt, not a correction)."""

    expert_id: str
    bid_id: str
    item_code: str | None  # None: the member's total for the bid
    score: Decimal  # in points, after the item's weight
    committee_mean: Decimal  # rounded for display; the comparison is exact
    deviation: Decimal  # score − mean, rounded for display
    limit: Decimal  # in points


def expert_deviations_flag(
    *,
    items: Sequence[ScoreItem],
    sheets: Iterable[ScoreSheet],
    bid_ids: Collection[str],
    excluded_bid_ids: Collection[str] = (),
    aggregation: Aggregation = Aggregation(),
    rounding: Rounding = ROUNDING,
) -> list[DeviationFlag]:
    """Flag each score (per item, and each member's total per bid) further than the limit from the mean of all members.

    The limit is ``aggregation.deviation_limit`` × the item's range in points (for the total, × the
    sum of the ranges); "further" is strict. Flags leave every score unchanged: the committee
    decides whether the member explains or corrects the sheet. Order: bid, expert, items in the
    documents' order, then the total.
    """
    parsed = _validated(
        items=items, sheets=sheets, bid_ids=bid_ids, excluded_bid_ids=excluded_bid_ids, rounding=rounding
    )
    share = Fraction(aggregation.deviation_limit)
    flags: list[DeviationFlag] = []
    for bid_id in sorted(bid_ids):
        by_expert = parsed[bid_id]
        experts = sorted(by_expert)
        if not experts:
            continue
        checks: list[tuple[str | None, Fraction, dict[str, Fraction]]] = [
            (item.code, item.span, {e: Fraction(by_expert[e][item.code]) * Fraction(item.weight) for e in experts})
            for item in items
        ]
        checks.append(
            (
                None,
                sum((item.span for item in items), Fraction(0)),
                {e: _expert_total(items, by_expert[e]) for e in experts},
            )
        )
        for expert in experts:
            for item_code, span, values in checks:
                mean = Fraction(sum(values.values()), len(values))
                limit = span * share
                if abs(values[expert] - mean) > limit:
                    flags.append(
                        DeviationFlag(
                            expert_id=expert,
                            bid_id=bid_id,
                            item_code=item_code,
                            score=rounding.score(values[expert]),
                            committee_mean=rounding.score(mean),
                            deviation=rounding.score(values[expert] - mean),
                            limit=rounding.score(limit),
                        )
                    )
    return flags
