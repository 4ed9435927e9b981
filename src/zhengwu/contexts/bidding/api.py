"""The trading API of the bidding context, mounted at ``/trading/api/bidding/``.

What ``zhengwu bid submit`` and a bidder's own system use: register keys, read a section's
opening keys, upload a sealed file in chunks (resumable: ask the upload's state, send from
``received``), commit it for a signed receipt, withdraw, list one's own bids, and after the
deadline fetch the freeze and one's inclusion proof. The tenderer's side registers its custody
key and, after the deadline, reads the list of bidders through the audited gatekeeper.

Authentication: the session (ninja checks CSRF on writes) or a personal API token
(``Authorization: Bearer zwt_…``, see ``identity.middleware``). Every refusal is a ZhengwuError
that the API base turns into ``{code, message, detail}``.

Secrecy: nothing here tells anyone but the bidder itself that it has bid, before the deadline.
A chunk is the raw request body (``application/octet-stream``), read straight from the stream
up to ``CHUNK_UPLOAD_MAX`` bytes: Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB) guards
``request.body``, which this endpoint never touches, so the limit is enforced here instead.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import django_auth

from zhengwu.contexts.bidding import opening, selectors
from zhengwu.contexts.bidding.models import Bid, BidUpload, Freeze, OpeningKey, Receipt
from zhengwu.contexts.bidding.services import (
    bid_upload_chunk,
    bid_upload_commit,
    bid_upload_start,
    bid_withdraw,
    bidder_key_register,
    custodian_key_register,
)
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.platform.signing import signing_key_get

# One chunk in memory per request: 8 MiB keeps 200 concurrent uploads within a few GB, and
# the bid tool sends 4 MiB.
CHUNK_UPLOAD_MAX = 8 << 20


def _actor(request: HttpRequest) -> Actor:
    """The fully signed-in actor of the request (session or API token)."""
    return actor_for(user=getattr(request, "auth", None) or request.user, request=request)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(CHINA_TZ) if value is not None else None


# --- schemas -------------------------------------------------------------------------------------


class BidPlatformKeyOut(Schema):
    key_id: str
    public: str


class BidderKeyIn(Schema):
    signing_public: str
    agreement_public: str


class BidderKeyOut(Schema):
    signing_key_id: str
    agreement_fingerprint: str
    registered_at: dt.datetime


class CustodianKeyIn(Schema):
    public: str


class CustodianKeyOut(Schema):
    holder: str
    institution: str
    fingerprint: str
    registered_at: dt.datetime


class BidOpeningKeyOut(Schema):
    section: str
    envelope: str
    suite: str
    public: str
    fingerprint: str
    threshold: int
    bidder_key_required: bool


class BidUploadIn(Schema):
    envelope: str = "single"
    size: int
    digest: str


class CustodyShareOut(Schema):
    """A custodian's own share of an opening key, sealed to its custody key (``zhengwu bid custody-open``)."""

    section: str
    envelope: str
    opening_fingerprint: str
    holder: str
    institution: str
    custodian_fingerprint: str
    blob: str  # base64


class BidUploadOut(Schema):
    id: str
    section: str
    envelope: str
    size: int
    digest: str
    received: int
    status: str
    refusal_code: str
    chunk_max: int


class BidChunkOut(Schema):
    received: int


class BidReceiptOut(Schema):
    id: str
    kind: str
    bid: str
    section: str
    body: str
    signature: str
    key_id: str
    issued_at: dt.datetime


class MyBidOut(Schema):
    id: str
    section: str
    envelope: str
    status: str
    digest: str
    size: int
    accepted_at: dt.datetime
    ended_at: dt.datetime | None
    security_status: str
    receipts: list[BidReceiptOut]


class BidFreezeOut(Schema):
    section: str
    deadline: dt.datetime
    frozen_at: dt.datetime
    leaf_count: int
    root: str
    body: str
    signature: str
    key_id: str


class BidProofOut(Schema):
    receipt: BidReceiptOut
    index: int
    tree_size: int
    path: list[str]
    root: str
    freeze: BidFreezeOut


class BidderRowOut(Schema):
    organisation_name: str
    organisation_uscc: str
    envelope: str
    accepted_at: dt.datetime
    digest: str
    size: int
    security_status: str


