"""Pages of the evaluation room (评标室) on the trading platform.

The pages decide nothing: each form posts to one service in ``evaluation.services``; who sees what
is ``selectors.member_for`` (the committee of THIS section; 404 for anyone else, nothing revealed)
and, for centre staff and regulators, the progress page without a single mark or score.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.contexts.evaluation import selectors, services
from zhengwu.contexts.evaluation.config import method_build, method_items
from zhengwu.contexts.evaluation.models import Evaluation, Member
from zhengwu.contexts.evaluation.notice_pdf import award_notice_of, award_notice_pdf
from zhengwu.contexts.evaluation.rules import (
    DISQUALIFICATION_LABELS,
    ITEM_CATEGORY_LABELS,
    OUTCOME_LABELS,
    EvaluationResult,
    SheetProblem,
)
from zhengwu.contexts.evaluation.rules.award import PASS_OVER_LABELS
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.contexts.tendering import services as tendering_services
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput, NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required

# What the staff's creation form starts from: 政府采购综合评分法 with two items (edit to the documents).
METHOD_EXAMPLE = {
    "kind": "procurement_scoring",
    "price_weight": "30",
    "items": [
        {"code": "tech", "name": "技术", "category": "technical", "max_score": "100", "weight": "0.5"},
        {"code": "biz", "name": "商务", "category": "commercial", "max_score": "100", "weight": "0.2"},
    ],
    "deviation_limit": "0.20",
}


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "trading"
    return reverse(f"{platform}:evaluation:{name}", args=args)


def _yuan(fen: Any) -> str:
    if fen is None:
        return "—"  # 双信封: no price until the commercial envelope is opened
    if isinstance(fen, bool) or not isinstance(fen, int):
        return str(fen)
    return f"{Decimal(fen) / 100:,.2f}"


def _evaluation(section_code: str) -> Evaluation:
    found = selectors.evaluation_get(section_code=section_code)
    if found is None:
        raise Http404
    return found


def _member(evaluation: Evaluation, actor: Actor) -> Member:
    try:
        return selectors.member_for(evaluation=evaluation, by=actor)
    except NotFound:
        raise Http404 from None


def _result_rows(result: EvaluationResult, names: dict[str, str], experts: dict[str, str]) -> dict[str, Any]:
    return {
        "outcome": OUTCOME_LABELS.get(result.outcome, result.outcome),
        "article": result.outcome_article,
        "rows": [
            {
                "bidder": names.get(b.bid_id, b.bid_id),
                "price": _yuan(b.price_fen),
                "price_score": b.price.score if b.price else None,
                "technical": b.technical_score,
                "commercial": b.commercial_score,
                "total": b.total_score,
                "rank": b.rank,
                "rejected": DISQUALIFICATION_LABELS.get(b.disqualification.reason) if b.disqualification else "",
            }
            for b in sorted(result.bids, key=lambda b: (b.rank is None, b.rank or 0))
        ],
        "candidates": [names.get(c, c) for c in result.candidates.bid_ids],
        "flags": [
            {
                "expert": experts.get(f.expert_id, f.expert_id),
                "bidder": names.get(f.bid_id, f.bid_id),
                "item": f.item_code or gettext("total"),
                "score": f.score,
                "mean": f.committee_mean,
                "deviation": f.deviation,
                "limit": f.limit,
                "expert_id": f.expert_id,
                "bid_id": f.bid_id,
                "item_code": f.item_code or "",
            }
            for f in result.deviation_flags
        ],
    }


def _room_context(request: HttpRequest, evaluation: Evaluation, member: Member, **extra: Any) -> dict[str, Any]:
    bids = selectors.bids_for(evaluation=evaluation)
    names = {b.bid_id: b.bidder for b in bids}
    rows = selectors.members(evaluation=evaluation)
    experts = {m.expert_id: m.name for m in rows}
    marks = selectors.marks_own(member=member)
    ids = [b.bid_id for b in bids]
    complete = selectors.review_complete(evaluation=evaluation, bid_ids=ids)
    verdicts = selectors.decisions(evaluation=evaluation, bid_ids=ids) if complete else {}
    result = selectors.result_for(evaluation=evaluation)
    signed = selectors.signatures(evaluation=evaluation)
    sheet = selectors.sheet_own(member=member)
    context: dict[str, Any] = {
        "room_url": _url(request, "room", evaluation.section_code),
        "evaluation": evaluation,
        "member": member,
        "members": [
            {"name": m.name, "expert_id": m.expert_id, "leader": m.is_leader, "own": m.pk == member.pk} for m in rows
        ],
        "bids": [
            {
                "bid_id": b.bid_id,
                "bidder": b.bidder,
                "price": _yuan(b.readout.get("price_fen")),
                "readout": [(k, v) for k, v in b.readout.items() if k != "price_fen"],
                "files": b.files,
                "mark": marks.get(b.bid_id),
                "decision": verdicts.get(b.bid_id, None),
                "decision_label": DISQUALIFICATION_LABELS.get(v.reason, "") if (v := verdicts.get(b.bid_id)) else "",
            }
            for b in bids
        ],
        "reasons": list(DISQUALIFICATION_LABELS.items()),
        "review_complete": complete,
        "sheet_submitted": sheet is not None and sheet.submitted_at is not None,
        "result": _result_rows(result, names, experts) if result is not None else None,
        "signatures": [
            {
                "name": m.name,
                "agrees": signed[m.pk].agrees,
                "dissent": signed[m.pk].dissent,
                "at": signed[m.pk].signed_at,
            }
            for m in rows
            if m.pk in signed
        ],
        "signed": member.pk in signed,
        "progress": selectors.progress_for(evaluation=evaluation),
        "commercial_pending": any(b.commercial_pending for b in bids),
        "scored": bool(method_items(method_build(evaluation.method))),
        "adjustments": [
            {"bidder": names.get(a.bid_id, a.bid_id), "code": a.code, "amount": _yuan(a.amount_fen), "reason": a.reason}
            for a in selectors.adjustments(evaluation=evaluation)
        ],
        "base_price": _yuan(result.base_price.value_fen) if result is not None and result.base_price else "",
        "coefficient": selectors.coefficient_for(evaluation=evaluation),
    }
    if result is not None and context["result"] is not None:
        unanswered = {
            (f.expert_id, f.bid_id, f.item_code or "")
            for f in selectors.flags_unanswered(evaluation=evaluation, result=result)
        }
        for row in context["result"]["flags"]:
            row["answered"] = (row["expert_id"], row["bid_id"], row["item_code"]) not in unanswered
            row["own"] = row["expert_id"] == member.expert_id
        context["flags_open"] = bool(unanswered)
        context["may_reopen"] = (
            any(r["own"] for r in context["result"]["flags"]) and not signed and evaluation.status == "reviewing"
        )
    context["may_adjust"] = (
        member.is_leader
        and not context["scored"]
        and complete
        and not signed
        and evaluation.status == Evaluation.Status.REVIEWING
    )
    context.update(extra)
    return context


@require_GET
@roles_required()
def room_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """The room: members work here; centre staff and regulators see progress; everyone else 404."""
    actor = _actor(request)
    evaluation = selectors.evaluation_get(section_code=section_code)
    if selectors.oversees(by=actor):
        try:
            section = tendering_selectors.section_get_by_code(code=section_code)
        except NotFound:
            raise Http404 from None
        context = {
            "room_url": _url(request, "room", section.code),
            "section": section,
            "evaluation": evaluation,
            "progress": selectors.progress_for(evaluation=evaluation) if evaluation else None,
            "members": selectors.members(evaluation=evaluation) if evaluation else [],
            "method_example": json.dumps(METHOD_EXAMPLE, ensure_ascii=False, indent=2),
            "may_create": evaluation is None and actor.has_role("centre_staff") and section.status == "evaluating",
            "may_set_leader": evaluation is not None and actor.has_role("centre_staff"),
        }
        return render(request, "evaluation/overview.html", context)
    if evaluation is None:
        raise Http404
    member = _member(evaluation, actor)
    return render(request, "evaluation/room.html", _room_context(request, evaluation, member))


@require_POST
@roles_required("centre_staff")
def create_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """Centre staff open the room with the method of the tender documents (JSON)."""
    actor = _actor(request)
    try:
        section = tendering_selectors.section_get_by_code(code=section_code)
    except NotFound:
        raise Http404 from None
    try:
        method = json.loads(request.POST.get("method", ""))
    except ValueError:
        method = None
    try:
        representatives = re.split(r"[\s,，、;；]+", request.POST.get("representatives", ""))
        services.evaluation_create(
            section=section,
            method=method if isinstance(method, dict) else {},
            representatives=[r for r in representatives if r],
            by=actor,
        )
    except ZhengwuError as exc:
        context = {
            "room_url": _url(request, "room", section.code),
            "section": section,
            "evaluation": None,
            "error": exc,
            "method_example": request.POST.get("method", ""),
            "may_create": True,
        }
        return render(request, "evaluation/overview.html", context, status=refusal_status(exc))
    messages.success(request, gettext("The evaluation room is open to the committee."))
    return HttpResponseRedirect(_url(request, "room", section.code))


@require_POST
@roles_required("expert", "centre_staff")
def leader_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """A member votes for the leader; centre staff record the committee's choice."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    expert_id = request.POST.get("expert_id", "")
    try:
        if actor.has_role("centre_staff"):
            services.leader_set(evaluation=evaluation, expert_id=expert_id, by=actor)
        else:
            services.leader_vote(evaluation=evaluation, expert_id=expert_id, by=actor)
    except NotFound:
        raise Http404 from None
    except ZhengwuError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(_url(request, "room", section_code))


