"""The online opening end to end: five bidders, one replaced before the deadline, one whose key fails.

Custodians release their shares only after the freeze; bidders decrypt with their own keys; the
read-out and the signed opening record match what each bidder sealed.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from zhengwu.contexts.bidding import opening as ceremony
from zhengwu.contexts.bidding.custody import Custodian, CustodyShare, opening_key_recover, share_release
from zhengwu.contexts.bidding.events import BidsFrozen
from zhengwu.contexts.bidding.models import Bid, Opening, OpeningEntry, OpeningKey, OpeningObjection
from zhengwu.contexts.bidding.models import CustodyShare as ShareRow
from zhengwu.contexts.bidding.sealing import MAGIC, ROLE_BIDDER, SealInput, bid_seal, sealed_header_read, share_unwrap
from zhengwu.contexts.bidding.services import (
    bid_upload_chunk,
    bid_upload_commit,
    bid_upload_start,
    bidder_key_register,
    bids_freeze,
    custodian_key_register,
    platform_custodian_key_register,
)
from zhengwu.contexts.bidding.tool import keys_load
from zhengwu.contexts.bidding.tool import main as bid_main
from zhengwu.contexts.identity.selectors import actor_for, user_get
from zhengwu.contexts.identity.services import organisation_create, user_create
from zhengwu.contexts.supervision.handlers import bids_frozen
from zhengwu.contexts.supervision.models import FrozenBids, HeldShare
from zhengwu.contexts.supervision.services import held_share_public_b64, held_share_release
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    PASSWORD,
    SYSTEM,
    World,
    at,
    tender_publish,
    uscc_make,
    world_build,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import TAG_SIZE, AgreementKey, SigningKey
from zhengwu.kernel.errors import Conflict, PermissionDenied, ZhengwuError
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.models import OutboxMessage
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.signing import agreement_key_get, signing_key_get

DEADLINE = at(2026, 3, 24, 9, 30)
PRICES = {"bidder1": 51_200_000_00, "bidder2": 50_880_000_00, "bidder3": 52_010_000_00, "bidder4": 49_990_000_00}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = world_build()
    for key, name in (("bidder4", "云南某市政工程有限公司"), ("bidder5", "昆明某建筑安装有限公司")):
        uscc = uscc_make()
        organisation = organisation_create(uscc=uscc, name=name, market_roles=["bidder"], by=SYSTEM)
        user = user_create(
            username=key, password=PASSWORD, display_name=key, roles=["bidder"], organisation=organisation, by=SYSTEM
        )
        world.actors[key] = actor_for(user=user)
        world.uscc[key] = uscc
    return world


class Bidder:
    def __init__(self, world: World, name: str, tmp_path: Path) -> None:
        self.name = name
        self.actor: Actor = world[name]
        self.uscc = world.uscc[name]
        self.signing, self.agreement = SigningKey.generate(), AgreementKey.generate()
        self.tmp_path = tmp_path
        self.sealed = b""
        bidder_key_register(
            signing_public=self.signing.public.to_b64(),
            agreement_public=base64.b64encode(self.agreement.public_raw).decode(),
            by=self.actor,
        )

    def bid(self, section: Section, opening_public: bytes, price_fen: int) -> None:
        path = self.tmp_path / f"{self.name}-{price_fen}.pdf"
        path.write_bytes(f"{self.name} 技术标".encode() * 500)
        out = io.BytesIO()
        bid_seal(
            files=[SealInput("技术标.pdf", str(path))],
            readout={"price_fen": price_fen, "duration_days": 540, "quality": "合格"},
            section=section.code,
            envelope="single",
            bidder=self.uscc,
            signing_key=self.signing,
            opening_public=opening_public,
            bidder_public=self.agreement.public_raw,
            out=out,
            chunk_size=4096,
        )
        self.sealed = out.getvalue()
        digest = json.loads(self.sealed[self.sealed.rindex(b'{"commitment"') :])["commitment"]["digest"]
        upload = bid_upload_start(
            section=section, envelope="single", size=len(self.sealed), digest=digest, by=self.actor
        )
        bid_upload_chunk(upload=upload, offset=0, data=self.sealed, by=self.actor)
        bid_upload_commit(upload=upload, by=self.actor)

    def own_share(self) -> str:
        """What ``zhengwu bid`` prints on the bidder's machine: its half of the data key, unwrapped."""
        header = sealed_header_read(stream=io.BytesIO(self.sealed))
        return base64.b64encode(share_unwrap(header=header, role=ROLE_BIDDER, private=self.agreement.raw())).decode()


