"""Pages of the feedback tickets: the evaluator's list (filters, overdue first in colour, Excel),
a unit's own tickets with the reply form, and one ticket with its events.

A unit's user reads the summary, category, deadline and events only; the problem's original
text is shown to the evaluator alone, and each showing is audited (``ticket_problem_text``).
The pages decide nothing: every act goes through a ``tickets`` service, every refusal is shown
on the page it came from with its status, and nothing changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.appraisal import tickets as svc
from zhengwu.contexts.appraisal.access import APPRAISER, actor_unit
from zhengwu.contexts.appraisal.models import Round, Ticket, Unit
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_today
from zhengwu.kernel.errors import NotFound, PermissionDenied, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import xlsx_response

ANYONE = ()
LIST_LIMIT = 500


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "appraisal"
    return reverse(f"{platform}:appraisal:{name}", args=args)


def _filters(request: HttpRequest) -> svc.TicketFilters:
    get = request.GET
    return svc.TicketFilters(
        round_code=get.get("round", "").strip(),
        unit_code=get.get("unit", "").strip(),
        status=get.get("status", "") if get.get("status", "") in Ticket.Status.values else "",
        overdue=get.get("overdue") == "1",
    )


def _row(ticket: Ticket, names: dict[str, str], today: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "category": names.get(ticket.category_code, ticket.category_code or gettext("Unclassified")),
        "overdue": svc.ticket_is_overdue(ticket, today=today),
        "escalation": svc.ESCALATION_LABELS.get(ticket.escalation_level, ""),
    }


def _category_names(tickets: list[Ticket]) -> dict[str, str]:
    names: dict[str, str] = {}
    for round in {t.round for t in tickets}:
        names.update(svc.category_names(round=round))
    return names


@require_GET
@roles_required(*ANYONE)
def ticket_list(request: HttpRequest) -> HttpResponse:
    """All tickets for the evaluator (filtered, exportable); a unit user's own unit's tickets."""
    actor = _actor(request)
    filters = _filters(request)
    is_appraiser = actor.has_role(APPRAISER)
    context: dict[str, Any] = {
        "filters": filters,
        "is_appraiser": is_appraiser,
        "statuses": Ticket.Status.choices,
        "rounds": list(Round.objects.values_list("code", flat=True)) if is_appraiser else [],
        "units": list(Unit.objects.values_list("code", "name")) if is_appraiser else [],
    }
    try:
        if request.GET.get("format") == "xlsx" and not is_appraiser:
            raise PermissionDenied("只有第三方评价机构可以导出问题清单", code="appraisal_tickets_export_denied")
        tickets = list(svc.tickets_visible(by=actor, filters=filters)[:LIST_LIMIT])
    except ZhengwuError as exc:
        return render(request, "appraisal/tickets/list.html", {**context, "error": exc}, status=refusal_status(exc))
    today = clock_today()
    names = _category_names(tickets)
    rows = [_row(t, names, today) for t in tickets]
    if request.GET.get("format") == "xlsx":
        return _export(rows)
    query = request.GET.copy()
    query.pop("format", None)
    context.update(rows=rows, query=query.urlencode(), own_unit=None if is_appraiser else actor_unit(actor=actor))
    return render(request, "appraisal/tickets/list.html", context)


def _export(rows: list[dict[str, Any]]) -> HttpResponse:
    return xlsx_response(
        filename=gettext("appraisal-tickets"),
        sheet=gettext("Tickets"),
        headers=[
            gettext("Number"),
            gettext("Round"),
            gettext("Unit"),
            gettext("Category"),
            gettext("Summary"),
            gettext("Status"),
            gettext("Deadline"),
            gettext("Overdue"),
            gettext("Escalation level"),
            gettext("Reply"),
            gettext("Replied at"),
        ],
        rows=[
            [
                r["ticket"].number,
                r["ticket"].round.code,
                r["ticket"].unit.name,
                r["category"],
                r["ticket"].summary,
                r["ticket"].get_status_display(),
                r["ticket"].deadline.isoformat(),
                r["overdue"],
                r["ticket"].escalation_level,
                r["ticket"].reply,
                r["ticket"].replied_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
                if r["ticket"].replied_at
                else "",
            ]
            for r in rows
        ],
    )


def _ticket_for(request: HttpRequest, number: str) -> tuple[Actor, Ticket]:
    actor = _actor(request)
    try:
        return actor, svc.ticket_get(number=number, by=actor)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        # Neither the evaluator nor a unit user: the ticket does not exist for them.
        raise Http404(exc.message) from exc


def _event_label(action: str) -> str:
    labels = {
        "created": gettext("Sent to the unit"),
        "edited": gettext("Summary edited"),
        "replied": gettext("Unit replied"),
        "closed": gettext("Verified and closed"),
        "reopened": gettext("Sent back"),
        "escalated": gettext("Escalated"),
    }
    return labels.get(action, action)


def _detail_page(
    request: HttpRequest, actor: Actor, ticket: Ticket, *, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    is_appraiser = actor.has_role(APPRAISER)
    context = {
        **_row(ticket, svc.category_names(round=ticket.round), clock_today()),
        "events": [{"event": e, "label": _event_label(e.action)} for e in ticket.events.all()],
        "is_appraiser": is_appraiser,
        "can_reply": not is_appraiser and ticket.status in svc.OPEN_STATUSES,
        "can_verify": is_appraiser and ticket.status == Ticket.Status.REPLIED,
        "can_edit": is_appraiser and ticket.status in svc.OPEN_STATUSES,
        # The respondent's own words, for the evaluator only; the reading is audited.
        "problem_text": svc.ticket_problem_text(ticket=ticket, by=actor) if is_appraiser else "",
        "error": error,
    }
    return render(request, "appraisal/tickets/detail.html", context, status=status)


@require_GET
@roles_required(*ANYONE)
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor, ticket = _ticket_for(request, number)
    return _detail_page(request, actor, ticket)


def _act(request: HttpRequest, number: str, act: Any, done: str) -> HttpResponse:
    actor, ticket = _ticket_for(request, number)
    try:
        act(actor, ticket)
    except ZhengwuError as exc:
        ticket.refresh_from_db()
        return _detail_page(request, actor, ticket, error=exc, status=refusal_status(exc))
    messages.success(request, done)
    return HttpResponseRedirect(_url(request, "ticket_detail", ticket.number))


@require_POST
@roles_required(*ANYONE)
def ticket_reply_view(request: HttpRequest, number: str) -> HttpResponse:
    reply = request.POST.get("reply", "")
    return _act(
        request, number, lambda a, t: svc.ticket_reply(ticket=t, reply=reply, by=a), gettext("Rectification sent.")
    )


@require_POST
@roles_required(APPRAISER)
def ticket_verify_view(request: HttpRequest, number: str) -> HttpResponse:
    accept = request.POST.get("decision") == "accept"
    note = request.POST.get("note", "")
    return _act(
        request,
        number,
        lambda a, t: svc.ticket_verify(ticket=t, accept=accept, note=note, by=a),
        gettext("Ticket closed.") if accept else gettext("Ticket sent back to the unit."),
    )


@require_POST
@roles_required(APPRAISER)
def ticket_summary_view(request: HttpRequest, number: str) -> HttpResponse:
    summary = request.POST.get("summary", "")
    return _act(
        request,
        number,
        lambda a, t: svc.ticket_summary_edit(ticket=t, summary=summary, by=a),
        gettext("Summary saved."),
    )


@require_POST
@roles_required(APPRAISER)
def round_tickets_create(request: HttpRequest, code: str) -> HttpResponse:
    """Send the round's problems as tickets (the evaluator; also done at publication)."""
    actor = _actor(request)
    round = Round.objects.filter(code=code).first()
    if round is None:
        raise Http404(gettext("No such round."))
    try:
        created = svc.tickets_create_for_round(round=round, by=actor)
    except ZhengwuError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_url(request, "tickets") + f"?round={round.code}")
    messages.success(request, gettext("%(n)d tickets sent.") % {"n": created})
    return HttpResponseRedirect(_url(request, "tickets") + f"?round={round.code}")
