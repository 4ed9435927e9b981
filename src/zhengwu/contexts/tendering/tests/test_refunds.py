"""Refunds (退还): made due by termination, registration withdrawal and refusal; paid by the centre;
seen by the organisation owed them and the centre's staff only.

Dates (see test_registration.py and factories): the construction tender is published Monday
2 March 2026 10:00, documents sold until 9 March, deadline 24 March 09:30; the land listing ends
Tuesday 7 April 17:00 and applications and deposits close Thursday 2 April 17:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering.models import PrequalApplication, Refund, Registration, Section
from zhengwu.contexts.tendering.services import (
    deposit_record,
    document_obtain,
    refund_record_paid,
    registration_apply,
    registration_confirm,
    registration_refuse,
    registration_withdraw,
    tender_terminate,
)
from zhengwu.contexts.tendering.tests.factories import (
    LISTING,
    NOW,
    World,
    at,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.contexts.tendering.tests.test_api_secrecy import body_of
from zhengwu.contexts.tendering.tests.test_api_secrecy import client_for as api_client
from zhengwu.contexts.tendering.tests.test_pages_journeys import body, client_for
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
REGISTRATION_END = at(2026, 4, 2, 17)
DEPOSIT_FEN = 2_560_000_000
BIDDER1 = "云南某建设工程有限公司"
BIDDER2 = "昆明某路桥工程有限公司"
BIDDER3 = "云南某水利水电工程有限公司"
# Every role world_build makes; None is the anonymous visitor.
WALKERS: tuple[str | None, ...] = (
    "staff",
    "tenderer",
    "tenderer_other",
    "agency",
    "agency_other",
    "bidder1",
    "bidder2",
    "bidder3",
    "bidder_pending",
    "expert",
    "regulator",
    "appraiser",
    "leader",
    "dept",
    "public",
    None,
)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


def _plot(world: World) -> Section:
    _, sections, _ = tender_publish(
        world,
        procedure=LISTING,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        budget_yuan="128000000",
        sections=(("KCC2026-18号地块", "128000000", "25600000"),),
    )
    return sections[0]


@pytest.fixture
def plot(world: World) -> Section:
    return _plot(world)


DEPOSIT_AT = at(2026, 3, 19, 15)


def _paid(world: World, registration: Registration, when: dt.datetime = DEPOSIT_AT) -> Registration:
    clock_set(when + dt.timedelta(hours=1))
    return deposit_record(registration=registration, paid_yuan="25600000", paid_at=when, by=world["staff"])


def state() -> dict[str, Any]:
    """Everything a refused call must leave unchanged, refunds and registrations included."""
    return {
        **snapshot(),
        "registrations": list(
            Registration.objects.order_by("id").values_list(
                "uuid", "status", "deposit_paid_fen", "withdrawn_at", "reason", "version"
            )
        ),
        "refunds": list(
            Refund.objects.order_by("id").values_list(
                "kind", "source", "reason", "amount_fen", "interest_fen", "status", "bank_reference", "version"
            )
        ),
    }


def refunds() -> list[tuple[str, str, str, int, str]]:
    return list(
        Refund.objects.order_by("id").values_list("organisation_name", "kind", "reason", "amount_fen", "status")
    )


# --- termination -----------------------------------------------------------------------------------


def test_termination_owes_back_every_paid_document_fee_prequal_fee_and_deposit_once(world: World) -> None:
    project, sections, _ = tender_publish(world, document_price_yuan="500")
    section = sections[0]
    clock_set(at(2026, 3, 3, 9))
    first = document_obtain(section=section, by=world["bidder1"])
    document_obtain(section=section, by=world["bidder2"])
    # A pre-qualification fee (the colleague's stage builds these rows; the model is here already).
    prequal = PrequalApplication.objects.create(
        section=section,
        organisation_id=world["bidder3"].organisation_id,
        organisation_name=BIDDER3,
        organisation_uscc=world.uscc["bidder3"],
        username="bidder3",
        obtained_at=at(2026, 3, 2, 11),
        paid=True,
        amount_fen=20_000,
    )
    PrequalApplication.objects.create(  # free: nothing to refund
        section=section,
        organisation_id=world["bidder2"].organisation_id,
        organisation_name=BIDDER2,
        organisation_uscc=world.uscc["bidder2"],
        username="bidder2",
        obtained_at=at(2026, 3, 2, 11),
    )
    clock_set(at(2026, 3, 5, 10))
    tender_terminate(project=project, reason="项目资金未落实", by=world["agency"])
    assert refunds() == [
        (BIDDER1, "document_fee", "terminated", 50_000, "due"),
        (BIDDER2, "document_fee", "terminated", 50_000, "due"),
        (BIDDER3, "prequal_document_fee", "terminated", 20_000, "due"),
    ]
    made = Refund.objects.get(source=first.uuid)
    assert (made.section_id, made.organisation_id, made.due_at, made.interest_fen) == (
        section.pk,
        world["bidder1"].organisation_id,
        at(2026, 3, 5, 10),
        0,
    )
    assert Refund.objects.get(source=prequal.uuid).kind == "prequal_document_fee"
    # The termination's audit entry does not count them (the count would tell how many obtained).
    entry = AuditEntry.objects.get(action="tendering.tender.terminate")
    assert "refund" not in repr(entry.after)


def test_a_free_tender_terminated_owes_nothing(world: World) -> None:
    project, sections, _ = tender_publish(world)
    clock_set(at(2026, 3, 3, 9))
    document_obtain(section=sections[0], by=world["bidder1"])
    tender_terminate(project=project, reason="项目取消", by=world["agency"])
    assert refunds() == []


def test_terminating_a_land_listing_refunds_received_deposits_but_not_one_already_refunded(
    world: World, plot: Section
) -> None:
    clock_set(at(2026, 3, 5, 10))
    one = registration_apply(section=plot, by=world["bidder1"])
    registration_apply(section=plot, by=world["bidder2"])  # applied, paid nothing
    three = registration_apply(section=plot, by=world["bidder3"])
    _paid(world, one)
    _paid(world, three)
    registration_withdraw(registration=three, by=world["bidder3"])
    assert refunds() == [(BIDDER3, "deposit", "registration_withdrawn", DEPOSIT_FEN, "due")]
    clock_set(at(2026, 3, 25, 10))
    tender_terminate(project=plot.project, reason="规划调整", by=world["agency"])
    assert refunds() == [
        (BIDDER3, "deposit", "registration_withdrawn", DEPOSIT_FEN, "due"),
        (BIDDER1, "deposit", "terminated", DEPOSIT_FEN, "due"),
    ]
    assert Refund.objects.get(reason="terminated").source == one.uuid


def test_a_refused_termination_makes_no_refund(world: World) -> None:
    project, sections, _ = tender_publish(world, document_price_yuan="500")
    clock_set(at(2026, 3, 3, 9))
    document_obtain(section=sections[0], by=world["bidder1"])
    before = state()
    for who in ("bidder1", "staff", "tenderer_other"):
        with pytest.raises(PermissionDenied):
            tender_terminate(project=project, reason="x", by=world[who])
    assert state() == before


# --- withdrawal and refusal ---------------------------------------------------------------------------


def test_a_bidder_withdraws_before_the_deadline_and_its_deposit_becomes_a_refund(world: World, plot: Section) -> None:
    clock_set(at(2026, 3, 5, 10))
    registration = _paid(world, registration_apply(section=plot, by=world["bidder1"]))
    registration = registration_confirm(registration=registration, by=world["staff"])
    clock_set(REGISTRATION_END - dt.timedelta(seconds=1))
    withdrawn = registration_withdraw(registration=registration, by=world["bidder1"])
    assert (withdrawn.status, withdrawn.withdrawn_at) == ("withdrawn", REGISTRATION_END - dt.timedelta(seconds=1))
    refund = Refund.objects.get()
    assert (refund.organisation_name, refund.kind, refund.source, refund.reason, refund.amount_fen) == (
        BIDDER1,
        "deposit",
        registration.uuid,
        "registration_withdrawn",
        DEPOSIT_FEN,
    )
    entry = AuditEntry.objects.filter(action="tendering.registration.withdraw").get()
    assert (entry.object_id, entry.after["refund"]) == (str(registration.uuid), str(refund.uuid))
    # Withdrawing again changes nothing.
    before = state()
    assert registration_withdraw(registration=registration, by=world["bidder1"]).status == "withdrawn"
    assert state() == before


def test_a_withdrawal_without_a_deposit_makes_no_refund(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    assert registration_withdraw(registration=registration, by=world["bidder1"]).status == "withdrawn"
    assert refunds() == []


def test_withdrawal_is_refused_to_others_late_after_refusal_and_while_suspended(world: World, plot: Section) -> None:
    registration = _paid(world, registration_apply(section=plot, by=world["bidder1"]))
    before = state()
    for who in ("bidder2", "staff", "agency", "tenderer", "regulator", "system", "bidder_pending", "public"):
        with pytest.raises(PermissionDenied) as caught:
            registration_withdraw(registration=registration, by=world[who])
        assert caught.value.code == "registration_withdraw_denied", who
    assert state() == before
    # Suspended by an objection: the activity stands still.
    Section.objects.filter(pk=plot.pk).update(suspended_at=at(2026, 3, 20, 9))
    before = state()
    with pytest.raises(Conflict) as caught:
        registration_withdraw(registration=registration, by=world["bidder1"])
    assert caught.value.code == "section_suspended"
    assert state() == before
    Section.objects.filter(pk=plot.pk).update(suspended_at=None)
    # At the registration deadline and after it.
    for when in (REGISTRATION_END, at(2026, 4, 3, 9)):
        clock_set(when)
        before = state()
        with pytest.raises(Conflict) as caught:
            registration_withdraw(registration=registration, by=world["bidder1"])
        assert caught.value.code == "registration_closed"
        assert state() == before
    # Refused registrations cannot be withdrawn (their deposit is already refunded).
    clock_set(at(2026, 3, 21, 10))
    refused = registration_refuse(registration=registration, reason="材料不全", by=world["staff"])
    before = state()
    with pytest.raises(Conflict) as caught:
        registration_withdraw(registration=refused, by=world["bidder1"])
    assert caught.value.code == "registration_decided"
    assert state() == before


def test_withdrawal_is_refused_once_the_tender_is_terminated(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    tender_terminate(project=plot.project, reason="规划调整", by=world["agency"])
    before = state()
    with pytest.raises(Conflict) as caught:
        registration_withdraw(registration=registration, by=world["bidder1"])
    assert caught.value.code == "section_closed"
    assert state() == before


def test_a_refusal_refunds_a_received_deposit(world: World, plot: Section) -> None:
    registration = _paid(world, registration_apply(section=plot, by=world["bidder1"]), at(2026, 4, 3, 9))
    clock_set(at(2026, 4, 3, 11))
    with pytest.raises(Conflict):  # late: cannot be confirmed
        registration_confirm(registration=registration, by=world["staff"])
    registration_refuse(registration=registration, reason="保证金逾期到账", by=world["staff"])
    assert refunds() == [(BIDDER1, "deposit", "registration_refused", DEPOSIT_FEN, "due")]
    entry = AuditEntry.objects.get(action="tendering.registration.refuse")
    assert entry.after["refund"] == str(Refund.objects.get().uuid)
    # Refusing one without a deposit owes nothing.
    other = registration_apply(section=plot, by=world["bidder2"]) if clock_set(at(2026, 3, 30, 9)) is None else None
    assert other is not None
    registration_refuse(registration=other, reason="资格不符", by=world["staff"])
    assert len(refunds()) == 1


def test_a_bidder_that_withdrew_may_apply_again_as_a_new_application(world: World, plot: Section) -> None:
    first = _paid(world, registration_apply(section=plot, by=world["bidder1"]))
    old_reference = first.uuid
    registration_withdraw(registration=first, by=world["bidder1"])
    clock_set(at(2026, 3, 25, 10))
    again = registration_apply(section=plot, by=world["bidder1"])
    assert again.pk == first.pk  # one row per section and organisation
    assert again.uuid != old_reference  # a new reference to quote for the new deposit
    assert (again.status, again.applied_at, again.deposit_paid_fen, again.withdrawn_at, again.deposit_required_fen) == (
        "applied",
        at(2026, 3, 25, 10),
        0,
        None,
        DEPOSIT_FEN,
    )
    assert AuditEntry.objects.filter(action="tendering.registration.reapply", object_id=str(again.uuid)).exists()
    # Pay again and withdraw again: the second deposit is refunded too, the first not twice.
    _paid(world, again, at(2026, 3, 26, 10))
    registration_withdraw(registration=again, by=world["bidder1"])
    assert [(r.source, r.amount_fen) for r in Refund.objects.order_by("id")] == [
        (old_reference, DEPOSIT_FEN),
        (again.uuid, DEPOSIT_FEN),
    ]
    # After the registration deadline a withdrawn bidder stays withdrawn.
    clock_set(REGISTRATION_END)
    before = state()
    with pytest.raises(Conflict) as caught:
        registration_apply(section=plot, by=world["bidder1"])
    assert caught.value.code == "registration_closed"
    assert state() == before


# --- paying a refund -------------------------------------------------------------------------------------


@pytest.fixture
def owed(world: World, plot: Section) -> tuple[Refund, Refund]:
    """bidder1's document fee on a terminated construction tender and bidder3's withdrawn deposit."""
    project, sections, _ = tender_publish(world, document_price_yuan="500")
    clock_set(at(2026, 3, 3, 9))
    document_obtain(section=sections[0], by=world["bidder1"])
    tender_terminate(project=project, reason="项目取消", by=world["agency"])
    three = _paid(world, registration_apply(section=plot, by=world["bidder3"]))
    registration_withdraw(registration=three, by=world["bidder3"])
    return Refund.objects.get(kind="document_fee"), Refund.objects.get(kind="deposit")


def test_staff_record_a_refund_paid_once_with_the_banks_interest(world: World, owed: tuple[Refund, Refund]) -> None:
    fee, deposit = owed
    clock_set(at(2026, 3, 30, 10))
    paid = refund_record_paid(refund=deposit, bank_reference="ICBC20260330001", interest_fen=12_345, by=world["staff"])
    assert (paid.status, paid.paid_at, paid.bank_reference, paid.interest_fen, paid.recorded_by_username) == (
        "paid",
        at(2026, 3, 30, 10),
        "ICBC20260330001",
        12_345,
        "staff",
    )
    entry = AuditEntry.objects.get(action="tendering.refund.paid")
    assert (entry.object_type, entry.object_id, entry.after["interest_fen"]) == (
        "tendering.refund",
        str(deposit.uuid),
        12_345,
    )
    before = state()
    with pytest.raises(Conflict) as caught:
        refund_record_paid(refund=deposit, bank_reference="ICBC-again", interest_fen=0, by=world["staff"])
    assert caught.value.code == "refund_already_paid"
    assert state() == before
    assert refund_record_paid(refund=fee, bank_reference="ICBC2", interest_fen=0, by=world["staff"]).status == "paid"


def test_paying_a_refund_is_refused_to_everyone_but_staff_and_with_bad_input(
    world: World, owed: tuple[Refund, Refund]
) -> None:
    fee, deposit = owed
    before = state()
    for who in ("bidder1", "bidder3", "tenderer", "agency", "regulator", "system", "public"):
        with pytest.raises(PermissionDenied) as caught:
            refund_record_paid(refund=deposit, bank_reference="X1", interest_fen=0, by=world[who])
        assert caught.value.code == "centre_staff_required", who
    cases: list[tuple[Refund, str, Any, str]] = [
        (deposit, "", 0, "bank_reference_required"),
        (deposit, "x" * 65, 0, "bank_reference_too_long"),
        (deposit, "X1", -1, "interest_invalid"),
        (deposit, "X1", 1.5, "interest_invalid"),
        (deposit, "X1", True, "interest_invalid"),
        # Document fees come back as paid: 第三十一条 adds interest to the securities only.
        (fee, "X1", 100, "interest_not_applicable"),
    ]
    for refund, reference, interest, code in cases:
        with pytest.raises(InvalidInput) as caught_input:
            refund_record_paid(refund=refund, bank_reference=reference, interest_fen=interest, by=world["staff"])
        assert caught_input.value.code == code
    assert state() == before


# --- pages -------------------------------------------------------------------------------------------------


def test_the_bidder_withdraws_on_its_registration_page_and_applies_again(world: World, plot: Section) -> None:
    registration = _paid(world, registration_apply(section=plot, by=world["bidder1"]))
    bidder = client_for("bidder1")
    page = body(bidder.get(f"/trading/registrations/{registration.uuid}/"))
    assert 'data-testid="registration-withdraw"' in page
    # Staff see the registration but are not offered the bidder's withdrawal.
    assert 'data-testid="registration-withdraw"' not in body(
        client_for("staff").get(f"/trading/registrations/{registration.uuid}/")
    )
    response = bidder.post(f"/trading/registrations/{registration.uuid}/withdraw/")
    assert response.status_code == 302, body(response)
    registration.refresh_from_db()
    assert registration.status == "withdrawn"
    page = body(bidder.get("/trading/refunds/mine/"))
    assert f'data-refund="{Refund.objects.get().uuid}" data-status="due"' in page
    assert "25,600,000.00" in page
    page = body(bidder.get(f"/trading/tenders/{plot.code}/"))
    assert 'data-testid="register-again"' in page
    assert bidder.post(f"/trading/tenders/{plot.code}/register/").status_code == 302
    assert Registration.objects.get().status == "applied"


def test_a_refused_withdrawal_page_shows_the_reason_and_changes_nothing(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    clock_set(REGISTRATION_END)
    before = state()
    response = client_for("bidder1").post(f"/trading/registrations/{registration.uuid}/withdraw/")
    assert response.status_code == 400
    assert 'data-code="registration_closed"' in body(response)
    # Another bidder does not even learn the registration exists.
    response = client_for("bidder2").post(f"/trading/registrations/{registration.uuid}/withdraw/")
    assert response.status_code == 404
    assert BIDDER1 not in body(response)
    assert state() == before


def test_staff_list_filter_export_and_pay_refunds_on_the_page(world: World, owed: tuple[Refund, Refund]) -> None:
    fee, deposit = owed
    staff = client_for("staff")
    page = body(staff.get("/trading/refunds/"))
    assert f'data-refund="{fee.uuid}"' in page
    assert f'data-refund="{deposit.uuid}"' in page
    assert BIDDER1 in page
    assert BIDDER3 in page
    clock_set(at(2026, 3, 30, 10))
    response = staff.post(f"/trading/refunds/{fee.uuid}/paid/", {"bank_reference": "ICBC7", "interest_yuan": ""})
    assert response.status_code == 302, body(response)
    fee.refresh_from_db()
    assert (fee.status, fee.bank_reference) == ("paid", "ICBC7")
    page = body(staff.get("/trading/refunds/?status=due"))
    assert f'data-refund="{deposit.uuid}"' in page
    assert f'data-refund="{fee.uuid}"' not in page
    before = state()["refunds"]
    response = staff.post(f"/trading/refunds/{fee.uuid}/paid/", {"bank_reference": "ICBC8"})
    assert response.status_code == 400
    assert 'data-code="refund_already_paid"' in body(response)
    response = staff.post(
        f"/trading/refunds/{deposit.uuid}/paid/", {"bank_reference": "ICBC9", "interest_yuan": "1.234"}
    )
    assert response.status_code == 400
    assert 'data-code="money_precision"' in body(response)
    assert state()["refunds"] == before
    response = staff.post(
        f"/trading/refunds/{deposit.uuid}/paid/", {"bank_reference": "ICBC9", "interest_yuan": "123.45"}
    )
    assert response.status_code == 302
    deposit.refresh_from_db()
    assert (deposit.status, deposit.interest_fen) == ("paid", 12_345)
    export = staff.get("/trading/refunds/?format=xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="tendering.refunds.export", actor_username="staff").count() == 1
    assert AuditEntry.objects.filter(action="tendering.refunds.view", actor_username="staff").count() == 4


# --- API ----------------------------------------------------------------------------------------------------


def test_the_api_withdraws_lists_and_pays_refunds(world: World, plot: Section) -> None:
    registration = _paid(world, registration_apply(section=plot, by=world["bidder1"]))
    bidder = api_client("bidder1")
    response = bidder.post(f"{API}/registrations/{registration.uuid}/withdraw")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["withdrawn_at"]) == ("withdrawn", "2026-03-19T16:00:00+08:00")
    mine = bidder.get(f"{API}/refunds/mine").json()
    assert [(r["kind"], r["reason"], r["amount_yuan"], r["status"]) for r in mine] == [
        ("deposit", "registration_withdrawn", "25600000.00", "due")
    ]
    staff = api_client("staff")
    listed = staff.get(f"{API}/refunds?status=due").json()
    assert (listed["total"], listed["items"][0]["organisation_name"]) == (1, BIDDER1)
    assert staff.get(f"{API}/refunds?status=bogus").json()["code"] == "refund_status_unknown"
    uuid = mine[0]["uuid"]
    response = staff.post(
        f"{API}/refunds/{uuid}/paid",
        {"bank_reference": "ICBC1", "interest_yuan": "10.00"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["interest_fen"]) == ("paid", 1_000)
    again = staff.post(f"{API}/refunds/{uuid}/paid", {"bank_reference": "ICBC2"}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "refund_already_paid")
    # The bidder may not record its own refund paid; another bidder does not learn it exists.
    own = bidder.post(f"{API}/refunds/{uuid}/paid", {"bank_reference": "X"}, content_type="application/json")
    assert (own.status_code, own.json()["code"]) == (403, "centre_staff_required")
    other = api_client("bidder2").post(
        f"{API}/refunds/{uuid}/paid", {"bank_reference": "X"}, content_type="application/json"
    )
    assert (other.status_code, other.json()["code"]) == (404, "refund_not_found")
    # Withdrawing someone else's registration: 404, as if it did not exist.
    other = api_client("bidder2").post(f"{API}/registrations/{registration.uuid}/withdraw")
    assert (other.status_code, other.json()["code"]) == (404, "registration_not_found")


# --- the secrecy matrix: every role, pages and API ----------------------------------------------------------------


def test_only_the_owed_organisation_and_staff_ever_see_a_refund(world: World, owed: tuple[Refund, Refund]) -> None:
    fee, deposit = owed
    owners = {"bidder1": fee, "bidder3": deposit}
    secrets = (BIDDER1, BIDDER3, str(fee.uuid), str(deposit.uuid))
    for who in WALKERS:
        pages = client_for(who) if who is not None else api_client(None)
        api = api_client(who)
        mine = pages.get("/trading/refunds/mine/")
        listing = pages.get("/trading/refunds/")
        export = pages.get("/trading/refunds/?format=xlsx")
        api_mine = api.get(f"{API}/refunds/mine")
        api_list = api.get(f"{API}/refunds")
        if who is None:
            assert [r.status_code for r in (mine, listing, export)] == [302, 302, 302]
            assert [r.status_code for r in (api_mine, api_list)] == [401, 401]
            continue
        # The own list: only its own refund, for everyone.
        own = owners.get(who)
        for text in (body(mine), body_of(api_mine)):
            for refund in (fee, deposit):
                assert (str(refund.uuid) in text) is (own is refund), (who, refund.kind)
                if own is not refund:
                    assert refund.organisation_name not in text, (who, refund.kind)
        if who == "staff":
            assert listing.status_code == 200
            assert export.status_code == 200
            assert api_list.status_code == 200
            assert {i["uuid"] for i in api_list.json()["items"]} == {str(fee.uuid), str(deposit.uuid)}
            continue
        assert [r.status_code for r in (listing, export, api_list)] == [403, 403, 403], who
        assert api_list.json()["code"] == "refunds_denied"
        for secret in secrets:
            for response in (listing, export, api_list):
                assert secret not in body_of(response), (who, secret)
        # One refund by its reference: the owner, and nobody else but staff.
        for refund in (fee, deposit):
            response = api.post(
                f"{API}/refunds/{refund.uuid}/paid", {"bank_reference": "X"}, content_type="application/json"
            )
            expected = 403 if own is refund else 404
            assert response.status_code == expected, (who, refund.kind)
    signed_in = len(WALKERS) - 1
    # Every refused look at the list was audited: a page, an export and an API call per person.
    assert AuditEntry.objects.filter(action="tendering.refunds.view_denied").count() == 2 * (signed_in - 1)
    assert AuditEntry.objects.filter(action="tendering.refunds.export_denied").count() == signed_in - 1
    assert Refund.objects.filter(status="paid").count() == 0


def test_refund_selectors_refuse_and_audit(world: World, owed: tuple[Refund, Refund]) -> None:
    from zhengwu.contexts.tendering import selectors

    fee, _ = owed
    with pytest.raises(PermissionDenied):
        selectors.refunds_page(by=world["regulator"])
    with pytest.raises(NotFound):
        selectors.refund_get(uuid=fee.uuid, by=world["tenderer"])
    with pytest.raises(NotFound):
        selectors.refund_get(uuid="not-a-uuid", by=world["staff"])
    assert selectors.refund_get(uuid=fee.uuid, by=world["staff"]).pk == fee.pk
    assert AuditEntry.objects.filter(action="tendering.refund.view", object_id=str(fee.uuid)).count() == 1
    assert selectors.refunds_own(by=world["system"]) == []
    page = selectors.refunds_page(by=world["staff"], status="", page=1, size=1)
    assert (page.total, page.pages, len(page.items)) == (2, 2, 1)
