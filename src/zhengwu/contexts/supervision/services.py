"""Writes of the supervision platform: releasing its share of an opening key.

The supervision platform is one of the custodians of every opening key (architecture §5): its
share arrives sealed to this deployable's custody key (``platform.signing.agreement_key_get``)
and stays sealed until a regulator releases it — only after the section's bids are frozen and
the freeze is published, so the key can never be rebuilt while bids may still change.
"""

from __future__ import annotations

import base64

from django.db import transaction

from zhengwu.contexts.bidding.custody import Custodian, CustodyShare, opening_rounds, share_release
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.supervision.events import CustodyShareReleased
from zhengwu.contexts.supervision.models import FrozenBids, HeldShare, OpeningRecord
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.crypto import key_fingerprint
from zhengwu.kernel.errors import Conflict, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.signing import agreement_key_get

SUPERVISION_HOLDER = "platform:supervision"


def held_share_release(*, held: HeldShare, by: Actor) -> HeldShare:
    """Decrypt the supervision platform's share with this deployable's custody key and send it to trading.

    Regulators only; refused before the section's freeze has been received (``bids_not_frozen``),
    and a share is released once. In a two-envelope tender the commercial key's share waits for
    the technical opening's record (``earlier_round_not_recorded``): until then no server holds
    enough to open a price.
    """
    if not by.has_role(Role.REGULATOR):
        raise PermissionDenied("只有行政监督人员可以释放监督平台的密钥分片", code="regulator_required")
    now = clock_now()
    with transaction.atomic():
        locked = HeldShare.objects.select_for_update().get(pk=held.pk)
        if locked.released_at is not None:
            raise Conflict("该密钥分片已释放", code="share_already_released")
        if not FrozenBids.objects.filter(section_code=locked.section_code).exists():
            raise Conflict("该标段的投标文件尚未封存公布，不能释放密钥分片", code="bids_not_frozen")
        rounds = opening_rounds(
            envelopes=list(
                HeldShare.objects.filter(section_code=locked.section_code).values_list("envelope", flat=True)
            )
        )
        earlier = rounds.index(locked.envelope) if locked.envelope in rounds else 0
        recorded = OpeningRecord.objects.filter(section_code=locked.section_code, round__lte=earlier).count()
        if recorded < earlier:
            raise Conflict(
                "前一轮开标记录尚未公布，不能释放本信封的密钥分片",
                code="earlier_round_not_recorded",
                detail={"envelope": locked.envelope, "round": earlier + 1},
            )
        own = agreement_key_get()
        if key_fingerprint(own.public_raw) != locked.custodian_fingerprint:
            raise Conflict("本平台的保管密钥与该分片不符", code="custody_key_not_here")
        mnemonic = share_release(
            share=CustodyShare(
                custodian_id=SUPERVISION_HOLDER,
                institution="supervision",
                custodian_fingerprint=locked.custodian_fingerprint,
                blob=bytes(locked.blob),
            ),
            custodian=Custodian(custodian_id=SUPERVISION_HOLDER, institution="supervision", public_raw=own.public_raw),
            private=own.raw(),
            section=locked.section_code,
            envelope=locked.envelope,
            fingerprint=locked.opening_fingerprint,
        )
        locked.released_at = now
        locked.released_by_username = by.username
        locked.save(update_fields=["released_at", "released_by_username"])
        outbox_publish(
            event=CustodyShareReleased(
                section_code=locked.section_code,
                envelope=locked.envelope,
                opening_fingerprint=locked.opening_fingerprint,
                share=mnemonic,
                released_by=by.username,
                released_at=now.isoformat(),
            )
        )
        audit_append(
            actor=by,
            action="supervision.custody_share.release",
            object_type="supervision.held_share",
            object_id=f"{locked.section_code}/{locked.envelope}",
            after={"opening_fingerprint": locked.opening_fingerprint},
        )
    return locked


def held_share_public_b64() -> str:
    """This deployable's custody public key, as the trading platform registers it."""
    return base64.b64encode(agreement_key_get().public_raw).decode("ascii")
