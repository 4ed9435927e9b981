"""Organisations: self-registration, staff registration, verification, the USCC override."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from zhengwu.contexts.identity.models import Organisation, RoleGrant, User
from zhengwu.contexts.identity.roles import SELF_REGISTRATION_ROLES
from zhengwu.contexts.identity.rules import (
    ORGANISATION_ACTION_LABELS,
    ORGANISATION_STATUS_LABELS,
    market_roles_invalid,
    organisation_kind_for,
    organisation_transition_allowed,
    uscc_override_applicable,
)
from zhengwu.contexts.identity.services.common import (
    NAME_MAX_LENGTH,
    organisation_summary,
    password_checked,
    phone_checked,
    publish_if_market_subject,
    reason_required,
    require_staff,
    text_required,
    uscc_checked,
    user_actor,
    username_checked,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.kernel.uscc import uscc_validate
from zhengwu.platform.audit.services import audit_append


def enterprise_register(
    *,
    uscc: str,
    name: str,
    market_roles: Iterable[str],
    contact_name: str,
    contact_phone: str,
    username: str,
    password: str,
    display_name: str,
    phone: str,
    ip: str | None,
    uscc_legacy_declared: bool = False,
) -> tuple[Organisation, User]:
    """Register an enterprise and its first account (free self-registration).

    The organisation starts pending; its account holds the organisation's market roles and may
    sign in, but services refuse it until staff verify the organisation. A code that fails only
    its check character is accepted when the registrant declares it a pilot-era code
    (``uscc_legacy_declared``); staff must then record an override before verifying it.
    """
    verdict = uscc_checked(uscc, legacy_declared=uscc_legacy_declared)
    code = verdict.code
    name = text_required(name, field="name", label="单位名称", max_length=NAME_MAX_LENGTH)
    roles = sorted(set(market_roles))
    if not roles or market_roles_invalid(roles) or not set(roles) <= SELF_REGISTRATION_ROLES:
        raise InvalidInput(
            "请选择市场角色：招标人、招标代理机构或投标人",
            code="market_roles_invalid",
            detail={"field": "market_roles"},
        )
    contact_name = text_required(contact_name, field="contact_name", label="联系人", max_length=50)
    contact_phone = phone_checked(contact_phone, field="contact_phone", required=True)
    display_name = text_required(display_name, field="display_name", label="姓名", max_length=100)
    phone = phone_checked(phone, field="phone", required=False)
    if Organisation.objects.filter(uscc=code).exists():
        raise Conflict("该统一社会信用代码已注册", code="uscc_taken", detail={"field": "uscc", "uscc": code})
    username = username_checked(username)
    password_checked(password, username=username, display_name=display_name)

    now = clock_now()
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                uscc=code,
                name=name,
                kind=organisation_kind_for(code),
                market_roles=roles,
                region_code=code[2:8],
                status=Organisation.Status.PENDING,
                contact_name=contact_name,
                contact_phone=contact_phone,
                uscc_legacy_declared=not verdict.valid,
                created_at=now,
                updated_at=now,
                version=1,
            )
            user = User(
                username=username,
                display_name=display_name,
                phone=phone,
                organisation=organisation,
                date_joined=now,
            )
            user.set_password(password)
            user.save()
            RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role, granted_at=now) for role in roles])
            audit_append(
                actor=user_actor(user, ip=ip, organisation=organisation),
                action="identity.organisation.register",
                object_type="identity.organisation",
                object_id=code,
                after={**organisation_summary(organisation), "username": username},
            )
            publish_if_market_subject(organisation)
    except IntegrityError as exc:
        # Two registrations raced past the checks above; the unique constraints decided.
        if Organisation.objects.filter(uscc=code).exists():
            raise Conflict("该统一社会信用代码已注册", code="uscc_taken", detail={"field": "uscc"}) from exc
        raise Conflict("该用户名已被使用", code="username_taken", detail={"field": "username"}) from exc
    return organisation, user


def organisation_create(
    *,
    uscc: str,
    name: str,
    market_roles: Iterable[str] = (),
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    by: Actor,
) -> Organisation:
    """Register an organisation on staff's own authority (a government body, an evaluator).

    It is verified at once, since the member of staff creating it vouches for it. Only codes
    that pass the check are accepted here; pilot-era codes go through registration and override.
    """
    require_staff(by, "只有交易中心工作人员可以登记单位")
    verdict = uscc_checked(uscc)
    name = text_required(name, field="name", label="单位名称", max_length=NAME_MAX_LENGTH)
    roles = sorted(set(market_roles))
    if market_roles_invalid(roles):
        raise InvalidInput("市场角色只能是招标人、招标代理机构或投标人", code="market_roles_invalid")
    contact_phone = phone_checked(contact_phone, field="contact_phone", required=False)
    now = clock_now()
    try:
        with transaction.atomic():
            if Organisation.objects.filter(uscc=verdict.code).exists():
                raise Conflict("该统一社会信用代码已注册", code="uscc_taken", detail={"uscc": verdict.code})
            organisation = Organisation.objects.create(
                uscc=verdict.code,
                name=name,
                kind=organisation_kind_for(verdict.code),
                market_roles=roles,
                region_code=verdict.code[2:8],
                status=Organisation.Status.VERIFIED,
                contact_name=contact_name.strip()[:50],
                contact_phone=contact_phone,
                address=address.strip()[:200],
                verified_at=now,
                verified_by_id=by.user_id,
                created_at=now,
                updated_at=now,
                version=1,
            )
            audit_append(
                actor=by,
                action="identity.organisation.create",
                object_type="identity.organisation",
                object_id=organisation.uscc,
                after=organisation_summary(organisation),
            )
            publish_if_market_subject(organisation)
    except IntegrityError as exc:
        raise Conflict("该统一社会信用代码已注册", code="uscc_taken", detail={"uscc": verdict.code}) from exc
    return organisation


def _organisation_transition(*, organisation: Organisation, action: str, reason: str, by: Actor) -> Organisation:
    label = ORGANISATION_ACTION_LABELS[action]
    require_staff(by, f"只有交易中心工作人员可以{label}单位")
    if by.organisation_id is not None and by.organisation_id == organisation.pk:
        raise PermissionDenied("不得审核本人所在单位")
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if not organisation_transition_allowed(action=action, status=locked.status):
            raise Conflict(
                f"单位当前状态为“{ORGANISATION_STATUS_LABELS[locked.status]}”，不能{label}",
                code="organisation_status",
                detail={"status": locked.status, "action": action},
            )
        if action == "verify" and not uscc_validate(locked.uscc).valid and not locked.uscc_override:
            raise Conflict(
                "该单位的统一社会信用代码未通过校验，须先由工作人员填写依据进行人工确认，方可核验",
                code="uscc_override_required",
                detail={"uscc": locked.uscc},
            )
        before = organisation_summary(locked)
        now = clock_now()
        locked.status = {
            "verify": Organisation.Status.VERIFIED,
            "reject": Organisation.Status.REJECTED,
            "suspend": Organisation.Status.SUSPENDED,
        }[action]
        locked.status_reason = reason
        if action == "verify":
            locked.verified_at = now
            locked.verified_by_id = by.user_id
        locked.updated_at = now
        locked.version += 1
        locked.save(update_fields=["status", "status_reason", "verified_at", "verified_by", "updated_at", "version"])
        after = organisation_summary(locked)
        if reason:
            after["reason"] = reason
        audit_append(
            actor=by,
            action=f"identity.organisation.{action}",
            object_type="identity.organisation",
            object_id=locked.uscc,
            before=before,
            after=after,
        )
        publish_if_market_subject(locked)
    organisation.refresh_from_db()
    return locked


def organisation_verify(*, organisation: Organisation, by: Actor) -> Organisation:
    """Verify an organisation (trading-centre staff): its members may then act in the market.

    Also reinstates a suspended organisation or accepts a previously rejected one. A code that
    fails the check character needs a recorded override first (``organisation_uscc_override``).
    """
    return _organisation_transition(organisation=organisation, action="verify", reason="", by=by)


def organisation_reject(*, organisation: Organisation, reason: str, by: Actor) -> Organisation:
    """Reject a pending registration with a written reason (trading-centre staff)."""
    require_staff(by, "只有交易中心工作人员可以驳回单位")
    cleaned = reason_required(reason, what="驳回理由")
    return _organisation_transition(organisation=organisation, action="reject", reason=cleaned, by=by)


def organisation_suspend(*, organisation: Organisation, reason: str, by: Actor) -> Organisation:
    """Suspend a verified organisation with a written reason (trading-centre staff)."""
    require_staff(by, "只有交易中心工作人员可以暂停单位")
    cleaned = reason_required(reason, what="暂停理由")
    return _organisation_transition(organisation=organisation, action="suspend", reason=cleaned, by=by)


def organisation_uscc_override(*, organisation: Organisation, reason: str, by: Actor) -> Organisation:
    """Record that a code failing only its check character is nevertheless legal (staff).

    Some codes issued in the pilot period fail the GB 32100 check character yet are genuine.
    A named member of staff records the evidence in writing; only then can the organisation be
    verified. Codes that are malformed in any other way cannot be overridden.
    """
    require_staff(by, "只有交易中心工作人员可以人工确认统一社会信用代码")
    cleaned = reason_required(reason, what="人工确认依据")
    if by.organisation_id is not None and by.organisation_id == organisation.pk:
        raise PermissionDenied("不得审核本人所在单位")
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
        verdict = uscc_validate(locked.uscc)
        if verdict.valid:
            raise Conflict("该代码校验通过，无需人工确认", code="uscc_override_unneeded", detail={"uscc": locked.uscc})
        if not uscc_override_applicable(verdict):
            raise Conflict(
                "只有校验位不符的代码可以人工确认：" + verdict.reason,
                code="uscc_override_not_applicable",
                detail={"uscc": locked.uscc},
            )
        if locked.uscc_override:
            raise Conflict("该代码已人工确认", code="uscc_override_exists", detail={"uscc": locked.uscc})
        before = organisation_summary(locked)
        now = clock_now()
        locked.uscc_override = True
        locked.uscc_override_reason = cleaned
        locked.uscc_override_by_id = by.user_id
        locked.uscc_override_at = now
        locked.updated_at = now
        locked.version += 1
        locked.save(
            update_fields=[
                "uscc_override",
                "uscc_override_reason",
                "uscc_override_by",
                "uscc_override_at",
                "updated_at",
                "version",
            ]
        )
        audit_append(
            actor=by,
            action="identity.organisation.uscc_override",
            object_type="identity.organisation",
            object_id=locked.uscc,
            before=before,
            after={**organisation_summary(locked), "reason": cleaned, "check_failure": verdict.reason},
        )
        # The version moved, so receivers get the matching event even though status and name
        # stayed: a gap in the versions would look like a lost message.
        publish_if_market_subject(locked)
    organisation.refresh_from_db()
    return locked
