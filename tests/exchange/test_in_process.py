"""The standalone deployable: identity's events reach both read models through its own inbox.

Same envelope, same signature, same inbox and handlers as between separate deployables; only
the transport is in-process. (The split deployment is proved in test_processes.py.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.test import Client

from zhengwu.contexts.disclosure.models import MarketSubject
from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.supervision.models import RegisteredSubject
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_advance, clock_reset
from zhengwu.kernel.crypto import SigningKey
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char
from zhengwu.platform.exchange.events import ExchangeEvent
from zhengwu.platform.exchange.models import Delivery, InboxMessage, RejectedMessage
from zhengwu.platform.exchange.relay import envelope_for, relay_run_once
from zhengwu.platform.exchange.services import exchange_replay, outbox_publish
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db

INBOX = "/exchange/inbox"


@pytest.fixture(autouse=True)
def _real_clock() -> Any:
    yield
    clock_reset()


def uscc_make(n: int) -> str:
    body = f"{n:08d}"
    first17 = f"91530100{body}{uscc_org_check_char(body)}"
    return first17 + uscc_check_char(first17)


def change(n: int, version: int, status: str, name: str = "") -> MarketSubjectChanged:
    return MarketSubjectChanged(
        uscc=uscc_make(n),
        name=name or f"Subject {n} v{version}",
        status=status,
        market_roles=["bidder"],
        region_code="530100",
        version=version,
        changed_at=f"2026-03-02T10:{version:02d}:00+08:00",
    )


def public_list() -> list[tuple[str, str, int]]:
    return list(MarketSubject.objects.order_by("uscc").values_list("uscc", "name", "version"))


def register() -> list[tuple[str, str, int, int]]:
    return list(RegisteredSubject.objects.order_by("uscc").values_list("uscc", "status", "version", "history_count"))


def post(client: Client, body: bytes, signature: str) -> tuple[int, dict[str, Any]]:
    response = client.post(
        INBOX,
        data=body,
        content_type="application/json",
        headers={"X-Zhengwu-Source": "standalone", "X-Zhengwu-Signature": signature},
    )
    return response.status_code, response.json()


def test_publish_then_relay_updates_both_read_models() -> None:
    for event in (change(1, 1, "pending"), change(1, 2, "verified"), change(2, 1, "pending"), change(3, 1, "pending")):
        outbox_publish(event=event)
    outbox_publish(event=change(3, 2, "verified"))
    outbox_publish(event=change(3, 3, "suspended"))

    report = relay_run_once()

    assert (report.attempted, report.delivered, report.failed) == (12, 12, 0)
    assert public_list() == [(uscc_make(1), "Subject 1 v2", 2)]
    assert register() == [
        (uscc_make(1), "verified", 2, 2),
        (uscc_make(2), "pending", 1, 1),
        (uscc_make(3), "suspended", 3, 3),
    ]
    assert InboxMessage.objects.filter(destination="public").count() == 6
    assert InboxMessage.objects.filter(destination="supervision").count() == 6


def test_a_duplicate_delivery_changes_nothing(client: Client) -> None:
    outbox_publish(event=change(1, 1, "verified"))
    relay_run_once()
    delivery = Delivery.objects.get(destination="supervision")
    envelope = envelope_for(delivery)

    status, body = post(client, envelope.canonical(), envelope.sign(signing_key_get()))

    assert (status, body["status"]) == (200, "duplicate")
    assert register() == [(uscc_make(1), "verified", 1, 1)]
    assert InboxMessage.objects.filter(destination="supervision").count() == 1


def test_out_of_order_is_refused_then_applied_in_order(client: Client) -> None:
    outbox_publish(event=change(1, 1, "pending"))
    outbox_publish(event=change(1, 2, "verified"))
    first, second = (envelope_for(d) for d in Delivery.objects.filter(destination="public").order_by("sequence"))
    key = signing_key_get()

    early = post(client, second.canonical(), second.sign(key))
    assert (early[0], early[1]["code"]) == (409, "exchange_out_of_order")
    assert public_list() == []

    assert post(client, first.canonical(), first.sign(key))[1]["status"] == "applied"
    assert public_list() == []  # version 1 is pending: not public yet
    assert post(client, second.canonical(), second.sign(key))[1]["status"] == "applied"
    assert public_list() == [(uscc_make(1), "Subject 1 v2", 2)]


def test_forged_and_altered_messages_are_refused_logged_and_not_applied(client: Client) -> None:
    outbox_publish(event=change(1, 1, "verified"))
    envelope = envelope_for(Delivery.objects.get(destination="public"))

    forged = post(client, envelope.canonical(), envelope.sign(SigningKey.generate()))
    altered_body = json.loads(envelope.canonical())
    altered_body["payload"]["name"] = "Impostor Ltd"
    altered = post(client, json.dumps(altered_body).encode(), envelope.sign(signing_key_get()))

    assert (forged[0], forged[1]["code"]) == (403, "exchange_signature_invalid")
    assert (altered[0], altered[1]["code"]) == (403, "exchange_signature_invalid")
    assert list(RejectedMessage.objects.order_by("id").values_list("reason", "message_id")) == [
        ("bad_signature", envelope.id),
        ("bad_signature", envelope.id),
    ]
    assert "Impostor Ltd" in RejectedMessage.objects.order_by("id").last().body
    assert public_list() == []
    assert InboxMessage.objects.count() == 0
    # The genuine message still goes through afterwards.
    assert relay_run_once().delivered == 2
    assert public_list() == [(uscc_make(1), "Subject 1 v1", 1)]


def test_a_rolled_back_change_sends_nothing() -> None:
    def registration_that_fails() -> None:
        with transaction.atomic():
            outbox_publish(event=change(1, 1, "verified"))
            raise ValueError("registration failed")

    with pytest.raises(ValueError, match="registration failed"):
        registration_that_fails()

    assert relay_run_once().attempted == 0
    assert public_list() == []
    assert register() == []


def test_a_dead_letter_is_replayed_and_then_delivered(settings: Any) -> None:
    outbox_publish(event=change(1, 1, "verified"))
    outbox_publish(event=change(1, 2, "verified", name="Later name"))
    settings.ZHENGWU_PLATFORMS = ["trading", "supervision"]  # public is not served for a while
    for _ in range(4):
        relay_run_once(max_attempts=4)
        clock_advance(dt.timedelta(minutes=11))
    assert list(
        Delivery.objects.filter(destination="public").order_by("sequence").values_list("status", "attempts")
    ) == [("dead", 4), ("pending", 0)]
    assert register() == [(uscc_make(1), "verified", 2, 2)]
    assert public_list() == []

    settings.ZHENGWU_PLATFORMS = ["trading", "public", "supervision"]
    replayed = exchange_replay(all_dead=True, by=Actor.system("operator"))
    report = relay_run_once(max_attempts=4)

    assert len(replayed) == 1
    assert (report.delivered, report.failed) == (2, 0)
    assert public_list() == [(uscc_make(1), "Later name", 2)]


@dataclasses.dataclass(frozen=True)
class MalformedSubjectChange(ExchangeEvent):
    """An identity event whose payload lacks most fields (a sender-side bug)."""

    event_type: ClassVar[str] = MarketSubjectChanged.event_type
    aggregate_type: ClassVar[str] = MarketSubjectChanged.aggregate_type
    uscc: str

    @property
    def aggregate_id(self) -> str:
        return self.uscc


def test_a_failing_handler_applies_nothing_and_the_delivery_is_retried() -> None:
    outbox_publish(event=MalformedSubjectChange(uscc=uscc_make(1)))
    outbox_publish(event=change(1, 2, "verified"))

    report = relay_run_once()

    assert (report.delivered, report.failed) == (0, 2)
    errors = sorted(Delivery.objects.filter(sequence=1).values_list("destination", "attempts", "last_error"))
    assert [(d, a) for d, a, _ in errors] == [("public", 1), ("supervision", 1)]
    assert all(e.startswith("HTTP 500 exchange_handler_failed") for _, _, e in errors)
    # Neither the inbox row nor the cursor survived the handler's failure; the next event waits.
    assert InboxMessage.objects.count() == 0
    assert list(Delivery.objects.filter(sequence=2).values_list("attempts", flat=True)) == [0, 0]
    assert public_list() == []
    assert register() == []