def _upload_out(upload: BidUpload) -> BidUploadOut:
    return BidUploadOut(
        id=str(upload.uuid),
        section=upload.section_code,
        envelope=upload.envelope,
        size=upload.declared_size,
        digest=upload.declared_digest,
        received=upload.received_size,
        status=upload.status,
        refusal_code=upload.refusal_code,
        chunk_max=CHUNK_UPLOAD_MAX,
    )


def _receipt_out(receipt: Receipt, bid: Bid | None = None) -> BidReceiptOut:
    bid = bid or receipt.bid
    return BidReceiptOut(
        id=str(receipt.uuid),
        kind=receipt.kind,
        bid=str(bid.uuid),
        section=bid.section_code,
        body=receipt.body,
        signature=receipt.signature,
        key_id=receipt.key_id,
        issued_at=_local(receipt.issued_at) or receipt.issued_at,
    )


def _freeze_out(freeze: Freeze) -> BidFreezeOut:
    return BidFreezeOut(
        section=freeze.section_code,
        deadline=_local(freeze.deadline) or freeze.deadline,
        frozen_at=_local(freeze.frozen_at) or freeze.frozen_at,
        leaf_count=freeze.leaf_count,
        root=freeze.root,
        body=freeze.body,
        signature=freeze.signature,
        key_id=freeze.key_id,
    )


def _opening_key_out(key: OpeningKey) -> BidOpeningKeyOut:
    return BidOpeningKeyOut(
        section=key.section_code,
        envelope=key.envelope,
        suite=key.suite,
        public=key.public,
        fingerprint=key.fingerprint,
        threshold=key.threshold,
        bidder_key_required=key.bidder_key_required,
    )


def _content_length(request: HttpRequest) -> int:
    raw = request.META.get("CONTENT_LENGTH") or ""
    try:
        length = int(raw)
    except ValueError:
        raise InvalidInput("请求缺少 Content-Length", code="content_length_required") from None
    if length < 0:
        raise InvalidInput("请求缺少 Content-Length", code="content_length_required")
    if length > CHUNK_UPLOAD_MAX:
        raise InvalidInput("分块过大", code="chunk_too_large", detail={"max": CHUNK_UPLOAD_MAX})
    return length


# --- the router ----------------------------------------------------------------------------------


class OpeningEntryOut(Schema):
    position: int
    bidder: str
    bidder_uscc: str
    envelope: str
    outcome: str
    failure_cause: str
    # The read-out form, from the read-out (唱标) on; None before it.
    readout: dict[str, Any] | None
    own: bool


class OpeningObjectionOut(Schema):
    id: str
    bidder: str
    text: str
    filed_at: dt.datetime
    reply: str
    replied_at: dt.datetime | None


class OpeningOut(Schema):
    section: str
    stage: str
    host: str
    started_at: dt.datetime
    decrypt_deadline: dt.datetime
    readout_at: dt.datetime | None
    objection_deadline: dt.datetime | None
    shares_released: dict[str, int]
    shares_needed: dict[str, int]
    entries: list[OpeningEntryOut]
    objections: list[OpeningObjectionOut]
    # The signed opening record (开标记录), once published.
    record: str
    record_signature: str
    record_key_id: str


class OpeningShareIn(Schema):
    envelope: str = "single"
    share: str


class OpeningBidderShareIn(Schema):
    share: str


class OpeningTextIn(Schema):
    text: str


def _opening_out(view: selectors.OpeningView) -> OpeningOut:
    o = view.opening
    return OpeningOut(
        section=o.section_code,
        stage=o.stage,
        host=o.host_username,
        started_at=_local(o.started_at) or o.started_at,
        decrypt_deadline=_local(o.decrypt_deadline) or o.decrypt_deadline,
        readout_at=_local(o.readout_at),
        objection_deadline=_local(o.objection_deadline),
        shares_released=view.shares_released,
        shares_needed=view.shares_needed,
        entries=[OpeningEntryOut(**dataclasses.asdict(e)) for e in view.entries],
        objections=[
            OpeningObjectionOut(
                id=str(x.uuid),
                bidder=x.organisation_name,
                text=x.text,
                filed_at=_local(x.filed_at) or x.filed_at,
                reply=x.reply,
                replied_at=_local(x.replied_at),
            )
            for x in view.objections
        ],
        record=o.record_body,
        record_signature=o.record_signature,
        record_key_id=o.record_key_id,
    )


