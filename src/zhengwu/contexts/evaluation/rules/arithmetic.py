"""Exact arithmetic, the one place where it rounds, and the instruments the rules cite.

Every intermediate value is an exact ``Fraction`` (amounts in integer fen, parameters and expert
scores as ``Decimal`` converted without loss). Rounding happens only through ``Rounding``, at the
points the reference names (ebidding-rules §4.4, §4.6: "half-up to 2 decimals, applied to the 偏差率
(as a percentage) and to the score"):

- the 偏差率 (deviation rate), in percent, to ``rate_places``;
- every published score (price score, technical and commercial scores) to ``score_places``;
- an amount that is not a whole fen (a mean of prices, a price after an SME deduction) to the fen.

Totals are sums of the published (rounded) parts, so a total always equals what the report shows.
A tender's documents may state other precisions; ``Rounding`` is then a parameter of the method.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import (
    ROUND_05UP,
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    InvalidOperation,
)
from fractions import Fraction
from typing import Literal

from zhengwu.kernel.errors import InvalidInput

# -- the instruments cited (short names as in ebidding-rules.md §0.2/§0.3) ------------------------
ZBF = "《招标投标法》"
ZBTL = "《招标投标法实施条例》"
CGF = "《政府采购法》"
CGTL = "《政府采购法实施条例》"
ORDER_12 = "《评标委员会和评标方法暂行规定》（七部委令第12号）"
MOF_87 = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）"
SME_46 = "《政府采购促进中小企业发展管理办法》（财库〔2020〕46号）"
SME_19 = "《关于进一步加大政府采购支持中小企业力度的通知》（财库〔2022〕19号）"
PRACTICE = "招标文件约定（地方评标办法惯例）"  # a local practice the tender documents adopt, not a statute

# How far an article was checked, as in tendering.rules: ``law`` against the full text in
# shared/reference/laws/, ``web`` from a secondary reprint, ``gk`` unverified (article numbers too).
Source = Literal["law", "web", "gk"]

_MODES = frozenset(
    {ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_HALF_DOWN, ROUND_UP, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR, ROUND_05UP}
)


def fraction_round(value: Fraction, *, places: int, mode: str = ROUND_HALF_UP) -> Decimal:
    """Round an exact fraction to ``places`` decimals with a ``decimal`` rounding mode, exactly.

    ``Decimal`` division of 1/3 is already rounded to the context's precision, so a value is first
    split into its integer part at the wanted scale and the discarded remainder; the remainder is
    then replaced by a stand-in (.25, .5 or .75) that sits on the same side of one half, and
    ``Decimal.quantize`` applies the mode. The result is the exactly rounded value for every mode.
    ``ROUND_HALF_UP`` rounds ties away from zero: −2.915 → −2.92.
    """
    scaled = value * (10**places)
    whole, rest = divmod(abs(scaled.numerator), scaled.denominator)
    if rest == 0:
        proxy = Decimal(whole)
    elif 2 * rest < scaled.denominator:
        proxy = Decimal(whole) + Decimal("0.25")
    elif 2 * rest == scaled.denominator:
        proxy = Decimal(whole) + Decimal("0.5")
    else:
        proxy = Decimal(whole) + Decimal("0.75")
    if scaled < 0:
        proxy = -proxy
    rounded = proxy.quantize(Decimal(1), rounding=mode)
    return rounded.scaleb(-places) if places else rounded


@dataclass(frozen=True)
class Rounding:
    """Where the arithmetic rounds and how: the only rounding in the evaluation rules.

    Defaults follow the reference's worked examples (§4.6): 偏差率 in percent and scores to two
    decimals, half-up (ties away from zero). ``entry_places`` is the finest step an expert may
    enter on a score sheet (0.01 point); a finer entry is refused rather than rounded.
    """

    rate_places: int = 2
    score_places: int = 2
    entry_places: int = 2
    mode: str = ROUND_HALF_UP

    def __post_init__(self) -> None:
        for name in ("rate_places", "score_places", "entry_places"):
            places = getattr(self, name)
            if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 6:
                raise InvalidInput(
                    "保留小数位数必须是0到6之间的整数",
                    code="rounding_invalid",
                    detail={"field": name, "value": repr(places)},
                )
        if self.mode not in _MODES:
            raise InvalidInput("未知的舍入方式", code="rounding_invalid", detail={"mode": repr(self.mode)})

    def rate(self, value: Fraction) -> Decimal:
        """A deviation rate in percent, rounded for publication and for the deduction."""
        return fraction_round(value, places=self.rate_places, mode=self.mode)

    def score(self, value: Fraction) -> Decimal:
        """A published score."""
        return fraction_round(value, places=self.score_places, mode=self.mode)

    def fen(self, value: Fraction) -> int:
        """An amount in fen, rounded to the whole fen (0.01 yuan, the smallest unit a price states)."""
        return int(fraction_round(value, places=0, mode=self.mode))


ROUNDING = Rounding()


def decimal_parse(value: object, *, field: str, code: str = "number_invalid") -> Decimal:
    """An exact, finite Decimal from a Decimal, an int or a string; floats and booleans are refused.

    ``code`` is the stable error code the caller wants for this field (``score_invalid`` for a score
    sheet, ``method_parameter_invalid`` for a method's configuration).
    """
    if isinstance(value, bool | float):
        # floats are never exact, and True is an int to Python but never a number to a person
        raise InvalidInput(
            f"“{field}”必须是精确的数值（不能使用浮点数）", code=code, detail={"field": field, "value": repr(value)}
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInput(f"“{field}”不是有效的数值", code=code, detail={"field": field, "value": value}) from None
    else:
        raise InvalidInput(f"“{field}”不是有效的数值", code=code, detail={"field": field, "value": repr(value)})
    if not number.is_finite():
        raise InvalidInput(f"“{field}”不是有效的数值", code=code, detail={"field": field, "value": str(value)})
    return number


def parameter_check(
    value: object,
    *,
    field: str,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
    minimum_open: bool = False,
    maximum_open: bool = False,
) -> Decimal:
    """A method parameter as an exact Decimal within its bounds, or ``InvalidInput(method_parameter_invalid)``."""
    number = decimal_parse(value, field=field, code="method_parameter_invalid")
    low_ok = minimum is None or (number > minimum if minimum_open else number >= minimum)
    high_ok = maximum is None or (number < maximum if maximum_open else number <= maximum)
    if not (low_ok and high_ok):
        raise InvalidInput(
            f"参数“{field}”超出允许范围",
            code="method_parameter_invalid",
            detail={
                "field": field,
                "value": str(number),
                "minimum": None if minimum is None else str(minimum),
                "maximum": None if maximum is None else str(maximum),
            },
        )
    return number


def count_check(value: object, *, field: str, minimum: int = 0) -> int:
    """A whole-number method parameter (a count of bids or experts) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(
            f"参数“{field}”必须是不小于{minimum}的整数",
            code="method_parameter_invalid",
            detail={"field": field, "value": repr(value), "minimum": minimum},
        )
    return value


def fen_check(value: object, *, field: str) -> int:
    """A positive amount in integer fen (a price, a control price)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(
            f"“{field}”必须是以分为单位的正整数", code="price_invalid", detail={"field": field, "value": repr(value)}
        )
    return value
