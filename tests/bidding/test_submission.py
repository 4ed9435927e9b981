"""Sealed-bid submission on the trading platform: keys, resumable upload, receipts, replacement, the freeze.

Cross-cutting (it drives the tendering context to a section accepting bids), so it lives here
rather than in the bidding context's own tests.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django.core.files.storage import default_storage

from zhengwu.contexts.bidding import models as bidding_models
from zhengwu.contexts.bidding.custody import Custodian, opening_key_recover, share_release
from zhengwu.contexts.bidding.custody import CustodyShare as Share
from zhengwu.contexts.bidding.models import Bid, BidUpload, CustodianKey, CustodyShare, Freeze, OpeningKey, Receipt
from zhengwu.contexts.bidding.sealing import MAGIC, SealInput, bid_seal
from zhengwu.contexts.bidding.services import (
    bid_upload_chunk,
    bid_upload_commit,
    bid_upload_start,
    bid_withdraw,
    bidder_key_register,
    bids_freeze,
    custodian_key_register,
    platform_custodian_key_register,
    supervision_custody_key_sync,
)
from zhengwu.contexts.bidding.tasks import bidding_freeze
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.services import notice_approve, notice_publish
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World, at, notice_make, project_make, world_build
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import TAG_SIZE, AgreementKey, SigningKey, suite_get
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ZhengwuError
from zhengwu.platform.audit.merkle import merkle_root
from zhengwu.platform.signing import agreement_key_get, signing_key_get

DEADLINE = at(2026, 3, 24, 9, 30)
PRICE_FEN = 4_876_543_21
SECRET_TEXT = "施工组织设计：本公司独有的顶管施工工法"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return world_build()


class Tender:
    """A section accepting bids, with its opening key and the custodians' private keys (held offline)."""

    def __init__(self, world: World) -> None:
        self.supervision_key = AgreementKey.generate()
        self.agency_key = AgreementKey.generate()
        platform_custodian_key_register(public=base64.b64encode(self.supervision_key.public_raw).decode(), by=SYSTEM)
        custodian_key_register(public=base64.b64encode(self.agency_key.public_raw).decode(), by=world["agency"])
        # Publishing the tender notice creates the section's opening key (single envelope); these
        # tests seal with the opening key alone.
        project, sections = project_make(world)
        notice = notice_make(world, project, sections, bidder_key_required=False)
        notice_approve(notice=notice, by=world["staff"])
        notice_publish(notice=notice, by=world["agency"])
        self.section = Section.objects.get(pk=sections[0].pk)
        self.opening = OpeningKey.objects.get(section_uuid=self.section.uuid)


class BidderTool:
    """What a bidder holds on its own machine: its keys and the bid tool."""

    def __init__(self, world: World, name: str) -> None:
        self.actor: Actor = world[name]
        self.uscc = world.uscc[name]
        self.signing = SigningKey.generate()
        self.agreement = AgreementKey.generate()
        bidder_key_register(
            signing_public=self.signing.public.to_b64(),
            agreement_public=base64.b64encode(self.agreement.public_raw).decode(),
            by=self.actor,
        )

    def seal(
        self,
        tender: Tender,
        tmp_path: Path,
        *,
        price_fen: int = PRICE_FEN,
        section: str | None = None,
        suite: str = "intl",
    ) -> bytes:
        path = tmp_path / f"{self.uscc}-{price_fen}.pdf"
        path.write_text(f"{SECRET_TEXT} {self.uscc}\n" + "工程量清单\n" * 2000, encoding="utf-8")
        out = io.BytesIO()
        bid_seal(
            files=[SealInput("技术标.pdf", str(path))],
            readout={"price_fen": price_fen, "duration_days": 300},
            section=section or tender.section.code,
            envelope="single",
            bidder=self.uscc,
            signing_key=self.signing,
            opening_public=base64.b64decode(tender.opening.public),
            out=out,
            suite=suite,
            chunk_size=4096,
        )
        return out.getvalue()

    def submit(self, tender: Tender, sealed: bytes, *, chunk: int = 3000) -> Receipt:
        digest = json.loads(_trailer(sealed))["commitment"]["digest"]
        upload = bid_upload_start(
            section=tender.section, envelope="single", size=len(sealed), digest=digest, by=self.actor
        )
        for offset in range(0, len(sealed), chunk):
            bid_upload_chunk(upload=upload, offset=offset, data=sealed[offset : offset + chunk], by=self.actor)
        return bid_upload_commit(upload=upload, by=self.actor)


