"""Writes of the bidding context: keys, the opening-key ceremony, sealed-bid submission, the freeze.

Every service takes keyword arguments and ``by: Actor``, checks permission first, then changes
the data in one transaction and appends one audit entry as its last write. A refused call
changes nothing. The bid deadline is checked against the server clock on every call: after it,
nothing can be submitted, replaced or withdrawn, whatever the client sends.

Audit entries of bidders' acts name the bid and the section, never the bidder in a field others
can browse before the deadline; the audit log is read only by auditors.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import uuid as uuid_lib
from typing import IO, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from zhengwu.contexts.bidding.custody import Custodian, opening_key_create
from zhengwu.contexts.bidding.events import FREEZE_TYPE, BidsFrozen, CustodyShareIssued
from zhengwu.contexts.bidding.models import (
    Bid,
    BidderKey,
    BidUpload,
    CommercialExclusion,
    CustodianKey,
    CustodyShare,
    Freeze,
    Opening,
    OpeningKey,
    Receipt,
)
from zhengwu.contexts.bidding.sealing import digest_scheme, sealed_verify
from zhengwu.contexts.identity import selectors as identity_selectors
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.contexts.tendering import services as tendering_services
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.crypto import VerifyKey, key_fingerprint, suite_get
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ZhengwuError
from zhengwu.platform.audit.merkle import merkle_root
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.signing import agreement_key_get, signing_key_get

logger = logging.getLogger(__name__)

SUPERVISION_HOLDER = "platform:supervision"
# The upload limit of one sealed file; the tender documents may set a lower one.
SEALED_SIZE_MAX = 2 << 30
CHUNK_MAX = 32 << 20


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _public_key_checked(text: str, *, field: str, kind: str) -> bytes:
    try:
        raw = base64.b64decode((text or "").strip(), validate=True)
        if kind == "ed25519":
            Ed25519PublicKey.from_public_bytes(raw)
        else:
            X25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidInput(
            "公钥格式错误（应为32字节的 base64）", code="public_key_invalid", detail={"field": field}
        ) from None
    return raw


def _require_bidder(by: Actor, *, what: str) -> int:
    """The bidder's organisation id; PermissionDenied for anyone who is not a verified bidder."""
    if not (by.has_role(Role.BIDDER) and by.organisation_verified and by.organisation_id is not None):
        raise PermissionDenied(f"只有已核验的投标人可以{what}", code="bidder_required")
    return by.organisation_id


# --- keys ----------------------------------------------------------------------------------------


def bidder_key_register(*, signing_public: str, agreement_public: str, by: Actor) -> BidderKey:
    """Register the public halves of a bidder's keys (from ``zhengwu bid keygen``); the old key is revoked.

    Bids are then accepted only when signed with this key; bids signed earlier stay verifiable.
    """
    organisation_id = _require_bidder(by, what="登记投标密钥")
    signing_raw = _public_key_checked(signing_public, field="signing_public", kind="ed25519")
    agreement_raw = _public_key_checked(agreement_public, field="agreement_public", kind="x25519")
    now = clock_now()
    signing_b64 = base64.b64encode(signing_raw).decode("ascii")
    with transaction.atomic():
        previous = list(
            BidderKey.objects.select_for_update().filter(organisation_id=organisation_id, revoked_at__isnull=True)
        )
        for old in previous:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        key = BidderKey.objects.create(
            organisation_id=organisation_id,
            organisation_name=by.organisation_name,
            organisation_uscc=_uscc_of(organisation_id),
            signing_public=signing_b64,
            signing_key_id=VerifyKey.from_b64(signing_b64).key_id,
            agreement_public=base64.b64encode(agreement_raw).decode("ascii"),
            agreement_fingerprint=key_fingerprint(agreement_raw),
            registered_at=now,
            registered_by_username=by.username,
        )
        audit_append(
            actor=by,
            action="bidding.bidder_key.register",
            object_type="bidding.bidder_key",
            object_id=str(key.uuid),
            before={"revoked": [o.signing_key_id for o in previous]},
            after={"signing_key_id": key.signing_key_id, "agreement_fingerprint": key.agreement_fingerprint},
        )
    return key


