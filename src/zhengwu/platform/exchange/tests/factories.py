"""Events and envelopes for the exchange's own tests (no context is imported here)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import ClassVar

from zhengwu.kernel.crypto import SigningKey
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.events import ExchangeEvent

THING_ROUTES = {"test.thing.changed": ["public", "supervision"], "test.thing.noted": ["supervision"]}


@dataclasses.dataclass(frozen=True)
class ThingChanged(ExchangeEvent):
    event_type: ClassVar[str] = "test.thing.changed"
    aggregate_type: ClassVar[str] = "test.thing"

    key: str
    version: int
    note: str = ""

    @property
    def aggregate_id(self) -> str:
        return self.key


@dataclasses.dataclass(frozen=True)
class ThingNoted(ThingChanged):
    """Same aggregate as ThingChanged, routed to supervision only."""

    event_type: ClassVar[str] = "test.thing.noted"


def envelope_make(
    *,
    sequence: int = 1,
    aggregate_id: str = "thing-1",
    source: str = "standalone",
    destination: str = "public",
    payload: dict[str, object] | None = None,
    message_id: str | None = None,
) -> Envelope:
    return Envelope(
        id=message_id or str(uuid.uuid4()),
        source=source,
        destination=destination,
        event_type="test.thing.changed",
        aggregate_type="test.thing",
        aggregate_id=aggregate_id,
        sequence=sequence,
        occurred_at="2026-03-02T08:00:00+00:00",
        payload=payload if payload is not None else {"key": aggregate_id, "version": sequence, "note": ""},
    )


def signed(envelope: Envelope, key: SigningKey) -> tuple[bytes, str]:
    return envelope.canonical(), envelope.sign(key)
