"""Pages of collection and quality control: the questionnaire, telephone interviews, the QC review.

- ``r/<token>/``: the respondent's questionnaire, reached by the invitation's token alone (no
  sign-in); phone first; a wrong token says only that the link is invalid.
- ``cati/``: the evaluator's telephone interviewers (``appraiser``): their interviews, the
  enterprise's contact (an audited view of raw data) and the same questionnaire in CATI mode.
- ``rounds/<code>/quality/``: the evaluator's QC review: counts by flag and unit, the flagged
  responses, one response's answers (audited), accept or reject.

The pages decide nothing: every act goes through ``collection``/``quality`` services, which
check permissions again; a refusal re-shows the page with the Chinese message and the answers
as they were typed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from zhengwu.contexts.appraisal import collection, quality
from zhengwu.contexts.appraisal.access import APPRAISER
from zhengwu.contexts.appraisal.models import Invitation, Response, Round
from zhengwu.contexts.appraisal.qc import FLAG_CODES, FLAG_LABELS, flag_describe
from zhengwu.contexts.appraisal.system import CategoryDef, ItemDef
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict, NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required

CONTROL_FIELDS = {"csrfmiddlewaretoken", "uscc", "instance_id", "timings", "started_at"}
CHOICE_KINDS = ("rating5", "yes_no", "select_one")
TIMINGS_MAX_BYTES = 64 << 10
SELECT_ABOVE = 8  # a single choice with more options than this is a drop-down list, not buttons


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "appraisal"
    return reverse(f"{platform}:appraisal:{name}", args=args)


def _page_int(value: str | None) -> int:
    try:
        return max(int(value or "1"), 1)
    except ValueError:
        return 1


# --- the questionnaire form (web and CATI) ---------------------------------------------------------


def _choices(item: ItemDef) -> tuple[tuple[str, str], ...]:
    if item.kind == "rating5":
        return collection.RATING_CHOICES
    if item.kind == "yes_no":
        return collection.YES_NO_CHOICES
    return item.choices


def _question(item: ItemDef, number: int, values: dict[str, str], topics: dict[str, str]) -> dict[str, Any]:
    choices = _choices(item)
    return {
        "name": item.name,
        "kind": item.kind,
        "label": item.label,
        "relevant": item.relevant,
        "number": number,
        "answerable": item.kind in collection.ANSWERABLE_KINDS,
        "required": item.required and item.kind in collection.ANSWERABLE_KINDS,
        "choices": choices,
        "as_select": item.kind == "select_one" and len(choices) > SELECT_ABOVE,
        "value": values.get(item.name, ""),
        "topic": topics.get(item.name, ""),
        "topic_select": False,
        "extra": False,
        "limit": collection.PROBLEM_MAX if item.kind == "problem" else collection.TEXT_MAX,
    }


def _extra_problems(item: ItemDef, values: dict[str, str], topics: dict[str, str]) -> list[dict[str, Any]]:
    """A problem item's further entries, each shown once the one before it holds text."""
    out = []
    names = collection.problem_entries(item)
    for previous, name in itertools.pairwise(names):
        out.append(
            {
                "name": name,
                "kind": "problem",
                "label": gettext("Another problem (optional)"),
                "relevant": f"string-length(${{{previous}}}) > 0",
                "number": "",
                "answerable": True,
                "required": False,
                "choices": (),
                "as_select": False,
                "value": values.get(name, ""),
                "topic": topics.get(name, ""),
                "topic_select": True,
                "extra": True,
                "limit": collection.PROBLEM_MAX,
            }
        )
    return out