def _uscc_of(organisation_id: int) -> str:
    return str(identity_selectors.organisation_get_by_id(organisation_id=organisation_id).uscc)


def custodian_key_register(*, public: str, by: Actor) -> CustodianKey:
    """Register the custody key of a tenderer's or agency's organisation (its officer keeps the private half).

    Its share of every opening key of the organisation's tenders is sealed to this key.
    """
    if not (by.has_role(Role.TENDERER, Role.AGENCY) and by.organisation_verified and by.organisation_id is not None):
        raise PermissionDenied("只有已核验的招标人或代理机构可以登记开标密钥保管公钥", code="custodian_required")
    raw = _public_key_checked(public, field="public", kind="x25519")
    institution = "agency" if by.has_role(Role.AGENCY) else "tenderer"
    return _custodian_key_store(
        holder=f"org:{by.organisation_id}", institution=institution, name=by.organisation_name, raw=raw, by=by
    )


def platform_custodian_key_register(*, public: str, by: Actor) -> CustodianKey:
    """Register the supervision platform's custody key (an operator, from the supervision deployable's keys)."""
    if not (by.is_system or by.has_role(Role.CENTRE_STAFF)):
        raise PermissionDenied("只有平台运维可以登记监督平台保管公钥", code="custodian_required")
    raw = _public_key_checked(public, field="public", kind="x25519")
    return _custodian_key_store(
        holder=SUPERVISION_HOLDER, institution="supervision", name="行政监督平台", raw=raw, by=by
    )


def _custodian_key_store(*, holder: str, institution: str, name: str, raw: bytes, by: Actor) -> CustodianKey:
    now = clock_now()
    with transaction.atomic():
        previous = list(CustodianKey.objects.select_for_update().filter(holder=holder, revoked_at__isnull=True))
        for old in previous:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        key = CustodianKey.objects.create(
            holder=holder,
            institution=institution,
            name=name,
            public=base64.b64encode(raw).decode("ascii"),
            fingerprint=key_fingerprint(raw),
            registered_at=now,
            registered_by_username=by.username,
        )
        audit_append(
            actor=by,
            action="bidding.custodian_key.register",
            object_type="bidding.custodian_key",
            object_id=holder,
            before={"revoked": [o.fingerprint for o in previous]},
            after={"fingerprint": key.fingerprint, "institution": institution},
        )
    return key


# --- the opening-key ceremony --------------------------------------------------------------------


