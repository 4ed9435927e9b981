"""The exchange's tables: the outbox a deployable sends from and the inbox it receives into.

Sending side: ``OutboxMessage`` (one per event, written in the transaction of the change),
``Delivery`` (one per destination platform, the relay's unit of work) and ``OutboxCounter``
(the per-aggregate sequence counters, locked by the UPDATE that advances them).

Receiving side: ``InboxMessage`` (one per applied message and destination: the idempotency
key), ``InboxCursor`` (the last applied sequence of each stream, which enforces the order) and
``RejectedMessage`` (every refused message: forged, altered, from an unknown source, malformed).
"""

from __future__ import annotations

from django.db import models

# A stream is what the receiver orders on: the messages of one aggregate from one source to
# one destination. Its sequence numbers are 1, 2, 3 … without gaps.
OUTBOX_STREAM_ALL = "*"


class OutboxCounter(models.Model):
    """The last sequence handed out for one aggregate, overall (``*``) or towards one destination.

    The row is updated before anything else in ``outbox_publish``; the row lock that UPDATE takes
    is held until commit, so two transactions publishing for the same aggregate are serialised
    and their sequence numbers follow the commit order.
    """

    aggregate_type = models.CharField(max_length=100)
    aggregate_id = models.CharField(max_length=200)
    destination = models.CharField(max_length=40)
    last_sequence = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("aggregate_type", "aggregate_id", "destination"), name="exchange_outboxcounter_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.aggregate_type}:{self.aggregate_id} → {self.destination} at {self.last_sequence}"


class OutboxMessage(models.Model):
    """One event as it was published, in the transaction of the change that caused it."""

    message_id = models.UUIDField(unique=True)
    source = models.CharField(max_length=40)
    event_type = models.CharField(max_length=100)
    aggregate_type = models.CharField(max_length=100)
    aggregate_id = models.CharField(max_length=200)
    # Position among all events of the aggregate (1, 2, 3 …).
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    payload = models.JSONField()

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(
                fields=("aggregate_type", "aggregate_id", "sequence"), name="exchange_outboxmessage_sequence_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}#{self.sequence}"


class Delivery(models.Model):
    """The delivery of one outbox message to one destination platform."""

    class Status(models.TextChoices):
        PENDING = "pending", "待投递"
        DELIVERED = "delivered", "已投递"
        DEAD = "dead", "死信"

    message = models.ForeignKey(OutboxMessage, on_delete=models.PROTECT, related_name="deliveries")
    destination = models.CharField(max_length=40)
    # Copied from the message so the relay can find the head of each stream with one index.
    aggregate_type = models.CharField(max_length=100)
    aggregate_id = models.CharField(max_length=200)
    # Position in the stream (aggregate, destination): 1, 2, 3 … without gaps. It differs from
    # the message's sequence when events of one aggregate are routed to different platforms.
    sequence = models.PositiveBigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(fields=("message", "destination"), name="exchange_delivery_message_unique"),
            models.UniqueConstraint(
                fields=("destination", "aggregate_type", "aggregate_id", "sequence"),
                name="exchange_delivery_stream_unique",
            ),
        )
        indexes = (
            # The relay walks the pending deliveries in id order; delivered ones pile up over the
            # years and must not be in its way.
            models.Index(fields=("id",), condition=models.Q(status="pending"), name="exchange_delivery_pending"),
            models.Index(fields=("destination", "status"), name="exchange_delivery_status"),
        )

    def __str__(self) -> str:
        return f"delivery {self.pk} → {self.destination} ({self.status})"


class InboxCursor(models.Model):
    """The last sequence applied from one stream (source, aggregate, destination)."""

    source = models.CharField(max_length=40)
    destination = models.CharField(max_length=40)
    aggregate_type = models.CharField(max_length=100)
    aggregate_id = models.CharField(max_length=200)
    last_sequence = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("source", "destination", "aggregate_type", "aggregate_id"), name="exchange_inboxcursor_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.source} → {self.destination} {self.aggregate_type}:{self.aggregate_id} at {self.last_sequence}"


class InboxMessage(models.Model):
    """A message applied at this deployable, kept with its signature as proof of origin."""

    destination = models.CharField(max_length=40)
    message_id = models.UUIDField()
    source = models.CharField(max_length=40)
    event_type = models.CharField(max_length=100)
    aggregate_type = models.CharField(max_length=100)
    aggregate_id = models.CharField(max_length=200)
    sequence = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    signature = models.CharField(max_length=200)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(fields=("destination", "message_id"), name="exchange_inboxmessage_unique"),
            models.UniqueConstraint(
                fields=("source", "destination", "aggregate_type", "aggregate_id", "sequence"),
                name="exchange_inboxmessage_stream_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id}#{self.sequence} from {self.source}"


class RejectedMessage(models.Model):
    """A message the inbox refused, kept for the operators: who claimed to send what, and why."""

    received_at = models.DateTimeField()
    reason = models.CharField(max_length=40)
    claimed_source = models.CharField(max_length=100, blank=True)
    message_id = models.CharField(max_length=100, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=300, blank=True)
    # The body as received, cut to a bounded length so that a flood cannot fill the disk fast.
    body = models.TextField(blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ("-id",)

    def __str__(self) -> str:
        return f"refused {self.reason} from {self.claimed_source or '?'} at {self.received_at.isoformat()}"
