"""The online opening (网上开标): the only code that decrypts sealed bids (architecture §3.3).

The ceremony, step by step (ebidding-rules §7.3, 20号令 第二十九条至第三十二条):

1. ``opening_start`` — the host (the tenderer or its agency) starts it at the opening time, once
   the accepted bids are frozen; one entry per frozen bid; the decryption window opens.
2. ``custody_share_submit`` — the tenderer's or agency's custodian hands in its share of the
   opening key; the supervision platform's arrives through the exchange once a regulator releases
   it there (``supervision.services.held_share_release``); ``bidder_share_submit`` — where the
   tender requires the bidder's own key, each bidder hands in its half of its data key
   (``zhengwu bid`` unwraps it locally).
3. ``opening_decrypt`` — decrypts every bid that has what it needs: the stored file is checked
   against its receipt, then decrypted and verified (signature, manifest, every file's digest);
   the read-out form is kept and the files stored for evaluation. It may run several times.
4. ``opening_readout`` — closes decryption (at the end of the window, or earlier once every bid
   is decided): a bid still closed is deemed revoked or withdrawn by its cause (20号令 第三十一条);
   the read-out (唱标) is shown to all and objections may be raised on the spot.
5. ``opening_objection_file`` / ``opening_objection_reply`` — objections at the opening, answered on
   the spot (招标投标法实施条例 第四十四条第三款).
6. ``opening_record_publish`` — the opening record (开标记录), signed by the platform, published to
   the public and supervision platforms; the section moves on to evaluation.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid as uuid_lib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from zhengwu.contexts.bidding import rules
from zhengwu.contexts.bidding.custody import opening_key_recover, opening_rounds, share_check
from zhengwu.contexts.bidding.events import RECORD_TYPE, OpeningRecorded
from zhengwu.contexts.bidding.models import (
    Bid,
    BidderKey,
    CommercialExclusion,
    CustodyShare,
    Freeze,
    Opening,
    OpeningEntry,
    OpeningKey,
    OpeningObjection,
    Receipt,
)
from zhengwu.contexts.bidding.sealing import ROLE_BIDDER, ROLE_OPENING, bid_open, sealed_header_read, share_unwrap
from zhengwu.contexts.bidding.services import sealed_open_for_read
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.contexts.tendering import services as tendering_services
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.crypto import VerifyKey, suite_get
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied, ZhengwuError
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.signing import signing_key_get

TEXT_MAX = 2_000


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _policy() -> rules.OpeningPolicy:
    return getattr(settings, "ZHENGWU_OPENING_POLICY", rules.DEFAULT_POLICY)


def _section(opening: Opening) -> Any:
    return tendering_selectors.section_get(uuid=opening.section_uuid)


def _require_host(section: Any, by: Actor) -> None:
    if not tendering_selectors.can_manage(project=section.project, by=by):
        raise PermissionDenied("只有招标人或其代理机构可以主持开标", code="opening_host_required")


def _locked(opening: Opening) -> Opening:
    return Opening.objects.select_for_update().get(pk=opening.pk)


# --- 1. start ------------------------------------------------------------------------------------


def opening_start(*, section: Any, by: Actor) -> Opening:
    """Start the section's next opening round (the host): at the opening time, after the freeze.

    The first round opens the section's first envelope (the only one, or the technical one). In
    a two-envelope tender the second round — the commercial envelopes — starts once the first
    round's record is published, and opens only the commercial envelopes of bidders whose
    technical envelope was opened (the technical evaluation narrows them further when it rules).
    """
    _require_host(section, by)
    now = clock_now()
    fresh = tendering_selectors.section_get(uuid=section.uuid)
    freeze = Freeze.objects.filter(section_uuid=fresh.uuid).first()
    opening_at = fresh.opening_at or fresh.bid_deadline
    if opening_at is None:
        raise Conflict("该标段没有开标时间", code="section_not_opening", detail={"status": fresh.status})
    blocked = rules.opening_may_start(now=now, opening_at=opening_at, frozen=freeze is not None)
    if blocked == "opening_time_not_reached":
        raise Conflict("开标时间未到", code=blocked, detail={"opening_at": _iso(fresh.opening_at)})
    if blocked == "bids_not_frozen":
        raise Conflict("投标文件尚未封存公布，不能开标", code=blocked)
    assert freeze is not None
    rounds = opening_rounds(
        envelopes=list(OpeningKey.objects.filter(section_uuid=fresh.uuid).values_list("envelope", flat=True))
    )
    with transaction.atomic():
        earlier = list(Opening.objects.select_for_update().filter(section_uuid=fresh.uuid).order_by("round"))
        if earlier and earlier[-1].stage != Opening.Stage.RECORDED:
            raise Conflict("开标已开始", code="opening_started")
        if len(earlier) >= len(rounds):
            raise Conflict("本标段的投标文件已全部开启", code="opening_finished")
        if not earlier and fresh.status != "opening":
            # Fewer bids than the law's minimum: no opening (招标投标法实施条例 第四十四条第二款).
            raise Conflict("该标段不在开标阶段", code="section_not_opening", detail={"status": fresh.status})
        envelope = rounds[len(earlier)]
        receipts = [uuid_lib.UUID(r) for r in freeze.receipts]
        bids = {
            r.uuid: r.bid
            for r in Receipt.objects.select_related("bid").filter(uuid__in=receipts, bid__envelope=envelope)
        }
        if earlier:
            # Only bidders still in the competition: their earlier envelope opened.
            admitted = set(
                OpeningEntry.objects.filter(opening__in=earlier, outcome=OpeningEntry.Outcome.OPENED).values_list(
                    "bid__organisation_id", flat=True
                )
            )
            # ... and not rejected by the technical evaluation: their commercial envelopes stay sealed.
            admitted -= set(
                CommercialExclusion.objects.filter(section_code=fresh.code).values_list("organisation_id", flat=True)
            )
            bids = {k: b for k, b in bids.items() if b.organisation_id in admitted}
        opening = Opening.objects.create(
            section_uuid=fresh.uuid,
            section_code=fresh.code,
            round=len(earlier) + 1,
            envelopes=[envelope],
            host_username=by.username,
            started_at=now,
            decrypt_deadline=now + _policy().decrypt_window,
        )
        OpeningEntry.objects.bulk_create(
            OpeningEntry(opening=opening, bid=bids[receipt], position=index)
            for index, receipt in enumerate(receipts)
            if receipt in bids
        )
        audit_append(
            actor=by,
            action="bidding.opening.start",
            object_type="bidding.opening",
            object_id=fresh.code,
            after={
                "round": opening.round,
                "envelope": envelope,
                "bids": len(bids),
                "decrypt_deadline": _iso(opening.decrypt_deadline),
            },
        )
    return opening


def _decrypting(opening: Opening, now: dt.datetime) -> None:
    if opening.stage != Opening.Stage.DECRYPTING:
        raise Conflict("解密阶段已结束", code="decryption_closed", detail={"stage": opening.stage})
    if now >= opening.decrypt_deadline:
        raise Conflict(
            "解密时限已过", code="decrypt_window_passed", detail={"deadline": _iso(opening.decrypt_deadline)}
        )


# --- 2. shares -----------------------------------------------------------------------------------


def custody_share_submit(*, opening: Opening, envelope: str, mnemonic: str, by: Actor) -> CustodyShare:
    """A tenderer's or agency's custodian hands in its decrypted share of the opening key.

    Only after the freeze (the opening exists only then) and within the decryption window. The
    share is checked on its own (words, checksum, that it belongs to this key's split).
    """
    holder = f"org:{by.organisation_id}"
    if not (by.has_role(Role.TENDERER, Role.AGENCY) and by.organisation_verified and by.organisation_id):
        raise PermissionDenied("只有开标密钥保管人可以提交密钥分片", code="custodian_required")
    return _share_store(opening=opening, envelope=envelope, holder=holder, mnemonic=mnemonic, by=by)


def _opening_key(opening: Opening, envelope: str) -> OpeningKey:
    key = OpeningKey.objects.filter(section_uuid=opening.section_uuid, envelope=envelope).first()
    if key is None:
        raise InvalidInput("该标段没有此信封", code="envelope_unknown", detail={"envelope": envelope})
    return key


def _share_store(*, opening: Opening, envelope: str, holder: str, mnemonic: str, by: Actor) -> CustodyShare:
    identifier, _ = share_check(mnemonic=mnemonic)
    now = clock_now()
    with transaction.atomic():
        locked = _locked(opening)
        _decrypting(locked, now)
        opening_key = _opening_key(locked, envelope)
        if envelope not in locked.envelopes:
            # A later round's share waits for that round: no server holds it any earlier.
            raise Conflict(
                "该信封不在本轮开标中",
                code="envelope_not_in_round",
                detail={"envelope": envelope, "round": locked.round},
            )
        row = CustodyShare.objects.select_for_update().filter(opening_key=opening_key, holder=holder).first()
        if row is None:
            raise PermissionDenied("您不是该开标密钥的保管人", code="custodian_required")
        if row.released_at is not None:
            raise Conflict("该密钥分片已提交", code="share_already_released")
        others = [
            share_check(mnemonic=s.released_share)[0]
            for s in CustodyShare.objects.filter(opening_key=opening_key, released_at__isnull=False)
        ]
        if any(other != identifier for other in others):
            raise InvalidInput("该分片不属于本标段的开标密钥", code="custody_share_foreign")
        row.released_share = " ".join(mnemonic.split()).lower()
        row.released_at = now
        row.released_by_username = by.username
        row.save(update_fields=["released_share", "released_at", "released_by_username"])
        audit_append(
            actor=by,
            action="bidding.custody_share.release",
            object_type="bidding.opening",
            object_id=locked.section_code,
            after={"envelope": envelope, "holder": holder},
        )
    return row


def bidder_share_submit(*, opening: Opening, share: str, by: Actor) -> OpeningEntry:
    """A bidder hands in its half of its bid's data key (unwrapped on its own machine), within the window."""
    if not (by.has_role(Role.BIDDER) and by.organisation_id):
        raise PermissionDenied("只有投标人可以解密自己的投标文件", code="bidder_required")
    try:
        raw = base64.b64decode((share or "").strip(), validate=True)
    except ValueError:
        raise InvalidInput("解密密钥格式错误", code="bidder_share_invalid") from None
    now = clock_now()
    with transaction.atomic():
        locked = _locked(opening)
        _decrypting(locked, now)
        entry = (
            OpeningEntry.objects.select_for_update()
            .filter(opening=locked, bid__organisation_id=by.organisation_id)
            .first()
        )
        if entry is None:
            raise PermissionDenied("本次开标中没有您的投标文件", code="bid_not_found")
        if entry.outcome != OpeningEntry.Outcome.PENDING:
            raise Conflict("您的投标文件已解密", code="entry_decided")
        entry.bidder_share = base64.b64encode(raw).decode("ascii")
        entry.bidder_share_at = now
        entry.save(update_fields=["bidder_share", "bidder_share_at"])
        audit_append(
            actor=by,
            action="bidding.bidder_share.submit",
            object_type="bidding.opening_entry",
            object_id=str(entry.bid.uuid),
        )
    return entry


# --- 3. decryption ------------------------------------------------------------------------------


def _opening_private(opening_key: OpeningKey) -> bytes | None:
    released = list(
        CustodyShare.objects.filter(opening_key=opening_key, released_at__isnull=False).values_list(
            "released_share", flat=True
        )
    )
    if len(released) < opening_key.threshold:
        return None
    return opening_key_recover(mnemonics=released, public_raw=base64.b64decode(opening_key.public))


def _entry_open(entry: OpeningEntry, private: bytes) -> None:
    """Decrypt one bid and record the outcome on ``entry`` (not saved)."""
    bid = entry.bid
    with sealed_open_for_read(bid=bid) as stream:
        header = sealed_header_read(stream=stream)
        stream.seek(0)
        shares = {ROLE_OPENING: share_unwrap(header=header, role=ROLE_OPENING, private=private)}
        if header.bidder_key_required:
            if not entry.bidder_share:
                return  # still waiting for the bidder
            shares[ROLE_BIDDER] = base64.b64decode(entry.bidder_share)
        signer = _signer_key(bid)
        try:
            opened = bid_open(stream=stream, shares=shares, verify_key=signer, expected_digest=bid.digest)
        except ZhengwuError as exc:
            cause = {
                "sealed_receipt_mismatch": rules.FailureCause.STORAGE_MISMATCH,
                "sealed_digest_mismatch": rules.FailureCause.STORAGE_MISMATCH,
                "sealed_truncated": rules.FailureCause.STORAGE_MISMATCH,
                "sealed_decryption_failed": (
                    rules.FailureCause.BIDDER_SHARE_INVALID
                    if header.bidder_key_required
                    else rules.FailureCause.BID_CONTENT_INVALID
                ),
            }.get(exc.code, rules.FailureCause.BID_CONTENT_INVALID)
            _entry_fail(entry, cause=cause, evidence={"error": exc.code, "message": exc.message})
            return
    files: list[dict[str, Any]] = []
    for item in opened.manifest["files"]:
        name = f"bidding/{bid.section_uuid}/opened/{bid.uuid}/{len(files):02d}"
        stored = default_storage.save(name, ContentFile(opened.file_read(item["name"])))
        files.append({"name": item["name"], "size": item["size"], "digest": item["digest"], "storage_name": stored})
    entry.outcome = OpeningEntry.Outcome.OPENED
    entry.readout = opened.readout
    entry.files = files
    entry.decided_at = clock_now()


def _signer_key(bid: Bid) -> VerifyKey:
    key = BidderKey.objects.get(organisation_id=bid.organisation_id, signing_key_id=bid.signer_key_id)
    return VerifyKey.from_b64(key.signing_public)


def _entry_fail(entry: OpeningEntry, *, cause: str, evidence: dict[str, Any]) -> None:
    entry.outcome = rules.failure_outcome(cause=cause).value
    entry.failure_cause = cause
    entry.evidence = {**evidence, "article": rules.FAILURE_ARTICLE}
    entry.decided_at = clock_now()


def opening_decrypt(*, opening: Opening, by: Actor) -> list[OpeningEntry]:
    """Decrypt every pending bid that has what it needs (the host); returns the entries decided now.

    Needs the custodians' shares (``threshold`` of them); where the bidder's own key is required,
    bids whose bidder has not handed in its half stay pending until the window closes.
    """
    section = _section(opening)
    _require_host(section, by)
    now = clock_now()
    with transaction.atomic():
        locked = _locked(opening)
        _decrypting(locked, now)
        # Only this round's keys are rebuilt: a commercial key stays split during the technical round.
        keys = {
            k.envelope: k
            for k in OpeningKey.objects.filter(section_uuid=locked.section_uuid, envelope__in=locked.envelopes)
        }
        privates = {envelope: _opening_private(key) for envelope, key in keys.items()}
        missing = sorted(e for e, p in privates.items() if p is None)
        if missing:
            raise Conflict("开标密钥分片尚未全部释放", code="custody_incomplete", detail={"envelopes": missing})
        decided: list[OpeningEntry] = []
        pending = (
            OpeningEntry.objects.select_for_update(of=("self",))
            .select_related("bid")
            .filter(opening=locked, outcome=OpeningEntry.Outcome.PENDING)
        )
        for entry in pending:
            private = privates[entry.bid.envelope]
            assert private is not None
            _entry_open(entry, private)
            if entry.outcome != OpeningEntry.Outcome.PENDING:
                entry.save(update_fields=["outcome", "readout", "files", "failure_cause", "evidence", "decided_at"])
                decided.append(entry)
        audit_append(
            actor=by,
            action="bidding.opening.decrypt",
            object_type="bidding.opening",
            object_id=locked.section_code,
            after={"decided": [{"bid": str(e.bid.uuid), "outcome": e.outcome} for e in decided]},
        )
    return decided


# --- 4. read-out -------------------------------------------------------------------------------


def opening_readout(*, opening: Opening, by: Actor) -> Opening:
    """Close decryption and read out (唱标): at the end of the window, or once every bid is decided.

    Bids still closed are deemed revoked (the bidder did not decrypt) or withdrawn (the custodians
    did not release their shares) — 20号令 第三十一条 — with the evidence recorded.
    """
    section = _section(opening)
    _require_host(section, by)
    now = clock_now()
    with transaction.atomic():
        locked = _locked(opening)
        if locked.stage != Opening.Stage.DECRYPTING:
            raise Conflict("已唱标", code="readout_done", detail={"stage": locked.stage})
        pending = list(
            OpeningEntry.objects.select_for_update(of=("self",))
            .select_related("bid")
            .filter(opening=locked, outcome=OpeningEntry.Outcome.PENDING)
        )
        if pending and now < locked.decrypt_deadline:
            raise Conflict(
                "尚有投标文件未解密，解密时限未到", code="decryption_pending", detail={"pending": len(pending)}
            )
        keys = {k.envelope: k for k in OpeningKey.objects.filter(section_uuid=locked.section_uuid)}
        for entry in pending:
            key = keys[entry.bid.envelope]
            released = CustodyShare.objects.filter(opening_key=key, released_at__isnull=False).count()
            if released < key.threshold:
                cause = rules.FailureCause.CUSTODY_INCOMPLETE
            else:
                cause = rules.FailureCause.BIDDER_SHARE_MISSING
            _entry_fail(entry, cause=cause, evidence={"decrypt_deadline": _iso(locked.decrypt_deadline)})
            entry.save(update_fields=["outcome", "failure_cause", "evidence", "decided_at"])
        locked.stage = Opening.Stage.READING_OUT
        locked.readout_at = now
        locked.objection_deadline = now + _policy().objection_window
        locked.version += 1
        locked.save(update_fields=["stage", "readout_at", "objection_deadline", "version"])
        audit_append(
            actor=by,
            action="bidding.opening.readout",
            object_type="bidding.opening",
            object_id=locked.section_code,
            after={"closed_unopened": [str(e.bid.uuid) for e in pending]},
        )
    return locked


# --- 5. objections on the spot -------------------------------------------------------------------


def opening_objection_file(*, opening: Opening, text: str, by: Actor) -> OpeningObjection:
    """A bidder of this opening raises an objection during the read-out (招标条例 第四十四条第三款)."""
    if not (by.has_role(Role.BIDDER) and by.organisation_id):
        raise PermissionDenied("只有参加开标的投标人可以提出异议", code="bidder_required")
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise InvalidInput("请填写异议内容（不超过2000字）", code="text_invalid", detail={"field": "text"})
    now = clock_now()
    with transaction.atomic():
        locked = _locked(opening)
        if not OpeningEntry.objects.filter(opening=locked, bid__organisation_id=by.organisation_id).exists():
            raise PermissionDenied("只有参加开标的投标人可以提出异议", code="bidder_required")
        if locked.stage != Opening.Stage.READING_OUT or (
            locked.objection_deadline is not None and now >= locked.objection_deadline
        ):
            raise Conflict("不在开标异议时间内", code="opening_objection_closed")
        objection = OpeningObjection.objects.create(
            opening=locked,
            organisation_id=by.organisation_id,
            organisation_name=by.organisation_name,
            text=text,
            filed_at=now,
        )
        audit_append(
            actor=by,
            action="bidding.opening.objection",
            object_type="bidding.opening",
            object_id=locked.section_code,
            after={"objection": str(objection.uuid), "text": text},
        )
    return objection


def opening_objection_reply(*, objection: OpeningObjection, reply: str, by: Actor) -> OpeningObjection:
    """The host answers an objection on the spot; the answer goes into the opening record."""
    opening = objection.opening
    _require_host(_section(opening), by)
    reply = (reply or "").strip()
    if not reply or len(reply) > TEXT_MAX:
        raise InvalidInput("请填写答复（不超过2000字）", code="text_invalid", detail={"field": "reply"})
    now = clock_now()
    with transaction.atomic():
        locked_opening = _locked(opening)
        if locked_opening.stage != Opening.Stage.READING_OUT:
            raise Conflict("开标记录已发布", code="opening_recorded")
        locked = OpeningObjection.objects.select_for_update().get(pk=objection.pk)
        if locked.replied_at is not None:
            raise Conflict("该异议已答复", code="objection_already_replied")
        locked.reply, locked.replied_at, locked.replied_by_username = reply, now, by.username
        locked.save(update_fields=["reply", "replied_at", "replied_by_username"])
        audit_append(
            actor=by,
            action="bidding.opening.objection_reply",
            object_type="bidding.opening",
            object_id=locked_opening.section_code,
            after={"objection": str(locked.uuid), "reply": reply},
        )
    return locked


# --- 6. the record -------------------------------------------------------------------------------


def opening_record_build(*, opening: Opening) -> dict[str, Any]:
    """The opening record's content (开标记录): what was opened, read out, refused and objected."""
    freeze = Freeze.objects.get(section_uuid=opening.section_uuid)
    entries = OpeningEntry.objects.filter(opening=opening).select_related("bid").order_by("position")
    return {
        "type": RECORD_TYPE,
        "section": opening.section_code,
        "round": opening.round,
        "envelopes": list(opening.envelopes),
        "started_at": _iso(opening.started_at),
        "readout_at": _iso(opening.readout_at),
        "host": opening.host_username,
        "freeze_root": freeze.root,
        "bids": [
            {
                "position": e.position,
                "bidder": e.bid.organisation_name,
                "bidder_uscc": e.bid.organisation_uscc,
                "envelope": e.bid.envelope,
                "digest": e.bid.digest,
                "outcome": e.outcome,
                "failure_cause": e.failure_cause or None,
                "readout": e.readout,
            }
            for e in entries
        ],
        "objections": [
            {"bidder": o.organisation_name, "text": o.text, "reply": o.reply, "filed_at": _iso(o.filed_at)}
            for o in opening.objections.all()
        ],
    }


def opening_record_publish(*, opening: Opening, by: Actor) -> Opening:
    """Sign and publish the opening record once the objection time is over and every objection answered.

    The record goes to the public and supervision platforms; the section moves to evaluation.
    """
    section = _section(opening)
    _require_host(section, by)
    now = clock_now()
    with transaction.atomic():
        locked = _locked(opening)
        if locked.stage != Opening.Stage.READING_OUT:
            raise Conflict("不在唱标阶段", code="opening_not_reading_out", detail={"stage": locked.stage})
        if locked.objection_deadline is not None and now < locked.objection_deadline:
            raise Conflict("开标异议时间未结束", code="opening_objection_open")
        if locked.objections.filter(replied_at__isnull=True).exists():
            raise Conflict("尚有开标异议未答复", code="opening_objection_unanswered")
        locked.recorded_at = now
        record = {**opening_record_build(opening=locked), "recorded_at": _iso(now)}
        body = canonical_dumps(record)
        key = signing_key_get()
        locked.record_body = body.decode("utf-8")
        locked.record_signature = base64.b64encode(key.sign(body)).decode("ascii")
        locked.record_key_id = key.public.key_id
        locked.stage = Opening.Stage.RECORDED
        locked.version += 1
        locked.save()
        outbox_publish(
            event=OpeningRecorded(
                section_code=locked.section_code,
                project_code=section.project.code,
                record=locked.record_body,
                signature=locked.record_signature,
                key_id=locked.record_key_id,
            )
        )
        audit_append(
            actor=by,
            action="bidding.opening.record",
            object_type="bidding.opening",
            object_id=locked.section_code,
            after={"record_sha256": suite_get("intl").hexdigest(body), "bids": len(record["bids"])},
        )
        if locked.round == 1:
            tendering_services.section_transition(
                section=section, target="evaluating", reason="opening_recorded", by=Actor.system("bidding")
            )
    return locked
