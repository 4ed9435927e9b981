"""The upward push through the exchange, in one process: events in, records queued, delivered, receipts kept.

The standalone deployable applies a tender's events and pushes the records to a higher-level
platform that is this same installation (a loop-back: the transport's HTTP call is replaced by a
call to the receiving endpoint's service), so both sides' reports can be compared. The real
HTTP path between two installations is ``tests/exchange/test_upward_processes.py``.
"""

from __future__ import annotations

import base64
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from zhengwu.contexts.bidding.events import OpeningRecorded
from zhengwu.contexts.disclosure.events import UpwardRecordQueued
from zhengwu.contexts.disclosure.models import UpwardReceipt, UpwardReceived, UpwardRecord, UpwardSubmission
from zhengwu.contexts.disclosure.tests import upward_samples as s
from zhengwu.contexts.disclosure.upward import transport as upward_transport
from zhengwu.contexts.disclosure.upward.receiving import upward_upload_receive
from zhengwu.contexts.disclosure.upward.selectors import upward_receiver_report, upward_sender_report
from zhengwu.contexts.disclosure.upward.services import upward_event_received, upward_rejected_resend
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import PermissionDenied
from zhengwu.platform.exchange.envelope import HEADER_SIGNATURE, HEADER_SOURCE, Envelope
from zhengwu.platform.exchange.models import Delivery, OutboxMessage
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.exchange.transport import TransportError
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db

CITY = "12530100MB0C17Y01X"
ENDPOINT = "http://province.example/api/disclosure/upward/upload"


class Province:
    """The higher-level platform: this installation's receiving service, reachable or not."""

    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        self.calls += 1
        if not self.up:
            raise TransportError("ConnectionRefusedError: [Errno 111] Connection refused")
        answer = upward_upload_receive(body=body, source=headers[HEADER_SOURCE], signature=headers[HEADER_SIGNATURE])
        return answer.http_status, json.dumps(answer.body).encode()


