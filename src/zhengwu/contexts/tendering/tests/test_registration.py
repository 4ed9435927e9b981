"""Bidding registration (竞买申请) and its deposit (竞买保证金) in land and property sections.

Pure rules first (on the shipped 2026 calendar: 清明 4–6 April, no make-up day near it), then the
services with every role, then the secrecy of who registered, role by role.

Dates worked out by hand. The land listing of the factories is published Monday 2 March 2026
10:00 and ends Tuesday 7 April 17:00. Two working days before 7 April, skipping 清明 (Saturday 4 to
Monday 6 April): Friday 3 April is one, Thursday 2 April two — applications and deposits close
Thursday 2 April 2026 at 17:00.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from django.db import models as dj_models
from django.db import transaction

from zhengwu.contexts.tendering import rules, selectors
from zhengwu.contexts.tendering.models import Registration, Section
from zhengwu.contexts.tendering.rules import (
    Period,
    RuleSet,
    deposit_amount,
    deposit_check,
    registration_check,
    registration_deadline,
    registration_opens,
    rules_table,
    ruleset_for,
)
from zhengwu.contexts.tendering.services import (
    deposit_record,
    notice_approve,
    notice_draft,
    notice_publish,
    registration_apply,
    registration_confirm,
    registration_refuse,
)
from zhengwu.contexts.tendering.tests.factories import (
    CONSTRUCTION,
    CONSULTATION,
    LISTING,
    NOW,
    ROLE_KEYS,
    World,
    at,
    project_make,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.workdays import WorkCalendar
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage
from zhengwu.platform.workdays.defaults import defaults_rows

CAL = WorkCalendar.from_rows([(row.date, row.kind, row.name) for _, rows_ in defaults_rows() for row in rows_])
LAND = ruleset_for(procedure="land.listing", on=dt.date(2026, 3, 2))
PROPERTY = ruleset_for(procedure="property.listing", on=dt.date(2026, 3, 2))
LISTING_END = at(2026, 4, 7, 17)
REGISTRATION_END = at(2026, 4, 2, 17)
DEPOSIT_FEN = 2_560_000_000  # 25,600,000.00 yuan (20% of the starting price)
BIDDER1 = "云南某建设工程有限公司"
BIDDER2 = "昆明某路桥工程有限公司"
AFTER_DEADLINE = {"tenderer", "agency", "staff", "regulator"}
BIDDERS = {"bidder1", "bidder2", "bidder3"}


# --- pure rules ----------------------------------------------------------------------------------


def test_every_land_and_property_procedure_registers_and_no_tender_or_procurement_does() -> None:
    for procedure in rules.Procedure:
        ruleset = ruleset_for(procedure=procedure.value, on=dt.date(2026, 3, 2))
        expected = procedure.value.split(".")[0] in ("land", "property")
        assert (ruleset.registration is not None) is expected, procedure
    assert LAND.registration is not None
    assert (LAND.registration.close_before, LAND.registration.opens, LAND.registration.source) == (
        Period(2, "working"),
        "notice",
        "gk",
    )


def test_the_registration_deadline_skips_the_qingming_holiday() -> None:
    assert registration_deadline(ruleset=LAND, bid_deadline=LISTING_END, calendar=CAL) == REGISTRATION_END


def test_a_weekend_is_not_counted_in_the_working_days_before_the_deadline() -> None:
    # Monday 16 March 17:00: Friday 13 is one working day before, Thursday 12 two (Sat 14, Sun 15 skipped).
    assert registration_deadline(ruleset=LAND, bid_deadline=at(2026, 3, 16, 17), calendar=CAL) == at(2026, 3, 12, 17)
    # Property: the same platform default.
    assert registration_deadline(ruleset=PROPERTY, bid_deadline=at(2026, 3, 16, 17), calendar=CAL) == at(
        2026, 3, 12, 17
    )


def test_a_calendar_day_lead_landing_on_a_saturday_moves_to_the_friday_before() -> None:
    assert LAND.registration is not None
    two_days = dataclasses.replace(
        LAND, registration=dataclasses.replace(LAND.registration, close_before=Period(2, "calendar"))
    )
    # Monday 16 March − 2 days = Saturday 14 March → Friday 13 March, same time of day.
    assert registration_deadline(ruleset=two_days, bid_deadline=at(2026, 3, 16, 9, 30), calendar=CAL) == at(
        2026, 3, 13, 9, 30
    )


def _check(applied_at: dt.datetime, ruleset: RuleSet = LAND) -> rules.RuleViolation | None:
    return registration_check(
        ruleset=ruleset, applied_at=applied_at, listing_start=NOW, bid_deadline=LISTING_END, calendar=CAL
    )


def test_an_application_is_in_time_until_the_second_before_the_registration_deadline() -> None:
    assert _check(NOW) is None
    assert _check(REGISTRATION_END - dt.timedelta(seconds=1)) is None


def test_an_application_at_the_deadline_or_one_day_late_is_refused() -> None:
    at_deadline = _check(REGISTRATION_END)
    assert at_deadline is not None
    assert at_deadline.code == "registration_closed"
    assert at_deadline.detail["registration_deadline"] == "2026-04-02T09:00:00+00:00"
    assert "2026年04月02日 17:00" in at_deadline.message
    assert "2个工作日" in at_deadline.message
    assert "国土资源部令第39号" in at_deadline.article
    one_day_late = _check(at(2026, 4, 3, 9))
    assert one_day_late is not None
    assert one_day_late.code == "registration_closed"
    # Still before the listing ends: the registration deadline, not the bid deadline, decides.
    assert at(2026, 4, 3, 9) < LISTING_END


def test_an_application_before_the_window_opens_is_refused() -> None:
    early = _check(NOW - dt.timedelta(seconds=1))
    assert early is not None
    assert (early.code, early.detail["opens_at"]) == ("registration_not_open", "2026-03-02T02:00:00+00:00")


def test_the_window_opens_at_the_listing_start_when_the_rule_says_so() -> None:
    assert LAND.registration is not None
    at_start = dataclasses.replace(LAND, registration=dataclasses.replace(LAND.registration, opens="activity_start"))
    start = at(2026, 3, 23, 9)
    assert registration_opens(ruleset=at_start, published_at=NOW, activity_start=start) == start
    assert registration_opens(ruleset=at_start, published_at=NOW, activity_start=None) == NOW
    assert registration_opens(ruleset=LAND, published_at=NOW, activity_start=start) == NOW


def test_tenders_and_procurement_have_no_registration() -> None:
    for procedure in (CONSTRUCTION, CONSULTATION):
        violation = _check(NOW, ruleset_for(procedure=procedure, on=dt.date(2026, 3, 2)))
        assert violation is not None
        assert violation.code == "registration_not_applicable"
    with pytest.raises(InvalidInput) as caught:
        registration_deadline(
            ruleset=ruleset_for(procedure=CONSTRUCTION, on=dt.date(2026, 3, 2)), bid_deadline=LISTING_END, calendar=CAL
        )
    assert caught.value.code == "registration_not_applicable"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        _check(dt.datetime(2026, 3, 3, 9, 0))
    assert caught.value.code == "datetime_naive"


def _deposit(paid_fen: int, paid_at: dt.datetime | None, required_fen: int = DEPOSIT_FEN) -> str | None:
    violation = deposit_check(
        ruleset=LAND,
        required_fen=required_fen,
        paid_fen=paid_fen,
        paid_at=paid_at,
        registration_deadline=REGISTRATION_END,
    )
    return None if violation is None else violation.code


def test_a_full_deposit_before_the_deadline_passes_and_more_is_no_breach() -> None:
    assert _deposit(DEPOSIT_FEN, REGISTRATION_END - dt.timedelta(seconds=1)) is None
    assert _deposit(DEPOSIT_FEN + 1, at(2026, 3, 20, 10)) is None
    assert _deposit(0, None, required_fen=0) is None


def test_a_deposit_short_by_one_fen_is_refused_with_the_exact_shortfall() -> None:
    violation = deposit_check(
        ruleset=LAND,
        required_fen=DEPOSIT_FEN,
        paid_fen=DEPOSIT_FEN - 1,
        paid_at=at(2026, 3, 20, 10),
        registration_deadline=REGISTRATION_END,
    )
    assert violation is not None
    assert (violation.code, violation.detail["short_fen"]) == ("deposit_short", 1)
    assert violation.message == "竞买保证金应缴25,600,000.00元，实收25,599,999.99元，尚差0.01元"


def test_a_deposit_at_or_after_the_deadline_is_late_even_when_complete() -> None:
    assert _deposit(DEPOSIT_FEN, REGISTRATION_END) == "deposit_late"
    assert _deposit(DEPOSIT_FEN, at(2026, 4, 3, 9)) == "deposit_late"


def test_no_deposit_is_not_paid() -> None:
    assert _deposit(0, None) == "deposit_not_paid"
    assert _deposit(0, at(2026, 3, 20, 10)) == "deposit_not_paid"


def test_deposit_amounts_are_exact_fen_and_never_floats() -> None:
    assert deposit_amount(starting_price_fen=12_800_000_000, fixed_fen=DEPOSIT_FEN) == DEPOSIT_FEN
    assert deposit_amount(starting_price_fen=12_800_000_000, ratio=Fraction(20, 100)) == DEPOSIT_FEN
    # 20% of 12,345.67 yuan is 2,469.134 yuan: rounded up to 2,469.14, never below the ratio.
    assert deposit_amount(starting_price_fen=1_234_567, ratio=Fraction(1, 5)) == 246_914
    for kwargs in ({}, {"fixed_fen": 1, "ratio": Fraction(1, 5)}):
        with pytest.raises(InvalidInput) as caught:
            deposit_amount(starting_price_fen=1_000, **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == "deposit_rule_invalid"
    with pytest.raises(InvalidInput) as caught:
        deposit_amount(starting_price_fen=1_000, ratio=Fraction(3, 2))
    assert caught.value.code == "deposit_ratio_invalid"
    with pytest.raises(InvalidInput) as caught:
        deposit_check(
            ruleset=LAND,
            required_fen=DEPOSIT_FEN,
            paid_fen=25.6,  # type: ignore[arg-type]
            paid_at=NOW,
            registration_deadline=REGISTRATION_END,
        )
    assert caught.value.code == "money_invalid"


def test_the_rules_table_shows_the_registration_rules_with_their_articles() -> None:
    rows = {row["rule"]: row for row in rules_table(ruleset=LAND)}
    assert rows["竞买申请截止"]["value"] == "截止时间前2个工作日"
    assert rows["竞买申请截止"]["source"] == "gk"
    assert "国土资源部令第39号" in rows["竞买保证金到账"]["article"]
    assert "竞买申请截止" not in {
        row["rule"] for row in rules_table(ruleset=ruleset_for(procedure=CONSTRUCTION, on=dt.date(2026, 3, 2)))
    }


# --- services ------------------------------------------------------------------------------------


@pytest.fixture
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path, _clock: None) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return world_build()


def _plot(world: World) -> Section:
    """A land 挂牌 section published at NOW: starting price 12,800万 yuan, deposit 2,560万 yuan."""
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


def full_snapshot() -> dict[str, Any]:
    """factories.snapshot() plus every registration's state."""
    return {
        **snapshot(),
        "registrations": list(
            Registration.objects.order_by("id").values_list(
                "organisation_id", "status", "deposit_paid_fen", "deposit_paid_at", "reason", "version"
            )
        ),
    }


