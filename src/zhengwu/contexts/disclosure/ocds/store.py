"""Writes OCDS releases and records, chained after the read-model handlers in the same transaction.

``handler_with_releases`` wraps a handler of ``handlers.HANDLERS``: once the read model has the
event, the event's releases are built (``ocds``/``ocds.results``), validated against the profile
and stored, and the section's record is compiled again. A replay adds nothing: a release id is
stable, and ``(ocid, release_id)`` is stored once. Nothing here may stop an event from landing:
a release that fails validation is stored unpublished with its errors, and a failure of the
mapping itself is logged as an error and leaves the read model's update in place.
"""

from __future__ import annotations

import datetime as dt
import logging
import zlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse

from zhengwu.contexts.bidding.events import BidsFrozen, OpeningRecorded
from zhengwu.contexts.disclosure.models import CandidatePublicity, Notice, OcdsRecord, OcdsRelease, OpeningRecord
from zhengwu.contexts.disclosure.ocds.check import compiled_release, release_errors
from zhengwu.contexts.disclosure.ocds.releases import (
    PUBLISHED_TRADE_TYPES,
    OpenedBid,
    Release,
    Site,
    draw_release,
    freeze_release,
    notice_releases,
    opening_release,
    parties_completed,
)
from zhengwu.contexts.disclosure.ocds.results import (
    award_release,
    candidates_release,
    contract_release,
    failure_release,
)
from zhengwu.contexts.disclosure.selectors import FAILURE_REASON_LABELS
from zhengwu.contexts.evaluation.events import AwardDecided, CandidatesPublished, ContractRegistered
from zhengwu.contexts.experts.events import DrawCommitted
from zhengwu.contexts.tendering.events import NoticePublished, SectionFailed
from zhengwu.kernel.clock import clock_now
from zhengwu.platform.exchange.envelope import Envelope

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], Envelope], None]

# The events that concern a contracting process; the others (market subjects) make no release.
OCDS_EVENT_TYPES = (
    NoticePublished.event_type,
    BidsFrozen.event_type,
    OpeningRecorded.event_type,
    DrawCommitted.event_type,
    CandidatesPublished.event_type,
    AwardDecided.event_type,
    ContractRegistered.event_type,
    SectionFailed.event_type,
)
# PostgreSQL advisory lock serialising the release writers until their commit (``OcdsRelease.seq``).
_LOCK_KEY = zlib.crc32(b"zhengwu.disclosure.ocds_release")
_PLACEHOLDER = "OCDS0PLACEHOLDER"


def ocds_site() -> Site:
    """The ocid prefix and the public pages' addresses, from the settings and the URLconf."""
    return Site(
        prefix=settings.ZHENGWU_OCDS_PREFIX,
        base_url=settings.ZHENGWU_PUBLIC_URL,
        notice_path=reverse("public:disclosure:notice_detail", args=[_PLACEHOLDER]).replace(_PLACEHOLDER, "{}"),
        section_path=reverse("public:disclosure:section_detail", args=[_PLACEHOLDER]).replace(_PLACEHOLDER, "{}"),
    )


def _outside_ocds(section_code: str, *, site: Site) -> bool:
    """True when the section's notice says it is a land or property trade (OCDS models procurement only)."""
    # A process with a record is procurement: the scan of the notices is for its first release only.
    if OcdsRecord.objects.filter(ocid=site.ocid(section_code)).exists():
        return False
    trade_type = (
        Notice.objects.filter(section_codes__icontains=f'"{section_code}"').values_list("trade_type", flat=True).first()
    )
    return trade_type is not None and trade_type not in PUBLISHED_TRADE_TYPES


def _opened_bids(section_code: str) -> list[OpenedBid]:
    """The section's bids as its opening records list them; a later opening's read-out price wins."""
    found: dict[tuple[str, str], OpenedBid] = {}
    for opening in OpeningRecord.objects.filter(section_code=section_code).order_by("round"):
        for bid in opening.record.get("bids", []):
            uscc, name = str(bid.get("bidder_uscc") or ""), str(bid.get("bidder") or "")
            readout = bid.get("readout") if isinstance(bid.get("readout"), dict) else {}
            price = readout.get("price_fen")
            price = price if isinstance(price, int) and not isinstance(price, bool) else None
            earlier = found.get((uscc, name))
            outcome = earlier.outcome if earlier is not None else str(bid.get("outcome", ""))
            if price is None and earlier is not None:
                price = earlier.price_fen
            found[(uscc, name)] = OpenedBid(uscc=uscc, name=name, outcome=outcome, price_fen=price)
    return list(found.values())


