"""Quality control of a round's responses: the round-level run, the reviewer's decisions and the review list.

``round_qc_run`` recomputes every flag over all of the round's responses (the checks are in
``qc``); a flagged response waits for the evaluator's review, and only the reviewer's
``response_review`` accepts or rejects it. Nothing here deletes a response: a rejected one stays,
with its flags, its reviewer and the reason, and the scoring reads ``qc_status``
(appraisal-methods.md §5.6: "report per unit how many records were excluded and why").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from zhengwu.contexts.appraisal.access import APPRAISER, appraiser_require, raw_view_audit
from zhengwu.contexts.appraisal.collection import qc_items_for
from zhengwu.contexts.appraisal.models import Response, Round
from zhengwu.contexts.appraisal.qc import FLAG_CODES, QcConfig, QcItems, QcRecord, flags_compute
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.paging import Page
from zhengwu.platform.audit.services import audit_append

REVIEWED = (Response.Qc.ACCEPTED, Response.Qc.REJECTED)
DECISIONS = {"accept": Response.Qc.ACCEPTED, "reject": Response.Qc.REJECTED}
NOTE_MAX = 1000
PAGE_SIZE = 50


@dataclass(frozen=True)
class QcSummary:
    """What a run found: responses by QC status and by flag code."""

    total: int
    by_status: dict[str, int]
    by_flag: dict[str, int]
    changed: int


@dataclass(frozen=True)
class QcFilters:
    flag: str = ""
    unit: str = ""
    status: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"flag": self.flag, "unit": self.unit, "status": self.status}


@dataclass
class QcOverview:
    """Counts for the review page: by status, by flag code, by unit."""

    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_flag: dict[str, int] = field(default_factory=dict)
    units: list[dict[str, Any]] = field(default_factory=list)


def _records(round_: Round) -> tuple[list[QcRecord], QcItems]:
    responses = list(
        Response.objects.filter(round=round_)
        .select_related("unit")
        .only(
            "id",
            "unit__code",
            "respondent_key",
            "content_hash",
            "answers",
            "timings",
            "duration_ms",
            "mode",
            "interviewer_username",
            "uscc_valid",
            "frame_match",
            "submitted_at",
            "qc_status",
            "qc_flags",
        )
        .order_by("id")
    )
    records = [
        QcRecord(
            id=r.pk,
            unit=r.unit.code,
            respondent_key=r.respondent_key,
            content_hash=r.content_hash,
            answers=r.answers,
            timings=r.timings,
            duration_ms=r.duration_ms,
            mode=r.mode,
            interviewer=r.interviewer_username,
            uscc_valid=r.uscc_valid,
            frame_match=r.frame_match,
            order=r.submitted_at.timestamp(),
        )
        for r in responses
    ]
    return records, qc_items_for(system_def(system=round_.system))


def round_flags_compute(*, round: Round, config: QcConfig | None = None) -> dict[int, list[dict[str, Any]]]:
    """Every flag of every response of ``round`` (by response id), as the run would store them; no write."""
    records, items = _records(round)
    return flags_compute(records, items, config or QcConfig(seed=round.seed))


def round_qc_run(*, round: Round, by: Actor, config: QcConfig | None = None) -> QcSummary:
    """Recompute the round's QC flags over all its responses (the evaluator, or the system on schedule).

    A response with flags becomes ``flagged`` and one without stays or becomes ``clean`` — unless
    a reviewer already decided (``accepted``/``rejected``): its flags are refreshed, its decision
    stands. One audit entry with the counts; nothing is deleted.
    """
    appraiser_require(by=by)
    if round.status == Round.Status.PUBLISHED:
        raise Conflict("本轮结果已发布，不能再做质量检查", code="appraisal_round_published")
    with transaction.atomic():
        # Lock the round's responses so that a review in flight is not overwritten by the run.
        list(Response.objects.select_for_update().filter(round=round).values_list("id", flat=True))
        flags = round_flags_compute(round=round, config=config)
        responses = Response.objects.filter(round=round).only("id", "qc_status", "qc_flags").order_by("id")
        changed: list[Response] = []
        statuses: Counter[str] = Counter()
        by_flag: Counter[str] = Counter()
        for response in responses:
            new_flags = flags.get(response.pk, [])
            status = response.qc_status
            if status not in REVIEWED:
                status = Response.Qc.FLAGGED if new_flags else Response.Qc.CLEAN
            if new_flags != response.qc_flags or status != response.qc_status:
                response.qc_flags = new_flags
                response.qc_status = status
                changed.append(response)
            statuses[status] += 1
            by_flag.update({f["code"] for f in new_flags})
        Response.objects.bulk_update(changed, ["qc_flags", "qc_status"], batch_size=500)
        summary = QcSummary(
            total=sum(statuses.values()),
            by_status={s: statuses.get(s, 0) for s in Response.Qc.values},
            by_flag={c: by_flag.get(c, 0) for c in FLAG_CODES},
            changed=len(changed),
        )
        audit_append(
            actor=by,
            action="appraisal.qc.run",
            object_type="appraisal.round",
            object_id=round.code,
            after={
                "total": summary.total,
                "by_status": summary.by_status,
                "by_flag": summary.by_flag,
                "changed": summary.changed,
            },
        )
    return summary


def response_review(*, response: Response, decision: str, note: str, by: Actor) -> Response:
    """The evaluator's decision on a response: ``accept`` (it counts) or ``reject`` (it is kept but not
    scored; a note is required)."""
    if not by.has_role(APPRAISER):
        raise PermissionDenied("只有第三方评价机构可以复核答卷", code="appraisal_appraiser_only")
    if decision not in DECISIONS:
        raise InvalidInput("复核结论无效", code="appraisal_review_decision", detail={"decision": decision})
    note = (note or "").strip()
    if decision == "reject" and not note:
        raise InvalidInput("剔除答卷须写明理由", code="appraisal_review_note_required")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"复核说明不能超过{NOTE_MAX}字", code="appraisal_review_note_long")
    with transaction.atomic():
        locked = Response.objects.select_for_update().select_related("round").get(pk=response.pk)
        if locked.round.status == Round.Status.PUBLISHED:
            raise Conflict("本轮结果已发布，不能再复核答卷", code="appraisal_round_published")
        before = {"qc_status": locked.qc_status}
        locked.qc_status = DECISIONS[decision]
        locked.review_note = note
        locked.reviewed_by = by.username
        locked.reviewed_at = clock_now()
        locked.save(update_fields=["qc_status", "review_note", "reviewed_by", "reviewed_at"])
        audit_append(
            actor=by,
            action="appraisal.response.review",
            object_type="appraisal.response",
            object_id=locked.instance_id,
            before=before,
            after={"qc_status": locked.qc_status, "note": note, "flags": [f["code"] for f in locked.qc_flags]},
        )
    return locked


# --- the review list -------------------------------------------------------------------------------


def qc_overview(*, round: Round, by: Actor) -> QcOverview:
    """Counts of the round's responses by QC status, by flag code and by unit (the evaluator only)."""
    appraiser_require(by=by)
    overview = QcOverview()
    statuses: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    units: dict[int, dict[str, Any]] = {}
    rows = Response.objects.filter(round=round).values_list(
        "unit_id", "unit__code", "unit__name", "qc_status", "qc_flags"
    )
    for unit_id, code, name, status, qc_flags in rows:
        statuses[status] += 1
        codes = {f["code"] for f in qc_flags}
        flags.update(codes)
        unit = units.setdefault(
            unit_id, {"code": code, "name": name, "total": 0, **dict.fromkeys(Response.Qc.values, 0)}
        )
        unit["total"] += 1
        unit[status] += 1
    overview.total = sum(statuses.values())
    overview.by_status = {s: statuses.get(s, 0) for s in Response.Qc.values}
    overview.by_flag = {c: flags.get(c, 0) for c in FLAG_CODES}
    overview.units = sorted(units.values(), key=lambda u: u["code"])
    return overview