def opening_keys_create(
    *, section: Any, envelopes: tuple[str, ...] = ("single",), bidder_key_required: bool = False, by: Actor
) -> list[OpeningKey]:
    """Create the opening keys of a section (one per envelope), split 2-of-2 between supervision and the tenderer side.

    Called inside the transaction that publishes the section's notice, so the notice can carry
    the keys' fingerprints. The tenderer side is the agency when there is one, else the
    tenderer; both custodians must have registered a custody key (``custodian_key_missing``
    otherwise). Each share is sealed to its custodian's key; the private key is not kept.
    """
    project = section.project
    holders = [SUPERVISION_HOLDER, f"org:{project.agency_org_id or project.owner_org_id}"]
    keys = {k.holder: k for k in CustodianKey.objects.filter(holder__in=holders, revoked_at__isnull=True)}
    missing = [h for h in holders if h not in keys]
    if missing:
        raise Conflict(
            "开标密钥保管人尚未登记保管公钥，不能发布",
            code="custodian_key_missing",
            detail={"holders": missing},
        )
    custodians = [
        Custodian(custodian_id=h, institution=keys[h].institution, public_raw=base64.b64decode(keys[h].public))
        for h in holders
    ]
    now = clock_now()
    created: list[OpeningKey] = []
    for envelope in envelopes:
        ceremony = opening_key_create(
            section=section.code, envelope=envelope, custodians=custodians, threshold=len(custodians)
        )
        opening = OpeningKey.objects.create(
            section_uuid=section.uuid,
            section_code=section.code,
            envelope=envelope,
            public=base64.b64encode(ceremony.public_raw).decode("ascii"),
            fingerprint=ceremony.fingerprint,
            threshold=ceremony.threshold,
            bidder_key_required=bidder_key_required,
            created_at=now,
            created_by_username=by.username,
        )
        CustodyShare.objects.bulk_create(
            CustodyShare(
                opening_key=opening,
                holder=share.custodian_id,
                institution=share.institution,
                custodian_fingerprint=share.custodian_fingerprint,
                blob=share.blob,
            )
            for share in ceremony.shares
        )
        # The supervision platform keeps its own share: it travels there sealed to its key.
        for share in ceremony.shares:
            if share.custodian_id == SUPERVISION_HOLDER:
                outbox_publish(
                    event=CustodyShareIssued(
                        section_code=section.code,
                        envelope=envelope,
                        opening_fingerprint=ceremony.fingerprint,
                        custodian_fingerprint=share.custodian_fingerprint,
                        blob=base64.b64encode(share.blob).decode("ascii"),
                    )
                )
        created.append(opening)
    audit_append(
        actor=by,
        action="bidding.opening_key.ceremony",
        object_type="bidding.section",
        object_id=section.code,
        after={
            "keys": [{"envelope": k.envelope, "fingerprint": k.fingerprint, "threshold": k.threshold} for k in created],
            "custodians": [{"holder": c.custodian_id, "institution": c.institution} for c in custodians],
        },
    )
    return created


# --- submission ----------------------------------------------------------------------------------


def _section_open_for_bids(section_uuid: Any, now: dt.datetime) -> Any:
    section = tendering_selectors.section_get(uuid=section_uuid)
    _window_check(section, now)
    return section


def _window_check(section: Any, now: dt.datetime) -> None:
    """Refuse unless ``section`` (a Section or its BiddingWindow) takes bids at ``now``."""
    if section.bid_deadline is None or now >= section.bid_deadline:
        raise Conflict(
            "投标截止时间已过，不能递交、替换或撤回投标文件",
            code="bid_deadline_passed",
            detail={"section": section.code},
        )
    if section.status != "accepting_bids":
        raise Conflict("该标段不在接受投标阶段", code="section_not_accepting_bids", detail={"status": section.status})
    if section.suspended_at is not None:
        raise Conflict("该标段因异议暂停招标投标活动，请待答复后再递交", code="section_suspended")


def bid_upload_start(*, section: Any, envelope: str, size: int, digest: str, by: Actor) -> BidUpload:
    """Begin a resumable upload of a sealed file of ``size`` bytes whose commitment digest is ``digest``."""
    organisation_id = _require_bidder(by, what="递交投标文件")
    now = clock_now()
    _section_open_for_bids(section.uuid, now)
    if not OpeningKey.objects.filter(section_uuid=section.uuid, envelope=envelope).exists():
        raise InvalidInput("该标段没有此信封", code="envelope_unknown", detail={"envelope": envelope})
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= SEALED_SIZE_MAX:
        raise InvalidInput("投标文件大小不正确", code="bid_size_invalid", detail={"size": str(size)})
    digest = (digest or "").strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput("摘要格式不正确", code="bid_digest_invalid", detail={"field": "digest"})
    with transaction.atomic():
        upload = BidUpload(
            section_uuid=section.uuid,
            section_code=section.code,
            envelope=envelope,
            organisation_id=organisation_id,
            user_id=by.user_id,
            username=by.username,
            declared_size=size,
            declared_digest=digest,
            started_at=now,
            updated_at=now,
        )
        upload.storage_name = f"bidding/{section.uuid}/{upload.uuid}.sealed"
        upload.save()
        audit_append(
            actor=by,
            action="bidding.upload.start",
            object_type="bidding.upload",
            object_id=str(upload.uuid),
            after={"size": size, "digest": digest},
        )
    return upload


