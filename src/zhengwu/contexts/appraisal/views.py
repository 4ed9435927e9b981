"""The appraisal platform's front page: what each reader has to do or may read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengwu.contexts.appraisal.access import APPRAISER, actor_unit
from zhengwu.contexts.appraisal.models import Round, Ticket
from zhengwu.contexts.appraisal.selectors import rounds_visible, unit_counts
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.clock import clock_today


def home(request: HttpRequest) -> HttpResponse:
    """Counts of the units for everyone; rounds, results and tickets for whoever may see them."""
    context: dict[str, Any] = {"counts": unit_counts()}
    if request.user.is_authenticated and getattr(request.user, "is_fully_authenticated", lambda r: True)(request):
        actor = actor_for(user=request.user, request=request)
        if actor.has_role(APPRAISER):
            context["rounds"] = list(Round.objects.select_related("system").order_by("-period_start")[:8])
        context["results"] = rounds_visible(actor=actor)[:4]
        unit = actor_unit(actor=actor)
        if unit is not None:
            tickets = Ticket.objects.filter(unit=unit).exclude(status=Ticket.Status.CLOSED)
            context["own_unit"] = unit
            context["open_tickets"] = tickets.count()
            context["overdue_tickets"] = tickets.filter(deadline__lt=clock_today()).count()
    return render(request, "appraisal/home.html", context)
