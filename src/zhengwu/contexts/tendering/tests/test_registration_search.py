"""Centre staff find one registration by the reference the bank shows on a deposit transfer.

Before the bid deadline who registered is secret; staff open one registration by its reference
as an audited exception. The search lands on that one registration — never a list, a prefix
match or a count — a miss says so plainly, every search is audited, and nobody else may search.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.models import Registration, Section
from zhengwu.contexts.tendering.services import registration_apply
from zhengwu.contexts.tendering.tests.factories import LISTING, NOW, ROLE_KEYS, World, at, tender_publish, world_build
from zhengwu.contexts.tendering.tests.test_api_secrecy import client_for as api_client
from zhengwu.contexts.tendering.tests.test_pages_journeys import body
from zhengwu.contexts.tendering.tests.test_pages_journeys import client_for as page_client
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
ZH = {"Accept-Language": "zh-hans"}
BIDDER1 = "云南某建设工程有限公司"
BIDDER2 = "昆明某路桥工程有限公司"
MISS = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


@pytest.fixture
def registrations(world: World) -> tuple[Registration, Registration]:
    """Two bidders registered in a land listing published at NOW (before its deadline)."""
    _, plots, _ = tender_publish(
        world,
        procedure=LISTING,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        budget_yuan="128000000",
        sections=(("KCC2026-18号地块", "128000000", "25600000"),),
    )
    clock_set(at(2026, 3, 5, 10))
    first = registration_apply(section=plots[0], by=world["bidder1"])
    second = registration_apply(section=plots[0], by=world["bidder2"])
    clock_set(at(2026, 3, 20, 10))
    return first, second


def _as_the_bank_prints_it(registration: Registration) -> str:
    """Capitals, no hyphens, broken by spaces, after the bank's label."""
    hex_ = registration.uuid.hex.upper()
    return f"附言: {hex_[:8]} {hex_[8:16]} {hex_[16:24]} {hex_[24:]}"


def _searches() -> list[tuple[str, str, dict[str, Any] | None]]:
    return list(
        AuditEntry.objects.filter(action__startswith="tendering.registration.search")
        .order_by("position")
        .values_list("action", "object_id", "after")
    )


# --- selector ------------------------------------------------------------------------------------


def test_staff_find_the_one_registration_however_the_bank_prints_the_reference(
    world: World, registrations: tuple[Registration, Registration]
) -> None:
    first, second = registrations
    for typed in (
        str(first.uuid),
        str(first.uuid).upper(),
        first.uuid.hex,
        f"  {first.uuid}  ",
        _as_the_bank_prints_it(first),
    ):
        assert selectors.registration_find(reference=typed, by=world["staff"]) == first, typed
    assert selectors.registration_find(reference=str(second.uuid), by=world["staff"]) == second
    searches = _searches()
    assert len(searches) == 6
    assert all(action == "tendering.registration.search" for action, _, _ in searches)
    assert [object_id for _, object_id, _ in searches] == [str(first.uuid)] * 5 + [str(second.uuid)]
    assert searches[-1][2] == {"reference": str(second.uuid), "found": True}


@pytest.mark.parametrize(
    "typed",
    [
        MISS,  # well formed, no such registration
        "first-8",  # replaced by the first 8 digits of a real one below: no prefix matching
        "last-12",
        "twice",  # two references in one search: ambiguous, not a list
        "x" * 300,
        "银行流水 20260320 0001",
    ],
)
def test_a_miss_says_so_and_reveals_nothing(
    world: World, registrations: tuple[Registration, Registration], typed: str
) -> None:
    first, second = registrations
    typed = {
        "first-8": first.uuid.hex[:8],
        "last-12": str(first.uuid)[-12:],
        "twice": f"{first.uuid} {second.uuid}",
    }.get(typed, typed)
    with pytest.raises(NotFound) as caught:
        selectors.registration_find(reference=typed, by=world["staff"])
    assert caught.value.code == "registration_not_found"
    assert "未找到" in caught.value.message
    # Nothing comes back but what was typed.
    told = repr((caught.value.message, caught.value.detail))
    for secret in (BIDDER1, BIDDER2, first.organisation_uscc, second.organisation_uscc):
        assert secret not in told
    for reference in (str(first.uuid), str(second.uuid)):
        assert reference not in told or reference in typed
    assert _searches() == [("tendering.registration.search", "", {"reference": typed[:200], "found": False})]