def _section_mutex(section_uuid: Any) -> None:
    """Serialise the acts that change a section's set of bids, and its freeze, on its opening-key rows.

    Acceptance, replacement and withdrawal hold the lock while they check the deadline and write;
    the freeze takes it before it reads the receipts. So a receipt issued a moment before the
    deadline is always in the freeze, and nothing is accepted after it — and two commits of the
    same bidder never both find "no earlier bid".
    """
    list(OpeningKey.objects.select_for_update().filter(section_uuid=section_uuid).order_by("id").values_list("id"))


def _own_upload(upload: BidUpload, by: Actor) -> int:
    organisation_id = _require_bidder(by, what="递交投标文件")
    if upload.organisation_id != organisation_id:
        # Someone else's upload does not exist, as far as this caller can tell.
        raise NotFound("上传不存在", code="upload_not_found")
    return organisation_id


def bid_upload_chunk(*, upload: BidUpload, offset: int, data: bytes, by: Actor) -> int:
    """Append ``data`` at ``offset``; returns the bytes received so far (a retried chunk is harmless)."""
    _own_upload(upload, by)
    if len(data) > CHUNK_MAX:
        raise InvalidInput("分块过大", code="chunk_too_large", detail={"max": CHUNK_MAX})
    now = clock_now()
    with transaction.atomic():
        locked = BidUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != BidUpload.Status.OPEN:
            raise Conflict("该上传已结束", code="upload_closed", detail={"status": locked.status})
        # Every chunk, under the upload's lock: one narrow row (this runs 5 times per 20 MB bid).
        _window_check(tendering_selectors.section_bidding_window(uuid=locked.section_uuid), now)
        if offset + len(data) <= locked.received_size:
            return locked.received_size  # a retry of a chunk already stored
        if offset != locked.received_size:
            raise Conflict("分块位置不连续", code="chunk_offset_mismatch", detail={"expected": locked.received_size})
        if locked.received_size + len(data) > locked.declared_size:
            raise InvalidInput("数据超出声明的文件大小", code="upload_overflow")
        path = default_storage.path(locked.storage_name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "ab") as handle:
            handle.truncate(locked.received_size)  # drop the tail of an earlier write that did not commit
            handle.write(data)
        locked.received_size += len(data)
        locked.updated_at = now
        locked.save(update_fields=["received_size", "updated_at"])
    return locked.received_size


