"""评标基准价 (the evaluation base price): pluggable strategies (ebidding-rules §4.4–§4.5).

A strategy is configuration stored per 标段 with the tender documents; it sees only the valid bids'
evaluation prices. The coefficient K drawn at the opening (随机抽取的下浮率/调整系数, recorded in
the 开标记录, reference §4.4 [GK]) is an input here: drawing it is the opening's job.

招标条例 第五十条 [LAW]: a 标底 is only a reference and closeness to it may not decide the award, so
no strategy takes a 标底; the control price (最高投标限价, 招标条例 第二十七条) may be blended in
with a weight below one, so that the bids always move the base.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from math import floor
from typing import Protocol, runtime_checkable

from zhengwu.contexts.evaluation.rules.arithmetic import (
    ROUNDING,
    Rounding,
    count_check,
    decimal_parse,
    fen_check,
    parameter_check,
)
from zhengwu.kernel.errors import InvalidInput


@dataclass(frozen=True)
class BasePartial:
    """A strategy's exact result before rounding: the value and which bids were counted or trimmed."""

    value: Fraction
    included: tuple[str, ...]
    trimmed: tuple[str, ...] = ()


@runtime_checkable
class BasePriceStrategy(Protocol):
    """How a base price is formed from the valid bids' evaluation prices (in fen)."""

    def base_compute(self, *, prices_fen: Mapping[str, int], coefficient: Fraction | None) -> BasePartial: ...


def _by_price(prices_fen: Mapping[str, int]) -> list[tuple[int, str]]:
    # ties on price are ordered by bid id: which of two equal prices is trimmed does not change the
    # mean, but the report names one of them and must name the same one every time
    return sorted((price, bid_id) for bid_id, price in prices_fen.items())


@dataclass(frozen=True)
class LowestValid:
    """低价优先法: the lowest valid evaluation price is the base (87号令 第五十五条 [WEB], reference §4.3)."""

    def base_compute(self, *, prices_fen: Mapping[str, int], coefficient: Fraction | None) -> BasePartial:
        price, bid_id = _by_price(prices_fen)[0]
        return BasePartial(Fraction(price), (bid_id,))


@dataclass(frozen=True)
class SimpleMean:
    """The arithmetic mean of every valid bid."""

    def base_compute(self, *, prices_fen: Mapping[str, int], coefficient: Fraction | None) -> BasePartial:
        ordered = _by_price(prices_fen)
        return BasePartial(Fraction(sum(p for p, _ in ordered), len(ordered)), tuple(b for _, b in ordered))


def _trimmed(ordered: list[tuple[int, str]], low: int, high: int) -> BasePartial:
    kept = ordered[low : len(ordered) - high]
    dropped = ordered[:low] + ordered[len(ordered) - high :]
    return BasePartial(
        Fraction(sum(p for p, _ in kept), len(kept)), tuple(b for _, b in kept), tuple(b for _, b in dropped)
    )


@dataclass(frozen=True)
class TrimmedMean:
    """Mean after dropping the ``drop_highest`` highest and ``drop_lowest`` lowest bids.

    Only when at least ``min_bids`` valid bids remain; with fewer, the plain mean of all. The
    default is the rule seen in practice (reference §4.4 [CODE: fangjian]): more than three bids
    ⇒ drop one highest and one lowest. Trimmed bids are still scored against the base (§4.6 B).
    """

    drop_highest: int = 1
    drop_lowest: int = 1
    min_bids: int = 4

    def __post_init__(self) -> None:
        count_check(self.drop_highest, field="去掉最高报价个数")
        count_check(self.drop_lowest, field="去掉最低报价个数")
        # at least one bid must be left to average once trimming applies
        count_check(self.min_bids, field="去高去低的最少有效投标数", minimum=self.drop_highest + self.drop_lowest + 1)

    def base_compute(self, *, prices_fen: Mapping[str, int], coefficient: Fraction | None) -> BasePartial:
        ordered = _by_price(prices_fen)
        if len(ordered) < self.min_bids:
            return _trimmed(ordered, 0, 0)
        return _trimmed(ordered, self.drop_lowest, self.drop_highest)


@dataclass(frozen=True)
class PercentTrimmedMean:
    """Mean after dropping a share of the bids at each end, when at least ``min_bids`` are valid.

    The number dropped at each end is ⌊n × fraction⌋ (e.g. 20% of 7 bids ⇒ 1 each side). Rounding
    the count down is an assumption (local rules seen state the share, rarely how to round it); a
    tender that rounds otherwise states the counts and uses ``TrimmedMean``.
    """

    fraction: Decimal = Decimal("0.2")
    min_bids: int = 5

    def __post_init__(self) -> None:
        # below one half, so that at least one bid is always left
        object.__setattr__(
            self,
            "fraction",
            parameter_check(self.fraction, field="去高去低比例", minimum=0, maximum=Decimal("0.5"), maximum_open=True),
        )
        count_check(self.min_bids, field="去高去低的最少有效投标数", minimum=1)

    def base_compute(self, *, prices_fen: Mapping[str, int], coefficient: Fraction | None) -> BasePartial:
        ordered = _by_price(prices_fen)
        if len(ordered) < self.min_bids:
            return _trimmed(ordered, 0, 0)
        each = floor(len(ordered) * Fraction(self.fraction))
        return _trimmed(ordered, each, each)


