"""The relay: takes due deliveries from the outbox and hands them to their destination's inbox.

Order per stream: only the *head* of a stream (aggregate, destination) is ever sent — a pending
delivery none of whose predecessors is undelivered — so message n+1 never leaves before n was
acknowledged. A dead letter is undelivered too, so what follows it waits until an operator
replays it.

Each delivery is handled in its own transaction that holds the delivery's row lock while the
message travels (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): several relay processes can run and
never send the same delivery at the same time. If a relay dies, its transaction rolls back and
the delivery is simply still pending; the receiver's inbox makes the second send harmless.

Two answers end differently from a failure. A receiver may *refuse* a message for good (its
content, judged by a foreign receiver such as a higher-level platform's validation): the
delivery is over — sending it again would get the same answer — and is kept as delivered with
the refusal in ``last_error``, so the rest of its stream goes on. A destination that is not
configured on this installation *holds* the delivery: it stays pending, no attempt is counted,
and it is looked at again after ``HOLD_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet

from zhengwu.kernel.clock import clock_now
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.models import Delivery
from zhengwu.platform.exchange.transport import DEFAULT_TIMEOUT, TransportError, TransportUnavailable, transport_for
from zhengwu.platform.signing import signing_key_get

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0
# How long a delivery to a destination that is not configured waits before it is looked at again.
HOLD_SECONDS = 600.0


@dataclass(frozen=True)
class RelayReport:
    """What one relay run did."""

    attempted: int = 0
    delivered: int = 0  # applied by the receiver, or acknowledged as already applied
    duplicates: int = 0  # of which acknowledged as already applied
    failed: int = 0  # refused or unreachable, to be retried later
    dead: int = 0  # failed for the last allowed time: now dead letters
    limit_reached: bool = False  # there may be more due work
    refused: int = 0  # answered with a refusal for good: over, not retried (counted in neither above)
    held: int = 0  # destination not configured here: left pending, no attempt counted

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.dead == 0


def backoff_delay(attempts: int) -> dt.timedelta:
    """The wait before the next attempt after ``attempts`` failures: exponential, capped, jittered.

    The jitter (a random factor between 0.5 and 1) spreads retries of many deliveries that
    failed together (a receiver that was down) so they do not all return at once.
    """
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    factor = 0.5 + secrets.randbelow(501) / 1000
    return dt.timedelta(seconds=ceiling * factor)


def predecessor_undelivered() -> Exists:
    """True for a delivery whose predecessor in its stream is not delivered yet.

    Streams are delivered strictly in order, so the predecessor being delivered means every
    earlier one is too: one index lookup, however long the stream has grown.
    """
    return Exists(
        Delivery.objects.filter(
            destination=OuterRef("destination"),
            aggregate_type=OuterRef("aggregate_type"),
            aggregate_id=OuterRef("aggregate_id"),
            sequence=OuterRef("sequence") - 1,
        ).exclude(status=Delivery.Status.DELIVERED)
    )


def due_heads(*, now: dt.datetime, destinations: Collection[str] | None = None) -> QuerySet[Delivery]:
    """Pending deliveries that are due and at the head of their stream, oldest first.

    ``destinations`` limits them to those platforms (an operator pushing one destination now).
    """
    queryset = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    if destinations is not None:
        queryset = queryset.filter(destination__in=list(destinations))
    return queryset.filter(~predecessor_undelivered()).order_by("id")


def envelope_for(delivery: Delivery) -> Envelope:
    """The envelope of ``delivery``, rebuilt from the outbox exactly as it is sent every time."""
    message = delivery.message
    return Envelope(
        id=str(message.message_id),
        source=message.source,
        destination=delivery.destination,
        event_type=message.event_type,
        aggregate_type=message.aggregate_type,
        aggregate_id=message.aggregate_id,
        sequence=delivery.sequence,
        occurred_at=message.occurred_at.astimezone(dt.UTC).isoformat(),
        payload=message.payload,
    )


def _claim_next(now: dt.datetime, destinations: Collection[str] | None) -> Delivery | None:
    queryset = due_heads(now=now, destinations=destinations).select_related("message")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset.first()


class _Sent(StrEnum):
    DELIVERED = "delivered"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    HELD = "held"
    FAILED = "failed"


def _deliver(delivery: Delivery, *, timeout: float) -> tuple[_Sent, str]:
    """Send one delivery; return how it went and the error (or refusal) text."""
    envelope = envelope_for(delivery)
    signature = envelope.sign(signing_key_get())
    try:
        outcome = transport_for(delivery.destination, timeout=timeout).send(
            envelope=envelope, body=envelope.canonical(), signature=signature
        )
    except TransportUnavailable as exc:
        return _Sent.HELD, str(exc)
    except TransportError as exc:
        return _Sent.FAILED, str(exc)
    if outcome.accepted:
        return (_Sent.DUPLICATE if outcome.body.get("status") == "duplicate" else _Sent.DELIVERED), ""
    if outcome.refused:
        return _Sent.REFUSED, f"refused: {outcome.body.get('message', '')}".strip()
    code = outcome.body.get("code", "")
    message = outcome.body.get("message", "")
    return _Sent.FAILED, f"HTTP {outcome.status} {code}: {message} {outcome.body.get('detail', '')}".strip()


def relay_run_once(
    *,
    limit: int = 100,
    max_attempts: int = MAX_ATTEMPTS,
    timeout: float = DEFAULT_TIMEOUT,
    on_progress: Callable[[Delivery, str], None] | None = None,
    destinations: Collection[str] | None = None,
) -> RelayReport:
    """Deliver up to ``limit`` due deliveries, in order per stream; return what happened.

    A failed attempt is counted and retried after an exponential back-off; the
    ``max_attempts``-th failure turns the delivery into a dead letter. A refusal for good ends
    the delivery; a destination not configured holds it (see the module's docstring).
    ``on_progress`` is told each delivery and its outcome (``delivered``, ``duplicate``,
    ``refused``, ``held``, ``failed``, ``dead``). ``destinations`` limits the run to those.
    """
    attempted = delivered = duplicates = failed = dead = refused = held = 0
    while attempted < limit:
        with transaction.atomic():
            now = clock_now()
            delivery = _claim_next(now, destinations)
            if delivery is None:
                break
            attempted += 1
            sent, error = _deliver(delivery, timeout=timeout)
            done = clock_now()
            outcome: str = sent.value
            if sent is _Sent.HELD:
                # Not an attempt: the route is missing, not the receiver. Look again later.
                delivery.next_attempt_at = done + dt.timedelta(seconds=HOLD_SECONDS)
                delivery.last_error = error[:2000]
                held += 1
            elif sent in (_Sent.DELIVERED, _Sent.DUPLICATE, _Sent.REFUSED):
                delivery.last_attempt_at = done
                delivery.status = Delivery.Status.DELIVERED
                delivery.delivered_at = done
                if sent is _Sent.REFUSED:
                    # The receiver's last word on this message, kept for the operators.
                    delivery.last_error = error[:2000]
                    refused += 1
                    logger.warning(
                        "exchange: delivery %s to %s was refused for good: %s", delivery.pk, delivery.destination, error
                    )
                else:
                    delivered += 1
                    duplicates += int(sent is _Sent.DUPLICATE)
            else:
                delivery.last_attempt_at = done
                delivery.attempts += 1
                delivery.last_error = error[:2000]
                if delivery.attempts >= max_attempts:
                    delivery.status = Delivery.Status.DEAD
                    dead += 1
                    outcome = "dead"
                    logger.error(
                        "exchange: delivery %s to %s is a dead letter after %s attempts: %s",
                        delivery.pk,
                        delivery.destination,
                        delivery.attempts,
                        error,
                    )
                else:
                    delivery.next_attempt_at = done + backoff_delay(delivery.attempts)
                    failed += 1
                    outcome = "failed"
                    logger.warning(
                        "exchange: delivery %s to %s failed (attempt %s): %s",
                        delivery.pk,
                        delivery.destination,
                        delivery.attempts,
                        error,
                    )
            delivery.save(
                update_fields=["status", "attempts", "next_attempt_at", "last_attempt_at", "last_error", "delivered_at"]
            )
        if on_progress is not None:
            on_progress(delivery, outcome)
    return RelayReport(
        attempted=attempted,
        delivered=delivered,
        duplicates=duplicates,
        failed=failed,
        dead=dead,
        limit_reached=attempted >= limit,
        refused=refused,
        held=held,
    )
