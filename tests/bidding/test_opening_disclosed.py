"""The freeze and the opening record reach the public and supervision platforms through the exchange.

A real opening (the Scene of test_opening.py: five bidders, one replacing its bid, one whose key
fails, an objection answered on the spot) publishes ``bidding.bids.frozen`` and
``bidding.opening.recorded``; the relay carries them to both platforms' inboxes. The public sees
the freeze root at once and the opening only once the signed record has arrived; a bidder checks
its inclusion proof against the published root; regulators read both on the supervision platform.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.bidding import test_opening as opening_scene
from tests.bidding.test_opening import DEADLINE, PRICES, Scene, supervision_release
from zhengwu.contexts.bidding import opening as ceremony
from zhengwu.contexts.bidding.events import BidsFrozen, OpeningRecorded
from zhengwu.contexts.bidding.models import Freeze, Opening, Receipt
from zhengwu.contexts.bidding.services import bids_freeze
from zhengwu.contexts.disclosure import handlers as public_handlers
from zhengwu.contexts.disclosure.models import BidFreeze
from zhengwu.contexts.disclosure.models import Notice as PublicNotice
from zhengwu.contexts.disclosure.models import OpeningRecord as PublicRecord
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.supervision import handlers as supervision_handlers
from zhengwu.contexts.supervision.models import FrozenBids
from zhengwu.contexts.supervision.models import OpeningRecord as SupervisionRecord
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import SigningKey
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.inbox import inbox_receive
from zhengwu.platform.exchange.models import Delivery, InboxMessage, OutboxMessage
from zhengwu.platform.exchange.relay import envelope_for, relay_run_once
from zhengwu.platform.signing import signing_key_get

# The same people as test_opening.py: the world's, plus bidder4 and bidder5.
world = opening_scene.world

PERSONNEL = ["张工（项目经理）", "李工（技术负责人）"]
OBJECTION = "第四名投标人解密失败的原因请予说明"
REPLY = "该投标人提交的解密密钥无法解密，已记录证据。"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture(autouse=True)
def _personnel_read_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bid of the Scene names its key personnel on its read-out form, as ``zhengwu bid seal --personnel``."""
    real_seal: Callable[..., Any] = opening_scene.bid_seal

    def seal(*, readout: dict[str, Any], **kwargs: Any) -> Any:
        return real_seal(readout={**readout, "key_personnel": PERSONNEL}, **kwargs)

    monkeypatch.setattr(opening_scene, "bid_seal", seal)


# Driving the trading side --------------------------------------------------------------------


def relay() -> None:
    report = relay_run_once()
    assert report.ok, report


def freeze_at_deadline(scene: Scene) -> Freeze:
    clock_set(DEADLINE)
    freeze = bids_freeze(section=scene.section, by=SYSTEM)
    relay()
    return freeze


def read_out(scene: Scene, world: World) -> Opening:
    """Start, decrypt (bidder5's key fails), read out, and raise an objection and answer it."""
    agency = world["agency"]
    opening = ceremony.opening_start(section=scene.section, by=agency)
    ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=scene.agency_share(), by=agency)
    supervision_release(world["regulator"])
    for name in ("bidder1", "bidder2", "bidder3", "bidder4"):
        ceremony.bidder_share_submit(opening=opening, share=scene.bidders[name].own_share(), by=world[name])
    ceremony.bidder_share_submit(opening=opening, share=base64.b64encode(b"\x01" * 32).decode(), by=world["bidder5"])
    clock_set(DEADLINE + dt.timedelta(minutes=10))
    ceremony.opening_decrypt(opening=opening, by=agency)
    ceremony.opening_readout(opening=opening, by=agency)
    objection = ceremony.opening_objection_file(opening=Opening.objects.get(), text=OBJECTION, by=world["bidder2"])
    ceremony.opening_objection_reply(objection=objection, reply=REPLY, by=agency)
    relay()
    return Opening.objects.get()


