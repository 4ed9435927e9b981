"""USCC vectors (appraisal-methods.md §5.5), the ``zhengwu uscc`` command and the check endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from zhengwu.cli import main as zhengwu_main
from zhengwu.kernel.uscc import uscc_check_char, uscc_validate

VALID = ["91110000600037341L", "52530100MJ0000001E", "93530100MA6K00001W", "N2530100MA6K00001J", "Y1530100MA6K00011E"]
PILOT = [("91350100M0001TGQXM", "1"), ("91350211M0000XUF46", "R")]


@pytest.mark.parametrize("code", VALID)
def test_reference_vectors_are_valid(code: str) -> None:
    verdict = uscc_validate(code)
    assert (verdict.code, verdict.valid, verdict.errors, verdict.error_code) == (code, True, (), None)


@pytest.mark.parametrize(("code", "computed"), PILOT)
def test_pilot_codes_fail_the_check_digit_with_the_computed_character(code: str, computed: str) -> None:
    verdict = uscc_validate(code)
    assert uscc_check_char(code[:17]) == computed
    assert (verdict.valid, verdict.error_code) == (False, "uscc_check_digit")
    assert verdict.reason == f"第18位校验码应为“{computed}”，实为“{code[17]}”"


def test_full_width_and_lower_case_input_is_the_same_code() -> None:
    verdict = uscc_validate("９１１１ ００００ ６０００ ３７３４ １ｌ")
    assert (verdict.code, verdict.valid) == ("91110000600037341L", True)


def test_command_prints_one_line_per_code_and_exits_1_if_any_is_invalid(capsys: Any) -> None:
    status = zhengwu_main(["uscc", "91110000600037341l", "91350100M0001TGQXM", "52530100MJ0000001E"])
    out, err = capsys.readouterr()
    assert status == 1
    assert out.splitlines() == [
        "91110000600037341L\t有效\t校验通过",
        "91350100M0001TGQXM\t无效\t第18位校验码应为“1”，实为“M”",
        "52530100MJ0000001E\t有效\t校验通过（提示：组织机构代码（第9–17位）校验位应为“X”，实为“1”）",
    ]
    assert "1 个代码无效" in err


def test_command_exits_0_when_every_code_is_valid(capsys: Any) -> None:
    status = zhengwu_main(["uscc", *VALID])
    out, _ = capsys.readouterr()
    assert status == 0
    assert [line.split("\t")[:2] for line in out.splitlines()] == [[code, "有效"] for code in VALID]


def test_command_reports_malformed_codes_with_their_reason(capsys: Any) -> None:
    # X is worth 29 where 9 was worth 9: Σ = 538 + 20·1 = 558 = 18·31, so the check would be "0".
    status = zhengwu_main(["uscc", "9111000060003734", "91110000600O37341L", "X1110000600037341L"])
    out, _ = capsys.readouterr()
    assert status == 1
    assert out.splitlines() == [
        "9111000060003734\t无效\t长度应为18位，实为16位",
        "91110000600O37341L\t无效\t含有不允许的字符：O（不得使用I、O、Z、S、V）",
        "X1110000600037341L\t无效\t第1位登记管理部门代码“X”无效；第18位校验码应为“0”，实为“L”",
    ]


def test_command_json_output(capsys: Any) -> None:
    with pytest.raises(CommandError) as failed:
        call_command("uscc", "91110000600037341L", "91350211M0000XUF46", "--json")
    assert failed.value.returncode == 1
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {
            "input": "91110000600037341L",
            "code": "91110000600037341L",
            "valid": True,
            "reason": "校验通过",
            "errors": [],
            "warnings": [],
            "error_code": None,
        },
        {
            "input": "91350211M0000XUF46",
            "code": "91350211M0000XUF46",
            "valid": False,
            "reason": "第18位校验码应为“R”，实为“6”",
            "errors": ["第18位校验码应为“R”，实为“6”"],
            "warnings": [],
            "error_code": "uscc_check_digit",
        },
    ]


def test_api_check_is_public_and_gives_the_specific_reason(client: Client) -> None:
    response = client.post(
        "/trading/api/identity/uscc/check", {"code": "91350100m0001tgqxm"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "code": "91350100M0001TGQXM",
        "valid": False,
        "reason": "第18位校验码应为“1”，实为“M”",
        "errors": ["第18位校验码应为“1”，实为“M”"],
        "warnings": [],
        "error_code": "uscc_check_digit",
        "override_applicable": True,
    }
    on_public = client.post("/api/identity/uscc/check", {"code": "91110000600037341L"}, content_type="application/json")
    assert (on_public.status_code, on_public.json()["valid"]) == (200, True)


def test_api_check_without_a_code_is_a_422_in_the_error_shape(client: Client) -> None:
    response = client.post("/trading/api/identity/uscc/check", {}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_live_check_on_the_registration_page(client: Client) -> None:
    response = client.get("/trading/accounts/uscc-check/", {"code": "9111000060003734"})
    assert response.status_code == 200
    assert response.json() == {
        "code": "9111000060003734",
        "valid": False,
        "reason": "长度应为18位，实为16位",
        "error_code": "uscc_length",
        "override_applicable": False,
    }
