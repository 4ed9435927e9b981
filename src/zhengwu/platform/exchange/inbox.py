"""The receiving side: verify, de-duplicate, order, apply — the same code for every transport.

``inbox_receive`` is what the HTTP endpoint calls and what the in-process transport of the
standalone deployable calls. It answers with an ``InboxOutcome`` (an HTTP status and a JSON
body) rather than raising, because a refusal is an answer the sender must act on.

The effect of a message is applied exactly once: the inbox row (unique per destination and
message id), the stream cursor and the handlers' writes commit in one transaction, under the
cursor's row lock. A message whose predecessor has not been applied yet is refused with 409 so
the sender retries it later; an old one is acknowledged without being applied again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.crypto import VerifyKey
from zhengwu.platform.exchange.envelope import Envelope, EnvelopeInvalid
from zhengwu.platform.exchange.models import InboxCursor, InboxMessage, RejectedMessage
from zhengwu.platform.exchange.registry import handlers_for
from zhengwu.platform.signing import peers_get, signing_key_get

logger = logging.getLogger(__name__)

STANDALONE = "standalone"
# How much of a refused body is kept: enough to see what was attempted.
_REJECTED_BODY_CHARS = 16_000


@dataclass(frozen=True)
class InboxOutcome:
    """The inbox's answer: ``status`` is the HTTP status, ``body`` the JSON sent back."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        """True when the sender may consider the message delivered (applied or a duplicate)."""
        return self.status == 200 and self.body.get("status") in {"applied", "duplicate"}

    @property
    def refused(self) -> bool:
        """True when the receiver refused the message's content for good: sending it again gets the same answer.

        No inbox of a deployable answers so (a refused signature may be a key not yet
        configured, so it is retried); a transport to a foreign receiver that judges the content
        itself (the upward push's validation) does.
        """
        return self.status == 200 and self.body.get("status") == "refused"


def _error(status: int, code: str, message: str, **detail: Any) -> InboxOutcome:
    return InboxOutcome(status=status, body={"code": code, "message": message, "detail": detail})


def sender_key_get(source: str) -> VerifyKey | None:
    """The public key messages from ``source`` must be signed with, or None for a stranger."""
    # The standalone deployable sends to itself and verifies with its own key, like any peer.
    if settings.ZHENGWU_PLATFORM == STANDALONE and source == STANDALONE:
        return signing_key_get().public
    peer = peers_get().get(source)
    return peer.key if peer is not None else None


@dataclass(frozen=True)
class _Received:
    """What arrived, as it arrived: kept verbatim when the message is refused."""

    body: bytes
    source: str
    signature: str
    remote_addr: str


def _reject(
    received: _Received,
    *,
    reason: str,
    status: int,
    code: str,
    message: str,
    message_id: str = "",
    detail: str = "",
) -> InboxOutcome:
    # Outside any transaction of the caller: a refusal is recorded even though nothing is applied.
    RejectedMessage.objects.create(
        received_at=clock_now(),
        reason=reason,
        claimed_source=received.source[:100],
        message_id=message_id[:100],
        remote_addr=received.remote_addr[:64],
        signature=received.signature[:300],
        body=received.body[:_REJECTED_BODY_CHARS].decode("utf-8", errors="replace"),
        detail=detail[:2000],
    )
    logger.warning(
        "exchange: refused message from %r (%s): %s %s %s",
        received.source,
        received.remote_addr or "in-process",
        reason,
        message_id,
        detail,
    )
    return _error(status, code, message, reason=reason)


