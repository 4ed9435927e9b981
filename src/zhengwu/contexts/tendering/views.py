"""Pages of the trading platform."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengwu.contexts.identity.roles import ROLE_LABELS
from zhengwu.contexts.identity.selectors import actor_for, organisation_counts
from zhengwu.kernel.errors import NotAuthenticated


def home(request: HttpRequest) -> HttpResponse:
    """The trading platform's front page: a dashboard once signed in, a welcome before."""
    context: dict[str, Any] = {}
    if request.user.is_authenticated:
        try:
            # Only a fully signed-in person (second factor included) gets the dashboard.
            actor = actor_for(user=request.user, request=request)
        except NotAuthenticated:
            actor = None
        if actor is not None:
            context["role_labels"] = [ROLE_LABELS.get(role, role) for role in sorted(actor.roles)]
            context["organisation"] = getattr(request.user, "organisation", None)
            if actor.has_role("centre_staff"):
                context["organisation_counts"] = organisation_counts()
    return render(request, "tendering/home.html", context)