def qc_responses_page(
    *, round: Round, by: Actor, filters: QcFilters, page: int = 1, size: int = PAGE_SIZE
) -> Page[Response]:
    """One page of the round's responses for review, filtered by flag code, unit code and QC status.

    Without a status filter the list holds the responses that have flags (the review queue).
    """
    appraiser_require(by=by)
    if filters.flag and filters.flag not in FLAG_CODES:
        raise InvalidInput("质量标记无效", code="appraisal_qc_flag", detail={"flag": filters.flag})
    if filters.status and filters.status not in Response.Qc.values:
        raise InvalidInput("复核状态无效", code="appraisal_qc_status", detail={"status": filters.status})
    rows = Response.objects.filter(round=round)
    if filters.unit:
        rows = rows.filter(unit__code=filters.unit)
    if filters.status:
        rows = rows.filter(qc_status=filters.status)
    # JSON containment is not portable across the databases the suite runs on: filter flags here.
    ids = [
        rid
        for rid, qc_flags in rows.order_by("unit__code", "id").values_list("id", "qc_flags")
        if (not filters.flag and (filters.status or qc_flags)) or any(f["code"] == filters.flag for f in qc_flags)
    ]
    page = max(page, 1)
    chosen = ids[(page - 1) * size : page * size]
    found = {r.pk: r for r in Response.objects.filter(pk__in=chosen).select_related("unit")}
    return Page(items=[found[i] for i in chosen], total=len(ids), page=page, size=size)


def qc_response_get(*, round: Round, response_id: int, by: Actor) -> Response:
    """One response with its answers, for review; every such view of raw data is audited."""
    appraiser_require(by=by)
    response = Response.objects.select_related("unit", "round").filter(round=round, pk=response_id).first()
    if response is None:
        raise NotFound("未找到该答卷", code="appraisal_response_not_found")
    raw_view_audit(by=by, what="response", object_id=response.instance_id, detail={"round": round.code})
    return response
