"""Price scores: deviation from the base price (engineering) and lowest-price ratio (procurement)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import ceil, floor

from zhengwu.contexts.evaluation.rules.arithmetic import ROUNDING, Rounding, fen_check, parameter_check
from zhengwu.kernel.errors import InvalidInput


class PartialPercent(StrEnum):
    """How a deviation that is not a whole number of percent is charged."""

    LINEAR = "linear"  # 插值: 2.04% × 0.2 = 0.408 points (reference §4.4, §4.6)
    WHOLE_UP = "whole_up"  # 不足1%按1%计: 2.04% is charged as 3%
    WHOLE_DOWN = "whole_down"  # 不足1%不计: 2.04% is charged as 2%


@dataclass(frozen=True)
class DeviationPriceScore:
    """Price score from the 偏差率 against the base price (reference §4.4; local rules, not statute).

    偏差率 = (评审价 − 评标基准价) / 评标基准价 × 100%, rounded by ``Rounding.rate_places``.
    Above the base ``above_per_percent`` (E1) points are deducted per percent, below it
    ``below_per_percent`` (E2); the deduction stops at ``deduction_cap`` when one is set (the
    published example caps it at 5 points), and the score never falls below 0. ``partial_percent``
    says how a fraction of a percent is charged; the reference's examples interpolate (LINEAR), the
    other two readings appear in local tender documents ([GK]) and are offered as parameters.
    """

    full_score: Decimal
    above_per_percent: Decimal
    below_per_percent: Decimal
    deduction_cap: Decimal | None = None
    partial_percent: str = PartialPercent.LINEAR

    def __post_init__(self) -> None:
        full = parameter_check(self.full_score, field="价格分满分", minimum=0, minimum_open=True)
        object.__setattr__(self, "full_score", full)
        object.__setattr__(
            self, "above_per_percent", parameter_check(self.above_per_percent, field="高于基准价每1%扣分", minimum=0)
        )
        object.__setattr__(
            self, "below_per_percent", parameter_check(self.below_per_percent, field="低于基准价每1%扣分", minimum=0)
        )
        if self.deduction_cap is not None:
            object.__setattr__(
                self,
                "deduction_cap",
                parameter_check(self.deduction_cap, field="价格分最多扣分", minimum=0, maximum=full),
            )
        if self.partial_percent not in PartialPercent.__members__.values():
            raise InvalidInput(
                "未知的不足1%计算方式",
                code="method_parameter_invalid",
                detail={"partial_percent": self.partial_percent},
            )

    @property
    def weight(self) -> Decimal:
        return self.full_score


@dataclass(frozen=True)
class RatioPriceScore:
    """价格分 = 评标基准价 / 评审价 × ``weight`` with the lowest valid price as the base.

    87号令 第五十五条 (reference §4.3 [WEB]): 投标报价得分 = (评标基准价 / 投标报价) × 100 and the
    factor weighs ``weight`` points of the total; the product is rounded once, to the score.
    """

    weight: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", parameter_check(self.weight, field="价格分值", minimum=0, minimum_open=True))


@dataclass(frozen=True)
class PriceScore:
    """One bid's price score and how it was reached (for the report and for recomputation)."""

    score: Decimal
    deviation_rate: Decimal | None = None  # percent, rounded; deviation method only
    deduction: Decimal | None = None  # points deducted after the cap; deviation method only
    capped: bool = False


def deviation_rate_compute(*, price_fen: int, base_fen: int, rounding: Rounding = ROUNDING) -> Decimal:
    """偏差率 in percent: (price − base) / base × 100, rounded by ``rounding.rate_places`` (−2.91 for −2.9126…)."""
    fen_check(price_fen, field="评审价格")
    fen_check(base_fen, field="评标基准价")
    return rounding.rate(Fraction(price_fen - base_fen, base_fen) * 100)


def deviation_score_compute(
    *, scoring: DeviationPriceScore, price_fen: int, base_fen: int, rounding: Rounding = ROUNDING
) -> PriceScore:
    """A bid's price score under ``scoring``: full score less the capped deduction for its 偏差率, at least 0."""
    rate = deviation_rate_compute(price_fen=price_fen, base_fen=base_fen, rounding=rounding)
    per_percent = scoring.above_per_percent if rate > 0 else scoring.below_per_percent
    percents = abs(rate)
    if scoring.partial_percent == PartialPercent.WHOLE_UP:
        percents = Decimal(ceil(percents))
    elif scoring.partial_percent == PartialPercent.WHOLE_DOWN:
        percents = Decimal(floor(percents))
    deduction = Fraction(percents) * Fraction(per_percent)
    capped = scoring.deduction_cap is not None and deduction > Fraction(scoring.deduction_cap)
    if capped:
        assert scoring.deduction_cap is not None  # for mypy: implied by ``capped``
        deduction = Fraction(scoring.deduction_cap)
    score = max(Fraction(scoring.full_score) - deduction, Fraction(0))
    return PriceScore(
        score=rounding.score(score),
        deviation_rate=rate,
        # rate and E are short decimals, so their product is an exact short decimal too
        deduction=Decimal(deduction.numerator) / Decimal(deduction.denominator),
        capped=capped,
    )


def ratio_score_compute(
    *, scoring: RatioPriceScore, price_fen: int, lowest_fen: int, rounding: Rounding = ROUNDING
) -> PriceScore:
    """A bid's price score under the lowest-price ratio: lowest / price × weight, rounded once.

    ``lowest_fen`` is the lowest valid evaluation price (after SME deductions); the bid at that
    price gets the full ``weight``.
    """
    fen_check(price_fen, field="评审价格")
    fen_check(lowest_fen, field="评标基准价")
    if lowest_fen > price_fen:
        raise InvalidInput(
            "评标基准价必须是最低的有效评审价格",
            code="base_price_not_lowest",
            detail={"price_fen": price_fen, "lowest_fen": lowest_fen},
        )
    return PriceScore(score=rounding.score(Fraction(lowest_fen, price_fen) * Fraction(scoring.weight)))
