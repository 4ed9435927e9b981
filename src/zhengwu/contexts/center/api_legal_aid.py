"""The legal-aid desk's API, mounted at ``/center/api/center/legal-aid/``.

The same rules as the pages: consultations and cases for the legal-aid staff alone (an identity
number leaves only masked), the statistics also for the centre's staff and the city's leaders.
Errors are ``{code, message, detail}`` with stable codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.security import django_auth

from zhengwu.contexts.center import legal_aid
from zhengwu.contexts.center.models import Consultation, LegalAidCase
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today
from zhengwu.kernel.errors import InvalidInput


class ConsultationIn(Schema):
    person_name: str
    phone: str = ""
    topic: str
    question: str
    advice: str
    consulted_at: dt.datetime | None = None


class ConsultationOut(Schema):
    id: int
    person_name: str
    phone: str
    topic: str
    topic_label: str
    question: str
    advice: str
    consulted_at: str
    staff: str


class ConsultationPageOut(Schema):
    total: int
    page: int
    pages: int
    items: list[ConsultationOut]


class ConsultationFilterIn(Schema):
    month: str = ""
    topic: str = ""
    page: int = 1


class CaseIn(Schema):
    applicant_name: str
    id_number: str
    phone: str
    household_size: int
    monthly_income_fen: int
    exempt_category: str | None = None
    case_type: str
    summary: str


class CaseEventOut(Schema):
    at: str
    actor: str
    status_from: str
    status_to: str
    note: str


class CaseOut(Schema):
    number: str
    applicant_name: str
    id_number_masked: str
    phone: str
    household_size: int
    monthly_income_fen: int
    exempt_category: str
    eligible: bool
    eligibility_reason: str
    case_type: str
    case_type_label: str
    status: str
    status_label: str
    received_on: str
    review_deadline: str
    lawyer_name: str
    lawyer_firm: str
    outcome: str


class CaseDetailOut(CaseOut):
    summary: str
    events: list[CaseEventOut]


class CasePageOut(Schema):
    total: int
    page: int
    pages: int
    items: list[CaseOut]


class CaseFilterIn(Schema):
    status: str = ""
    case_type: str = ""
    page: int = 1


class StatsMonthOut(Schema):
    month: str
    consultations: int
    cases: dict[str, int]
    cases_total: int


class StatsOut(Schema):
    year: int
    types: dict[str, str]
    months: list[StatsMonthOut]
    case_total: int
    consultation_total: int


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _consultation_out(c: Consultation) -> ConsultationOut:
    return ConsultationOut(
        id=c.pk,
        person_name=c.person_name,
        phone=c.phone,
        topic=c.topic,
        topic_label=legal_aid.case_type_label(c.topic),
        question=c.question,
        advice=c.advice,
        consulted_at=c.consulted_at.isoformat(),
        staff=c.staff,
    )


def _case_fields(c: LegalAidCase) -> dict[str, Any]:
    return {
        "number": c.number,
        "applicant_name": c.applicant_name,
        "id_number_masked": legal_aid.case_id_number_masked(case=c),
        "phone": c.phone,
        "household_size": c.household_size,
        "monthly_income_fen": c.monthly_income_fen,
        "exempt_category": c.exempt_category,
        "eligible": c.eligible,
        "eligibility_reason": c.eligibility_reason,
        "case_type": c.case_type,
        "case_type_label": legal_aid.case_type_label(c.case_type),
        "status": c.status,
        "status_label": legal_aid.status_label(c.status),
        "received_on": c.received_on.isoformat(),
        "review_deadline": c.review_deadline.isoformat(),
        "lawyer_name": c.lawyer_name,
        "lawyer_firm": c.lawyer_firm,
        "outcome": c.outcome,
    }


def _case_detail_out(c: LegalAidCase) -> CaseDetailOut:
    return CaseDetailOut(
        **_case_fields(c),
        summary=c.summary,
        events=[
            CaseEventOut(
                at=e.at.isoformat(), actor=e.actor, status_from=e.status_from, status_to=e.status_to, note=e.note
            )
            for e in legal_aid.case_events(case=c)
        ],
    )


def legal_aid_router_build() -> Router:
    """The legal-aid desk's endpoints."""
    router = Router(tags=["center: legal aid"], auth=django_auth)

    @router.get("/consultations", response=ConsultationPageOut, summary="Consultations, filtered and paged")
    def consultations(request: HttpRequest, filters: Query[ConsultationFilterIn]) -> ConsultationPageOut:
        page = legal_aid.consultations_page(
            filters=legal_aid.ConsultationFilters(month=filters.month, topic=filters.topic),
            page=filters.page,
            by=_actor(request),
        )
        return ConsultationPageOut(
            total=page.total, page=page.page, pages=page.pages, items=[_consultation_out(c) for c in page.items]
        )

    @router.post("/consultations", response={201: ConsultationOut}, summary="Record a consultation")
    def consultation_record(request: HttpRequest, payload: ConsultationIn) -> Status[ConsultationOut]:
        if payload.consulted_at is not None and payload.consulted_at.tzinfo is None:
            raise InvalidInput("咨询时间缺少时区", code="legal_aid_time_invalid", detail={"field": "consulted_at"})
        consultation = legal_aid.consultation_record(
            person_name=payload.person_name,
            phone=payload.phone,
            topic=payload.topic,
            question=payload.question,
            advice=payload.advice,
            consulted_at=payload.consulted_at,
            by=_actor(request),
        )
        return Status(201, _consultation_out(consultation))

    @router.get("/cases", response=CasePageOut, summary="Cases, filtered by status and type, paged")
    def cases(request: HttpRequest, filters: Query[CaseFilterIn]) -> CasePageOut:
        page = legal_aid.cases_page(
            filters=legal_aid.CaseFilters(status=filters.status, case_type=filters.case_type),
            page=filters.page,
            by=_actor(request),
        )
        return CasePageOut(
            total=page.total,
            page=page.page,
            pages=page.pages,
            items=[CaseOut(**_case_fields(c)) for c in page.items],
        )

    @router.get("/cases/{number}", response=CaseDetailOut, summary="One case with its steps")
    def case(request: HttpRequest, number: str) -> CaseDetailOut:
        return _case_detail_out(legal_aid.case_get(number=number, by=_actor(request)))

    @router.post("/cases", response={201: CaseDetailOut}, summary="Register an application")
    def case_apply(request: HttpRequest, payload: CaseIn) -> Status[CaseDetailOut]:
        created = legal_aid.case_apply(
            applicant_name=payload.applicant_name,
            id_number=payload.id_number,
            phone=payload.phone,
            household_size=payload.household_size,
            monthly_income_fen=payload.monthly_income_fen,
            exempt_category=payload.exempt_category,
            case_type=payload.case_type,
            summary=payload.summary,
            by=_actor(request),
        )
        return Status(201, _case_detail_out(created))

    @router.get("/statistics", response=StatsOut, summary="Cases and consultations by month and type")
    def statistics(request: HttpRequest, year: int | None = None) -> StatsOut:
        stats = legal_aid.legal_aid_stats(year=year or clock_today().year, by=_actor(request))
        return StatsOut(
            year=stats.year,
            types={t: legal_aid.case_type_label(t) for t in stats.types},
            months=[
                StatsMonthOut(
                    month=m,
                    consultations=stats.consultations[m],
                    cases=stats.cases[m],
                    cases_total=sum(stats.cases[m].values()),
                )
                for m in stats.months
            ],
            case_total=stats.case_total,
            consultation_total=stats.consultation_total,
        )

    return router
