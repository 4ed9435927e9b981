"""公民身份号码 (GB 11643-1999): check character, date of birth, sex and masking."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.kernel.idcard import idcard_check_char, idcard_mask, idcard_normalize, idcard_validate

# The worked example of GB 11643-1999 (a woman born 1949-12-31 in Beijing's Chaoyang district):
# weighted sum 167, 167 mod 11 = 2, check character X.
STANDARD_EXAMPLE = "11010519491231002X"


def test_the_standard_example_is_valid_with_its_date_and_sex() -> None:
    verdict = idcard_validate(STANDARD_EXAMPLE)
    assert verdict.valid is True
    assert verdict.birth_date == dt.date(1949, 12, 31)
    assert verdict.sex == "female"
    assert idcard_check_char(STANDARD_EXAMPLE[:17]) == "X"


def test_a_lower_case_x_and_full_width_digits_are_the_same_number() -> None:
    assert idcard_normalize(" １１０１０５１９４９１２３１００２x ") == STANDARD_EXAMPLE
    assert idcard_validate("11010519491231002x").valid is True


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "id_card_check_digit"),
        ("1101051949123100", "id_card_length"),
        ("11010519491231002Y", "id_card_charset"),
        ("99010519491231002X", "id_card_region"),
        ("110105194902300020", "id_card_birth_date"),
    ],
)
def test_refuses_a_wrong_number_with_its_reason(number: str, code: str) -> None:
    verdict = idcard_validate(number)
    assert verdict.valid is False
    assert verdict.error_code == code
    assert verdict.message


def test_refuses_a_birth_date_after_today() -> None:
    first17 = "53010220300101001"
    number = first17 + idcard_check_char(first17)
    assert idcard_validate(number).valid is True
    verdict = idcard_validate(number, today=dt.date(2026, 3, 2))
    assert verdict.error_code == "id_card_birth_date"


def test_masking_keeps_the_region_and_the_last_four_only() -> None:
    assert idcard_mask(STANDARD_EXAMPLE) == "110105********002X"
