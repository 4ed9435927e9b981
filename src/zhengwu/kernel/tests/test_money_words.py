"""kernel.money_words: capital-numeral amounts (大写金额), checked against hand-written examples."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money_words import AMOUNT_WORDS_LIMIT_FEN, DIGITS, amount_in_words


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (1, "壹分"),
        (10, "壹角整"),
        (11, "壹角壹分"),
        (100, "壹元整"),
        (105, "壹元零伍分"),
        (1000, "壹拾元整"),
        (1600, "壹拾陆元整"),
        (3007, "叁拾元零柒分"),
        (32504, "叁佰贰拾伍元零肆分"),
        (100100, "壹仟零壹元整"),
        (101000, "壹仟零壹拾元整"),
        (140950, "壹仟肆佰零玖元伍角整"),
        (168032, "壹仟陆佰捌拾元叁角贰分"),
        (600714, "陆仟零柒元壹角肆分"),
        (1_000_010, "壹万元壹角整"),
        (1_000_500, "壹万零伍元整"),
        (1_020_300, "壹万零贰佰零叁元整"),
        (1_640_902, "壹万陆仟肆佰零玖元零贰分"),
        (10_000_000, "壹拾万元整"),
        (10_010_000, "壹拾万零壹佰元整"),
        (10_700_053, "壹拾万柒仟元伍角叁分"),
        (500_000_000, "伍佰万元整"),
        (1_000_000_000, "壹仟万元整"),
        (1_234_567_890, "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整"),
        (10_000_000_500, "壹亿零伍元整"),
        (10_000_100_000, "壹亿零壹仟元整"),
        (10_100_000_000, "壹亿零壹佰万元整"),
        (11_000_000_000, "壹亿壹仟万元整"),
        (200_000_000_000, "贰拾亿元整"),
        (100_000_000_000_000, "壹万亿元整"),
        (100_000_001_000_000, "壹万亿零壹万元整"),
        (999_999_999_999_999_999, "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_amounts_read_as_written_by_hand(fen: int, words: str) -> None:
    assert amount_in_words(fen) == words


@pytest.mark.parametrize(
    ("fen", "code"),
    [(-1, "money_negative"), (AMOUNT_WORDS_LIMIT_FEN, "money_too_large"), (True, "money_format")],
)
def test_what_cannot_be_an_amount_is_refused(fen: int, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        amount_in_words(fen)
    assert caught.value.code == code


def test_a_float_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        amount_in_words(1.5)  # type: ignore[arg-type]
    assert caught.value.code == "money_format"


# An independent reader of capital-numeral amounts, so that every amount can be checked by reading it back.
_PLACE_VALUES = {"仟": 1000, "佰": 100, "拾": 10}


def _read_group(words: str) -> int:
    total, digit = 0, 0
    for char in words.replace("零", ""):
        if char in _PLACE_VALUES:
            total += digit * _PLACE_VALUES[char]
            digit = 0
        else:
            digit = DIGITS.index(char)
    return total + digit


def _read_integer(words: str) -> int:
    if "亿" in words:
        high, low = words.rsplit("亿", 1)
        return _read_integer(high) * 10**8 + _read_integer(low)
    if "万" in words:
        high, low = words.split("万", 1)
        return _read_group(high) * 10**4 + _read_group(low)
    return _read_group(words)


def _read_amount(words: str) -> int:
    words = words.removesuffix("整")
    yuan_words, _, cents_words = words.rpartition("元") if "元" in words else ("", "", words)
    jiao = re.search(r"(.)角", cents_words)
    fen = re.search(r"(.)分", cents_words)
    cents = (DIGITS.index(jiao[1]) * 10 if jiao else 0) + (DIGITS.index(fen[1]) if fen else 0)
    return _read_integer(yuan_words) * 100 + cents


@given(st.integers(min_value=0, max_value=AMOUNT_WORDS_LIMIT_FEN - 1))
def test_every_amount_reads_back_to_itself(fen: int) -> None:
    words = amount_in_words(fen)
    assert _read_amount(words) == fen
    assert "零零" not in words
    assert fen == 0 or not re.search(r"零[万亿元]", words), "a zero never stands just before a group"
    assert words.endswith("分") != words.endswith("整")


@given(st.integers(min_value=1, max_value=AMOUNT_WORDS_LIMIT_FEN - 1))
def test_ten_is_always_written_with_its_one(fen: int) -> None:
    # 壹拾, never 拾 alone: nothing can be slipped in front of an amount that starts with a digit.
    words = amount_in_words(fen)
    assert words[0] in DIGITS
    assert not re.search(r"(^|[零万亿])拾", words)
