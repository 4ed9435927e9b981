"""The second factor (TOTP): enrolment by the account holder, reset by staff, demo pre-enrolment."""

from __future__ import annotations

from django.db import transaction

from zhengwu.contexts.identity.models import User
from zhengwu.contexts.identity.services.common import (
    is_system,
    require_staff,
    user_actor,
)
from zhengwu.contexts.identity.totp import totp_code_normalize, totp_match_step, totp_secret_seal
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append


def totp_enrol_confirm(*, user: User, secret: str, code: str, ip: str | None) -> None:
    """Bind the authenticator holding ``secret`` to ``user`` once a current code proves it.

    Called by the account holder after the password step. An account that already has a
    second factor cannot enrol another over it (that needs ``totp_reset`` by staff).
    """
    if user.totp_enrolled:
        raise Conflict("该账号已绑定动态码，如需更换请联系交易中心重置", code="totp_already_enrolled")
    normalized = totp_code_normalize(code)
    if normalized is None:
        raise InvalidInput("请输入6位数字动态码", code="totp_format", detail={"field": "code"})
    step = totp_match_step(secret=secret, code=normalized, after_step=user.totp_last_step)
    if step is None:
        raise InvalidInput("动态码不正确或已使用，请核对手机时间后输入最新的动态码", code="totp_invalid")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.totp_enrolled:
            raise Conflict("该账号已绑定动态码，如需更换请联系交易中心重置", code="totp_already_enrolled")
        if locked.totp_last_step >= step:
            raise InvalidInput("动态码不正确或已使用，请核对手机时间后输入最新的动态码", code="totp_invalid")
        locked.totp_secret_encrypted = totp_secret_seal(user_id=locked.pk, secret=secret)
        locked.totp_confirmed_at = clock_now()
        locked.totp_last_step = step
        locked.save(update_fields=["totp_secret_encrypted", "totp_confirmed_at", "totp_last_step"])
        audit_append(
            actor=user_actor(locked, ip=ip, organisation=locked.organisation),
            action="identity.user.totp_enrol",
            object_type="identity.user",
            object_id=str(locked.pk),
            after={"username": locked.username, "totp": "enrolled"},
        )
    user.totp_secret_encrypted = locked.totp_secret_encrypted
    user.totp_confirmed_at = locked.totp_confirmed_at
    user.totp_last_step = locked.totp_last_step


def totp_reset(*, user: User, by: Actor) -> None:
    """Remove an account's second factor (lost phone); it enrols again at its next sign-in."""
    require_staff(by, "只有交易中心工作人员可以重置动态码")
    if by.user_id == user.pk:
        raise PermissionDenied("不能重置本人的动态码")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.totp_secret_encrypted:
            raise Conflict("该账号尚未绑定动态码", code="totp_not_enrolled")
        locked.totp_secret_encrypted = ""
        locked.totp_confirmed_at = None
        # totp_last_step stays: codes already used must never become valid again.
        locked.save(update_fields=["totp_secret_encrypted", "totp_confirmed_at"])
        audit_append(
            actor=by,
            action="identity.user.totp_reset",
            object_type="identity.user",
            object_id=str(locked.pk),
            before={"username": locked.username, "totp": "enrolled"},
            after={"username": locked.username, "totp": "none"},
        )
    user.totp_secret_encrypted = ""
    user.totp_confirmed_at = None


def totp_enrol_demo(*, user: User, secret: str, by: Actor) -> None:
    """Pre-enrol a demo account with a fixed, published secret (the system only).

    Real accounts always enrol themselves by proving a code; this exists so that the README
    can tell people to run ``zhengwu totp staff`` on a fresh installation.
    """
    if not is_system(by):
        raise PermissionDenied("只有系统可以为演示账号预置动态码")
    if not user.is_demo:
        raise PermissionDenied("只有演示账号可以预置动态码")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.totp_enrolled:
            raise Conflict("该账号已绑定动态码", code="totp_already_enrolled")
        locked.totp_secret_encrypted = totp_secret_seal(user_id=locked.pk, secret=secret)
        locked.totp_confirmed_at = clock_now()
        locked.save(update_fields=["totp_secret_encrypted", "totp_confirmed_at"])
        audit_append(
            actor=by,
            action="identity.user.totp_enrol",
            object_type="identity.user",
            object_id=str(locked.pk),
            after={"username": locked.username, "totp": "enrolled", "demo": True},
        )
    user.totp_secret_encrypted = locked.totp_secret_encrypted
    user.totp_confirmed_at = locked.totp_confirmed_at