def _trailer(sealed: bytes) -> bytes:
    """The trailer JSON at the end of a sealed file (what the bid tool prints as the commitment)."""
    start = sealed.rindex(b'{"commitment"')
    return sealed[start:]


def _header_end(sealed: bytes) -> int:
    (length,) = struct.unpack(">I", sealed[len(MAGIC) : len(MAGIC) + 4])
    return len(MAGIC) + 4 + length


def _chunk_root(sealed: bytes) -> str:
    """The digest a receipt must state, worked out here with hashlib: the suite's hash over magic,
    header length, header and the hash of each stored chunk (ciphertext ‖ tag), trailer excluded."""
    header_end = _header_end(sealed)
    header = json.loads(sealed[len(MAGIC) + 4 : header_end])
    name = {"intl": "sha256", "gm": "sm3"}[header["suite"]]
    body_end = len(sealed) - len(_trailer(sealed)) - 4
    stored = header["chunk_size"] + TAG_SIZE
    leaves = [
        hashlib.new(name, sealed[at : min(at + stored, body_end)]).digest()
        for at in range(header_end, body_end, stored)
    ]
    return hashlib.new(name, sealed[:header_end] + b"".join(leaves)).hexdigest()


def _state() -> dict[str, Any]:
    return {
        "bids": list(Bid.objects.order_by("id").values_list("status", "digest")),
        "receipts": Receipt.objects.count(),
        "uploads": list(BidUpload.objects.order_by("id").values_list("status", "received_size")),
        "freezes": Freeze.objects.count(),
        "section": list(Section.objects.order_by("id").values_list("status", "bid_count")),
    }