def test_a_verified_bidder_registers_and_gets_the_deposit_the_notice_stated(world: World, plot: Section) -> None:
    outbox_before = OutboxMessage.objects.count()
    clock_set(at(2026, 3, 5, 10))
    registration = registration_apply(section=plot, by=world["bidder1"])
    assert (
        registration.organisation_name,
        registration.organisation_uscc,
        registration.applied_at,
        registration.deposit_required_fen,
        registration.deposit_paid_fen,
        registration.deposit_paid_at,
        registration.status,
    ) == (BIDDER1, world.uscc["bidder1"], at(2026, 3, 5, 10), DEPOSIT_FEN, 0, None, "applied")
    entries = list(AuditEntry.objects.filter(object_type="tendering.registration"))
    assert [(e.action, e.object_id, e.actor_username) for e in entries] == [
        ("tendering.registration.apply", str(registration.uuid), "bidder1")
    ]
    # Nothing goes to the other platforms, and the section's own history does not name it.
    assert OutboxMessage.objects.count() == outbox_before
    assert BIDDER1 not in repr(list(AuditEntry.objects.filter(object_id=plot.code).values_list("after", flat=True)))


def test_applying_twice_returns_the_first_record_and_writes_nothing_more(world: World, plot: Section) -> None:
    first = registration_apply(section=plot, by=world["bidder1"])
    before = full_snapshot()
    clock_set(at(2026, 3, 6, 10))
    again = registration_apply(section=plot, by=world["bidder1"])
    assert (again.pk, again.applied_at) == (first.pk, NOW)
    assert full_snapshot() == before
    # Even after the window closed, asking again tells the bidder its own record.
    clock_set(at(2026, 4, 3, 9))
    assert registration_apply(section=plot, by=world["bidder1"]).pk == first.pk