def bid_upload_commit(*, upload: BidUpload, by: Actor) -> Receipt:
    """Accept a complete upload as the bidder's bid: verify it, replace an earlier bid, sign a receipt.

    The file must be complete, well formed, sealed for this section and envelope by this bidder
    to the section's published opening key, its digest must equal the one declared, and its
    signature must verify with the bidder's registered key. Only then is the bid accepted; an
    earlier accepted bid of the same bidder is marked replaced. The receipt (digest and how it is
    computed, size, server time), signed by the platform, is the legal proof of submission; its
    time is taken in the transaction that checks the deadline. A refused file leaves the upload
    ``refused``.
    """
    organisation_id = _own_upload(upload, by)
    current = BidUpload.objects.get(pk=upload.pk)
    if current.status != BidUpload.Status.OPEN:
        raise Conflict("该上传已结束", code="upload_closed", detail={"status": current.status})
    section = _section_open_for_bids(current.section_uuid, clock_now())
    if current.received_size != current.declared_size:
        raise Conflict(
            "投标文件尚未上传完整",
            code="upload_incomplete",
            detail={"received": current.received_size, "declared": current.declared_size},
        )
    key = BidderKey.objects.filter(organisation_id=organisation_id, revoked_at__isnull=True).first()
    if key is None:
        raise Conflict("请先登记投标密钥", code="bidder_key_missing")
    # Verified outside the transaction (no lock held while a large file is hashed): a complete
    # upload accepts no more bytes, so what is verified is what is accepted.
    info = _verified(current, key, section)
    with transaction.atomic():
        _section_mutex(current.section_uuid)
        # The receipt's time is taken once the section is ours: after any freeze that got there first.
        now = clock_now()
        locked = BidUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != BidUpload.Status.OPEN:
            raise Conflict("该上传已结束", code="upload_closed", detail={"status": locked.status})
        _section_open_for_bids(locked.section_uuid, now)
        previous = list(
            Bid.objects.select_for_update().filter(
                section_uuid=locked.section_uuid,
                envelope=locked.envelope,
                organisation_id=organisation_id,
                status=Bid.Status.ACCEPTED,
            )
        )
        for old in previous:
            old.status = Bid.Status.REPLACED
            old.ended_at = now
            old.save(update_fields=["status", "ended_at"])
        bid = Bid.objects.create(
            section_uuid=locked.section_uuid,
            section_code=locked.section_code,
            envelope=locked.envelope,
            organisation_id=organisation_id,
            organisation_name=by.organisation_name,
            organisation_uscc=key.organisation_uscc,
            digest=info.commitment.digest,
            size=info.total_size,
            header_digest=suite_get(info.header.suite).hexdigest(info.header.raw),
            commitment=info.commitment.as_dict(),
            signature=base64.b64encode(info.signature).decode("ascii"),
            signer_key_id=key.signing_key_id,
            storage_name=locked.storage_name,
            accepted_at=now,
        )
        locked.status = BidUpload.Status.COMMITTED
        locked.updated_at = now
        locked.save(update_fields=["status", "updated_at"])
        receipt = _receipt_issue(bid=bid, kind=Receipt.Kind.ACCEPTED, now=now, replaces=previous)
        audit_append(
            actor=by,
            action="bidding.bid.accept",
            object_type="bidding.bid",
            object_id=str(bid.uuid),
            before={"replaced": [str(b.uuid) for b in previous]},
            after={"receipt": str(receipt.uuid), "digest": bid.digest, "size": bid.size},
        )
    return receipt


def _verified(upload: BidUpload, key: BidderKey, section: Any) -> Any:
    try:
        with default_storage.open(upload.storage_name, "rb") as stream:
            info = sealed_verify(stream=stream, verify_key=VerifyKey.from_b64(key.signing_public))
    except InvalidInput as exc:
        _upload_refuse(upload, exc.code)
        raise
    mismatch = {
        "section": (info.header.section, section.code),
        "envelope": (info.header.envelope, upload.envelope),
        "bidder": (info.header.bidder, key.organisation_uscc),
    }
    wrong = sorted(name for name, (got, want) in mismatch.items() if got != want)
    if wrong:
        _upload_refuse(upload, "bid_wrong_tender")
        raise InvalidInput(
            "投标文件不是为本标段（或本投标人）封装的", code="bid_wrong_tender", detail={"fields": wrong}
        )
    if info.commitment.digest != upload.declared_digest:
        _upload_refuse(upload, "bid_digest_mismatch")
        raise InvalidInput("上传内容的摘要与声明不符", code="bid_digest_mismatch")
    opening = OpeningKey.objects.get(section_uuid=upload.section_uuid, envelope=upload.envelope)
    wrap = next((w for w in info.header.wraps if w.role == "opening"), None)
    if wrap is None or wrap.fingerprint != opening.fingerprint:
        _upload_refuse(upload, "bid_opening_key_mismatch")
        raise InvalidInput("投标文件未使用本标段公布的开标公钥加密", code="bid_opening_key_mismatch")
    if opening.bidder_key_required and not info.header.bidder_key_required:
        _upload_refuse(upload, "bid_own_key_required")
        raise InvalidInput("本项目要求投标人以自己的密钥共同加密", code="bid_own_key_required")
    return info


