"""How a signed envelope reaches the destination's inbox: over HTTP, or in-process.

Both transports send the same bytes with the same signature and get the same ``InboxOutcome``
back; the in-process one (the standalone deployable) simply calls ``inbox_receive`` instead of
POSTing to ``<peer url>exchange/inbox``.

A destination that is not another deployable's inbox (the upward push to a higher-level
platform) names its own transport in ``settings.ZHENGWU_EXCHANGE_TRANSPORTS``: destination →
dotted path of a factory ``(*, destination, timeout) -> Transport``. The exchange imports it by
name, so it never imports the code that speaks the other side's protocol.
"""

from __future__ import annotations

import http.client
import json
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

from zhengwu.platform.exchange.envelope import HEADER_KEY_ID, HEADER_SIGNATURE, HEADER_SOURCE, Envelope
from zhengwu.platform.exchange.inbox import STANDALONE, InboxOutcome, inbox_receive
from zhengwu.platform.signing import peers_get, signing_key_get

DEFAULT_TIMEOUT = 10.0
INBOX_PATH = "exchange/inbox"


class TransportError(Exception):
    """The message could not be handed over (no route, connection refused, timeout…)."""


class TransportUnavailable(TransportError):
    """The destination is not configured on this installation (yet): hold the message, count no attempt.

    Nothing is wrong with the message or the receiver; an operator has not set the route up. The
    relay keeps such deliveries pending, untouched by the retry count, so that they neither
    become dead letters nor are lost while the route is missing.
    """


class Transport(Protocol):
    def send(self, *, envelope: Envelope, body: bytes, signature: str) -> InboxOutcome: ...


class InProcessTransport:
    """The standalone deployable's transport: the inbox is in this process and this database."""

    def send(self, *, envelope: Envelope, body: bytes, signature: str) -> InboxOutcome:
        return inbox_receive(body=body, source=envelope.source, signature=signature)


class HttpTransport:
    """POST to the peer's ``exchange/inbox`` with the stdlib client and a bounded timeout."""

    def __init__(self, *, url: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/") + "/" + INBOX_PATH
        self.timeout = timeout

    def send(self, *, envelope: Envelope, body: bytes, signature: str) -> InboxOutcome:
        parts = urlsplit(self.url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise TransportError(f"peer URL {self.url!r} is not http(s)")
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=self.timeout)
        headers = {
            "Content-Type": "application/json",
            HEADER_SOURCE: envelope.source,
            HEADER_SIGNATURE: signature,
            HEADER_KEY_ID: signing_key_get().public.key_id,
        }
        try:
            connection.request("POST", parts.path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read(64 * 1024)
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()
        try:
            decoded = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            decoded = {"code": "not_json", "message": raw[:200].decode("utf-8", errors="replace")}
        if not isinstance(decoded, dict):
            decoded = {"code": "not_json", "message": str(decoded)[:200]}
        return InboxOutcome(status=status, body=decoded)


def transport_for(destination: str, *, timeout: float = DEFAULT_TIMEOUT) -> Transport:
    """The transport towards ``destination`` from this deployable.

    A transport named for the destination in ``ZHENGWU_EXCHANGE_TRANSPORTS`` comes first; its
    factory may raise ``TransportUnavailable`` while the destination is not configured.
    """
    factory_path = getattr(settings, "ZHENGWU_EXCHANGE_TRANSPORTS", {}).get(destination)
    if factory_path:
        factory = import_string(factory_path)
        transport: Transport = factory(destination=destination, timeout=timeout)
        return transport
    if settings.ZHENGWU_PLATFORM == STANDALONE:
        return InProcessTransport()
    peer = peers_get().get(destination)
    if peer is None:
        raise TransportError(f"no peer configured for platform {destination!r} (ZHENGWU_PEERS)")
    return HttpTransport(url=peer.url, timeout=timeout)