class CoefficientForm(StrEnum):
    DOWN_RATE = "down_rate"  # base × (1 − K): 下浮率 K, e.g. 2% (reference §4.5, §4.6 C)
    MULTIPLIER = "multiplier"  # base × K: 调整系数 K, e.g. 0.95–0.98 (随机抽取调整系数法, §4.4)


@dataclass(frozen=True)
class CoefficientAdjusted:
    """An inner base (usually a mean) moved by a coefficient K drawn at the opening from [low, high].

    K itself is an input of ``base_price_compute``; it must lie within the published range.
    """

    inner: BasePriceStrategy
    low: Decimal
    high: Decimal
    form: str = CoefficientForm.DOWN_RATE

    def __post_init__(self) -> None:
        if self.form not in CoefficientForm.__members__.values():
            raise InvalidInput("未知的系数形式", code="method_parameter_invalid", detail={"form": self.form})
        if self.form == CoefficientForm.DOWN_RATE:
            low = parameter_check(self.low, field="下浮率下限", minimum=0, maximum=1, maximum_open=True)
            high = parameter_check(self.high, field="下浮率上限", minimum=low, maximum=1, maximum_open=True)
        else:
            low = parameter_check(self.low, field="调整系数下限", minimum=0, minimum_open=True)
            high = parameter_check(self.high, field="调整系数上限", minimum=low)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def base_compute(self, *, prices_fen: Mapping[str, int], coefficient: Fraction | None) -> BasePartial:
        if coefficient is None:
            raise InvalidInput("评标基准价需要开标时抽取的系数", code="coefficient_missing")
        if not Fraction(self.low) <= coefficient <= Fraction(self.high):
            raise InvalidInput(
                "抽取的系数不在招标文件公布的范围内",
                code="coefficient_out_of_range",
                detail={"low": str(self.low), "high": str(self.high)},
            )
        inner = self.inner.base_compute(prices_fen=prices_fen, coefficient=None)
        factor = 1 - coefficient if self.form == CoefficientForm.DOWN_RATE else coefficient
        return BasePartial(inner.value * factor, inner.included, inner.trimmed)


@dataclass(frozen=True)
class ControlPriceWeighted:
    """招标控制价 × A + inner × (1 − A) (reference §4.5; §4.6 D wraps it in a K adjustment).

    ``control_weight`` A must stay below one (招标条例 第五十条: the base may not be a fixed price
    set before the bids); the control price is the 最高投标限价 published with the documents.
    """

    inner: BasePriceStrategy
    control_price_fen: int
    control_weight: Decimal

    def __post_init__(self) -> None:
        fen_check(self.control_price_fen, field="招标控制价")
        object.__setattr__(
            self,
            "control_weight",
            parameter_check(self.control_weight, field="招标控制价权重", minimum=0, maximum=1, maximum_open=True),
        )

    def base_compute(self, *, prices_fen: Mapping[str, int], coefficient: Fraction | None) -> BasePartial:
        inner = self.inner.base_compute(prices_fen=prices_fen, coefficient=coefficient)
        weight = Fraction(self.control_weight)
        return BasePartial(self.control_price_fen * weight + inner.value * (1 - weight), inner.included, inner.trimmed)


def _uses_coefficient(strategy: BasePriceStrategy) -> bool:
    if isinstance(strategy, CoefficientAdjusted):
        return True
    inner = getattr(strategy, "inner", None)
    return inner is not None and _uses_coefficient(inner)


@dataclass(frozen=True)
class BasePrice:
    """The 评标基准价 as published: rounded to the fen, with the bids it was formed from."""

    value_fen: int
    included: tuple[str, ...]  # valid bids that entered the calculation
    trimmed: tuple[str, ...]  # valid bids left out of the mean (still scored against the base)
    coefficient: Decimal | None


def base_price_compute(
    *,
    strategy: BasePriceStrategy,
    prices_fen: Mapping[str, int],
    coefficient: Decimal | None = None,
    rounding: Rounding = ROUNDING,
) -> BasePrice:
    """The base price from the valid bids' evaluation prices (bid id → fen), rounded to the fen.

    The whole chain (mean, control-price blend, coefficient) is exact; only the result is rounded.

    ``prices_fen`` must hold only valid bids: a disqualified bid never enters the base. ``coefficient``
    is the K drawn at the opening, required by (and only by) ``CoefficientAdjusted``.
    """
    if not prices_fen:
        raise InvalidInput("没有有效投标，无法计算评标基准价", code="base_price_no_bids")
    for bid_id, price in prices_fen.items():
        fen_check(price, field=f"投标{bid_id}的评审价格")
    if coefficient is not None and not _uses_coefficient(strategy):
        # a K given to a method that has none is a wiring mistake, not something to ignore
        raise InvalidInput("该评标基准价计算方法不使用抽取系数", code="coefficient_unexpected")
    exact_k = (
        None if coefficient is None else Fraction(decimal_parse(coefficient, field="系数", code="coefficient_invalid"))
    )
    partial = strategy.base_compute(prices_fen=prices_fen, coefficient=exact_k)
    return BasePrice(
        value_fen=rounding.fen(partial.value),
        included=partial.included,
        trimmed=partial.trimmed,
        coefficient=None if coefficient is None else Decimal(coefficient),
    )
