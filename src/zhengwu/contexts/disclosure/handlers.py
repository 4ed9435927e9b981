"""Events of other platforms that the public platform applies to its read models.

The exchange calls these inside the transaction that records the message in the inbox, once
per message and in order per subject; the version check below is a second line of defence.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from zhengwu.contexts.bidding.events import BidsFrozen, OpeningRecorded
from zhengwu.contexts.center.events import CatalogueTitleChanged, HallInfoChanged, RosterPublished
from zhengwu.contexts.disclosure.models import (
    AwardResult,
    BidFreeze,
    CandidatePublicity,
    CentreDuty,
    CentreHall,
    CentreRoster,
    ContractRecord,
    ExpertDrawCommitment,
    LibraryTitle,
    MarketSubject,
    Notice,
    OpeningRecord,
    PublishedTreeHead,
    SectionFailure,
)
from zhengwu.contexts.disclosure.ocds.store import OCDS_EVENT_TYPES, handler_with_releases
from zhengwu.contexts.disclosure.search import notice_search_document
from zhengwu.contexts.disclosure.upward.services import upward_event_received
from zhengwu.contexts.evaluation.events import AwardDecided, CandidatesPublished, ContractRegistered, event_received
from zhengwu.contexts.experts.events import DrawCommitted
from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.tendering.events import NoticePublished, SectionFailed
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import suite_get
from zhengwu.platform.audit.chain import instant_text, tree_head_payload
from zhengwu.platform.audit.events import TreeHeadSealed
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.inbox import sender_key_get

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
    changed_at = _changed_at(event, envelope)
    fields = {
        "name": event.name,
        "status": event.status,
        "market_roles": roles,
        "roles_index": "|" + "|".join(roles) + "|" if roles else "",
        "region_code": event.region_code,
        "version": event.version,
        "updated_at": changed_at,
    }
    # Only the event that lists the subject sets when it was first listed; later changes keep it.
    MarketSubject.objects.update_or_create(
        uscc=event.uscc, defaults=fields, create_defaults={**fields, "first_seen_at": changed_at}
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
    terms = notice_search_document(
        title=event.title,
        project_name=event.project_name,
        project_code=event.project_code,
        tenderer_name=event.tenderer_name,
        agency_name=event.agency_name or "",
        body=event.body,
    )
    Notice.objects.bulk_create([Notice(received_at=clock_now(), search_terms=terms, **fields)], ignore_conflicts=True)


# The freeze and the opening record ----------------------------------------------------------
#
# Both are statements the trading platform signed with its own key, carried inside a message
# signed with the same key. The exchange has checked the message; the statement is checked again
# here because it is what the public is shown and may re-verify, long after the message is gone.
# A statement that does not verify, or whose fields say something else than what was signed,
# fails the message: it becomes a dead letter an operator sees, and nothing is published.


def _signed_instant(value: Any, *, what: str, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(f"{what}: {field} is missing")
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{what}: {field} {value!r} has no time zone")
    return parsed


def bids_frozen(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish a section's freeze (the signed Merkle root of its bids at the deadline), once.

    Refused unless the trading platform's signature over the statement verifies and the event's
    fields are the ones signed. A freeze already published is kept as the public first saw it.
    """
    event = BidsFrozen.from_payload(payload)
    what = f"{BidsFrozen.event_type} {event.section_code}"
    event.statement_verified(key=sender_key_get(envelope.source))
    existing = BidFreeze.objects.filter(section_code=event.section_code).first()
    if existing is not None:
        if existing.body != event.body:
            # A section is frozen once; a second, different freeze is the sender's bug (or worse).
            # The public keeps the root it was shown first; the operators get a trace.
            logger.warning(
                "disclosure: freeze of %s received again with a different statement (message %s); kept the first",
                event.section_code,
                envelope.id,
            )
        return
    BidFreeze.objects.bulk_create(
        [
            BidFreeze(
                section_code=event.section_code,
                deadline=_signed_instant(event.deadline, what=what, field="deadline"),
                frozen_at=_signed_instant(event.frozen_at, what=what, field="frozen_at"),
                leaf_count=event.leaf_count,
                root=event.root,
                body=event.body,
                signature=event.signature,
                key_id=event.key_id,
                payload=dict(payload),
                received_at=clock_now(),
            )
        ],
        # A replay racing this one must not fail the message it belongs to.
        ignore_conflicts=True,
    )


