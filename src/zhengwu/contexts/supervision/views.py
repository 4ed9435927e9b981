"""Pages of the administrative supervision platform."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.supervision.selectors import registered_subject_list
from zhengwu.kernel.errors import NotAuthenticated

STATUS_LABELS = {
    "pending": _("waiting for verification"),
    "verified": _("verified"),
    "rejected": _("rejected"),
    "suspended": _("suspended"),
}


def home(request: HttpRequest) -> HttpResponse:
    """The supervision platform's front page: the register of market subjects for regulators."""
    context: dict[str, Any] = {}
    if request.user.is_authenticated:
        try:
            actor = actor_for(user=request.user, request=request)
        except NotAuthenticated:
            actor = None
        if actor is not None and actor.has_role("regulator", "city_leader"):
            subjects = list(registered_subject_list())
            counts = dict.fromkeys(STATUS_LABELS, 0)
            for subject in subjects:
                counts[subject.status] = counts.get(subject.status, 0) + 1
            rows = [(subject, STATUS_LABELS.get(subject.status, subject.status)) for subject in subjects]
            context.update(rows=rows, counts=counts, signed_in=True)
    return render(request, "supervision/home.html", context)
