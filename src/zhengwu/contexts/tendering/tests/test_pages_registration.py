"""Bidding registration (竞买申请) through the trading pages: a bidder applies on the tender page of a
land listing, the centre's staff record the bank's confirmation of the deposit and confirm, and who
registered stays secret until the bid deadline.

Dates (see test_registration.py): the factories' land listing is published Monday 2 March 2026
10:00 and ends Tuesday 7 April 17:00; applications and deposits close Thursday 2 April 17:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering.models import Registration, Section
from zhengwu.contexts.tendering.services import registration_apply
from zhengwu.contexts.tendering.tests.factories import (
    LISTING,
    NOW,
    ROLE_KEYS,
    World,
    at,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.contexts.tendering.tests.test_pages_journeys import body, client_for
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LISTING_END = at(2026, 4, 7, 17)
BIDDER1 = "云南某建设工程有限公司"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


@pytest.fixture
def plot(world: World) -> Section:
    """A land 挂牌 section published at NOW: deposit 25,600,000.00 yuan."""
    _, sections, _ = tender_publish(
        world,
        procedure=LISTING,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        budget_yuan="128000000",
        sections=(("KCC2026-18号地块", "128000000", "25600000"),),
    )
    return sections[0]


def state() -> dict[str, Any]:
    """Everything a refused page action must leave unchanged."""
    return {
        **snapshot(),
        "registrations": list(
            Registration.objects.order_by("id").values_list(
                "organisation_id", "status", "deposit_paid_fen", "deposit_paid_at", "reason", "version"
            )
        ),
    }


def test_a_bidder_applies_staff_record_the_deposit_and_confirm_and_the_bidder_sees_it_confirmed(
    world: World, plot: Section
) -> None:
    bidder = client_for("bidder1")
    page = body(bidder.get(f"/trading/tenders/{plot.code}/"))
    assert 'data-testid="registration-deadline">2026-04-02 17:00<' in page
    assert 'data-testid="deposit-required">25,600,000.00<' in page
    assert 'data-testid="register"' in page
    clock_set(at(2026, 3, 5, 10))
    response = bidder.post(f"/trading/tenders/{plot.code}/register/")
    assert response.status_code == 302, body(response)
    assert response["Location"] == f"/trading/tenders/{plot.code}/"
    registration = Registration.objects.get(section=plot)
    assert (registration.organisation_name, registration.applied_at, registration.status) == (
        BIDDER1,
        at(2026, 3, 5, 10),
        "applied",
    )
    page = body(bidder.get(f"/trading/tenders/{plot.code}/"))
    assert str(registration.uuid) in page  # the reference to quote to the bank
    assert 'data-testid="registration-status" data-status="applied"' in page
    assert 'data-testid="register"' not in page

    staff = client_for("staff")
    page = body(staff.get(f"/trading/registrations/{registration.uuid}/"))
    assert BIDDER1 in page
    assert 'data-testid="deposit-required">25,600,000.00<' in page
    clock_set(at(2026, 3, 20, 10))
    response = staff.post(
        f"/trading/registrations/{registration.uuid}/deposit/",
        {"paid_yuan": "25600000.00", "paid_at": "2026-03-19T15:30"},
    )
    assert response.status_code == 302, body(response)
    assert response["Location"] == f"/trading/registrations/{registration.uuid}/"
    registration.refresh_from_db()
    # Typed as Beijing time: 15:30 in Beijing is 07:30 UTC.
    assert (registration.deposit_paid_fen, registration.deposit_paid_at) == (2_560_000_000, at(2026, 3, 19, 15, 30))
    response = staff.post(f"/trading/registrations/{registration.uuid}/confirm/")
    assert response.status_code == 302, body(response)
    registration.refresh_from_db()
    assert (registration.status, registration.confirmed_by_username) == ("confirmed", "staff")

    page = body(bidder.get(f"/trading/tenders/{plot.code}/"))
    assert 'data-testid="registration-status" data-status="confirmed"' in page
    assert 'data-testid="deposit-paid">25,600,000.00<' in page
    page = body(bidder.get(f"/trading/registrations/{registration.uuid}/"))
    assert 'data-status="confirmed"' in page
    assert 'data-testid="deposit-record"' not in page  # the bidder gets no staff forms
    assert [e.action for e in AuditEntry.objects.filter(object_id=str(registration.uuid)).order_by("id")] == [
        "tendering.registration.apply",
        "tendering.registration.view",
        "tendering.registration.view",
        "tendering.registration.deposit_record",
        "tendering.registration.view",
        "tendering.registration.confirm",
    ]


def test_staff_refuse_with_a_reason_and_a_blank_reason_changes_nothing(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    staff = client_for("staff")
    before = state()
    response = staff.post(f"/trading/registrations/{registration.uuid}/refuse/", {"reason": ""})
    assert response.status_code == 400
    assert 'data-code="form_invalid"' in body(response)
    assert {k: v for k, v in state().items() if k != "counts"} == {k: v for k, v in before.items() if k != "counts"}
    response = staff.post(f"/trading/registrations/{registration.uuid}/refuse/", {"reason": "营业执照已过有效期"})
    assert response.status_code == 302, body(response)
    registration.refresh_from_db()
    assert (registration.status, registration.reason) == ("refused", "营业执照已过有效期")
    page = body(client_for("bidder1").get(f"/trading/tenders/{plot.code}/"))
    assert 'data-status="refused"' in page
    assert "营业执照已过有效期" in page


def test_a_construction_section_has_no_registration(world: World) -> None:
    _, sections, _ = tender_publish(world)
    section = sections[0]
    bidder = client_for("bidder1")
    page = body(bidder.get(f"/trading/tenders/{section.code}/"))
    assert 'data-testid="registration-deadline"' not in page
    assert 'data-testid="register"' not in page
    before = state()
    response = bidder.post(f"/trading/tenders/{section.code}/register/")
    assert response.status_code == 400
    assert 'data-code="registration_not_applicable"' in body(response)
    assert "不设竞买申请和竞买保证金" in body(response)
    assert state() == before
    assert not Registration.objects.exists()


def test_a_short_deposit_is_refused_on_confirm_and_nothing_changes(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    staff = client_for("staff")
    clock_set(at(2026, 3, 20, 10))
    response = staff.post(
        f"/trading/registrations/{registration.uuid}/deposit/",
        {"paid_yuan": "25599999.99", "paid_at": "2026-03-19T15:30"},
    )
    assert response.status_code == 302, body(response)
    before = Registration.objects.values_list("status", "deposit_paid_fen", "version").get(pk=registration.pk)
    audit_before = AuditEntry.objects.exclude(action="tendering.registration.view").count()
    response = staff.post(f"/trading/registrations/{registration.uuid}/confirm/")
    assert response.status_code == 400
    page = body(response)
    assert 'data-code="deposit_short"' in page
    assert "尚差0.01元" in page
    assert 'data-status="applied"' in page
    assert Registration.objects.values_list("status", "deposit_paid_fen", "version").get(pk=registration.pk) == before
    assert before == ("applied", 2_559_999_999, 2)
    assert AuditEntry.objects.exclude(action="tendering.registration.view").count() == audit_before


def test_bad_deposit_input_gets_a_clear_error_and_changes_nothing(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    staff = client_for("staff")
    before = state()
    for data, code in (
        ({"paid_yuan": "12.345", "paid_at": "2026-03-02T09:00"}, "money_precision"),
        ({"paid_yuan": "25600000", "paid_at": "2026-03-09T09:00"}, "deposit_paid_at_future"),
        ({"paid_yuan": "25600000", "paid_at": "next week"}, "form_invalid"),
    ):
        response = staff.post(f"/trading/registrations/{registration.uuid}/deposit/", data)
        assert response.status_code == 400, data
        assert f'data-code="{code}"' in body(response), (data, body(response))
    assert {k: v for k, v in state().items() if k != "counts"} == {k: v for k, v in before.items() if k != "counts"}
    assert Registration.objects.get(pk=registration.pk).deposit_paid_fen == 0


def test_another_bidder_cannot_open_or_act_on_someone_elses_registration(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    other = client_for("bidder2")
    before = state()
    response = other.get(f"/trading/registrations/{registration.uuid}/")
    assert response.status_code == 404
    assert 'data-code="registration_not_found"' in body(response)
    assert BIDDER1 not in body(response)
    assert other.get("/trading/registrations/not-a-uuid/").status_code == 404
    # Staff actions are for staff: the bidder itself is refused at the door too.
    for client in (other, client_for("bidder1"), client_for("tenderer")):
        response = client.post(f"/trading/registrations/{registration.uuid}/confirm/")
        assert response.status_code == 403
        response = client.post(
            f"/trading/registrations/{registration.uuid}/deposit/",
            {"paid_yuan": "25600000", "paid_at": "2026-03-02T09:00"},
        )
        assert response.status_code == 403
    assert BIDDER1 not in body(other.get(f"/trading/tenders/{plot.code}/"))
    assert state() == before


def test_before_the_deadline_the_registrations_list_is_403_for_every_role(world: World, plot: Section) -> None:
    registration_apply(section=plot, by=world["bidder1"])
    walkers = [k for k in ROLE_KEYS if k != "system"]
    for key in walkers:
        client = client_for(key)
        response = client.get(f"/trading/sections/{plot.code}/registrations/")
        assert response.status_code == 403, key
        assert BIDDER1 not in body(response), key
        if key in ("tenderer", "agency", "staff", "regulator"):
            page = body(client.get(f"/trading/projects/{plot.project.code}/"))
            assert 'data-testid="registrations-link"' not in page, key
    denied = AuditEntry.objects.filter(action="tendering.registrations.view_denied", object_id=plot.code)
    assert denied.count() == len(walkers)
    assert not AuditEntry.objects.filter(action="tendering.registrations.view").exists()


def test_after_the_deadline_the_tenderer_sees_who_registered(world: World, plot: Section) -> None:
    registration_apply(section=plot, by=world["bidder1"])
    clock_set(LISTING_END)
    tenderer = client_for("tenderer")
    page = body(tenderer.get(f"/trading/projects/{plot.project.code}/"))
    assert f'href="/trading/sections/{plot.code}/registrations/" data-testid="registrations-link"' in page
    response = tenderer.get(f"/trading/sections/{plot.code}/registrations/")
    assert response.status_code == 200
    page = body(response)
    assert BIDDER1 in page
    assert world.uscc["bidder1"] in page
    assert "2026-03-02 10:00" in page
    # Other bidders still may not see the list.
    assert client_for("bidder2").get(f"/trading/sections/{plot.code}/registrations/").status_code == 403
    assert AuditEntry.objects.filter(action="tendering.registrations.view", actor_username="tenderer").count() == 1
