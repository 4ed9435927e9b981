"""Accounts and roles, created and changed on staff's authority."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction

from zhengwu.contexts.identity.models import Organisation, RoleGrant, User
from zhengwu.contexts.identity.roles import MARKET_ROLES, ROLE_LABELS
from zhengwu.contexts.identity.rules import roles_unknown
from zhengwu.contexts.identity.services.common import (
    is_system,
    password_checked,
    phone_checked,
    require_staff,
    roles_forget,
    text_required,
    username_checked,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append


def _roles_checked(roles: Iterable[str], *, organisation: Organisation | None) -> list[str]:
    cleaned = sorted(set(roles))
    if not cleaned:
        raise InvalidInput("请至少选择一个角色", code="roles_required", detail={"field": "roles"})
    unknown = roles_unknown(cleaned)
    if unknown:
        raise InvalidInput("未知角色：" + "、".join(unknown), code="role_unknown", detail={"roles": unknown})
    for role in cleaned:
        _market_role_checked(role, organisation=organisation)
    return cleaned


def _market_role_checked(role: str, *, organisation: Organisation | None) -> None:
    if role in MARKET_ROLES and (organisation is None or role not in organisation.market_roles):
        raise InvalidInput(
            f"“{ROLE_LABELS[role]}”是单位的市场角色，只能授予具有该角色的单位的人员",
            code="role_needs_organisation",
            detail={"role": role},
        )


def user_create(
    *,
    username: str,
    password: str,
    display_name: str,
    roles: Iterable[str],
    organisation: Organisation | None = None,
    phone: str = "",
    is_demo: bool = False,
    by: Actor,
) -> User:
    """Create an account on staff's authority: staff, experts, regulators, evaluators and others.

    Market roles (tenderer, agency, bidder) are only granted to members of an organisation that
    holds them. Demo accounts (whose one-time codes the ``totp`` command prints) can only be
    created by the system itself, never through the pages.
    """
    require_staff(by, "只有交易中心工作人员可以创建账号")
    if is_demo and not is_system(by):
        raise PermissionDenied("演示账号只能由系统创建")
    display_name = text_required(display_name, field="display_name", label="姓名", max_length=100)
    role_list = _roles_checked(roles, organisation=organisation)
    phone = phone_checked(phone, field="phone", required=False)
    username = username_checked(username)
    password_checked(password, username=username, display_name=display_name)
    now = clock_now()
    try:
        with transaction.atomic():
            user = User(
                username=username,
                display_name=display_name,
                phone=phone,
                organisation=organisation,
                date_joined=now,
                is_demo=is_demo,
            )
            user.set_password(password)
            user.save()
            RoleGrant.objects.bulk_create(
                [RoleGrant(user=user, role=role, granted_at=now, granted_by_id=by.user_id) for role in role_list]
            )
            audit_append(
                actor=by,
                action="identity.user.create",
                object_type="identity.user",
                object_id=str(user.pk),
                after={
                    "username": username,
                    "display_name": display_name,
                    "roles": role_list,
                    "organisation": organisation.uscc if organisation else None,
                    "is_demo": is_demo,
                },
            )
    except IntegrityError as exc:
        raise Conflict("该用户名已被使用", code="username_taken", detail={"field": "username"}) from exc
    roles_forget(user)
    return user


def role_grant(*, user: User, role: str, by: Actor) -> RoleGrant:
    """Grant ``role`` to ``user`` (trading-centre staff; never to oneself)."""
    require_staff(by, "只有交易中心工作人员可以授予角色")
    if by.user_id == user.pk:
        raise PermissionDenied("不能为本人授予角色")
    if roles_unknown([role]):
        raise InvalidInput("未知角色", code="role_unknown", detail={"role": role})
    _market_role_checked(role, organisation=user.organisation)
    with transaction.atomic():
        if RoleGrant.objects.filter(user=user, role=role).exists():
            raise Conflict("该账号已具有此角色", code="role_already_granted", detail={"role": role})
        grant = RoleGrant.objects.create(user=user, role=role, granted_at=clock_now(), granted_by_id=by.user_id)
        audit_append(
            actor=by,
            action="identity.role.grant",
            object_type="identity.user",
            object_id=str(user.pk),
            after={"username": user.username, "role": role},
        )
    roles_forget(user)
    return grant


def role_revoke(*, user: User, role: str, by: Actor) -> None:
    """Take ``role`` away from ``user`` (trading-centre staff; never from oneself)."""
    require_staff(by, "只有交易中心工作人员可以撤销角色")
    if by.user_id == user.pk:
        raise PermissionDenied("不能撤销本人的角色")
    with transaction.atomic():
        deleted, _ = RoleGrant.objects.filter(user=user, role=role).delete()
        if not deleted:
            raise Conflict("该账号不具有此角色", code="role_not_granted", detail={"role": role})
        audit_append(
            actor=by,
            action="identity.role.revoke",
            object_type="identity.user",
            object_id=str(user.pk),
            before={"username": user.username, "role": role},
        )
    roles_forget(user)


def user_mark_demo(*, user: User, by: Actor) -> None:
    """Flag a self-registered demo account as a demo account (the system only, for demo data)."""
    if not is_system(by):
        raise PermissionDenied("只有系统可以标记演示账号")
    with transaction.atomic():
        updated = User.objects.filter(pk=user.pk, is_demo=False).update(is_demo=True)
        if not updated:
            raise Conflict("该账号已是演示账号", code="user_already_demo")
        audit_append(
            actor=by,
            action="identity.user.mark_demo",
            object_type="identity.user",
            object_id=str(user.pk),
            after={"username": user.username, "is_demo": True},
        )
    user.is_demo = True
