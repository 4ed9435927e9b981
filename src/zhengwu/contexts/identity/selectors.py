"""Reads of the identity context: who is acting, organisations and people."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Count, QuerySet
from django.http import HttpRequest

from zhengwu.contexts.identity.models import ApiToken, Organisation, User
from zhengwu.contexts.identity.rules import ORGANISATION_STATUS_LABELS
from zhengwu.contexts.identity.throttle import client_ip
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import InvalidInput, NotAuthenticated, NotFound
from zhengwu.kernel.uscc import uscc_normalize

API_TOKEN_SCHEME = "zwt_"  # noqa: S105 - the tokens' visible scheme, not a secret


def actor_for(*, user: Any, request: HttpRequest | None = None) -> Actor:
    """The Actor a service receives for ``user`` (with the client's IP when ``request`` is given).

    Refuses anonymous and inactive users, and — when a request is given — users who have not
    passed their second factor yet: an Actor is only ever built for someone fully signed in.
    ``organisation_verified`` is False until staff verify the organisation, so services can
    refuse members of unverified organisations.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not isinstance(user, User):
        raise NotAuthenticated()
    if not user.is_active:
        raise NotAuthenticated("账号已停用", code="account_inactive")
    if request is not None and not user.is_fully_authenticated(request):
        raise NotAuthenticated("请先完成动态码验证", code="totp_required")
    organisation = user.organisation
    return Actor(
        user_id=user.pk,
        username=user.username,
        display_name=user.display_name or user.username,
        roles=user.role_codes,
        organisation_id=organisation.pk if organisation else None,
        organisation_name=organisation.name if organisation else "",
        organisation_verified=bool(organisation and organisation.status == Organisation.Status.VERIFIED),
        ip=client_ip(request) or None,
    )


def organisation_get(*, uscc: str) -> Organisation:
    """The organisation with this code (spaces and case ignored); NotFound otherwise."""
    organisation = Organisation.objects.filter(uscc=uscc_normalize(uscc)).first()
    if organisation is None:
        raise NotFound("未找到该统一社会信用代码对应的单位", code="organisation_not_found", detail={"uscc": uscc})
    return organisation


def organisation_get_by_id(*, organisation_id: int) -> Organisation:
    """The organisation with this id; NotFound otherwise."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound("单位不存在", code="organisation_not_found", detail={"organisation_id": organisation_id})
    return organisation


def organisations_list(*, status: str | None = None) -> QuerySet[Organisation]:
    """Organisations by name, optionally only those in ``status``; InvalidInput for an unknown status."""
    queryset = Organisation.objects.select_related("uscc_override_by", "verified_by").order_by("name", "uscc")
    if status:
        if status not in ORGANISATION_STATUS_LABELS:
            raise InvalidInput("未知的审核状态", code="organisation_status_unknown", detail={"status": status})
        queryset = queryset.filter(status=status)
    return queryset


def organisations_pending() -> QuerySet[Organisation]:
    """Organisations waiting for staff to verify them, oldest first."""
    return Organisation.objects.filter(status=Organisation.Status.PENDING).order_by("created_at", "uscc")


def organisation_counts() -> dict[str, int]:
    """How many organisations are in each status (every status present, zeros included)."""
    counts = dict.fromkeys(ORGANISATION_STATUS_LABELS, 0)
    # order_by() clears the model's default ordering, which would otherwise split the groups.
    for row in Organisation.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def user_get(*, username: str) -> User:
    """The account called ``username``; NotFound otherwise."""
    user = User.objects.select_related("organisation").filter(username=username).first()
    if user is None:
        raise NotFound("账号不存在", code="user_not_found", detail={"username": username})
    return user


def user_get_by_id(*, user_id: int) -> User:
    """The account with this id; NotFound otherwise."""
    user = User.objects.select_related("organisation").filter(pk=user_id).first()
    if user is None:
        raise NotFound("账号不存在", code="user_not_found", detail={"user_id": user_id})
    return user


def users_with_role(*, role: str) -> QuerySet[User]:
    """Active accounts holding ``role``, by username."""
    return (
        User.objects.filter(is_active=True, role_grants__role=role)
        .select_related("organisation")
        .order_by("username")
        .distinct()
    )


def organisation_members(*, organisation: Organisation) -> QuerySet[User]:
    """The accounts acting for ``organisation``, by username."""
    return User.objects.filter(organisation=organisation).order_by("username")


# --- API tokens ----------------------------------------------------------------------------------


def api_tokens_of(*, user: Any) -> list[ApiToken]:
    """The caller's own API tokens, newest first (prefixes only: the tokens are never stored)."""
    if not isinstance(user, User):
        return []
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def api_token_holder(*, token: str) -> tuple[ApiToken, User] | None:
    """The token row and its user if ``token`` works now, else None (for the token middleware).

    Works = known, not revoked, not expired, its user active and the user's organisation (if
    any) verified: suspending an organisation stops its programs at once.
    """
    if not token.startswith(API_TOKEN_SCHEME) or len(token) > 200:
        return None
    digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
    row = ApiToken.objects.select_related("user__organisation").filter(digest=digest).first()
    if row is None or row.revoked_at is not None or row.expires_at <= clock_now():
        return None
    user = row.user
    if not user.is_active:
        return None
    if user.organisation is not None and user.organisation.status != Organisation.Status.VERIFIED:
        return None
    return row, user