def _upload_refuse(upload: BidUpload, code: str) -> None:
    # A refused file can never become a bid: the bidder starts a new upload.
    BidUpload.objects.filter(pk=upload.pk, status=BidUpload.Status.OPEN).update(
        status=BidUpload.Status.REFUSED, refusal_code=code, updated_at=clock_now()
    )


def _receipt_issue(*, bid: Bid, kind: str, now: dt.datetime, replaces: list[Bid] | None = None) -> Receipt:
    key = signing_key_get()
    body = canonical_dumps(
        {
            "type": f"zhengwu.bid.receipt.{kind}",
            "bid": str(bid.uuid),
            "section": bid.section_code,
            "envelope": bid.envelope,
            "bidder": bid.organisation_uscc,
            "digest": bid.digest,
            # The digest is the sealed format's chunk root, not a plain hash of the file (sealing module).
            "digest_scheme": digest_scheme(str(bid.commitment["suite"])),
            "size": bid.size,
            "server_time": _iso(now),
            "replaces": [str(b.uuid) for b in replaces or []],
        }
    )
    return Receipt.objects.create(
        bid=bid,
        kind=kind,
        section_uuid=bid.section_uuid,
        body=body.decode("utf-8"),
        signature=base64.b64encode(key.sign(body)).decode("ascii"),
        key_id=key.public.key_id,
        issued_at=now,
    )


def bid_withdraw(*, bid: Bid, by: Actor) -> Receipt:
    """Withdraw an accepted bid before the deadline (撤回); the platform signs a withdrawal receipt."""
    if bid.organisation_id != _require_bidder(by, what="撤回投标文件"):
        raise NotFound("投标文件不存在", code="bid_not_found")
    with transaction.atomic():
        _section_mutex(bid.section_uuid)
        now = clock_now()
        locked = Bid.objects.select_for_update().get(pk=bid.pk)
        _section_open_for_bids(locked.section_uuid, now)
        if locked.status != Bid.Status.ACCEPTED:
            raise Conflict("该投标文件已被替换或撤回", code="bid_not_active", detail={"status": locked.status})
        locked.status = Bid.Status.WITHDRAWN
        locked.ended_at = now
        locked.save(update_fields=["status", "ended_at"])
        receipt = _receipt_issue(bid=locked, kind=Receipt.Kind.WITHDRAWN, now=now)
        audit_append(
            actor=by,
            action="bidding.bid.withdraw",
            object_type="bidding.bid",
            object_id=str(locked.uuid),
            before={"status": Bid.Status.ACCEPTED},
            after={"status": locked.status, "receipt": str(receipt.uuid)},
        )
    return receipt


def bid_security_record(*, bid: Bid, status: str, by: Actor) -> Bid:
    """Record the bid security (投标保证金) state of a bid, from the bank's or guarantor's confirmation.

    Only after the bid deadline (``bid_deadline_not_reached`` before it): staff would have to
    look bids up to record their security, and a bid a member of staff can find before the
    deadline tells them who bid (招标投标法 第二十二条). The bank's record of the payment exists
    from the day it is made (招标投标法实施条例 第二十六条: paid before the deadline, from the
    bidder's basic account), so nothing is lost by entering it here at the opening.
    """
    if not by.has_role(Role.CENTRE_STAFF):
        raise PermissionDenied("只有交易中心工作人员可以登记投标保证金", code="staff_required")
    if status not in Bid.Security.values:
        raise InvalidInput("未知的保证金状态", code="security_status_invalid", detail={"status": status})
    now = clock_now()
    section = tendering_selectors.section_get(uuid=bid.section_uuid)
    if section.bid_deadline is None or now < section.bid_deadline:
        raise Conflict(
            "投标截止时间前不能登记投标保证金（否则会泄露投标人名单）",
            code="bid_deadline_not_reached",
            detail={"section": section.code},
        )
    with transaction.atomic():
        locked = Bid.objects.select_for_update().get(pk=bid.pk)
        before = locked.security_status
        locked.security_status = status
        locked.security_recorded_at = now
        locked.security_recorded_by_username = by.username
        locked.save(update_fields=["security_status", "security_recorded_at", "security_recorded_by_username"])
        audit_append(
            actor=by,
            action="bidding.bid.security",
            object_type="bidding.bid",
            object_id=str(locked.uuid),
            before={"security_status": before},
            after={"security_status": status},
        )
    return locked


