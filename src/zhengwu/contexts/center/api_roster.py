"""The duty roster's API, under ``/center/api/center/roster/``: the year's duties and the staff's changes.

The same rules as the pages: a published year is read by anyone (signed in or not), a year not
yet published only by the centre's staff; the changes (swap, reassign, attendance) go through
``roster``'s services, which refuse everyone but the staff. Errors are ``{code, message, detail}``.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.models import DutyAssignment, Leader
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today
from zhengwu.kernel.errors import NotFound, PermissionDenied, ZhengwuError


class DutyOut(Schema):
    id: int
    day: str
    department_code: str
    department_name: str
    leader_code: str
    leader_name: str
    leader_title: str
    status: str


class RosterOut(Schema):
    year: int
    per_day: int
    published: bool
    published_at: str | None
    duties: list[DutyOut]


class LeaderOut(Schema):
    code: str
    name: str
    title: str
    active: bool
    phone: str | None  # the centre's staff only


class DepartmentOut(Schema):
    code: str
    name: str
    order: int
    leaders: list[LeaderOut]


class SwapIn(Schema):
    other: int
    reason: str


class ReassignIn(Schema):
    leader: str  # the leader's code
    reason: str


class AttendanceIn(Schema):
    attended: bool
    note: str = ""


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _staff(request: HttpRequest, what: str) -> Actor:
    """The caller, who must be the centre's staff (checked again by the service)."""
    by = _actor(request)
    if not by.has_role(Role.CENTRE_STAFF):
        raise PermissionDenied(f"只有服务中心工作人员可以{what}", code="roster_permission_denied")
    return by


def _reader(request: HttpRequest) -> Actor | None:
    """The caller as an actor, or None for the public (not signed in, or second factor not passed)."""
    try:
        return _actor(request)
    except ZhengwuError:
        return None


def _is_staff(actor: Actor | None) -> bool:
    return actor is not None and actor.has_role(Role.CENTRE_STAFF)


def _duty_out(item: DutyAssignment) -> DutyOut:
    return DutyOut(
        id=item.pk,
        day=item.day.isoformat(),
        department_code=item.department.code,
        department_name=item.department.name,
        leader_code=item.leader.code,
        leader_name=item.leader.name,
        leader_title=item.leader.title,
        status=item.status,
    )


def roster_router_build() -> Router:
    """The roster's sub-router of the centre's API."""
    router = Router(tags=["center-roster"])

    @router.get("/duties", response=RosterOut, summary="A year's duties (published: anyone; not yet: staff)")
    def duties(request: HttpRequest, year: int | None = None) -> RosterOut:
        year = clock_today().year if year is None else year
        current = roster.roster_year_get(year=year)
        if current.published_at is None and not _is_staff(_reader(request)):
            # Not yet public: the public learns no more than that it is not published.
            raise NotFound(f"{year}年值班表尚未公布", code="roster_year_unpublished", detail={"year": year})
        return RosterOut(
            year=current.year,
            per_day=current.per_day,
            published=current.published_at is not None,
            published_at=current.published_at.isoformat() if current.published_at else None,
            duties=[_duty_out(item) for item in roster.roster_plan(roster=current)],
        )

    @router.get("/departments", response=list[DepartmentOut], summary="The departments stationed in the hall")
    def departments(request: HttpRequest) -> list[DepartmentOut]:
        staff = _is_staff(_reader(request))
        return [
            DepartmentOut(
                code=department.code,
                name=department.name,
                order=department.order,
                leaders=[
                    LeaderOut(
                        code=leader.code,
                        name=leader.name,
                        title=leader.title,
                        active=leader.active,
                        phone=leader.phone if staff else None,
                    )
                    for leader in department.leaders.all()
                    if staff or leader.active
                ],
            )
            for department in roster.departments_list()
        ]

    @router.post("/duties/{duty_id}/swap", response=list[DutyOut], auth=django_auth, summary="Swap two duty days")
    def swap(request: HttpRequest, duty_id: int, payload: SwapIn) -> list[DutyOut]:
        by = _staff(request, "调换值班")
        assignment = roster.assignment_get(assignment_id=duty_id)
        other = roster.assignment_get(assignment_id=payload.other)
        roster.duty_swap(assignment=assignment, other=other, reason=payload.reason, by=by)
        return [_duty_out(roster.assignment_get(assignment_id=pk)) for pk in (duty_id, payload.other)]

    @router.post(
        "/duties/{duty_id}/reassign", response=DutyOut, auth=django_auth, summary="Give a duty to another leader"
    )
    def reassign(request: HttpRequest, duty_id: int, payload: ReassignIn) -> DutyOut:
        by = _staff(request, "改派值班领导")
        assignment = roster.assignment_get(assignment_id=duty_id)
        leader = Leader.objects.filter(code=payload.leader).first()
        if leader is None:
            raise NotFound("领导不存在", code="roster_leader_missing", detail={"code": payload.leader})
        roster.duty_reassign(assignment=assignment, leader=leader, reason=payload.reason, by=by)
        return _duty_out(roster.assignment_get(assignment_id=duty_id))

    @router.post(
        "/duties/{duty_id}/attendance", response=DutyOut, auth=django_auth, summary="Record whether the leader came"
    )
    def attendance(request: HttpRequest, duty_id: int, payload: AttendanceIn) -> DutyOut:
        by = _staff(request, "记录到岗情况")
        assignment = roster.assignment_get(assignment_id=duty_id)
        return _duty_out(
            roster.duty_attendance_record(assignment=assignment, attended=payload.attended, note=payload.note, by=by)
        )

    return router
