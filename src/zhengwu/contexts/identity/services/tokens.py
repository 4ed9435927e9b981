"""Personal API tokens: made and revoked by their owner on the account page, for programs.

A token is ``zwt_`` followed by 32 random bytes (URL-safe base64). Only its SHA-256 is stored,
so a copy of the database does not yield a usable token; the owner sees the token once. A
token of a TOTP role (staff, regulator, appraiser, expert) can only be made from a session that
passed the second factor, so a stolen password alone never mints one. Making and revoking are
audited; the token itself never reaches the audit log, only its prefix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid as uuid_lib

from django.db import transaction

from zhengwu.contexts.identity.models import ApiToken, Organisation, User
from zhengwu.contexts.identity.services.common import text_required
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.services import audit_append

TOKEN_SCHEME = "zwt_"  # noqa: S105 - the tokens' visible scheme, not a secret
TOKEN_BYTES = 32
PREFIX_LENGTH = 8
LIFETIME_DAYS_DEFAULT = 90
LIFETIME_DAYS_MAX = 365
# A TOTP role's token stands in for its second factor, so it lives a month at most.
LIFETIME_DAYS_MAX_TOTP = 30
ACTIVE_TOKENS_MAX = 10


def api_token_digest(token: str) -> str:
    """The stored form of a token: the hex SHA-256 of its text."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def api_token_create(*, name: str, lifetime_days: int, second_factor_passed: bool, by: Actor) -> tuple[ApiToken, str]:
    """Make a token for ``by``'s own account; returns the row and the token (shown once, never stored).

    ``second_factor_passed`` is whether the session making it passed TOTP; roles that need
    TOTP are refused without it (``totp_required``). A member of an organisation that is not
    verified is refused (``organisation_not_verified``): the token would not work anyway.
    """
    if by.is_system or by.user_id is None:
        raise PermissionDenied("只有本人可以创建接口令牌", code="api_token_owner_required")
    user = User.objects.select_related("organisation").filter(pk=by.user_id, is_active=True).first()
    if user is None:
        raise PermissionDenied("账号已停用", code="account_inactive")
    if user.needs_totp and not second_factor_passed:
        raise PermissionDenied("请先完成动态码验证后再创建接口令牌", code="totp_required")
    if user.organisation is not None and user.organisation.status != Organisation.Status.VERIFIED:
        raise PermissionDenied("单位尚未通过核验或已被暂停，不能创建接口令牌", code="organisation_not_verified")
    name = text_required(name, field="name", label="令牌用途", max_length=100)
    longest = LIFETIME_DAYS_MAX_TOTP if user.needs_totp else LIFETIME_DAYS_MAX
    if isinstance(lifetime_days, bool) or not isinstance(lifetime_days, int) or not 1 <= lifetime_days <= longest:
        raise InvalidInput(
            f"有效期应为1至{longest}天",
            code="api_token_lifetime_invalid",
            detail={"field": "lifetime_days", "max": longest},
        )
    now = clock_now()
    token = TOKEN_SCHEME + secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        # Lock the user row: two requests at once must not both pass the count below.
        User.objects.select_for_update().filter(pk=user.pk).first()
        active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
        if active >= ACTIVE_TOKENS_MAX:
            raise Conflict(
                f"有效的接口令牌最多{ACTIVE_TOKENS_MAX}个，请先撤销不用的令牌",
                code="api_token_limit",
                detail={"max": ACTIVE_TOKENS_MAX},
            )
        row = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=token[len(TOKEN_SCHEME) : len(TOKEN_SCHEME) + PREFIX_LENGTH],
            digest=api_token_digest(token),
            created_at=now,
            expires_at=now + dt.timedelta(days=lifetime_days),
        )
        audit_append(
            actor=by,
            action="identity.api_token.create",
            object_type="identity.api_token",
            object_id=str(row.uuid),
            after={"name": name, "prefix": row.prefix, "expires_at": row.expires_at.isoformat()},
        )
    return row, token


def api_token_revoke(*, uuid: str, by: Actor) -> ApiToken:
    """Revoke one of ``by``'s own tokens; it stops working at once. Someone else's is NotFound."""
    key = _uuid_or_none(uuid)
    if by.user_id is None or key is None:
        raise NotFound("接口令牌不存在", code="api_token_not_found")
    now = clock_now()
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().filter(uuid=key, user_id=by.user_id).first()
        if row is None:
            raise NotFound("接口令牌不存在", code="api_token_not_found")
        if row.revoked_at is not None:
            raise Conflict("该接口令牌已撤销", code="api_token_revoked")
        row.revoked_at = now
        row.save(update_fields=["revoked_at"])
        audit_append(
            actor=by,
            action="identity.api_token.revoke",
            object_type="identity.api_token",
            object_id=str(row.uuid),
            before={"prefix": row.prefix},
            after={"revoked_at": now.isoformat()},
        )
    return row


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid_lib.UUID(str(value)))
    except ValueError:
        return None
