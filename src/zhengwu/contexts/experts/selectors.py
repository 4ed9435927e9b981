"""Reads of the experts context: the pool for oversight, an expert's own view, and the draw's candidates.

Who may see what (ebidding-rules.md §6; the issue):

- the pool — list, filters, export, one expert's record — is for the centre's staff, who maintain
  it, and for regulators, who read it: ``experts_page``, ``experts_export`` and ``expert_get``
  admit them and audit every call, admitted or refused;
- an expert sees their own record, conflicts, unavailability and assignments, nothing else:
  ``expert_own``, ``expert_assignments_own`` (and ``expert_get`` on their own record);
- tenderers, agencies, bidders and the public see nothing of the pool: a list is refused (403)
  and one expert is NotFound (404), exactly as if it did not exist;
- the whole identity number is never returned: records carry only the masked number.

``experts_eligible`` is for the draw (code, not people): plain data over the experts who may be
drawn on a day, with what the avoidance rules need.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid as uuid_lib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from zhengwu.contexts.experts.models import (
    BASE_TYPE_LABELS,
    SENIOR_TITLE_LEVELS,
    TITLE_LEVEL_LABELS,
    Expert,
    ExpertAssignment,
    ExpertConflict,
    ExpertDraw,
    ExpertSpecialty,
    ExpertUnavailability,
)
from zhengwu.contexts.experts.personal import id_card_digest
from zhengwu.contexts.experts.specialties import specialty_code_normalize
from zhengwu.contexts.identity.roles import Role
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.idcard import idcard_validate
from zhengwu.kernel.paging import Page, page_take
from zhengwu.platform.audit.services import audit_append

OVERSIGHT_ROLES = (Role.CENTRE_STAFF, Role.REGULATOR)
PAGE_SIZE_MAX = 100
SEARCH_MAX = 100
# Assignments that count as having served (or serving) for a tenderer: a declined or replaced
# draw did not sit on the panel.
SERVED_STATUSES = ("notified", "accepted", "completed")


# --- filters -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExpertFilters:
    """What the pool list is filtered on; empty means no filter."""

    search: str = ""
    specialty: str = ""
    region: str = ""
    status: str = ""
    title_level: str = ""
    base_type: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v}


def _choice(value: str, *, field: str, allowed: Sequence[str]) -> str:
    value = (value or "").strip()
    if value and value not in allowed:
        raise InvalidInput(
            "筛选条件无效",
            code=f"{field}_unknown",
            detail={"field": field, "value": value[:20], "allowed": list(allowed)},
        )
    return value


def filters_checked(filters: ExpertFilters) -> ExpertFilters:
    """The filters normalised; InvalidInput for a status, title level or pool type that does not exist."""
    region = "".join((filters.region or "").split())
    if region and (not region.isdigit() or len(region) not in (2, 4, 6)):
        raise InvalidInput(
            "地区应为2、4或6位行政区划代码",
            code="region_filter_invalid",
            detail={"field": "region", "value": region[:20]},
        )
    return ExpertFilters(
        search=(filters.search or "").strip()[:SEARCH_MAX],
        specialty=specialty_code_normalize(filters.specialty or "")[:7],
        region=region,
        status=_choice(filters.status, field="status", allowed=Expert.Status.values),
        title_level=_choice(filters.title_level, field="title_level", allowed=list(TITLE_LEVEL_LABELS)),
        base_type=_choice(filters.base_type, field="base_type", allowed=list(BASE_TYPE_LABELS)),
    )


def region_prefix(code: str) -> str:
    """The prefix a region code stands for: a province (``530000``) or a city (``530100``) covers
    everything under it; a county code (``530102``) only itself."""
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


def _filtered(rows: QuerySet[Expert], filters: ExpertFilters) -> QuerySet[Expert]:
    if filters.search:
        text = filters.search
        query = Q(name__icontains=text) | Q(employer_name__icontains=text) | Q(phone__contains=text)
        query |= Q(employer_uscc=text.upper()) | Q(username__iexact=text)
        verdict = idcard_validate(text)
        if verdict.valid:
            # A whole identity number finds its expert by the keyed digest (never stored in clear).
            query |= Q(id_card_digest=id_card_digest(verdict.number))
        rows = rows.filter(query)
    if filters.specialty:
        rows = rows.filter(
            Exists(ExpertSpecialty.objects.filter(expert=OuterRef("pk"), code__startswith=filters.specialty))
        )
    if filters.region:
        rows = rows.filter(region_code__startswith=region_prefix(filters.region))
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.title_level:
        rows = rows.filter(title_level=filters.title_level)
    if filters.base_type:
        rows = rows.filter(base_type=filters.base_type)
    return rows


# --- the pool, for oversight ---------------------------------------------------------------------


def experts_visible(*, by: Actor) -> bool:
    """Whether ``experts_page`` would admit ``by`` (no audit entry; for showing a link)."""
    return not by.is_system and by.has_role(*OVERSIGHT_ROLES)


def experts_maintainable(*, by: Actor) -> bool:
    """Whether ``by`` maintains the pool (the centre's staff; for showing the forms)."""
    return not by.is_system and by.has_role(Role.CENTRE_STAFF)


def _pool_open(*, by: Actor, action: str, filters: ExpertFilters) -> tuple[QuerySet[Expert], ExpertFilters]:
    if not experts_visible(by=by):
        audit_append(actor=by, action=f"{action}_denied", object_type="experts.pool", object_id="all")
        raise PermissionDenied("只有交易中心工作人员和行政监督人员可以查看专家库", code="experts_pool_denied")
    checked = filters_checked(filters)
    rows = Expert.objects.prefetch_related("specialties")
    return _filtered(rows, checked).order_by("name", "id"), checked


def experts_page(*, by: Actor, filters: ExpertFilters | None = None, page: int = 1, size: int = 20) -> Page[Expert]:
    """One page of the pool, filtered (staff and regulators); every call audited
    (``experts.pool.view`` or ``experts.pool.view_denied``)."""
    rows, checked = _pool_open(by=by, action="experts.pool.view", filters=filters or ExpertFilters())
    page = max(page, 1)
    size = min(max(size, 1), PAGE_SIZE_MAX)
    taken: Page[Expert] = page_take(rows, page=page, size=size)
    audit_append(
        actor=by,
        action="experts.pool.view",
        object_type="experts.pool",
        object_id="all",
        after={"filters": checked.as_dict(), "page": page, "count": len(taken.items), "total": taken.total},
    )
    return taken


def experts_export(*, by: Actor, filters: ExpertFilters | None = None) -> list[Expert]:
    """Every expert matching ``filters`` for an Excel export (staff and regulators), audited like a
    view (``experts.pool.export`` or ``experts.pool.export_denied``)."""
    rows, checked = _pool_open(by=by, action="experts.pool.export", filters=filters or ExpertFilters())
    experts = list(rows)
    audit_append(
        actor=by,
        action="experts.pool.export",
        object_type="experts.pool",
        object_id="all",
        after={"filters": checked.as_dict(), "count": len(experts)},
    )
    return experts


def _uuid(value: str | uuid_lib.UUID, *, what: str, code: str) -> uuid_lib.UUID:
    if isinstance(value, uuid_lib.UUID):
        return value
    try:
        return uuid_lib.UUID(str(value))
    except ValueError as exc:
        raise NotFound(f"{what}不存在", code=code, detail={"id": str(value)[:64]}) from exc


def expert_get(*, uuid: str | uuid_lib.UUID, by: Actor) -> Expert:
    """One expert: for staff and regulators (audited ``experts.expert.view``) and for the expert
    themself. Anyone else gets NotFound, as if the expert did not exist."""
    found = (
        Expert.objects.prefetch_related("specialties")
        .filter(uuid=_uuid(uuid, what="专家", code="expert_not_found"))
        .first()
    )
    if found is not None and not by.is_system:
        if by.has_role(Role.EXPERT) and found.user_id is not None and found.user_id == by.user_id:
            return found
        if by.has_role(*OVERSIGHT_ROLES):
            audit_append(
                actor=by, action="experts.expert.view", object_type="experts.expert", object_id=str(found.uuid)
            )
            return found
    raise NotFound("专家不存在", code="expert_not_found", detail={"id": str(uuid)[:64]})


def expert_for_system(*, uuid: str | uuid_lib.UUID) -> Expert:
    """One expert for the platform's own work (the draw, demo data); NotFound if absent. Never for people."""
    found = Expert.objects.prefetch_related("specialties").filter(
        uuid=_uuid(uuid, what="专家", code="expert_not_found")
    )
    expert = found.first()
    if expert is None:
        raise NotFound("专家不存在", code="expert_not_found", detail={"id": str(uuid)[:64]})
    return expert


def conflict_get(*, uuid: str | uuid_lib.UUID, by: Actor) -> ExpertConflict:
    """One conflict declaration: for staff and regulators and for its expert; NotFound otherwise."""
    found = (
        ExpertConflict.objects.select_related("expert")
        .filter(uuid=_uuid(uuid, what="回避申报", code="conflict_not_found"))
        .first()
    )
    if found is not None and not by.is_system:
        own = by.has_role(Role.EXPERT) and found.expert.user_id is not None and found.expert.user_id == by.user_id
        if own or by.has_role(*OVERSIGHT_ROLES):
            return found
    raise NotFound("回避申报不存在", code="conflict_not_found", detail={"id": str(uuid)[:64]})


def expert_conflicts(*, expert: Expert) -> list[ExpertConflict]:
    """The expert's declarations, newest first, withdrawn ones included (marked)."""
    return list(expert.conflicts.order_by("withdrawn_at", "-declared_at", "-id"))


def expert_unavailability(*, expert: Expert) -> list[ExpertUnavailability]:
    """The expert's periods of unavailability, earliest first."""
    return list(expert.unavailability.order_by("starts_on", "id"))


# --- an expert's own view ------------------------------------------------------------------------


def expert_own(*, by: Actor) -> Expert | None:
    """The record of the signed-in expert (None if their account is not linked to one)."""
    if by.is_system or by.user_id is None or not by.has_role(Role.EXPERT):
        return None
    return Expert.objects.prefetch_related("specialties").filter(user_id=by.user_id).first()


def expert_assignments_own(*, by: Actor) -> list[ExpertAssignment]:
    """The signed-in expert's own assignments, newest first; nobody else's, and nothing for others."""
    expert = expert_own(by=by)
    if expert is None:
        return []
    return list(expert.assignments.order_by("-assigned_at", "-id"))


# --- candidates for the draw ---------------------------------------------------------------------


def work_years_on(expert: Expert, on: dt.date) -> int:
    """The expert's years of work on ``on``: as declared, plus the full years since the declaration."""
    start, years = expert.work_years_on, expert.work_years
    full = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
    return years + max(full, 0)


@dataclasses.dataclass(frozen=True)
class ConflictFact:
    """A declared relation, as the avoidance rules read it (``ends_on`` None: it lasts)."""

    organisation_uscc: str
    organisation_name: str
    relation: str
    starts_on: dt.date | None
    ends_on: dt.date | None


@dataclasses.dataclass(frozen=True)
class EligibleExpert:
    """One expert who may be drawn on the day asked: plain data, no ORM."""

    expert_id: int
    uuid: str
    specialties: tuple[str, ...]
    main_specialty: str
    employer_uscc: str
    employer_name: str
    region_code: str
    base_type: str
    title_level: str
    # 高级职称 or above (招标投标法 第三十七条 asks for it, with 8 years, for construction).
    senior_title: bool
    work_years: int
    birth_date: dt.date
    conflicts: tuple[ConflictFact, ...]
    # Assignments served (notified, accepted, completed) since ``assignments_since``, per tenderer USCC.
    assignments_by_tenderer: dict[str, int]


def experts_eligible(
    *,
    specialties: Sequence[str],
    region_codes: Sequence[str],
    on_date: dt.date,
    base_type: str | None = None,
    assignments_since: dt.date | None = None,
) -> list[EligibleExpert]:
    """The experts who may be drawn on ``on_date``, as plain data for the draw's pure rules.

    Admitted: status active; not unavailable on that day; holding one of ``specialties`` or a
    code below one (``A0802`` admits ``A080201``); in one of ``region_codes`` (a province or city
    code covers its counties; none given: any region); of ``base_type`` when given. The avoidance
    rules (employer, conflicts with their look-back, recent assignments per tenderer, 高级职称 and
    years) are the draw's: this returns what they need and decides none of them. Ordered by id,
    so that a draw over the same pool sees the same sequence.
    """
    wanted = sorted({specialty_code_normalize(code) for code in specialties if code.strip()})
    if not wanted:
        raise InvalidInput("请指定抽取专业", code="draw_specialties_required", detail={"field": "specialties"})
    if base_type is not None and base_type not in BASE_TYPE_LABELS:
        raise InvalidInput("专家库类别无效", code="base_type_unknown", detail={"field": "base_type"})
    specialty_query = Q()
    for code in wanted:
        specialty_query |= Q(code__startswith=code)
    rows = Expert.objects.filter(status=Expert.Status.ACTIVE).filter(
        Exists(ExpertSpecialty.objects.filter(specialty_query, expert=OuterRef("pk"))),
        ~Exists(
            ExpertUnavailability.objects.filter(expert=OuterRef("pk"), starts_on__lte=on_date, ends_on__gte=on_date)
        ),
    )
    regions = [r for r in ("".join(code.split()) for code in region_codes) if r]
    if regions:
        region_query = Q()
        for code in regions:
            region_query |= Q(region_code__startswith=region_prefix(code))
        rows = rows.filter(region_query)
    if base_type:
        rows = rows.filter(base_type=base_type)
    rows = rows.order_by("id").prefetch_related(
        "specialties", Prefetch("conflicts", queryset=ExpertConflict.objects.filter(withdrawn_at__isnull=True))
    )
    experts = list(rows)
    since = assignments_since or (on_date - dt.timedelta(days=365))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        ExpertAssignment.objects.filter(
            expert_id__in=[e.pk for e in experts],
            status__in=SERVED_STATUSES,
            assigned_at__date__gte=since,
        )
        .exclude(tenderer_uscc="")
        .order_by()
        .values("expert_id", "tenderer_uscc")
        .annotate(n=Count("id"))
    ):
        counts[row["expert_id"]][row["tenderer_uscc"]] = row["n"]
    out = []
    for expert in experts:
        codes = list(expert.specialties.all())
        main = next((s.code for s in codes if s.is_main), codes[0].code if codes else "")
        out.append(
            EligibleExpert(
                expert_id=expert.pk,
                uuid=str(expert.uuid),
                specialties=tuple(sorted(s.code for s in codes)),
                main_specialty=main,
                employer_uscc=expert.employer_uscc,
                employer_name=expert.employer_name,
                region_code=expert.region_code,
                base_type=expert.base_type,
                title_level=expert.title_level,
                senior_title=expert.title_level in SENIOR_TITLE_LEVELS,
                work_years=work_years_on(expert, on_date),
                birth_date=expert.birth_date,
                conflicts=tuple(
                    ConflictFact(
                        organisation_uscc=c.organisation_uscc,
                        organisation_name=c.organisation_name,
                        relation=c.relation,
                        starts_on=c.starts_on,
                        ends_on=c.ends_on,
                    )
                    for c in expert.conflicts.all()
                ),
                assignments_by_tenderer=dict(counts.get(expert.pk, {})),
            )
        )
    return out


