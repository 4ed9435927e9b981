"""Bidding registration (竞买申请) through the trading API: apply, record the deposit, confirm or
refuse, and the list of who registered only after the bid deadline (dates: test_registration.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering.models import Registration, Section
from zhengwu.contexts.tendering.tests.factories import LISTING, NOW, World, at, tender_publish, world_build
from zhengwu.contexts.tendering.tests.test_api_secrecy import client_for
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
BIDDER1 = "云南某建设工程有限公司"


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
def plot(world: World) -> Section:
    _, sections, _ = tender_publish(
        world,
        procedure=LISTING,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        budget_yuan="128000000",
        sections=(("KCC2026-18号地块", "128000000", "25600000"),),
    )
    return sections[0]


def rows() -> list[tuple[Any, ...]]:
    return list(Registration.objects.order_by("id").values_list("status", "deposit_paid_fen", "reason", "version"))


def test_apply_record_the_deposit_confirm_and_the_bidder_sees_it_confirmed(world: World, plot: Section) -> None:
    bidder = client_for("bidder1")
    clock_set(at(2026, 3, 5, 10))
    response = bidder.post(f"{API}/sections/{plot.code}/registration")
    assert response.status_code == 201, response.content
    own = response.json()
    assert (own["applicable"], own["registration_deadline"], own["deposit_required_yuan"]) == (
        True,
        "2026-04-02T17:00:00+08:00",
        "25600000.00",
    )
    reference = own["registration"]["uuid"]
    assert (own["registration"]["organisation_name"], own["registration"]["status"]) == (BIDDER1, "applied")
    # Applying again returns the same registration.
    assert bidder.post(f"{API}/sections/{plot.code}/registration").json()["registration"]["uuid"] == reference
    assert Registration.objects.count() == 1

    staff = client_for("staff")
    clock_set(at(2026, 3, 20, 10))
    response = staff.post(
        f"{API}/registrations/{reference}/deposit",
        {"paid_yuan": "25600000.00", "paid_at": "2026-03-19T15:30:00+08:00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["deposit_paid_fen"], response.json()["deposit_paid_at"]) == (
        2_560_000_000,
        "2026-03-19T15:30:00+08:00",
    )
    response = staff.post(f"{API}/registrations/{reference}/confirm")
    assert (response.status_code, response.json()["status"]) == (200, "confirmed")
    mine = bidder.get(f"{API}/sections/{plot.code}/registration").json()["registration"]
    assert (mine["status"], mine["deposit_paid_yuan"]) == ("confirmed", "25600000.00")
    assert bidder.get(f"{API}/registrations/{reference}").json()["status"] == "confirmed"


def test_refusals_change_nothing(world: World, plot: Section) -> None:
    _, construction, _ = tender_publish(world)
    bidder = client_for("bidder1")
    response = bidder.post(f"{API}/sections/{construction[0].code}/registration")
    assert (response.status_code, response.json()["code"]) == (400, "registration_not_applicable")
    assert Registration.objects.count() == 0

    reference = bidder.post(f"{API}/sections/{plot.code}/registration").json()["registration"]["uuid"]
    staff = client_for("staff")
    clock_set(at(2026, 3, 20, 10))
    staff.post(
        f"{API}/registrations/{reference}/deposit",
        {"paid_yuan": "25599999.99", "paid_at": "2026-03-19T15:30:00+08:00"},
        content_type="application/json",
    )
    before = rows()
    assert before == [("applied", 2_559_999_999, "", 2)]
    response = staff.post(f"{API}/registrations/{reference}/confirm")
    assert (response.status_code, response.json()["code"]) == (409, "deposit_short")
    assert response.json()["detail"]["short_fen"] == 1
    # A naive time is refused, not guessed.
    response = staff.post(
        f"{API}/registrations/{reference}/deposit",
        {"paid_yuan": "25600000", "paid_at": "2026-03-19T15:30:00"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["code"]) == (400, "datetime_naive")
    # Another bidder: as if it did not exist; the bidder itself may not decide.
    other = client_for("bidder2")
    for method, url in (
        ("get", f"{API}/registrations/{reference}"),
        ("post", f"{API}/registrations/{reference}/confirm"),
    ):
        response = getattr(other, method)(url)
        assert (response.status_code, response.json()["code"]) == (404, "registration_not_found")
        assert BIDDER1 not in response.content.decode()
    response = bidder.post(f"{API}/registrations/{reference}/confirm")
    assert (response.status_code, response.json()["code"]) == (403, "centre_staff_required")
    response = other.post(f"{API}/registrations/{reference}/refuse", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 404
    assert rows() == before
    # Staff refuse with a reason.
    response = staff.post(
        f"{API}/registrations/{reference}/refuse", {"reason": "保证金不足"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["status"], response.json()["reason"]) == (
        200,
        "refused",
        "保证金不足",
    )


def test_the_list_is_403_for_everyone_before_the_deadline_and_the_tenderer_reads_it_after(
    world: World, plot: Section
) -> None:
    client_for("bidder1").post(f"{API}/sections/{plot.code}/registration")
    url = f"{API}/sections/{plot.code}/registrations"
    for username in ("tenderer", "agency", "staff", "regulator", "bidder1", "bidder2"):
        response = client_for(username).get(url)
        assert (response.status_code, response.json()["code"]) == (403, "registrations_secret"), username
    clock_set(at(2026, 4, 7, 17))
    response = client_for("tenderer").get(url)
    assert response.status_code == 200
    assert [(r["organisation_name"], r["organisation_uscc"], r["status"]) for r in response.json()] == [
        (BIDDER1, world.uscc["bidder1"], "applied")
    ]
    response = client_for("bidder2").get(url)
    assert (response.status_code, response.json()["code"]) == (403, "registrations_denied")
