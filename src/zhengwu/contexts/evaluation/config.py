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
    ComprehensiveScoring,
    DeviationPriceScore,
    LowestValid,
    MethodKind,
    ProcurementScoring,
    RatioPriceScore,
    ScoreItem,
    SimpleMean,
    TrimmedMean,
)
from zhengwu.kernel.errors import InvalidInput

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


def method_build(config: Any) -> Scored:
    """The ``rules`` method for a stored configuration; InvalidInput (``method_parameter_invalid``) if it is wrong."""
    if not isinstance(config, dict):
        raise InvalidInput("评标办法格式错误", code="method_parameter_invalid")
    aggregation = Aggregation(deviation_limit=_decimal(config.get("deviation_limit", "0.20"), field="评分偏离限度"))
    extra: dict[str, Any] = {}
    if "tie_rules" in config:
        extra["tie_rules"] = tuple(str(r) for r in config["tie_rules"])
    kind = config.get("kind")
    if kind == MethodKind.PROCUREMENT_SCORING:
        return ProcurementScoring(
            price=RatioPriceScore(weight=_decimal(config.get("price_weight"), field="价格分值")),
            items=_items(config),
            aggregation=aggregation,
            **extra,
        )
    if kind == MethodKind.COMPREHENSIVE:
        price = config.get("price")
        strategy = BASE_PRICES.get(str(config.get("base_price", "")))
        if not isinstance(price, dict) or strategy is None:
            raise InvalidInput(
                "综合评估法须设定评标基准价和价格分", code="method_parameter_invalid", detail={"field": "price"}
            )
        cap = price.get("deduction_cap")
        base: BasePriceStrategy = strategy()
        return ComprehensiveScoring(
            base_price=base,
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