# --- for the evaluation room (evaluation context) ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PanelSeat:
    """One expert who accepted a seat on a section's panel, as plain data."""

    expert_id: str  # the expert's public uuid
    name: str
    user_id: int | None
    role: str


# An accepted seat; "completed" once the panel's work is over.
PANEL_STATUSES = ("accepted", "completed")


def panel_for_section(*, section_code: str) -> list[PanelSeat]:
    """The experts who accepted a seat on the section's panel (reserves not called are not on it).

    Code, not people: the caller (the evaluation room) decides who may see it.
    """
    rows = (
        ExpertAssignment.objects.filter(section_code=section_code, status__in=PANEL_STATUSES)
        .exclude(role=ExpertAssignment.Role.RESERVE)
        .select_related("expert")
        .order_by("assigned_at", "id")
    )
    return [
        PanelSeat(expert_id=str(a.expert.uuid), name=a.expert.name, user_id=a.expert.user_id, role=a.role) for a in rows
    ]


def expert_id_own(*, by: Actor) -> str | None:
    """The public id of the signed-in expert's record (None for anyone else)."""
    expert = expert_own(by=by)
    return None if expert is None else str(expert.uuid)


# --- draws: who was drawn (secret until the result is published) ---------------------------------
#
# A section's draw — its commitment before the draw, the panel and the record after — is read by
# the centre's staff, who run it, and by regulators; nobody else. Its commitment alone is public
# (published through the exchange). Every read that shows who was drawn is audited.


