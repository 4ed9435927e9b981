"""Pages of the rounds, for the third-party evaluator only: design, frame, sample, progress.

``rounds/`` lists the rounds and opens a new one; ``rounds/<code>/`` shows its design and, per
unit, the frame, the sample, the quotas and how collection stands, with the actions the round's
state allows (import the 办件名单, add the trading platform's enterprises, draw, open, close).
The pages decide nothing: each act is a service, and a refusal re-shows the page with the
service's Chinese reason (400/403/404) and nothing changed.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.contexts.appraisal import rounds
from zhengwu.contexts.appraisal.frame import FrameImportReport
from zhengwu.contexts.appraisal.frame_sheet import COLUMNS, REQUIRED
from zhengwu.contexts.appraisal.models import IndicatorSystem, Invitation, Round
from zhengwu.contexts.appraisal.publication import round_publish
from zhengwu.contexts.appraisal.results import round_results_compute
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import InvalidInput, NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import xlsx_response

APPRAISER = "appraiser"
_NAMES_SPLIT = re.compile(r"[,，、;；\s]+")


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "appraisal"
    return reverse(f"{platform}:appraisal:{name}", args=args)


def _form_error() -> InvalidInput:
    return InvalidInput(gettext("Please correct the fields marked below."), code="form_invalid")


def _round_for(code: str) -> Round:
    try:
        return rounds.round_get(code=code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _system_choices() -> list[tuple[str, str]]:
    return [
        (str(s.pk), f"{s.code} v{s.version} · {s.title} ({s.get_status_display()})")
        for s in IndicatorSystem.objects.all()
    ]


class RoundForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Round code"), max_length=20, help_text="2026Q3 / 2026T2")
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    period_start = forms.DateField(label=gettext_lazy("Period starts"))
    period_end = forms.DateField(label=gettext_lazy("Period ends"))
    system = forms.ChoiceField(label=gettext_lazy("Indicator system"))
    margin = forms.FloatField(label=gettext_lazy("Margin of error (points)"), initial=5.0)
    assumed_sd = forms.FloatField(label=gettext_lazy("Assumed standard deviation"), initial=20.0)
    z = forms.FloatField(label=gettext_lazy("Confidence coefficient z"), initial=1.96)
    min_per_unit = forms.IntegerField(label=gettext_lazy("Minimum sample per unit"), initial=30, min_value=0)
    reserve_ratio = forms.FloatField(label=gettext_lazy("Reserve ratio"), initial=0.5, min_value=0)
    seed = forms.IntegerField(label=gettext_lazy("Random seed (empty: chosen at random)"), required=False, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["system"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _system_choices()


class FrameUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("List of enterprises (.xlsx or .csv)"))


class OpenForm(forms.Form):
    interviewers = forms.CharField(label=gettext_lazy("Telephone interviewers (user names)"), required=False)


class OutcomeForm(forms.Form):
    invitation = forms.IntegerField(label=gettext_lazy("Invitation number"), min_value=1)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (Invitation.Status.REFUSED, Invitation.Status.REFUSED.label),
            (Invitation.Status.UNREACHABLE, Invitation.Status.UNREACHABLE.label),
        ],
    )


# --- the list ------------------------------------------------------------------------------------


def _list_page(request: HttpRequest, form: RoundForm, *, error: ZhengwuError | None, status: int) -> HttpResponse:
    return render(
        request,
        "appraisal/rounds/list.html",
        {"rounds": rounds.round_list(), "form": form, "error": error},
        status=status,
    )


def _mark(form: forms.Form, error: ZhengwuError) -> None:
    name = error.detail.get("field")
    if isinstance(name, str) and name in form.fields:
        form.add_error(name, error.message)


@require_http_methods(["GET", "POST"])
@roles_required(APPRAISER)
def round_list_view(request: HttpRequest) -> HttpResponse:
    """The rounds, newest first, and the form opening a new one."""
    if request.method == "GET":
        return _list_page(request, RoundForm(), error=None, status=200)
    actor = _actor(request)
    form = RoundForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, error=_form_error(), status=400)
    data = form.cleaned_data
    system = IndicatorSystem.objects.filter(pk=int(data["system"])).first()
    if system is None:
        return _list_page(request, form, error=_form_error(), status=400)
    try:
        created = rounds.round_create(
            code=data["code"],
            title=data["title"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            system=system,
            margin=data["margin"],
            assumed_sd=data["assumed_sd"],
            z=data["z"],
            min_per_unit=data["min_per_unit"],
            reserve_ratio=data["reserve_ratio"],
            seed=data["seed"],
            by=actor,
        )
    except ZhengwuError as exc:
        _mark(form, exc)
        return _list_page(request, form, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("Round %(code)s created.") % {"code": created.code})
    return HttpResponseRedirect(_url(request, "round_detail", created.code))


# --- one round -----------------------------------------------------------------------------------


def _detail_page(
    request: HttpRequest,
    round: Round,
    *,
    error: ZhengwuError | None = None,
    report: FrameImportReport | None = None,
    status: int = 200,
) -> HttpResponse:
    round.refresh_from_db()
    progress = rounds.round_progress(round=round)
    drawn = any(row.drawn for row in progress)
    design = round.status == Round.Status.DESIGN
    totals = {
        "frame": sum(r.frame_size for r in progress),
        "target": sum(r.target_n for r in progress),
        "reserve": sum(r.reserve_n for r in progress),
        "planned": sum(r.planned.n for r in progress),
        "sent": sum(r.sent for r in progress),
        "completed": sum(r.completed for r in progress),
        "released": sum(r.reserves_released for r in progress),
        "short_units": sum(1 for r in progress if r.shortfall > 0),
    }
    return render(
        request,
        "appraisal/rounds/detail.html",
        {
            "round": round,
            "progress": progress,
            "totals": totals,
            "drawn": drawn,
            "can_import": design and not drawn,
            "can_draw": design and not drawn and totals["frame"] > 0,
            "can_open": design and drawn,
            "can_close": round.status == Round.Status.COLLECTING,
            "upload_form": FrameUploadForm(),
            "open_form": OpenForm(),
            "outcome_form": OutcomeForm(),
            "columns": [(COLUMNS[f], f in REQUIRED) for f in COLUMNS],
            "report": report,
            "error": error,
        },
        status=status,
    )


@require_GET
@roles_required(APPRAISER)
def round_detail_view(request: HttpRequest, code: str) -> HttpResponse:
    """A round's design and progress, unit by unit."""
    return _detail_page(request, _round_for(code))


