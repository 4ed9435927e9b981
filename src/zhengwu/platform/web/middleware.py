"""Tell every request which platform it is addressed to, from its URL prefix."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def platform_for_path(path: str) -> str | None:
    """Return the installed platform whose prefix is the longest match for ``path``."""
    best: tuple[int, str] | None = None
    for name in settings.ZHENGWU_PLATFORMS:
        prefix = "/" + settings.ZHENGWU_PLATFORM_META[name]["prefix"]
        if path.startswith(prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), name)
    return best[1] if best else None


class PlatformMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.zw_platform = platform_for_path(request.path_info)  # type: ignore[attr-defined]
        return self.get_response(request)
