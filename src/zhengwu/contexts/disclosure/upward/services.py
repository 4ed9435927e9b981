"""Writes of the upward push, sending side: the national datasets' records queued for the higher level.

Every event the public platform applies may give records (``upward.datasets``, ``upward.results``).
Each is kept at its latest version (``UpwardRecord``); a version that differs from the last one is
queued (``UpwardSubmission``) as an outbox event to the ``upward`` destination, in the
transaction of the event that produced it. The relay delivers it through ``upward.transport``
(retries, back-off, dead letters, order per tender project); an event delivered again gives the
same records with the same DATA_KEYs and queues nothing.

DATA_TYPE is 1 (新增) for a record's first version and for any version after every earlier one was
refused; 2 (修改) once an earlier version is on its way or acknowledged. DATA_TIMESTAMP is the
time a version was produced, one second after the previous version's at least, so that the
receiver can order the versions of a record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from zhengwu.contexts.bidding.events import OpeningRecorded
from zhengwu.contexts.disclosure.events import UpwardRecordQueued
from zhengwu.contexts.disclosure.models import (
    BidFreeze,
    MarketSubject,
    Notice,
    OpeningRecord,
    UpwardRecord,
    UpwardSubmission,
)
from zhengwu.contexts.disclosure.upward.datasets import (
    OPENING_KINDS,
    DatasetRecord,
    SectionContext,
    Site,
    amendment_records,
    data_key_make,
    notice_records,
)
from zhengwu.contexts.disclosure.upward.envelope import envelope_xml
from zhengwu.contexts.disclosure.upward.results import (
    award_records,
    candidate_records,
    contract_records,
    opening_records,
)
from zhengwu.contexts.disclosure.upward.standard import dataset_get, record_problems
from zhengwu.contexts.evaluation.events import AwardDecided, CandidatesPublished, ContractRegistered, event_received
from zhengwu.contexts.tendering.events import NoticePublished
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.models import OutboxMessage
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.signing import signing_key_get

logger = logging.getLogger(__name__)

UPWARD_DESTINATION = "upward"
RESEND_ROLES = ("centre_staff",)
_STAMP = "%Y%m%d%H%M%S"


@dataclass(frozen=True)
class UpwardConfig:
    """This platform's identity towards the higher level, and where the higher level is (from settings)."""

    url: str
    system_no: str
    platform_code: str
    service_code: str
    trade_plat: str
    service_plat: str
    site: Site

    @property
    def configured(self) -> bool:
        """True once a higher-level endpoint is set; until then records wait, pending."""
        return bool(self.url)


def upward_config() -> UpwardConfig:
    """The upward push's settings (``ZHENGWU_UPWARD_*``, see ``deploy/base.py``)."""
    return UpwardConfig(
        url=getattr(settings, "ZHENGWU_UPWARD_URL", ""),
        system_no=getattr(settings, "ZHENGWU_UPWARD_SYSTEM_NO", "0001") or "0001",
        platform_code=getattr(settings, "ZHENGWU_UPWARD_PLATFORM_CODE", ""),
        service_code=getattr(settings, "ZHENGWU_UPWARD_PUB_SERVICE_PLAT_CODE", ""),
        trade_plat=getattr(settings, "ZHENGWU_UPWARD_TRADE_PLAT", ""),
        service_plat=getattr(settings, "ZHENGWU_UPWARD_PUB_SERVICE_PLAT", ""),
        site=Site(
            url=getattr(settings, "ZHENGWU_PUBLIC_URL", ""),
            media=getattr(settings, "ZHENGWU_UPWARD_MEDIA", "") or Site.media,
            trade_system_no=getattr(settings, "ZHENGWU_UPWARD_TRADE_SYSTEM_NO", ""),
        ),
    )


def upward_envelope_for(event: UpwardRecordQueued, *, config: UpwardConfig) -> bytes:
    """The XML envelope of a queued record, with this platform's TITLE and CONTEXT fields as configured now."""
    spec = dataset_get(event.data_no)
    title = {
        "CA_KEY": signing_key_get().public.key_id,
        "DATA_CN": spec.data_cn,
        "DATA_EN": spec.data_en,
        "DATA_NO": str(event.data_no),
        "DATA_KEY": event.data_key,
        "DATA_TYPE": str(event.data_type),
        # The way the record came: this platform first; a forwarding platform would add itself.
        "ROUTE_WAY": config.service_code,
    }
    if event.data_type == 3:
        return envelope_xml(title=title, context=None)
    context = [(str(name), str(value)) for name, value in event.fields]
    context += [
        ("PLATFORM_CODE", config.platform_code),
        ("PUB_SERVICE_PLAT_CODE", config.service_code),
        ("DATA_TIMESTAMP", event.data_timestamp),
    ]
    if spec.construction:
        context += [("TRADE_PLAT", config.trade_plat), ("PUB_SERVICE_PLAT", config.service_plat)]
    return envelope_xml(title=title, context=context)