# --- the freeze at the deadline ----------------------------------------------------------------


def bids_freeze(*, section: Any, by: Actor) -> Freeze:
    """Freeze the accepted bids of a section once its deadline has passed: a signed Merkle root.

    The leaves are the receipts of the bids accepted at the deadline, in the order they were
    issued. Idempotent: a second call returns the same freeze. Then tells the tendering context
    how many bids came in (fewer than the minimum: the section fails, 招标投标法 第二十八条).
    """
    if not (by.is_system or by.has_role(Role.CENTRE_STAFF)):
        raise PermissionDenied("只有系统或交易中心工作人员可以封存投标", code="staff_required")
    now = clock_now()
    fresh = tendering_selectors.section_get(uuid=section.uuid)
    if fresh.bid_deadline is None or now < fresh.bid_deadline:
        raise Conflict("投标截止时间未到，不能封存", code="bid_deadline_not_reached", detail={"section": fresh.code})
    with transaction.atomic():
        # Waits for any acceptance or withdrawal still in flight, which then sees the deadline passed.
        _section_mutex(fresh.uuid)
        existing = Freeze.objects.select_for_update().filter(section_uuid=fresh.uuid).first()
        if existing is not None:
            return existing
        receipts = list(
            Receipt.objects.select_related("bid")
            .filter(
                section_uuid=fresh.uuid,
                kind=Receipt.Kind.ACCEPTED,
                bid__status=Bid.Status.ACCEPTED,
                issued_at__lt=fresh.bid_deadline,
            )
            .order_by("issued_at", "id")
        )
        suite = suite_get("intl")
        root = merkle_root([r.body.encode("utf-8") for r in receipts], suite=suite).hex()
        bidders = {r.bid.organisation_id for r in receipts}
        body = canonical_dumps(
            {
                "type": FREEZE_TYPE,
                "section": fresh.code,
                "deadline": _iso(fresh.bid_deadline),
                "frozen_at": _iso(now),
                "leaf_count": len(receipts),
                "root": root,
            }
        )
        key = signing_key_get()
        freeze = Freeze.objects.create(
            section_uuid=fresh.uuid,
            section_code=fresh.code,
            frozen_at=now,
            deadline=fresh.bid_deadline,
            leaf_count=len(receipts),
            root=root,
            receipts=[str(r.uuid) for r in receipts],
            body=body.decode("utf-8"),
            signature=base64.b64encode(key.sign(body)).decode("ascii"),
            key_id=key.public.key_id,
        )
        outbox_publish(
            event=BidsFrozen(
                section_code=fresh.code,
                deadline=_iso(fresh.bid_deadline),
                frozen_at=_iso(now),
                leaf_count=len(receipts),
                root=root,
                body=freeze.body,
                signature=freeze.signature,
                key_id=freeze.key_id,
            )
        )
        audit_append(
            actor=by,
            action="bidding.bids.freeze",
            object_type="bidding.section",
            object_id=fresh.code,
            after={"root": root, "leaf_count": len(receipts), "bidders": len(bidders)},
        )
    tendering_services.section_close_bidding(section=fresh, bid_count=len(bidders), by=Actor.system("bidding"))
    return freeze


def sealed_open_for_read(*, bid: Bid) -> IO[bytes]:
    """The stored ciphertext of a bid (for the opening code only)."""
    return default_storage.open(bid.storage_name, "rb")


