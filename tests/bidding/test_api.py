"""The bidding API end to end, as a bidder's program drives it with an API token.

Keys → chunked upload with a retried chunk → commit → replacement → withdrawal → the deadline
passes and every write is refused with ``bid_deadline_passed``, changing nothing → the freeze
→ the bidder's inclusion proof verifies against the published root.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.bidding.apikit import BASE, Api, BidderKeys, commitment_digest, token_for
from zhengwu.contexts.bidding.api import CHUNK_UPLOAD_MAX
from zhengwu.contexts.bidding.models import Bid, BidUpload, Freeze, OpeningKey, Receipt
from zhengwu.contexts.bidding.services import (
    bid_security_record,
    bids_freeze,
    platform_custodian_key_register,
)
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World, at, tender_publish, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import AgreementKey, VerifyKey, suite_get
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.audit.merkle import merkle_inclusion_verify
from zhengwu.platform.audit.models import AuditEntry

DEADLINE = at(2026, 3, 24, 9, 30)


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


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json()


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert body["code"] == code, body
    assert set(body) == {"code", "message", "detail"}
    return dict(body)


def _upload(api: Api, section: str, sealed: bytes, *, chunk: int = 7000) -> dict[str, Any]:
    started = _ok(
        api.post(
            f"/sections/{section}/uploads",
            {"envelope": "single", "size": len(sealed), "digest": commitment_digest(sealed)},
        ),
        201,
    )
    for offset in range(0, len(sealed), chunk):
        _ok(api.put_chunk(started["id"], offset, sealed[offset : offset + chunk]))
    return dict(_ok(api.post(f"/uploads/{started['id']}/commit"), 201))


def _state() -> dict[str, Any]:
    return {
        "bids": list(Bid.objects.order_by("id").values_list("status", "digest", "ended_at")),
        "receipts": Receipt.objects.count(),
        "uploads": list(BidUpload.objects.order_by("id").values_list("status", "received_size")),
        "freezes": Freeze.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.django_db
def test_the_bid_journey_through_the_api(world: World, tmp_path: Path) -> None:
    # The custodians: supervision's key by its operator, the agency's through the API.
    platform_custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=SYSTEM)
    agency = Api(token=token_for(world, "agency"))
    custody = _ok(
        agency.post("/custodian-key", {"public": base64.b64encode(AgreementKey.generate().public_raw).decode()}), 201
    )
    assert custody["institution"] == "agency"
    _, sections, _ = tender_publish(world, bidder_key_required=False)
    section = sections[0]
    opening = OpeningKey.objects.get(section_uuid=section.uuid)

    # Anyone reads the opening keys and the platform's key (they are published).
    anonymous = Api()
    keys = _ok(anonymous.get(f"/sections/{section.code}/opening-keys"))
    assert keys == [
        {
            "section": section.code,
            "envelope": "single",
            "suite": "intl",
            "public": opening.public,
            "fingerprint": opening.fingerprint,
            "threshold": 2,
            "bidder_key_required": False,
        }
    ]
    platform = _ok(anonymous.get("/platform-key"))
    platform_key = VerifyKey.from_b64(platform["public"])
    assert platform_key.key_id == platform["key_id"]

    bidders = {name: (Api(token=token_for(world, name)), BidderKeys()) for name in ("bidder1", "bidder2", "bidder3")}
    for api, keys_ in bidders.values():
        registered = _ok(api.post("/bidder-key", keys_.public()), 201)
        assert registered["signing_key_id"] == keys_.signing.public.key_id

    def seal(name: str, price_fen: int) -> bytes:
        return bidders[name][1].seal(
            tmp_path=tmp_path,
            section=section.code,
            uscc=world.uscc[name],
            opening_public=opening.public,
            price_fen=price_fen,
        )

    # bidder1 uploads in chunks; one chunk is sent twice (its answer was "lost"), one out of order.
    api1 = bidders["bidder1"][0]
    clock_set(at(2026, 3, 20, 15, 0))
    first = seal("bidder1", 500_000_00)
    started = _ok(
        api1.post(
            f"/sections/{section.code}/uploads",
            {"envelope": "single", "size": len(first), "digest": commitment_digest(first)},
        ),
        201,
    )
    assert (started["received"], started["status"], started["size"]) == (0, "open", len(first))
    upload_id = started["id"]
    # Chunks above the per-chunk limit, or without a length, are refused before being read.
    _error(api1.put_chunk(upload_id, 0, b"\0" * (CHUNK_UPLOAD_MAX + 1)), 400, "chunk_too_large")
    no_length = api1.client.put(
        f"{BASE}/uploads/{upload_id}/chunks?offset=0",
        first[:100],
        content_type="application/octet-stream",
        CONTENT_LENGTH="",
        **api1.headers,
    )
    _error(no_length, 400, "content_length_required")
    _error(api1.put_chunk(upload_id, -5, first[:100]), 400, "chunk_offset_invalid")
    assert _ok(api1.get(f"/uploads/{upload_id}"))["received"] == 0
    assert _ok(api1.put_chunk(upload_id, 0, first[:8000])) == {"received": 8000}
    assert _ok(api1.put_chunk(upload_id, 0, first[:8000])) == {"received": 8000}
    gap = _error(api1.put_chunk(upload_id, 9000, first[9000:12000]), 409, "chunk_offset_mismatch")
    assert gap["detail"] == {"expected": 8000}
    # The client resumes from what the server says it has.
    assert _ok(api1.get(f"/uploads/{upload_id}"))["received"] == 8000
    _ok(api1.put_chunk(upload_id, 8000, first[8000:]))
    _error(api1.put_chunk(upload_id, len(first), b"extra"), 400, "upload_overflow")
    receipt1 = _ok(api1.post(f"/uploads/{upload_id}/commit"), 201)
    body1 = json.loads(receipt1["body"])
    assert platform_key.verify(receipt1["body"].encode(), base64.b64decode(receipt1["signature"]))
    assert receipt1["key_id"] == platform_key.key_id
    assert (body1["digest"], body1["size"], body1["section"]) == (commitment_digest(first), len(first), section.code)
    assert body1["server_time"] == "2026-03-20T07:00:00+00:00"
    _error(api1.post(f"/uploads/{upload_id}/commit"), 409, "upload_closed")

    # bidder1 replaces its bid; bidder2 bids and withdraws; bidder3 bids.
    replacement = _upload(api1, section.code, seal("bidder1", 480_000_00))
    assert json.loads(replacement["body"])["replaces"] == [receipt1["bid"]]
    api2 = bidders["bidder2"][0]
    bid2 = _upload(api2, section.code, seal("bidder2", 490_000_00))
    withdrawal = _ok(api2.post(f"/bids/{bid2['bid']}/withdraw"), 201)
    assert json.loads(withdrawal["body"])["type"] == "zhengwu.bid.receipt.withdrawn"
    assert platform_key.verify(withdrawal["body"].encode(), base64.b64decode(withdrawal["signature"]))
    _error(api2.post(f"/bids/{bid2['bid']}/withdraw"), 409, "bid_not_active")
    receipt3 = _upload(bidders["bidder3"][0], section.code, seal("bidder3", 470_000_00))

    mine = _ok(api1.get("/bids/mine"))
    assert [(b["status"], len(b["receipts"])) for b in mine] == [("replaced", 1), ("accepted", 1)]
    assert mine[1]["receipts"][0]["id"] == replacement["id"]
    assert [b["status"] for b in _ok(api2.get("/bids/mine", section=section.code))] == ["withdrawn"]
    assert [r["kind"] for r in _ok(api2.get("/bids/mine"))[0]["receipts"]] == ["accepted", "withdrawn"]

    # An upload left open, to try to finish after the deadline.
    late = seal("bidder1", 1)
    open_upload = _ok(
        api1.post(
            f"/sections/{section.code}/uploads",
            {"envelope": "single", "size": len(late), "digest": commitment_digest(late)},
        ),
        201,
    )
    _ok(api1.put_chunk(open_upload["id"], 0, late[:-10]))
    _error(api1.get(f"/sections/{section.code}/freeze"), 404, "freeze_not_published")
    _error(api1.get(f"/receipts/{replacement['id']}/proof"), 409, "freeze_not_published")

    # The deadline passes: every write is refused, whatever the client sends, and nothing changes.
    clock_set(DEADLINE)
    before = _state()
    refusals = [
        api1.post(
            f"/sections/{section.code}/uploads",
            {"envelope": "single", "size": len(late), "digest": commitment_digest(late)},
        ),
        api1.put_chunk(open_upload["id"], len(late) - 10, late[-10:]),
        api1.post(f"/uploads/{open_upload['id']}/commit"),
        api1.post(f"/bids/{replacement['bid']}/withdraw"),
        bidders["bidder3"][0].post(f"/bids/{receipt3['bid']}/withdraw"),
    ]
    for response in refusals:
        _error(response, 409, "bid_deadline_passed")
    assert _state() == before

    # The system freezes the accepted receipts; the freeze is public.
    freeze = bids_freeze(section=section, by=SYSTEM)
    published = _ok(anonymous.get(f"/sections/{section.code}/freeze"))
    assert (published["root"], published["leaf_count"]) == (freeze.root, 2)
    assert platform_key.verify(published["body"].encode(), base64.b64decode(published["signature"]))
    assert json.loads(published["body"])["root"] == published["root"]

    # Each bidder checks its own receipt against the published root, trusting nothing else.
    for api, receipt in ((api1, replacement), (bidders["bidder3"][0], receipt3)):
        proof = _ok(api.get(f"/receipts/{receipt['id']}/proof"))
        assert proof["receipt"]["body"] == receipt["body"]
        assert merkle_inclusion_verify(
            leaf=receipt["body"].encode(),
            index=proof["index"],
            tree_size=proof["tree_size"],
            proof=[bytes.fromhex(p) for p in proof["path"]],
            root=bytes.fromhex(published["root"]),
            suite=suite_get("intl"),
        )
    # A replaced or withdrawn bid is not a leaf; nobody gets another's proof.
    _error(api1.get(f"/receipts/{receipt1['id']}/proof"), 409, "receipt_not_frozen")
    _error(api2.get(f"/receipts/{withdrawal['id']}/proof"), 409, "receipt_not_frozen")
    _error(api2.get(f"/receipts/{receipt3['id']}/proof"), 404, "receipt_not_found")

    # After the deadline the tenderer's side reads who bid, through the audited gatekeeper.
    listed = _ok(agency.get(f"/sections/{section.code}/bidders"))
    assert sorted(r["organisation_uscc"] for r in listed) == sorted([world.uscc["bidder1"], world.uscc["bidder3"]])
    assert AuditEntry.objects.filter(action="bidding.bidders.view", object_id=section.code).count() == 1
    assert Section.objects.get(pk=section.pk).bid_count == 2


@pytest.mark.django_db
def test_bid_security_is_recorded_only_after_the_deadline(world: World, tmp_path: Path) -> None:
    platform_custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=SYSTEM)
    _ok(
        Api(token=token_for(world, "agency")).post(
            "/custodian-key", {"public": base64.b64encode(AgreementKey.generate().public_raw).decode()}
        ),
        201,
    )
    _, sections, _ = tender_publish(world, bidder_key_required=False)
    opening = OpeningKey.objects.get(section_uuid=sections[0].uuid)
    api, keys = Api(token=token_for(world, "bidder1")), BidderKeys()
    _ok(api.post("/bidder-key", keys.public()), 201)
    sealed = keys.seal(
        tmp_path=tmp_path,
        section=sections[0].code,
        uscc=world.uscc["bidder1"],
        opening_public=opening.public,
        price_fen=1_000_00,
    )
    receipt = _upload(api, sections[0].code, sealed)
    bid = Bid.objects.get(uuid=receipt["bid"])
    audit = AuditEntry.objects.count()
    with pytest.raises(Conflict) as early:
        bid_security_record(bid=bid, status="paid", by=world["staff"])
    assert early.value.code == "bid_deadline_not_reached"
    assert Bid.objects.get(pk=bid.pk).security_status == "unpaid"
    assert AuditEntry.objects.count() == audit

    clock_set(DEADLINE)
    assert bid_security_record(bid=bid, status="paid", by=world["staff"]).security_status == "paid"


@pytest.mark.django_db
def test_unknown_objects_and_malformed_requests_get_stable_codes(world: World) -> None:
    api = Api(token=token_for(world, "bidder1"))
    # An upload id that is not the caller's is NotFound before anything is read.
    _error(api.put_chunk("00000000-0000-0000-0000-000000000000", 0, b"x"), 404, "upload_not_found")
    # An unknown section, a malformed body: stable codes, never a 500.
    _error(api.post("/sections/NO-SUCH/uploads", {"size": 10, "digest": "0" * 64}), 404, "section_not_found")
    _error(api.post("/sections/NO-SUCH/uploads", {"size": "ten"}), 422, "invalid_input")
    _error(Api().get("/bids/mine"), 401, "not_authenticated")
