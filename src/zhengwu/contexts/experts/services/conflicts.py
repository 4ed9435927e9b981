"""Conflict declarations (回避) and unavailability (不可抽取时段) of an expert.

An expert declares relations themself or through the centre's staff: a declaration only ever
adds avoidance, so the expert may make it alone. Withdrawing one takes avoidance away, so only
the staff may do it, with a reason, and the withdrawn declaration stays on record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from zhengwu.contexts.experts.models import Expert, ExpertConflict, ExpertUnavailability
from zhengwu.contexts.experts.services.common import (
    NOTE_MAX,
    UNAVAILABILITY_MAX,
    UNAVAILABILITY_REASON_MAX,
    conflict_summary,
    reason_checked,
    require_staff,
    require_staff_or_self,
    unavailability_summary,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.kernel.uscc import uscc_normalize, uscc_validate
from zhengwu.platform.audit.services import audit_append

ORGANISATION_NAME_MAX = 200


@dataclass(frozen=True)
class Window:
    """A period of unavailability as typed: both days included."""

    starts_on: dt.date
    ends_on: dt.date
    reason: str


def _live(expert: Expert) -> Expert:
    locked = Expert.objects.select_for_update().get(pk=expert.pk)
    if locked.status == Expert.Status.RETIRED:
        raise Conflict("专家已出库", code="expert_retired", detail={"expert": str(locked.uuid)})
    return locked


def conflict_declare(
    *,
    expert: Expert,
    organisation_name: str,
    relation: str,
    organisation_uscc: str = "",
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    note: str = "",
    by: Actor,
) -> ExpertConflict:
    """Declare a relation of the expert with an organisation (the expert themself or the centre's staff).

    The organisation is named, with its 统一社会信用代码 where known (the draw matches on the
    code, and on the name when there is none). ``ends_on`` empty: the relation lasts.
    """
    require_staff_or_self(expert, by, what="申报回避关系")
    name = (organisation_name or "").strip()
    if not name or len(name) > ORGANISATION_NAME_MAX or "\x00" in name:
        raise InvalidInput(
            f"请填写单位名称（不超过{ORGANISATION_NAME_MAX}字）",
            code="organisation_name_required",
            detail={"field": "organisation_name"},
        )
    uscc = uscc_normalize(organisation_uscc or "")
    if uscc:
        verdict = uscc_validate(uscc)
        if not verdict.valid:
            raise InvalidInput(
                "统一社会信用代码有误：" + verdict.reason,
                code="organisation_uscc_invalid",
                detail={"field": "organisation_uscc"},
            )
    if relation not in ExpertConflict.Relation.values:
        raise InvalidInput(
            "关系类型无效",
            code="relation_unknown",
            detail={"field": "relation", "allowed": ExpertConflict.Relation.values},
        )
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise InvalidInput("结束日期不能早于起始日期", code="conflict_dates_invalid", detail={"field": "ends_on"})
    note = (note or "").strip()
    if len(note) > NOTE_MAX or "\x00" in note:
        raise InvalidInput(f"说明不能超过{NOTE_MAX}个字符", code="note_too_long", detail={"field": "note"})
    with transaction.atomic():
        locked = _live(expert)
        conflict = ExpertConflict.objects.create(
            expert=locked,
            organisation_uscc=uscc,
            organisation_name=name,
            relation=relation,
            starts_on=starts_on,
            ends_on=ends_on,
            note=note,
            declared_at=clock_now(),
            declared_by_username=by.username,
        )
        audit_append(
            actor=by,
            action="experts.conflict.declare",
            object_type="experts.conflict",
            object_id=str(conflict.uuid),
            after=conflict_summary(conflict),
        )
    return conflict


def conflict_withdraw(*, conflict: ExpertConflict, reason: str, by: Actor) -> ExpertConflict:
    """Withdraw a declaration made in error (the centre's staff, with a reason; kept on record)."""
    require_staff(by, what="撤销回避申报")
    reason = reason_checked(reason, what="撤销原因")
    with transaction.atomic():
        locked = ExpertConflict.objects.select_for_update().select_related("expert").get(pk=conflict.pk)
        if locked.withdrawn_at is not None:
            raise Conflict("该回避申报已撤销", code="conflict_already_withdrawn", detail={"conflict": str(locked.uuid)})
        before = conflict_summary(locked)
        locked.withdrawn_at = clock_now()
        locked.withdrawn_by_username = by.username
        locked.withdraw_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by_username", "withdraw_reason"])
        audit_append(
            actor=by,
            action="experts.conflict.withdraw",
            object_type="experts.conflict",
            object_id=str(locked.uuid),
            before=before,
            after={**conflict_summary(locked), "reason": reason},
        )
    return locked


def availability_set(*, expert: Expert, windows: Sequence[Window], by: Actor) -> list[ExpertUnavailability]:
    """Replace the expert's periods of unavailability with ``windows`` (the expert themself or the staff).

    Each window needs a reason; both days count. The draw leaves the expert out on any day a
    window covers.
    """
    require_staff_or_self(expert, by, what="设置不可抽取时段")
    if len(windows) > UNAVAILABILITY_MAX:
        raise InvalidInput(
            f"不可抽取时段最多{UNAVAILABILITY_MAX}段", code="unavailability_too_many", detail={"field": "windows"}
        )
    cleaned: list[Window] = []
    for index, window in enumerate(windows):
        reason = (window.reason or "").strip()
        if not reason or len(reason) > UNAVAILABILITY_REASON_MAX or "\x00" in reason:
            raise InvalidInput(
                f"请填写不可抽取的原因（不超过{UNAVAILABILITY_REASON_MAX}字）",
                code="unavailability_reason_required",
                detail={"field": "reason", "index": index},
            )
        if window.ends_on < window.starts_on:
            raise InvalidInput(
                "结束日期不能早于起始日期",
                code="unavailability_dates_invalid",
                detail={"field": "ends_on", "index": index},
            )
        cleaned.append(Window(window.starts_on, window.ends_on, reason))
    cleaned.sort(key=lambda w: (w.starts_on, w.ends_on))
    now = clock_now()
    with transaction.atomic():
        locked = _live(expert)
        before = unavailability_summary(list(locked.unavailability.all()))
        locked.unavailability.all().delete()
        rows = ExpertUnavailability.objects.bulk_create(
            [
                ExpertUnavailability(
                    expert=locked,
                    starts_on=w.starts_on,
                    ends_on=w.ends_on,
                    reason=w.reason,
                    recorded_at=now,
                    recorded_by_username=by.username,
                )
                for w in cleaned
            ]
        )
        audit_append(
            actor=by,
            action="experts.availability.set",
            object_type="experts.expert",
            object_id=str(locked.uuid),
            before={"unavailable": before},
            after={"unavailable": unavailability_summary(rows)},
        )
    return rows
