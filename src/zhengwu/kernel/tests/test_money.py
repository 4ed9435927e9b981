"""kernel.money: exact yuan at the edges, integer fen in storage, never a float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money import money_format, money_from_fen, money_to_fen


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        ("1234.56", 123456),
        ("1,234,567.89", 123456789),
        (" 12 ", 1200),
        ("0.01", 1),
        ("0.10", 10),
        ("100", 10000),
        (Decimal("99.9"), 9990),
        (Decimal("5.00"), 500),
        (7, 700),
        ("-3.5", -350),
    ],
)
def test_amounts_in_yuan_become_exact_fen(amount: str | Decimal | int, fen: int) -> None:
    assert money_to_fen(amount) == fen


def test_a_float_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        money_to_fen(0.1)  # type: ignore[arg-type]
    assert caught.value.code == "money_float"


@pytest.mark.parametrize("amount", ["1.234", "0.001", Decimal("10.005")])
def test_more_than_two_decimal_places_is_refused(amount: str | Decimal) -> None:
    with pytest.raises(InvalidInput) as caught:
        money_to_fen(amount)
    assert caught.value.code == "money_precision"
    assert caught.value.message == "金额最多保留两位小数（精确到分）"


@pytest.mark.parametrize("amount", ["abc", "", "1.2.3", "NaN", "Infinity", "-inf", "一百"])
def test_text_that_is_not_a_finite_number_is_refused(amount: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        money_to_fen(amount)
    assert caught.value.code == "money_format"
    assert caught.value.detail == {"value": amount}


def test_fen_become_yuan_with_two_places() -> None:
    assert money_from_fen(123456) == Decimal("1234.56")
    assert str(money_from_fen(5)) == "0.05"
    assert str(money_from_fen(0)) == "0.00"
    assert str(money_from_fen(-150)) == "-1.50"


def test_format_uses_thousands_separators_and_two_places() -> None:
    assert money_format(123456789) == "1,234,567.89"
    assert money_format(100) == "1.00"
    assert money_format(0) == "0.00"
    assert money_format(-123456) == "-1,234.56"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_survive_every_round_trip(fen: int) -> None:
    assert money_to_fen(money_from_fen(fen)) == fen
    assert money_to_fen(str(money_from_fen(fen))) == fen
    assert money_to_fen(money_format(fen)) == fen