def _room_refused(request: HttpRequest, evaluation: Evaluation, actor: Actor, exc: ZhengwuError) -> HttpResponse:
    member = _member(evaluation, actor)
    return render(
        request,
        "evaluation/room.html",
        _room_context(request, evaluation, member, error=exc),
        status=refusal_status(exc),
    )


@require_POST
@roles_required("expert")
def compliance_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """A member's compliance mark on one bid."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    _member(evaluation, actor)
    try:
        services.compliance_mark(
            evaluation=evaluation,
            bid_id=request.POST.get("bid_id", ""),
            compliant=request.POST.get("compliant") == "1",
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            by=actor,
        )
    except ZhengwuError as exc:
        return _room_refused(request, evaluation, actor, exc)
    return HttpResponseRedirect(_url(request, "room", section_code))


def _typed(request: HttpRequest, bid_ids: list[str], codes: list[str]) -> dict[str, dict[str, str]]:
    return {bid_id: {code: request.POST.get(f"s-{bid_id}-{code}", "") for code in codes} for bid_id in bid_ids}


def _sheet_context(
    evaluation: Evaluation,
    member: Member,
    scores: dict[str, dict[str, str]],
    problems: list[SheetProblem],
    **extra: Any,
) -> dict[str, Any]:
    method = method_build(evaluation.method)
    valid = selectors.valid_bid_ids(evaluation=evaluation) or []
    names = {b.bid_id: b.bidder for b in selectors.bids_for(evaluation=evaluation)}
    errors: dict[tuple[str | None, str | None], str] = {}
    for p in problems:
        errors.setdefault((p.bid_id, p.item_code), p.message)
    sheet = selectors.sheet_own(member=member)
    return {
        "evaluation": evaluation,
        "member": member,
        "items": [
            {
                "code": i.code,
                "name": i.name,
                "category": ITEM_CATEGORY_LABELS.get(i.category, i.category),
                "min": i.min_score,
                "max": i.max_score,
                "weight": i.weight,
            }
            for i in method_items(method)
        ],
        "rows": [
            {
                "bid_id": bid_id,
                "bidder": names.get(bid_id, bid_id),
                "cells": [
                    {
                        "name": f"s-{bid_id}-{i.code}",
                        "value": (scores.get(bid_id) or {}).get(i.code, ""),
                        "error": errors.get((bid_id, i.code), ""),
                        "min": i.min_score,
                        "max": i.max_score,
                    }
                    for i in method_items(method)
                ],
            }
            for bid_id in valid
        ],
        "submitted": sheet is not None and sheet.submitted_at is not None,
        "submitted_at": sheet.submitted_at if sheet is not None else None,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@roles_required("expert")
def sheet_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """The member's own score sheet: every compliant bid × every item; save a draft or submit."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    member = _member(evaluation, actor)
    valid = selectors.valid_bid_ids(evaluation=evaluation)
    if valid is None:
        return render(request, "evaluation/sheet.html", {"evaluation": evaluation, "review_open": True})
    sheet = selectors.sheet_own(member=member)
    if request.method == "GET":
        scores = sheet.scores if sheet is not None else {}
        problems = []
        if sheet is not None and sheet.submitted_at is None and request.GET.get("check"):
            problems = services.sheet_problems(evaluation=evaluation, sheet=sheet)
        return render(request, "evaluation/sheet.html", _sheet_context(evaluation, member, scores, problems))
    codes = [i.code for i in method_items(method_build(evaluation.method))]
    typed = _typed(request, valid, codes)
    submit = request.POST.get("action") == "submit"
    try:
        if submit:
            services.sheet_submit(evaluation=evaluation, scores=typed, by=actor)
            messages.success(request, gettext("Your score sheet is submitted and locked."))
            return HttpResponseRedirect(_url(request, "room", section_code))
        saved = services.sheet_save(evaluation=evaluation, scores=typed, by=actor)
    except ZhengwuError as exc:
        problems = [
            SheetProblem(p["code"], p["message"], p["expert_id"], p["bid_id"], p["item_code"])
            for p in (exc.detail or {}).get("problems", [])
        ]
        context = _sheet_context(evaluation, member, typed, problems, error=exc)
        return render(request, "evaluation/sheet.html", context, status=refusal_status(exc))
    problems = services.sheet_problems(evaluation=evaluation, sheet=saved)
    context = _sheet_context(evaluation, member, typed, problems, saved=True)
    return render(request, "evaluation/sheet.html", context)