def inbox_receive(*, body: bytes, source: str, signature: str, remote_addr: str = "") -> InboxOutcome:
    """Verify and apply one received message; return the answer for the sender.

    200 ``applied`` or ``duplicate``: delivered. 409: an earlier message of the stream is
    missing, retry later. 400/401/403: refused and recorded in ``RejectedMessage``. 500: a
    handler failed; nothing was applied and the sender retries.
    """
    received = _Received(body=body, source=source, signature=signature, remote_addr=remote_addr)
    if not source:
        return _reject(
            received,
            reason="missing_source",
            status=401,
            code="exchange_unknown_source",
            message="消息未注明发送方",
        )
    key = sender_key_get(source)
    if key is None:
        return _reject(
            received,
            reason="unknown_source",
            status=401,
            code="exchange_unknown_source",
            message="发送方不是已登记的平台",
        )
    if not signature:
        return _reject(
            received,
            reason="missing_signature",
            status=401,
            code="exchange_signature_missing",
            message="消息缺少签名",
        )
    try:
        envelope = Envelope.from_json(body)
    except EnvelopeInvalid as exc:
        return _reject(
            received,
            reason="malformed",
            status=400,
            code="exchange_malformed",
            message="消息格式不正确",
            detail=str(exc),
        )
    if not envelope.verify(key, signature):
        return _reject(
            received,
            reason="bad_signature",
            status=403,
            code="exchange_signature_invalid",
            message="消息签名验证失败，可能被伪造或篡改",
            message_id=envelope.id,
        )
    if envelope.source != source:
        return _reject(
            received,
            reason="source_mismatch",
            status=403,
            code="exchange_source_mismatch",
            message="消息内的发送方与声明的发送方不一致",
            message_id=envelope.id,
            detail=f"header {source!r}, envelope {envelope.source!r}",
        )
    if envelope.destination not in settings.ZHENGWU_PLATFORMS:
        return _reject(
            received,
            reason="wrong_destination",
            status=400,
            code="exchange_wrong_destination",
            message="消息的接收平台不在本部署中",
            message_id=envelope.id,
            detail=f"destination {envelope.destination!r}",
        )
    try:
        return _apply(envelope, signature)
    except Exception:
        # The transaction rolled back: nothing of this message is applied, the sender retries.
        logger.exception("exchange: handler failed for message %s (%s)", envelope.id, envelope.event_type)
        return _error(
            500,
            "exchange_handler_failed",
            "接收方处理消息失败，已记录，将自动重试",
            message_id=envelope.id,
        )


def _apply(envelope: Envelope, signature: str) -> InboxOutcome:
    stream = {
        "source": envelope.source,
        "destination": envelope.destination,
        "aggregate_type": envelope.aggregate_type,
        "aggregate_id": envelope.aggregate_id,
    }
    message_id = uuid.UUID(envelope.id)
    with transaction.atomic():
        # Create the cursor if this is the stream's first message, then lock it: every message
        # of one stream is decided under this lock, one after the other.
        InboxCursor.objects.bulk_create([InboxCursor(**stream)], ignore_conflicts=True)
        cursor = InboxCursor.objects.select_for_update().get(**stream)
        if InboxMessage.objects.filter(destination=envelope.destination, message_id=message_id).exists():
            return InboxOutcome(200, {"status": "duplicate", "message_id": envelope.id})
        if envelope.sequence <= cursor.last_sequence:
            applied = InboxMessage.objects.filter(**stream, sequence=envelope.sequence).first()
            if applied is not None:
                # Another message already holds this place in the stream: the sender's outbox
                # was reset or forked. Acknowledging would silently drop this one; refuse so it
                # becomes a dead letter an operator sees.
                return _error(
                    409,
                    "exchange_sequence_conflict",
                    "该序号已被另一条消息占用",
                    sequence=envelope.sequence,
                    applied_message_id=str(applied.message_id),
                )
            logger.warning(
                "exchange: message %s (#%s) is older than the cursor (#%s); acknowledged as a duplicate",
                envelope.id,
                envelope.sequence,
                cursor.last_sequence,
            )
            return InboxOutcome(200, {"status": "duplicate", "message_id": envelope.id})
        expected = cursor.last_sequence + 1
        if envelope.sequence > expected:
            return _error(
                409,
                "exchange_out_of_order",
                "消息早于其前序消息到达，请稍后重试",
                expected=expected,
                received=envelope.sequence,
            )
        now = clock_now()
        InboxMessage.objects.create(
            **stream,
            message_id=message_id,
            event_type=envelope.event_type,
            sequence=envelope.sequence,
            occurred_at=envelope.occurred_at_datetime,
            payload=envelope.payload,
            signature=signature,
            received_at=now,
        )
        for handler in handlers_for(destination=envelope.destination, event_type=envelope.event_type):
            handler(envelope.payload, envelope)
        cursor.last_sequence = envelope.sequence
        cursor.updated_at = now
        cursor.save(update_fields=["last_sequence", "updated_at"])
    return InboxOutcome(200, {"status": "applied", "message_id": envelope.id})
