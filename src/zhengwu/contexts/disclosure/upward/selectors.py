"""Reads of the upward push: the sync report of both sides, per dataset.

Sending side, per dataset: ``queued`` versions, ``sent`` (answered by the higher level),
``acknowledged``, ``rejected``, ``pending`` (not answered yet; ``retrying`` of them after a failed
attempt). Receiving side, per lower-level platform and dataset: ``received`` distinct submissions,
``accepted``, ``rejected``, and the records ``stored``. When both sides are done, the sender's
``sent``/``acknowledged``/``rejected`` equal the receiver's ``received``/``accepted``/``rejected``
for that sender: a submission sent again is counted once on both sides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q

from zhengwu.contexts.disclosure.models import UpwardReceipt, UpwardReceived, UpwardSubmission
from zhengwu.contexts.disclosure.upward.receiving import upward_sources
from zhengwu.contexts.disclosure.upward.services import upward_config
from zhengwu.contexts.disclosure.upward.standard import datasets
from zhengwu.kernel.clock import clock_now


@dataclass(frozen=True)
class SenderRow:
    data_no: int
    data_en: str
    data_cn: str
    queued: int = 0
    sent: int = 0
    acknowledged: int = 0
    rejected: int = 0
    pending: int = 0
    retrying: int = 0


@dataclass(frozen=True)
class Rejection:
    data_no: int
    data_key: str
    message: str
    at: dt.datetime | None


@dataclass(frozen=True)
class SenderReport:
    configured: bool
    endpoint: str
    platform_code: str
    generated_at: dt.datetime
    rows: list[SenderRow]
    oldest_pending_at: dt.datetime | None = None
    last_error: str = ""
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def totals(self) -> SenderRow:
        """Every dataset's counts added up."""
        return SenderRow(
            data_no=0,
            data_en="",
            data_cn="",
            **{
                name: sum(getattr(row, name) for row in self.rows)
                for name in ("queued", "sent", "acknowledged", "rejected", "pending", "retrying")
            },
        )


@dataclass(frozen=True)
class ReceiverRow:
    source: str
    data_no: int
    data_en: str
    data_cn: str
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    stored: int = 0


@dataclass(frozen=True)
class ReceiverReport:
    sources: list[str]
    generated_at: dt.datetime
    rows: list[ReceiverRow]
    rejections: list[Rejection] = field(default_factory=list)


def _names(data_no: int) -> tuple[str, str]:
    spec = datasets().get(data_no)
    return (spec.data_en, spec.data_cn) if spec is not None else ("", "")


def upward_sender_report(*, rejection_limit: int = 20) -> SenderReport:
    """What this platform queued for the higher level, per dataset, and what became of it."""
    status = UpwardSubmission.Status
    rows = []
    for row in (
        UpwardSubmission.objects.values("data_no")
        .annotate(
            queued=Count("id"),
            acknowledged=Count("id", filter=Q(status=status.ACKNOWLEDGED)),
            rejected=Count("id", filter=Q(status=status.REJECTED)),
            pending=Count("id", filter=Q(status=status.PENDING)),
            retrying=Count("id", filter=Q(status=status.PENDING, attempts__gt=0)),
        )
        .order_by("data_no")
    ):
        data_en, data_cn = _names(row["data_no"])
        rows.append(
            SenderRow(
                data_no=row["data_no"],
                data_en=data_en,
                data_cn=data_cn,
                queued=row["queued"],
                sent=row["acknowledged"] + row["rejected"],
                acknowledged=row["acknowledged"],
                rejected=row["rejected"],
                pending=row["pending"],
                retrying=row["retrying"],
            )
        )
    pending = UpwardSubmission.objects.filter(status=status.PENDING)
    failed = pending.exclude(last_error="").order_by("-last_attempt_at").first()
    rejected = UpwardSubmission.objects.filter(status=status.REJECTED).select_related("record")
    config = upward_config()
    return SenderReport(
        configured=config.configured,
        endpoint=config.url,
        platform_code=config.service_code,
        generated_at=clock_now(),
        rows=rows,
        oldest_pending_at=pending.aggregate(oldest=Min("queued_at"))["oldest"],
        last_error=failed.last_error if failed is not None else "",
        rejections=[
            Rejection(data_no=s.data_no, data_key=s.record.data_key, message=s.reply, at=s.answered_at)
            for s in rejected.order_by("-answered_at", "-id")[:rejection_limit]
        ],
    )


def upward_receiver_report(*, rejection_limit: int = 20) -> ReceiverReport:
    """What the lower-level platforms pushed here, per platform and dataset, and the answers given."""
    status = UpwardReceipt.Status
    stored = {
        (row["source"], row["data_no"]): row["n"]
        for row in UpwardReceived.objects.filter(deleted=False).values("source", "data_no").annotate(n=Count("id"))
    }
    rows = []
    for row in (
        UpwardReceipt.objects.values("source", "data_no")
        .annotate(
            received=Count("id"),
            accepted=Count("id", filter=Q(status=status.ACCEPTED)),
            rejected=Count("id", filter=Q(status=status.REJECTED)),
        )
        .order_by("source", "data_no")
    ):
        data_en, data_cn = _names(row["data_no"])
        rows.append(
            ReceiverRow(
                source=row["source"],
                data_no=row["data_no"],
                data_en=data_en,
                data_cn=data_cn,
                received=row["received"],
                accepted=row["accepted"],
                rejected=row["rejected"],
                stored=stored.get((row["source"], row["data_no"]), 0),
            )
        )
    rejected = UpwardReceipt.objects.filter(status=status.REJECTED).order_by("-answered_at", "-id")[:rejection_limit]
    return ReceiverReport(
        sources=sorted(upward_sources()),
        generated_at=clock_now(),
        rows=rows,
        rejections=[
            Rejection(data_no=r.data_no, data_key=r.data_key, message=r.message, at=r.answered_at) for r in rejected
        ],
    )
