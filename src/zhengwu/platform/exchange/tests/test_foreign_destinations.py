"""Destinations that are not a deployable's inbox: a transport named in the settings, held while not
configured, a refusal for good that ends the delivery, one destination pushed on its own."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhengwu.kernel.clock import clock_now, clock_set
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.inbox import InboxOutcome
from zhengwu.platform.exchange.models import Delivery
from zhengwu.platform.exchange.relay import HOLD_SECONDS, relay_run_once
from zhengwu.platform.exchange.services import deliveries_hasten, outbox_publish
from zhengwu.platform.exchange.tests.factories import ThingChanged
from zhengwu.platform.exchange.transport import TransportUnavailable

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)
# What the foreign receiver answers, by the thing's version; None: not configured.
ANSWERS: dict[str, dict[int, str]] = {}
SENT: list[tuple[str, int]] = []


class ForeignTransport:
    def send(self, *, envelope: Envelope, body: bytes, signature: str) -> InboxOutcome:
        answer = ANSWERS["mode"].get(int(envelope.payload["version"]), "ok")
        SENT.append((envelope.aggregate_id, envelope.sequence))
        if answer == "refuse":
            return InboxOutcome(200, {"status": "refused", "message": "字段不合规"})
        if answer == "fail":
            return InboxOutcome(503, {"code": "down", "message": "维护中"})
        return InboxOutcome(200, {"status": "applied"})


def foreign_transport_build(*, destination: str, timeout: float) -> ForeignTransport:
    if ANSWERS.get("configured") is None:
        raise TransportUnavailable("not configured here")
    return ForeignTransport()


@pytest.fixture(autouse=True)
def _foreign(settings: Any) -> None:
    settings.ZHENGWU_EXCHANGE_ROUTES = {
        **settings.ZHENGWU_EXCHANGE_ROUTES,
        "test.thing.changed": ["elsewhere", "public"],
    }
    settings.ZHENGWU_EXCHANGE_TRANSPORTS = {
        "elsewhere": "zhengwu.platform.exchange.tests.test_foreign_destinations.foreign_transport_build"
    }
    ANSWERS.clear()
    ANSWERS["mode"] = {}
    SENT.clear()
    clock_set(START)


def elsewhere() -> list[tuple[int, str, int, str]]:
    return list(
        Delivery.objects.filter(destination="elsewhere")
        .order_by("sequence")
        .values_list("sequence", "status", "attempts", "last_error")
    )


def test_a_destination_not_configured_holds_its_deliveries_without_counting_attempts() -> None:
    outbox_publish(event=ThingChanged(key="a", version=1))
    outbox_publish(event=ThingChanged(key="a", version=2))

    report = relay_run_once()

    # The inbox destination is delivered as ever; the foreign one is held, unattempted.
    assert (report.delivered, report.held, report.failed, report.ok) == (2, 1, 0, True)
    assert elsewhere() == [(1, "pending", 0, "not configured here"), (2, "pending", 0, "")]
    held = Delivery.objects.get(destination="elsewhere", sequence=1)
    assert held.next_attempt_at == clock_now() + dt.timedelta(seconds=HOLD_SECONDS)
    assert relay_run_once().attempted == 0

    ANSWERS["configured"] = "yes"
    assert deliveries_hasten(destination="elsewhere") == 1
    assert relay_run_once().delivered == 2
    assert elsewhere() == [(1, "delivered", 0, "not configured here"), (2, "delivered", 0, "")]


def test_a_refusal_for_good_ends_the_delivery_and_the_stream_goes_on() -> None:
    ANSWERS["configured"] = "yes"
    ANSWERS["mode"] = {1: "refuse"}
    outbox_publish(event=ThingChanged(key="a", version=1))
    outbox_publish(event=ThingChanged(key="a", version=2))

    report = relay_run_once(destinations={"elsewhere"})

    assert (report.attempted, report.refused, report.delivered, report.failed, report.dead) == (2, 1, 1, 0, 0)
    assert elsewhere() == [(1, "delivered", 0, "refused: 字段不合规"), (2, "delivered", 0, "")]
    assert SENT == [("a", 1), ("a", 2)]
    # Limited to "elsewhere": the inbox deliveries were not touched.
    assert list(Delivery.objects.filter(destination="public").values_list("status", flat=True)) == ["pending"] * 2


def test_other_failures_of_a_foreign_destination_are_retried_with_back_off() -> None:
    ANSWERS["configured"] = "yes"
    ANSWERS["mode"] = {1: "fail"}
    outbox_publish(event=ThingChanged(key="a", version=1))

    report = relay_run_once(destinations={"elsewhere"})

    assert (report.failed, report.refused) == (1, 0)
    assert elsewhere() == [(1, "pending", 1, "HTTP 503 down: 维护中")]
    assert deliveries_hasten(destination="elsewhere") == 1
    ANSWERS["mode"] = {}
    assert relay_run_once(destinations={"elsewhere"}).delivered == 1