def freezes_due_run() -> list[Freeze]:
    """Freeze every section whose bid deadline has passed and whose bids are not frozen yet.

    Run by the worker every minute (``tasks.bidding_freeze``), so the freeze — and with it the
    end of bidding — never waits for a person. Idempotent: ``bids_freeze`` returns an existing
    freeze. A section that cannot be frozen is logged and tried again next time.
    """
    now = clock_now()
    frozen = set(Freeze.objects.values_list("section_uuid", flat=True))
    waiting = set(OpeningKey.objects.values_list("section_uuid", flat=True)) - frozen
    made: list[Freeze] = []
    for section_uuid in sorted(waiting, key=str):
        section = tendering_selectors.section_get(uuid=section_uuid)
        if section.bid_deadline is None or now < section.bid_deadline:
            continue
        if section.status not in ("accepting_bids", "opening") or section.suspended_at is not None:
            continue
        try:
            made.append(bids_freeze(section=section, by=Actor.system("bidding")))
        except ZhengwuError:
            logger.exception("freezing the bids of %s failed; retried at the next run", section.code)
    return made


def supervision_custody_key_sync(*, by: Actor) -> CustodianKey | None:
    """Make sure the supervision platform's custody key is registered with trading; return it.

    On a deployable that is also the supervision platform (the standalone one) it is this
    deployable's own custody key; otherwise the operator configures the supervision deployable's
    public key (``ZHENGWU_SUPERVISION_CUSTODY_KEY``, printed there by ``zhengwu keys``); a key
    registered earlier stays when nothing is configured. Returns None when there is none: then
    no notice can be published until there is.
    """
    if "supervision" in settings.ZHENGWU_PLATFORMS:
        public = base64.b64encode(agreement_key_get().public_raw).decode("ascii")
    else:
        public = settings.ZHENGWU_SUPERVISION_CUSTODY_KEY
    current = CustodianKey.objects.filter(holder=SUPERVISION_HOLDER, revoked_at__isnull=True).first()
    if not public or (current is not None and current.public == public):
        return current
    return platform_custodian_key_register(public=public, by=by)


# --- the technical evaluation's verdict on a two-envelope tender ---------------------------------


def commercial_exclusions_record(*, section_code: str, bid_ids: list[str], reason: str, by: Actor) -> int:
    """Keep the commercial envelopes of technically rejected bids sealed (the system: evaluation calls it).

    ``bid_ids`` are the technical envelopes' bids the committee rejected. Refused once the
    commercial round has started (``commercial_round_started``): an envelope that was opened
    cannot be unopened. Recording the same exclusions again changes nothing. Returns how many
    bidders are excluded in all.
    """
    if not by.is_system:
        raise PermissionDenied("只能由评标系统登记技术评审结果", code="system_required")
    now = clock_now()
    with transaction.atomic():
        openings = list(Opening.objects.select_for_update().filter(section_code=section_code).order_by("round"))
        if len(openings) > 1:
            raise Conflict("商务标已开始开启", code="commercial_round_started", detail={"section": section_code})
        keys = [uuid_lib.UUID(str(b)) for b in bid_ids]
        bids = list(Bid.objects.filter(uuid__in=keys, section_code=section_code))
        if len(bids) != len(set(keys)):
            raise InvalidInput("投标文件不存在", code="bid_unknown", detail={"section": section_code})
        for bid in bids:
            CommercialExclusion.objects.get_or_create(
                section_code=section_code,
                organisation_id=bid.organisation_id,
                defaults={"bid": bid, "reason": reason, "recorded_at": now},
            )
        total = CommercialExclusion.objects.filter(section_code=section_code).count()
        audit_append(
            actor=by,
            action="bidding.commercial.exclude",
            object_type="bidding.opening",
            object_id=section_code,
            after={"bids": sorted(str(b.uuid) for b in bids), "reason": reason, "total": total},
        )
    return total
