"""The method configuration an evaluation stores (JSON) and the ``rules`` method it stands for.

Two methods in this first version, as the tender documents set them:

- ``{"kind": "procurement_scoring", "price_weight": "30", "items": [...]}`` — 政府采购综合评分法;
- ``{"kind": "comprehensive", "base_price": "trimmed_mean" | "simple_mean" | "lowest_valid",
  "price": {"full_score", "above_per_percent", "below_per_percent", "deduction_cap"}, "items": [...]}``
  — 综合评估法 (a base price with a coefficient drawn at the opening is not offered yet).

Each item: ``{"code", "name", "category": "technical" | "commercial", "max_score", "min_score",
"weight"}``; numbers as text (Decimal). Optional for both: ``deviation_limit`` (share of an item's
range beyond which a member's score is flagged, default 0.20) and ``tie_rules``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from zhengwu.contexts.evaluation.rules import (
    Aggregation,
    BasePriceStrategy,
    CoefficientAdjusted,
    CoefficientForm,
    ComprehensiveScoring,
    DeviationPriceScore,
    LowestEvaluatedPrice,
    LowestValid,
    MethodKind,
    ProcurementScoring,
    RatioPriceScore,
    ScoreItem,
    SimpleMean,
    SmeDeduction,
    TrimmedMean,
)
from zhengwu.kernel.errors import InvalidInput

Method = ComprehensiveScoring | ProcurementScoring | LowestEvaluatedPrice
Scored = ComprehensiveScoring | ProcurementScoring
BASE_PRICES: dict[str, type] = {"trimmed_mean": TrimmedMean, "simple_mean": SimpleMean, "lowest_valid": LowestValid}


def _decimal(value: Any, *, field: str) -> Decimal:
    if isinstance(value, (bool, float)) or value is None:
        raise InvalidInput(f"{field}应为数字文本", code="method_parameter_invalid", detail={"field": field})
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"{field}应为数字", code="method_parameter_invalid", detail={"field": field}) from None


def _items(config: dict[str, Any]) -> tuple[ScoreItem, ...]:
    raw = config.get("items")
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("评标办法须列出评分因素", code="method_parameter_invalid", detail={"field": "items"})
    items = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise InvalidInput("评分因素格式错误", code="method_parameter_invalid", detail={"field": "items"})
        items.append(
            ScoreItem(
                code=str(entry.get("code", "")),
                name=str(entry.get("name", entry.get("code", ""))),
                category=str(entry.get("category", "")),
                max_score=_decimal(entry.get("max_score"), field="最高分"),
                min_score=_decimal(entry.get("min_score", "0"), field="最低分"),
                weight=_decimal(entry.get("weight", "1"), field="权重"),
            )
        )
    return tuple(items)


def _sme(config: dict[str, Any]) -> dict[str, Any]:
    raw = config.get("sme_deduction")
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise InvalidInput("中小企业价格扣除设置格式错误", code="method_parameter_invalid", detail={"field": "sme"})
    consortium = raw.get("consortium_rate")
    return {
        "sme_deduction": SmeDeduction(
            small_micro_rate=_decimal(raw.get("small_micro_rate"), field="小微企业价格扣除比例"),
            consortium_rate=None if consortium in (None, "") else _decimal(consortium, field="联合体价格扣除比例"),
        )
    }


def _base_price(config: dict[str, Any]) -> BasePriceStrategy:
    """The 评标基准价 strategy: a name, or ``{"coefficient": {...}}`` for a mean moved by K."""
    raw = config.get("base_price", "")
    if isinstance(raw, dict) and isinstance(raw.get("coefficient"), dict):
        k = raw["coefficient"]
        inner = BASE_PRICES.get(str(k.get("inner", "simple_mean")))
        if inner is None:
            raise InvalidInput("未知的评标基准价计算方法", code="method_parameter_invalid", detail={"field": "inner"})
        coefficient_options(config)  # the step must divide the range
        return CoefficientAdjusted(
            inner=inner(),
            low=_decimal(k.get("low"), field="系数下限"),
            high=_decimal(k.get("high"), field="系数上限"),
            form=str(k.get("form", CoefficientForm.DOWN_RATE)),
        )
    strategy = BASE_PRICES.get(str(raw))
    if strategy is None:
        raise InvalidInput(
            "综合评估法须设定评标基准价和价格分", code="method_parameter_invalid", detail={"field": "base_price"}
        )
    base: BasePriceStrategy = strategy()
    return base


def coefficient_options(config: Any) -> list[Decimal]:
    """The values K may take (low, low + step, …, high) when the base price uses a drawn coefficient; [] otherwise."""
    raw = config.get("base_price") if isinstance(config, dict) else None
    if not (isinstance(raw, dict) and isinstance(raw.get("coefficient"), dict)):
        return []
    k = raw["coefficient"]
    low, high = _decimal(k.get("low"), field="系数下限"), _decimal(k.get("high"), field="系数上限")
    step = _decimal(k.get("step", "0.005"), field="系数步长")
    if step <= 0 or high < low or (high - low) % step != 0 or (high - low) / step > 1000:
        raise InvalidInput(
            "系数范围和步长不匹配（上限减下限应为步长的整数倍）",
            code="method_parameter_invalid",
            detail={"field": "step"},
        )
    count = int((high - low) / step) + 1
    return [low + step * i for i in range(count)]


def method_build(config: Any) -> Method:
    """The ``rules`` method for a stored configuration; InvalidInput (``method_parameter_invalid``) if it is wrong.

    ``kind``: ``comprehensive`` (综合评估法: ``base_price`` — ``trimmed_mean``, ``simple_mean``,
    ``lowest_valid`` or ``{"coefficient": {"inner", "low", "high", "step", "form"}}`` — and
    ``price``), ``procurement_scoring`` (``price_weight``; ``sme_deduction``) or
    ``lowest_evaluated_price`` (no items; ``sme_deduction``; ``insufficient``).
    """
    if not isinstance(config, dict):
        raise InvalidInput("评标办法格式错误", code="method_parameter_invalid")
    aggregation = Aggregation(deviation_limit=_decimal(config.get("deviation_limit", "0.20"), field="评分偏离限度"))
    extra: dict[str, Any] = {}
    if "tie_rules" in config:
        extra["tie_rules"] = tuple(str(r) for r in config["tie_rules"])
    kind = config.get("kind")
    if kind == MethodKind.LOWEST_EVALUATED_PRICE:
        if "insufficient" in config:
            extra["insufficient"] = str(config["insufficient"])
        return LowestEvaluatedPrice(**extra, **_sme(config))
    if kind == MethodKind.PROCUREMENT_SCORING:
        return ProcurementScoring(
            price=RatioPriceScore(weight=_decimal(config.get("price_weight"), field="价格分值")),
            items=_items(config),
            aggregation=aggregation,
            **extra,
            **_sme(config),
        )
    if kind == MethodKind.COMPREHENSIVE:
        price = config.get("price")
        if not isinstance(price, dict):
            raise InvalidInput(
                "综合评估法须设定评标基准价和价格分", code="method_parameter_invalid", detail={"field": "price"}
            )
        cap = price.get("deduction_cap")
        return ComprehensiveScoring(
            base_price=_base_price(config),
            price=DeviationPriceScore(
                full_score=_decimal(price.get("full_score"), field="价格分满分"),
                above_per_percent=_decimal(price.get("above_per_percent"), field="高于基准价每1%扣分"),
                below_per_percent=_decimal(price.get("below_per_percent"), field="低于基准价每1%扣分"),
                deduction_cap=None if cap in (None, "") else _decimal(cap, field="扣分上限"),
            ),
            items=_items(config),
            aggregation=aggregation,
            **extra,
        )
    raise InvalidInput("暂不支持该评标办法", code="method_unsupported", detail={"kind": str(kind)[:40]})


def method_items(method: Method) -> tuple[ScoreItem, ...]:
    """The items the members score; none for 经评审的最低投标价法 (no score sheets)."""
    return () if isinstance(method, LowestEvaluatedPrice) else method.items
