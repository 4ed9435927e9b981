"""JSON API of the identity context, mounted at ``<prefix>api/identity/`` on every platform.

Every platform has ``GET /me`` and ``POST /uscc/check``; the trading platform adds enterprise
self-registration and the staff endpoints for organisations. Authenticated endpoints use the
session (with ninja's CSRF check on writes) and accept only a fully signed-in user.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import SessionAuth

from zhengwu.contexts.identity.models import Organisation, User
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.rules import uscc_override_applicable
from zhengwu.contexts.identity.selectors import actor_for, organisation_get, organisations_list
from zhengwu.contexts.identity.services import (
    enterprise_register,
    organisation_reject,
    organisation_suspend,
    organisation_uscc_override,
    organisation_verify,
)
from zhengwu.contexts.identity.throttle import client_ip
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import PermissionDenied
from zhengwu.kernel.uscc import uscc_validate


class FullSessionAuth(SessionAuth):
    """Django's session, and only for users who also passed their second factor."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = request.user
        if isinstance(user, User) and user.is_active and user.is_fully_authenticated(request):
            return user
        return None


session_auth = FullSessionAuth()


class OrganisationBrief(Schema):
    uscc: str
    name: str
    status: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[str]
    organisation: OrganisationBrief | None
    organisation_verified: bool
    needs_totp: bool


class UsccIn(Schema):
    code: str


class UsccOut(Schema):
    code: str
    valid: bool
    reason: str
    errors: list[str]
    warnings: list[str]
    error_code: str | None
    override_applicable: bool


class EnterpriseIn(Schema):
    uscc: str
    name: str
    market_roles: list[str]
    contact_name: str
    contact_phone: str
    username: str
    password: str
    display_name: str
    phone: str = ""
    uscc_legacy_declared: bool = False


class OrganisationOut(Schema):
    uscc: str
    name: str
    kind: str
    status: str
    market_roles: list[str]
    region_code: str
    contact_name: str
    contact_phone: str
    uscc_valid: bool
    uscc_reason: str
    uscc_legacy_declared: bool
    uscc_override: bool
    uscc_override_reason: str
    status_reason: str
    version: int
    created_at: str
    verified_at: str | None


class EnterpriseOut(Schema):
    organisation: OrganisationOut
    username: str


class OrganisationPage(Schema):
    count: int
    items: list[OrganisationOut]


class ReasonIn(Schema):
    reason: str


def _organisation_out(organisation: Organisation) -> OrganisationOut:
    verdict = uscc_validate(organisation.uscc)
    return OrganisationOut(
        uscc=organisation.uscc,
        name=organisation.name,
        kind=organisation.kind,
        status=organisation.status,
        market_roles=list(organisation.market_roles),
        region_code=organisation.region_code,
        contact_name=organisation.contact_name,
        contact_phone=organisation.contact_phone,
        uscc_valid=verdict.valid,
        uscc_reason=verdict.reason,
        uscc_legacy_declared=organisation.uscc_legacy_declared,
        uscc_override=organisation.uscc_override,
        uscc_override_reason=organisation.uscc_override_reason,
        status_reason=organisation.status_reason,
        version=organisation.version,
        created_at=organisation.created_at.isoformat(),
        verified_at=organisation.verified_at.isoformat() if organisation.verified_at else None,
    )


def _staff(request: HttpRequest) -> Actor:
    actor = actor_for(user=request.user, request=request)
    # The services check again; refusing here keeps reads (the list) staff-only too.
    if not actor.has_role(Role.CENTRE_STAFF):
        raise PermissionDenied("只有交易中心工作人员可以管理单位")
    return actor


def router_build(*, platform: str) -> Router | None:
    """The identity API of ``platform``."""
    router = Router(tags=["identity"])

    @router.get("/me", auth=session_auth, response=MeOut, summary="The signed-in account")
    def me(request: HttpRequest) -> MeOut:
        actor = actor_for(user=request.user, request=request)
        user = request.user
        assert isinstance(user, User)
        organisation = user.organisation
        return MeOut(
            username=actor.username,
            display_name=actor.display_name,
            roles=sorted(actor.roles),
            organisation=(
                OrganisationBrief(uscc=organisation.uscc, name=organisation.name, status=organisation.status)
                if organisation
                else None
            ),
            organisation_verified=actor.organisation_verified,
            needs_totp=user.needs_totp,
        )

    @router.post("/uscc/check", response=UsccOut, summary="Check a unified social credit code")
    def uscc_check(request: HttpRequest, payload: UsccIn) -> UsccOut:
        verdict = uscc_validate(payload.code[:64])
        return UsccOut(
            code=verdict.code,
            valid=verdict.valid,
            reason=verdict.reason,
            errors=list(verdict.errors),
            warnings=list(verdict.warnings),
            error_code=verdict.error_code,
            override_applicable=uscc_override_applicable(verdict),
        )

    if platform != "trading":
        return router

    @router.post("/enterprises", response={201: EnterpriseOut}, summary="Register an enterprise")
    def enterprises_create(request: HttpRequest, payload: EnterpriseIn) -> Status[EnterpriseOut]:
        organisation, user = enterprise_register(
            uscc=payload.uscc,
            name=payload.name,
            market_roles=payload.market_roles,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
            username=payload.username,
            password=payload.password,
            display_name=payload.display_name,
            phone=payload.phone,
            ip=client_ip(request) or None,
            uscc_legacy_declared=payload.uscc_legacy_declared,
        )
        return Status(201, EnterpriseOut(organisation=_organisation_out(organisation), username=user.username))

    @router.get("/organisations", auth=session_auth, response=OrganisationPage, summary="Organisations (staff)")
    def organisations(
        request: HttpRequest, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> OrganisationPage:
        _staff(request)
        limit = min(max(limit, 1), 200)
        offset = max(offset, 0)
        queryset = organisations_list(status=status or None)
        return OrganisationPage(
            count=queryset.count(), items=[_organisation_out(o) for o in queryset[offset : offset + limit]]
        )

    @router.post("/organisations/{uscc}/verify", auth=session_auth, response=OrganisationOut, summary="Verify")
    def organisation_verify_api(request: HttpRequest, uscc: str) -> OrganisationOut:
        actor = _staff(request)
        return _organisation_out(organisation_verify(organisation=organisation_get(uscc=uscc), by=actor))

    @router.post("/organisations/{uscc}/reject", auth=session_auth, response=OrganisationOut, summary="Reject")
    def organisation_reject_api(request: HttpRequest, uscc: str, payload: ReasonIn) -> OrganisationOut:
        actor = _staff(request)
        organisation = organisation_get(uscc=uscc)
        return _organisation_out(organisation_reject(organisation=organisation, reason=payload.reason, by=actor))

    @router.post("/organisations/{uscc}/suspend", auth=session_auth, response=OrganisationOut, summary="Suspend")
    def organisation_suspend_api(request: HttpRequest, uscc: str, payload: ReasonIn) -> OrganisationOut:
        actor = _staff(request)
        organisation = organisation_get(uscc=uscc)
        return _organisation_out(organisation_suspend(organisation=organisation, reason=payload.reason, by=actor))

    @router.post(
        "/organisations/{uscc}/override", auth=session_auth, response=OrganisationOut, summary="Override USCC check"
    )
    def organisation_override_api(request: HttpRequest, uscc: str, payload: ReasonIn) -> OrganisationOut:
        actor = _staff(request)
        organisation = organisation_get(uscc=uscc)
        return _organisation_out(organisation_uscc_override(organisation=organisation, reason=payload.reason, by=actor))

    return router
