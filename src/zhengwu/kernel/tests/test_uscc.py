"""kernel.uscc: 统一社会信用代码 (GB 32100-2015), against the vectors of appraisal-methods.md §5.5."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengwu.kernel.uscc import (
    ALPHABET,
    CATEGORIES,
    WEIGHTS,
    uscc_check_char,
    uscc_normalize,
    uscc_org_check_char,
    uscc_validate,
)

VALID = [
    "91110000600037341L",  # python-stdnum's docstring example
    "52530100MJ0000001E",
    "93530100MA6K00001W",
    "N2530100MA6K00001J",  # authority N (农业): python-stdnum wrongly rejects it
    "Y1530100MA6K00011E",  # authority Y (其他)
]
# Legal pilot-era codes that fail the check character: (code, the character the standard computes).
PILOT = [("91350100M0001TGQXM", "1"), ("91350211M0000XUF46", "R")]


def test_weights_are_powers_of_three_mod_31() -> None:
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


@pytest.mark.parametrize("code", VALID)
def test_valid_codes_pass(code: str) -> None:
    verdict = uscc_validate(code)
    assert verdict.valid is True
    assert verdict.errors == ()
    assert verdict.error_code is None
    assert uscc_check_char(code[:17]) == code[17]


def test_worked_example_of_the_reference() -> None:
    # Σ v·W = 538, 538 mod 31 = 11, 31 − 11 = 20 → L; inner GB 11714 check of 60003734 → 1.
    assert sum(ALPHABET.index(c) * w for c, w in zip("91110000600037341", WEIGHTS, strict=True)) == 538
    assert uscc_check_char("91110000600037341") == "L"
    assert uscc_org_check_char("60003734") == "1"
    assert uscc_validate("91110000600037341L").reason == "校验通过"


@pytest.mark.parametrize(("code", "computed"), PILOT)
def test_pilot_codes_fail_the_check_character_with_the_computed_value(code: str, computed: str) -> None:
    verdict = uscc_validate(code)
    assert verdict.valid is False
    assert verdict.error_code == "uscc_check_digit"
    assert uscc_check_char(code[:17]) == computed
    assert verdict.errors == (f"第18位校验码应为“{computed}”，实为“{code[17]}”",)


def test_spaces_and_lower_case_are_normalised() -> None:
    assert uscc_normalize(" 9111 0000 6000 3734 1l\n") == "91110000600037341L"
    assert uscc_validate(" 9111 0000 6000 3734 1l\n").valid is True


def test_full_width_input_is_the_same_code() -> None:
    # What a Chinese input method often produces.
    assert uscc_normalize("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"
    assert uscc_validate("９１１１ ００００ ６０００ ３７３４ １ｌ").valid is True


def test_wrong_length_is_reported_first() -> None:
    verdict = uscc_validate("91110000600037341")
    assert (verdict.valid, verdict.error_code) == (False, "uscc_length")
    assert verdict.errors == ("长度应为18位，实为17位",)


def test_forbidden_letters_are_named() -> None:
    verdict = uscc_validate("9111000060003734IO")
    assert (verdict.valid, verdict.error_code) == (False, "uscc_charset")
    assert "I、O" in verdict.errors[0]


def test_unknown_authority_and_category_are_rejected() -> None:
    body = "B1110000600037341"
    verdict = uscc_validate(body + uscc_check_char(body))
    assert (verdict.valid, verdict.error_code) == (False, "uscc_authority")
    body = "94110000600037341"  # 工商 has categories 1, 2, 3 only
    verdict = uscc_validate(body + uscc_check_char(body))
    assert (verdict.valid, verdict.error_code) == (False, "uscc_category")


def test_division_must_be_six_digits() -> None:
    body = "9111A000600037341"
    verdict = uscc_validate(body + uscc_check_char(body))
    assert (verdict.valid, verdict.error_code) == (False, "uscc_division")


def test_a_failed_inner_organisation_check_is_only_a_warning() -> None:
    body = "91110000600037342"  # inner check character should be 1
    verdict = uscc_validate(body + uscc_check_char(body))
    assert verdict.valid is True
    assert verdict.warnings == ("组织机构代码（第9–17位）校验位应为“1”，实为“2”",)
    assert verdict.reason.startswith("校验通过（提示：")


_symbol = st.sampled_from(ALPHABET)


@st.composite
def _well_formed_body(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(CATEGORIES)))
    category = draw(st.sampled_from(sorted(CATEGORIES[authority])))
    division = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    subject = draw(st.text(alphabet=ALPHABET, min_size=9, max_size=9))
    return authority + category + division + subject


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_any_body_with_its_computed_check_char_passes_the_check(body: str) -> None:
    verdict = uscc_validate(body + uscc_check_char(body))
    assert verdict.error_code != "uscc_check_digit"
    assert not any(e.startswith("第18位校验码") for e in verdict.errors)


@given(_well_formed_body())
def test_any_well_formed_body_with_its_computed_check_char_validates(body: str) -> None:
    verdict = uscc_validate(body + uscc_check_char(body))
    assert verdict.valid is True
    assert verdict.errors == ()


@given(_well_formed_body(), st.integers(min_value=0, max_value=17), _symbol)
def test_any_single_character_change_is_detected(body: str, position: int, replacement: str) -> None:
    code = body + uscc_check_char(body)
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = code[:position] + replacement + code[position + 1 :]
    verdict = uscc_validate(changed)
    assert verdict.valid is False
    assert uscc_check_char(changed[:17]) != changed[17]
    assert any(e.startswith("第18位校验码") for e in verdict.errors)