@dataclasses.dataclass(frozen=True)
class DrawSeat:
    """One expert the draw named: a member or a reserve, with their assignment's status if called."""

    uuid: str
    name: str
    reserve: bool
    # The assignment's status ("notified", "accepted", "declined"...), "" for a reserve not called.
    status: str


@dataclasses.dataclass(frozen=True)
class DrawPanelGroup:
    index: int
    specialties: tuple[str, ...]
    count: int
    regions: tuple[str, ...]
    seats: tuple[DrawSeat, ...]
    shortfall: int
    reserve_shortfall: int


def draws_visible(*, by: Actor) -> bool:
    """Whether ``by`` may read sections' draws (staff and regulators; no audit entry)."""
    return not by.is_system and by.has_role(*OVERSIGHT_ROLES)


def _draw_admit(by: Actor) -> None:
    if not draws_visible(by=by):
        raise PermissionDenied("只有交易中心工作人员和行政监督人员可以查看专家抽取", code="draw_denied")


def draw_for_section(*, section_code: str, by: Actor) -> ExpertDraw | None:
    """The section's draw (None before one is committed): staff and regulators; PermissionDenied
    ``draw_denied`` for anyone else, whether or not there is a draw."""
    _draw_admit(by)
    return ExpertDraw.objects.filter(section_code=(section_code or "").strip()).first()


