"""Events of other platforms that the public platform applies to its read models.

The exchange calls these inside the transaction that records the message in the inbox, once
per message and in order per subject; the version check below is a second line of defence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from zhengwu.contexts.disclosure.models import MarketSubject
from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.platform.exchange.envelope import Envelope

PUBLISHED_STATUS = "verified"


def _changed_at(event: MarketSubjectChanged, envelope: Envelope) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(event.changed_at)
    except (TypeError, ValueError):
        value = None
    # A change without a usable instant still happened: it happened when it was published.
    return value if value is not None and value.tzinfo is not None else envelope.occurred_at_datetime


def market_subject_changed(payload: dict[str, Any], envelope: Envelope) -> None:
    """List a verified subject, update it, or take it off the list when it is no longer verified."""
    event = MarketSubjectChanged.from_payload(payload)
    current = MarketSubject.objects.select_for_update().filter(uscc=event.uscc).first()
    if current is not None and event.version <= current.version:
        return
    if event.status != PUBLISHED_STATUS:
        MarketSubject.objects.filter(uscc=event.uscc).delete()
        return
    roles = sorted({str(r) for r in event.market_roles})
    MarketSubject.objects.update_or_create(
        uscc=event.uscc,
        defaults={
            "name": event.name,
            "status": event.status,
            "market_roles": roles,
            "roles_index": "|" + "|".join(roles) + "|" if roles else "",
            "region_code": event.region_code,
            "version": event.version,
            "updated_at": _changed_at(event, envelope),
        },
    )


HANDLERS: dict[str, Callable[[dict[str, Any], Envelope], None]] = {
    MarketSubjectChanged.event_type: market_subject_changed,
}
