"""Reads of the exchange's state, for operators (the ``exchange status`` command and the API)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Min

from zhengwu.kernel.clock import clock_now
from zhengwu.platform.exchange.models import Delivery, InboxMessage, RejectedMessage
from zhengwu.platform.exchange.relay import predecessor_undelivered


@dataclass(frozen=True)
class DeadLetter:
    id: int
    message_id: str
    destination: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    sequence: int
    attempts: int
    last_attempt_at: dt.datetime | None
    last_error: str


@dataclass(frozen=True)
class DestinationStatus:
    """The outbox towards one platform. ``waiting`` counts pending deliveries held back behind an
    earlier undelivered one of their stream (a retrying delivery or a dead letter)."""

    destination: str
    pending: int = 0
    waiting: int = 0
    retrying: int = 0
    delivered: int = 0
    dead: int = 0
    oldest_pending_at: dt.datetime | None = None
    oldest_pending_age_seconds: int | None = None
    dead_letters: list[DeadLetter] = field(default_factory=list)


@dataclass(frozen=True)
class InboxStatus:
    source: str
    destination: str
    applied: int


@dataclass(frozen=True)
class RejectedSummary:
    id: int
    received_at: dt.datetime
    reason: str
    claimed_source: str
    message_id: str
    remote_addr: str


@dataclass(frozen=True)
class ExchangeStatus:
    deployable: str
    generated_at: dt.datetime
    destinations: list[DestinationStatus]
    inbox: list[InboxStatus]
    rejected_total: int
    rejected_recent: list[RejectedSummary]

    @property
    def dead_total(self) -> int:
        return sum(d.dead for d in self.destinations)


def dead_letter_list(*, limit: int = 100) -> list[DeadLetter]:
    """The dead letters, oldest first, each with the error of its last attempt."""
    rows = Delivery.objects.filter(status=Delivery.Status.DEAD).select_related("message").order_by("id")[:limit]
    return [
        DeadLetter(
            id=d.id,
            message_id=str(d.message.message_id),
            destination=d.destination,
            event_type=d.message.event_type,
            aggregate_type=d.aggregate_type,
            aggregate_id=d.aggregate_id,
            sequence=d.sequence,
            attempts=d.attempts,
            last_attempt_at=d.last_attempt_at,
            last_error=d.last_error,
        )
        for d in rows
    ]


def exchange_status(*, dead_letter_limit: int = 100, rejected_limit: int = 10) -> ExchangeStatus:
    """Counts per destination, the oldest pending age, dead letters, and the inbox's side."""
    now = clock_now()
    counts: dict[str, dict[str, int]] = {}
    for row in Delivery.objects.values("destination", "status").annotate(n=Count("id")).order_by():
        counts.setdefault(row["destination"], {})[row["status"]] = row["n"]
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    waiting = {
        row["destination"]: row["n"]
        for row in pending.filter(predecessor_undelivered()).values("destination").annotate(n=Count("id")).order_by()
    }
    retrying = {
        row["destination"]: row["n"]
        for row in pending.filter(attempts__gt=0).values("destination").annotate(n=Count("id")).order_by()
    }
    oldest = {
        row["destination"]: row["oldest"]
        for row in pending.values("destination").annotate(oldest=Min("created_at")).order_by()
    }
    dead_letters = dead_letter_list(limit=dead_letter_limit)
    destinations = []
    for name in sorted(counts):
        oldest_at = oldest.get(name)
        destinations.append(
            DestinationStatus(
                destination=name,
                pending=counts[name].get(Delivery.Status.PENDING, 0),
                waiting=waiting.get(name, 0),
                retrying=retrying.get(name, 0),
                delivered=counts[name].get(Delivery.Status.DELIVERED, 0),
                dead=counts[name].get(Delivery.Status.DEAD, 0),
                oldest_pending_at=oldest_at,
                oldest_pending_age_seconds=int((now - oldest_at).total_seconds()) if oldest_at else None,
                dead_letters=[d for d in dead_letters if d.destination == name],
            )
        )
    inbox = [
        InboxStatus(source=row["source"], destination=row["destination"], applied=row["n"])
        for row in InboxMessage.objects.values("source", "destination")
        .annotate(n=Count("id"))
        .order_by("source", "destination")
    ]
    recent = [
        RejectedSummary(
            id=r.id,
            received_at=r.received_at,
            reason=r.reason,
            claimed_source=r.claimed_source,
            message_id=r.message_id,
            remote_addr=r.remote_addr,
        )
        for r in RejectedMessage.objects.order_by("-id")[:rejected_limit]
    ]
    return ExchangeStatus(
        deployable=settings.ZHENGWU_PLATFORM,
        generated_at=now,
        destinations=destinations,
        inbox=inbox,
        rejected_total=RejectedMessage.objects.count(),
        rejected_recent=recent,
    )
