"""tendering.codes: project/section codes and the 40-character 统一交易标识码.

Codes are stored for good once issued, so the fixed vectors below pin today's output: a change
that alters them would re-number issued deals and must fail here.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from zhengwu.contexts.tendering.codes import (
    DEAL_CODE_LENGTH,
    INDUSTRY_SECTIONS,
    code_normalize,
    deal_code_check,
    deal_code_make,
    deal_code_parse,
    deal_code_validate,
    industry_code_validate,
    iso7064_mod37_2_check,
    iso7064_mod37_36_check,
    project_code_make,
    project_code_parse,
    project_code_validate,
    region_code_validate,
    section_code_make,
    section_code_parse,
    section_code_validate,
    tender_project_code_make,
    tender_project_code_validate,
)
from zhengwu.contexts.tendering.rules import TradeType
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.uscc import ALPHABET as USCC_ALPHABET
from zhengwu.kernel.uscc import uscc_check_char, uscc_validate

ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MOD37_2 = ALNUM + "*"
OPERATOR = "91530100MA6K12345T"  # a well-formed USCC (check character computed per GB 32100)
PROJECT = "E5301002025000012"
SECTION = "E5301002025000012001002"
DEAL = "E48-91530100MA6K12345T-20250310-000123-U"


def _mod37_2_holds(text: str) -> bool:
    """ISO 7064 MOD 37-2 written out as the standard states it, independently of the module:
    Σ a_i · 2^(i-1) ≡ 1 (mod 37), i = 1 at the rightmost (check) character."""
    values = [MOD37_2.index(ch) for ch in reversed(text)]
    return sum(v * pow(2, i, 37) for i, v in enumerate(values)) % 37 == 1


# -- ISO 7064 vectors -------------------------------------------------------------------------------


def test_iso7064_published_examples() -> None:
    # The worked examples of ISO 7064 (as reproduced in the python-stdnum documentation).
    assert iso7064_mod37_36_check("A12425GABC1234002") == "M"
    assert iso7064_mod37_2_check("G123498654321") == "H"
    assert _mod37_2_holds("G123498654321H")


def test_operator_fixture_is_a_valid_uscc() -> None:
    assert uscc_check_char(OPERATOR[:17]) == OPERATOR[17]


# -- project, tender project, section ---------------------------------------------------------------


def test_project_code_fixed_vector() -> None:
    code = project_code_make(region_code="530100", year=2025, trade_type="construction", serial=1)
    assert code == PROJECT
    assert len(code) == 17
    assert iso7064_mod37_36_check(code[:16]) == code[16]
    parsed = project_code_parse(code)
    assert (parsed.trade_type, parsed.region_code, parsed.year, parsed.serial) == (
        TradeType.CONSTRUCTION,
        "530100",
        2025,
        1,
    )


@pytest.mark.parametrize(
    ("trade_type", "letter"),
    [("construction", "E"), ("procurement", "G"), ("land", "L"), ("property", "P")],
)
def test_project_code_letter_per_trade_type(trade_type: str, letter: str) -> None:
    code = project_code_make(region_code="530100", year=2026, trade_type=trade_type, serial=99_999)
    assert code.startswith(f"{letter}530100202699999")
    assert project_code_parse(code).trade_type == TradeType(trade_type)


def test_section_and_tender_project_codes() -> None:
    assert tender_project_code_make(project_code=PROJECT) == PROJECT + "001"
    assert tender_project_code_make(project_code=PROJECT, index=12) == PROJECT + "012"
    code = section_code_make(project_code=PROJECT, index=2)
    assert code == SECTION
    assert len(code) == 23
    parsed = section_code_parse(code)
    assert (parsed.project_code, parsed.tender_project_code, parsed.tender_index, parsed.index) == (
        PROJECT,
        PROJECT + "001",
        1,
        2,
    )
    assert section_code_make(project_code=PROJECT, index=999, tender_index=3) == PROJECT + "003999"
    assert tender_project_code_validate(PROJECT + "001") == PROJECT + "001"


def test_codes_are_normalised_when_typed() -> None:
    typed = " e530100 2025000012 "
    assert project_code_validate(typed) == PROJECT
    assert section_code_validate("ｅ５３０１００２０２５００００１２００１００２") == SECTION  # full-width
    assert code_normalize("e48-91530100ma6k12345t-20250310-000123-u") == DEAL
    assert deal_code_validate("e48-91530100ma6k12345t-20250310-000123-u") == DEAL


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"region_code": "53010"}, "region_code_invalid"),
        ({"region_code": "990100"}, "region_code_invalid"),
        ({"region_code": "53010A"}, "region_code_invalid"),
        ({"trade_type": "mining"}, "trade_type_unknown"),
        ({"year": 1999}, "project_year_invalid"),
        ({"serial": 0}, "project_serial_invalid"),
        ({"serial": 100_000}, "project_serial_invalid"),
        ({"serial": True}, "project_serial_invalid"),
    ],
)
def test_project_code_make_refuses_bad_parts(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"region_code": "530100", "year": 2025, "trade_type": "construction", "serial": 1}
    args.update(kwargs)
    with pytest.raises(InvalidInput) as exc:
        project_code_make(**args)  # type: ignore[arg-type]
    assert exc.value.code == code


@pytest.mark.parametrize(("index", "tender_index"), [(0, 1), (1000, 1), (1, 0), (1, 1000)])
def test_section_code_make_refuses_bad_sequences(index: int, tender_index: int) -> None:
    with pytest.raises(InvalidInput) as exc:
        section_code_make(project_code=PROJECT, index=index, tender_index=tender_index)
    assert exc.value.code in {"section_index_invalid", "tender_project_index_invalid"}
    assert exc.value.code == ("section_index_invalid" if tender_index == 1 else "tender_project_index_invalid")


def test_section_code_make_refuses_a_bad_project_code() -> None:
    with pytest.raises(InvalidInput) as exc:
        section_code_make(project_code=PROJECT[:-1] + "3", index=1)
    assert exc.value.code == "project_code_invalid"
    assert "校验码" in exc.value.message


@pytest.mark.parametrize(
    ("value", "validator", "code"),
    [
        ("", project_code_validate, "project_code_invalid"),
        (PROJECT + "0", project_code_validate, "project_code_invalid"),
        ("X5301002025000012", project_code_validate, "project_code_invalid"),
        (PROJECT + "000", tender_project_code_validate, "tender_project_code_invalid"),
        (PROJECT + "001000", section_code_validate, "section_code_invalid"),
        (PROJECT + "000001", section_code_validate, "section_code_invalid"),
        (PROJECT + "0010A1", section_code_validate, "section_code_invalid"),
        (SECTION[:-1], section_code_validate, "section_code_invalid"),
    ],
)
def test_validators_refuse_malformed_codes(value: str, validator: object, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validator(value)  # type: ignore[operator]
    assert exc.value.code == code


regions = st.sampled_from(["110000", "110105", "530100", "530102", "532300", "810000", "650100"])
trade_types = st.sampled_from([t.value for t in TradeType])


@given(
    region=regions,
    year=st.integers(min_value=2000, max_value=2099),
    trade=trade_types,
    serial=st.integers(min_value=1, max_value=99_999),
    tender_index=st.integers(min_value=1, max_value=999),
    index=st.integers(min_value=1, max_value=999),
)
def test_project_and_section_codes_round_trip(
    region: str, year: int, trade: str, serial: int, tender_index: int, index: int
) -> None:
    project = project_code_make(region_code=region, year=year, trade_type=trade, serial=serial)
    parsed = project_code_parse(project)
    assert (parsed.region_code, parsed.year, parsed.trade_type.value, parsed.serial) == (region, year, trade, serial)
    section = section_code_make(project_code=project, index=index, tender_index=tender_index)
    back = section_code_parse(section)
    assert (back.project_code, back.tender_index, back.index) == (project, tender_index, index)


@given(
    serial=st.integers(min_value=1, max_value=99_999),
    position=st.integers(min_value=0, max_value=16),
    replacement=st.sampled_from(ALNUM),
)
def test_project_check_character_catches_every_single_change(serial: int, position: int, replacement: str) -> None:
    code = project_code_make(region_code="530100", year=2025, trade_type="construction", serial=serial)
    assume(code[position] != replacement)
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidInput) as exc:
        project_code_validate(changed)
    assert exc.value.code == "project_code_invalid"


# -- the unified deal code --------------------------------------------------------------------------


def test_deal_code_fixed_vector() -> None:
    code = deal_code_make(industry_code="E48", operator_uscc=OPERATOR, day=dt.date(2025, 3, 10), serial=123)
    assert code == DEAL
    assert len(code) == DEAL_CODE_LENGTH == 40
    assert [i for i, ch in enumerate(code) if ch == "-"] == [3, 22, 31, 38]
    # The check character closes Σ ≡ 1 (mod 37) over industry + USCC + date + serial + check.
    assert _mod37_2_holds(code.replace("-", ""))
    assert deal_code_check(code) is True
    parsed = deal_code_parse(code)
    assert (parsed.industry_code, parsed.operator_uscc, parsed.day, parsed.serial) == (
        "E48",
        OPERATOR,
        dt.date(2025, 3, 10),
        123,
    )


def test_deal_code_check_character_may_be_an_asterisk() -> None:
    found = []
    for serial in range(1, 400):
        code = deal_code_make(industry_code="E48", operator_uscc=OPERATOR, day=dt.date(2025, 3, 10), serial=serial)
        if code.endswith("*"):
            found.append(code)
    assert found, "value 36 must occur among 400 consecutive serials"
    assert all(deal_code_check(code) for code in found)
    assert all(_mod37_2_holds(code.replace("-", "")) for code in found)
    assert deal_code_parse(found[0]).code == found[0]


@pytest.mark.parametrize(
    "bad",
    [
        DEAL.lower(),  # the check is exact; validation normalises
        DEAL[:-1],
        DEAL + "X",
        DEAL.replace("-", "_"),
        "Z48" + DEAL[3:],  # no such 门类
        "E12" + DEAL[3:],  # 大类 12 belongs to B, not E
        DEAL.replace("20250310", "20250230"),  # no such day
        DEAL.replace("000123", "000000"),
        DEAL[:4] + "91530100MA6K12345I" + DEAL[22:],  # I is not in the USCC alphabet
        12345,
    ],
)
def test_deal_code_check_refuses(bad: object) -> None:
    assert deal_code_check(bad) is False  # type: ignore[arg-type]


def test_deal_code_check_refuses_an_impossible_date_even_with_a_matching_check_character() -> None:
    body = f"E48{OPERATOR}20250230000123"
    forged = f"E48-{OPERATOR}-20250230-000123-{iso7064_mod37_2_check(body)}"
    assert _mod37_2_holds(forged.replace("-", ""))
    assert deal_code_check(forged) is False
    with pytest.raises(InvalidInput) as exc:
        deal_code_validate(forged)
    assert exc.value.code == "deal_code_invalid"
    assert "20250230" in exc.value.message


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"industry_code": "E5"}, "industry_code_invalid"),
        ({"industry_code": "E51"}, "industry_code_invalid"),
        ({"industry_code": "U01"}, "industry_code_invalid"),
        ({"operator_uscc": OPERATOR[:-1] + "0"}, "operator_uscc_invalid"),
        ({"operator_uscc": OPERATOR.lower()}, "operator_uscc_invalid"),
        ({"day": dt.datetime(2025, 3, 10, 9, 0, tzinfo=dt.UTC)}, "deal_day_invalid"),
        ({"serial": 0}, "deal_serial_invalid"),
        ({"serial": 1_000_000}, "deal_serial_invalid"),
    ],
)
def test_deal_code_make_refuses_bad_parts(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {
        "industry_code": "E48",
        "operator_uscc": OPERATOR,
        "day": dt.date(2025, 3, 10),
        "serial": 123,
    }
    args.update(kwargs)
    with pytest.raises(InvalidInput) as exc:
        deal_code_make(**args)  # type: ignore[arg-type]
    assert exc.value.code == code


def test_industry_and_region_validators() -> None:
    assert industry_code_validate("E48") == "E48"
    assert industry_code_validate("K70") == "K70"
    for section, (low, high) in INDUSTRY_SECTIONS.items():
        industry_code_validate(f"{section}{low:02d}")
        industry_code_validate(f"{section}{high:02d}")
    with pytest.raises(InvalidInput) as exc:
        industry_code_validate("K71")
    assert exc.value.code == "industry_code_invalid"
    assert region_code_validate("530100") == "530100"
    with pytest.raises(InvalidInput) as exc:
        region_code_validate("000000")
    assert exc.value.code == "region_code_invalid"


industries = st.sampled_from(
    [f"{section}{division:02d}" for section, (low, high) in INDUSTRY_SECTIONS.items() for division in (low, high)]
)
usccs = st.builds(
    lambda head, division, body: head + division + body + uscc_check_char(head + division + body),
    st.sampled_from(["91", "92", "93", "11", "12", "13", "51", "52", "53", "Y1"]),
    st.sampled_from(["530100", "110105", "350000"]),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)
days = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2099, 12, 31))
deal_serials = st.integers(min_value=1, max_value=999_999)


@given(industry=industries, uscc=usccs, day=days, serial=deal_serials)
def test_deal_code_round_trip(industry: str, uscc: str, day: dt.date, serial: int) -> None:
    assert uscc_validate(uscc).valid
    code = deal_code_make(industry_code=industry, operator_uscc=uscc, day=day, serial=serial)
    assert len(code) == 40
    assert deal_code_check(code)
    assert _mod37_2_holds(code.replace("-", ""))
    parsed = deal_code_parse(code)
    assert (parsed.industry_code, parsed.operator_uscc, parsed.day, parsed.serial) == (industry, uscc, day, serial)


@given(
    serial=deal_serials,
    position=st.integers(min_value=0, max_value=39).filter(lambda p: p not in (3, 22, 31, 38)),
    replacement=st.sampled_from(MOD37_2),
)
def test_deal_check_character_catches_every_single_change(serial: int, position: int, replacement: str) -> None:
    code = deal_code_make(industry_code="E48", operator_uscc=OPERATOR, day=dt.date(2025, 3, 10), serial=serial)
    assume(code[position] != replacement)
    changed = code[:position] + replacement + code[position + 1 :]
    assert deal_code_check(changed) is False


@given(serial=deal_serials, position=st.integers(min_value=0, max_value=38))
def test_deal_check_character_catches_adjacent_transpositions(serial: int, position: int) -> None:
    code = deal_code_make(industry_code="E48", operator_uscc=OPERATOR, day=dt.date(2025, 3, 10), serial=serial)
    a, b = code[position], code[position + 1]
    assume(a != b and "-" not in (a, b))
    swapped = code[:position] + b + a + code[position + 2 :]
    assert deal_code_check(swapped) is False