def draw_panel(*, draw: ExpertDraw, by: Actor) -> list[DrawPanelGroup]:
    """Who the draw named, group by group, with each assignment's status (staff and regulators).

    Empty before the draw. Audited (``experts.draw.view``) once there are names to show.
    """
    _draw_admit(by)
    record = draw.record
    if not record:
        return []
    ids = {i for r in record["result"] for i in (*r["picks"], *r["reserves"])}
    names = {str(u): n for u, n in Expert.objects.filter(uuid__in=ids).values_list("uuid", "name")}
    statuses = {
        str(u): s
        for u, s in ExpertAssignment.objects.filter(section_code=draw.section_code).values_list(
            "expert__uuid", "status"
        )
    }
    groups = record["request"]["groups"]
    panel = [
        DrawPanelGroup(
            index=r["group"],
            specialties=tuple(groups[r["group"]]["specialties"]),
            count=groups[r["group"]]["count"],
            regions=tuple(groups[r["group"]]["regions"]),
            seats=tuple(
                DrawSeat(uuid=i, name=names.get(i, ""), reserve=reserve, status=statuses.get(i, ""))
                for ids_, reserve in ((r["picks"], False), (r["reserves"], True))
                for i in ids_
            ),
            shortfall=r["shortfall"],
            reserve_shortfall=r["reserve_shortfall"],
        )
        for r in record["result"]
    ]
    audit_append(actor=by, action="experts.draw.view", object_type="experts.draw", object_id=draw.section_code)
    return panel