class Scene:
    def __init__(self, world: World, tmp_path: Path) -> None:
        self.world = world
        self.agency_key = AgreementKey.generate()
        # The standalone deployable is also the supervision platform: its custody key holds that share.
        platform_custodian_key_register(public=held_share_public_b64(), by=SYSTEM)
        custodian_key_register(public=base64.b64encode(self.agency_key.public_raw).decode(), by=world["agency"])
        # The tender notice requires the bidders' own keys (the default): its publication creates
        # the opening key, split between the supervision platform and the agency.
        _, sections, _ = tender_publish(world)
        self.section = sections[0]
        self.key = OpeningKey.objects.get(section_uuid=self.section.uuid)
        assert self.key.bidder_key_required
        public = base64.b64decode(self.key.public)
        self.bidders = {n: Bidder(world, n, tmp_path) for n in ("bidder1", "bidder2", "bidder3", "bidder4", "bidder5")}
        for name, bidder in self.bidders.items():
            bidder.bid(self.section, public, PRICES.get(name, 48_000_000_00))
        # bidder3 replaces its bid before the deadline: only the second one counts.
        self.bidders["bidder3"].bid(self.section, public, 51_500_000_00)

    def agency_share(self) -> str:
        """The agency officer decrypts its share on its own machine with its custody key."""
        row = ShareRow.objects.get(opening_key=self.key, holder=f"org:{self.world['agency'].organisation_id}")
        return share_release(
            share=CustodyShare(row.holder, row.institution, row.custodian_fingerprint, bytes(row.blob)),
            custodian=Custodian(row.holder, row.institution, self.agency_key.public_raw),
            private=self.agency_key.raw(),
            section=self.section.code,
            envelope="single",
            fingerprint=self.key.fingerprint,
        )


def supervision_release(regulator: Actor) -> None:
    """On the supervision platform a regulator releases its share; the exchange carries it to trading."""
    relay_run_once()
    held_share_release(held=HeldShare.objects.get(), by=regulator)
    relay_run_once()


def _opening() -> Opening:
    return Opening.objects.get()