@pytest.fixture
def province(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Province:
    settings.ZHENGWU_UPWARD_URL = ""
    settings.ZHENGWU_UPWARD_PUB_SERVICE_PLAT_CODE = CITY
    settings.ZHENGWU_UPWARD_PLATFORM_CODE = "91530100MA6K0TRADE"
    settings.ZHENGWU_UPWARD_TRADE_PLAT = "E5301000001"
    settings.ZHENGWU_UPWARD_PUB_SERVICE_PLAT = "P5301000001"
    settings.ZHENGWU_UPWARD_TRADE_SYSTEM_NO = "E53010000001"
    settings.ZHENGWU_UPWARD_SOURCES = f"{CITY}={signing_key_get().public.to_b64()}"
    fake = Province()
    monkeypatch.setattr(upward_transport, "_post", fake.post)
    yield fake
    clock_reset()


def publish(*events: Any) -> None:
    for event in events:
        with transaction.atomic():
            outbox_publish(event=event)
    relay_run_once(limit=1000)


def signed_opening() -> OpeningRecorded:
    key = signing_key_get()
    body = canonical_dumps(s.opening_record())
    return OpeningRecorded(
        section_code=s.SECTION,
        project_code=s.PROJECT,
        record=body.decode("utf-8"),
        signature=base64.b64encode(key.sign(body)).decode("ascii"),
        key_id=key.public.key_id,
    )


def counts(rows: list[Any], *names: str) -> dict[int, tuple[int, ...]]:
    return {row.data_no: tuple(getattr(row, name) for name in names) for row in rows}


def both_sides_agree() -> dict[int, tuple[int, ...]]:
    """The sender's (sent, acknowledged, rejected) per dataset, once checked equal to the receiver's."""
    sent = counts(upward_sender_report().rows, "sent", "acknowledged", "rejected")
    received = counts(
        [r for r in upward_receiver_report().rows if r.source == CITY], "received", "accepted", "rejected"
    )
    assert sent == received
    return sent


def test_without_an_endpoint_the_records_wait_pending_and_the_report_says_not_configured(province: Province) -> None:
    publish(s.tender_notice())

    report = upward_sender_report()
    assert (report.configured, report.endpoint) == (False, "")
    assert counts(report.rows, "queued", "sent", "pending", "retrying") == {
        501: (1, 0, 1, 0),
        502: (1, 0, 1, 0),
        503: (1, 0, 1, 0),
    }
    held = Delivery.objects.filter(destination="upward").order_by("sequence")
    # The head of the stream is held (no attempt counted); the others wait behind it.
    assert [(d.status, d.attempts, d.last_error) for d in held] == [
        ("pending", 0, "上级平台未配置（ZHENGWU_UPWARD_URL）"),
        ("pending", 0, ""),
        ("pending", 0, ""),
    ]
    # Held, not retried: the next relay run does not touch them, and nothing was sent.
    assert relay_run_once().attempted == 0
    assert province.calls == 0
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("upward", "push", stdout=out)
    assert caught.value.returncode == 1
    assert "not configured" in str(caught.value)
    assert Delivery.objects.filter(destination="upward", status="pending", attempts=0).count() == 3


def test_a_whole_tender_reaches_the_higher_level_in_order_and_both_reports_agree(
    province: Province, settings: Any
) -> None:
    settings.ZHENGWU_UPWARD_URL = ENDPOINT
    publish(
        s.tender_notice(),
        s.amendment(),
        signed_opening(),
        s.candidates(),
        s.award(),
        s.contract(),
    )

    assert both_sides_agree() == {
        501: (1, 1, 0),
        502: (1, 1, 0),
        503: (2, 2, 0),  # the notice, then its new deadline (DATA_TYPE 2)
        506: (1, 1, 0),
        507: (3, 3, 0),
        510: (3, 3, 0),
        511: (1, 1, 0),
        512: (1, 1, 0),
        513: (1, 1, 0),
    }
    assert UpwardSubmission.objects.exclude(status="acknowledged").count() == 0
    notice = UpwardRecord.objects.get(data_no=503)
    assert [(x.version, x.data_type) for x in notice.submissions.order_by("version")] == [(1, 1), (2, 2)]
    stored = UpwardReceived.objects.get(data_no=503)
    assert (stored.data_key, stored.data_type, stored.fields["IS_POSTPONE"], stored.fields["BID_OPEN_TIME"]) == (
        notice.data_key,
        2,
        "1",
        "20260827093000",
    )
    assert UpwardReceived.objects.get(data_no=513).fields["WIN_BIDDER_CODE"] == s.BIDDERS[0][1]
    # One stream per tender project, delivered in the order the records were produced.
    streams = Delivery.objects.filter(destination="upward").values_list("aggregate_id", "sequence")
    assert sorted(streams) == [(s.TENDER_PROJECT, n) for n in range(1, 15)]


def test_a_redelivered_event_queues_nothing_and_a_changed_one_queues_a_new_version(province: Province) -> None:
    publish(s.tender_notice())
    queued = UpwardSubmission.objects.count()
    message = OutboxMessage.objects.get(event_type="tendering.notice.published")
    envelope = Envelope(
        id=str(message.message_id),
        source="standalone",
        destination="public",
        event_type=message.event_type,
        aggregate_type=message.aggregate_type,
        aggregate_id=message.aggregate_id,
        sequence=1,
        occurred_at=message.occurred_at.isoformat(),
        payload=message.payload,
    )

    assert upward_event_received(payload=message.payload, envelope=envelope) == []
    assert UpwardSubmission.objects.count() == queued == 3
    clock_set(message.occurred_at)
    renamed = {**message.payload, "project_name": "呈贡区吴家营片区市政道路工程（二期）"}
    (again,) = [x for x in upward_event_received(payload=renamed, envelope=envelope) if x.data_no == 501]
    first = UpwardSubmission.objects.get(data_no=501, version=1)
    # Produced in the same second as the first version: one second later, so that the versions order.
    assert (again.version, again.data_type, int(again.data_timestamp) - int(first.data_timestamp)) == (2, 2, 1)


def test_while_the_higher_level_is_down_records_are_retried_then_all_arrive(province: Province, settings: Any) -> None:
    settings.ZHENGWU_UPWARD_URL = ENDPOINT
    province.up = False
    publish(s.tender_notice())

    report = upward_sender_report()
    assert counts(report.rows, "queued", "sent", "pending", "retrying") == {
        501: (1, 0, 1, 1),
        502: (1, 0, 1, 0),
        503: (1, 0, 1, 0),
    }
    assert report.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    # Only the head of the stream is tried; the others wait behind it, in order.
    assert [(d.attempts, d.status) for d in Delivery.objects.filter(destination="upward").order_by("sequence")] == [
        (1, "pending"),
        (0, "pending"),
        (0, "pending"),
    ]

    province.up = True
    out = StringIO()
    call_command("upward", "push", stdout=out)

    assert "acknowledged 3, refused 0, failed 0" in out.getvalue()
    assert both_sides_agree() == {501: (1, 1, 0), 502: (1, 1, 0), 503: (1, 1, 0)}
    assert UpwardSubmission.objects.get(data_no=501).attempts == 2


def test_a_refused_record_is_not_retried_and_is_resent_once_the_cause_is_mended(
    province: Province, settings: Any
) -> None:
    settings.ZHENGWU_UPWARD_URL = ENDPOINT
    settings.ZHENGWU_UPWARD_TRADE_PLAT = ""
    publish(s.tender_notice())

    message = "TRADE_PLAT（电子招标投标交易平台标识码）不能为空"
    assert both_sides_agree() == {501: (1, 0, 1), 502: (1, 0, 1), 503: (1, 0, 1)}
    assert set(UpwardSubmission.objects.values_list("status", "reply")) == {("rejected", message)}
    deliveries = Delivery.objects.filter(destination="upward")
    assert {(d.status, d.attempts, d.last_error) for d in deliveries} == {("delivered", 0, f"refused: {message}")}
    assert relay_run_once().attempted == 0
    assert UpwardReceived.objects.count() == 0
    with pytest.raises(PermissionDenied):
        upward_rejected_resend(by=Actor(user_id=1, username="bidder1", roles=frozenset({"bidder"})))

    settings.ZHENGWU_UPWARD_TRADE_PLAT = "E5301000001"
    assert len(upward_rejected_resend(by=Actor.system("test"))) == 3
    relay_run_once()

    # The same submissions judged again: accepted now, counted once on both sides.
    assert both_sides_agree() == {501: (1, 1, 0), 502: (1, 1, 0), 503: (1, 1, 0)}
    assert list(UpwardReceipt.objects.values_list("times", flat=True)) == [2, 2, 2]


def test_the_report_command_prints_both_sides_and_json(province: Province, settings: Any) -> None:
    settings.ZHENGWU_UPWARD_URL = ENDPOINT
    publish(s.tender_notice())
    out = StringIO()
    call_command("upward", "report", stdout=out)
    text = out.getvalue()
    assert f"Sent upward from {CITY} to {ENDPOINT}" in text
    assert [line.split()[:2] + line.split()[-6:] for line in text.splitlines() if line.strip().startswith("502 ")] == [
        ["502", "SECTION", "1", "1", "1", "0", "0", "0"]
    ]
    out = StringIO()
    call_command("upward", "report", "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert [(r["data_no"], r["acknowledged"]) for r in document["sender"]["rows"]] == [(501, 1), (502, 1), (503, 1)]
    assert [(r["source"], r["data_no"], r["accepted"], r["stored"]) for r in document["receiver"]["rows"]] == [
        (CITY, 501, 1, 1),
        (CITY, 502, 1, 1),
        (CITY, 503, 1, 1),
    ]


def test_a_queued_event_carries_the_record_and_not_the_envelope(province: Province) -> None:
    publish(s.tender_notice())
    message = OutboxMessage.objects.filter(event_type=UpwardRecordQueued.event_type).order_by("id").first()
    assert message is not None
    event = UpwardRecordQueued.from_payload(message.payload)
    assert (event.data_no, event.data_type, event.version, event.stream) == (501, 1, 1, s.TENDER_PROJECT)
    assert event.data_key == UpwardRecord.objects.get(data_no=501).data_key
    assert dict(event.fields)["TENDER_PROJECT_CODE"] == s.TENDER_PROJECT
    assert "PLATFORM_CODE" not in dict(event.fields)