def test_the_registration_window_closes_at_the_registration_deadline(world: World, plot: Section) -> None:
    clock_set(REGISTRATION_END - dt.timedelta(seconds=1))
    assert registration_apply(section=plot, by=world["bidder1"]).applied_at == REGISTRATION_END - dt.timedelta(
        seconds=1
    )
    for when in (REGISTRATION_END, at(2026, 4, 3, 17)):  # at the instant; one day late
        clock_set(when)
        before = full_snapshot()
        with pytest.raises(Conflict) as caught:
            registration_apply(section=plot, by=world["bidder2"])
        assert caught.value.code == "registration_closed"
        assert caught.value.detail["registration_deadline"] == "2026-04-02T09:00:00+00:00"
        assert full_snapshot() == before
    assert selectors.registration_deadline_for(section=plot) == REGISTRATION_END


@pytest.mark.parametrize("procedure", [CONSTRUCTION, CONSULTATION])
def test_tender_and_procurement_sections_refuse_registration(world: World, procedure: str) -> None:
    _, sections, _ = tender_publish(world, procedure=procedure)
    before = full_snapshot()
    with pytest.raises(InvalidInput) as caught:
        registration_apply(section=sections[0], by=world["bidder1"])
    assert caught.value.code == "registration_not_applicable"
    assert full_snapshot() == before
    assert selectors.registration_deadline_for(section=sections[0]) is None


