"""Pages of the third-party appraisal platform."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengwu.contexts.appraisal.selectors import unit_counts, unit_list


def home(request: HttpRequest) -> HttpResponse:
    """The appraisal platform's front page: the units under appraisal."""
    signed_in = request.user.is_authenticated
    return render(
        request,
        "appraisal/home.html",
        {"counts": unit_counts(), "units": unit_list() if signed_in else []},
    )