def _sections(
    invitation: Invitation, items: list[ItemDef], values: dict[str, str], topics: dict[str, str]
) -> list[dict[str, Any]]:
    """The questions in sections: consecutive items of one category form a section; items outside
    any category take a general title. A problem item is followed by its further entries (after
    its topic question, where the system has one) and offers a topic list when the system has none."""
    system = system_def(system=invitation.round.system)
    category_of = {i.code: i.category for i in system.indicators}
    names = {c.code: c.name for c in system.categories}
    topic_items = collection.problem_topic_items(items, system.categories)
    pending_extras: dict[str, ItemDef] = {}  # the item after which a problem's extra entries go → problem
    for problem, topic_item in topic_items.items():
        pending_extras[topic_item] = next(i for i in items if i.name == problem)
    sections: list[dict[str, Any]] = []
    for number, item in enumerate(items, start=1):
        key = category_of.get(item.indicator, "")
        if not sections or sections[-1]["key"] != key:
            sections.append({"key": key, "title": names.get(key, ""), "questions": []})
        question = _question(item, number, values, topics)
        questions = sections[-1]["questions"]
        questions.append(question)
        if item.kind == "problem" and item.name not in topic_items:
            question["topic_select"] = True
            questions.extend(_extra_problems(item, values, topics))
        if item.name in pending_extras:
            questions.extend(_extra_problems(pending_extras[item.name], values, topics))
    for section in sections:
        if not section["title"]:
            kinds = {q["kind"] for q in section["questions"]}
            section["title"] = (
                gettext("Problems and suggestions") if kinds & {"text", "problem"} else gettext("About your visit")
            )
    return sections


def _form_context(
    invitation: Invitation,
    *,
    values: dict[str, str] | None = None,
    topics: dict[str, str] | None = None,
    uscc: str = "",
    instance_id: str | None = None,
    started_at: str = "",
    timings: str = "{}",
) -> dict[str, Any]:
    items = collection.questionnaire_for(invitation=invitation)
    categories: list[CategoryDef] = collection.questionnaire_topics(invitation=invitation)
    return {
        "invitation": invitation,
        "sections": _sections(invitation, items, values or {}, topics or {}),
        "topics": categories,
        "choice_kinds": CHOICE_KINDS,
        "uscc": uscc,
        "instance_id": instance_id or f"uuid:{uuid.uuid4()}",
        "started_at": started_at or clock_now().isoformat(),
        "timings": timings,
        "script_text": {
            "progress": gettext("%(answered)s of %(total)s answered"),
        },
    }


def _posted(post: QueryDict) -> dict[str, Any]:
    """The questionnaire's fields as posted: answers, problem topics and the paradata."""
    answers = {k: v for k, v in post.items() if k not in CONTROL_FIELDS and not k.endswith(collection.TOPIC_SUFFIX)}
    topics = {
        k.removesuffix(collection.TOPIC_SUFFIX): v for k, v in post.items() if k.endswith(collection.TOPIC_SUFFIX)
    }
    raw_timings = post.get("timings", "")[:TIMINGS_MAX_BYTES]
    try:
        timings = json.loads(raw_timings) if raw_timings else {}
    except ValueError:
        timings = {}
    if not isinstance(timings, dict):
        timings = {}
    started: dt.datetime | None
    try:
        started = dt.datetime.fromisoformat(post.get("started_at", ""))
    except ValueError:
        started = None
    if started is not None and (started.tzinfo is None or started > clock_now()):
        started = None
    return {
        "answers": answers,
        "topics": topics,
        "timings": timings,
        "raw_timings": json.dumps(timings) if timings else "{}",
        "uscc": post.get("uscc", ""),
        "instance_id": post.get("instance_id", ""),
        "started_at": started,
        "raw_started_at": post.get("started_at", ""),
    }


def _submit(
    request: HttpRequest, invitation: Invitation, *, mode: str, by: Actor | None
) -> tuple[Response | None, Any]:
    """Submit the posted form; (the response, None) or (None, the context to re-show the form with the error)."""
    posted = _posted(request.POST)
    try:
        response = collection.response_submit(
            invitation=invitation,
            uscc=posted["uscc"],
            answers=posted["answers"],
            timings=posted["timings"],
            instance_id=posted["instance_id"],
            started_at=posted["started_at"],
            mode=mode,
            by=by,
            topics=posted["topics"],
        )
    except ZhengwuError as exc:
        context = _form_context(
            invitation,
            values=posted["answers"],
            topics=posted["topics"],
            uscc=posted["uscc"],
            instance_id=posted["instance_id"] or None,
            started_at=posted["raw_started_at"],
            timings=posted["raw_timings"],
        )
        context["error"] = exc
        return None, context
    return response, None