def opening_recorded(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish a section's signed opening record (开标记录), once.

    Refused unless the trading platform's signature over the record verifies and the record is
    the one of the section the event names. A record already published is kept as it was.
    """
    event = OpeningRecorded.from_payload(payload)
    what = f"{OpeningRecorded.event_type} {event.section_code}"
    record = event.record_verified(key=sender_key_get(envelope.source))
    bids, objections, opening_round = record["bids"], record["objections"], record["round"]
    existing = OpeningRecord.objects.filter(section_code=event.section_code, round=opening_round).first()
    if existing is not None:
        if existing.body != event.record:
            logger.warning(
                "disclosure: opening record of %s received again with different content (message %s); kept the first",
                event.section_code,
                envelope.id,
            )
        return
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
                recorded_at=_signed_instant(record.get("recorded_at"), what=what, field="recorded_at"),
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


def expert_draw_committed(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish the commitment of a section's expert draw, once.

    The announcement only — the section, the suite, the commitment, its time. A commitment
    already published is kept: a second, different one for the same section would let the
    platform choose between draws, so the public keeps the first and the operators get a trace.
    """
    event = DrawCommitted.from_payload(payload).checked()
    what = f"{DrawCommitted.event_type} {event.section_code}"
    existing = ExpertDrawCommitment.objects.filter(section_code=event.section_code).first()
    if existing is not None:
        if existing.commitment != event.commitment:
            logger.warning(
                "disclosure: draw commitment of %s received again with a different value (message %s); kept the first",
                event.section_code,
                envelope.id,
            )
        return
    ExpertDrawCommitment.objects.bulk_create(
        [
            ExpertDrawCommitment(
                section_code=event.section_code,
                format=event.format,
                suite=event.suite,
                commitment=event.commitment,
                committed_at=_signed_instant(event.committed_at, what=what, field="committed_at"),
                payload=dict(payload),
                received_at=clock_now(),
            )
        ],
        # A replay racing this one must not fail the message it belongs to.
        ignore_conflicts=True,
    )


HANDLERS: dict[str, Callable[[dict[str, Any], Envelope], None]] = {
    MarketSubjectChanged.event_type: market_subject_changed,
    NoticePublished.event_type: notice_published,
    BidsFrozen.event_type: bids_frozen,
    OpeningRecorded.event_type: opening_recorded,
    DrawCommitted.event_type: expert_draw_committed,
}


# After the evaluation: the candidates, the award, the contract ---------------------------------
#
# Each is a public statement made once per section. The event's own check decides what is well
# formed; a malformed one fails the message (a dead letter an operator sees) and nothing is
# published. One already published is kept as the public first saw it.


def _beijing_date(value: Any, *, what: str, field: str) -> dt.date:
    """A Beijing date, from an ISO date or an aware ISO instant; ValueError otherwise.

    Statutory periods count days (招标投标法 第四十六条、第四十七条): of a deadline, the day is what is kept.
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what}: {field} is missing")
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return _signed_instant(value, what=what, field=field).astimezone(CHINA_TZ).date()
    except ValueError as exc:
        raise ValueError(f"{what}: {field} {value!r} is not a date: {exc}") from None


def _published_once(
    model: type[CandidatePublicity] | type[AwardResult] | type[ContractRecord],
    *,
    section_code: str,
    payload: dict[str, Any],
    envelope: Envelope,
    label: str,
) -> bool:
    """True if the section's statement is already published: a replay, or (logged) a different second one."""
    existing = model.objects.filter(section_code=section_code).first()
    if existing is None:
        return False
    if existing.payload != payload:
        logger.warning(
            "disclosure: %s of %s received again with different content (message %s); kept the first",
            label,
            section_code,
            envelope.id,
        )
    return True


def candidates_published(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish a section's winning candidates (中标候选人公示) with the committee and the draw record, once."""
    event = event_received(CandidatesPublished, payload)
    what = f"{event.event_type} {event.section_code}"
    starts_at = _signed_instant(event.starts_at, what=what, field="starts_at")
    ends_at = _signed_instant(event.ends_at, what=what, field="ends_at")
    if ends_at < starts_at:
        raise ValueError(f"{what}: the publicity ends before it starts")
    if event.draw_record is not None and not isinstance(event.draw_record, dict):
        raise ValueError(f"{what}: draw_record malformed")
    if _published_once(
        CandidatePublicity,
        section_code=event.section_code,
        payload=event.payload(),
        envelope=envelope,
        label="candidate publicity",
    ):
        return
    CandidatePublicity.objects.bulk_create(
        [
            CandidatePublicity(
                section_code=event.section_code,
                project_code=event.project_code,
                section_name=event.section_name,
                method=event.method,
                outcome=event.outcome,
                starts_at=starts_at,
                ends_at=ends_at,
                candidates=sorted(event.candidates, key=lambda row: row["rank"]),
                rejected=list(event.rejected),
                committee=list(event.committee),
                result_digest=event.result_digest,
                draw_record=event.draw_record,
                payload=event.payload(),
                received_at=clock_now(),
            )
        ],
        # A replay racing this one must not fail the message it belongs to.
        ignore_conflicts=True,
    )


def award_decided(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish a section's result notice (中标结果公告): the winner, the price and the savings, once."""
    event = event_received(AwardDecided, payload)
    what = f"{event.event_type} {event.section_code}"
    decided_at = _signed_instant(event.decided_at, what=what, field="decided_at")
    contract_due = _beijing_date(event.contract_due, what=what, field="contract_due")
    if isinstance(event.rank, bool) or not isinstance(event.rank, int) or event.rank < 1:
        raise ValueError(f"{what}: rank malformed")
    if _published_once(
        AwardResult, section_code=event.section_code, payload=event.payload(), envelope=envelope, label="award"
    ):
        return
    AwardResult.objects.bulk_create(
        [
            AwardResult(
                section_code=event.section_code,
                project_code=event.project_code,
                section_name=event.section_name,
                bidder=event.bidder,
                uscc=event.uscc,
                rank=event.rank,
                price_fen=event.price_fen,
                budget_fen=event.budget_fen,
                savings_fen=event.savings_fen,
                notice_number=event.notice_number,
                decided_at=decided_at,
                passed_over=list(event.passed_over),
                contract_due=contract_due,
                payload=event.payload(),
                received_at=clock_now(),
            )
        ],
        ignore_conflicts=True,
    )


def contract_registered(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish a section's registered contract and its key terms, once; a late one is marked, not refused."""
    event = event_received(ContractRegistered, payload)
    what = f"{event.event_type} {event.section_code}"
    signed_on = _beijing_date(event.signed_on, what=what, field="signed_on")
    registered_at = _signed_instant(event.registered_at, what=what, field="registered_at")
    security_return_due = (
        _beijing_date(event.security_return_due, what=what, field="security_return_due")
        if event.security_return_due
        else None
    )
    if _published_once(
        ContractRecord, section_code=event.section_code, payload=event.payload(), envelope=envelope, label="contract"
    ):
        return
    ContractRecord.objects.bulk_create(
        [
            ContractRecord(
                section_code=event.section_code,
                project_code=event.project_code,
                section_name=event.section_name,
                contract_number=event.contract_number,
                supplier=event.supplier,
                supplier_uscc=event.supplier_uscc,
                subject=event.subject,
                amount_fen=event.amount_fen,
                quality=event.quality or "",
                term=event.term or "",
                signed_on=signed_on,
                registered_at=registered_at,
                late=bool(event.late),
                security_return_due=security_return_due,
                payload=event.payload(),
                received_at=clock_now(),
            )
        ],
        ignore_conflicts=True,
    )


HANDLERS.update(
    {
        CandidatesPublished.event_type: candidates_published,
        AwardDecided.event_type: award_decided,
        ContractRegistered.event_type: contract_registered,
    }
)


def section_failed(payload: dict[str, Any], envelope: Envelope) -> None:
    """Announce a failed section (流标) once, with why."""
    event = SectionFailed.from_payload(payload)
    what = f"{SectionFailed.event_type} {event.section_code}"
    if not isinstance(event.section_code, str) or not event.section_code.strip():
        raise ValueError(f"{what}: section code missing")
    SectionFailure.objects.bulk_create(
        [
            SectionFailure(
                section_code=event.section_code,
                project_code=event.project_code,
                section_name=event.section_name,
                reason=str(event.reason)[:60],
                failed_at=_signed_instant(event.failed_at, what=what, field="failed_at"),
                received_at=clock_now(),
            )
        ],
        ignore_conflicts=True,
    )


HANDLERS[SectionFailed.event_type] = section_failed


# Transparency: every platform's audit tree heads ------------------------------------------------


def tree_head_sealed(payload: dict[str, Any], envelope: Envelope) -> None:
    """Publish a platform's signed audit tree head, once.

    Refused (a dead letter for the operators) unless it comes from the platform it names, is
    signed with that platform's key, and the signature covers exactly these fields. A second
    head of the same size with another root is evidence of a rewritten log: the first is kept
    and the operators warned.
    """
    event = TreeHeadSealed.from_payload(payload)
    what = f"{TreeHeadSealed.event_type} {event.platform}#{event.tree_size}"
    if event.platform != envelope.source:
        raise ValueError(f"{what}: sent by {envelope.source!r}, not by the platform it names")
    key = sender_key_get(envelope.source)
    if key is None or key.to_b64() != event.public_key:
        raise ValueError(f"{what}: not signed with the sending platform's key")
    if isinstance(event.tree_size, bool) or not isinstance(event.tree_size, int) or event.tree_size < 1:
        raise ValueError(f"{what}: tree size malformed")
    created_at = _signed_instant(event.created_at, what=what, field="created_at")
    signed = tree_head_payload(
        tree_size=event.tree_size,
        root_hash=event.root_hash,
        created_at=created_at,
        suite=event.suite,
        key_id=event.key_id,
    )
    try:
        signature = base64.b64decode(event.signature, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ValueError(f"{what}: signature malformed") from None
    if instant_text(created_at) != event.created_at or not key.verify(signed, signature):
        raise ValueError(f"{what}: signature does not verify")
    existing = PublishedTreeHead.objects.filter(platform=event.platform, tree_size=event.tree_size).first()
    if existing is not None:
        if existing.root_hash != event.root_hash:
            logger.error(
                "disclosure: %s signed two roots for %s entries (%s, now %s; message %s); kept the first",
                event.platform,
                event.tree_size,
                existing.root_hash,
                event.root_hash,
                envelope.id,
            )
        return
    PublishedTreeHead.objects.bulk_create(
        [
            PublishedTreeHead(
                platform=event.platform,
                tree_size=event.tree_size,
                root_hash=event.root_hash,
                created_at=created_at,
                created_text=event.created_at,
                suite=event.suite,
                key_id=event.key_id,
                public_key=event.public_key,
                signature=event.signature,
                received_at=clock_now(),
            )
        ],
        ignore_conflicts=True,
    )


HANDLERS[TreeHeadSealed.event_type] = tree_head_sealed


# The service centre: the hall, the published duty roster, the library's catalogue ----------------
#
# Each event is a snapshot of its subject: it replaces what is stored, unless it is older than
# what is stored. "Older" is the centre's ``changed_at``, then the message's place in its stream
# (two changes in the same instant are applied in the order they were sent), so a late or
# redelivered message changes nothing.


def _centre_instant(value: Any, *, what: str, field: str) -> dt.datetime:
    try:
        return _signed_instant(value, what=what, field=field)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: {field} {value!r} is not an instant: {exc}") from None


def _superseded(
    current: CentreHall | CentreRoster | LibraryTitle | None, changed_at: dt.datetime, envelope: Envelope
) -> bool:
    """True if what is stored is as new as the message or newer: the message changes nothing."""
    if current is None:
        return False
    return (changed_at, envelope.sequence) <= (current.changed_at, current.sequence)


def _rows(value: Any, *, what: str, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise ValueError(f"{what}: {field} is not a list of objects")
    return [dict(row) for row in value]


def centre_hall_changed(payload: dict[str, Any], envelope: Envelope) -> None:
    """Replace the public copy of the hall's information with the one sent, unless it is older."""
    event = HallInfoChanged.from_payload(payload)
    what = HallInfoChanged.event_type
    changed_at = _centre_instant(event.changed_at, what=what, field="changed_at")
    fields = {
        "hours": _rows(event.hours, what=what, field="hours"),
        "amenities": _rows(event.amenities, what=what, field="amenities"),
        "windows": _rows(event.windows, what=what, field="windows"),
        "announcements": _rows(event.announcements, what=what, field="announcements"),
    }
    for row in fields["hours"]:
        weekday = row.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 1 <= weekday <= 7:
            raise ValueError(f"{what}: hours weekday {weekday!r} malformed")
        for name in ("opens", "closes"):
            if row.get(name) is not None:
                try:
                    dt.time.fromisoformat(str(row[name]))
                except ValueError:
                    raise ValueError(f"{what}: hours {name} {row[name]!r} malformed") from None
    for row in fields["announcements"]:
        _centre_instant(row.get("published_at"), what=what, field="announcements.published_at")
        if row.get("expires_at") is not None:
            _centre_instant(row["expires_at"], what=what, field="announcements.expires_at")
    current = CentreHall.objects.select_for_update().order_by("id").first()
    if _superseded(current, changed_at, envelope):
        return
    stored = current or CentreHall()
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.changed_at, stored.sequence, stored.received_at = changed_at, envelope.sequence, clock_now()
    stored.save()


def centre_roster_published(payload: dict[str, Any], envelope: Envelope) -> None:
    """Replace a year's published duties with the ones sent, unless the message is older than what is stored."""
    event = RosterPublished.from_payload(payload)
    what = f"{RosterPublished.event_type} {event.year}"
    if isinstance(event.year, bool) or not isinstance(event.year, int) or not 2000 <= event.year <= 2100:
        raise ValueError(f"{what}: year malformed")
    changed_at = _centre_instant(event.changed_at, what=what, field="changed_at")
    published_at = _centre_instant(event.published_at, what=what, field="published_at")
    duties = []
    for position, row in enumerate(_rows(event.duties, what=what, field="duties")):
        try:
            day = dt.date.fromisoformat(str(row["day"]))
            duties.append(
                CentreDuty(
                    position=position,
                    day=day,
                    department=str(row["department"])[:100],
                    leader=str(row["leader"])[:50],
                    title=str(row.get("title") or "")[:50],
                    status=str(row.get("status") or "planned")[:10],
                )
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{what}: duty {position} malformed: {exc}") from None
    current = CentreRoster.objects.select_for_update().filter(year=event.year).first()
    if _superseded(current, changed_at, envelope):
        return
    roster = current or CentreRoster(year=event.year)
    roster.published_at, roster.changed_at, roster.sequence = published_at, changed_at, envelope.sequence
    roster.received_at = clock_now()
    roster.save()
    roster.duties.all().delete()
    for duty in duties:
        duty.roster = roster
    CentreDuty.objects.bulk_create(duties)


def library_title_changed(payload: dict[str, Any], envelope: Envelope) -> None:
    """List a library title with its availability, update it or mark it withdrawn; an older message changes nothing."""
    event = CatalogueTitleChanged.from_payload(payload)
    what = f"{CatalogueTitleChanged.event_type} {event.key}"
    if not isinstance(event.key, str) or not event.key.strip() or len(event.key) > 20:
        raise ValueError(f"{what}: key malformed")
    for name in ("copies_total", "copies_available"):
        value = getattr(event, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{what}: {name} malformed")
    changed_at = _centre_instant(event.changed_at, what=what, field="changed_at")
    recommended_at = (
        _centre_instant(event.recommended_at, what=what, field="recommended_at") if event.recommended_at else None
    )
    current = LibraryTitle.objects.select_for_update().filter(key=event.key).first()
    if _superseded(current, changed_at, envelope):
        return
    fields = {
        "kind": str(event.kind)[:12],
        "isbn": str(event.isbn or "")[:13],
        "title": str(event.title)[:300],
        "author": str(event.author or "")[:200],
        "publisher": str(event.publisher or "")[:200],
        "year": event.year if isinstance(event.year, int) and not isinstance(event.year, bool) else None,
        "category": str(event.category or "")[:20],
        "call_number": str(event.call_number or "")[:50],
        "summary": str(event.summary or ""),
        "recommended_at": recommended_at,
        "copies_total": event.copies_total,
        "copies_available": min(event.copies_available, event.copies_total),
        "withdrawn": bool(event.withdrawn),
        "changed_at": changed_at,
        "sequence": envelope.sequence,
        "received_at": clock_now(),
    }
    LibraryTitle.objects.update_or_create(key=event.key, defaults=fields)


HANDLERS.update(
    {
        HallInfoChanged.event_type: centre_hall_changed,
        RosterPublished.event_type: centre_roster_published,
        CatalogueTitleChanged.event_type: library_title_changed,
    }
)


# The upward push ---------------------------------------------------------------------------
#
# After the read models, in the same transaction: the records of the national datasets the event
# gives, queued for the higher-level platform (``upward.services``). A redelivered event changes
# no record and queues nothing; a failure here fails the message like a read model's would, so
# the exchange retries it and nothing is half-applied.

_UPWARD_EVENTS = (
    NoticePublished.event_type,
    OpeningRecorded.event_type,
    CandidatesPublished.event_type,
    AwardDecided.event_type,
    ContractRegistered.event_type,
)


def _then_upward(
    handler: Callable[[dict[str, Any], Envelope], None],
) -> Callable[[dict[str, Any], Envelope], None]:
    def applied_then_queued(payload: dict[str, Any], envelope: Envelope) -> None:
        handler(payload, envelope)
        upward_event_received(payload=payload, envelope=envelope)

    applied_then_queued.__doc__ = handler.__doc__
    applied_then_queued.__name__ = f"{handler.__name__}_then_upward"
    return applied_then_queued


for _event_type in _UPWARD_EVENTS:
    HANDLERS[_event_type] = _then_upward(HANDLERS[_event_type])


# Open data (OCDS): each event about a contracting process also becomes a release, written in the
# same transaction right after the read model's update (``ocds.store``). Kept last, so that it wraps
# every handler above whichever block registered it.
for _event_type in OCDS_EVENT_TYPES:
    HANDLERS[_event_type] = handler_with_releases(HANDLERS[_event_type], event_type=_event_type)
