"""Events of other platforms that the public platform applies to its read models.

The exchange calls these inside the transaction that records the message in the inbox, once
per message and in order per subject; the version check below is a second line of defence.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any

from zhengwu.contexts.disclosure.models import MarketSubject, Notice
from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.tendering.events import NoticePublished
from zhengwu.kernel.clock import clock_now
from zhengwu.platform.exchange.envelope import Envelope

logger = logging.getLogger(__name__)

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


def _instant(value: str | None, *, field: str) -> dt.datetime | None:
    """An aware instant from the event's ISO 8601 text; a deadline without a time zone is refused.

    Refusing fails the message: the exchange retries it and, in the end, shows it to an
    operator as a dead letter. Guessing the zone of a legal deadline would be worse.
    """
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{NoticePublished.event_type}: {field} {value!r} has no time zone")
    return parsed


def _notice_fields(event: NoticePublished, envelope: Envelope) -> dict[str, Any]:
    try:
        published_at = _instant(event.published_at, field="published_at")
    except (TypeError, ValueError):
        published_at = None
    return {
        "notice_id": uuid.UUID(event.notice_id),
        "kind": event.kind,
        "trade_type": event.trade_type,
        "procedure": event.procedure,
        "project_code": event.project_code,
        "project_name": event.project_name,
        "section_codes": [str(code) for code in event.section_codes],
        "title": event.title,
        "body": event.body,
        "tenderer_name": event.tenderer_name,
        "agency_name": event.agency_name or "",
        "region_code": event.region_code,
        "budget_fen": event.budget_fen,
        # A notice without a usable publishing instant was still published: when it was sent.
        "published_at": published_at or envelope.occurred_at_datetime,
        "bid_deadline": _instant(event.bid_deadline, field="bid_deadline"),
        "opening_at": _instant(event.opening_at, field="opening_at"),
        "references_notice_id": uuid.UUID(event.references_notice_id) if event.references_notice_id else None,
        "attachments": list(event.attachments),
        "opening_keys": [dict(k) for k in event.opening_keys],
    }


def notice_published(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish a notice on the trading website; a notice already received is left as it is."""
    event = NoticePublished.from_payload(payload)
    fields = _notice_fields(event, envelope)
    existing = Notice.objects.filter(notice_id=fields["notice_id"]).first()
    if existing is not None:
        changed = sorted(name for name, value in fields.items() if getattr(existing, name) != value)
        if changed:
            # Published notices are immutable: a second, different version is the sender's bug.
            # Keep what the public has already seen and leave a trace for the operators.
            logger.warning(
                "disclosure: notice %s received again with different %s (message %s); kept the first",
                event.notice_id,
                ", ".join(changed),
                envelope.id,
            )
        return
    # ignore_conflicts: a replay racing this one must not fail the message it belongs to.
    Notice.objects.bulk_create([Notice(received_at=clock_now(), **fields)], ignore_conflicts=True)


HANDLERS: dict[str, Callable[[dict[str, Any], Envelope], None]] = {
    MarketSubjectChanged.event_type: market_subject_changed,
    NoticePublished.event_type: notice_published,
}
