"""Publishing into the outbox: one message, one delivery per destination, gap-free sequences."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, ClassVar

import pytest
from django.db import transaction

from zhengwu.kernel.clock import clock_frozen
from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.exchange.events import ExchangeEvent
from zhengwu.platform.exchange.models import Delivery, OutboxMessage
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish, outbox_subject_lock
from zhengwu.platform.exchange.tests.factories import ThingChanged, ThingNoted

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


def test_publish_stores_the_message_and_one_pending_delivery_per_route() -> None:
    with clock_frozen(NOON):
        message = outbox_publish(event=ThingChanged(key="a", version=1, note="first"))

    stored = OutboxMessage.objects.get()
    assert stored.pk == message.pk
    assert stored.source == "standalone"
    assert stored.event_type == "test.thing.changed"
    assert (stored.aggregate_type, stored.aggregate_id, stored.sequence) == ("test.thing", "a", 1)
    assert stored.occurred_at == NOON
    assert stored.payload == {"key": "a", "version": 1, "note": "first"}
    assert stored.message_id.version == 7
    deliveries = list(
        Delivery.objects.order_by("destination").values_list("destination", "sequence", "status", "attempts")
    )
    assert deliveries == [("public", 1, "pending", 0), ("supervision", 1, "pending", 0)]


def test_sequences_count_per_aggregate_and_per_stream_without_gaps() -> None:
    outbox_publish(event=ThingChanged(key="a", version=1))
    outbox_publish(event=ThingNoted(key="a", version=2))  # supervision only
    outbox_publish(event=ThingChanged(key="b", version=1))
    outbox_publish(event=ThingChanged(key="a", version=3))

    messages = list(OutboxMessage.objects.values_list("aggregate_id", "event_type", "sequence"))
    assert messages == [
        ("a", "test.thing.changed", 1),
        ("a", "test.thing.noted", 2),
        ("b", "test.thing.changed", 1),
        ("a", "test.thing.changed", 3),
    ]
    streams = list(
        Delivery.objects.order_by("destination", "aggregate_id", "sequence").values_list(
            "destination", "aggregate_id", "sequence", "message__sequence"
        )
    )
    # Public never sees the supervision-only event, so its stream of "a" is 1, 2 (not 1, 3).
    assert streams == [
        ("public", "a", 1, 1),
        ("public", "a", 2, 3),
        ("public", "b", 1, 1),
        ("supervision", "a", 1, 1),
        ("supervision", "a", 2, 2),
        ("supervision", "a", 3, 3),
        ("supervision", "b", 1, 1),
    ]


def test_a_rolled_back_transaction_leaves_nothing_to_send() -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            outbox_publish(event=ThingChanged(key="a", version=1))
            raise RuntimeError("the change failed after publishing")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert OutboxMessage.objects.count() == 0
    assert Delivery.objects.count() == 0
    report = relay_run_once()
    assert report.attempted == 0
    # The next event of the aggregate is still number 1: the rolled-back one took no place.
    outbox_publish(event=ThingChanged(key="a", version=1))
    assert list(OutboxMessage.objects.values_list("sequence", flat=True)) == [1]


def test_a_split_deployable_does_not_send_to_the_platforms_it_serves(settings: Any) -> None:
    settings.ZHENGWU_PLATFORM = "supervision"
    settings.ZHENGWU_PLATFORMS = ["supervision"]

    message = outbox_publish(event=ThingChanged(key="a", version=1))

    assert message.source == "supervision"
    assert list(Delivery.objects.values_list("destination", flat=True)) == ["public"]


def test_an_unrouted_event_is_recorded_without_deliveries() -> None:
    @dataclasses.dataclass(frozen=True)
    class Unrouted(ExchangeEvent):
        event_type: ClassVar[str] = "test.nobody.cares"
        aggregate_type: ClassVar[str] = "test.nobody"
        key: str

        @property
        def aggregate_id(self) -> str:
            return self.key

    outbox_publish(event=Unrouted(key="x"))

    assert OutboxMessage.objects.filter(event_type="test.nobody.cares").count() == 1
    assert Delivery.objects.count() == 0


def test_a_float_in_the_payload_is_refused_and_nothing_is_stored() -> None:
    @dataclasses.dataclass(frozen=True)
    class Floaty(ThingChanged):
        ratio: float = 0.5

    with pytest.raises(InvalidInput) as caught:
        outbox_publish(event=Floaty(key="a", version=1))

    assert caught.value.code == "exchange_payload_float"
    assert OutboxMessage.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_an_empty_aggregate_id_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        outbox_publish(event=ThingChanged(key="", version=1))

    assert caught.value.code == "exchange_aggregate_id"
    assert OutboxMessage.objects.count() == 0


def test_a_subject_lock_takes_no_sequence_number() -> None:
    outbox_subject_lock(aggregate_type="test.thing", aggregate_id="a")
    assert OutboxMessage.objects.count() == 0
    outbox_publish(event=ThingChanged(key="a", version=1))
    outbox_subject_lock(aggregate_type="test.thing", aggregate_id="a")
    outbox_publish(event=ThingChanged(key="a", version=2))
    assert list(OutboxMessage.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_a_subject_lock_makes_a_second_writer_wait_until_the_first_commits() -> None:
    import threading

    from django.db import OperationalError, connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every writer anyway")
    outcomes: list[str] = []

    def second_writer(subject: str) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                outbox_subject_lock(aggregate_type="test.thing", aggregate_id=subject)
            outcomes.append(f"{subject} locked")
        except OperationalError:
            outcomes.append(f"{subject} waited")
        finally:
            connection.close()

    def run(subject: str) -> None:
        thread = threading.Thread(target=second_writer, args=(subject,))
        thread.start()
        thread.join()

    with transaction.atomic():
        outbox_subject_lock(aggregate_type="test.thing", aggregate_id="a")
        run("a")
        run("b")  # another subject is not held up
    run("a")
    assert outcomes == ["a waited", "b locked", "a locked"]
