"""Money: exact decimals in yuan at the edges, integer fen in storage.

Floats never touch money. Amounts are parsed from strings or Decimals, must not have more
than two decimal places (a fen is the smallest unit a bid or a contract can state), and are
stored as integer fen.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from zhengwu.kernel.errors import InvalidInput

FEN_PER_YUAN = 100


def money_to_fen(amount: str | Decimal | int) -> int:
    """Convert an amount in yuan to integer fen, refusing anything that is not exact."""
    if isinstance(amount, float):  # a guard for untyped callers: floats are never exact money
        raise InvalidInput("金额不能使用浮点数", code="money_float", detail={"value": repr(amount)})
    try:
        value = Decimal(str(amount).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise InvalidInput("金额格式不正确", code="money_format", detail={"value": str(amount)}) from exc
    if not value.is_finite():
        raise InvalidInput("金额格式不正确", code="money_format", detail={"value": str(amount)})
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InvalidInput("金额最多保留两位小数（精确到分）", code="money_precision", detail={"value": str(amount)})
    return int(fen)


def money_from_fen(fen: int) -> Decimal:
    """Return the yuan amount of ``fen`` as an exact Decimal with two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def money_format(fen: int) -> str:
    """Format fen as yuan with thousands separators, e.g. ``1,234,567.89``."""
    return f"{money_from_fen(fen):,.2f}"
