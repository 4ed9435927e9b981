"""Pages of the public trading website."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The public home page: what the platform is and where each kind of user goes."""
    return render(request, "disclosure/home.html", {})
