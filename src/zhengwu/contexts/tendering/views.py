"""Pages of the trading platform."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """The trading platform's front page: a dashboard once signed in, a welcome before."""
    return render(request, "tendering/home.html", {})