@require_GET
@roles_required("expert")
def sheet_read_view(request: HttpRequest, section_code: str, expert_id: str) -> HttpResponse:
    """A member's sheet, read-only: one's own always, another's once every member has submitted (404 before)."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    member = _member(evaluation, actor)
    try:
        sheet = selectors.sheet_of(evaluation=evaluation, expert_id=expert_id, by=actor)
    except NotFound:
        raise Http404 from None
    context = _sheet_context(evaluation, member, sheet.scores, [], read_only=True, owner=sheet.member.name)
    return render(request, "evaluation/sheet.html", context)


@require_POST
@roles_required("expert")
def sign_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """A member signs the report, agreeing or with written dissent."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    _member(evaluation, actor)
    try:
        services.report_sign(
            evaluation=evaluation,
            agrees=request.POST.get("agrees") == "1",
            dissent=request.POST.get("dissent", ""),
            by=actor,
        )
    except ZhengwuError as exc:
        return _room_refused(request, evaluation, actor, exc)
    messages.success(request, gettext("Your signature is on the evaluation report."))
    return HttpResponseRedirect(_url(request, "room", section_code))


@require_GET
@roles_required("expert")
def bid_file_view(request: HttpRequest, section_code: str, bid_id: str, index: int) -> HttpResponseBase:
    """A file of an opened bid, for a member of this section's committee (audited); 404 for anyone else."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    try:
        info, stream = selectors.bid_file_open(evaluation=evaluation, bid_id=bid_id, index=index, by=actor)
    except NotFound:
        raise Http404 from None
    return FileResponse(stream, as_attachment=True, filename=info.name, content_type="application/octet-stream")


# --- after the report: publicity, award, written report, contract ---------------------------------


def _outcome_section(section_code: str, actor: Actor) -> tuple[Any, selectors.OutcomeView]:
    try:
        section = tendering_selectors.section_get_by_code(code=section_code)
        return section, selectors.outcome_for(section=section, by=actor)
    except NotFound:
        raise Http404 from None


def _outcome_context(request: HttpRequest, section: Any, view: selectors.OutcomeView, actor: Actor) -> dict[str, Any]:
    evaluation = view.evaluation
    complete = evaluation is not None and evaluation.status == Evaluation.Status.COMPLETE and evaluation.result
    manages = tendering_selectors.can_manage(project=section.project, by=actor)
    candidates: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    outcome = ""
    if complete and evaluation is not None:
        result = evaluation.result or {}
        outcome = str(result.get("outcome", ""))
        rows = view.publicity.candidates if view.publicity else None
        if rows is None and result.get("candidates", {}).get("bid_ids"):
            rows = selectors.candidate_rows(evaluation=evaluation)
        candidates = [{**row, "price": _yuan(row["price_fen"])} for row in rows or []]
        names = {b.bid_id: b.bidder for b in selectors.bids_for(evaluation=evaluation)}
        rejected = [
            {
                "bidder": names.get(line["bid_id"], line["bid_id"]),
                "reason": DISQUALIFICATION_LABELS.get(line["disqualification"]["reason"], ""),
                "note": line["disqualification"].get("note", ""),
            }
            for line in result.get("bids", [])
            if line.get("disqualification")
        ]
    award, contract = view.award, view.contract
    publicity_required = tendering_services.publicity_required(section=section)
    now = clock_now()
    today = now.astimezone(CHINA_TZ).date()
    return {
        "outcome_url": _url(request, "outcome", section.code),
        "section": section,
        "status_label": tendering_selectors.section_status_label(status=section.status),
        "evaluation": evaluation,
        "complete": bool(complete),
        "outcome": outcome,
        "outcome_label": OUTCOME_LABELS.get(outcome, outcome),
        "candidates": candidates,
        "rejected": rejected,
        "publicity": view.publicity,
        "publicity_required": publicity_required,
        "publicity_open": view.publicity is not None and now <= view.publicity.ends_at,
        "publicity_min": tendering_services.publicity_plan(section=section, start=now).isoformat()
        if publicity_required
        else "",
        "award": award,
        "award_price": _yuan(award.price_fen) if award else "",
        "award_budget": _yuan(award.budget_fen) if award else "",
        "award_savings": _yuan(award.savings_fen) if award else "",
        "contract": contract,
        "contract_amount": _yuan(contract.amount_fen) if contract else "",
        "pass_over_reasons": list(PASS_OVER_LABELS.items()),
        "may_publish": manages
        and bool(complete)
        and publicity_required
        and view.publicity is None
        and outcome in ("candidates", "insufficient_competition"),
        "may_award": manages
        and bool(candidates)
        and award is None
        and (view.publicity is not None or not publicity_required),
        "may_report": manages
        and award is not None
        and award.report_due is not None
        and award.report_submitted_at is None,
        "may_contract": manages and award is not None and contract is None,
        "today": today.isoformat(),
        "default_amount": f"{Decimal(award.price_fen) / 100:.2f}" if award else "",
        "report_overdue": award is not None
        and award.report_due is not None
        and award.report_submitted_at is None
        and now >= award.report_due,
        "contract_overdue": award is not None and contract is None and now >= award.contract_due,
    }


@require_GET
@roles_required()
def outcome_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """The steps after the report: candidates, publicity, award, written report, contract.

    The tenderer or its agency acts here; centre staff and regulators read; anyone else 404.
    """
    actor = _actor(request)
    section, view = _outcome_section(section_code, actor)
    return render(request, "evaluation/outcome.html", _outcome_context(request, section, view, actor))


def _outcome_post(
    request: HttpRequest, section_code: str, act: Callable[[Evaluation, Actor], Any], done: str
) -> HttpResponse:
    actor = _actor(request)
    section, view = _outcome_section(section_code, actor)
    if view.evaluation is None:
        raise Http404
    try:
        act(view.evaluation, actor)
    except ZhengwuError as exc:
        section, view = _outcome_section(section_code, actor)
        context = {**_outcome_context(request, section, view, actor), "error": exc, "posted": request.POST}
        for row in context["candidates"]:  # the award form keeps what was chosen
            row["pass_over"] = request.POST.get(f"pass_over_{row['bid_id']}", "")
        return render(request, "evaluation/outcome.html", context, status=refusal_status(exc))
    messages.success(request, done)
    return HttpResponseRedirect(_url(request, "outcome", section_code))


def _date(value: str, *, field: str, label: str) -> dt.date:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", code=f"{field}_invalid", detail={"field": field}) from None


@require_POST
@roles_required()
def publicity_view(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(evaluation: Evaluation, actor: Actor) -> Any:
        raw = request.POST.get("ends_on", "")
        ends_on = _date(raw, field="ends_on", label="公示截止日期") if raw.strip() else None
        return services.candidates_publish(evaluation=evaluation, ends_on=ends_on, by=actor)

    return _outcome_post(request, section_code, act, gettext("The candidates are published."))


@require_POST
@roles_required()
def award_view(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(evaluation: Evaluation, actor: Actor) -> Any:
        passed = {
            key.removeprefix("pass_over_"): value.strip()
            for key in request.POST
            if key.startswith("pass_over_") and (value := request.POST.get(key, "")).strip()
        }
        return services.award_decide(
            evaluation=evaluation, bid_id=request.POST.get("bid_id", ""), passed_over=passed, by=actor
        )

    return _outcome_post(request, section_code, act, gettext("The winner is decided and the award notice issued."))


@require_POST
@roles_required()
def written_report_view(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(evaluation: Evaluation, actor: Actor) -> Any:
        return services.written_report_submit(evaluation=evaluation, text=request.POST.get("text", ""), by=actor)

    return _outcome_post(request, section_code, act, gettext("The written report is submitted."))


@require_POST
@roles_required()
def contract_view(request: HttpRequest, section_code: str) -> HttpResponse:
    def act(evaluation: Evaluation, actor: Actor) -> Any:
        post = request.POST
        return services.contract_register(
            evaluation=evaluation,
            number=post.get("number", ""),
            signed_on=_date(post.get("signed_on", ""), field="signed_on", label="签订日期"),
            amount_yuan=post.get("amount", ""),
            subject=post.get("subject", ""),
            quality=post.get("quality", ""),
            term=post.get("term", ""),
            by=actor,
        )

    return _outcome_post(request, section_code, act, gettext("The contract is registered."))


@require_GET
@roles_required()
def notice_pdf_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """The award notice (中标通知书) as a PDF: the tenderer's side, staff, regulators and the winner."""
    actor = _actor(request)
    try:
        section = tendering_selectors.section_get_by_code(code=section_code)
    except NotFound:
        raise Http404 from None
    evaluation = selectors.evaluation_get(section_code=section.code)
    award = selectors.award_get(evaluation=evaluation) if evaluation else None
    if award is None or not selectors.award_notice_readable(award=award, section=section, by=actor):
        raise Http404
    body = award_notice_pdf(notice=award_notice_of(award=award, section=section))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="award-notice-{section.code}.pdf"'
    return response


