"""API tokens on the wire: ``Authorization: Bearer zwt_…`` on any ``/api/`` request.

A request that carries a bearer token is authenticated by the token alone: the session cookie
it may also carry is ignored (``request.user`` becomes the token's user), and a token that
does not work answers 401 ``token_invalid`` rather than falling back to the session. That is
what makes skipping the CSRF check safe for these requests: CSRF abuses credentials a browser
attaches by itself (cookies), and a browser never attaches an ``Authorization`` header to a
cross-site request on its own. Every router that authenticates with Django's session
(``django_auth`` or identity's ``FullSessionAuth``) therefore accepts tokens too.

Pages (outside ``/api/``) never accept tokens: they are for people with a session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from zhengwu.contexts.identity.models import ApiToken
from zhengwu.contexts.identity.selectors import api_token_holder
from zhengwu.kernel.clock import clock_now

# last_used_at is for the owner's page; writing it on every request would be a write per call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def _unauthorised(code: str, message: str) -> HttpResponse:
    response = JsonResponse(
        {"code": code, "message": message, "detail": {}}, status=401, json_dumps_params={"ensure_ascii": False}
    )
    response["WWW-Authenticate"] = 'Bearer realm="zhengwu"'
    return response


class ApiTokenMiddleware:
    """Authenticate ``/api/`` requests that carry a bearer token (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header or "/api/" not in request.path_info:
            return self.get_response(request)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return self.get_response(request)
        found = api_token_holder(token=token.strip())
        if found is None:
            return _unauthorised("token_invalid", "接口令牌无效、已过期或已撤销")
        row, user = found
        request.user = user
        request.zw_api_token = row  # type: ignore[attr-defined]
        # The token, not a cookie, authenticates this request: see the module docstring.
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        now = clock_now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return self.get_response(request)