@pytest.mark.django_db
def test_a_bid_is_accepted_with_a_receipt_signed_by_the_platform(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    sealed = bidder.seal(tender, tmp_path)
    clock_set(at(2026, 3, 20, 15, 0))
    receipt = bidder.submit(tender, sealed)

    body = json.loads(receipt.body)
    assert body["digest"] == _chunk_root(sealed)
    assert body["digest_scheme"] == "zhengwu-sealed/2:sha256-chunk-root"
    assert body["size"] == len(sealed)
    assert body["server_time"] == "2026-03-20T07:00:00+00:00"
    assert body["section"] == tender.section.code
    assert signing_key_get().public.verify(receipt.body.encode(), base64.b64decode(receipt.signature))
    bid = Bid.objects.get()
    assert bid.status == "accepted"
    with default_storage.open(bid.storage_name, "rb") as stored:
        assert stored.read() == sealed


@pytest.mark.django_db
def test_a_replacement_before_the_deadline_supersedes_the_first_bid(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    first = bidder.submit(tender, bidder.seal(tender, tmp_path, price_fen=500_000_00))
    second = bidder.submit(tender, bidder.seal(tender, tmp_path, price_fen=480_000_00))
    assert list(Bid.objects.order_by("id").values_list("status", flat=True)) == ["replaced", "accepted"]
    assert json.loads(second.body)["replaces"] == [json.loads(first.body)["bid"]]


@pytest.mark.django_db
def test_after_the_deadline_nothing_can_be_submitted_replaced_or_withdrawn(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    receipt = bidder.submit(tender, bidder.seal(tender, tmp_path))
    sealed = bidder.seal(tender, tmp_path, price_fen=1)
    digest = json.loads(_trailer(sealed))["commitment"]["digest"]
    upload = bid_upload_start(
        section=tender.section, envelope="single", size=len(sealed), digest=digest, by=bidder.actor
    )
    bid_upload_chunk(upload=upload, offset=0, data=sealed, by=bidder.actor)
    clock_set(DEADLINE)
    before = _state()
    attempts = [
        lambda: bid_upload_start(section=tender.section, envelope="single", size=10, digest="0" * 64, by=bidder.actor),
        lambda: bid_upload_chunk(upload=upload, offset=len(sealed), data=b"x", by=bidder.actor),
        lambda: bid_upload_commit(upload=upload, by=bidder.actor),
        lambda: bid_withdraw(bid=receipt.bid, by=bidder.actor),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict) as excinfo:
            attempt()
        assert excinfo.value.code == "bid_deadline_passed"
    assert _state() == before


@pytest.mark.django_db
def test_a_commit_one_second_before_the_deadline_is_accepted(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    sealed = bidder.seal(tender, tmp_path)
    clock_set(at(2026, 3, 24, 9, 29, 59))
    receipt = bidder.submit(tender, sealed)
    assert json.loads(receipt.body)["server_time"] == "2026-03-24T01:29:59+00:00"


@pytest.mark.django_db
def test_tampered_truncated_and_foreign_bids_are_refused_with_their_reason(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    sealed = bidder.seal(tender, tmp_path)
    tampered = bytearray(sealed)
    tampered[len(sealed) // 2] ^= 0x01
    cases: list[tuple[bytes, str, str]] = [
        (bytes(tampered), json.loads(_trailer(sealed))["commitment"]["digest"], "sealed_digest_mismatch"),
        (sealed[:-10], "0" * 64, "sealed_truncated"),
    ]
    other = BidderTool(world, "bidder2")
    foreign = other.seal(tender, tmp_path)  # sealed by bidder2 for its own name, signed by bidder2
    cases.append((foreign, json.loads(_trailer(foreign))["commitment"]["digest"], "sealed_signature_invalid"))
    elsewhere = bidder.seal(tender, tmp_path, section="OTHER-SECTION")
    cases.append((elsewhere, json.loads(_trailer(elsewhere))["commitment"]["digest"], "bid_wrong_tender"))
    for data, digest, code in cases:
        upload = bid_upload_start(
            section=tender.section, envelope="single", size=len(data), digest=digest, by=bidder.actor
        )
        bid_upload_chunk(upload=upload, offset=0, data=data, by=bidder.actor)
        with pytest.raises(InvalidInput) as excinfo:
            bid_upload_commit(upload=upload, by=bidder.actor)
        assert excinfo.value.code == code
        upload.refresh_from_db()
        assert (upload.status, upload.refusal_code) == ("refused", code)
    assert not Bid.objects.exists()
    assert not Receipt.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("suite", ["intl", "gm"])
def test_a_flipped_bit_in_any_chunk_swapped_chunks_a_cut_file_or_a_changed_header_are_refused_at_commit(
    world: World, tmp_path: Path, suite: str
) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    sealed = bidder.seal(tender, tmp_path, suite=suite)
    digest = json.loads(_trailer(sealed))["commitment"]["digest"]
    body_end = len(sealed) - len(_trailer(sealed)) - 4
    starts = list(range(_header_end(sealed), body_end, 4096 + TAG_SIZE))
    assert len(starts) > 3
    cases: list[tuple[str, bytes, str]] = []
    for index, start in enumerate(starts):
        flipped = bytearray(sealed)
        flipped[min(start + 100 * (index + 1), body_end - 1)] ^= 0x01
        cases.append((f"chunk {index}", bytes(flipped), "sealed_digest_mismatch"))
    first, second, third = starts[:3]
    swapped = sealed[:first] + sealed[second:third] + sealed[first:second] + sealed[third:]
    cases.append(("swapped", swapped, "sealed_digest_mismatch"))
    cases.append(("cut", sealed[: third + 10], "sealed_truncated"))
    at = sealed.index(b'"fingerprint":"') + len(b'"fingerprint":"')
    changed = bytearray(sealed)
    changed[at] = ord("0") if sealed[at] != ord("0") else ord("1")
    cases.append(("header", bytes(changed), "sealed_digest_mismatch"))

    before = _state()
    for what, data, code in cases:
        upload = bid_upload_start(
            section=tender.section, envelope="single", size=len(data), digest=digest, by=bidder.actor
        )
        bid_upload_chunk(upload=upload, offset=0, data=data, by=bidder.actor)
        with pytest.raises(InvalidInput) as excinfo:
            bid_upload_commit(upload=upload, by=bidder.actor)
        assert excinfo.value.code == code, what
        upload.refresh_from_db()
        assert (upload.status, upload.refusal_code) == ("refused", code), what
    after = _state()
    assert after.pop("uploads")[len(before["uploads"]) :] == [("refused", len(data)) for _, data, _ in cases]
    before.pop("uploads")
    assert after == before  # no bid, no receipt

    # The file as sealed is accepted; its receipt states the chunk root and how it is computed.
    body = json.loads(bidder.submit(tender, sealed).body)
    assert body["digest"] == digest == _chunk_root(sealed)
    hash_name = {"intl": "sha256", "gm": "sm3"}[suite]
    assert body["digest_scheme"] == f"zhengwu-sealed/2:{hash_name}-chunk-root"


@pytest.mark.django_db
def test_a_replayed_commit_and_a_replayed_chunk_change_nothing(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    sealed = bidder.seal(tender, tmp_path)
    digest = json.loads(_trailer(sealed))["commitment"]["digest"]
    upload = bid_upload_start(
        section=tender.section, envelope="single", size=len(sealed), digest=digest, by=bidder.actor
    )
    assert bid_upload_chunk(upload=upload, offset=0, data=sealed[:5000], by=bidder.actor) == 5000
    # The same chunk again (a client retrying after a lost response): nothing changes.
    assert bid_upload_chunk(upload=upload, offset=0, data=sealed[:5000], by=bidder.actor) == 5000
    with pytest.raises(Conflict) as gap:
        bid_upload_chunk(upload=upload, offset=6000, data=sealed[6000:], by=bidder.actor)
    assert gap.value.code == "chunk_offset_mismatch"
    bid_upload_chunk(upload=upload, offset=5000, data=sealed[5000:], by=bidder.actor)
    bid_upload_commit(upload=upload, by=bidder.actor)
    before = _state()
    with pytest.raises(Conflict) as replay:
        bid_upload_commit(upload=upload, by=bidder.actor)
    assert replay.value.code == "upload_closed"
    assert _state() == before


@pytest.mark.django_db
def test_nobody_else_can_touch_a_bidders_upload_or_bid(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    receipt = bidder.submit(tender, bidder.seal(tender, tmp_path))
    sealed = bidder.seal(tender, tmp_path, price_fen=2)
    digest = json.loads(_trailer(sealed))["commitment"]["digest"]
    upload = bid_upload_start(
        section=tender.section, envelope="single", size=len(sealed), digest=digest, by=bidder.actor
    )
    before = _state()
    for name in ("bidder2", "tenderer", "agency", "staff", "regulator", "expert", "public", "bidder_pending"):
        actor = world[name]
        for attempt in (
            lambda actor=actor: bid_upload_chunk(upload=upload, offset=0, data=sealed, by=actor),
            lambda actor=actor: bid_upload_commit(upload=upload, by=actor),
            lambda actor=actor: bid_withdraw(bid=receipt.bid, by=actor),
        ):
            with pytest.raises((NotFound, PermissionDenied)):
                attempt()
    assert _state() == before


@pytest.mark.django_db
def test_withdrawal_before_the_deadline_gets_a_receipt_and_leaves_no_bid(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    accepted = bidder.submit(tender, bidder.seal(tender, tmp_path))
    withdrawal = bid_withdraw(bid=accepted.bid, by=bidder.actor)
    assert json.loads(withdrawal.body)["type"] == "zhengwu.bid.receipt.withdrawn"
    assert Bid.objects.get().status == "withdrawn"
    with pytest.raises(Conflict) as again:
        bid_withdraw(bid=accepted.bid, by=bidder.actor)
    assert again.value.code == "bid_not_active"


@pytest.mark.django_db
def test_the_freeze_is_a_merkle_root_of_the_accepted_receipts_and_closes_bidding(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    bidders = [BidderTool(world, name) for name in ("bidder1", "bidder2", "bidder3")]
    receipts = [b.submit(tender, b.seal(tender, tmp_path, price_fen=100_000_00 + i)) for i, b in enumerate(bidders)]
    # bidder1 replaces its bid: the replaced receipt is not a leaf.
    replacement = bidders[0].submit(tender, bidders[0].seal(tender, tmp_path, price_fen=99_000_00))
    with pytest.raises(Conflict) as early:
        bids_freeze(section=tender.section, by=SYSTEM)
    assert early.value.code == "bid_deadline_not_reached"

    clock_set(DEADLINE)
    freeze = bids_freeze(section=tender.section, by=SYSTEM)
    leaves = [receipts[1], receipts[2], replacement]
    assert freeze.receipts == [str(r.uuid) for r in leaves]
    assert freeze.root == merkle_root([r.body.encode() for r in leaves], suite=suite_get("intl")).hex()
    assert signing_key_get().public.verify(freeze.body.encode(), base64.b64decode(freeze.signature))
    assert bids_freeze(section=tender.section, by=SYSTEM).pk == freeze.pk
    section = Section.objects.get(pk=tender.section.pk)
    assert (section.status, section.bid_count) == ("opening", 3)


@pytest.mark.django_db
def test_two_bids_at_the_deadline_fail_the_section(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    for name in ("bidder1", "bidder2"):
        b = BidderTool(world, name)
        b.submit(tender, b.seal(tender, tmp_path))
    clock_set(DEADLINE)
    bids_freeze(section=tender.section, by=SYSTEM)
    section = Section.objects.get(pk=tender.section.pk)
    assert (section.status, section.bid_count) == ("failed", 2)


@pytest.mark.django_db
def test_everything_stored_before_the_deadline_reveals_no_bid_content(world: World, tmp_path: Path) -> None:
    """A person with the whole trading database and file storage cannot read a bid or its price.

    The database holds the opening key's public half and shares sealed to the custodians; the
    agency custodian's private key is on the agency officer's machine, not the platform's.
    """
    tender = Tender(world)
    bidder = BidderTool(world, "bidder1")
    bidder.submit(tender, bidder.seal(tender, tmp_path))
    stored = b"".join(
        default_storage.open(name, "rb").read() for name in Bid.objects.values_list("storage_name", flat=True)
    )
    dump = "".join(
        serializers.serialize("json", model.objects.all())
        for model in (bidding_models.Bid, bidding_models.Receipt, bidding_models.BidUpload, CustodyShare, OpeningKey)
    ).encode()
    everything = stored + dump
    for secret in (SECRET_TEXT.encode(), str(PRICE_FEN).encode(), "顶管".encode()):
        assert secret not in everything
    # With everything the platform holds — including the supervision share, were the supervision
    # key on the same disk — one share is not enough to rebuild the opening key.
    share = CustodyShare.objects.get(holder="platform:supervision")
    released = share_release(
        share=_share(share),
        custodian=_custodian(share),
        private=tender.supervision_key.raw(),
        section=tender.section.code,
        envelope="single",
        fingerprint=tender.opening.fingerprint,
    )
    with pytest.raises(ZhengwuError) as excinfo:
        opening_key_recover(mnemonics=[released], public_raw=base64.b64decode(tender.opening.public))
    assert excinfo.value.code == "custody_shares_invalid"
    holders = set(CustodyShare.objects.filter(opening_key=tender.opening).values_list("holder", flat=True))
    assert holders == {"platform:supervision", f"org:{world['agency'].organisation_id}"}


def _share(row: CustodyShare) -> Share:
    return Share(
        custodian_id=row.holder,
        institution=row.institution,
        custodian_fingerprint=row.custodian_fingerprint,
        blob=bytes(row.blob),
    )


def _custodian(row: CustodyShare) -> Custodian:
    key = CustodianKey.objects.get(holder=row.holder, revoked_at__isnull=True)
    return Custodian(custodian_id=row.holder, institution=row.institution, public_raw=base64.b64decode(key.public))


@pytest.mark.django_db
def test_the_worker_freezes_every_section_past_its_deadline_once(world: World, tmp_path: Path) -> None:
    tender = Tender(world)
    for name in ("bidder1", "bidder2", "bidder3"):
        b = BidderTool(world, name)
        b.submit(tender, b.seal(tender, tmp_path))
    clock_set(at(2026, 3, 24, 9, 29, 59))
    assert bidding_freeze.call_local() == 0
    assert not Freeze.objects.exists()
    clock_set(DEADLINE)
    assert bidding_freeze.call_local() == 1
    assert bidding_freeze.call_local() == 0
    freeze = Freeze.objects.get()
    assert freeze.leaf_count == 3
    assert Section.objects.get(pk=tender.section.pk).status == "opening"


@pytest.mark.django_db
def test_setup_registers_the_supervision_custody_key_once(world: World, settings: Any) -> None:
    first = supervision_custody_key_sync(by=SYSTEM)
    assert first is not None
    assert base64.b64decode(first.public) == agreement_key_get().public_raw
    assert supervision_custody_key_sync(by=SYSTEM) == first
    # A trading deployable alone takes the key its operator configured.
    settings.ZHENGWU_PLATFORMS = ["trading"]
    settings.ZHENGWU_SUPERVISION_CUSTODY_KEY = ""
    assert supervision_custody_key_sync(by=SYSTEM) is not None  # the registered key stays
    other = base64.b64encode(AgreementKey.generate().public_raw).decode()
    settings.ZHENGWU_SUPERVISION_CUSTODY_KEY = other
    replaced = supervision_custody_key_sync(by=SYSTEM)
    assert replaced is not None
    assert replaced.public == other
    assert CustodianKey.objects.filter(holder="platform:supervision", revoked_at__isnull=True).count() == 1