def record_publish(world: World) -> Opening:
    clock_set(DEADLINE + dt.timedelta(minutes=16))
    recorded = ceremony.opening_record_publish(opening=Opening.objects.get(), by=world["agency"])
    relay()
    return recorded


def record_quickly(scene: Scene, world: World) -> Opening:
    """A short opening: the supervision share is never released, so every bid is deemed withdrawn."""
    agency = world["agency"]
    opening = ceremony.opening_start(section=scene.section, by=agency)
    clock_set(DEADLINE + dt.timedelta(minutes=31))
    ceremony.opening_readout(opening=opening, by=agency)
    clock_set(DEADLINE + dt.timedelta(minutes=37))
    return ceremony.opening_record_publish(opening=Opening.objects.get(), by=agency)


def outbox_payload(event_type: str) -> dict[str, Any]:
    return dict(OutboxMessage.objects.get(event_type=event_type).payload)


def envelope(payload: dict[str, Any], event_type: str, destination: str, sequence: int = 99) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="standalone",
        destination=destination,
        event_type=event_type,
        aggregate_type="tendering.section",
        aggregate_id=payload["section_code"],
        sequence=sequence,
        occurred_at=DEADLINE.isoformat(),
        payload=payload,
    )


# Reading the pages ---------------------------------------------------------------------------


def _client(username: str) -> Client:
    client = Client()
    client.force_login(user_get(username=username))
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def inside(pattern: str, html: str) -> str:
    """The first group of ``pattern`` in ``html`` (which must match)."""
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match[1]


def bid_rows(html: str) -> list[str]:
    return [text(row) for row in re.findall(r'<tr data-testid="opening-bid-\d+">(.*?)</tr>', html, re.S)]


def secrets_of(world: World) -> list[str]:
    """What the opening reveals: names, codes and prices of the bidders."""
    names = [world[f"bidder{i}"].organisation_name or "" for i in range(1, 6)]
    assert all(names)
    prices = ["51,200,000.00", "50,880,000.00", "51,500,000.00", "49,990,000.00", "48,000,000.00"]
    return [*names, *(world.uscc[f"bidder{i}"] for i in range(1, 6)), *prices, PERSONNEL[0], OBJECTION]


def public_notice_url(scene: Scene) -> str:
    notice = PublicNotice.objects.get(project_code=scene.section.project.code)
    return f"/notices/{notice.notice_id}/"