@pytest.mark.django_db
def test_a_complete_opening_with_a_replaced_bid_and_a_failed_key(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    agency, regulator = world["agency"], world["regulator"]

    # Nothing opens before the deadline and the freeze.
    with pytest.raises(Conflict) as early:
        ceremony.opening_start(section=scene.section, by=agency)
    assert early.value.code == "opening_time_not_reached"
    clock_set(DEADLINE)
    with pytest.raises(Conflict) as unfrozen:
        ceremony.opening_start(section=scene.section, by=agency)
    assert unfrozen.value.code == "bids_not_frozen"
    freeze = bids_freeze(section=scene.section, by=SYSTEM)
    assert freeze.leaf_count == 5

    opening = ceremony.opening_start(section=scene.section, by=agency)
    assert opening.decrypt_deadline == DEADLINE + dt.timedelta(minutes=30)
    assert OpeningEntry.objects.filter(opening=opening).count() == 5

    # Decryption needs both custodians.
    ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=scene.agency_share(), by=agency)
    with pytest.raises(Conflict) as incomplete:
        ceremony.opening_decrypt(opening=opening, by=agency)
    assert incomplete.value.code == "custody_incomplete"
    supervision_release(regulator)

    for name in ("bidder1", "bidder2", "bidder3", "bidder4"):
        ceremony.bidder_share_submit(opening=opening, share=scene.bidders[name].own_share(), by=world[name])
    # bidder5's key fails: what it hands in does not open its bid.
    ceremony.bidder_share_submit(opening=opening, share=base64.b64encode(os.urandom(32)).decode(), by=world["bidder5"])
    clock_set(DEADLINE + dt.timedelta(minutes=10))
    decided = ceremony.opening_decrypt(opening=opening, by=agency)
    assert len(decided) == 5

    entries = {e.bid.organisation_id: e for e in OpeningEntry.objects.select_related("bid")}
    failed = entries[world["bidder5"].organisation_id]
    assert (failed.outcome, failed.failure_cause) == ("revoked", "bidder_share_invalid")
    assert failed.readout is None
    for name, price in {**PRICES, "bidder3": 51_500_000_00}.items():
        entry = entries[world[name].organisation_id]
        assert entry.outcome == "opened"
        assert entry.readout == {"price_fen": price, "duration_days": 540, "quality": "合格"}
        assert len(entry.files) == 1

    ceremony.opening_readout(opening=opening, by=agency)
    objection = ceremony.opening_objection_file(
        opening=_opening(), text="第五名投标人解密失败的原因请予说明", by=world["bidder2"]
    )
    clock_set(DEADLINE + dt.timedelta(minutes=16))
    with pytest.raises(Conflict) as unanswered:
        ceremony.opening_record_publish(opening=_opening(), by=agency)
    assert unanswered.value.code == "opening_objection_unanswered"
    ceremony.opening_objection_reply(
        objection=objection, reply="该投标人提交的解密密钥无法解密，已记录证据。", by=agency
    )
    recorded = ceremony.opening_record_publish(opening=_opening(), by=agency)

    record = json.loads(recorded.record_body)
    assert signing_key_get().public.verify(recorded.record_body.encode(), base64.b64decode(recorded.record_signature))
    assert record["freeze_root"] == freeze.root
    read_out = {b["bidder_uscc"]: (b["outcome"], b["readout"]) for b in record["bids"]}
    for name, price in {**PRICES, "bidder3": 51_500_000_00}.items():
        assert read_out[world.uscc[name]] == ("opened", {"price_fen": price, "duration_days": 540, "quality": "合格"})
    assert read_out[world.uscc["bidder5"]] == ("revoked", None)
    assert record["objections"][0]["reply"].startswith("该投标人")
    assert Section.objects.get(pk=scene.section.pk).status == "evaluating"
    assert OutboxMessage.objects.filter(event_type="bidding.opening.recorded").count() == 1
    assert OutboxMessage.objects.filter(event_type="bidding.bids.frozen").count() == 1


@pytest.mark.django_db
def test_a_bidder_who_does_not_decrypt_in_time_is_deemed_to_revoke(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    agency = world["agency"]
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    opening = ceremony.opening_start(section=scene.section, by=agency)
    ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=scene.agency_share(), by=agency)
    supervision_release(world["regulator"])
    for name in ("bidder1", "bidder2", "bidder3", "bidder4"):
        ceremony.bidder_share_submit(opening=opening, share=scene.bidders[name].own_share(), by=world[name])
    ceremony.opening_decrypt(opening=opening, by=agency)
    with pytest.raises(Conflict) as waiting:
        ceremony.opening_readout(opening=opening, by=agency)
    assert waiting.value.code == "decryption_pending"

    clock_set(DEADLINE + dt.timedelta(minutes=30))
    with pytest.raises(Conflict) as late:
        ceremony.bidder_share_submit(opening=opening, share=scene.bidders["bidder5"].own_share(), by=world["bidder5"])
    assert late.value.code == "decrypt_window_passed"
    ceremony.opening_readout(opening=opening, by=agency)
    entry = OpeningEntry.objects.get(bid__organisation_id=world["bidder5"].organisation_id)
    assert (entry.outcome, entry.failure_cause) == ("revoked", "bidder_share_missing")