def router_build(*, platform: str) -> Router | None:
    """The bidding API (trading platform only)."""
    if platform != "trading":
        return None
    router = Router(tags=["bidding"], auth=django_auth)

    @router.get("/platform-key", auth=None, response=BidPlatformKeyOut, summary="The key that signs receipts")
    def platform_key(request: HttpRequest) -> BidPlatformKeyOut:
        """The trading platform's public signing key (Ed25519, base64): receipts and freezes verify with it.

        A client that fetched it over the same connection trusts the server for it; compare it
        once with the key the centre publishes (``zhengwu --platform trading keys``).
        """
        public = signing_key_get().public
        return BidPlatformKeyOut(key_id=public.key_id, public=public.to_b64())

    @router.post("/bidder-key", response={201: BidderKeyOut}, summary="Register the bidder's public keys")
    def bidder_key(request: HttpRequest, payload: BidderKeyIn) -> Status[BidderKeyOut]:
        key = bidder_key_register(
            signing_public=payload.signing_public, agreement_public=payload.agreement_public, by=_actor(request)
        )
        return Status(
            201,
            BidderKeyOut(
                signing_key_id=key.signing_key_id,
                agreement_fingerprint=key.agreement_fingerprint,
                registered_at=_local(key.registered_at) or key.registered_at,
            ),
        )

    @router.post("/custodian-key", response={201: CustodianKeyOut}, summary="Register a custody key")
    def custodian_key(request: HttpRequest, payload: CustodianKeyIn) -> Status[CustodianKeyOut]:
        key = custodian_key_register(public=payload.public, by=_actor(request))
        return Status(
            201,
            CustodianKeyOut(
                holder=key.holder,
                institution=key.institution,
                fingerprint=key.fingerprint,
                registered_at=_local(key.registered_at) or key.registered_at,
            ),
        )

    @router.get(
        "/sections/{code}/opening-keys", auth=None, response=list[BidOpeningKeyOut], summary="A section's opening keys"
    )
    def opening_keys(request: HttpRequest, code: str) -> list[BidOpeningKeyOut]:
        section = tendering_selectors.section_get_by_code(code=code)
        return [_opening_key_out(k) for k in selectors.opening_keys_public(section=section)]

    @router.get(
        "/sections/{code}/custody-shares",
        response=list[CustodyShareOut],
        summary="My organisation's sealed shares of the section's opening keys",
    )
    def custody_shares(request: HttpRequest, code: str) -> list[CustodyShareOut]:
        """Empty for anyone who is not a custodian of this section."""
        return [
            CustodyShareOut(
                section=share.opening_key.section_code,
                envelope=share.opening_key.envelope,
                opening_fingerprint=share.opening_key.fingerprint,
                holder=share.holder,
                institution=share.institution,
                custodian_fingerprint=share.custodian_fingerprint,
                blob=base64.b64encode(bytes(share.blob)).decode("ascii"),
            )
            for share in selectors.custody_shares_own(section_code=code, by=_actor(request))
        ]

    @router.post("/sections/{code}/uploads", response={201: BidUploadOut}, summary="Start uploading a sealed bid")
    def upload_start(request: HttpRequest, code: str, payload: BidUploadIn) -> Status[BidUploadOut]:
        actor = _actor(request)
        section = tendering_selectors.section_get_by_code(code=code)
        upload = bid_upload_start(
            section=section, envelope=payload.envelope, size=payload.size, digest=payload.digest, by=actor
        )
        return Status(201, _upload_out(upload))

    @router.get("/uploads/{upload_id}", response=BidUploadOut, summary="An upload's state (to resume it)")
    def upload_state(request: HttpRequest, upload_id: str) -> BidUploadOut:
        return _upload_out(selectors.upload_own(uuid=upload_id, by=_actor(request)))

    @router.put("/uploads/{upload_id}/chunks", response=BidChunkOut, summary="Send the bytes at offset")
    def upload_chunk(request: HttpRequest, upload_id: str, offset: int) -> BidChunkOut:
        """The raw body is the file's bytes from ``offset``; a chunk sent again is harmless.

        Answers the bytes received so far. ``chunk_offset_mismatch`` (409, with ``expected``)
        means the client should resume from ``expected``.
        """
        actor = _actor(request)
        upload = selectors.upload_own(uuid=upload_id, by=actor)
        length = _content_length(request)
        if offset < 0:
            raise InvalidInput("分块位置不正确", code="chunk_offset_invalid", detail={"offset": offset})
        data = request.read(length) if length else b""
        if len(data) != length:
            raise InvalidInput("分块数据不完整", code="chunk_incomplete", detail={"expected": length, "got": len(data)})
        received = bid_upload_chunk(upload=upload, offset=offset, data=data, by=actor)
        return BidChunkOut(received=received)

    @router.post("/uploads/{upload_id}/commit", response={201: BidReceiptOut}, summary="Submit the uploaded bid")
    def upload_commit(request: HttpRequest, upload_id: str) -> Status[BidReceiptOut]:
        actor = _actor(request)
        upload = selectors.upload_own(uuid=upload_id, by=actor)
        receipt = bid_upload_commit(upload=upload, by=actor)
        return Status(201, _receipt_out(receipt))

    @router.post("/bids/{bid_id}/withdraw", response={201: BidReceiptOut}, summary="Withdraw a bid (撤回)")
    def withdraw(request: HttpRequest, bid_id: str) -> Status[BidReceiptOut]:
        actor = _actor(request)
        receipt = bid_withdraw(bid=selectors.bid_own(uuid=bid_id, by=actor), by=actor)
        return Status(201, _receipt_out(receipt))

    @router.get("/bids/mine", response=list[MyBidOut], summary="My organisation's bids and receipts")
    def bids_mine(request: HttpRequest, section: str | None = None) -> list[MyBidOut]:
        actor = _actor(request)
        scope = tendering_selectors.section_get_by_code(code=section) if section else None
        return [
            MyBidOut(
                id=str(v.bid.uuid),
                section=v.bid.section_code,
                envelope=v.bid.envelope,
                status=v.bid.status,
                digest=v.bid.digest,
                size=v.bid.size,
                accepted_at=_local(v.bid.accepted_at) or v.bid.accepted_at,
                ended_at=_local(v.bid.ended_at),
                security_status=v.bid.security_status,
                receipts=[_receipt_out(r, v.bid) for r in v.receipts],
            )
            for v in selectors.bids_mine(by=actor, section=scope)
        ]

    @router.get("/sections/{code}/freeze", auth=None, response=BidFreezeOut, summary="A section's freeze")
    def freeze(request: HttpRequest, code: str) -> BidFreezeOut:
        section = tendering_selectors.section_get_by_code(code=code)
        found = selectors.freeze_public(section=section)
        if found is None:
            raise NotFound("该标段的投标尚未封存", code="freeze_not_published")
        return _freeze_out(found)

    @router.get("/receipts/{receipt_id}/proof", response=BidProofOut, summary="My receipt's inclusion proof")
    def proof(request: HttpRequest, receipt_id: str) -> BidProofOut:
        found = selectors.receipt_inclusion_proof(uuid=receipt_id, by=_actor(request))
        return BidProofOut(
            receipt=_receipt_out(found.receipt),
            index=found.index,
            tree_size=found.tree_size,
            path=found.path,
            root=found.root,
            freeze=_freeze_out(found.freeze),
        )

    @router.get("/sections/{code}/bidders", response=list[BidderRowOut], summary="Who bid (after the deadline)")
    def bidders(request: HttpRequest, code: str) -> list[BidderRowOut]:
        actor = _actor(request)
        section = tendering_selectors.section_get_by_code(code=code)
        return [
            BidderRowOut(
                organisation_name=r.organisation_name,
                organisation_uscc=r.organisation_uscc,
                envelope=r.envelope,
                accepted_at=_local(r.accepted_at) or r.accepted_at,
                digest=r.digest,
                size=r.size,
                security_status=r.security_status,
            )
            for r in selectors.bidders_for(section=section, by=actor)
        ]

    # -- the online opening (网上开标) -----------------------------------------------------------

    def _opening_state(request: HttpRequest, code: str) -> OpeningOut:
        section = tendering_selectors.section_get_by_code(code=code)
        return _opening_out(selectors.opening_view(section=section, by=_actor(request)))

    @router.get("/sections/{code}/opening", response=OpeningOut, summary="The opening, as you may see it")
    def opening_state(request: HttpRequest, code: str) -> OpeningOut:
        """For the host, centre staff, regulators and the section's bidders (403 ``opening_denied``
        otherwise). Read-out forms appear from the read-out (唱标) on."""
        return _opening_state(request, code)

    @router.post("/sections/{code}/opening", response={201: OpeningOut}, summary="Start the opening (host)")
    def opening_begin(request: HttpRequest, code: str) -> Status[OpeningOut]:
        opening.opening_start(section=tendering_selectors.section_get_by_code(code=code), by=_actor(request))
        return Status(201, _opening_state(request, code))

    @router.post("/sections/{code}/opening/custody-share", response=OpeningOut, summary="Hand in a custody share")
    def opening_custody_share(request: HttpRequest, code: str, payload: OpeningShareIn) -> OpeningOut:
        """The words ``zhengwu bid custody-open`` printed, from the tenderer's or agency's custodian."""
        section = tendering_selectors.section_get_by_code(code=code)
        opening.custody_share_submit(
            opening=selectors.opening_get(section=section),
            envelope=payload.envelope,
            mnemonic=payload.share,
            by=_actor(request),
        )
        return _opening_state(request, code)

    @router.post(
        "/sections/{code}/opening/bidder-share", response=OpeningOut, summary="Hand in my half of my bid's key"
    )
    def opening_bidder_share(request: HttpRequest, code: str, payload: OpeningBidderShareIn) -> OpeningOut:
        """What ``zhengwu bid share`` printed on the bidder's machine, within the decryption window."""
        section = tendering_selectors.section_get_by_code(code=code)
        opening.bidder_share_submit(
            opening=selectors.opening_get(section=section), share=payload.share, by=_actor(request)
        )
        return _opening_state(request, code)

    @router.post("/sections/{code}/opening/decrypt", response=OpeningOut, summary="Decrypt the bids (host)")
    def opening_decrypt_all(request: HttpRequest, code: str) -> OpeningOut:
        section = tendering_selectors.section_get_by_code(code=code)
        opening.opening_decrypt(opening=selectors.opening_get(section=section), by=_actor(request))
        return _opening_state(request, code)

    @router.post("/sections/{code}/opening/readout", response=OpeningOut, summary="Close decryption and read out")
    def opening_read_out(request: HttpRequest, code: str) -> OpeningOut:
        section = tendering_selectors.section_get_by_code(code=code)
        opening.opening_readout(opening=selectors.opening_get(section=section), by=_actor(request))
        return _opening_state(request, code)

    @router.post("/sections/{code}/opening/objections", response=OpeningOut, summary="Raise an objection (bidder)")
    def opening_objection(request: HttpRequest, code: str, payload: OpeningTextIn) -> OpeningOut:
        section = tendering_selectors.section_get_by_code(code=code)
        opening.opening_objection_file(
            opening=selectors.opening_get(section=section), text=payload.text, by=_actor(request)
        )
        return _opening_state(request, code)

    @router.post(
        "/sections/{code}/opening/objections/{objection_id}/reply",
        response=OpeningOut,
        summary="Answer an objection on the spot (host)",
    )
    def opening_objection_answer(
        request: HttpRequest, code: str, objection_id: str, payload: OpeningTextIn
    ) -> OpeningOut:
        section = tendering_selectors.section_get_by_code(code=code)
        found = selectors.opening_objection_get(section=section, uuid=objection_id)
        opening.opening_objection_reply(objection=found, reply=payload.text, by=_actor(request))
        return _opening_state(request, code)

    @router.post("/sections/{code}/opening/record", response=OpeningOut, summary="Sign and publish the record")
    def opening_record(request: HttpRequest, code: str) -> OpeningOut:
        section = tendering_selectors.section_get_by_code(code=code)
        opening.opening_record_publish(opening=selectors.opening_get(section=section), by=_actor(request))
        return _opening_state(request, code)

    return router
