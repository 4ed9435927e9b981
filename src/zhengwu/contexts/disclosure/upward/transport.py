"""The exchange's transport to the higher-level platform: POST the XML envelope, record the receipt.

Named for the ``upward`` destination in ``settings.ZHENGWU_EXCHANGE_TRANSPORTS``; the relay calls it
for each queued record, in order per tender project, inside the delivery's transaction (so the
receipt recorded here commits with the delivery's outcome). The body is the envelope's XML,
signed with this deployable's Ed25519 key (the signature and key id in the exchange's headers,
this platform's PUB_SERVICE_PLAT_CODE as the source).

- ``{"STATUS":"1"}`` → acknowledged; the delivery is done.
- ``{"STATUS":"-1","MSG":…}`` with HTTP 200 → refused for good, with the message; not retried.
- anything else (connection refused, timeout, 5xx, 401/403, not JSON) → the attempt failed; the
  relay retries with back-off and, in the end, makes it a dead letter an operator sees.
- ``ZHENGWU_UPWARD_URL`` unset → ``TransportUnavailable``: the records wait, pending, uncounted.
"""

from __future__ import annotations

import base64
import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from zhengwu.contexts.disclosure.events import UpwardRecordQueued
from zhengwu.contexts.disclosure.models import UpwardSubmission
from zhengwu.contexts.disclosure.upward.services import UpwardConfig, upward_config, upward_envelope_for
from zhengwu.kernel.clock import clock_now
from zhengwu.platform.exchange.envelope import HEADER_KEY_ID, HEADER_SIGNATURE, HEADER_SOURCE, Envelope
from zhengwu.platform.exchange.inbox import InboxOutcome
from zhengwu.platform.exchange.transport import TransportError, TransportUnavailable
from zhengwu.platform.signing import signing_key_get

NOT_CONFIGURED = "上级平台未配置（ZHENGWU_UPWARD_URL）"
_MAX_REPLY = 64 * 1024


def upward_transport_build(*, destination: str, timeout: float) -> UpwardTransport:
    """The transport to the configured higher-level platform; ``TransportUnavailable`` while none is configured."""
    config = upward_config()
    if not config.configured:
        raise TransportUnavailable(NOT_CONFIGURED)
    return UpwardTransport(config=config, timeout=timeout)


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TransportError(f"ZHENGWU_UPWARD_URL {url!r} is not http(s)")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(_MAX_REPLY)
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()


def _reply(raw: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


class UpwardTransport:
    """POST one record's envelope to the higher level and keep its receipt on the submission."""

    def __init__(self, *, config: UpwardConfig, timeout: float) -> None:
        self.config = config
        self.timeout = timeout

    def send(self, *, envelope: Envelope, body: bytes, signature: str) -> InboxOutcome:
        """Send the record the outbox message carries; the exchange's own body and signature are not used."""
        event = UpwardRecordQueued.from_payload(envelope.payload)
        submission = UpwardSubmission.objects.filter(message_id=envelope.id).first()
        xml = upward_envelope_for(event, config=self.config)
        key = signing_key_get()
        headers = {
            "Content-Type": "application/xml; charset=utf-8",
            HEADER_SOURCE: self.config.service_code,
            HEADER_SIGNATURE: base64.b64encode(key.sign(xml)).decode("ascii"),
            HEADER_KEY_ID: key.public.key_id,
        }
        try:
            status, raw = _post(self.config.url, xml, headers, self.timeout)
        except TransportError as exc:
            self._note(submission, error=str(exc))
            raise
        reply = _reply(raw)
        message = str(reply.get("MSG", ""))
        if status == 200 and str(reply.get("STATUS")) == "1":
            self._note(submission, status=UpwardSubmission.Status.ACKNOWLEDGED)
            return InboxOutcome(200, {"status": "applied"})
        if status == 200 and str(reply.get("STATUS")) == "-1":
            self._note(submission, status=UpwardSubmission.Status.REJECTED, reply=message)
            return InboxOutcome(200, {"status": "refused", "message": message})
        error = f"HTTP {status}: {message or raw[:200].decode('utf-8', errors='replace')}"
        self._note(submission, error=error)
        return InboxOutcome(status if status >= 400 else 502, {"code": "upward_failed", "message": error})

    @staticmethod
    def _note(
        submission: UpwardSubmission | None,
        *,
        status: str | None = None,
        reply: str = "",
        error: str = "",
    ) -> None:
        if submission is None:
            return
        now = clock_now()
        submission.attempts += 1
        submission.last_attempt_at = now
        if status is not None:
            submission.status, submission.reply, submission.answered_at = status, reply[:2000], now
        else:
            submission.last_error = error[:2000]
        submission.save(update_fields=["attempts", "last_attempt_at", "status", "reply", "answered_at", "last_error"])