@pytest.mark.django_db
def test_custodians_who_do_not_release_make_bids_deemed_withdrawn_not_revoked(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    agency = world["agency"]
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    opening = ceremony.opening_start(section=scene.section, by=agency)
    ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=scene.agency_share(), by=agency)
    clock_set(DEADLINE + dt.timedelta(minutes=31))
    ceremony.opening_readout(opening=opening, by=agency)
    outcomes = set(OpeningEntry.objects.values_list("outcome", "failure_cause"))
    # Not the bidders' fault (20号令 第三十一条): withdrawn, their securities refunded.
    assert outcomes == {("withdrawn", "custody_incomplete")}


@pytest.mark.django_db
def test_only_the_host_custodians_and_the_bidders_themselves_act_and_a_refusal_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    scene = Scene(world, tmp_path)
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    for name in ("tenderer_other", "agency_other", "bidder1", "staff", "regulator", "expert", "public"):
        with pytest.raises(PermissionDenied):
            ceremony.opening_start(section=scene.section, by=world[name])
    assert not Opening.objects.exists()
    opening = ceremony.opening_start(section=scene.section, by=world["agency"])
    share = scene.agency_share()
    for name in ("agency_other", "bidder1", "staff", "expert", "public"):
        with pytest.raises(PermissionDenied):
            ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=share, by=world[name])
    relay_run_once()
    held = HeldShare.objects.get()
    for name in ("agency", "staff", "bidder1", "expert", "public"):
        with pytest.raises(PermissionDenied):
            held_share_release(held=held, by=world[name])
    assert HeldShare.objects.get().released_at is None
    for name in ("agency", "staff", "regulator", "bidder_pending"):
        with pytest.raises(PermissionDenied):
            ceremony.bidder_share_submit(opening=opening, share=scene.bidders["bidder1"].own_share(), by=world[name])
    assert not ShareRow.objects.filter(released_at__isnull=False).exists()
    assert not OpeningEntry.objects.exclude(bidder_share="").exists()
    words = share.split()
    words[3] = "academic" if words[3] != "academic" else "acid"
    with pytest.raises(ZhengwuError) as typo:
        ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=" ".join(words), by=world["agency"])
    assert typo.value.code == "custody_share_invalid"
    assert not OpeningObjection.objects.exists()


@pytest.mark.django_db
def test_the_supervision_share_is_not_released_before_the_freeze(world: World, tmp_path: Path) -> None:
    Scene(world, tmp_path)
    relay_run_once()
    held = HeldShare.objects.get()
    events = OutboxMessage.objects.count()
    with pytest.raises(Conflict) as excinfo:
        held_share_release(held=held, by=world["regulator"])
    assert excinfo.value.code == "bids_not_frozen"
    assert HeldShare.objects.get().released_at is None
    assert OutboxMessage.objects.count() == events


@pytest.mark.django_db
def test_a_forged_freeze_is_refused_by_the_supervision_platform(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    forged = BidsFrozen(
        section_code=scene.section.code,
        deadline=DEADLINE.isoformat(),
        frozen_at=DEADLINE.isoformat(),
        leaf_count=0,
        root="00" * 32,
        body='{"type":"zhengwu.bid.freeze"}',
        signature=base64.b64encode(SigningKey.generate().sign(b'{"type":"zhengwu.bid.freeze"}')).decode(),
        key_id="0" * 16,
    )
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="standalone",  # the sender whose key this deployable knows: the signature is what fails
        destination="supervision",
        event_type=forged.event_type,
        aggregate_type=forged.aggregate_type,
        aggregate_id=forged.aggregate_id,
        sequence=1,
        occurred_at=DEADLINE.isoformat(),
        payload=forged.payload(),
    )
    with pytest.raises(ValueError, match="does not verify"):
        bids_frozen(forged.payload(), envelope)
    assert not FrozenBids.objects.exists()


def _client(username: str) -> Client:
    client = Client()
    client.force_login(user_get(username=username))
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client