# -- what the platform already holds --------------------------------------------------------------


def _as_dataset(row: UpwardRecord) -> DatasetRecord:
    return DatasetRecord(
        data_no=row.data_no,
        identity=row.identity,
        stream=row.stream,
        fields={str(name): str(value) for name, value in row.fields},
        section_code=row.section_code,
        facts=dict(row.facts),
    )


def _regions(usccs: Iterable[str]) -> dict[str, str]:
    wanted = sorted({u for u in usccs if u})
    rows = MarketSubject.objects.filter(uscc__in=wanted).exclude(region_code="").values_list("uscc", "region_code")
    return dict(rows)


def _section_context(section_code: str, *, usccs: Iterable[str] = ()) -> SectionContext:
    section = UpwardRecord.objects.filter(section_code=section_code, data_no__in=(502, 550)).order_by("id").first()
    if section is None:
        return SectionContext(section=None)
    openings = tuple(r.record for r in OpeningRecord.objects.filter(section_code=section_code).order_by("round"))
    bidders = [str(b.get("bidder_uscc", "")) for r in openings for b in r.get("bids", []) if isinstance(b, dict)]
    freeze = BidFreeze.objects.filter(section_code=section_code).first()
    return SectionContext(
        section=_as_dataset(section),
        openings=openings,
        regions=_regions([*bidders, *usccs]),
        bid_deadline=freeze.deadline.isoformat() if freeze is not None else None,
    )


def _amended_root(notice_id: str | None) -> str | None:
    """The opening notice an amendment chain goes back to (amendments may amend amendments)."""
    seen: set[str] = set()
    while notice_id and notice_id not in seen and len(seen) < 100:
        seen.add(notice_id)
        notice = Notice.objects.filter(notice_id=notice_id).first()
        if notice is None:
            return None
        if notice.kind in OPENING_KINDS:
            return notice_id
        notice_id = str(notice.references_notice_id) if notice.references_notice_id else None
    return None


def upward_records_for(*, event_type: str, payload: dict[str, Any]) -> list[DatasetRecord]:
    """The dataset records an event received by the public platform gives (after its read models were updated)."""
    site = upward_config().site
    if event_type == NoticePublished.event_type:
        notice = NoticePublished.from_payload(payload)
        if notice.kind == "amendment":
            root = _amended_root(notice.references_notice_id)
            if root is None:
                return []
            originals = [
                _as_dataset(r) for r in UpwardRecord.objects.filter(data_no=503, identity__startswith=root + "/")
            ]
            return amendment_records(notice, originals=originals)
        return notice_records(notice, site=site, regions=_regions([notice.tenderer_uscc, notice.agency_uscc]))
    if event_type == OpeningRecorded.event_type:
        opening = OpeningRecorded.from_payload(payload)
        record = json.loads(opening.record)
        return opening_records(record, ctx=_section_context(opening.section_code), site=site)
    if event_type == CandidatesPublished.event_type:
        candidates = event_received(CandidatesPublished, payload)
        usccs = [str(c.get("uscc", "")) for c in candidates.candidates if isinstance(c, dict)]
        return candidate_records(candidates, ctx=_section_context(candidates.section_code, usccs=usccs), site=site)
    if event_type == AwardDecided.event_type:
        award = event_received(AwardDecided, payload)
        return award_records(award, ctx=_section_context(award.section_code, usccs=[award.uscc]), site=site)
    if event_type == ContractRegistered.event_type:
        contract = event_received(ContractRegistered, payload)
        return contract_records(contract, ctx=_section_context(contract.section_code))
    return []


# -- queueing -------------------------------------------------------------------------------------


def _timestamp_after(now: dt.datetime, previous: str) -> str:
    current = now.astimezone(CHINA_TZ).strftime(_STAMP)
    if not previous or current > previous:
        return current
    later = dt.datetime.strptime(previous, _STAMP) + dt.timedelta(seconds=1)  # noqa: DTZ007 - Beijing wall time
    return later.strftime(_STAMP)


def _publish(row: UpwardRecord, *, data_type: int) -> OutboxMessage:
    return outbox_publish(
        event=UpwardRecordQueued(
            stream=row.stream,
            data_no=row.data_no,
            data_key=row.data_key,
            data_type=data_type,
            version=row.version,
            data_timestamp=row.data_timestamp,
            fields=[[str(name), str(value)] for name, value in row.fields],
        )
    )


