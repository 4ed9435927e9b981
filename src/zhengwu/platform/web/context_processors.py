"""Template context shared by every page: the current platform and the platform switcher."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext


def platform(request: HttpRequest) -> dict[str, Any]:
    current = getattr(request, "zw_platform", None)
    meta = settings.ZHENGWU_PLATFORM_META
    installed = [
        {
            "name": name,
            "title": gettext(meta[name]["title"]),
            "short": gettext(meta[name]["short"]),
            "url": "/" + meta[name]["prefix"],
        }
        for name in settings.ZHENGWU_PLATFORMS
    ]
    info = meta.get(current) if current else None
    return {
        "zw_platform": current,
        "zw_platform_title": gettext(info["title"]) if info else gettext("Zhengwu"),
        "zw_platform_prefix": "/" + info["prefix"] if info else "/",
        "zw_platforms": installed,
    }