def draw_record(*, section_code: str, by: Actor) -> dict[str, Any]:
    """The complete record of a performed draw, for ``zhengwu experts verify-draw`` (staff and
    regulators; audited ``experts.draw.record``). NotFound ``draw_not_drawn`` before the draw."""
    found = draw_for_section(section_code=section_code, by=by)
    if found is None or found.record is None:
        raise NotFound("该标段尚未抽取专家", code="draw_not_drawn", detail={"section": section_code[:64]})
    audit_append(actor=by, action="experts.draw.record", object_type="experts.draw", object_id=found.section_code)
    return dict(found.record)


def draw_record_published(*, section_code: str) -> dict[str, Any] | None:
    """The full record of a section's performed draw, for publication with the candidates (None if
    the panel was not drawn here). For the evaluation context's publication only: who sat on the
    panel becomes public then (ebidding-rules §6), and the record is what lets anyone re-run the draw."""
    found = ExpertDraw.objects.filter(section_code=(section_code or "").strip()).first()
    return dict(found.record) if found is not None and found.record is not None else None


def assignment_own_get(*, uuid: str | uuid_lib.UUID, by: Actor) -> ExpertAssignment:
    """One of the signed-in expert's own assignments; NotFound for anyone else's (as if absent)."""
    expert = expert_own(by=by)
    found = (
        None
        if expert is None
        else ExpertAssignment.objects.filter(
            uuid=_uuid(uuid, what="抽取通知", code="assignment_not_found"), expert=expert
        ).first()
    )
    if found is None:
        raise NotFound("抽取通知不存在", code="assignment_not_found", detail={"id": str(uuid)[:64]})
    return found


# --- the committee's composition, for the evaluation room (evaluation context) -------------------


def committee_check(*, procedure: str, size: int, experts: int, budget_fen: int | None = None) -> list[dict[str, Any]]:
    """Every way a committee of ``size`` members (``experts`` of them experts) breaks the law under ``procedure``.

    A thin wrapper of ``rules.committee_check`` for other contexts, which may not import the rules:
    the committee kind comes from the tendering procedure; a procedure that evaluates without a
    drawn committee has no rule here (empty). Each violation is plain data (code, message, article, detail).
    """
    from zhengwu.contexts.experts.rules import committee_check as rules_committee_check
    from zhengwu.contexts.experts.rules import committee_kind_for

    kind = committee_kind_for(procedure=procedure)
    if kind is None:
        return []
    violations = rules_committee_check(kind=kind, size=size, experts=experts, budget_fen=budget_fen)
    return [v.as_dict() for v in violations]
