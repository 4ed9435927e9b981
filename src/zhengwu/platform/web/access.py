"""Page-level access: sign-in and role checks for views.

This is the door, not the lock: services check permissions again against the actor, so a
view that forgets a decorator still cannot change what the actor may not change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase

from zhengwu.kernel.errors import NotAuthenticated, NotFound, ZhengwuError
from zhengwu.kernel.errors import PermissionDenied as KernelPermissionDenied


def login_url_for(request: HttpRequest) -> str:
    name = getattr(request, "zw_platform", None) or "public"
    prefix = settings.ZHENGWU_PLATFORM_META[name]["prefix"]
    return f"/{prefix}accounts/login/"


def roles_required(*roles: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Require a signed-in user (with a completed second factor) holding one of ``roles``."""

    # HttpResponseBase, not HttpResponse: downloads return a streaming FileResponse.
    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated or not getattr(user, "is_fully_authenticated", lambda r: True)(request):
                return HttpResponseRedirect(login_url_for(request) + "?" + urlencode({"next": request.get_full_path()}))
            if roles and not set(roles).intersection(getattr(user, "role_codes", frozenset())):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def refusal_status(error: ZhengwuError) -> int:
    """The status of a page re-shown with a refusal: 403 for permission, 404 for a missing thing, else 400.

    A refused form is shown again with its reason (400), unlike the API, which keeps every
    error's own ``http_status``.
    """
    if isinstance(error, KernelPermissionDenied | NotAuthenticated):
        return 403
    if isinstance(error, NotFound):
        return 404
    return 400
