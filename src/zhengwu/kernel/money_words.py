"""Amounts in Chinese capital numerals (大写金额), as award notices, contracts and cheques write them.

The rules are those of the People's Bank's 《正确填写票据和结算凭证的基本规定》:

- a ``0`` between other digits reads 零, and a run of zeros reads one 零 (``1,409`` → 壹仟肆佰零玖,
  ``6,007`` → 陆仟零柒); zeros at the end of a group of four digits are silent;
- a group (万, 亿) whose number has fewer than four digits after a non-zero higher group is
  preceded by 零 (``10,005`` → 壹万零伍; ``100,000,005`` → 壹亿零伍);
- ten is written 壹拾, never 拾 alone, so that nothing can be written in front of it;
- when 角 is zero but 分 is not, 元 is followed by 零 (``325.04`` → 叁佰贰拾伍元零肆分);
- an amount that stops at 元 or 角 ends in 整; one with 分 does not.

Where the rules allow either (a zero 元 or 万 digit followed by a non-zero 角 or 仟), this module
writes no 零: ``1,680.32`` → 壹仟陆佰捌拾元叁角贰分.
"""

from __future__ import annotations

from zhengwu.kernel.errors import InvalidInput

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("仟", "佰", "拾", "")
_WAN = 10**4
_YI = 10**8
# The largest group in financial writing is 万亿; anything above it is not an amount but an error.
AMOUNT_WORDS_LIMIT_FEN = 10**16 * 100


def amount_in_words(fen: int) -> str:
    """Write ``fen`` (integer fen, not negative) as a capital-numeral amount, e.g. 壹万零伍元整."""
    if isinstance(fen, bool) or not isinstance(fen, int):  # a guard for untyped callers: money is integer fen
        raise InvalidInput("金额必须以分为单位的整数表示", code="money_format", detail={"value": repr(fen)})
    if fen < 0:
        raise InvalidInput("大写金额不能为负数", code="money_negative", detail={"fen": fen})
    if fen >= AMOUNT_WORDS_LIMIT_FEN:
        raise InvalidInput("金额超出可书写的范围", code="money_too_large", detail={"fen": fen})
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    words = _integer_words(yuan) + "元" if yuan else ""
    if not cents:
        return (words or "零元") + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif yuan:
        words += "零"  # 角 is zero but 分 is not: 叁佰贰拾伍元零肆分
    if fen_digit:
        return words + DIGITS[fen_digit] + "分"
    return words + "整"


def _integer_words(number: int) -> str:
    """A positive integer in capital numerals, in groups of four digits under 万 and 亿."""
    if number >= _YI:
        high, low = divmod(number, _YI)
        words = _integer_words(high) + "亿"
        if low:
            # A lower part that does not fill the eight places under 亿 starts with a silent zero.
            words += ("零" if low < _YI // 10 else "") + _integer_words(low)
        return words
    if number >= _WAN:
        high, low = divmod(number, _WAN)
        words = _group_words(high) + "万"
        if low:
            words += ("零" if low < _WAN // 10 else "") + _group_words(low)
        return words
    return _group_words(number)


def _group_words(number: int) -> str:
    """A number from 1 to 9999: inner runs of zeros read one 零, trailing zeros are silent."""
    words = ""
    zero_pending = False
    for digit, place in zip(f"{number:04d}", _PLACES, strict=True):
        if digit == "0":
            zero_pending = bool(words)
            continue
        if zero_pending:
            words += "零"
            zero_pending = False
        words += DIGITS[int(digit)] + place
    return words
