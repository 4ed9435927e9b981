"""公民身份号码 (citizen identity number, GB 11643-1999) validation and masking.

Layout of the 18 characters: 1–6 the address code (GB/T 2260 administrative division at the
time of issue), 7–14 the date of birth (YYYYMMDD), 15–17 the sequence code (odd for men, even
for women), 18 the check character (ISO 7064 MOD 11-2: weights 2^(18-i) mod 11, the remainder
mapped to ``10X98765432``).

The old 15-digit numbers (before 1999) carry no check character and are not accepted: every
living holder has had an 18-character number for two decades.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

# ISO 7064 MOD 11-2 as GB 11643 §8.2 gives it: W_i = 2^(18-i) mod 11 for i = 1..17.
WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
CHECK_CHARS = "10X98765432"
LENGTH = 18

# First two digits of the GB/T 2260 codes of the provinces, autonomous regions, municipalities
# and the special administrative regions / Taiwan (the first two characters of an address code).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()  # noqa: SIM905
)
# Nobody alive was born before this; a date earlier than it is a typing error.
EARLIEST_BIRTH = dt.date(1900, 1, 1)

_SHAPE = re.compile(r"\d{17}[\dX]")


@dataclass(frozen=True)
class IdCardVerdict:
    """The outcome of checking one number: valid or not, with the reason in Chinese."""

    number: str
    valid: bool
    error_code: str | None = None
    message: str = ""
    birth_date: dt.date | None = None
    # "male" or "female", from the parity of the sequence code.
    sex: str | None = None


def idcard_normalize(raw: str) -> str:
    """Strip blanks, fold full-width characters (NFKC) and use a capital X."""
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def idcard_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def idcard_validate(raw: str, *, today: dt.date | None = None) -> IdCardVerdict:
    """Check a number's form, province, date of birth and check character.

    ``today`` bounds the date of birth (a number cannot be born in the future); without it only
    the calendar is checked.
    """
    number = idcard_normalize(raw)
    if len(number) != LENGTH:
        return IdCardVerdict(number, False, "id_card_length", f"身份证号码应为18位，实为{len(number)}位")
    if not _SHAPE.fullmatch(number):
        return IdCardVerdict(number, False, "id_card_charset", "身份证号码前17位应为数字，第18位为数字或X")
    if number[:2] not in PROVINCES:
        return IdCardVerdict(number, False, "id_card_region", f"身份证号码前两位“{number[:2]}”不是省级行政区划代码")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdCardVerdict(number, False, "id_card_birth_date", f"身份证号码中的出生日期“{number[6:14]}”不存在")
    if birth < EARLIEST_BIRTH or (today is not None and birth > today):
        return IdCardVerdict(number, False, "id_card_birth_date", f"身份证号码中的出生日期“{number[6:14]}”不合理")
    expected = idcard_check_char(number[:17])
    if number[17] != expected:
        return IdCardVerdict(
            number, False, "id_card_check_digit", f"身份证号码校验位应为“{expected}”，实为“{number[17]}”"
        )
    sex = "male" if int(number[16]) % 2 == 1 else "female"
    return IdCardVerdict(number, True, birth_date=birth, sex=sex)


def idcard_mask(number: str) -> str:
    """The number as it may be shown: the address code and the last four characters only.

    The date of birth (characters 7–14) is hidden with the sequence code: together with a name
    they are what identifies a person.
    """
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