@require_POST
@roles_required(APPRAISER)
def round_frame_upload(request: HttpRequest, code: str) -> HttpResponse:
    """Import a 办件名单 into the frame; the page shows what was stored and every refused row."""
    round = _round_for(code)
    actor = _actor(request)
    form = FrameUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, round, error=_form_error(), status=400)
    upload = form.cleaned_data["file"]
    try:
        report = rounds.frame_import(round=round, data=upload.read(), filename=upload.name or "", by=actor)
    except ZhengwuError as exc:
        return _detail_page(request, round, error=exc, status=refusal_status(exc))
    return _detail_page(request, round, report=report)


def _link_base(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_POST
@roles_required(APPRAISER)
def round_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Add the trading platform's enterprises, draw the sample, open or close the round, score it, publish it."""
    round = _round_for(code)
    actor = _actor(request)
    try:
        if action == "link-trading":
            added = rounds.frame_link_trading(round=round, by=actor)
            note = gettext("%(n)d enterprises of the trading platform added to the frame.") % {"n": added}
        elif action == "draw":
            draws = rounds.round_sample_draw(round=round, by=actor)
            note = gettext("Sample drawn: %(main)d invitations and %(reserves)d reserves.") % {
                "main": sum(d.n for d in draws),
                "reserves": sum(d.reserve_n for d in draws),
            }
        elif action == "open":
            form = OpenForm(request.POST)
            names = form.cleaned_data["interviewers"] if form.is_valid() else ""
            sent = rounds.round_open(
                round=round,
                link_base=_link_base(request),
                interviewers=[n for n in _NAMES_SPLIT.split(names) if n],
                by=actor,
            )
            note = gettext("Collecting: %(n)d invitations sent.") % {"n": sent}
        elif action == "close":
            rounds.round_close(round=round, by=actor)
            note = gettext("Collecting closed.")
        elif action == "score":
            result = round_results_compute(round=round, by=actor)
            note = gettext("Scored: city score %(score).2f from %(n)d responses.") % {
                "score": result.city_score,
                "n": result.responses_used,
            }
        elif action == "publish":
            round_publish(round=round, by=actor)
            note = gettext("Published; the reports are being built.")
        else:
            raise Http404
    except ZhengwuError as exc:
        return _detail_page(request, round, error=exc, status=refusal_status(exc))
    messages.success(request, note)
    return HttpResponseRedirect(_url(request, "round_detail", round.code))


@require_POST
@roles_required(APPRAISER)
def invitation_outcome_view(request: HttpRequest, code: str) -> HttpResponse:
    """Record a refusal or an unreachable enterprise; the unit's next reserve is released."""
    round = _round_for(code)
    actor = _actor(request)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, round, error=_form_error(), status=400)
    invitation = Invitation.objects.filter(round=round, pk=form.cleaned_data["invitation"]).first()
    if invitation is None:
        error = NotFound("本轮没有该编号的邀请", code="invitation_not_found")
        return _detail_page(request, round, error=error, status=404)
    try:
        reserve = rounds.invitation_outcome_record(
            invitation=invitation, outcome=form.cleaned_data["outcome"], link_base=_link_base(request), by=actor
        )
    except ZhengwuError as exc:
        return _detail_page(request, round, error=exc, status=refusal_status(exc))
    if reserve is None:
        messages.warning(request, gettext("Outcome recorded; the unit has no reserve left."))
    else:
        messages.success(request, gettext("Outcome recorded; reserve invitation %(n)d released.") % {"n": reserve.pk})
    return HttpResponseRedirect(_url(request, "round_detail", round.code))


@require_GET
@roles_required(APPRAISER)
def round_invitations_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """The round's invitations and respondents as a workbook (raw data: the download is audited)."""
    round = _round_for(code)
    try:
        rows = rounds.round_invitations_export(round=round, by=_actor(request))
    except ZhengwuError as exc:
        return _detail_page(request, round, error=exc, status=refusal_status(exc))
    return xlsx_response(
        filename=f"{gettext('invitations')}-{round.code}",
        sheet=gettext("Invitations"),
        headers=[
            gettext("Invitation number"),
            gettext("Unit code"),
            gettext("Unit"),
            gettext("Enterprise"),
            gettext("Unified social credit code"),
            gettext("Contact"),
            gettext("Mobile phone"),
            gettext("E-mail"),
            gettext("Matter type"),
            gettext("Enterprise size"),
            gettext("Source"),
            gettext("Sample"),
            gettext("Released"),
            gettext("Channel"),
            gettext("Status"),
            gettext("Interviewer"),
            gettext("Sent at"),
            gettext("Completed at"),
        ],
        rows=rows,
    )