def test_a_draft_section_refuses_registration(world: World) -> None:
    _, sections = project_make(world, procedure=LISTING, sections=(("地块", "1000000", "200000"),))
    before = full_snapshot()
    with pytest.raises(Conflict) as caught:
        registration_apply(section=sections[0], by=world["bidder1"])
    assert caught.value.code == "section_not_published"
    assert full_snapshot() == before


def test_a_property_listing_registers_until_two_working_days_before_the_disclosure_ends(world: World) -> None:
    # Published Monday 2 March; 20 working days of disclosure end 30 March at the earliest. We end
    # Wednesday 1 April 17:00, so registration closes Monday 30 March 17:00 (31, 30 March).
    project, sections = project_make(
        world,
        procedure="property.listing",
        name="昆明某国有企业100%股权转让",
        budget_yuan="50000000",
        sections=(("100%股权", "50000000", "5000000"),),
    )
    notice = notice_draft(
        project=project,
        kind="tender",
        title="昆明某国有企业100%股权转让信息披露公告",
        body="转让底价5000万元，交易保证金500万元。",
        sections=sections,
        bid_deadline=at(2026, 4, 1, 17),
        by=world["agency"],
    )
    notice_approve(notice=notice, by=world["staff"])
    notice_publish(notice=notice, by=world["agency"])
    shares = Section.objects.get(pk=sections[0].pk)
    assert selectors.registration_deadline_for(section=shares) == at(2026, 3, 30, 17)
    clock_set(at(2026, 3, 30, 16, 59))
    assert registration_apply(section=shares, by=world["bidder1"]).deposit_required_fen == 500_000_000
    clock_set(at(2026, 3, 30, 17))
    with pytest.raises(Conflict) as caught:
        registration_apply(section=shares, by=world["bidder2"])
    assert caught.value.code == "registration_closed"


