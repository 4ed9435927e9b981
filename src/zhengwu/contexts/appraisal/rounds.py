"""Quarterly rounds: their design, the sampling frame, the stratified sample and its invitations.

A round moves design → collecting → closed (scoring and publication come after, elsewhere).
In design the evaluator imports the frame (the 办件名单 of every unit, plus the trading
platform's registered enterprises where it is linked) and draws the sample once; opening the
round sends the main sample's invitations, and each refusal or unreachable enterprise releases
the next reserve of its unit. Only the evaluator does any of this (管评分离), and every change
is in the audit log; the frame and the invitations are raw respondent data.

The rules (sample sizes, quotas, the seeded draw) are in ``sampling``; the frame's import and
the trading platform's enterprises are in ``frame`` (re-exported here with the rest of the API).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from itertools import cycle

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from zhengwu.contexts.appraisal.access import appraiser_require, raw_view_audit
from zhengwu.contexts.appraisal.delivery import invitation_deliver
from zhengwu.contexts.appraisal.frame import (
    FrameImportReport,
    RefusedRow,
    frame_import,
    frame_link_trading,
    round_lock,
    round_status_require,
)
from zhengwu.contexts.appraisal.models import (
    FrameEntry,
    IndicatorSystem,
    Invitation,
    Response,
    Round,
    RoundUnit,
    Unit,
)
from zhengwu.contexts.appraisal.sampling import (
    Design,
    FrameRecord,
    UnitDraw,
    UnitPlan,
    cell_of,
    reserve_pick,
    round_code_period,
    unit_draw,
    unit_plan,
)
from zhengwu.contexts.appraisal.systems import system_freeze
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound
from zhengwu.platform.audit.services import audit_append

__all__ = [
    "FrameImportReport",
    "RefusedRow",
    "UnitDraw",
    "UnitProgress",
    "frame_import",
    "frame_link_trading",
    "invitation_outcome_record",
    "round_close",
    "round_create",
    "round_get",
    "round_invitations_export",
    "round_list",
    "round_open",
    "round_progress",
    "round_sample_draw",
]

# Seeds are stored in a signed 64-bit column.
SEED_LIMIT = 2**63
OUTCOMES = (Invitation.Status.REFUSED, Invitation.Status.UNREACHABLE)
# Invitations still waiting for an answer: a refusal or unreachable may be recorded on them.
PENDING = (Invitation.Status.DRAWN, Invitation.Status.SENT, Invitation.Status.OPENED)


# --- helpers -------------------------------------------------------------------------------------


def _design(round: Round) -> Design:
    return Design(
        margin=round.margin,
        assumed_sd=round.assumed_sd,
        z=round.z,
        min_per_unit=round.min_per_unit,
        reserve_ratio=round.reserve_ratio,
    )


def _seed_commitment(seed: int) -> str:
    return hashlib.sha256(f"zhengwu.appraisal.seed|{seed}".encode()).hexdigest()


def _channel_for(entry: FrameEntry) -> str:
    if entry.phone:
        return Invitation.Channel.SMS
    if entry.email:
        return Invitation.Channel.EMAIL
    return Invitation.Channel.CATI


def _link(link_base: str, invitation: Invitation) -> str:
    return f"{link_base}/appraisal/r/{invitation.token}/"


def _link_base_checked(link_base: str) -> str:
    base = link_base.strip().rstrip("/")
    if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", base):
        raise InvalidInput(
            "邀请链接的网址应以http://或https://开头", code="round_link_base_invalid", detail={"link_base": link_base}
        )
    return base


def _send(invitation: Invitation, *, link_base: str, interviewer: str, now: dt.datetime) -> None:
    """Deliver one released invitation, or leave it to an interviewer when it goes by telephone."""
    if invitation.channel == Invitation.Channel.CATI or not invitation_deliver(
        invitation=invitation, link=_link(link_base, invitation)
    ):
        invitation.interviewer_username = interviewer or invitation.interviewer_username
        invitation.save(update_fields=["interviewer_username"])
        return
    invitation.status = Invitation.Status.SENT
    invitation.sent_at = now
    invitation.save(update_fields=["status", "sent_at"])


# --- designing a round ---------------------------------------------------------------------------


def round_create(
    *,
    code: str,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    system: IndicatorSystem,
    units: list[Unit] | None = None,
    margin: float = 5.0,
    assumed_sd: float = 20.0,
    z: float = 1.96,
    min_per_unit: int = 30,
    reserve_ratio: float = 0.5,
    seed: int | None = None,
    by: Actor,
) -> Round:
    """Open the design of a round (``2026Q3``, or ``2026T2`` for four-month rounds) for the evaluator.

    The period must be the one the code names. The indicator system's version is frozen — the
    round is scored with it, so it may never change. The units are the active ones unless given.
    Without a seed a random one is chosen; the audit log records only its SHA-256 until the draw
    (whoever supplies the frame must not be able to steer the sample).
    """
    appraiser_require(by=by)
    code = code.strip().upper()
    title = title.strip()
    if not title:
        raise InvalidInput("轮次名称不能为空", code="round_title_required", detail={"field": "title"})
    if len(title) > 200:
        raise InvalidInput("轮次名称不能超过200个字符", code="round_title_too_long", detail={"field": "title"})
    if period_start > period_end:
        raise InvalidInput(
            "调查期的开始日期不能晚于结束日期", code="round_period_order", detail={"field": "period_end"}
        )
    start, end = round_code_period(code)
    if (period_start, period_end) != (start, end):
        raise InvalidInput(
            f"轮次{code}的调查期应为{start.isoformat()}至{end.isoformat()}",
            code="round_period_mismatch",
            detail={"field": "period_start", "expected": [start.isoformat(), end.isoformat()]},
        )
    design = Design(margin=margin, assumed_sd=assumed_sd, z=z, min_per_unit=min_per_unit, reserve_ratio=reserve_ratio)
    unit_plan(frame_size=1, design=design)  # refuses impossible parameters before anything is written
    if seed is None:
        seed = secrets.randbits(62)
    if not 0 <= seed < SEED_LIMIT:
        raise InvalidInput("随机种子应为0至2^63-1之间的整数", code="round_seed_invalid", detail={"field": "seed"})
    try:
        with transaction.atomic():
            if Round.objects.filter(code=code).exists():
                raise Conflict(f"轮次{code}已存在", code="round_taken", detail={"code": code})
            chosen = list(Unit.objects.filter(active=True)) if units is None else list(units)
            if not chosen:
                raise InvalidInput("没有参评单位", code="round_units_empty")
            frozen = system_freeze(system=system, by=by)
            now = clock_now()
            round = Round.objects.create(
                code=code,
                title=title,
                period_start=period_start,
                period_end=period_end,
                system=frozen,
                margin=margin,
                assumed_sd=assumed_sd,
                z=z,
                min_per_unit=min_per_unit,
                reserve_ratio=reserve_ratio,
                seed=seed,
                created_at=now,
                created_by=by.username,
            )
            RoundUnit.objects.bulk_create([RoundUnit(round=round, unit=unit) for unit in chosen])
            audit_append(
                actor=by,
                action="appraisal.round.create",
                object_type="appraisal.round",
                object_id=code,
                after={
                    "code": code,
                    "title": title,
                    "period": [period_start.isoformat(), period_end.isoformat()],
                    "system": f"{frozen.code} v{frozen.version}",
                    "units": len(chosen),
                    # The audit log's canonical JSON takes no floats: the parameters go as text.
                    "margin": str(margin),
                    "assumed_sd": str(assumed_sd),
                    "z": str(z),
                    "min_per_unit": min_per_unit,
                    "reserve_ratio": str(reserve_ratio),
                    "seed_sha256": _seed_commitment(seed),
                },
            )
    except IntegrityError:
        # Another request created the same code between the check and the insert.
        raise Conflict(f"轮次{code}已存在", code="round_taken", detail={"code": code}) from None
    return round


# --- the sample ----------------------------------------------------------------------------------


def round_sample_draw(*, round: Round, by: Actor) -> list[UnitDraw]:
    """Draw every unit's sample once (the evaluator, in design) and create its invitations.

    Per unit: n for the round's margin, quotas by matter type, the main sample cell by cell and
    the reserves in release order (``sampling.unit_draw``, seeded: the same frame and seed give
    the same sample). Main invitations are released, reserves wait. Drawing twice is refused.
    """
    appraiser_require(by=by)
    now = clock_now()
    with transaction.atomic():
        locked = round_lock(round=round)
        round_status_require(round=locked, status=Round.Status.DESIGN, message="只有设计中的轮次可以抽样")
        round_units = list(RoundUnit.objects.filter(round=locked).select_related("unit"))
        if any(ru.drawn_at is not None for ru in round_units) or Invitation.objects.filter(round=locked).exists():
            raise Conflict("本轮已经抽样，不能重复抽取", code="round_already_drawn", detail={"round": locked.code})
        entries: dict[int, list[FrameEntry]] = defaultdict(list)
        for entry in FrameEntry.objects.filter(round=locked):
            entries[entry.unit_id].append(entry)
        if not entries:
            raise InvalidInput("抽样框为空，请先导入办件名单", code="round_frame_empty", detail={"round": locked.code})
        design = _design(locked)
        draws: list[UnitDraw] = []
        invitations: list[Invitation] = []
        for round_unit in round_units:
            by_id = {e.pk: e for e in entries.get(round_unit.unit_id, [])}
            draw = unit_draw(
                unit_code=round_unit.unit.code,
                frame=[FrameRecord(uscc=e.uscc, ref=e.pk, matter_type=e.matter_type) for e in by_id.values()],
                design=design,
                round_seed=locked.seed,
            )
            draws.append(draw)
            # Reserves are created in release order, so their ids keep it.
            for ref, reserve in [(r, False) for r in draw.main] + [(r, True) for r in draw.reserves]:
                entry = by_id[ref]
                invitations.append(
                    Invitation(
                        round=locked,
                        unit=round_unit.unit,
                        frame_entry=entry,
                        token=secrets.token_urlsafe(24),
                        reserve=reserve,
                        released=not reserve,
                        channel=_channel_for(entry),
                        status=Invitation.Status.DRAWN,
                        created_at=now,
                    )
                )
            round_unit.target_n = draw.n
            round_unit.reserve_n = draw.reserve_n
            round_unit.quotas = {"matter_type": draw.quotas}
            round_unit.drawn_at = now
        Invitation.objects.bulk_create(invitations, batch_size=1000)
        RoundUnit.objects.bulk_update(round_units, ["target_n", "reserve_n", "quotas", "drawn_at"])
        audit_append(
            actor=by,
            action="appraisal.round.draw",
            object_type="appraisal.round",
            object_id=locked.code,
            after={
                # The seed is revealed now that the frame is fixed: with it the draw can be redone.
                "seed": locked.seed,
                "seed_sha256": _seed_commitment(locked.seed),
                "main": sum(d.n for d in draws),
                "reserves": sum(d.reserve_n for d in draws),
                "short_units": sorted(d.unit_code for d in draws if d.shortfall > 0),
            },
        )
    return draws


def round_open(*, round: Round, link_base: str, by: Actor, interviewers: list[str] | None = None) -> int:
    """Start collecting (the evaluator, after the draw): send every released invitation.

    SMS and e-mail invitations go out through ``delivery`` with the link
    ``{link_base}/appraisal/r/{token}/``; telephone (CATI) ones are left for the interviewers,
    shared among ``interviewers`` in turn when given. Returns how many messages were sent.
    """
    appraiser_require(by=by)
    base = _link_base_checked(link_base)
    names = [name.strip() for name in interviewers or [] if name.strip()]
    now = clock_now()
    with transaction.atomic():
        locked = round_lock(round=round)
        round_status_require(round=locked, status=Round.Status.DESIGN, message="只有设计中的轮次可以开始调查")
        if not Invitation.objects.filter(round=locked).exists():
            raise Conflict("尚未抽样，不能开始调查", code="round_not_drawn", detail={"round": locked.code})
        turns = cycle(names) if names else None
        sent = assigned = 0
        released = (
            Invitation.objects.filter(round=locked, released=True, status=Invitation.Status.DRAWN)
            .select_related("frame_entry", "unit")
            .order_by("unit__code", "id")
        )
        for invitation in released:
            interviewer = next(turns) if turns is not None and invitation.channel == Invitation.Channel.CATI else ""
            _send(invitation, link_base=base, interviewer=interviewer, now=now)
            if invitation.status == Invitation.Status.SENT:
                sent += 1
            elif invitation.interviewer_username:
                assigned += 1
        locked.status = Round.Status.COLLECTING
        locked.save(update_fields=["status"])
        audit_append(
            actor=by,
            action="appraisal.round.open",
            object_type="appraisal.round",
            object_id=locked.code,
            before={"status": Round.Status.DESIGN},
            after={"status": Round.Status.COLLECTING, "sent": sent, "cati_assigned": assigned, "interviewers": names},
        )
    round.status = Round.Status.COLLECTING
    return sent


def round_close(*, round: Round, by: Actor) -> Round:
    """End collecting (the evaluator): no more answers are taken; scoring may begin."""
    appraiser_require(by=by)
    with transaction.atomic():
        locked = round_lock(round=round)
        round_status_require(round=locked, status=Round.Status.COLLECTING, message="只有调查中的轮次可以结束调查")
        locked.status = Round.Status.CLOSED
        locked.save(update_fields=["status"])
        audit_append(
            actor=by,
            action="appraisal.round.close",
            object_type="appraisal.round",
            object_id=locked.code,
            before={"status": Round.Status.COLLECTING},
            after={"status": Round.Status.CLOSED},
        )
    round.status = Round.Status.CLOSED
    return locked


def invitation_outcome_record(
    *, invitation: Invitation, outcome: str, by: Actor, link_base: str | None = None
) -> Invitation | None:
    """Record that an invited enterprise refused or could not be reached, and release a reserve.

    The next reserve of the same unit is released — of the same matter-type cell when one is
    left, so the quota holds — and sent at once (or left to the same interviewer when it goes
    by telephone). Returns the released reserve, or None when the unit has none left. The link
    base defaults to ``ZHENGWU_PUBLIC_URL``.
    """
    appraiser_require(by=by)
    if outcome not in OUTCOMES:
        raise InvalidInput(
            "结果只能是“拒访”或“无法联系”", code="invitation_outcome_invalid", detail={"outcome": outcome}
        )
    base = _link_base_checked(link_base or str(getattr(settings, "ZHENGWU_PUBLIC_URL", "")))
    now = clock_now()
    with transaction.atomic():
        locked_round = round_lock(round=invitation.round)
        round_status_require(
            round=locked_round, status=Round.Status.COLLECTING, message="只有调查中的轮次可以登记访问结果"
        )
        current = Invitation.objects.select_for_update().select_related("frame_entry").get(pk=invitation.pk)
        if not current.released or current.status not in PENDING:
            raise Conflict(
                f"该邀请当前状态为“{current.get_status_display()}”，不能登记为“{Invitation.Status(outcome).label}”",
                code="invitation_status",
                detail={"invitation": current.pk, "status": current.status, "released": current.released},
            )
        before = current.status
        current.status = outcome
        current.save(update_fields=["status"])
        waiting = list(
            Invitation.objects.select_for_update()
            .filter(round=locked_round, unit_id=current.unit_id, reserve=True, released=False)
            .select_related("frame_entry", "unit")
            .order_by("id")
        )
        chosen = reserve_pick(
            cell=cell_of(current.frame_entry.matter_type),
            waiting=[(w.pk, cell_of(w.frame_entry.matter_type)) for w in waiting],
        )
        reserve = next((w for w in waiting if w.pk == chosen), None)
        if reserve is not None:
            reserve.released = True
            reserve.save(update_fields=["released"])
            _send(reserve, link_base=base, interviewer=current.interviewer_username, now=now)
        audit_append(
            actor=by,
            action="appraisal.invitation.outcome",
            object_type="appraisal.invitation",
            object_id=str(current.pk),
            before={"status": before},
            after={"status": outcome, "reserve_released": reserve.pk if reserve else None},
        )
    invitation.status = outcome
    return reserve


# --- reads ---------------------------------------------------------------------------------------


def round_list() -> list[Round]:
    """Every round, newest period first, with its indicator system and number of units."""
    return list(Round.objects.select_related("system").annotate(unit_count=Count("round_units")))


def round_get(*, code: str) -> Round:
    """The round called ``code``; NotFound otherwise."""
    round = Round.objects.select_related("system").filter(code=code.strip().upper()).first()
    if round is None:
        raise NotFound("轮次不存在", code="round_not_found", detail={"code": code})
    return round


@dataclass(frozen=True)
class UnitProgress:
    """A unit's line in a round: its stratum's design and how collection stands."""

    unit_code: str
    unit_name: str
    unit_kind: str
    frame_size: int
    planned: UnitPlan  # what the design asks of the frame as it stands now
    drawn: bool
    target_n: int
    reserve_n: int
    quotas: dict[str, int]
    sent: int
    completed: int
    quota_fill: dict[str, int]
    reserves_released: int

    @property
    def completion_pct(self) -> float | None:
        return round(100.0 * self.completed / self.target_n, 1) if self.target_n else None

    @property
    def quota_cells(self) -> list[tuple[str, int, int]]:
        """(cell, completed, quota) for every quota cell."""
        return [(cell, self.quota_fill.get(cell, 0), quota) for cell, quota in self.quotas.items()]

    @property
    def shortfall(self) -> int:
        """How many the frame is short of the n the design asks for (the frame is fixed once drawn)."""
        return self.planned.shortfall


def round_progress(*, round: Round) -> list[UnitProgress]:
    """Per unit: frame, target n, reserves, quotas, invitations sent, completed responses and
    the completed count per matter-type cell, reserves released. Aggregates only."""
    design = _design(round)
    invitations: dict[int, dict[str, int]] = {
        row["unit_id"]: row
        for row in Invitation.objects.filter(round=round)
        .order_by()
        .values("unit_id")
        .annotate(
            sent=Count("id", filter=Q(sent_at__isnull=False)),
            reserves_released=Count("id", filter=Q(reserve=True, released=True)),
        )
    }
    completed = dict(Response.objects.filter(round=round).order_by().values_list("unit_id").annotate(n=Count("id")))
    fill: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, matter_type, n in (
        Response.objects.filter(round=round, invitation__isnull=False)
        .order_by()
        .values_list("unit_id", "invitation__frame_entry__matter_type")
        .annotate(n=Count("id"))
    ):
        cell = cell_of(matter_type or "")
        fill[unit_id][cell] = fill[unit_id].get(cell, 0) + n
    rows = []
    for ru in RoundUnit.objects.filter(round=round).select_related("unit"):
        counts = invitations.get(ru.unit_id, {})
        rows.append(
            UnitProgress(
                unit_code=ru.unit.code,
                unit_name=ru.unit.name,
                unit_kind=ru.unit.kind,
                frame_size=ru.frame_size,
                planned=unit_plan(frame_size=ru.frame_size, design=design),
                drawn=ru.drawn_at is not None,
                target_n=ru.target_n,
                reserve_n=ru.reserve_n,
                quotas=dict((ru.quotas or {}).get("matter_type", {})),
                sent=counts.get("sent", 0),
                completed=completed.get(ru.unit_id, 0),
                quota_fill=dict(sorted(fill.get(ru.unit_id, {}).items())),
                reserves_released=counts.get("reserves_released", 0),
            )
        )
    return rows


def round_invitations_export(*, round: Round, by: Actor) -> list[list[object]]:
    """The round's invitations with their respondents, for the evaluator only; the view is audited.

    Tokens are left out: a token is the enterprise's key to its questionnaire.
    """
    with transaction.atomic():
        raw_view_audit(by=by, what="invitations", object_id=round.code, detail={"format": "xlsx"})
        invitations = list(
            Invitation.objects.filter(round=round).select_related("frame_entry", "unit").order_by("unit__code", "id")
        )
    rows: list[list[object]] = []
    for inv in invitations:
        entry = inv.frame_entry
        rows.append(
            [
                inv.pk,
                inv.unit.code,
                inv.unit.name,
                entry.enterprise_name,
                entry.uscc,
                entry.contact_name,
                entry.phone,
                entry.email,
                entry.matter_type,
                entry.size,
                entry.get_source_display(),
                "备用样本" if inv.reserve else "主样本",
                inv.released,
                inv.get_channel_display(),
                inv.get_status_display(),
                inv.interviewer_username,
                _when(inv.sent_at),
                _when(inv.completed_at),
            ]
        )
    return rows


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value else ""
