"""The online opening through its live page: each participant's buttons, what each one sees, refusals.

The same ceremony as ``test_opening`` (five bidders, bidder3 replaced its bid, bidder5's key
fails), driven only through the page's forms with each participant's own session.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from tests.bidding.test_opening import DEADLINE, PRICES, Scene, _client, supervision_release

# The five bidders' world of the opening tests (a fixture).
from tests.bidding.test_opening import world as world
from zhengwu.contexts.bidding.models import Bid, CustodyShare, Opening, OpeningEntry, OpeningObjection
from zhengwu.contexts.bidding.services import bids_freeze
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.exchange.models import OutboxMessage

OUTSIDERS = ("tenderer_other", "agency_other", "expert", "public", "bidder_pending")


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


def _page(code: str) -> str:
    return f"/trading/sections/{code}/opening/"


def _text(client: Client, code: str) -> str:
    response = client.get(_page(code))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.mark.django_db
def test_a_complete_opening_through_the_live_page(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    code = scene.section.code
    agency, regulator, bidder2 = _client("agency"), _client("regulator"), _client("bidder2")
    page = _page(code)

    # Before the deadline only the host and oversight reach the page; no bidder learns anything.
    assert 'data-testid="opening-waiting"' in _text(agency, code)
    assert 'data-testid="opening-start"' not in _text(agency, code)
    assert "opening-waiting" in _text(regulator, code)
    # The host finds the page from its project.
    project_page = agency.get(f"/trading/projects/{scene.section.project.code}/").content.decode()
    assert f'href="/trading/sections/{code}/opening/" data-testid="opening-link"' in project_page
    # Nothing on the page before the deadline names a bidder, not even for the host or a regulator.
    names = set(Bid.objects.values_list("organisation_name", flat=True))
    assert len(names) == 5
    for client in (agency, regulator, _client("staff")):
        shown = _text(client, code) + client.get(page + "live/").content.decode()
        assert not any(name in shown for name in names)
    for name in ("bidder1", "bidder5", *OUTSIDERS):
        assert _client(name).get(page).status_code == 404
        assert _client(name).get(page + "live/").status_code == 404
    assert Client().get(page).status_code == 302  # to the login page

    clock_set(DEADLINE)
    freeze = bids_freeze(section=scene.section, by=SYSTEM)
    # After the freeze each bidder in it may watch; still nobody outside.
    assert "opening-waiting" in _text(bidder2, code)
    for name in OUTSIDERS:
        assert _client(name).get(page).status_code == 404

    # Only the host starts it; a bidder's try changes nothing.
    assert bidder2.post(page + "start/").status_code == 403
    assert not Opening.objects.exists()
    started = agency.post(page + "start/")
    assert started.status_code == 302
    assert Opening.objects.get().stage == "decrypting"
    # A second start is refused on the page, with its reason.
    again = agency.post(page + "start/")
    assert again.status_code == 400
    assert "开标已开始" in again.content.decode()

    live = _text(agency, code)
    assert live.count('data-testid="opening-entry"') == 5
    assert freeze.root[:24] in live
    assert "custody-form" in live  # the agency holds a share

    # A share that is not the agency's is refused and nothing is stored.
    wrong = agency.post(page + "custody-share/", {"envelope": "single", "share": "abandon " * 20})
    assert wrong.status_code == 400
    assert not CustodyShare.objects.filter(released_at__isnull=False).exists()
    agency.post(page + "custody-share/", {"envelope": "single", "share": scene.agency_share()})
    assert "custody-form" not in _text(agency, code)
    supervision_release(world["regulator"])
    assert "1/2" not in _text(agency, code)
    assert "2/2" in _text(agency, code)

    for name in ("bidder1", "bidder2", "bidder3", "bidder4"):
        client = _client(name)
        assert 'data-testid="bidder-share-form"' in _text(client, code)
        assert client.post(page + "bidder-share/", {"share": scene.bidders[name].own_share()}).status_code == 302
    # bidder5's key fails: it hands in something that does not open its bid.
    _client("bidder5").post(page + "bidder-share/", {"share": base64.b64encode(os.urandom(32)).decode()})
    # An empty share is a clear refusal, not a crash.
    empty = _client("bidder1").post(page + "bidder-share/", {"share": ""})
    assert empty.status_code == 400

    clock_set(DEADLINE + dt.timedelta(minutes=10))
    assert agency.post(page + "decrypt/").status_code == 302
    # Before the read-out no participant sees any price on the page.
    for client in (agency, bidder2, regulator):
        assert 'data-testid="readout"' not in _text(client, code)
    assert agency.post(page + "readout/").status_code == 302

    seen = _text(bidder2, code)
    assert seen.count('data-testid="readout"') == 4
    for price in {**PRICES, "bidder3": 51_500_000_00}.values():
        assert f"{price / 100:,.2f}" in seen
    assert seen.count('data-outcome="revoked"') == 1

    # An objection from a bidder, answered by the host; the record waits for both.
    assert bidder2.post(page + "objection/", {"text": "第五名投标人解密失败的原因请予说明"}).status_code == 302
    clock_set(DEADLINE + dt.timedelta(minutes=16))
    unanswered = agency.post(page + "record/")
    assert unanswered.status_code == 400
    assert "尚有开标异议未答复" in unanswered.content.decode()
    objection = OpeningObjection.objects.get()
    assert bidder2.post(page + f"reply/{objection.uuid}/", {"text": "我来答复"}).status_code == 403
    assert OpeningObjection.objects.get().reply == ""
    agency.post(page + f"reply/{objection.uuid}/", {"text": "该投标人提交的解密密钥无法解密，已记录证据。"})
    assert agency.post(page + "record/").status_code == 302

    opening = Opening.objects.get()
    assert opening.stage == "recorded"
    record = json.loads(opening.record_body)
    shown = _text(regulator, code)
    assert 'data-testid="opening-recorded"' in shown
    # The published record is what the bidders sealed, read out on the page.
    for name, price in {**PRICES, "bidder3": 51_500_000_00}.items():
        (entry,) = [b for b in record["bids"] if b["bidder_uscc"] == world.uscc[name]]
        assert entry["readout"] == {"price_fen": price, "duration_days": 540, "quality": "合格"}
    assert record["objections"][0]["reply"].startswith("该投标人")
    assert Section.objects.get(pk=scene.section.pk).status == "evaluating"
    assert OutboxMessage.objects.filter(event_type="bidding.opening.recorded").count() == 1


@pytest.mark.django_db
def test_the_live_fragment_follows_the_ceremony_and_refuses_strangers(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    code = scene.section.code
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    bidder1 = _client("bidder1")
    before = bidder1.get(_page(code) + "live/")
    assert before.status_code == 200
    assert before["Cache-Control"] == "no-store"
    assert 'data-stage="waiting"' in before.content.decode()
    _client("agency").post(_page(code) + "start/")
    after = bidder1.get(_page(code) + "live/").content.decode()
    assert 'data-stage="decrypting"' in after
    assert after.count('data-testid="opening-entry"') == 5
    # Its own row is marked; the others' rows carry no read-out while decrypting.
    assert after.count('class="own"') == 1
    assert 'data-testid="readout"' not in after
    # Unknown steps and unknown sections are plain 404s and change nothing.
    assert _client("agency").post(_page(code) + "explode/").status_code == 404
    assert _client("agency").get(_page("NO-SUCH") + "live/").status_code == 404
    assert Opening.objects.get().stage == "decrypting"
    assert OpeningEntry.objects.filter(outcome="pending").count() == 5