def test_staff_record_the_deposit_and_confirm_the_bidder(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    clock_set(at(2026, 3, 20, 10))
    recorded = deposit_record(
        registration=registration, paid_yuan="25600000.00", paid_at=at(2026, 3, 19, 15, 30), by=world["staff"]
    )
    assert (recorded.deposit_paid_fen, recorded.deposit_paid_at, recorded.deposit_recorded_by_username) == (
        DEPOSIT_FEN,
        at(2026, 3, 19, 15, 30),
        "staff",
    )
    # The same confirmation recorded twice changes nothing.
    before = full_snapshot()
    deposit_record(registration=registration, paid_yuan="25600000", paid_at=at(2026, 3, 19, 15, 30), by=world["staff"])
    assert full_snapshot() == before
    confirmed = registration_confirm(registration=registration, by=world["staff"])
    assert (confirmed.status, confirmed.confirmed_by_username, confirmed.decided_at) == (
        "confirmed",
        "staff",
        at(2026, 3, 20, 10),
    )
    before = full_snapshot()
    assert registration_confirm(registration=registration, by=world["staff"]).status == "confirmed"
    assert full_snapshot() == before
    actions = list(
        AuditEntry.objects.filter(object_id=str(registration.uuid)).order_by("position").values_list("action", "after")
    )
    assert [a for a, _ in actions] == [
        "tendering.registration.apply",
        "tendering.registration.deposit_record",
        "tendering.registration.confirm",
    ]
    assert actions[1][1]["deposit_paid_fen"] == DEPOSIT_FEN
    assert actions[1][1]["deposit_paid_at"] == "2026-03-19T07:30:00+00:00"
    # Recorded after confirmation: refused.
    with pytest.raises(Conflict) as caught:
        deposit_record(registration=registration, paid_yuan="1", paid_at=at(2026, 3, 19, 16), by=world["staff"])
    assert caught.value.code == "registration_decided"


@pytest.mark.parametrize(
    ("paid_yuan", "paid_at", "code"),
    [
        ("25599999.99", at(2026, 3, 19, 15), "deposit_short"),  # one fen short
        ("25600000.00", REGISTRATION_END, "deposit_late"),  # complete, at the deadline's instant
        ("25600000.00", at(2026, 4, 3, 9), "deposit_late"),  # one day late
    ],
)
def test_a_short_or_late_deposit_cannot_be_confirmed(
    world: World, plot: Section, paid_yuan: str, paid_at: dt.datetime, code: str
) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    clock_set(at(2026, 4, 3, 10))
    deposit_record(registration=registration, paid_yuan=paid_yuan, paid_at=paid_at, by=world["staff"])
    before = full_snapshot()
    with pytest.raises(Conflict) as caught:
        registration_confirm(registration=registration, by=world["staff"])
    assert caught.value.code == code
    assert full_snapshot() == before
    assert Registration.objects.get(pk=registration.pk).status == "applied"


def test_a_registration_without_any_deposit_cannot_be_confirmed(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    with pytest.raises(Conflict) as caught:
        registration_confirm(registration=registration, by=world["staff"])
    assert caught.value.code == "deposit_not_paid"


def test_confirmation_after_the_bid_deadline_is_refused(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    deposit_record(registration=registration, paid_yuan="25600000", paid_at=at(2026, 3, 2, 9), by=world["staff"])
    clock_set(LISTING_END)
    with pytest.raises(Conflict) as caught:
        registration_confirm(registration=registration, by=world["staff"])
    assert caught.value.code == "bid_deadline_passed"
    assert Registration.objects.get(pk=registration.pk).status == "applied"


@pytest.mark.parametrize(
    ("paid_yuan", "paid_at", "code"),
    [
        ("25600000.001", at(2026, 3, 2, 9), "money_precision"),
        ("0", at(2026, 3, 2, 9), "amount_invalid"),
        ("-1", at(2026, 3, 2, 9), "amount_invalid"),
        ("abc", at(2026, 3, 2, 9), "money_format"),
        ("25600000", at(2026, 3, 2, 10, 0, 1), "deposit_paid_at_future"),
        ("25600000", dt.datetime(2026, 3, 2, 9), "datetime_naive"),
    ],
)
def test_a_bad_deposit_record_is_refused_clearly_and_changes_nothing(
    world: World, plot: Section, paid_yuan: str, paid_at: dt.datetime, code: str
) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    before = full_snapshot()
    with pytest.raises(InvalidInput) as caught:
        deposit_record(registration=registration, paid_yuan=paid_yuan, paid_at=paid_at, by=world["staff"])
    assert caught.value.code == code
    assert full_snapshot() == before


def test_staff_refuse_with_a_reason_and_a_refused_registration_stays_refused(world: World, plot: Section) -> None:
    registration = registration_apply(section=plot, by=world["bidder1"])
    with pytest.raises(InvalidInput) as caught:
        registration_refuse(registration=registration, reason="  ", by=world["staff"])
    assert caught.value.code == "reason_required"
    refused = registration_refuse(
        registration=registration, reason="竞买人资格条件不符合出让公告要求", by=world["staff"]
    )
    assert (refused.status, refused.reason, refused.confirmed_by_username) == (
        "refused",
        "竞买人资格条件不符合出让公告要求",
        "staff",
    )
    before = full_snapshot()
    assert registration_refuse(registration=registration, reason="另一理由", by=world["staff"]).reason == (
        "竞买人资格条件不符合出让公告要求"
    )
    assert full_snapshot() == before
    for call in (
        lambda: registration_confirm(registration=registration, by=world["staff"]),
        lambda: deposit_record(
            registration=registration, paid_yuan="25600000", paid_at=at(2026, 3, 2, 9), by=world["staff"]
        ),
    ):
        with pytest.raises(Conflict) as conflict:
            call()
        assert conflict.value.code == "registration_decided"
    assert full_snapshot() == before
    # The refused bidder does not get a second application.
    assert registration_apply(section=plot, by=world["bidder1"]).status == "refused"


# --- who may do what -----------------------------------------------------------------------------


def _applied(world: World) -> dict[str, Any]:
    plot = _plot(world)
    return {"section": plot, "registration": registration_apply(section=plot, by=world["bidder1"])}


def _paid(world: World) -> dict[str, Any]:
    ctx = _applied(world)
    deposit_record(registration=ctx["registration"], paid_yuan="25600000", paid_at=at(2026, 3, 2, 9), by=world["staff"])
    return ctx


CASES: dict[str, tuple[Callable[[World], dict[str, Any]], Callable[[World, dict[str, Any], str], object], set[str]]] = {
    "registration_apply": (
        lambda w: {"section": _plot(w)},
        lambda w, c, k: registration_apply(section=c["section"], by=w[k]),
        BIDDERS,
    ),
    "deposit_record": (
        _applied,
        lambda w, c, k: deposit_record(
            registration=c["registration"], paid_yuan="25600000", paid_at=at(2026, 3, 2, 9), by=w[k]
        ),
        {"staff"},
    ),
    "registration_confirm": (
        _paid,
        lambda w, c, k: registration_confirm(registration=c["registration"], by=w[k]),
        {"staff"},
    ),
    "registration_refuse": (
        _applied,
        lambda w, c, k: registration_refuse(registration=c["registration"], reason="资格不符", by=w[k]),
        {"staff"},
    ),
}


@pytest.mark.parametrize("service", sorted(CASES))
def test_every_role_is_admitted_or_refused_and_a_refusal_changes_nothing(world: World, service: str) -> None:
    setup, call, allowed = CASES[service]
    ctx = setup(world)
    admitted: list[str] = []
    for key in ROLE_KEYS:
        before = full_snapshot()
        if key in allowed:
            with transaction.atomic():
                call(world, ctx, key)
                assert full_snapshot() != before, f"{service} by {key} changed nothing"
                transaction.set_rollback(True)  # the next role starts from the same state
            admitted.append(key)
        else:
            with pytest.raises(PermissionDenied):
                call(world, ctx, key)
            assert full_snapshot() == before, f"{service} refused to {key} but changed something"
    assert sorted(admitted) == sorted(allowed)


def test_a_pending_organisation_is_told_why(world: World, plot: Section) -> None:
    with pytest.raises(PermissionDenied) as caught:
        registration_apply(section=plot, by=world["bidder_pending"])
    assert caught.value.code == "organisation_not_verified"


# --- secrecy: who registered ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dj_models.Model):
        return {f.attname: _plain(getattr(value, f.attname)) for f in value._meta.concrete_fields}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, list | tuple | dj_models.QuerySet):
        return [_plain(v) for v in value]
    return value


@pytest.fixture
def registered(world: World, plot: Section) -> Section:
    """bidder1 applied on 3 March and was confirmed; bidder2 applied on 4 March."""
    clock_set(at(2026, 3, 3, 9))
    first = registration_apply(section=plot, by=world["bidder1"])
    deposit_record(registration=first, paid_yuan="25600000", paid_at=at(2026, 3, 3, 8), by=world["staff"])
    registration_confirm(registration=first, by=world["staff"])
    clock_set(at(2026, 3, 4, 9))
    registration_apply(section=plot, by=world["bidder2"])
    return plot


def test_before_the_deadline_the_gatekeeper_refuses_every_role_and_audits_each_try(
    world: World, registered: Section
) -> None:
    clock_set(LISTING_END - dt.timedelta(seconds=1))
    for key in ROLE_KEYS:
        assert selectors.registrations_visible(section=registered, by=world[key]) is False
        with pytest.raises(PermissionDenied) as caught:
            selectors.registrations_for(section=registered, by=world[key])
        assert caught.value.code == "registrations_secret", key
        assert BIDDER1 not in caught.value.message
    denied = AuditEntry.objects.filter(action="tendering.registrations.view_denied").order_by("position")
    assert [(e.actor_username, e.object_id, e.after) for e in denied] == [
        (world[key].username, registered.code, {"deadline_passed": False}) for key in ROLE_KEYS
    ]


def test_after_the_deadline_the_tenderer_agency_staff_and_regulators_see_it_and_each_look_is_audited(
    world: World, registered: Section
) -> None:
    clock_set(LISTING_END)
    for key in ROLE_KEYS:
        by = world[key]
        if key in AFTER_DEADLINE:
            assert selectors.registrations_visible(section=registered, by=by) is True
            rows = selectors.registrations_for(section=registered, by=by)
            assert [
                (r.organisation_name, r.organisation_uscc, r.applied_at, r.status, r.deposit_paid_fen) for r in rows
            ] == [
                (BIDDER1, world.uscc["bidder1"], at(2026, 3, 3, 9), "confirmed", DEPOSIT_FEN),
                (BIDDER2, world.uscc["bidder2"], at(2026, 3, 4, 9), "applied", 0),
            ]
            entry = AuditEntry.objects.filter(action="tendering.registrations.view").order_by("-position").first()
            assert entry is not None
            assert (entry.actor_username, entry.object_id, entry.after) == (by.username, registered.code, {"count": 2})
        else:
            assert selectors.registrations_visible(section=registered, by=by) is False
            with pytest.raises(PermissionDenied) as caught:
                selectors.registrations_for(section=registered, by=by)
            assert caught.value.code == "registrations_denied", key
    assert AuditEntry.objects.filter(action="tendering.registrations.view").count() == len(AFTER_DEADLINE)
    assert AuditEntry.objects.filter(action="tendering.registrations.view_denied").count() == len(ROLE_KEYS) - len(
        AFTER_DEADLINE
    )


def test_a_bidder_learns_its_own_registration_and_nothing_else(world: World, registered: Section) -> None:
    own = selectors.registration_status(section=registered, by=world["bidder1"])
    assert own is not None
    assert (own.organisation_name, own.status) == (BIDDER1, "confirmed")
    for key in ROLE_KEYS:
        seen = repr(_plain(selectors.registration_status(section=registered, by=world[key])))
        for name in (BIDDER1, BIDDER2):
            if name != world[key].organisation_name:
                assert name not in seen, f"{key} can learn that {name} registered"
    # Nothing sent to the other platforms names a registrant.
    for message in OutboxMessage.objects.filter(event_type__startswith="tendering."):
        assert BIDDER1 not in repr(message.payload)
        assert BIDDER2 not in repr(message.payload)


def test_one_registration_by_its_reference_only_for_its_bidder_and_staff(world: World, registered: Section) -> None:
    reference = Registration.objects.get(organisation_name=BIDDER1).uuid
    assert selectors.registration_get(uuid=reference, by=world["bidder1"]).organisation_name == BIDDER1
    assert not AuditEntry.objects.filter(action="tendering.registration.view").exists()
    assert selectors.registration_get(uuid=str(reference), by=world["staff"]).organisation_name == BIDDER1
    assert list(
        AuditEntry.objects.filter(action="tendering.registration.view").values_list("actor_username", "object_id")
    ) == [("staff", str(reference))]
    for key in sorted(set(ROLE_KEYS) - {"bidder1", "staff"}):
        with pytest.raises(NotFound) as caught:
            selectors.registration_get(uuid=reference, by=world[key])
        assert caught.value.code == "registration_not_found", key
    with pytest.raises(NotFound):
        selectors.registration_get(uuid="not-a-uuid", by=world["staff"])
