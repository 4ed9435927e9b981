"""Two-envelope (双信封) tenders: technical envelopes opened first, commercial ones at a second opening.

Publication makes one opening key per envelope; each bidder seals and submits one file per
envelope; the freeze holds them all. The first opening rebuilds only the technical key and
reads out no price; the second opens only the commercial envelopes of bidders whose technical
envelope was opened — a bidder whose technical envelope failed never has its price read out.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bidding.test_opening import DEADLINE, Bidder

# The five bidders' world of the opening tests (a fixture).
from tests.bidding.test_opening import world as world
from zhengwu.contexts.bidding import opening as ceremony
from zhengwu.contexts.bidding.custody import Custodian, share_release
from zhengwu.contexts.bidding.custody import CustodyShare as Share
from zhengwu.contexts.bidding.models import CustodyShare, Opening, OpeningEntry, OpeningKey
from zhengwu.contexts.bidding.sealing import ROLE_BIDDER, SealInput, bid_seal, sealed_header_read, share_unwrap
from zhengwu.contexts.bidding.services import (
    bid_upload_chunk,
    bid_upload_commit,
    bid_upload_start,
    bids_freeze,
    custodian_key_register,
    platform_custodian_key_register,
)
from zhengwu.contexts.supervision.models import HeldShare
from zhengwu.contexts.supervision.services import held_share_public_b64, held_share_release
from zhengwu.contexts.tendering.models import Notice, Section
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World, tender_publish
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import AgreementKey
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.exchange.relay import relay_run_once

NAMES = ("bidder1", "bidder2", "bidder3", "bidder4")
PRICES = {"bidder1": 30_100_000_00, "bidder2": 29_800_000_00, "bidder3": 31_000_000_00, "bidder4": 28_000_000_00}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


def _seal_submit(bidder: Bidder, section: Section, key: OpeningKey, readout: dict[str, object]) -> bytes:
    path = bidder.tmp_path / f"{bidder.name}-{key.envelope}.pdf"
    path.write_bytes(f"{bidder.name} {key.envelope}".encode() * 300)
    out = io.BytesIO()
    bid_seal(
        files=[SealInput(f"{key.envelope}.pdf", str(path))],
        readout=readout,
        section=section.code,
        envelope=key.envelope,
        bidder=bidder.uscc,
        signing_key=bidder.signing,
        opening_public=base64.b64decode(key.public),
        bidder_public=bidder.agreement.public_raw,
        out=out,
        chunk_size=4096,
    )
    sealed = out.getvalue()
    digest = json.loads(sealed[sealed.rindex(b'{"commitment"') :])["commitment"]["digest"]
    upload = bid_upload_start(section=section, envelope=key.envelope, size=len(sealed), digest=digest, by=bidder.actor)
    bid_upload_chunk(upload=upload, offset=0, data=sealed, by=bidder.actor)
    bid_upload_commit(upload=upload, by=bidder.actor)
    return sealed


def _half(bidder: Bidder, sealed: bytes) -> str:
    header = sealed_header_read(stream=io.BytesIO(sealed))
    return base64.b64encode(share_unwrap(header=header, role=ROLE_BIDDER, private=bidder.agreement.raw())).decode()


def _agency_words(world: World, agency_key: AgreementKey, key: OpeningKey) -> str:
    row = CustodyShare.objects.get(opening_key=key, holder=f"org:{world['agency'].organisation_id}")
    return share_release(
        share=Share(row.holder, row.institution, row.custodian_fingerprint, bytes(row.blob)),
        custodian=Custodian(row.holder, row.institution, agency_key.public_raw),
        private=agency_key.raw(),
        section=key.section_code,
        envelope=key.envelope,
        fingerprint=key.fingerprint,
    )


def _release(world: World, envelope: str) -> None:
    relay_run_once()
    held_share_release(held=HeldShare.objects.get(envelope=envelope), by=world["regulator"])
    relay_run_once()


@pytest.mark.django_db
def test_a_two_envelope_tender_opens_prices_only_of_bidders_still_in_the_competition(
    world: World, tmp_path: Path
) -> None:
    agency_key = AgreementKey.generate()
    platform_custodian_key_register(public=held_share_public_b64(), by=SYSTEM)
    custodian_key_register(public=base64.b64encode(agency_key.public_raw).decode(), by=world["agency"])
    _, sections, notice = tender_publish(world, envelopes="two")
    assert notice.envelopes == Notice.Envelopes.TWO
    section = sections[0]
    keys = {k.envelope: k for k in OpeningKey.objects.filter(section_uuid=section.uuid)}
    assert sorted(keys) == ["commercial", "technical"]
    assert keys["commercial"].fingerprint != keys["technical"].fingerprint

    bidders = {n: Bidder(world, n, tmp_path) for n in NAMES}
    sealed: dict[tuple[str, str], bytes] = {}
    for name, bidder in bidders.items():
        sealed[name, "technical"] = _seal_submit(
            bidder, section, keys["technical"], {"duration_days": 365, "quality": "合格"}
        )
        sealed[name, "commercial"] = _seal_submit(bidder, section, keys["commercial"], {"price_fen": PRICES[name]})
    # A file sealed to the commercial key cannot pass as the technical envelope.
    wrong = bidders["bidder1"]
    commercial = sealed["bidder1", "commercial"]
    digest = json.loads(commercial[commercial.rindex(b'{"commitment"') :])["commitment"]["digest"]
    upload = bid_upload_start(
        section=section, envelope="technical", size=len(commercial), digest=digest, by=wrong.actor
    )
    bid_upload_chunk(upload=upload, offset=0, data=commercial, by=wrong.actor)
    with pytest.raises(InvalidInput):
        bid_upload_commit(upload=upload, by=wrong.actor)

    clock_set(DEADLINE)
    freeze = bids_freeze(section=section, by=SYSTEM)
    assert freeze.leaf_count == 8
    assert Section.objects.get(pk=section.pk).bid_count == 4

    # Round 1: the technical envelopes only.
    agency = world["agency"]
    first = ceremony.opening_start(section=section, by=agency)
    assert (first.round, first.envelopes) == (1, ["technical"])
    assert {e.bid.envelope for e in OpeningEntry.objects.filter(opening=first)} == {"technical"}
    assert OpeningEntry.objects.filter(opening=first).count() == 4
    # The commercial share cannot be handed in yet, and nothing of it is stored.
    with pytest.raises(Conflict) as early:
        ceremony.custody_share_submit(
            opening=first,
            envelope="commercial",
            mnemonic=_agency_words(world, agency_key, keys["commercial"]),
            by=agency,
        )
    assert early.value.code == "envelope_not_in_round"
    assert not CustodyShare.objects.filter(opening_key=keys["commercial"], released_at__isnull=False).exists()
    ceremony.custody_share_submit(
        opening=first, envelope="technical", mnemonic=_agency_words(world, agency_key, keys["technical"]), by=agency
    )
    _release(world, "technical")
    # Supervision keeps the commercial share until the technical opening's record has reached it.
    with pytest.raises(Conflict) as waiting:
        held_share_release(held=HeldShare.objects.get(envelope="commercial"), by=world["regulator"])
    assert waiting.value.code == "earlier_round_not_recorded"
    assert HeldShare.objects.get(envelope="commercial").released_at is None
    for name in ("bidder1", "bidder2", "bidder3"):
        ceremony.bidder_share_submit(
            opening=first, share=_half(bidders[name], sealed[name, "technical"]), by=world[name]
        )
    # bidder4's key fails on its technical envelope.
    ceremony.bidder_share_submit(opening=first, share=base64.b64encode(os.urandom(32)).decode(), by=world["bidder4"])
    clock_set(DEADLINE + dt.timedelta(minutes=5))
    ceremony.opening_decrypt(opening=first, by=agency)
    # A second round cannot start while the first is open.
    with pytest.raises(Conflict) as running:
        ceremony.opening_start(section=section, by=agency)
    assert running.value.code == "opening_started"
    ceremony.opening_readout(opening=first, by=agency)
    clock_set(DEADLINE + dt.timedelta(minutes=11))
    first = ceremony.opening_record_publish(opening=Opening.objects.get(round=1), by=agency)
    record = json.loads(first.record_body)
    assert (record["round"], record["envelopes"]) == (1, ["technical"])
    assert all("price_fen" not in (b["readout"] or {}) for b in record["bids"])
    assert Section.objects.get(pk=section.pk).status == "evaluating"

    # Round 2, after the technical evaluation: commercial envelopes of bidders still in.
    clock_set(DEADLINE + dt.timedelta(days=2))
    second = ceremony.opening_start(section=section, by=agency)
    assert (second.round, second.envelopes) == (2, ["commercial"])
    entries = OpeningEntry.objects.filter(opening=second).select_related("bid")
    assert {e.bid.organisation_id for e in entries} == {
        world[n].organisation_id for n in ("bidder1", "bidder2", "bidder3")
    }
    ceremony.custody_share_submit(
        opening=second, envelope="commercial", mnemonic=_agency_words(world, agency_key, keys["commercial"]), by=agency
    )
    _release(world, "commercial")
    for name in ("bidder1", "bidder2", "bidder3"):
        ceremony.bidder_share_submit(
            opening=second, share=_half(bidders[name], sealed[name, "commercial"]), by=world[name]
        )
    # bidder4 has no bid in this round: it cannot hand anything in.
    with pytest.raises(PermissionDenied) as absent:
        ceremony.bidder_share_submit(
            opening=second, share=_half(bidders["bidder4"], sealed["bidder4", "commercial"]), by=world["bidder4"]
        )
    assert absent.value.code == "bid_not_found"
    ceremony.opening_decrypt(opening=second, by=agency)
    ceremony.opening_readout(opening=second, by=agency)
    clock_set(DEADLINE + dt.timedelta(days=2, minutes=6))
    second = ceremony.opening_record_publish(opening=Opening.objects.get(round=2), by=agency)
    prices = {b["bidder_uscc"]: b["readout"]["price_fen"] for b in json.loads(second.record_body)["bids"]}
    assert prices == {world.uscc[n]: PRICES[n] for n in ("bidder1", "bidder2", "bidder3")}
    # bidder4's commercial envelope was never opened: its price is nowhere on the platform.
    assert not OpeningEntry.objects.filter(
        bid__organisation_id=world["bidder4"].organisation_id, readout__price_fen__isnull=False
    ).exists()
    with pytest.raises(Conflict) as done:
        ceremony.opening_start(section=section, by=agency)
    assert done.value.code == "opening_finished"


@pytest.mark.django_db
def test_the_envelopes_are_chosen_in_the_notice_through_the_api(world: World) -> None:
    from tests.bidding.test_opening import _client
    from zhengwu.contexts.tendering.tests.factories import CONSTRUCTION, TIMETABLES, project_make

    project, sections = project_make(world)
    dates = {k: v.isoformat() for k, v in TIMETABLES[CONSTRUCTION].items()}
    body = {"kind": "tender", "title": "招标公告", "body": "正文", "section_codes": [sections[0].code], **dates}
    client = _client("agency")
    url = f"/trading/api/tendering/projects/{project.code}/notices"
    refused = client.post(url, data=json.dumps({**body, "envelopes": "three"}), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "envelopes_invalid"
    assert not Notice.objects.filter(project=project).exists()
    made = client.post(url, data=json.dumps({**body, "envelopes": "two"}), content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["envelopes"] == "two"
    assert Notice.objects.get(project=project).envelopes == "two"


@pytest.mark.django_db
def test_both_rounds_reach_the_public_and_supervision_platforms(world: World, tmp_path: Path) -> None:
    """Each round's record is published on its own: the public section page and API show both."""
    test_a_two_envelope_tender_opens_prices_only_of_bidders_still_in_the_competition(world, tmp_path)
    relay_run_once()
    section = Section.objects.get()
    from zhengwu.contexts.disclosure.models import OpeningRecord as PublicRecord
    from zhengwu.contexts.supervision.models import OpeningRecord as SupervisedRecord

    assert sorted(PublicRecord.objects.filter(section_code=section.code).values_list("round", flat=True)) == [1, 2]
    assert sorted(SupervisedRecord.objects.filter(section_code=section.code).values_list("round", flat=True)) == [1, 2]
    from django.test import Client

    page = Client().get(f"/sections/{section.code}/").content.decode()
    assert page.count('data-testid="opening-record"') == 2
    assert f"{PRICES['bidder1'] / 100:,.2f}" in page
    assert f"{PRICES['bidder4'] / 100:,.2f}" not in page
    first = Client().get(f"/api/disclosure/sections/{section.code}/opening-record?round=1").json()
    latest = Client().get(f"/api/disclosure/sections/{section.code}/opening-record").json()
    assert (first["round"], latest["round"]) == (1, 2)