# --- the respondent's questionnaire ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    """The questionnaire behind an invitation link: no sign-in, the token is the key."""
    try:
        invitation = collection.invitation_by_token(token=token)
    except NotFound as exc:
        return render(request, "appraisal/questionnaire/invalid.html", {"error": exc}, status=404)
    if invitation.status == Invitation.Status.COMPLETED and request.method == "GET":
        return render(request, "appraisal/questionnaire/answered.html", {"invitation": invitation})
    if invitation.round.status != Round.Status.COLLECTING:
        return render(request, "appraisal/questionnaire/closed.html", {"invitation": invitation}, status=409)
    if request.method == "GET":
        collection.invitation_open_record(invitation=invitation)
        return render(request, "appraisal/questionnaire/form.html", _form_context(invitation))
    response, context = _submit(request, invitation, mode=Response.Mode.WEB, by=None)
    if response is None:
        error = context["error"]
        if isinstance(error, Conflict) and error.code == "appraisal_already_answered":
            return render(request, "appraisal/questionnaire/answered.html", {"invitation": invitation}, status=409)
        return render(request, "appraisal/questionnaire/form.html", context, status=refusal_status(error))
    return render(request, "appraisal/questionnaire/thanks.html", {"invitation": invitation, "response": response})


# --- telephone interviews --------------------------------------------------------------------------


@require_http_methods(["GET"])
@roles_required(APPRAISER)
def cati_list(request: HttpRequest) -> HttpResponse:
    """The interviewer's telephone interviews still to do: their own and the unassigned ones."""
    page = collection.cati_invitations(by=_actor(request), page=_page_int(request.GET.get("page")))
    return render(request, "appraisal/questionnaire/cati_list.html", {"page": page})


