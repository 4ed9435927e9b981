"""Events of other platforms that the bidding context applies: the supervision platform's released share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from zhengwu.contexts.bidding.custody import share_check
from zhengwu.contexts.bidding.models import CustodyShare, OpeningKey
from zhengwu.contexts.bidding.services import SUPERVISION_HOLDER
from zhengwu.contexts.supervision.events import CustodyShareReleased
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.envelope import Envelope


def custody_share_released(payload: dict[str, Any], envelope: Envelope) -> None:
    """Store the supervision platform's released share on the opening key it belongs to (once).

    A share that is malformed or belongs to no key of ours fails the message, which the exchange
    retries and finally shows to an operator as a dead letter.
    """
    event = CustodyShareReleased.from_payload(payload)
    share_check(mnemonic=event.share)
    key = OpeningKey.objects.get(fingerprint=event.opening_fingerprint, section_code=event.section_code)
    with transaction.atomic():
        row = CustodyShare.objects.select_for_update().get(opening_key=key, holder=SUPERVISION_HOLDER)
        if row.released_at is not None:
            return
        row.released_share = " ".join(event.share.split()).lower()
        row.released_at = clock_now()
        row.released_by_username = f"supervision:{event.released_by}"
        row.save(update_fields=["released_share", "released_at", "released_by_username"])
        audit_append(
            actor=Actor.system("exchange"),
            action="bidding.custody_share.release",
            object_type="bidding.opening_key",
            object_id=f"{key.section_code}/{key.envelope}",
            after={"holder": SUPERVISION_HOLDER, "released_by": event.released_by, "message": envelope.id},
        )


HANDLERS: dict[str, Callable[[dict[str, Any], Envelope], None]] = {
    CustodyShareReleased.event_type: custody_share_released,
}