def releases_of(event_type: str, payload: dict[str, Any]) -> list[Release]:
    """The releases an event makes, with what the public platform already knows of its section."""
    site = ocds_site()
    if event_type == NoticePublished.event_type:
        return notice_releases(NoticePublished.from_payload(payload), site=site)
    section_code = str(payload.get("section_code", ""))
    if not section_code or _outside_ocds(section_code, site=site):
        return []
    if event_type == BidsFrozen.event_type:
        return [freeze_release(BidsFrozen.from_payload(payload), site=site)]
    if event_type == OpeningRecorded.event_type:
        opening = OpeningRecorded.from_payload(payload)
        return [opening_release(section_code=opening.section_code, body=opening.record, site=site)]
    if event_type == DrawCommitted.event_type:
        return [draw_release(DrawCommitted.from_payload(payload), site=site)]
    if event_type == CandidatesPublished.event_type:
        candidates = CandidatesPublished.from_payload(payload)
        return [candidates_release(candidates, site=site, opened=_opened_bids(section_code))]
    if event_type == AwardDecided.event_type:
        publicity = CandidatePublicity.objects.filter(section_code=section_code).first()
        published = list(publicity.candidates) if publicity is not None else []
        return [award_release(AwardDecided.from_payload(payload), site=site, candidates=published)]
    if event_type == ContractRegistered.event_type:
        return [contract_release(ContractRegistered.from_payload(payload), site=site)]
    if event_type == SectionFailed.event_type:
        failed = SectionFailed.from_payload(payload)
        label = FAILURE_REASON_LABELS.get(failed.reason, failed.reason)
        return [failure_release(failed, site=site, reason_label=label)]
    return []


def _lock() -> None:
    # SQLite serialises writers by itself (IMMEDIATE transactions); PostgreSQL needs the lock.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def record_compile(*, ocid: str) -> OcdsRecord | None:
    """Compile the ocid's published releases into its record again; None while it has none."""
    releases = list(OcdsRelease.objects.filter(ocid=ocid, valid=True).order_by("seq"))
    if not releases:
        return None
    compiled = compiled_release([r.data for r in releases])
    errors = release_errors(compiled)
    if errors:
        logger.error("disclosure: OCDS compiled release of %s does not validate: %s", ocid, "; ".join(errors[:5]))
    record, _ = OcdsRecord.objects.update_or_create(
        ocid=ocid,
        defaults={
            "compiled": compiled,
            "release_count": len(releases),
            "last_date": max(r.date for r in releases),
            "valid": not errors,
            "errors": errors,
            "updated_at": clock_now(),
        },
    )
    return record


def release_store(release: Release, *, event_type: str, message_id: str = "") -> OcdsRelease | None:
    """Store a new release (validated, roles completed) and compile its record; None if it was stored before."""
    _lock()
    ocid, release_id = release["ocid"], release["id"]
    if OcdsRelease.objects.filter(ocid=ocid, release_id=release_id).exists():
        return None
    record = OcdsRecord.objects.filter(ocid=ocid).first()
    prior = {p["id"]: p.get("roles", []) for p in (record.compiled.get("parties", []) if record else [])}
    release = parties_completed(release, prior)
    errors = release_errors(release)
    if errors:
        logger.error(
            "disclosure: OCDS release %s/%s (%s) does not validate and is not published: %s",
            ocid,
            release_id,
            event_type,
            "; ".join(errors[:5]),
        )
    last = OcdsRelease.objects.aggregate(last=Max("seq"))["last"] or 0
    stored = OcdsRelease.objects.create(
        seq=last + 1,
        ocid=ocid,
        release_id=release_id,
        date=dt.datetime.fromisoformat(release["date"]),
        tags=list(release["tag"]),
        data=release,
        valid=not errors,
        errors=errors,
        event_type=event_type,
        message_id=message_id,
        published_at=clock_now(),
    )
    if stored.valid:
        record_compile(ocid=ocid)
    return stored


def releases_record(*, event_type: str, payload: dict[str, Any], message_id: str = "") -> list[OcdsRelease]:
    """Build, store and compile the releases of one applied event; never raises (the event must land)."""
    try:
        # A savepoint: a failure here must not poison the transaction the read model's update is in.
        with transaction.atomic():
            stored = [
                release_store(release, event_type=event_type, message_id=message_id)
                for release in releases_of(event_type, payload)
            ]
    except Exception:
        logger.exception("disclosure: no OCDS release for %s (message %s)", event_type, message_id or "-")
        return []
    return [s for s in stored if s is not None]


def handler_with_releases(handler: Handler, *, event_type: str) -> Handler:
    """``handler``, then the event's OCDS releases, in the caller's transaction."""

    def applied(payload: dict[str, Any], envelope: Envelope) -> None:
        handler(payload, envelope)
        releases_record(event_type=event_type, payload=payload, message_id=envelope.id)

    applied.__name__ = getattr(handler, "__name__", "handler")
    applied.__doc__ = handler.__doc__
    return applied
