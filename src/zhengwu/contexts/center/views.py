"""Pages of the center platform."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def centre_prefix(request: HttpRequest) -> str:
    """The platform's mount point ("/center/" in the standalone deployment), as the templates have it."""
    name = getattr(request, "zw_platform", None) or "center"
    return "/" + settings.ZHENGWU_PLATFORM_META[name]["prefix"]


def home(request: HttpRequest) -> HttpResponse:
    """The platform's front page."""
    return render(request, "center/home.html", {})
