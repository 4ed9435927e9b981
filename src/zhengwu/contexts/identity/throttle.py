"""Sign-in throttling per (username, client IP) and per client IP, kept in the database.

An attempt first *reserves* its place by inserting a row, then counts the rows before it.
Checking a count and inserting afterwards would let an attacker send fifty requests at once
that all see "4 failures so far" and all get to guess; with the reservation each concurrent
attempt sees the ones that were inserted before it, in every process of the deployable.
A reservation that turns out not to be a failure (a correct password, a blocked attempt) is
removed again, so blocked attempts leave nothing behind.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest

from zhengwu.contexts.identity.models import LoginFailure
from zhengwu.contexts.identity.rules import (
    LOGIN_FAILURE_RETENTION,
    LOGIN_IP_LIMIT,
    LOGIN_PAIR_LIMIT,
    LOGIN_WINDOW,
)
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import RateLimited


def client_ip(request: HttpRequest | None) -> str:
    """The client's address: REMOTE_ADDR, or the address a trusted reverse proxy reports.

    ``X-Forwarded-For`` is only believed when the direct peer is listed in the optional setting
    ``ZHENGWU_TRUSTED_PROXIES``; otherwise any client could pick its own address and escape the
    per-IP limits.
    """
    if request is None:
        return ""
    remote = str(request.META.get("REMOTE_ADDR") or "")[:64]
    trusted = set(getattr(settings, "ZHENGWU_TRUSTED_PROXIES", ()) or ())
    if remote in trusted:
        hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in trusted:
                return hop[:64]
    return remote


def username_key(username: str) -> str:
    """The form under which failures of ``username`` are counted."""
    return username.strip().casefold()[:150]


def _retry_after_seconds(**where: str) -> int:
    """Seconds until one more attempt matching ``where`` would be let through."""
    limit = LOGIN_IP_LIMIT if set(where) == {"ip"} else LOGIN_PAIR_LIMIT
    now = clock_now()
    times = list(
        LoginFailure.objects.filter(created_at__gte=now - LOGIN_WINDOW, **where)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    # Once this failure leaves the window, limit - 1 remain and the next attempt is the limit-th.
    index = len(times) - limit
    if index < 0:
        return 1
    return max(1, math.ceil((times[index] + LOGIN_WINDOW - now).total_seconds()))


def login_attempt_reserve(*, username: str, ip: str, kind: str = LoginFailure.Kind.PASSWORD) -> int:
    """Reserve one sign-in attempt and return its id; raise RateLimited if over a limit.

    The reservation counts as a failure until ``login_attempt_release`` or
    ``login_failures_clear`` removes it. A refused attempt leaves no row behind.
    """
    key = username_key(username)
    now = clock_now()
    since = now - LOGIN_WINDOW
    row = LoginFailure.objects.create(username=key, ip=ip, kind=kind, created_at=now)
    recent = LoginFailure.objects.filter(created_at__gte=since, id__lte=row.pk)
    pair_count = recent.filter(username=key, ip=ip).count()
    ip_count = recent.filter(ip=ip).count()
    if pair_count <= LOGIN_PAIR_LIMIT and ip_count <= LOGIN_IP_LIMIT:
        return row.pk
    row.delete()
    minutes = int(LOGIN_WINDOW.total_seconds() // 60)
    if ip_count > LOGIN_IP_LIMIT:
        wait = _retry_after_seconds(ip=ip)
        raise RateLimited(
            f"本网络地址在{minutes}分钟内登录失败已达{LOGIN_IP_LIMIT}次，请{math.ceil(wait / 60)}分钟后再试。",
            detail={"scope": "ip", "retry_after": wait},
        )
    wait = _retry_after_seconds(username=key, ip=ip)
    raise RateLimited(
        f"该账号在本网络地址{minutes}分钟内登录失败已达{LOGIN_PAIR_LIMIT}次，请{math.ceil(wait / 60)}分钟后再试。"
        "账号本身未被锁定，从其他网络地址的正常登录不受影响。",
        detail={"scope": "account_ip", "retry_after": wait},
    )


def login_attempt_release(*, attempt_id: int) -> None:
    """Remove a reservation that did not turn out to be a failure."""
    LoginFailure.objects.filter(pk=attempt_id).delete()


def login_failures_clear(*, username: str, ip: str) -> int:
    """Forget the failures of one (username, IP) pair after a successful sign-in."""
    deleted, _ = LoginFailure.objects.filter(username=username_key(username), ip=ip).delete()
    return deleted


def login_failures_purge() -> int:
    """Delete failures older than the retention period; return how many."""
    deleted, _ = LoginFailure.objects.filter(created_at__lt=clock_now() - LOGIN_FAILURE_RETENTION).delete()
    return deleted