def test_an_empty_search_asks_for_the_reference(world: World, registrations: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        selectors.registration_find(reference="   ", by=world["staff"])
    assert caught.value.code == "reference_required"
    assert _searches() == [("tendering.registration.search", "", {"reference": "", "found": False})]


def test_nobody_but_centre_staff_may_search_not_even_for_its_own_registration(
    world: World, registrations: tuple[Registration, Registration]
) -> None:
    first, _ = registrations
    for key in ROLE_KEYS:
        if key == "staff":
            continue
        with pytest.raises(PermissionDenied) as caught:
            selectors.registration_find(reference=str(first.uuid), by=world[key])
        assert caught.value.code == "centre_staff_required", key
        assert BIDDER1 not in repr((caught.value.message, caught.value.detail))
    denied = _searches()
    assert len(denied) == len(ROLE_KEYS) - 1
    # Refusals are audited without the reference typed (it may be someone else's).
    assert {(action, object_id) for action, object_id, _ in denied} == {("tendering.registration.search_denied", "")}
    assert all(not after for _, _, after in denied)


# --- pages ---------------------------------------------------------------------------------------


def test_staff_search_on_their_page_and_land_on_the_one_registration(
    world: World, registrations: tuple[Registration, Registration]
) -> None:
    first, _ = registrations
    staff = page_client("staff")
    page = body(staff.get("/trading/registrations/", headers=ZH))
    assert 'data-testid="registration-search"' in page
    assert BIDDER1 not in page
    assert BIDDER2 not in page
    assert 'data-testid="nav-registration-search"' in page
    response = staff.get("/trading/registrations/", {"reference": _as_the_bank_prints_it(first)}, headers=ZH)
    assert response.status_code == 302
    assert response["Location"] == f"/trading/registrations/{first.uuid}/"
    landed = body(staff.get(response["Location"], headers=ZH))
    assert BIDDER1 in landed
    assert BIDDER2 not in landed
    assert [a for a, _, _ in _searches()] == ["tendering.registration.search"]


def test_a_miss_on_the_page_says_so_with_what_was_typed(
    world: World, registrations: tuple[Registration, Registration]
) -> None:
    first, _ = registrations
    staff = page_client("staff")
    response = staff.get("/trading/registrations/", {"reference": first.uuid.hex[:12]}, headers=ZH)
    page = body(response)
    assert response.status_code == 404
    assert 'data-code="registration_not_found"' in page
    assert "未找到与该参考号对应的竞买申请" in page
    assert f'value="{first.uuid.hex[:12]}"' in page
    assert BIDDER1 not in page
    assert BIDDER2 not in page
    assert str(first.uuid) not in page
    assert _searches() == [("tendering.registration.search", "", {"reference": first.uuid.hex[:12], "found": False})]


def test_no_other_role_opens_the_search_page(world: World, registrations: tuple[Registration, Registration]) -> None:
    first, _ = registrations
    for key in ROLE_KEYS:
        if key in ("staff", "system"):
            continue
        client = page_client(key)
        for query in ({}, {"reference": str(first.uuid)}):
            response = client.get("/trading/registrations/", query, headers=ZH)
            assert response.status_code == 403, key
            assert BIDDER1 not in body(response)
        assert 'data-testid="nav-registration-search"' not in body(client.get("/trading/tenders/", headers=ZH))
    assert _searches() == []


# --- API -----------------------------------------------------------------------------------------


def test_the_api_finds_the_one_registration_for_staff_only(
    world: World, registrations: tuple[Registration, Registration]
) -> None:
    first, second = registrations
    staff = api_client("staff")
    response = staff.get(f"{API}/registrations", {"reference": _as_the_bank_prints_it(second)})
    assert response.status_code == 200, response.content
    found = response.json()
    assert (found["uuid"], found["organisation_name"], found["section_code"]) == (
        str(second.uuid),
        BIDDER2,
        second.section.code,
    )
    assert BIDDER1 not in response.content.decode()
    response = staff.get(f"{API}/registrations", {"reference": MISS})
    assert (response.status_code, response.json()["code"]) == (404, "registration_not_found")
    for key in ROLE_KEYS:
        if key in ("staff", "system"):
            continue
        response = api_client(key).get(f"{API}/registrations", {"reference": str(first.uuid)})
        assert (response.status_code, response.json()["code"]) == (403, "centre_staff_required"), key
        assert BIDDER1 not in response.content.decode()
    assert api_client(None).get(f"{API}/registrations", {"reference": str(first.uuid)}).status_code == 401
    assert [(a, o) for a, o, _ in _searches()][:2] == [
        ("tendering.registration.search", str(second.uuid)),
        ("tendering.registration.search", ""),
    ]
    assert Registration.objects.count() == 2
    assert Section.objects.count() == 1
