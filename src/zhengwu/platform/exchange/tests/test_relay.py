"""The relay: in order per stream, retries with back-off, dead letters, replay, several relays."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from huey.contrib.djhuey import HUEY

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_advance, clock_set
from zhengwu.kernel.crypto import SigningKey
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import Delivery, InboxMessage, RejectedMessage
from zhengwu.platform.exchange.relay import backoff_delay, relay_run_once
from zhengwu.platform.exchange.selectors import exchange_status
from zhengwu.platform.exchange.services import exchange_replay, outbox_publish
from zhengwu.platform.exchange.tests.factories import ThingChanged

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


def inbox(destination: str) -> list[tuple[str, int]]:
    return list(
        InboxMessage.objects.filter(destination=destination).order_by("id").values_list("aggregate_id", "sequence")
    )


def statuses(destination: str) -> list[tuple[str, int, str, int]]:
    return list(
        Delivery.objects.filter(destination=destination)
        .order_by("aggregate_id", "sequence")
        .values_list("aggregate_id", "sequence", "status", "attempts")
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_relay_delivers_every_stream_in_order_to_every_destination() -> None:
    for version in (1, 2, 3):
        outbox_publish(event=ThingChanged(key="a", version=version))
    outbox_publish(event=ThingChanged(key="b", version=1))

    report = relay_run_once()

    assert (report.attempted, report.delivered, report.duplicates, report.failed, report.dead) == (8, 8, 0, 0, 0)
    assert report.limit_reached is False
    # Oldest first; a stream's next message goes as soon as its predecessor was acknowledged.
    assert inbox("public") == [("a", 1), ("a", 2), ("a", 3), ("b", 1)]
    assert inbox("supervision") == [("a", 1), ("a", 2), ("a", 3), ("b", 1)]
    assert {d.status for d in Delivery.objects.all()} == {"delivered"}
    assert relay_run_once().attempted == 0


def test_a_limited_run_stops_at_its_limit_and_the_next_run_goes_on() -> None:
    for version in (1, 2):
        outbox_publish(event=ThingChanged(key="a", version=version))

    first = relay_run_once(limit=3)
    second = relay_run_once(limit=3)

    assert (first.attempted, first.limit_reached) == (3, True)
    assert (second.attempted, second.limit_reached) == (1, False)
    assert inbox("public") == [("a", 1), ("a", 2)]
    assert inbox("supervision") == [("a", 1), ("a", 2)]


def test_failures_back_off_then_become_dead_letters_that_block_their_stream_until_replayed(settings: Any) -> None:
    clock_set(START)
    for version in (1, 2, 3):
        outbox_publish(event=ThingChanged(key="a", version=version))
    outbox_publish(event=ThingChanged(key="b", version=1))
    # The receiving side stops serving the public platform: every public delivery is refused.
    settings.ZHENGWU_PLATFORMS = ["trading", "supervision"]

    first = relay_run_once(max_attempts=3)

    assert (first.delivered, first.failed, first.dead) == (4, 2, 0)
    assert statuses("public") == [
        ("a", 1, "pending", 1),
        ("a", 2, "pending", 0),
        ("a", 3, "pending", 0),
        ("b", 1, "pending", 1),
    ]
    head = Delivery.objects.get(destination="public", aggregate_id="a", sequence=1)
    assert head.last_error.startswith("HTTP 400 exchange_wrong_destination")
    assert START + dt.timedelta(seconds=1) <= head.next_attempt_at <= START + dt.timedelta(seconds=2)
    # Not due yet: nothing is attempted before the back-off has passed.
    assert relay_run_once(max_attempts=3).attempted == 0

    clock_advance(dt.timedelta(minutes=11))
    assert relay_run_once(max_attempts=3).failed == 2
    clock_advance(dt.timedelta(minutes=11))
    third = relay_run_once(max_attempts=3)

    assert (third.attempted, third.failed, third.dead) == (2, 0, 2)
    assert statuses("public") == [
        ("a", 1, "dead", 3),
        ("a", 2, "pending", 0),
        ("a", 3, "pending", 0),
        ("b", 1, "dead", 3),
    ]
    assert inbox("public") == []
    assert RejectedMessage.objects.filter(reason="wrong_destination").count() == 6
    public = next(d for d in exchange_status().destinations if d.destination == "public")
    assert (public.pending, public.waiting, public.delivered, public.dead) == (2, 2, 0, 2)
    assert [(d.aggregate_id, d.sequence, d.attempts) for d in public.dead_letters] == [("a", 1, 3), ("b", 1, 3)]

    # The cause is fixed, but dead letters stay dead and what follows them waits.
    settings.ZHENGWU_PLATFORMS = ["trading", "public", "supervision"]
    clock_advance(dt.timedelta(hours=1))
    assert relay_run_once(max_attempts=3).attempted == 0

    replayed = exchange_replay(all_dead=True, by=Actor.system("operator"))
    after = relay_run_once(max_attempts=3)

    assert replayed == sorted(Delivery.objects.filter(destination="public", sequence=1).values_list("id", flat=True))
    assert (after.delivered, after.failed, after.dead) == (4, 0, 0)
    assert inbox("public") == [("a", 1), ("a", 2), ("a", 3), ("b", 1)]
    assert {d.status for d in Delivery.objects.all()} == {"delivered"}
    entry = AuditEntry.objects.get(action="exchange.delivery.replay")
    assert (entry.actor_username, entry.object_type) == ("operator", "exchange.delivery")
    assert entry.after == {"status": "pending", "delivery_ids": replayed}


def test_replay_of_named_deliveries_checks_each_one(settings: Any) -> None:
    outbox_publish(event=ThingChanged(key="a", version=1))
    settings.ZHENGWU_PLATFORMS = ["trading", "supervision"]
    relay_run_once(max_attempts=1)
    dead = Delivery.objects.get(destination="public")
    delivered = Delivery.objects.get(destination="supervision")
    assert (dead.status, delivered.status) == ("dead", "delivered")
    operator = Actor.system("operator")

    with pytest.raises(NotFound) as missing:
        exchange_replay(delivery_ids=[dead.id, -1], by=operator)
    with pytest.raises(Conflict) as not_dead:
        exchange_replay(delivery_ids=[dead.id, delivered.id], by=operator)
    with pytest.raises(InvalidInput):
        exchange_replay(by=operator)
    with pytest.raises(PermissionDenied):
        exchange_replay(delivery_ids=[dead.id], by=Actor(user_id=7, username="bidder", roles=frozenset({"bidder"})))

    assert missing.value.detail == {"ids": [-1]}
    assert not_dead.value.detail == {"ids": [delivered.id]}
    assert Delivery.objects.get(id=dead.id).status == "dead"
    assert AuditEntry.objects.filter(action="exchange.delivery.replay").count() == 0

    staff = Actor(user_id=3, username="staff", roles=frozenset({"centre_staff"}))
    assert exchange_replay(delivery_ids=[dead.id], by=staff) == [dead.id]
    refreshed = Delivery.objects.get(id=dead.id)
    assert (refreshed.status, refreshed.attempts) == ("pending", 0)


def test_an_unreachable_peer_is_an_error_with_back_off(settings: Any) -> None:
    clock_set(START)
    settings.ZHENGWU_PLATFORM = "trading"
    settings.ZHENGWU_PLATFORMS = ["trading"]
    settings.ZHENGWU_PEERS = f"public=http://127.0.0.1:{closed_port()}/|{SigningKey.generate().public.to_b64()}"
    outbox_publish(event=ThingChanged(key="a", version=1))

    report = relay_run_once(timeout=2)

    assert (report.attempted, report.failed) == (2, 2)
    public = Delivery.objects.get(destination="public")
    supervision = Delivery.objects.get(destination="supervision")
    assert "ConnectionRefusedError" in public.last_error
    assert supervision.last_error == "no peer configured for platform 'supervision' (ZHENGWU_PEERS)"
    assert public.status == supervision.status == "pending"
    assert public.last_attempt_at == START


def test_backoff_grows_exponentially_with_jitter_up_to_ten_minutes() -> None:
    for attempts, low, high in [(1, 1, 2), (2, 2, 4), (5, 16, 32), (9, 256, 512), (10, 300, 600), (40, 300, 600)]:
        for _ in range(20):
            assert low <= backoff_delay(attempts).total_seconds() <= high


def test_a_commit_that_wrote_to_the_outbox_enqueues_the_relay(
    django_capture_on_commit_callbacks: Any,
) -> None:
    was_immediate = HUEY.immediate
    HUEY.immediate = True  # the task runs in this process, as a worker would run it
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            outbox_publish(event=ThingChanged(key="a", version=1))
            outbox_publish(event=ThingChanged(key="a", version=2))
            outbox_publish(event=ThingChanged(key="b", version=1))
    finally:
        HUEY.immediate = was_immediate

    assert len(callbacks) == 1  # one relay run per transaction, however many events
    assert inbox("public") == [("a", 1), ("a", 2), ("b", 1)]
    assert inbox("supervision") == [("a", 1), ("a", 2), ("b", 1)]


@pytest.mark.django_db(transaction=True)
def test_a_delivery_locked_by_another_relay_is_skipped_with_its_stream(settings: Any) -> None:
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite has one writer at a time and no row locks: several relays need PostgreSQL")
    clock_set(START)
    # Each commit below runs the relay at once (immediate tasks); public refuses for now, so
    # its deliveries stay pending while supervision gets everything.
    settings.ZHENGWU_PLATFORMS = ["trading", "supervision"]
    outbox_publish(event=ThingChanged(key="a", version=1))
    outbox_publish(event=ThingChanged(key="a", version=2))
    outbox_publish(event=ThingChanged(key="b", version=1))
    assert inbox("supervision") == [("a", 1), ("a", 2), ("b", 1)]
    assert statuses("public") == [("a", 1, "pending", 1), ("a", 2, "pending", 0), ("b", 1, "pending", 1)]
    settings.ZHENGWU_PLATFORMS = ["trading", "public", "supervision"]
    clock_advance(dt.timedelta(minutes=11))
    locked = Delivery.objects.get(destination="public", aggregate_id="a", sequence=1)
    holding = threading.Event()
    release = threading.Event()

    def other_relay() -> None:
        # Another relay process, in the middle of sending "a"#1 to public.
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        report = relay_run_once()
    finally:
        release.set()
        thread.join(timeout=20)

    # "a"#1 is the other relay's; "a"#2 waits behind it; "b"#1 went.
    assert (report.attempted, report.delivered) == (1, 1)
    assert inbox("public") == [("b", 1)]
    assert relay_run_once().delivered == 2
    assert inbox("public") == [("b", 1), ("a", 1), ("a", 2)]
