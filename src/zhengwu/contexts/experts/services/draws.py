"""The draw of a section's experts (专家抽取) over the pool: commit, draw, and answers with reserves.

The arithmetic is ``experts.rules`` (who may be drawn) and ``experts.draw`` (the seeded draw);
this module feeds them the pool as plain data, keeps the seed sealed between the commitment and
the draw, and turns the drawn record into assignments. An expert who declines is replaced by the
next reserve of their group, in the record's order, so nobody chooses the replacement
(招标投标法实施条例 第四十六条: replacements are drawn at random too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from zhengwu.contexts.experts import draw as draw_rules
from zhengwu.contexts.experts.events import DrawCommitted
from zhengwu.contexts.experts.models import Expert, ExpertAssignment, ExpertDraw
from zhengwu.contexts.experts.personal import draw_seed_open, draw_seed_seal
from zhengwu.contexts.experts.rules import (
    DEFAULT_POLICY,
    AvoidancePolicy,
    Candidate,
    Conflict,
    DrawGroup,
    DrawRequest,
    PastDraw,
    Relation,
)
from zhengwu.contexts.experts.selectors import experts_eligible
from zhengwu.contexts.experts.services.common import is_self, require_staff
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict as StateConflict
from zhengwu.kernel.errors import InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish


def _candidates(*, request: DrawRequest, policy: AvoidancePolicy) -> list[Candidate]:
    """The pool as the draw's rules read it: everyone who may be asked, with their facts."""
    specialties = sorted({code for group in request.groups for code in group.specialties})
    window = policy.same_tenderer_window_days or 0
    since = request.evaluation_on - dt.timedelta(days=window)
    eligible = experts_eligible(
        specialties=specialties, region_codes=list(request.regions), on_date=request.evaluation_on
    )
    past: dict[int, list[PastDraw]] = {}
    if window:
        rows = ExpertAssignment.objects.filter(
            expert_id__in=[e.expert_id for e in eligible],
            assigned_at__date__gte=since,
            status__in=(
                ExpertAssignment.Status.NOTIFIED,
                ExpertAssignment.Status.ACCEPTED,
                ExpertAssignment.Status.COMPLETED,
            ),
        ).exclude(tenderer_uscc="")
        for row in rows.values("expert_id", "tenderer_uscc", "assigned_at"):
            past.setdefault(row["expert_id"], []).append(
                PastDraw(tenderer_uscc=row["tenderer_uscc"], drawn_on=row["assigned_at"].astimezone(CHINA_TZ).date())
            )
    return [
        Candidate(
            id=expert.uuid,
            specialties=expert.specialties,
            region=expert.region_code,
            employer_uscc=expert.employer_uscc,
            conflicts=tuple(
                Conflict(
                    uscc=c.organisation_uscc,
                    relation=Relation(c.relation),
                    start=c.starts_on,
                    end=c.ends_on,
                )
                for c in expert.conflicts
                if c.organisation_uscc
            ),
            draws=tuple(past.get(expert.expert_id, ())),
        )
        for expert in eligible
    ]


def draw_commit(
    *,
    section_code: str,
    project_code: str,
    tenderer_uscc: str,
    evaluation_on: dt.date,
    groups: Sequence[DrawGroup],
    agency_uscc: str = "",
    bidder_usccs: Sequence[str] = (),
    regions: Sequence[str] = (),
    policy: AvoidancePolicy = DEFAULT_POLICY,
    by: Actor,
) -> ExpertDraw:
    """Screen the pool for a section's draw and commit to a fresh secret seed (centre staff).

    The commitment is published at once (``experts.draw.committed``, the announcement only); the
    seed stays sealed until ``draw_perform``.
    One draw per section (a replacement comes from the reserves, not from a new draw).
    """
    require_staff(by, what="发起专家抽取")
    if ExpertDraw.objects.filter(section_code=section_code).exists():
        raise StateConflict("该标段已发起专家抽取", code="draw_exists", detail={"section": section_code})
    request = DrawRequest(
        reference=section_code,
        project_code=project_code,
        tenderer_uscc=tenderer_uscc,
        evaluation_on=evaluation_on,
        groups=tuple(groups),
        agency_uscc=agency_uscc,
        bidder_usccs=tuple(bidder_usccs),
        regions=tuple(regions),
    )
    now = clock_now()
    seed = draw_rules.seed_generate()
    committed = draw_rules.draw_commit(
        request=request,
        candidates=_candidates(request=request, policy=policy),
        seed=seed,
        policy=policy,
        committed_at=now,
    )
    with transaction.atomic():
        found = ExpertDraw(
            section_code=section_code,
            project_code=project_code,
            tenderer_uscc=tenderer_uscc,
            commitment=committed["commitment"],
            committed=committed,
            seed_sealed="",
            committed_at=now,
            committed_by_username=by.username,
        )
        found.seed_sealed = draw_seed_seal(draw_uuid=found.uuid, seed=seed)
        found.save()
        # The commitment goes to the public platform at once: published before the draw, it binds
        # the platform to its seed. The announcement names neither the pool nor anyone in it.
        outbox_publish(event=DrawCommitted.from_announcement(draw_rules.announcement(committed)))
        audit_append(
            actor=by,
            action="experts.draw.commit",
            object_type="experts.draw",
            object_id=section_code,
            after={
                "commitment": found.commitment,
                "eligible": len(committed["pool"]["eligible"]),
                "excluded": len(committed["pool"]["excluded"]),
            },
        )
    return found


