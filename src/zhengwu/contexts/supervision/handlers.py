"""Events of other platforms that the supervision platform records.

The exchange calls these inside the transaction that records the message in the inbox, once
per message and in order per subject; the version check below is a second line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import F

from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.supervision.models import RegisteredSubject
from zhengwu.platform.exchange.envelope import Envelope


def _changed_at(event: MarketSubjectChanged, envelope: Envelope) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(event.changed_at)
    except (TypeError, ValueError):
        value = None
    # A change without a usable instant still happened: it happened when it was published.
    return value if value is not None and value.tzinfo is not None else envelope.occurred_at_datetime


def market_subject_changed(payload: dict[str, Any], envelope: Envelope) -> None:
    """Record a subject's registration or change, whatever its status, and count the change."""
    event = MarketSubjectChanged.from_payload(payload)
    changed_at = _changed_at(event, envelope)
    fields = {
        "name": event.name,
        "status": event.status,
        "market_roles": sorted({str(r) for r in event.market_roles}),
        "region_code": event.region_code,
        "version": event.version,
        "updated_at": changed_at,
    }
    current = RegisteredSubject.objects.select_for_update().filter(uscc=event.uscc).first()
    if current is None:
        RegisteredSubject.objects.create(uscc=event.uscc, first_seen_at=changed_at, history_count=1, **fields)
        return
    if event.version <= current.version:
        return
    RegisteredSubject.objects.filter(pk=current.pk).update(history_count=F("history_count") + 1, **fields)


HANDLERS: dict[str, Callable[[dict[str, Any], Envelope], None]] = {
    MarketSubjectChanged.event_type: market_subject_changed,
}