@pytest.mark.django_db
def test_a_regulator_releases_the_supervision_share_from_the_custody_page(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    relay_run_once()
    held = HeldShare.objects.get()
    regulator, leader = _client("regulator"), _client("leader")
    page = regulator.get("/supervision/custody/")
    assert page.status_code == 200
    assert scene.section.code in page.content.decode()
    assert f'data-testid="release-{scene.section.code}"' not in page.content.decode()  # not frozen yet
    refused = regulator.post(f"/supervision/custody/{held.pk}/release/", follow=True)
    assert "尚未封存" in refused.content.decode()
    assert HeldShare.objects.get().released_at is None

    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    relay_run_once()
    assert f'data-testid="release-{scene.section.code}"' in regulator.get("/supervision/custody/").content.decode()
    leader_page = leader.get("/supervision/custody/").content.decode()
    assert scene.section.code in leader_page
    assert 'data-testid="release-' not in leader_page
    assert leader.post(f"/supervision/custody/{held.pk}/release/").status_code == 403
    assert _client("bidder1").get("/supervision/custody/").status_code in (302, 403)
    assert HeldShare.objects.get().released_at is None

    regulator.post(f"/supervision/custody/{held.pk}/release/")
    assert HeldShare.objects.get().released_by_username == "regulator"
    relay_run_once()
    row = ShareRow.objects.get(opening_key=scene.key, holder="platform:supervision")
    assert row.released_at is not None
    assert row.released_by_username == "supervision:regulator"


@pytest.mark.django_db
def test_custodian_and_bidder_unwrap_their_parts_with_the_bid_tool_on_their_own_machines(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The agency officer makes its custody key with the tool and registers the public half.
    assert bid_main(["custody-keygen", "--out", str(tmp_path), "--name", "agency"]) == 0
    public = capsys.readouterr().out.split("保管公钥（向平台登记）: ")[1].split()[0]
    custodian_key_register(public=public, by=world["agency"])
    _, sections, _ = tender_publish(world)
    section = sections[0]
    # Its own shares, from the API; anyone else gets none.
    response = _client("agency").get(f"/trading/api/bidding/sections/{section.code}/custody-shares")
    assert response.status_code == 200
    (share,) = response.json()
    assert share["holder"] == f"org:{world['agency'].organisation_id}"
    for other in ("bidder1", "tenderer", "agency_other", "staff"):
        assert _client(other).get(f"/trading/api/bidding/sections/{section.code}/custody-shares").json() == []
    assert Client().get(f"/trading/api/bidding/sections/{section.code}/custody-shares").status_code == 401
    (tmp_path / "shares.json").write_text(json.dumps(response.json()), encoding="utf-8")
    assert bid_main(["custody-open", str(tmp_path / "shares.json"), "--key", str(tmp_path / "agency.custody.key")]) == 0
    words = capsys.readouterr().out.split(": ", 1)[1].strip()

    # A bidder seals with its own key, and at the opening unwraps its half with the tool.
    assert bid_main(["keygen", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    signing, agreement = keys_load(tmp_path / "bidder.key")
    bidder_key_register(
        signing_public=signing.public.to_b64(),
        agreement_public=base64.b64encode(agreement.public_raw).decode(),
        by=world["bidder1"],
    )
    key = OpeningKey.objects.get(section_uuid=section.uuid)
    path = tmp_path / "bid.pdf"
    path.write_bytes(b"bid")
    with open(tmp_path / "bid.sealed", "wb") as out:
        bid_seal(
            files=[SealInput("bid.pdf", str(path))],
            readout={"price_fen": 1},
            section=section.code,
            envelope="single",
            bidder=world.uscc["bidder1"],
            signing_key=signing,
            opening_public=base64.b64decode(key.public),
            bidder_public=agreement.public_raw,
            out=out,
        )
    assert bid_main(["share", str(tmp_path / "bid.sealed"), "--key", str(tmp_path / "bidder.key")]) == 0
    printed = capsys.readouterr().out.strip()
    header = sealed_header_read(stream=io.BytesIO((tmp_path / "bid.sealed").read_bytes()))
    assert base64.b64decode(printed) == share_unwrap(header=header, role=ROLE_BIDDER, private=agreement.raw())

    # The words the tool printed are the agency's true share: with supervision's, they rebuild the key.
    row = ShareRow.objects.get(opening_key=key, holder="platform:supervision")
    supervision_words = share_release(
        share=CustodyShare(row.holder, row.institution, row.custodian_fingerprint, bytes(row.blob)),
        custodian=Custodian(row.holder, row.institution, agreement_key_get().public_raw),
        private=agreement_key_get().raw(),
        section=section.code,
        envelope="single",
        fingerprint=key.fingerprint,
    )
    public = base64.b64decode(key.public)
    private = opening_key_recover(mnemonics=[words, supervision_words], public_raw=public)
    assert AgreementKey.from_raw(private).public_raw == public


# --- stored files altered after acceptance: the opening checks the chunk-root commitment ------------


def _chunk_starts(sealed: bytes) -> list[int]:
    """Where each stored chunk (ciphertext ‖ tag, 4096 + 16 bytes but the last) begins."""
    header_end = len(MAGIC) + 4 + int.from_bytes(sealed[len(MAGIC) : len(MAGIC) + 4], "big")
    body_end = sealed.rindex(b'{"commitment"') - 4
    return list(range(header_end, body_end, 4096 + TAG_SIZE))


def _flip_in_last_chunk(sealed: bytes) -> bytes:
    altered = bytearray(sealed)
    altered[_chunk_starts(sealed)[-1] + 5] ^= 0x01
    return bytes(altered)


def _swap_first_two_chunks(sealed: bytes) -> bytes:
    first, second, third = _chunk_starts(sealed)[:3]
    return sealed[:first] + sealed[second:third] + sealed[first:second] + sealed[third:]


def _cut_in_second_chunk(sealed: bytes) -> bytes:
    return sealed[: _chunk_starts(sealed)[1] + 100]


def _change_header(sealed: bytes) -> bytes:
    # A wrap's fingerprint: the header still parses and the keys still unwrap.
    at = sealed.index(b'"fingerprint":"') + len(b'"fingerprint":"')
    altered = bytearray(sealed)
    altered[at] = ord("0") if sealed[at] != ord("0") else ord("1")
    return bytes(altered)


@pytest.mark.django_db
def test_a_stored_bid_altered_after_acceptance_is_not_opened_and_the_evidence_names_the_alteration(
    world: World, tmp_path: Path
) -> None:
    scene = Scene(world, tmp_path)
    agency = world["agency"]
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    opening = ceremony.opening_start(section=scene.section, by=agency)
    ceremony.custody_share_submit(opening=opening, envelope="single", mnemonic=scene.agency_share(), by=agency)
    supervision_release(world["regulator"])
    # Someone with access to the platform's storage alters four stored bids after the freeze.
    alterations = {
        "bidder1": (_flip_in_last_chunk, "sealed_digest_mismatch"),
        "bidder2": (_swap_first_two_chunks, "sealed_digest_mismatch"),
        "bidder3": (_cut_in_second_chunk, "sealed_truncated"),
        "bidder4": (_change_header, "sealed_digest_mismatch"),
    }
    for name, (alter, _) in alterations.items():
        assert len(_chunk_starts(scene.bidders[name].sealed)) >= 3
        bid = Bid.objects.get(organisation_id=world[name].organisation_id, status=Bid.Status.ACCEPTED)
        stored = Path(default_storage.path(bid.storage_name))
        assert stored.read_bytes() == scene.bidders[name].sealed
        stored.write_bytes(alter(stored.read_bytes()))
    for name, bidder in scene.bidders.items():
        ceremony.bidder_share_submit(opening=opening, share=bidder.own_share(), by=world[name])
    ceremony.opening_decrypt(opening=opening, by=agency)

    entries = {e.bid.organisation_id: e for e in OpeningEntry.objects.select_related("bid")}
    for name, (_, code) in alterations.items():
        entry = entries[world[name].organisation_id]
        # Not the bidder's fault: deemed withdrawn (20号令 第三十一条), nothing read out.
        assert (entry.outcome, entry.failure_cause, entry.evidence["error"]) == (
            "withdrawn",
            "storage_mismatch",
            code,
        ), name
        assert entry.readout is None
        assert entry.files == []
    untouched = entries[world["bidder5"].organisation_id]
    assert (untouched.outcome, untouched.readout["price_fen"]) == ("opened", 48_000_000_00)
