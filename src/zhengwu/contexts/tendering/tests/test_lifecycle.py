"""The section state machine: rules.TRANSITIONS applied, guarded by the clock; too few bids → failed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.models import SECTION_STATUS_LABELS, TRADE_TYPE_LABELS, Section
from zhengwu.contexts.tendering.services import section_close_bidding, section_transition
from zhengwu.contexts.tendering.tests.factories import (
    LISTING,
    NOW,
    World,
    at,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.platform.audit.selectors import audit_entries_for
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

DEADLINE = at(2026, 3, 24, 9, 30)


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
def section(world: World) -> Section:
    _, sections, _ = tender_publish(world)
    return sections[0]


def _status_events(section: Section) -> list[tuple[str, str, str]]:
    return [
        (m.payload["previous_status"], m.payload["status"], m.payload["reason"])
        for m in OutboxMessage.objects.filter(
            event_type="tendering.section.status_changed", payload__section_code=section.code
        ).order_by("sequence")
    ]


def test_the_stored_statuses_and_trade_types_are_exactly_the_rules_ones() -> None:
    assert set(SECTION_STATUS_LABELS) == {s.value for s in rules.SectionStatus}
    assert {str(k): v for k, v in rules.STATUS_LABELS.items()} == SECTION_STATUS_LABELS
    assert set(TRADE_TYPE_LABELS) == {t.value for t in rules.TradeType}


def test_opening_before_the_deadline_is_refused(world: World, section: Section) -> None:
    clock_set(at(2026, 3, 24, 9, 29, 59))
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        section_transition(section=section, target="opening", reason="提前开标", by=world["staff"])
    assert (caught.value.code, caught.value.detail["bid_deadline"]) == (
        "bid_deadline_not_reached",
        "2026-03-24T01:30:00+00:00",
    )
    assert snapshot() == before


def test_staff_open_a_section_at_its_deadline_before_the_scheduler_does(world: World, section: Section) -> None:
    clock_set(DEADLINE)
    moved = section_transition(section=section, target="opening", reason="开标", by=world["staff"])
    # The due move comes first, with the scheduler's reason; nothing else was needed.
    assert (moved.status, moved.next_check_at, moved.status_changed_at) == ("opening", None, DEADLINE)
    assert _status_events(section)[-1] == ("accepting_bids", "opening", "bid_deadline_passed")
    entry = audit_entries_for(object_type="tendering.section", object_id=section.code)[-1]
    assert (entry.action, entry.after["moves"]) == (
        "tendering.section.transition",
        [["accepting_bids", "opening", "bid_deadline_passed"]],
    )


@pytest.mark.parametrize(
    ("target", "error", "code"),
    [
        ("awarded", Conflict, "transition_invalid"),
        ("published", InvalidInput, "transition_needs_notice"),
        ("terminated", InvalidInput, "transition_needs_notice"),
        ("closed", InvalidInput, "section_status_unknown"),
    ],
)
def test_moves_the_machine_does_not_allow_are_refused(
    world: World, section: Section, target: str, error: type[Exception], code: str
) -> None:
    before = snapshot()
    with pytest.raises(error) as caught:
        section_transition(section=section, target=target, reason="试试", by=world["staff"])
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert snapshot() == before


def test_a_construction_tender_may_not_skip_its_candidate_publicity(world: World, section: Section) -> None:
    clock_set(DEADLINE)
    section_transition(section=section, target="opening", reason="开标", by=world["system"])
    with pytest.raises(Conflict) as caught:
        section_transition(section=section, target="awarded", reason="直接定标", by=world["staff"])
    assert caught.value.code == "transition_skips_required_step"


def test_a_land_listing_is_decided_at_its_close_without_evaluation(world: World) -> None:
    _, sections, _ = tender_publish(world, procedure=LISTING, sections=(("KCC2026-18号地块", "128000000", "0"),))
    clock_set(at(2026, 4, 7, 17))
    section = section_close_bidding(section=sections[0], bid_count=1, by=world["system"])
    assert section.status == "opening"  # one bidder at or above the reserve is enough for a listing
    awarded = section_transition(section=section, target="awarded", reason="挂牌成交", by=world["system"])
    assert awarded.status == "awarded"


def test_fewer_than_three_bids_fail_a_construction_section(world: World, section: Section) -> None:
    clock_set(DEADLINE)
    # The scheduler has not run: closing applies the opening first, then fails the section.
    failed = section_close_bidding(section=section, bid_count=2, by=world["system"])
    assert (failed.status, failed.bid_count, failed.status_reason) == ("failed", 2, "insufficient_bids")
    assert _status_events(section)[-2:] == [
        ("accepting_bids", "opening", "bid_deadline_passed"),
        ("opening", "failed", "insufficient_bids"),
    ]
    events = OutboxMessage.objects.count()
    assert section_close_bidding(section=section, bid_count=2, by=world["system"]).status == "failed"
    assert OutboxMessage.objects.count() == events
    with pytest.raises(Conflict) as caught:
        section_close_bidding(section=section, bid_count=3, by=world["system"])
    assert (caught.value.code, caught.value.detail) == ("bid_count_recorded", {"recorded": 2, "given": 3})


def test_three_bids_keep_a_construction_section_at_its_opening(world: World, section: Section) -> None:
    clock_set(DEADLINE)
    opened = section_close_bidding(section=section, bid_count=3, by=world["system"])
    assert (opened.status, opened.bid_count) == ("opening", 3)


def test_bids_cannot_be_counted_before_the_deadline(world: World, section: Section) -> None:
    before = snapshot()
    for count, code in ((3, "bid_deadline_not_reached"), (-1, "bid_count_invalid")):
        with pytest.raises((Conflict, InvalidInput)) as caught:
            section_close_bidding(section=section, bid_count=count, by=world["system"])
        assert caught.value.code == code  # type: ignore[attr-defined]
    assert snapshot() == before
