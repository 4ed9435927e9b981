"""A two-envelope (双信封) tender evaluated: the technical review first, the commercial envelopes of the
bidders still in the competition opened afterwards, then the price and the result.

Four bidders (A 100万, B 95万, C 90万, D 120万); the committee rejects D's technical bid, so D's
commercial envelope is never opened and its price never read out.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.bidding.test_opening import DEADLINE, Bidder
from tests.bidding.test_two_envelopes import _agency_words, _half, _seal_submit
from tests.evaluation.scene import EXPERTS, GP_METHOD, LETTERS, PRICES, Ready, gp_scores, panel_make
from zhengwu.contexts.bidding import opening as ceremony
from zhengwu.contexts.bidding.models import Bid, CommercialExclusion, Opening, OpeningEntry, OpeningKey
from zhengwu.contexts.bidding.services import bids_freeze, custodian_key_register, platform_custodian_key_register
from zhengwu.contexts.evaluation import selectors, services
from zhengwu.contexts.evaluation.models import Sheet
from zhengwu.contexts.supervision.models import HeldShare
from zhengwu.contexts.supervision.services import held_share_public_b64, held_share_release
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import SYSTEM, World, tender_publish
from zhengwu.kernel.clock import clock_set
from zhengwu.kernel.crypto import AgreementKey
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.exchange.relay import relay_run_once


def _round(world: World, section: Section, envelope: str, bidders: dict[str, Bidder], sealed: dict, key: Any) -> None:
    agency = world["agency"]
    opening = ceremony.opening_start(section=section, by=agency)
    assert opening.envelopes == [envelope]
    ceremony.custody_share_submit(opening=opening, envelope=envelope, mnemonic=key, by=agency)
    relay_run_once()
    held = HeldShare.objects.get(section_code=section.code, envelope=envelope)
    held_share_release(held=held, by=world["regulator"])
    relay_run_once()
    for name in bidders:
        if OpeningEntry.objects.filter(opening=opening, bid__organisation_id=world[name].organisation_id).exists():
            ceremony.bidder_share_submit(
                opening=opening, share=_half(bidders[name], sealed[name, envelope]), by=world[name]
            )
    ceremony.opening_decrypt(opening=opening, by=agency)
    ceremony.opening_readout(opening=opening, by=agency)
    clock_set(opening.started_at + dt.timedelta(minutes=10))
    ceremony.opening_record_publish(opening=Opening.objects.get(pk=opening.pk), by=agency)


@pytest.mark.django_db
def test_the_technical_review_decides_whose_prices_are_opened(ready_world: World, tmp_path: Path) -> None:
    world = ready_world
    agency_key = AgreementKey.generate()
    platform_custodian_key_register(public=held_share_public_b64(), by=SYSTEM)
    custodian_key_register(public=base64.b64encode(agency_key.public_raw).decode(), by=world["agency"])
    _, sections, _ = tender_publish(
        world,
        envelopes="two",
        sections=(("第一标段", "52300000.00", "800000.00"), ("第二标段", "12000000.00", "200000.00")),
    )
    section, other = sections
    keys = {k.envelope: k for k in OpeningKey.objects.filter(section_uuid=section.uuid)}
    bidders = {name: Bidder(world, name, tmp_path) for name in PRICES}
    sealed: dict[tuple[str, str], bytes] = {}
    for name, bidder in bidders.items():
        sealed[name, "technical"] = _seal_submit(bidder, section, keys["technical"], {"duration_days": 365})
        sealed[name, "commercial"] = _seal_submit(bidder, section, keys["commercial"], {"price_fen": PRICES[name]})
    clock_set(DEADLINE)
    bids_freeze(section=section, by=SYSTEM)
    words = {e: _agency_words(world, agency_key, keys[e]) for e in keys}
    _round(world, section, "technical", bidders, sealed, words["technical"])
    section = Section.objects.select_related("project").get(pk=section.pk)
    assert section.status == "evaluating"
    experts = panel_make(world, section, other)
    technical = {b.organisation_id: str(b.uuid) for b in Bid.objects.filter(envelope="technical")}
    bid = {LETTERS[name]: technical[world[name].organisation_id or 0] for name in PRICES}

    # The room opens on the technical envelopes alone: no price yet.
    evaluation = services.evaluation_create(section=section, method=GP_METHOD, by=world["staff"])
    opened = selectors.bids_for(evaluation=evaluation)
    assert [b.bid_id for b in opened] == [bid[x] for x in "ABCD"]
    assert all(b.commercial_pending and "price_fen" not in b.readout for b in opened)
    services.leader_set(evaluation=evaluation, expert_id=experts["expert"], by=world["staff"])
    for username in EXPERTS:
        for letter in "ABCD":
            services.compliance_mark(
                evaluation=evaluation,
                bid_id=bid[letter],
                compliant=letter != "D",
                reason="not_responsive" if letter == "D" else "",
                by=world[username],
            )
    # The review concluded: D's commercial envelope stays sealed.
    assert list(CommercialExclusion.objects.values_list("organisation_id", flat=True)) == [
        world["bidder4"].organisation_id
    ]
    scores = {k: v for k, v in gp_scores(bid).items() if k != bid["D"]}
    services.sheet_save(evaluation=evaluation, scores=scores, by=world["expert"])
    with pytest.raises(Conflict) as waiting:
        services.sheet_submit(evaluation=evaluation, scores=scores, by=world["expert"])
    assert waiting.value.code == "commercial_pending"
    assert Sheet.objects.get().submitted_at is None
    assert selectors.result_for(evaluation=evaluation) is None

    # The commercial round opens A, B and C only.
    clock_set(DEADLINE + dt.timedelta(days=1))
    _round(world, section, "commercial", bidders, sealed, words["commercial"])
    second = Opening.objects.get(round=2)
    assert {e.bid.organisation_id for e in OpeningEntry.objects.filter(opening=second)} == {
        world[n].organisation_id for n in ("bidder1", "bidder2", "bidder3")
    }
    merged = {b.bid_id: b for b in selectors.bids_for(evaluation=evaluation)}
    assert {merged[bid[x]].readout.get("price_fen") for x in "ABC"} == {
        PRICES[n] for n in ("bidder1", "bidder2", "bidder3")
    }
    assert "price_fen" not in merged[bid["D"]].readout
    assert not any(b.commercial_pending for b in merged.values())
    assert len(merged[bid["A"]].files) == 2  # the technical and the commercial file
    for username in EXPERTS:
        services.sheet_submit(evaluation=evaluation, scores=scores, by=world[username])
    result = selectors.result_for(evaluation=evaluation)
    assert result is not None
    # Lowest valid price C 90万: A 90/100 × 30 = 27 + 42.5 + 16 = 85.50; B 90/95 × 30 = 28.42 + 37.5 + 17 = 82.92;
    # C 30 + 40 + 18 = 88.00.
    assert {b.bid_id: b.total_score for b in result.bids if b.valid} == {
        bid["A"]: Decimal("85.50"),
        bid["B"]: Decimal("82.92"),
        bid["C"]: Decimal("88.00"),
    }
    assert result.candidates.bid_ids == (bid["C"], bid["A"], bid["B"])


@pytest.fixture
def ready_world(world: World, db: Any) -> World:
    if "bidder4" not in world.actors:
        Ready._bidder4(world)
    return world
