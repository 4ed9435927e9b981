"""Checks and helpers shared by the identity services (not part of the public interface)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils import translation

from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.identity.models import Organisation, User
from zhengwu.contexts.identity.roles import MARKET_ROLES, Role
from zhengwu.contexts.identity.rules import (
    REASON_MAX_LENGTH,
    REASON_MIN_LENGTH,
    phone_valid,
    reason_clean,
    uscc_override_applicable,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.kernel.uscc import UsccVerdict, uscc_validate
from zhengwu.platform.exchange.services import outbox_publish

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 150
NAME_MAX_LENGTH = 200


def is_system(by: Actor) -> bool:
    """The system itself (scheduled work, demo data, operators' commands), never a person."""
    return by.is_system and "system" in by.roles


def require_staff(by: Actor, message: str) -> None:
    """Refuse anyone but trading-centre staff (and the system) with ``message``."""
    if not (is_system(by) or by.has_role(Role.CENTRE_STAFF)):
        raise PermissionDenied(message)


def reason_required(reason: str, *, what: str) -> str:
    cleaned = reason_clean(reason)
    if cleaned is None:
        raise InvalidInput(
            f"请填写{what}（{REASON_MIN_LENGTH}至{REASON_MAX_LENGTH}字）",
            code="reason_required",
            detail={"field": "reason"},
        )
    return cleaned


def organisation_summary(organisation: Organisation) -> dict[str, Any]:
    return {
        "uscc": organisation.uscc,
        "name": organisation.name,
        "status": organisation.status,
        "market_roles": sorted(organisation.market_roles),
        "uscc_override": organisation.uscc_override,
        "version": organisation.version,
    }


def publish_if_market_subject(organisation: Organisation) -> None:
    # Only market subjects (tenderers, agencies, bidders) are published: the public platform
    # lists them and supervision keeps its register from these events.
    if not set(organisation.market_roles) & MARKET_ROLES:
        return
    outbox_publish(
        event=MarketSubjectChanged(
            uscc=organisation.uscc,
            name=organisation.name,
            status=organisation.status,
            market_roles=sorted(organisation.market_roles),
            region_code=organisation.region_code,
            version=organisation.version,
            changed_at=(organisation.updated_at or organisation.created_at).isoformat(),
        )
    )


def uscc_checked(uscc: str, *, legacy_declared: bool = False) -> UsccVerdict:
    verdict = uscc_validate(uscc)
    if verdict.valid:
        return verdict
    if legacy_declared and uscc_override_applicable(verdict):
        return verdict
    hint = ""
    if uscc_override_applicable(verdict):
        hint = "。如为试点期间赋码、校验位不符的合法代码，请勾选“试点期赋码”声明，由交易中心人工核验"
    raise InvalidInput(
        verdict.reason + hint,
        code=verdict.error_code or "uscc_invalid",
        detail={"field": "uscc", "uscc": verdict.code, "errors": list(verdict.errors)},
    )


def username_checked(username: str) -> str:
    username = username.strip()
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        raise InvalidInput(
            f"用户名长度应为{USERNAME_MIN_LENGTH}至{USERNAME_MAX_LENGTH}个字符",
            code="username_invalid",
            detail={"field": "username"},
        )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise InvalidInput(
            "用户名只能包含字母、数字和 @ . + - _ 字符", code="username_invalid", detail={"field": "username"}
        ) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict("该用户名已被使用", code="username_taken", detail={"field": "username", "username": username})
    return username


# Our own Chinese wording per validator code: Django's catalogue lacks some of these strings
# (the plural "too short" message, for one), and the message is part of what clients see.
_PASSWORD_MESSAGES = {
    "password_too_short": "密码长度太短，至少需要{min_length}个字符",
    "password_too_common": "密码过于常见",
    "password_entirely_numeric": "密码不能全部是数字",
    "password_too_similar": "密码与用户名或姓名过于相似",
}


def password_checked(password: str, *, username: str, display_name: str) -> None:
    candidate = User(username=username, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        messages = []
        for error in exc.error_list:
            template = _PASSWORD_MESSAGES.get(str(error.code))
            if template is not None:
                messages.append(template.format(**(error.params or {})))
            else:
                with translation.override("zh-hans"):
                    messages.extend(str(m) for m in error.messages)
        raise InvalidInput(
            "密码强度不足：" + "；".join(messages),
            code="password_weak",
            detail={"field": "password", "errors": messages},
        ) from exc


def text_required(value: str, *, field: str, label: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"请填写{label}", code=f"{field}_required", detail={"field": field})
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过{max_length}个字符", code=f"{field}_too_long", detail={"field": field})
    return value


def phone_checked(value: str, *, field: str, required: bool) -> str:
    value = value.strip().replace(" ", "")
    if not value and not required:
        return ""
    if not phone_valid(value):
        raise InvalidInput(
            "电话号码格式不正确（手机号11位，或带区号的固定电话）", code="phone_invalid", detail={"field": field}
        )
    return value


def roles_forget(user: User) -> None:
    # User.role_codes caches on the instance; a grant or revocation must not leave it stale.
    vars(user).pop("_role_codes", None)


def user_actor(user: User, *, ip: str | None, organisation: Organisation | None) -> Actor:
    roles_forget(user)
    return Actor(
        user_id=user.pk,
        username=user.username,
        display_name=user.display_name or user.username,
        roles=user.role_codes,
        organisation_id=organisation.pk if organisation else None,
        organisation_name=organisation.name if organisation else "",
        organisation_verified=bool(organisation and organisation.status == Organisation.Status.VERIFIED),
        ip=ip or None,
    )
