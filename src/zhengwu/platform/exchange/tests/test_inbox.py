"""The receiving endpoint: signature, idempotency, order — through HTTP, as peers call it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from zhengwu.kernel.crypto import SigningKey
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.models import InboxCursor, InboxMessage, RejectedMessage
from zhengwu.platform.exchange.tests.factories import envelope_make
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db

INBOX = "/exchange/inbox"


def post(client: Client, body: bytes, *, source: str = "standalone", signature: str = "") -> tuple[int, dict[str, Any]]:
    response = client.post(
        INBOX,
        data=body,
        content_type="application/json",
        headers={"X-Zhengwu-Source": source, "X-Zhengwu-Signature": signature},
    )
    return response.status_code, response.json()


def send(client: Client, envelope: Envelope, key: SigningKey | None = None) -> tuple[int, dict[str, Any]]:
    return post(client, envelope.canonical(), source=envelope.source, signature=envelope.sign(key or signing_key_get()))


def applied() -> list[tuple[str, int]]:
    return list(InboxMessage.objects.order_by("id").values_list("aggregate_id", "sequence"))


def test_a_signed_message_is_applied_once_and_its_duplicate_acknowledged(client: Client) -> None:
    envelope = envelope_make(sequence=1)

    first = send(client, envelope)
    second = send(client, envelope)

    assert first == (200, {"status": "applied", "message_id": envelope.id})
    assert second == (200, {"status": "duplicate", "message_id": envelope.id})
    stored = InboxMessage.objects.get()
    assert str(stored.message_id) == envelope.id
    assert (stored.source, stored.destination, stored.sequence) == ("standalone", "public", 1)
    assert stored.payload == envelope.payload
    assert stored.signature == envelope.sign(signing_key_get())
    assert InboxCursor.objects.get().last_sequence == 1
    assert RejectedMessage.objects.count() == 0


def test_the_same_message_for_another_destination_is_a_different_delivery(client: Client) -> None:
    message_id = envelope_make().id
    assert send(client, envelope_make(destination="public", message_id=message_id))[0] == 200
    assert send(client, envelope_make(destination="supervision", message_id=message_id))[0] == 200

    assert sorted(InboxMessage.objects.values_list("destination", flat=True)) == ["public", "supervision"]


def test_a_message_ahead_of_its_stream_is_refused_until_its_predecessor_arrives(client: Client) -> None:
    first, second, third = (envelope_make(sequence=n) for n in (1, 2, 3))

    early = send(client, third)
    assert early[0] == 409
    assert early[1]["code"] == "exchange_out_of_order"
    assert early[1]["detail"] == {"expected": 1, "received": 3}
    assert applied() == []

    assert send(client, first)[1]["status"] == "applied"
    assert send(client, third)[0] == 409
    assert send(client, second)[1]["status"] == "applied"
    assert send(client, third)[1]["status"] == "applied"

    assert applied() == [("thing-1", 1), ("thing-1", 2), ("thing-1", 3)]
    # Another aggregate is a separate stream and starts at 1 regardless.
    assert send(client, envelope_make(aggregate_id="thing-2", sequence=1))[1]["status"] == "applied"


def test_an_old_sequence_under_a_new_id_is_a_conflict_not_a_silent_drop(client: Client) -> None:
    assert send(client, envelope_make(sequence=1))[0] == 200

    status, body = send(client, envelope_make(sequence=1))

    assert status == 409
    assert body["code"] == "exchange_sequence_conflict"
    assert applied() == [("thing-1", 1)]


def test_a_forged_signature_is_refused_logged_and_not_applied(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    envelope = envelope_make(sequence=1)

    status, body = send(client, envelope, key=SigningKey.generate())

    assert status == 403
    assert body == {
        "code": "exchange_signature_invalid",
        "message": "消息签名验证失败，可能被伪造或篡改",
        "detail": {"reason": "bad_signature"},
    }
    assert applied() == []
    assert InboxCursor.objects.count() == 0
    rejected = RejectedMessage.objects.get()
    assert (rejected.reason, rejected.claimed_source, rejected.message_id) == (
        "bad_signature",
        "standalone",
        envelope.id,
    )
    assert rejected.remote_addr == "127.0.0.1"
    assert json.loads(rejected.body) == envelope.as_dict()
    assert "refused message from 'standalone'" in caplog.text


def test_an_altered_payload_is_refused_logged_and_not_applied(client: Client) -> None:
    envelope = envelope_make(sequence=1, payload={"key": "thing-1", "version": 1, "note": "genuine"})
    signature = envelope.sign(signing_key_get())
    altered = json.loads(envelope.canonical())
    altered["payload"]["note"] = "tampered"

    status, body = post(client, json.dumps(altered).encode(), signature=signature)

    assert status == 403
    assert body["code"] == "exchange_signature_invalid"
    assert applied() == []
    assert RejectedMessage.objects.get().reason == "bad_signature"


def test_a_reformatted_but_unaltered_body_is_accepted(client: Client) -> None:
    envelope = envelope_make(sequence=1)
    pretty = json.dumps(envelope.as_dict(), indent=2, ensure_ascii=True).encode()

    status, body = post(client, pretty, signature=envelope.sign(signing_key_get()))

    assert (status, body["status"]) == (200, "applied")


@pytest.mark.parametrize(
    ("_case", "source", "signature", "status", "code", "reason"),
    [
        ("unknown platform", "stranger", "c2ln", 401, "exchange_unknown_source", "unknown_source"),
        ("no source", "", "c2ln", 401, "exchange_unknown_source", "missing_source"),
        ("no signature", "standalone", "", 401, "exchange_signature_missing", "missing_signature"),
        ("signature not base64", "standalone", "!!!", 403, "exchange_signature_invalid", "bad_signature"),
    ],
)
def test_messages_without_a_known_sender_or_signature_are_refused_and_logged(
    client: Client, _case: str, source: str, signature: str, status: int, code: str, reason: str
) -> None:
    envelope = envelope_make(sequence=1, source=source or "standalone")

    got_status, body = post(client, envelope.canonical(), source=source, signature=signature)

    assert (got_status, body["code"], body["detail"]) == (status, code, {"reason": reason})
    assert set(body) == {"code", "message", "detail"}
    assert applied() == []
    assert list(RejectedMessage.objects.values_list("reason", flat=True)) == [reason]


def test_a_header_source_that_differs_from_the_signed_source_is_refused(client: Client, settings: Any) -> None:
    other = SigningKey.generate()
    settings.ZHENGWU_PEERS = f"trading=http://127.0.0.1:9/|{other.public.to_b64()}"
    envelope = envelope_make(sequence=1, source="standalone")

    status, body = post(client, envelope.canonical(), source="trading", signature=envelope.sign(other))

    assert (status, body["code"]) == (403, "exchange_source_mismatch")
    assert applied() == []
    assert RejectedMessage.objects.get().reason == "source_mismatch"


def test_a_message_from_a_configured_peer_is_verified_with_the_peer_key(client: Client, settings: Any) -> None:
    trading = SigningKey.generate()
    settings.ZHENGWU_PEERS = f"trading=http://127.0.0.1:9/|{trading.public.to_b64()}"
    envelope = envelope_make(sequence=1, source="trading")

    assert send(client, envelope, key=trading) == (200, {"status": "applied", "message_id": envelope.id})
    assert send(client, envelope_make(sequence=2, source="trading"), key=signing_key_get())[0] == 403
    assert applied() == [("thing-1", 1)]


@pytest.mark.parametrize(
    ("_case", "body", "detail_fragment"),
    [
        ("not json", b"{not json", "not UTF-8 JSON"),
        ("a list", b"[1, 2]", "not a JSON object"),
        ("a missing field", json.dumps({"id": "x"}).encode(), "missing"),
        (
            "a float",
            json.dumps({**envelope_make().as_dict(), "payload": {"ratio": 0.5}}).encode(),
            "floats",
        ),
        ("sequence zero", json.dumps({**envelope_make().as_dict(), "sequence": 0}).encode(), "sequence"),
        (
            "naive time",
            json.dumps({**envelope_make().as_dict(), "occurred_at": "2026-03-02T08:00:00"}).encode(),
            "zone",
        ),
    ],
)
def test_a_malformed_body_is_refused_with_400_and_logged(
    client: Client, _case: str, body: bytes, detail_fragment: str
) -> None:
    status, answer = post(client, body, signature="c2ln")

    assert (status, answer["code"]) == (400, "exchange_malformed")
    assert applied() == []
    rejected = RejectedMessage.objects.get()
    assert rejected.reason == "malformed"
    assert detail_fragment in rejected.detail


def test_a_message_for_a_platform_this_deployable_does_not_serve_is_refused(client: Client, settings: Any) -> None:
    settings.ZHENGWU_PLATFORMS = ["trading", "supervision"]

    status, body = send(client, envelope_make(sequence=1, destination="public"))

    assert (status, body["code"]) == (400, "exchange_wrong_destination")
    assert applied() == []
    assert RejectedMessage.objects.get().reason == "wrong_destination"


def test_only_post_is_allowed(client: Client) -> None:
    response = client.get(INBOX)

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert RejectedMessage.objects.count() == 0
