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
    ExpertUnavailability,
)
from zhengwu.contexts.experts.services import (
    ImportReport,
    Window,
    availability_set,
    conflict_declare,
    conflict_withdraw,
    expert_create,
    expert_reinstate,
    expert_retire,
    expert_suspend,
    expert_update,
    experts_import,
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

    return router