# The public platform -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_platform_shows_the_freeze_at_once_and_the_opening_only_from_its_signed_record(
    world: World, tmp_path: Path
) -> None:
    scene = Scene(world, tmp_path)
    code = scene.section.code
    relay()
    anonymous = Client()
    # Before the deadline: the notice shows no opening block, the section page says nothing is frozen.
    assert 'data-testid="section-openings"' not in page(anonymous, public_notice_url(scene))
    assert 'data-testid="freeze-none"' in page(anonymous, f"/sections/{code}/")

    freeze = freeze_at_deadline(scene)
    published = BidFreeze.objects.get()
    assert (published.section_code, published.root, published.leaf_count, published.frozen_at) == (
        code,
        freeze.root,
        5,
        DEADLINE,
    )
    assert (published.body, published.signature, published.key_id) == (freeze.body, freeze.signature, freeze.key_id)
    assert published.payload == outbox_payload(BidsFrozen.event_type)

    # Read out on the trading platform, objection answered, but the record not yet signed:
    # the public platform shows the freeze and nothing of the opening.
    read_out(scene, world)
    notice_page = page(anonymous, public_notice_url(scene))
    assert f'data-testid="freeze-root-{code}">{freeze.root}<' in notice_page
    section_page = page(anonymous, f"/sections/{code}/")
    assert f'data-testid="freeze-root">{freeze.root}<' in section_page
    assert 'data-testid="freeze-count">5<' in section_page
    assert 'data-testid="opening-record-none"' in section_page
    assert 'data-testid="opening-record"' not in section_page
    for secret in secrets_of(world):
        assert secret not in notice_page
        assert secret not in section_page
    missing = anonymous.get(f"/api/disclosure/sections/{code}/opening-record")
    assert (missing.status_code, missing.json()["code"]) == (404, "disclosure_opening_record_not_found")
    assert not PublicRecord.objects.exists()

    recorded = record_publish(world)
    body = recorded.record_body
    section_page = page(anonymous, f"/sections/{code}/")
    uscc = world.uscc
    people = "、".join(PERSONNEL)
    # In opening order (the freeze's leaf order): bidder3's replacement came last.
    assert bid_rows(section_page) == [
        f"1 云南某建设工程有限公司 {uscc['bidder1']} 51,200,000.00 540 合格 {people} — Decrypted and read out",
        f"2 昆明某路桥工程有限公司 {uscc['bidder2']} 50,880,000.00 540 合格 {people} — Decrypted and read out",
        f"3 云南某市政工程有限公司 {uscc['bidder4']} 49,990,000.00 540 合格 {people} — Decrypted and read out",
        f"4 昆明某建筑安装有限公司 {uscc['bidder5']} — — — — — Deemed revoked "
        "The key the bidder handed in does not decrypt its bid",
        f"5 云南某水利水电工程有限公司 {uscc['bidder3']} 51,500,000.00 540 合格 {people} — Decrypted and read out",
    ]
    assert text(inside(r'data-testid="opening-result">(.*?)</p>', section_page)) == (
        "5 bids at the opening: 4 decrypted and read out, 1 deemed revoked, 0 deemed withdrawn."
    )
    objections = text(inside(r'data-testid="opening-objections">(.*?)</table>', section_page))
    assert f"昆明某路桥工程有限公司 2026-03-24 09:40:00 {OBJECTION} {REPLY}" in objections
    assert f'data-testid="opening-digest">{hashlib.sha256(body.encode()).hexdigest()}<' in section_page
    assert f'data-testid="opening-signature-value">{recorded.record_signature}<' in section_page
    assert 'data-testid="opening-root-matches"' in section_page
    assert 'data-testid="opening-recorded-at">2026-03-24 09:46:00<' in section_page
    notice_page = page(anonymous, public_notice_url(scene))
    assert f'data-testid="opening-record-{code}"' in notice_page
    assert "4 of 5 read out" in text(notice_page)

    # The API gives the record exactly as signed: anyone can verify it with the trading platform's key.
    api = anonymous.get(f"/api/disclosure/sections/{code}/opening-record").json()
    assert api["body"] == body
    assert api["record"] == json.loads(body)
    assert (api["signature"], api["key_id"]) == (recorded.record_signature, recorded.record_key_id)
    assert signing_key_get().public.verify(api["body"].encode(), base64.b64decode(api["signature"]))
    assert (api["bid_count"], api["opened_count"], api["revoked_count"], api["withdrawn_count"]) == (5, 4, 1, 0)
    assert (api["objection_count"], api["freeze_root"], api["project_code"]) == (
        1,
        freeze.root,
        scene.section.project.code,
    )
    assert dt.datetime.fromisoformat(api["recorded_at"]) == DEADLINE + dt.timedelta(minutes=16)
    frozen = anonymous.get(f"/api/disclosure/sections/{code}/freeze").json()
    assert (frozen["root"], frozen["leaf_count"], frozen["body"], frozen["signature"]) == (
        freeze.root,
        5,
        freeze.body,
        freeze.signature,
    )
    assert InboxMessage.objects.filter(destination="public", event_type=OpeningRecorded.event_type).count() == 1


