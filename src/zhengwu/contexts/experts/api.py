"""The trading API of the expert pool, mounted at ``/trading/api/experts/``.

The same operations as the pages: the centre's staff enter, change, suspend, reinstate and
retire experts, import a sheet, and withdraw conflict declarations; staff and regulators list
and read the pool; an expert reads their own record and assignments (``/me``) and declares
their own conflicts and unavailability. Every endpoint needs a fully signed-in session or an
API token (ninja checks CSRF on session writes); every refusal is a ZhengwuError that the API
base turns into ``{code, message, detail}``.

Secrecy: the list is refused to everyone but staff and regulators (403 ``experts_pool_denied``),
one expert is NotFound for anyone but them and the expert themself, and no response carries the
whole identity number — only ``id_card_masked``. Assignments are returned to their expert only.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.security import django_auth

from zhengwu.contexts.experts import selectors
from zhengwu.contexts.experts.models import (
    SENIOR_TITLE_LEVELS,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    ExpertDraw,
    ExpertUnavailability,
)
from zhengwu.contexts.experts.rules import DrawGroup
from zhengwu.contexts.experts.services import (
    Committee,
    DrawCheck,
    ImportReport,
    Window,
    assignment_answer,
    availability_set,
    conflict_declare,
    conflict_withdraw,
    expert_create,
    expert_reinstate,
    expert_retire,
    expert_suspend,
    expert_update,
    experts_import,
    section_draw_check,
    section_draw_commit,
    section_draw_perform,
)
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_today
from zhengwu.kernel.errors import NotFound

PAGE_SIZE_MAX = selectors.PAGE_SIZE_MAX


def _actor(request: HttpRequest) -> Actor:
    """The fully signed-in actor of the request (401 without the second factor)."""
    return actor_for(user=getattr(request, "auth", None) or request.user, request=request)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(CHINA_TZ) if value is not None else None


# --- schemas -------------------------------------------------------------------------------------


class ExpertIn(Schema):
    name: str
    # Required on create; on update an empty number keeps the stored one.
    id_card: str = ""
    phone: str
    employer_name: str
    employer_uscc: str = ""
    region_code: str
    title_name: str
    # full_senior, senior, intermediate or junior (or the Chinese label).
    title_level: str
    work_years: int
    # comprehensive (综合评标专家库) or procurement (政府采购评审专家库).
    base_type: str
    main_specialty: str
    other_specialties: list[str] = Field(default_factory=list)
    qualifications: str = ""
    education: str = ""
    entered_on: dt.date | None = None
    # An existing account holding the expert role, linked so the expert can sign in.
    username: str = ""


class SpecialtyOut(Schema):
    code: str
    is_main: bool


class ExpertOut(Schema):
    uuid: uuid_lib.UUID
    name: str
    id_card_masked: str
    sex: str
    birth_date: dt.date
    phone: str
    employer_name: str
    employer_uscc: str
    region_code: str
    title_name: str
    title_level: str
    senior_title: bool
    # Years of work today (the declared years plus the full years since they were declared).
    work_years: int
    base_type: str
    specialties: list[SpecialtyOut]
    qualifications: str
    education: str
    status: str
    status_reason: str
    entered_on: dt.date
    username: str
    version: int


class ExpertPage(Schema):
    items: list[ExpertOut]
    total: int
    page: int
    size: int
    pages: int


class ReasonIn(Schema):
    reason: str


class ConflictIn(Schema):
    organisation_name: str
    organisation_uscc: str = ""
    # employment, directorship, kinship or other.
    relation: str
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    note: str = ""


class ConflictOut(Schema):
    uuid: uuid_lib.UUID
    organisation_name: str
    organisation_uscc: str
    relation: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    note: str
    declared_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdraw_reason: str


class WindowIn(Schema):
    starts_on: dt.date
    ends_on: dt.date
    reason: str


class AvailabilityIn(Schema):
    # The whole list: it replaces the periods on record.
    windows: list[WindowIn]


class WindowOut(Schema):
    starts_on: dt.date
    ends_on: dt.date
    reason: str


class AssignmentOut(Schema):
    uuid: uuid_lib.UUID
    section_code: str
    role: str
    status: str
    assigned_at: dt.datetime


class ExpertDetailOut(Schema):
    expert: ExpertOut
    conflicts: list[ConflictOut]
    unavailable: list[WindowOut]


class MeOut(Schema):
    expert: ExpertOut
    conflicts: list[ConflictOut]
    unavailable: list[WindowOut]
    assignments: list[AssignmentOut]


class RowErrorOut(Schema):
    row: int
    column: str
    field: str
    code: str
    message: str


class ImportedRowOut(Schema):
    row: int
    uuid: uuid_lib.UUID
    name: str


class ImportOut(Schema):
    file_sha256: str
    rows: int
    imported: list[ImportedRowOut]
    errors: list[RowErrorOut]
    failed_rows: list[int]
    missing_headers: list[str]


# --- converters ----------------------------------------------------------------------------------


def _expert_out(expert: Expert) -> ExpertOut:
    return ExpertOut(
        uuid=expert.uuid,
        name=expert.name,
        id_card_masked=expert.id_card_masked,
        sex=expert.sex,
        birth_date=expert.birth_date,
        phone=expert.phone,
        employer_name=expert.employer_name,
        employer_uscc=expert.employer_uscc,
        region_code=expert.region_code,
        title_name=expert.title_name,
        title_level=expert.title_level,
        senior_title=expert.title_level in SENIOR_TITLE_LEVELS,
        work_years=selectors.work_years_on(expert, clock_today()),
        base_type=expert.base_type,
        specialties=[SpecialtyOut(code=s.code, is_main=s.is_main) for s in expert.specialties.all()],
        qualifications=expert.qualifications,
        education=expert.education,
        status=expert.status,
        status_reason=expert.status_reason,
        entered_on=expert.entered_on,
        username=expert.username,
        version=expert.version,
    )


def _conflict_out(conflict: ExpertConflict) -> ConflictOut:
    return ConflictOut(
        uuid=conflict.uuid,
        organisation_name=conflict.organisation_name,
        organisation_uscc=conflict.organisation_uscc,
        relation=conflict.relation,
        starts_on=conflict.starts_on,
        ends_on=conflict.ends_on,
        note=conflict.note,
        declared_at=conflict.declared_at.astimezone(CHINA_TZ),
        withdrawn_at=_local(conflict.withdrawn_at),
        withdraw_reason=conflict.withdraw_reason,
    )


def _window_out(window: ExpertUnavailability) -> WindowOut:
    return WindowOut(starts_on=window.starts_on, ends_on=window.ends_on, reason=window.reason)


def _assignment_out(assignment: ExpertAssignment) -> AssignmentOut:
    return AssignmentOut(
        uuid=assignment.uuid,
        section_code=assignment.section_code,
        role=assignment.role,
        status=assignment.status,
        assigned_at=assignment.assigned_at.astimezone(CHINA_TZ),
    )


def _detail_out(expert: Expert) -> ExpertDetailOut:
    return ExpertDetailOut(
        expert=_expert_out(expert),
        conflicts=[_conflict_out(c) for c in selectors.expert_conflicts(expert=expert)],
        unavailable=[_window_out(w) for w in selectors.expert_unavailability(expert=expert)],
    )


def _import_out(report: ImportReport) -> ImportOut:
    return ImportOut(
        file_sha256=report.file_sha256,
        rows=report.rows,
        imported=[ImportedRowOut(row=r.row, uuid=uuid_lib.UUID(r.uuid), name=r.name) for r in report.imported],
        errors=[
            RowErrorOut(row=e.row, column=e.column, field=e.field, code=e.code, message=e.message)
            for e in report.errors
        ],
        failed_rows=report.failed_rows,
        missing_headers=report.missing_headers,
    )


def _create(payload: ExpertIn, *, by: Actor) -> Expert:
    return expert_create(
        name=payload.name,
        id_card=payload.id_card,
        phone=payload.phone,
        employer_name=payload.employer_name,
        employer_uscc=payload.employer_uscc,
        region_code=payload.region_code,
        title_name=payload.title_name,
        title_level=payload.title_level,
        work_years=payload.work_years,
        base_type=payload.base_type,
        main_specialty=payload.main_specialty,
        other_specialties=payload.other_specialties,
        qualifications=payload.qualifications,
        education=payload.education,
        entered_on=payload.entered_on,
        username=payload.username,
        by=by,
    )


def _update(expert: Expert, payload: ExpertIn, *, by: Actor) -> Expert:
    return expert_update(
        expert=expert,
        name=payload.name,
        id_card=payload.id_card,
        phone=payload.phone,
        employer_name=payload.employer_name,
        employer_uscc=payload.employer_uscc,
        region_code=payload.region_code,
        title_name=payload.title_name,
        title_level=payload.title_level,
        work_years=payload.work_years,
        base_type=payload.base_type,
        main_specialty=payload.main_specialty,
        other_specialties=payload.other_specialties,
        qualifications=payload.qualifications,
        education=payload.education,
        entered_on=payload.entered_on,
        username=payload.username,
        by=by,
    )


# --- draws ---------------------------------------------------------------------------------------


class DrawGroupIn(Schema):
    # Specialty codes (a level admits the codes below it), e.g. ["A0802"].
    specialties: list[str]
    count: int
    reserves: int = 0
    # Region codes narrowing this group (optional).
    regions: list[str] = Field(default_factory=list)


class DrawRequestIn(Schema):
    groups: list[DrawGroupIn]
    # The tenderer's own representatives on the committee beside the drawn experts.
    representatives: int = 0
    complex_project: bool = False
    at_open_tender_threshold: bool = False


class DrawCommitIn(DrawRequestIn):
    evaluation_on: dt.date
    # Region codes the whole pool is narrowed to (optional).
    regions: list[str] = Field(default_factory=list)


class ViolationOut(Schema):
    code: str
    message: str
    article: str


class DrawCheckOut(Schema):
    section_code: str
    committee: str
    committee_label: str
    experts: int
    representatives: int
    size: int
    minimum: int
    lawful: bool
    violations: list[ViolationOut]
    bidders_known: bool


class DrawPerformIn(Schema):
    # Text the regulator supplies at the draw, mixed into it (optional).
    contribution: str = ""


class SeatOut(Schema):
    expert: uuid_lib.UUID
    name: str
    reserve: bool
    # The assignment's status; "" for a reserve not called.
    status: str


class PanelGroupOut(Schema):
    index: int
    specialties: list[str]
    count: int
    regions: list[str]
    seats: list[SeatOut]
    shortfall: int
    reserve_shortfall: int


class DrawOut(Schema):
    section_code: str
    status: str
    commitment: str
    committed_at: dt.datetime
    drawn_at: dt.datetime | None
    panel: list[PanelGroupOut]


class AnswerIn(Schema):
    accept: bool


class AnswerOut(Schema):
    assignment: AssignmentOut
    # After a decline: whether a reserve was called (never who); False when none is left.
    reserve_called: bool


def _groups_in(groups: list[DrawGroupIn]) -> list[DrawGroup]:
    return [
        DrawGroup(specialties=tuple(g.specialties), count=g.count, reserves=g.reserves, regions=tuple(g.regions))
        for g in groups
    ]


def _committee_in(payload: DrawRequestIn) -> Committee:
    return Committee(
        representatives=payload.representatives,
        complex_project=payload.complex_project,
        at_open_tender_threshold=payload.at_open_tender_threshold,
    )


def _check_out(check: DrawCheck) -> DrawCheckOut:
    return DrawCheckOut(
        section_code=check.section_code,
        committee=check.kind,
        committee_label=check.label,
        experts=check.experts,
        representatives=check.representatives,
        size=check.size,
        minimum=check.minimum,
        lawful=check.lawful,
        violations=[ViolationOut(code=v.code, message=v.message, article=v.article) for v in check.violations],
        bidders_known=check.bidders_known,
    )


def _draw_out(draw: ExpertDraw, *, by: Actor) -> DrawOut:
    return DrawOut(
        section_code=draw.section_code,
        status=draw.status,
        commitment=draw.commitment,
        committed_at=draw.committed_at.astimezone(CHINA_TZ),
        drawn_at=_local(draw.drawn_at),
        panel=[
            PanelGroupOut(
                index=g.index,
                specialties=list(g.specialties),
                count=g.count,
                regions=list(g.regions),
                seats=[
                    SeatOut(expert=uuid_lib.UUID(s.uuid), name=s.name, reserve=s.reserve, status=s.status)
                    for s in g.seats
                ],
                shortfall=g.shortfall,
                reserve_shortfall=g.reserve_shortfall,
            )
            for g in selectors.draw_panel(draw=draw, by=by)
        ],
    )


def _draw_found(section_code: str, *, by: Actor) -> ExpertDraw:
    found = selectors.draw_for_section(section_code=section_code, by=by)
    if found is None:
        raise NotFound("该标段尚未发起专家抽取", code="draw_not_found", detail={"section": section_code[:64]})
    return found


# --- the router ----------------------------------------------------------------------------------


def router_build(*, platform: str) -> Router | None:
    """The experts API; only the trading platform has it."""
    if platform != "trading":
        return None
    router = Router(tags=["experts"], auth=django_auth)

    @router.get("/experts", response=ExpertPage, summary="The expert pool, filtered (staff and regulators)")
    def experts_list(
        request: HttpRequest,
        q: str = "",
        specialty: str = "",
        region: str = "",
        status: str = "",
        title_level: str = "",
        base_type: str = "",
        page: int = 1,
        size: int = 20,
    ) -> ExpertPage:
        """``specialty`` admits codes below it; ``region`` a province or city code covers its
        counties; ``q`` searches names, employers, phones, and a whole identity number. Audited."""
        filters = selectors.ExpertFilters(
            search=q, specialty=specialty, region=region, status=status, title_level=title_level, base_type=base_type
        )
        taken = selectors.experts_page(by=_actor(request), filters=filters, page=page, size=size)
        return ExpertPage(
            items=[_expert_out(e) for e in taken.items],
            total=taken.total,
            page=taken.page,
            size=taken.size,
            pages=taken.pages,
        )

    @router.post("/experts", response={201: ExpertDetailOut}, summary="Enter an expert (staff)")
    def experts_create(request: HttpRequest, payload: ExpertIn) -> Status[ExpertDetailOut]:
        return Status(201, _detail_out(_create(payload, by=_actor(request))))

    @router.post("/experts/import", response=ImportOut, summary="Import experts from an .xlsx sheet (staff)")
    def experts_import_endpoint(request: HttpRequest, file: File[UploadedFile]) -> ImportOut:
        """Multipart upload. Good rows are imported; ``errors`` lists every problem of the other
        rows (row number, column, code, message). 400 only when the file itself is unusable."""
        report = experts_import(file=file, file_name=file.name or "", by=_actor(request))
        return _import_out(report)

    @router.get("/me", response=MeOut, summary="My own expert record and assignments")
    def me(request: HttpRequest) -> MeOut:
        """The signed-in expert's record; 404 ``expert_not_linked`` when the account has none."""
        actor = _actor(request)
        expert = selectors.expert_own(by=actor)
        if expert is None:
            raise NotFound("该账号未关联专家库中的专家", code="expert_not_linked")
        detail = _detail_out(expert)
        return MeOut(
            expert=detail.expert,
            conflicts=detail.conflicts,
            unavailable=detail.unavailable,
            assignments=[_assignment_out(a) for a in selectors.expert_assignments_own(by=actor)],
        )

    @router.get("/experts/{uuid}", response=ExpertDetailOut, summary="One expert")
    def experts_detail(request: HttpRequest, uuid: str) -> ExpertDetailOut:
        """Staff and regulators (audited) and the expert themself; 404 for anyone else."""
        return _detail_out(selectors.expert_get(uuid=uuid, by=_actor(request)))

    @router.put("/experts/{uuid}", response=ExpertDetailOut, summary="Change an expert's record (staff)")
    def experts_update(request: HttpRequest, uuid: str, payload: ExpertIn) -> ExpertDetailOut:
        """Every field is given; an empty ``id_card`` keeps the stored number."""
        actor = _actor(request)
        expert = selectors.expert_get(uuid=uuid, by=actor)
        return _detail_out(_update(expert, payload, by=actor))

    @router.post("/experts/{uuid}/suspend", response=ExpertDetailOut, summary="Suspend an expert (staff)")
    def experts_suspend(request: HttpRequest, uuid: str, payload: ReasonIn) -> ExpertDetailOut:
        actor = _actor(request)
        expert = selectors.expert_get(uuid=uuid, by=actor)
        return _detail_out(expert_suspend(expert=expert, reason=payload.reason, by=actor))

    @router.post("/experts/{uuid}/reinstate", response=ExpertDetailOut, summary="Reinstate an expert (staff)")
    def experts_reinstate(request: HttpRequest, uuid: str, payload: ReasonIn) -> ExpertDetailOut:
        actor = _actor(request)
        expert = selectors.expert_get(uuid=uuid, by=actor)
        return _detail_out(expert_reinstate(expert=expert, reason=payload.reason, by=actor))

    @router.post("/experts/{uuid}/retire", response=ExpertDetailOut, summary="Take an expert out of the pool (staff)")
    def experts_retire(request: HttpRequest, uuid: str, payload: ReasonIn) -> ExpertDetailOut:
        actor = _actor(request)
        expert = selectors.expert_get(uuid=uuid, by=actor)
        return _detail_out(expert_retire(expert=expert, reason=payload.reason, by=actor))

    @router.post("/experts/{uuid}/conflicts", response={201: ConflictOut}, summary="Declare a conflict")
    def conflicts_create(request: HttpRequest, uuid: str, payload: ConflictIn) -> Status[ConflictOut]:
        """The expert themself or the centre's staff."""
        actor = _actor(request)
        expert = selectors.expert_get(uuid=uuid, by=actor)
        conflict = conflict_declare(
            expert=expert,
            organisation_name=payload.organisation_name,
            organisation_uscc=payload.organisation_uscc,
            relation=payload.relation,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            note=payload.note,
            by=actor,
        )
        return Status(201, _conflict_out(conflict))

    @router.post("/conflicts/{uuid}/withdraw", response=ConflictOut, summary="Withdraw a declaration (staff)")
    def conflicts_withdraw(request: HttpRequest, uuid: str, payload: ReasonIn) -> ConflictOut:
        actor = _actor(request)
        conflict = selectors.conflict_get(uuid=uuid, by=actor)
        return _conflict_out(conflict_withdraw(conflict=conflict, reason=payload.reason, by=actor))

    @router.put("/experts/{uuid}/availability", response=list[WindowOut], summary="Set the unavailable periods")
    def availability_put(request: HttpRequest, uuid: str, payload: AvailabilityIn) -> list[WindowOut]:
        """The whole list, replacing the periods on record: the expert themself or the centre's staff."""
        actor = _actor(request)
        expert = selectors.expert_get(uuid=uuid, by=actor)
        rows = availability_set(
            expert=expert, windows=[Window(w.starts_on, w.ends_on, w.reason) for w in payload.windows], by=actor
        )
        return [_window_out(w) for w in rows]

    # Draws: staff request, commit and perform; regulators read; anyone else 403 ``draw_denied``
    # (or ``experts_staff_required`` for an act). Who was drawn is in no other response.

    @router.post("/draws/{section_code}/check", response=DrawCheckOut, summary="Check a draw's committee (staff)")
    def draws_check(request: HttpRequest, section_code: str, payload: DrawRequestIn) -> DrawCheckOut:
        """The committee the request fills, against the law; nothing is written."""
        check = section_draw_check(
            section_code=section_code,
            groups=_groups_in(payload.groups),
            committee=_committee_in(payload),
            by=_actor(request),
        )
        return _check_out(check)

    @router.post("/draws/{section_code}", response={201: DrawOut}, summary="Commit a section's draw (staff)")
    def draws_commit(request: HttpRequest, section_code: str, payload: DrawCommitIn) -> Status[DrawOut]:
        """Refused with the rule's code when the committee breaks the law (``committee_too_small``,
        ``committee_size_even``, ``committee_experts_too_few``); 409 ``draw_exists``. The
        commitment is published to the public platform at once."""
        actor = _actor(request)
        draw = section_draw_commit(
            section_code=section_code,
            evaluation_on=payload.evaluation_on,
            groups=_groups_in(payload.groups),
            committee=_committee_in(payload),
            regions=payload.regions,
            by=actor,
        )
        return Status(201, _draw_out(draw, by=actor))

    @router.post("/draws/{section_code}/perform", response=DrawOut, summary="Perform a committed draw (staff)")
    def draws_perform(request: HttpRequest, section_code: str, payload: DrawPerformIn) -> DrawOut:
        """404 ``draw_not_found`` before a commitment; 409 ``draw_done`` once drawn."""
        actor = _actor(request)
        draw = section_draw_perform(section_code=section_code, contribution=payload.contribution, by=actor)
        return _draw_out(draw, by=actor)

    @router.get("/draws/{section_code}", response=DrawOut, summary="A section's draw (staff and regulators)")
    def draws_detail(request: HttpRequest, section_code: str) -> DrawOut:
        """The commitment, and after the draw who was drawn with each assignment's status (audited)."""
        actor = _actor(request)
        return _draw_out(_draw_found(section_code, by=actor), by=actor)

    @router.get("/draws/{section_code}/record", response=dict[str, Any], summary="A draw's full record")
    def draws_record(request: HttpRequest, section_code: str) -> dict[str, Any]:
        """The record ``zhengwu experts verify-draw`` re-runs; 404 ``draw_not_drawn`` before the draw."""
        return selectors.draw_record(section_code=section_code, by=_actor(request))

    @router.post("/me/assignments/{uuid}/answer", response=AnswerOut, summary="Accept or decline an assignment")
    def assignments_answer(request: HttpRequest, uuid: str, payload: AnswerIn) -> AnswerOut:
        """The drawn expert only (404 ``assignment_not_found`` for anyone else's); 409
        ``assignment_answered`` once answered. A decline calls the group's next reserve."""
        actor = _actor(request)
        assignment = selectors.assignment_own_get(uuid=uuid, by=actor)
        replacement = assignment_answer(assignment=assignment, accept=payload.accept, by=actor)
        assignment.refresh_from_db()
        return AnswerOut(
            assignment=_assignment_out(assignment),
            reserve_called=not payload.accept and replacement is not None,
        )

    return router
