"""Events of other platforms that the supervision platform records.

The exchange calls these inside the transaction that records the message in the inbox, once
per message and in order per subject; the version check below is a second line of defence.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db.models import F

from zhengwu.contexts.bidding.events import BidsFrozen, CustodyShareIssued, OpeningRecorded
from zhengwu.contexts.evaluation.events import (
    AwardDecided,
    CandidatesPublished,
    ContractRegistered,
    WrittenReportSubmitted,
    event_received,
)
from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.supervision.models import (
    AwardTrack,
    FrozenBids,
    HeldShare,
    OpeningRecord,
    RegisteredSubject,
    SectionStatusHistory,
    WatchedNotice,
    WatchedSection,
)
from zhengwu.contexts.tendering.events import NoticePublished, SectionStatusChanged
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import suite_get
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.inbox import sender_key_get

logger = logging.getLogger(__name__)


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


def _instant(value: str | None, *, event_type: str, field: str) -> dt.datetime | None:
    """An aware instant from the event's ISO 8601 text; one without a time zone is refused.

    Refusing fails the message: the exchange retries it and, in the end, shows it to an
    operator as a dead letter. Guessing the zone of a legal deadline would be worse.
    """
    if value is None:
        return None
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{event_type}: {field} {value!r} has no time zone")
    return parsed


def _happened_at(value: str, *, event_type: str, envelope: Envelope) -> dt.datetime:
    try:
        parsed = _instant(value, event_type=event_type, field="time")
    except (TypeError, ValueError):
        parsed = None
    # A change without a usable instant still happened: it happened when it was published.
    return parsed or envelope.occurred_at_datetime


def notice_published(payload: dict[str, Any], envelope: Envelope) -> None:
    """Record a published notice; a notice already recorded is left as it is."""
    event = NoticePublished.from_payload(payload)
    fields: dict[str, Any] = {
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
        "published_at": _happened_at(event.published_at, event_type=event.event_type, envelope=envelope),
        "bid_deadline": _instant(event.bid_deadline, event_type=event.event_type, field="bid_deadline"),
        "opening_at": _instant(event.opening_at, event_type=event.event_type, field="opening_at"),
        "references_notice_id": uuid.UUID(event.references_notice_id) if event.references_notice_id else None,
        "attachments": list(event.attachments),
    }
    existing = WatchedNotice.objects.filter(notice_id=fields["notice_id"]).first()
    if existing is not None:
        changed = sorted(name for name, value in fields.items() if getattr(existing, name) != value)
        if changed:
            # A published notice never changes; a different second version is worth a regulator's
            # look, but the record keeps what was first published.
            logger.warning(
                "supervision: notice %s received again with different %s (message %s); kept the first",
                event.notice_id,
                ", ".join(changed),
                envelope.id,
            )
        return
    WatchedNotice.objects.bulk_create([WatchedNotice(received_at=clock_now(), **fields)], ignore_conflicts=True)


def section_status_changed(payload: dict[str, Any], envelope: Envelope) -> None:
    """Follow a section's lifecycle: record the change in its history and, unless it is older
    than the status already shown, make it the section's current status."""
    event = SectionStatusChanged.from_payload(payload)
    message_id = uuid.UUID(envelope.id)
    if SectionStatusHistory.objects.filter(message_id=message_id).exists():
        return
    changed_at = _happened_at(event.changed_at, event_type=event.event_type, envelope=envelope)
    current = {
        "section_name": event.section_name,
        "status": event.status,
        "previous_status": event.previous_status,
        "reason": event.reason,
        "bid_deadline": _instant(event.bid_deadline, event_type=event.event_type, field="bid_deadline"),
        "changed_at": changed_at,
    }
    key = {"project_code": event.project_code, "section_code": event.section_code}
    section = WatchedSection.objects.select_for_update().filter(**key).first()
    if section is None:
        section = WatchedSection.objects.create(**key, **current, first_seen_at=changed_at, change_count=1)
    else:
        same_change = section.history.filter(
            status=event.status, previous_status=event.previous_status, reason=event.reason, changed_at=changed_at
        ).exists()
        if same_change:
            # The same transition at the same instant, sent again in another message: one fact.
            return
        if changed_at >= section.changed_at:
            WatchedSection.objects.filter(pk=section.pk).update(change_count=F("change_count") + 1, **current)
        else:
            # The exchange orders a project's events, so this should not happen; if it does, the
            # history keeps the change and the current status stays the latest one.
            logger.warning(
                "supervision: section %s/%s change to %r at %s is older than the current one (%s); kept in history",
                event.project_code,
                event.section_code,
                event.status,
                changed_at.isoformat(),
                section.changed_at.isoformat(),
            )
            WatchedSection.objects.filter(pk=section.pk).update(change_count=F("change_count") + 1)
    SectionStatusHistory.objects.create(
        section=section,
        message_id=message_id,
        status=event.status,
        previous_status=event.previous_status,
        reason=event.reason,
        bid_deadline=current["bid_deadline"],
        changed_at=changed_at,
        received_at=clock_now(),
    )


