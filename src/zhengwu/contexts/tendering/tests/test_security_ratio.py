"""A section's bid security (deposit) stated as a ratio of the estimate: exact, rounded down to the fen,
never with an amount as well, and still within the cap (招标投标法实施条例 第二十六条: ≤2%)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.services import section_add
from zhengwu.contexts.tendering.tests.factories import LISTING, NOW, World, project_make, snapshot, world_build
from zhengwu.contexts.tendering.tests.test_api_secrecy import client_for as api_client
from zhengwu.contexts.tendering.tests.test_pages_journeys import body, client_for
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import InvalidInput

API = "/trading/api/tendering"
BOTH = "bid_security_amount_and_ratio"


# --- pure rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2%", Fraction(1, 50)),
        (" 2 % ", Fraction(1, 50)),
        ("２％", Fraction(1, 50)),
        ("1.5%", Fraction(3, 200)),
        ("0.02", Fraction(1, 50)),
        (Decimal("0.02"), Fraction(1, 50)),
        (Fraction(1, 50), Fraction(1, 50)),
        ("0", Fraction(0)),
        ("100%", Fraction(1)),
    ],
)
def test_a_ratio_is_read_exactly_from_a_percentage_or_a_decimal(value: Any, expected: Fraction) -> None:
    assert rules.security_ratio_parse(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0.02, "ratio_format"),  # a float is never exact
        (True, "ratio_format"),
        ("abc", "ratio_format"),
        ("", "ratio_format"),
        ("NaN", "ratio_format"),
        ("Infinity%", "ratio_format"),
        ("-1%", "ratio_out_of_range"),
        ("101%", "ratio_out_of_range"),
        ("1.01", "ratio_out_of_range"),
    ],
)
def test_a_bad_ratio_is_refused_with_its_reason(value: Any, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.security_ratio_parse(value)
    assert caught.value.code == code


def test_the_amount_is_rounded_down_to_the_fen() -> None:
    # 2% of 12,345.67 yuan is 246.9134 yuan: 246.91, never a fen above the cap.
    assert rules.security_from_ratio(estimate_fen=1_234_567, ratio=Fraction(1, 50)) == 24_691
    # 20% of 12,345.67 yuan is 2,469.134 yuan: 2,469.13.
    assert rules.security_from_ratio(estimate_fen=1_234_567, ratio=Fraction(1, 5)) == 246_913
    assert rules.security_from_ratio(estimate_fen=5_230_000_000, ratio=Fraction(1, 50)) == 104_600_000
    # One third of a fen is no fen.
    assert rules.security_from_ratio(estimate_fen=1, ratio=Fraction(1, 3)) == 0
    with pytest.raises(InvalidInput):
        rules.security_from_ratio(estimate_fen=100, ratio=Fraction(3, 2))
    with pytest.raises(InvalidInput):
        rules.security_from_ratio(estimate_fen=1.5, ratio=Fraction(1, 50))  # type: ignore[arg-type]


def test_a_ratio_at_the_cap_always_passes_the_cap_check() -> None:
    ruleset = rules.ruleset_for(procedure="construction.open", on=NOW.date())
    for estimate in (1, 49, 51, 1_234_567, 999_999_999):
        fen = rules.security_from_ratio(estimate_fen=estimate, ratio=Fraction(1, 50))
        assert rules.bid_security_check(ruleset=ruleset, estimate_fen=estimate, security_fen=fen) is None
        assert rules.bid_security_check(ruleset=ruleset, estimate_fen=estimate, security_fen=fen + 1) is not None


# --- the service, the page and the API ------------------------------------------------------------


@pytest.fixture
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, _clock: None) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


def test_section_add_takes_a_ratio_of_the_estimate(world: World) -> None:
    project, _ = project_make(world)
    for ratio, expected in (("2%", 24_691), ("0.01", 12_345), (Decimal("0.015"), 18_518), ("0%", 0)):
        section = section_add(
            project=project, name="标段", estimate_yuan="12345.67", bid_security_ratio=ratio, by=world["agency"]
        )
        assert section.bid_security_fen == expected, ratio
    # Neither an amount nor a ratio: no security.
    assert section_add(project=project, name="标段", estimate_yuan="100", by=world["agency"]).bid_security_fen == 0
    # A blank amount with a ratio is the ratio (a form's empty field).
    section = section_add(
        project=project,
        name="标段",
        estimate_yuan="100",
        bid_security_yuan="",
        bid_security_ratio="2%",
        by=world["agency"],
    )
    assert section.bid_security_fen == 200


def test_a_land_deposit_may_be_a_ratio_of_the_starting_price(world: World) -> None:
    project, _ = project_make(world, procedure=LISTING, sections=())
    section = section_add(
        project=project, name="地块", estimate_yuan="128000000", bid_security_ratio="20%", by=world["agency"]
    )
    assert section.bid_security_fen == 2_560_000_000


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        (
            {"bid_security_yuan": "1000", "bid_security_ratio": "2%"},
            "bid_security_amount_and_ratio",
            "bid_security_ratio",
        ),
        (
            {"bid_security_yuan": "0", "bid_security_ratio": "0.01"},
            "bid_security_amount_and_ratio",
            "bid_security_ratio",
        ),
        ({"bid_security_ratio": "2.01%"}, "bid_security_over_cap", None),
        ({"bid_security_ratio": 0.02}, "ratio_format", "bid_security_ratio"),
        ({"bid_security_ratio": "two percent"}, "ratio_format", "bid_security_ratio"),
        ({"bid_security_ratio": "150%"}, "ratio_out_of_range", "bid_security_ratio"),
    ],
)
def test_a_bad_ratio_or_both_forms_are_refused_and_nothing_changes(
    world: World, kwargs: dict[str, Any], code: str, field: str | None
) -> None:
    project, _ = project_make(world)
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        section_add(project=project, name="标段", estimate_yuan="12345.67", by=world["agency"], **kwargs)
    assert caught.value.code == code
    if field:
        assert caught.value.detail["field"] == field
    assert snapshot() == before


def test_the_project_page_adds_a_section_with_a_ratio(world: World) -> None:
    project, _ = project_make(world)
    agency = client_for("agency")
    page = body(agency.get(f"/trading/projects/{project.code}/"))
    assert 'name="bid_security_ratio"' in page
    url = f"/trading/projects/{project.code}/sections/"
    form = {"estimate_yuan": "12345.67", "document_price_yuan": "0"}
    response = agency.post(url, {**form, "name": "第二标段", "bid_security_ratio": "2%"})
    assert response.status_code == 302, body(response)
    assert Section.objects.get(project=project, name="第二标段").bid_security_fen == 24_691
    before = snapshot()
    response = agency.post(
        url,
        {**form, "name": "第三标段", "bid_security_yuan": "100", "bid_security_ratio": "2%"},
    )
    assert response.status_code == 400
    assert 'data-code="bid_security_amount_and_ratio"' in body(response)
    response = agency.post(url, {**form, "name": "第三标段", "bid_security_ratio": "3%"})
    assert response.status_code == 400
    assert 'data-code="bid_security_over_cap"' in body(response)
    assert snapshot() == before


def test_the_api_adds_a_section_with_a_ratio(world: World) -> None:
    project, _ = project_make(world)
    agency = api_client("agency")
    url = f"{API}/projects/{project.code}/sections"
    response = agency.post(
        url,
        {"name": "第二标段", "estimate_yuan": "12345.67", "bid_security_ratio": "0.02"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["bid_security_fen"], response.json()["bid_security_yuan"]) == (24_691, "246.91")
    before = snapshot()
    response = agency.post(
        url,
        {"name": "第三标段", "estimate_yuan": "100", "bid_security_yuan": "1", "bid_security_ratio": "1%"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "bid_security_amount_and_ratio")
    assert snapshot() == before