def _cati_invitation(request: HttpRequest, invitation_id: int) -> Invitation:
    try:
        return collection.cati_invitation_get(invitation_id=invitation_id, by=_actor(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_http_methods(["GET", "POST"])
@roles_required(APPRAISER)
def cati_interview(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """One interview: the enterprise's contact (audited) and the questionnaire the interviewer fills in."""
    actor = _actor(request)
    invitation = _cati_invitation(request, invitation_id)
    page = "appraisal/questionnaire/cati_interview.html"
    if request.method == "GET":
        return render(request, page, _form_context(invitation))
    response, context = _submit(request, invitation, mode=Response.Mode.CATI, by=actor)
    if response is None:
        return render(request, page, context, status=refusal_status(context["error"]))
    messages.success(request, gettext("Interview saved."))
    return HttpResponseRedirect(_url(request, "cati"))


@require_POST
@roles_required(APPRAISER)
def cati_outcome(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """拒访 or 无法联系: the interview cannot happen."""
    actor = _actor(request)
    invitation = _cati_invitation(request, invitation_id)
    try:
        collection.cati_outcome_record(invitation=invitation, outcome=request.POST.get("outcome", ""), by=actor)
    except ZhengwuError as exc:
        context = _form_context(invitation)
        context["error"] = exc
        return render(request, "appraisal/questionnaire/cati_interview.html", context, status=refusal_status(exc))
    messages.success(request, gettext("Outcome recorded."))
    return HttpResponseRedirect(_url(request, "cati"))


# --- QC review -------------------------------------------------------------------------------------


def _round(code: str) -> Round:
    round_ = Round.objects.select_related("system").filter(code=code).first()
    if round_ is None:
        raise Http404
    return round_


def _flag_rows(flags: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        {"code": f["code"], "label": FLAG_LABELS.get(f["code"], f["code"]), "text": flag_describe(f)} for f in flags
    ]


@require_http_methods(["GET"])
@roles_required(APPRAISER)
def quality_home(request: HttpRequest, code: str) -> HttpResponse:
    """The round's QC: counts by flag and by unit, and the filtered list of responses (paged 50)."""
    actor = _actor(request)
    round_ = _round(code)
    filters = quality.QcFilters(
        flag=request.GET.get("flag", ""), unit=request.GET.get("unit", ""), status=request.GET.get("status", "")
    )
    context: dict[str, Any] = {
        "round": round_,
        "filters": filters,
        "flag_labels": [(c, FLAG_LABELS[c]) for c in FLAG_CODES],
        "statuses": Response.Qc.choices,
    }
    try:
        context["overview"] = quality.qc_overview(round=round_, by=actor)
        page = quality.qc_responses_page(
            round=round_, by=actor, filters=filters, page=_page_int(request.GET.get("page"))
        )
    except ZhengwuError as exc:
        return render(request, "appraisal/quality/home.html", {**context, "error": exc}, status=refusal_status(exc))
    paging = request.GET.copy()
    paging.pop("page", None)
    context.update(
        page=page,
        rows=[{"response": r, "flags": _flag_rows(r.qc_flags)} for r in page.items],
        filter_query=paging.urlencode(),
        by_flag=[(c, FLAG_LABELS[c], context["overview"].by_flag[c]) for c in FLAG_CODES],
        by_status=[(c, label, context["overview"].by_status[c]) for c, label in Response.Qc.choices],
    )
    return render(request, "appraisal/quality/home.html", context)


@require_POST
@roles_required(APPRAISER)
def quality_run(request: HttpRequest, code: str) -> HttpResponse:
    """Run the round's QC checks again over all its responses."""
    round_ = _round(code)
    try:
        summary = quality.round_qc_run(round=round_, by=_actor(request))
    except ZhengwuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Quality checks run: %(flagged)s of %(total)s responses await review.")
            % {"flagged": summary.by_status.get("flagged", 0), "total": summary.total},
        )
    return HttpResponseRedirect(_url(request, "quality", round_.code))


@require_http_methods(["GET", "POST"])
@roles_required(APPRAISER)
def quality_response(request: HttpRequest, code: str, response_id: int) -> HttpResponse:
    """One response's answers and flags (an audited view of raw data), with the reviewer's decision."""
    actor = _actor(request)
    round_ = _round(code)
    error: ZhengwuError | None = None
    if request.method == "POST":
        response = Response.objects.filter(round=round_, pk=response_id).first()
        if response is None:
            raise Http404
        try:
            quality.response_review(
                response=response,
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
                by=actor,
            )
        except ZhengwuError as exc:
            error = exc
        else:
            messages.success(request, gettext("Review recorded."))
            return HttpResponseRedirect(_url(request, "quality", round_.code))
    try:
        response = quality.qc_response_get(round=round_, response_id=response_id, by=actor)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    system = system_def(system=round_.system)
    labels = dict(collection.RATING_CHOICES)
    answers = []
    for number, item in enumerate(system.items_for(response.unit.kind), start=1):
        if item.name not in response.answers:
            continue
        value = response.answers[item.name]
        shown = dict(_choices(item)).get(value, value) if item.kind in CHOICE_KINDS else value
        answers.append(
            {
                "number": number,
                "item": item,
                "value": value,
                "shown": shown,
                "ms": response.timings.get(item.name),
                "rating": labels.get(value) if item.kind == "rating5" else None,
            }
        )
    context = {
        "round": round_,
        "response": response,
        "answers": answers,
        "flags": _flag_rows(response.qc_flags),
        "problems": list(response.problems.order_by("id")),
        "submitted": response.submitted_at.astimezone(CHINA_TZ),
        "error": error,
        "note": request.POST.get("note", "") if error else "",
    }
    return render(request, "appraisal/quality/response.html", context, status=refusal_status(error) if error else 200)