def custody_share_issued(payload: dict[str, Any], envelope: Envelope) -> None:
    """Keep the supervision platform's sealed share of an opening key (once per key)."""
    event = CustodyShareIssued.from_payload(payload)
    HeldShare.objects.bulk_create(
        [
            HeldShare(
                section_code=event.section_code,
                envelope=event.envelope,
                opening_fingerprint=event.opening_fingerprint,
                custodian_fingerprint=event.custodian_fingerprint,
                blob=base64.b64decode(event.blob),
                received_at=clock_now(),
            )
        ],
        ignore_conflicts=True,
    )


def bids_frozen(payload: dict[str, Any], envelope: Envelope) -> None:
    """Record a section's freeze, after checking the trading platform's signature over it.

    A freeze whose signature does not verify is refused (the message becomes a dead letter an
    operator sees): the shares must never be released on a forged freeze.
    """
    event = BidsFrozen.from_payload(payload)
    event.statement_verified(key=sender_key_get(envelope.source))
    FrozenBids.objects.bulk_create(
        [
            FrozenBids(
                section_code=event.section_code,
                deadline=dt.datetime.fromisoformat(event.deadline),
                frozen_at=dt.datetime.fromisoformat(event.frozen_at),
                leaf_count=event.leaf_count,
                root=event.root,
                body=event.body,
                signature=event.signature,
                key_id=event.key_id,
                received_at=clock_now(),
            )
        ],
        ignore_conflicts=True,
    )


def opening_recorded(payload: dict[str, Any], envelope: Envelope) -> None:
    """Keep a section's signed opening record (开标记录), once, after checking the trading
    platform's signature over it.

    A record whose signature does not verify, or that is not the named section's record, is
    refused (the message becomes a dead letter an operator sees) and nothing is kept. A record
    already kept stays as it was; a different second one is logged for the operators.
    """
    event = OpeningRecorded.from_payload(payload)
    record = event.record_verified(key=sender_key_get(envelope.source))
    bids, objections, opening_round = record["bids"], record["objections"], record["round"]
    existing = OpeningRecord.objects.filter(section_code=event.section_code, round=opening_round).first()
    if existing is not None:
        if existing.body != event.record:
            logger.warning(
                "supervision: opening record of %s received again with different content (message %s); kept the first",
                event.section_code,
                envelope.id,
            )
        return
    recorded_at = _instant(record.get("recorded_at"), event_type=event.event_type, field="recorded_at")
    if recorded_at is None:
        raise ValueError(f"{event.event_type} {event.section_code}: recorded_at is missing")
    outcomes = Counter(str(b.get("outcome")) for b in bids)
    freeze_root = record.get("freeze_root")
    OpeningRecord.objects.bulk_create(
        [
            OpeningRecord(
                section_code=event.section_code,
                round=opening_round,
                project_code=event.project_code,
                body=event.record,
                record=record,
                signature=event.signature,
                key_id=event.key_id,
                digest=suite_get("intl").hexdigest(event.record.encode("utf-8")),
                freeze_root=freeze_root if isinstance(freeze_root, str) else "",
                recorded_at=recorded_at,
                bid_count=len(bids),
                opened_count=outcomes["opened"],
                revoked_count=outcomes["revoked"],
                withdrawn_count=outcomes["withdrawn"],
                objection_count=len(objections),
                received_at=clock_now(),
            )
        ],
        ignore_conflicts=True,
    )


HANDLERS: dict[str, Callable[[dict[str, Any], Envelope], None]] = {
    MarketSubjectChanged.event_type: market_subject_changed,
    NoticePublished.event_type: notice_published,
    SectionStatusChanged.event_type: section_status_changed,
    CustodyShareIssued.event_type: custody_share_issued,
    BidsFrozen.event_type: bids_frozen,
    OpeningRecorded.event_type: opening_recorded,
}


# After the evaluation: candidates, award, written report, contract -----------------------------
#
# The four events fill one row per section (``AwardTrack``) in whatever order they arrive; each
# sets its own fields once. The event's own check decides what is well formed: a malformed one
# fails the message (a dead letter an operator sees) and nothing is recorded.


def _aware(value: Any, *, event_type: str, field: str) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{event_type}: {field} is missing")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{event_type}: {field} {value!r} is not an instant: {exc}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{event_type}: {field} {value!r} has no time zone")
    return parsed


def _beijing_date(value: Any, *, event_type: str, field: str) -> dt.date:
    """A Beijing date, from an ISO date or an aware ISO instant; ValueError otherwise.

    Statutory periods count days (招标投标法 第四十六条、第四十七条): of a deadline, the day is what is kept.
    """
    try:
        if isinstance(value, str) and len(value) == 10:
            return dt.date.fromisoformat(value)
        return _aware(value, event_type=event_type, field=field).astimezone(CHINA_TZ).date()
    except ValueError as exc:
        raise ValueError(f"{event_type}: {field} {value!r} is not a date: {exc}") from None