@pytest.mark.django_db
def test_replayed_deliveries_change_nothing_and_a_second_different_record_is_not_shown(
    world: World, tmp_path: Path, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    scene = Scene(world, tmp_path)
    freeze_at_deadline(scene)
    recorded = record_quickly(scene, world)
    relay()
    before = (
        list(BidFreeze.objects.values()),
        list(PublicRecord.objects.values()),
        list(FrozenBids.objects.values()),
        list(SupervisionRecord.objects.values()),
    )
    assert before[1][0]["withdrawn_count"] == 5
    clock_set(DEADLINE + dt.timedelta(hours=2))

    # The exchange delivers the same message again: acknowledged as a duplicate.
    for delivery in Delivery.objects.filter(
        message__event_type__in=[BidsFrozen.event_type, OpeningRecorded.event_type]
    ):
        env = envelope_for(delivery)
        answer = inbox_receive(body=env.canonical(), source="standalone", signature=env.sign(signing_key_get()))
        assert answer.body["status"] == "duplicate"
    # The same event in another message (a replay from the outbox): the handlers leave the rows alone.
    for event_type in (BidsFrozen.event_type, OpeningRecorded.event_type):
        payload = outbox_payload(event_type)
        public_handlers.HANDLERS[event_type](payload, envelope(payload, event_type, "public"))
        supervision_handlers.HANDLERS[event_type](payload, envelope(payload, event_type, "supervision"))
    # A validly signed but different record for the same section: the first one stays.
    other = canonical_dumps({**json.loads(recorded.record_body), "host": "someone-else"})
    key = signing_key_get()
    altered = dataclasses.replace(
        OpeningRecorded.from_payload(outbox_payload(OpeningRecorded.event_type)),
        record=other.decode(),
        signature=base64.b64encode(key.sign(other)).decode(),
    )
    with caplog.at_level(logging.WARNING):
        public_handlers.opening_recorded(altered.payload(), envelope(altered.payload(), altered.event_type, "public"))
        supervision_handlers.opening_recorded(
            altered.payload(), envelope(altered.payload(), altered.event_type, "supervision")
        )

    after = (
        list(BidFreeze.objects.values()),
        list(PublicRecord.objects.values()),
        list(FrozenBids.objects.values()),
        list(SupervisionRecord.objects.values()),
    )
    assert after == before
    assert [r.getMessage().split(" (message")[0] for r in caplog.records if r.name.startswith("zhengwu.contexts")] == [
        f"disclosure: opening record of {scene.section.code} received again with different content",
        f"supervision: opening record of {scene.section.code} received again with different content",
    ]
    assert (
        "someone-else"
        not in client.get(f"/api/disclosure/sections/{scene.section.code}/opening-record").content.decode()
    )


@pytest.mark.django_db
def test_a_forged_freeze_or_record_is_refused_and_nothing_is_stored(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    record_quickly(scene, world)
    frozen = BidsFrozen.from_payload(outbox_payload(BidsFrozen.event_type))
    recorded = OpeningRecorded.from_payload(outbox_payload(OpeningRecorded.event_type))
    stranger = SigningKey.generate()
    content = json.loads(recorded.record)
    content["bids"][0]["outcome"] = "opened"
    forgeries: list[BidsFrozen | OpeningRecorded] = [
        # Signed by another key (under its own key id, or under the platform's).
        dataclasses.replace(frozen, signature=base64.b64encode(stranger.sign(frozen.body.encode())).decode()),
        dataclasses.replace(
            recorded,
            signature=base64.b64encode(stranger.sign(recorded.record.encode())).decode(),
            key_id=stranger.public.key_id,
        ),
        # The platform's signature over something else than what is shown.
        dataclasses.replace(recorded, record=canonical_dumps(content).decode()),
        dataclasses.replace(frozen, root="00" * 32),
        dataclasses.replace(frozen, leaf_count=4),
        dataclasses.replace(recorded, section_code="P000000000000000001"),
        dataclasses.replace(recorded, signature="not base64!"),
    ]
    for forged in forgeries:
        for destination, table in (
            ("public", public_handlers.HANDLERS),
            ("supervision", supervision_handlers.HANDLERS),
        ):
            with pytest.raises(ValueError, match=r"does not verify|differ from the signed|not this section's"):
                table[forged.event_type](forged.payload(), envelope(forged.payload(), forged.event_type, destination))
    # Through the exchange: the message is well signed, the statement in it is not; nothing is applied.
    forged_record = forgeries[1]
    # The first message of the section's stream to the public inbox (nothing was relayed yet).
    env = envelope(forged_record.payload(), forged_record.event_type, "public", sequence=1)
    answer = inbox_receive(body=env.canonical(), source="standalone", signature=env.sign(signing_key_get()))
    assert (answer.status, answer.body["code"]) == (500, "exchange_handler_failed")
    assert not InboxMessage.objects.filter(message_id=uuid.UUID(env.id)).exists()
    assert not BidFreeze.objects.exists()
    assert not PublicRecord.objects.exists()
    assert not SupervisionRecord.objects.exists()
    assert not FrozenBids.objects.exists()


# Inclusion proofs ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bidder_checks_its_inclusion_proof_against_the_published_root(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    receipt = Receipt.objects.get(bid__organisation_id=world["bidder4"].organisation_id)
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    bidder = _client("bidder4")
    proof = bidder.get(f"/trading/api/bidding/receipts/{receipt.uuid}/proof").json()
    assert proof["index"] == 2
    anonymous = Client(enforce_csrf_checks=False)

    # Not yet relayed: this platform has no root to check against.
    early = anonymous.post("/inclusion-proof/", {"proof": json.dumps(proof)}, HTTP_ACCEPT_LANGUAGE="en")
    assert early.status_code == 404
    assert 'data-testid="proof-error"' in early.content.decode()
    relay()

    good = anonymous.post("/inclusion-proof/", {"proof": json.dumps(proof)}, HTTP_ACCEPT_LANGUAGE="en")
    assert good.status_code == 200
    assert text(inside(r'data-testid="proof-ok">(.*?)</li>', good.content.decode())) == (
        f"✓ The receipt is bid 3 of the 5 bids frozen for section {scene.section.code}: it matches the published root."
    )
    assert 'data-testid="proof-bad"' not in good.content.decode()

    def tampered(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        copy = json.loads(json.dumps(proof))
        change(copy)
        return copy

    def swap_digest(p: dict[str, Any]) -> None:
        body = json.loads(p["receipt"]["body"])
        body["digest"] = "0" * 64
        p["receipt"]["body"] = canonical_dumps(body).decode()

    def flip_path(p: dict[str, Any]) -> None:
        p["path"][0] = "f" * 64

    def other_index(p: dict[str, Any]) -> None:
        p["index"] = 1

    def other_tree(p: dict[str, Any]) -> None:
        p["tree_size"] = 4
        p["root"] = "ab" * 32

    cases = [
        (swap_digest, ["not_included"]),
        (flip_path, ["not_included"]),
        (other_index, ["not_included"]),
        (other_tree, ["tree_size_differs", "root_differs"]),
    ]
    for change, problems in cases:
        bad = tampered(change)
        response = anonymous.post("/inclusion-proof/", {"proof": json.dumps(bad)}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert 'data-testid="proof-bad"' in response.content.decode()
        assert 'data-testid="proof-ok"' not in response.content.decode()
        api = anonymous.post("/api/disclosure/inclusion-proofs/check", json.dumps(bad), content_type="application/json")
        assert (api.status_code, api.json()["matches"], api.json()["problems"]) == (200, False, problems)

    api = anonymous.post("/api/disclosure/inclusion-proofs/check", json.dumps(proof), content_type="application/json")
    assert api.json() | {"frozen_at": None} == {
        "section": scene.section.code,
        "matches": True,
        "included": True,
        "problems": [],
        "index": 2,
        "tree_size": 5,
        "root": proof["root"],
        "leaf_count": 5,
        "frozen_at": None,
    }
    for garbage, field in (("not json", "proof"), ('{"receipt": {}}', "receipt.body"), ("[1]", "proof")):
        refused = anonymous.post("/api/disclosure/inclusion-proofs/check", garbage, content_type="application/json")
        assert (refused.status_code, refused.json()["code"], refused.json()["detail"]["field"]) == (
            400,
            "disclosure_proof_invalid",
            field,
        )
        page_refused = anonymous.post("/inclusion-proof/", {"proof": garbage}, HTTP_ACCEPT_LANGUAGE="en")
        assert page_refused.status_code == 400
    assert page(anonymous, "/inclusion-proof/").count("<textarea") == 1

    # The same checks on the command line, from a file the bidder saved.
    saved = tmp_path / "proof.json"
    saved.write_text(json.dumps(proof), encoding="utf-8")
    out = io.StringIO()
    call_command("transparency", "verify", str(saved), stdout=out)
    assert out.getvalue().strip() == (f"OK: bid 3 of 5 frozen for section {scene.section.code}, root {proof['root']}")
    saved.write_text(json.dumps(tampered(flip_path)), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="proof does NOT match") as failed:
        call_command("transparency", "verify", str(saved), stdout=io.StringIO(), stderr=err)
    assert failed.value.returncode == 1
    assert err.getvalue().strip() == "- not_included"
    # A section this platform knows nothing of.
    assert anonymous.get("/sections/P000000000000000001/").status_code == 404
    unknown = anonymous.get("/api/disclosure/sections/P000000000000000001/freeze")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "disclosure_freeze_not_found")


# The supervision platform -------------------------------------------------------------------


@pytest.mark.django_db
def test_regulators_read_freezes_and_opening_records_and_nobody_else_does(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    code = scene.section.code
    freeze = freeze_at_deadline(scene)
    regulator = _client("regulator")
    listing = page(regulator, "/supervision/openings/")
    assert f'data-section="{code}"' in listing
    assert "not yet" in text(inside(rf'data-section="{code}">(.*?)</tr>', listing))
    detail = page(regulator, f"/supervision/openings/{code}/")
    assert f'data-testid="freeze-root">{freeze.root}<' in detail
    assert 'data-testid="opening-record-none"' in detail

    read_out(scene, world)
    recorded = record_publish(world)
    kept = SupervisionRecord.objects.get()
    assert (kept.body, kept.signature, kept.key_id) == (
        recorded.record_body,
        recorded.record_signature,
        recorded.record_key_id,
    )
    assert (kept.bid_count, kept.opened_count, kept.revoked_count, kept.objection_count) == (5, 4, 1, 1)
    listing = page(regulator, "/supervision/openings/")
    row = text(inside(rf'data-section="{code}">(.*?)</tr>', listing))
    assert "4 read out, 1 deemed revoked, 0 deemed withdrawn · 1 objection" in row
    detail = page(regulator, f"/supervision/openings/{code}/")
    rows = bid_rows(detail)
    assert len(rows) == 5
    assert rows[3].startswith(f"4 昆明某建筑安装有限公司 {world.uscc['bidder5']} — — — — — Deemed revoked")
    assert "bidder_share_invalid" in rows[3]
    assert f"{PRICES['bidder1'] // 100:,}.00" in rows[0]
    assert OBJECTION in detail
    assert REPLY in detail
    assert f'data-testid="opening-digest">{hashlib.sha256(recorded.record_body.encode()).hexdigest()}<' in detail
    assert 'data-testid="opening-root-matches"' in detail
    assert OBJECTION in page(_client("leader"), f"/supervision/openings/{code}/")
    assert regulator.get("/supervision/openings/P000000000000000001/").status_code == 404

    before = (list(SupervisionRecord.objects.values()), list(FrozenBids.objects.values()), AuditEntry.objects.count())
    for name in ("bidder1", "bidder5", "public", "agency", "staff"):
        for url in ("/supervision/openings/", f"/supervision/openings/{code}/"):
            response = _client(name).get(url)
            assert response.status_code == 403, (name, url)
            assert OBJECTION not in response.content.decode()
    for url in ("/supervision/openings/", f"/supervision/openings/{code}/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/supervision/accounts/login/")
    assert (
        list(SupervisionRecord.objects.values()),
        list(FrozenBids.objects.values()),
        AuditEntry.objects.count(),
    ) == before