def draw_perform(*, draw: ExpertDraw, contributions: Sequence[draw_rules.Contribution] = (), by: Actor) -> ExpertDraw:
    """Reveal the seed and draw (centre staff, with the supervisor's contribution where given).

    Each drawn member gets an assignment (notified); the reserves wait in the record.
    """
    require_staff(by, what="执行专家抽取")
    now = clock_now()
    with transaction.atomic():
        locked = ExpertDraw.objects.select_for_update().get(pk=draw.pk)
        if locked.status != ExpertDraw.Status.COMMITTED:
            raise StateConflict("该抽取已完成", code="draw_done", detail={"section": locked.section_code})
        seed = draw_seed_open(draw_uuid=locked.uuid, sealed=locked.seed_sealed)
        record = draw_rules.draw_reveal(
            committed=locked.committed, seed=seed, contributions=contributions, drawn_at=now
        )
        experts = _experts_by_uuid(record)
        for group in draw_rules.record_groups(record):
            for pick in group.picks:
                ExpertAssignment.objects.create(
                    expert=experts[pick],
                    section_code=locked.section_code,
                    tenderer_uscc=locked.tenderer_uscc,
                    assigned_at=now,
                )
        locked.record = record
        locked.status = ExpertDraw.Status.DRAWN
        locked.drawn_at = now
        locked.drawn_by_username = by.username
        locked.save(update_fields=["record", "status", "drawn_at", "drawn_by_username"])
        audit_append(
            actor=by,
            action="experts.draw.perform",
            object_type="experts.draw",
            object_id=locked.section_code,
            after={"picks": [g.picks for g in draw_rules.record_groups(record)]},
        )
    return locked


def _experts_by_uuid(record: dict[str, Any]) -> dict[str, Expert]:
    ids = {i for g in draw_rules.record_groups(record) for i in (*g.picks, *g.reserves)}
    return {str(e.uuid): e for e in Expert.objects.filter(uuid__in=ids)}


def assignment_answer(*, assignment: ExpertAssignment, accept: bool, by: Actor) -> ExpertAssignment | None:
    """The drawn expert accepts or declines; a decline calls the group's next reserve.

    Returns the reserve's new assignment after a decline (None when the group's reserves are
    used up: the staff then run a supplementary draw), or the accepted assignment.
    """
    with transaction.atomic():
        locked = ExpertAssignment.objects.select_for_update().select_related("expert").get(pk=assignment.pk)
        if not is_self(locked.expert, by):
            raise PermissionDenied("只能答复本人的抽取通知", code="assignment_not_own")
        if locked.status != ExpertAssignment.Status.NOTIFIED:
            raise StateConflict("该通知已答复", code="assignment_answered", detail={"status": locked.status})
        now = clock_now()
        locked.status = ExpertAssignment.Status.ACCEPTED if accept else ExpertAssignment.Status.DECLINED
        locked.save(update_fields=["status"])
        audit_append(
            actor=by,
            action="experts.assignment.accept" if accept else "experts.assignment.decline",
            object_type="experts.assignment",
            object_id=str(locked.uuid),
            after={"section": locked.section_code},
        )
        if accept:
            return locked
        found = ExpertDraw.objects.select_for_update().get(section_code=locked.section_code)
        record = found.record or {}
        expert_id = str(locked.expert.uuid)
        group = next((g.index for g in draw_rules.record_groups(record) if expert_id in (*g.picks, *g.reserves)), None)
        if group is None:
            raise InvalidInput("该专家不在本次抽取结果中", code="draw_member_unknown")
        called = {
            str(u)
            for u in ExpertAssignment.objects.filter(section_code=locked.section_code).values_list(
                "expert__uuid", flat=True
            )
        }
        reserve = draw_rules.reserve_next(record=record, group=group, called=called)
        if reserve is None:
            return None
        replacement = ExpertAssignment.objects.create(
            expert=_experts_by_uuid(record)[reserve],
            section_code=locked.section_code,
            tenderer_uscc=locked.tenderer_uscc,
            assigned_at=now,
        )
        audit_append(
            actor=Actor.system("experts"),
            action="experts.assignment.reserve_called",
            object_type="experts.assignment",
            object_id=str(replacement.uuid),
            after={"section": locked.section_code, "replaces": str(locked.uuid), "group": group},
        )
    return replacement
