"""Pages of the center platform."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The platform's front page."""
    return render(request, "center/home.html", {})