def _queue(row: UpwardRecord, *, data_type: int, now: dt.datetime) -> UpwardSubmission:
    message = _publish(row, data_type=data_type)
    return UpwardSubmission.objects.create(
        record=row,
        data_no=row.data_no,
        version=row.version,
        data_type=data_type,
        data_timestamp=row.data_timestamp,
        message_id=message.message_id,
        queued_at=now,
    )


def _data_type(row: UpwardRecord) -> int:
    on_its_way = row.submissions.exclude(status=UpwardSubmission.Status.REJECTED).exists()
    return 2 if on_its_way else 1


def upward_records_stage(*, records: Sequence[DatasetRecord]) -> list[UpwardSubmission]:
    """Keep each record at its latest version and queue every version that changed; return what was queued.

    Inside the caller's transaction (the inbox's, when called for a received event). A record
    whose fields are those of its last version queues nothing: a redelivered event is harmless.
    """
    config = upward_config()
    now = clock_now()
    queued = []
    with transaction.atomic():
        for record in records:
            fields = [[name, value] for name, value in record.fields.items()]
            digest = hashlib.sha256(canonical_dumps(fields)).hexdigest()
            key = data_key_make(system_no=config.system_no, data_no=record.data_no, identity=record.identity)
            blank = UpwardRecord(
                data_no=record.data_no,
                identity=record.identity,
                data_key=key,
                stream=record.stream,
                section_code=record.section_code,
                digest="",
                version=0,
                data_timestamp="",
                created_at=now,
                updated_at=now,
            )
            UpwardRecord.objects.bulk_create([blank], ignore_conflicts=True)
            row = UpwardRecord.objects.select_for_update().get(data_no=record.data_no, identity=record.identity)
            if row.digest == digest:
                if record.facts and row.facts != record.facts:
                    row.facts = record.facts
                    row.save(update_fields=["facts"])
                continue
            problems = record_problems(dataset_get(record.data_no), record.fields, with_envelope=False)
            if problems:
                # Worth an operator's eye once a higher level is configured; until then, a detail.
                level = logging.WARNING if config.configured else logging.DEBUG
                message = "；".join(problems)
                logger.log(level, "upward: %s %s will be refused: %s", record.data_no, record.identity, message)
            row.fields, row.digest, row.version = fields, digest, row.version + 1
            row.facts = record.facts or row.facts
            row.data_timestamp = _timestamp_after(now, row.data_timestamp)
            row.updated_at = now
            row.save()
            queued.append(_queue(row, data_type=_data_type(row), now=now))
    return queued


def upward_event_received(*, payload: dict[str, Any], envelope: Envelope) -> list[UpwardSubmission]:
    """Queue the records an event the public platform has just applied gives (the handlers' hook)."""
    return upward_records_stage(records=upward_records_for(event_type=envelope.event_type, payload=payload))


def upward_rejected_resend(*, by: Actor) -> list[int]:
    """Queue again, for every record, its latest version if the higher level refused it; return the submissions.

    For operators once the cause is mended (usually this platform's codes in the settings: the
    envelope is rebuilt from them when it is sent). Allowed to the system and to centre staff.
    """
    if not (by.is_system or by.has_role(*RESEND_ROLES)):
        raise PermissionDenied("无权重新上报数据", code="upward_resend_denied")
    now = clock_now()
    resent = []
    with transaction.atomic():
        for row in UpwardRecord.objects.select_for_update().order_by("id"):
            latest = row.submissions.order_by("-version").first()
            if latest is None or latest.status != UpwardSubmission.Status.REJECTED:
                continue
            # The same version, DATA_TYPE and DATA_TIMESTAMP under a fresh message: the higher level
            # judges the same submission again rather than counting a new one.
            logger.info("upward: %s queued again after the refusal %r", row.data_key, latest.reply)
            latest.message_id = _publish(row, data_type=latest.data_type).message_id
            latest.status, latest.reply, latest.answered_at = UpwardSubmission.Status.PENDING, "", None
            latest.attempts, latest.last_error, latest.queued_at = 0, "", now
            latest.save()
            resent.append(latest.pk)
        if resent:
            audit_append(
                actor=by,
                action="disclosure.upward.resend",
                object_type="disclosure.upward",
                object_id=f"{len(resent)} records",
                before={"status": "rejected"},
                after={"status": "pending", "submissions": resent},
            )
    return resent