def _award_track_apply(
    event: CandidatesPublished | AwardDecided | ContractRegistered | WrittenReportSubmitted,
    envelope: Envelope,
    fields: dict[str, Any],
    *,
    if_unset: dict[str, Any] | None = None,
) -> None:
    """Set ``fields`` (and ``if_unset`` where still empty) on the section's row, once per event type.

    The row is created by whichever event comes first; a replay of an event already applied
    changes nothing, and a different second version of it is logged and left out.
    """
    payload = event.payload()
    now = clock_now()
    # ignore_conflicts: the row may exist already, or a message racing this one may create it.
    AwardTrack.objects.bulk_create(
        [
            AwardTrack(
                section_code=event.section_code,
                project_code=event.project_code,
                section_name=event.section_name,
                updated_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    track = AwardTrack.objects.select_for_update().get(section_code=event.section_code)
    seen = track.payloads.get(event.event_type)
    if seen is not None:
        if seen != payload:
            logger.warning(
                "supervision: %s of %s received again with different content (message %s); kept the first",
                event.event_type,
                event.section_code,
                envelope.id,
            )
        return
    changes = dict(fields)
    for name, value in {
        "project_code": event.project_code,
        "section_name": event.section_name,
        **(if_unset or {}),
    }.items():
        if value and not getattr(track, name):
            changes[name] = value
    AwardTrack.objects.filter(pk=track.pk).update(
        **changes, payloads={**track.payloads, event.event_type: payload}, updated_at=now
    )


def candidates_published(payload: dict[str, Any], envelope: Envelope) -> None:
    """Record a section's candidates and the publicity period (中标候选人公示)."""
    event = event_received(CandidatesPublished, payload)
    kind = event.event_type
    _award_track_apply(
        event,
        envelope,
        {
            "candidates": sorted(event.candidates, key=lambda row: row["rank"]),
            "publicity_starts_at": _aware(event.starts_at, event_type=kind, field="starts_at"),
            "publicity_ends_at": _aware(event.ends_at, event_type=kind, field="ends_at"),
        },
    )


def award_decided(payload: dict[str, Any], envelope: Envelope) -> None:
    """Record the winner, the amounts and the deadlines the award starts (report 15 days, contract 30)."""
    event = event_received(AwardDecided, payload)
    kind = event.event_type
    _award_track_apply(
        event,
        envelope,
        {
            "winner": event.bidder,
            "winner_uscc": event.uscc,
            "price_fen": event.price_fen,
            "budget_fen": event.budget_fen,
            "savings_fen": event.savings_fen,
            "notice_number": event.notice_number,
            "decided_at": _aware(event.decided_at, event_type=kind, field="decided_at"),
            "contract_due": _beijing_date(event.contract_due, event_type=kind, field="contract_due"),
        },
        # The written report may have arrived first with the same deadline.
        if_unset={"report_due": _beijing_date(event.report_due, event_type=kind, field="report_due")},
    )


def written_report_submitted(payload: dict[str, Any], envelope: Envelope) -> None:
    """Record the tenderer's written report (招标投标情况书面报告) and whether it came late."""
    event = event_received(WrittenReportSubmitted, payload)
    kind = event.event_type
    _award_track_apply(
        event,
        envelope,
        {
            "report_submitted_at": _aware(event.submitted_at, event_type=kind, field="submitted_at"),
            "report_tenderer": event.tenderer,
            "report_text": event.text,
            "report_late": bool(event.late),
        },
        if_unset={"report_due": _beijing_date(event.due, event_type=kind, field="due")},
    )


def contract_registered(payload: dict[str, Any], envelope: Envelope) -> None:
    """Record the registered contract and whether it was registered late; never refused for lateness."""
    event = event_received(ContractRegistered, payload)
    kind = event.event_type
    _award_track_apply(
        event,
        envelope,
        {
            "contract_number": event.contract_number,
            "contract_signed_on": _beijing_date(event.signed_on, event_type=kind, field="signed_on"),
            "contract_amount_fen": event.amount_fen,
            "contract_registered_at": _aware(event.registered_at, event_type=kind, field="registered_at"),
            "contract_late": bool(event.late),
            "security_return_due": (
                _beijing_date(event.security_return_due, event_type=kind, field="security_return_due")
                if event.security_return_due
                else None
            ),
        },
    )


HANDLERS.update(
    {
        CandidatesPublished.event_type: candidates_published,
        AwardDecided.event_type: award_decided,
        WrittenReportSubmitted.event_type: written_report_submitted,
        ContractRegistered.event_type: contract_registered,
    }
)