@require_POST
@roles_required("expert")
def adjustment_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """The leader records a price adjustment of 经评审的最低投标价法 (zero removes it)."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    _member(evaluation, actor)
    try:
        services.adjustment_record(
            evaluation=evaluation,
            bid_id=request.POST.get("bid_id", ""),
            code=request.POST.get("code", ""),
            amount_yuan=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            by=actor,
        )
    except ZhengwuError as exc:
        return _room_refused(request, evaluation, actor, exc)
    return HttpResponseRedirect(_url(request, "room", section_code))


@require_POST
@roles_required()
def flag_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """A flagged member confirms a score with reasons, or reopens the sheet to revise it."""
    actor = _actor(request)
    evaluation = _evaluation(section_code)
    _member(evaluation, actor)
    try:
        if request.POST.get("action") == "reopen":
            services.sheet_reopen(evaluation=evaluation, by=actor)
            return HttpResponseRedirect(_url(request, "sheet", section_code))
        services.flag_confirm(
            evaluation=evaluation,
            bid_id=request.POST.get("bid_id", ""),
            item_code=request.POST.get("item_code", ""),
            reason=request.POST.get("reason", ""),
            by=actor,
        )
    except ZhengwuError as exc:
        return _room_refused(request, evaluation, actor, exc)
    return HttpResponseRedirect(_url(request, "room", section_code))
