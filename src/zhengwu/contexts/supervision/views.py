"""Pages of the administrative supervision platform."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.bidding.events import opening_record_rows
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.supervision.models import AwardTrack
from zhengwu.contexts.supervision.rules import DeadlineState, deadline_state
from zhengwu.contexts.supervision.selectors import (
    SECTION_STATUSES,
    award_track_get,
    award_track_page,
    held_share_get,
    held_shares,
    notices_for_sections,
    opening_record_of_round,
    opening_record_rounds,
    opening_records_unfrozen,
    opening_section_get,
    opening_section_page,
    registered_subject_list,
    section_get,
    section_history,
    section_page,
    section_search,
    section_status_counts,
)
from zhengwu.contexts.supervision.services import held_share_release
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_today
from zhengwu.kernel.errors import InvalidInput, NotAuthenticated, NotFound, ZhengwuError
from zhengwu.kernel.money import money_format
from zhengwu.platform.web.access import login_url_for, roles_required
from zhengwu.platform.web.exports import xlsx_response

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


# Trades -------------------------------------------------------------------------------------

TRADE_ROLES = ("regulator", "city_leader")
SECTION_STATUS_LABELS = {
    "draft": _("draft"),
    "published": _("published"),
    "accepting_bids": _("accepting bids"),
    "opening": _("bid opening"),
    "evaluating": _("evaluating"),
    "candidates": _("candidates published"),
    "awarded": _("awarded"),
    "contracted": _("contracted"),
    "archived": _("archived"),
    "terminated": _("terminated"),
    "failed": _("failed"),
}
TRADE_FILTERS = ("status", "q", "deadline_from", "deadline_to")
TRADES_PAGE_SIZE = 50


def _trade_actor(request: HttpRequest) -> Actor | HttpResponse:
    # The decorator is the door; this is the lock: an Actor exists only for someone fully
    # signed in (second factor included), and only these roles follow trades.
    try:
        actor = actor_for(user=request.user, request=request)
    except NotAuthenticated:
        return HttpResponseRedirect(login_url_for(request) + "?" + urlencode({"next": request.get_full_path()}))
    if not actor.has_role(*TRADE_ROLES):
        raise PermissionDenied
    return actor


def _date_param(text: str, *, field: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "日期格式应为YYYY-MM-DD", code="supervision_date_invalid", detail={"field": field, "value": text[:40]}
        ) from None


def _beijing(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def _status_label(status: str) -> str:
    return str(SECTION_STATUS_LABELS.get(status, status))


@roles_required(*TRADE_ROLES)
def trades(request: HttpRequest) -> HttpResponse:
    """Every section followed from the trading platform, by lifecycle status, with its bid
    deadline and its notices; filterable and exportable to Excel. Regulators and city leaders."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    params = {name: request.GET.get(name, "").strip()[:200] for name in TRADE_FILTERS}
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 6 else 1
    error = ""
    filters: dict[str, Any] = {}
    try:
        filters = {
            "status": params["status"] or None,
            "q": params["q"],
            "deadline_from": _date_param(params["deadline_from"], field="deadline_from"),
            "deadline_to": _date_param(params["deadline_to"], field="deadline_to"),
        }
        page = section_page(**filters, page=page_number, size=TRADES_PAGE_SIZE)
    except InvalidInput as exc:
        error = exc.message
        page = section_page(page=1, size=TRADES_PAGE_SIZE)
        status = 400
    else:
        status = 200
    if request.GET.get("format") == "xlsx" and not error:
        sections = list(section_search(**filters))
        notices = notices_for_sections(sections=sections)
        return xlsx_response(
            filename=gettext("trades"),
            sheet=gettext("Sections"),
            headers=[
                gettext("Status"),
                gettext("Project code"),
                gettext("Section code"),
                gettext("Section name"),
                gettext("Bid deadline (Beijing time)"),
                gettext("Status since (Beijing time)"),
                gettext("Previous status"),
                gettext("Reason"),
                gettext("Changes"),
                gettext("Notices"),
            ],
            rows=(
                (
                    _status_label(s.status),
                    s.project_code,
                    s.section_code,
                    s.section_name,
                    _beijing(s.bid_deadline),
                    _beijing(s.changed_at),
                    _status_label(s.previous_status) if s.previous_status else "",
                    s.reason,
                    s.change_count,
                    "\n".join(f"{_beijing(n.published_at)} {n.title}" for n in notices[s.pk]),
                )
                for s in sections
            ),
        )

    def query(**extra: object) -> str:
        values = {**params, **extra}
        return "?" + urlencode({k: v for k, v in values.items() if v})

    notices = notices_for_sections(sections=page.items)
    counts = section_status_counts()
    context = {
        "page": page,
        **params,
        "statuses": [(code, SECTION_STATUS_LABELS[code], counts[code]) for code in SECTION_STATUSES],
        "rows": [(s, _status_label(s.status), notices[s.pk]) for s in page.items],
        "error": error,
        "previous_url": query(page=page.page - 1) if page.has_previous else "",
        "next_url": query(page=page.page + 1) if page.has_next else "",
        "export_url": query(format="xlsx"),
    }
    return render(request, "supervision/trades.html", context, status=status)


@roles_required(*TRADE_ROLES)
def trade_section(request: HttpRequest, project_code: str, section_code: str) -> HttpResponse:
    """One section: its current status, every status change received, and its notices."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        section = section_get(project_code=project_code, section_code=section_code)
    except NotFound:
        raise Http404(section_code) from None
    context = {
        "section": section,
        "status_label": _status_label(section.status),
        "history": [
            (h, _status_label(h.previous_status) if h.previous_status else "", _status_label(h.status))
            for h in section_history(section=section)
        ],
        "notices": notices_for_sections(sections=[section])[section.pk],
    }
    return render(request, "supervision/trade_section.html", context)


# Custody of opening keys ------------------------------------------------------------------------


@roles_required(*TRADE_ROLES)
def custody(request: HttpRequest) -> HttpResponse:
    """The supervision platform's shares of opening keys: released by a regulator after the freeze."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    rows = held_shares()
    return render(
        request,
        "supervision/custody.html",
        {"rows": rows, "can_release": actor.has_role("regulator"), "signed_in": True},
    )


@roles_required("regulator")
def custody_release(request: HttpRequest, pk: int) -> HttpResponse:
    """Release one share (POST): decrypted with this platform's custody key and sent to trading."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    if request.method != "POST":
        return HttpResponseRedirect(reverse("supervision:supervision:custody"))
    try:
        held = held_share_get(pk=pk)
    except NotFound:
        raise Http404 from None
    try:
        held_share_release(held=held, by=actor)
    except ZhengwuError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("The share was released to the trading platform."))
    return HttpResponseRedirect(reverse("supervision:supervision:custody"))


# Freezes and opening records ------------------------------------------------------------------

OPENINGS_PAGE_SIZE = 50
OUTCOME_LABELS = {
    "opened": _("Decrypted and read out"),
    "revoked": _("Deemed revoked"),
    "withdrawn": _("Deemed withdrawn"),
    "pending": _("Not decided"),
}
FAILURE_CAUSE_LABELS = {
    "bidder_share_missing": _("The bidder did not decrypt its bid within the time allowed"),
    "bidder_share_invalid": _("The key the bidder handed in does not decrypt its bid"),
    "bid_content_invalid": _("The bid's content does not match what the bidder signed"),
    "custody_incomplete": _("The opening key's custodians did not release their shares in time"),
    "storage_mismatch": _("The stored file is not the one on the receipt"),
}


@roles_required(*TRADE_ROLES)
def openings(request: HttpRequest) -> HttpResponse:
    """Every section whose bids were frozen: the freeze and, once published, the opening record."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 5 else 1
    page = opening_section_page(page=page_number, size=OPENINGS_PAGE_SIZE)
    context = {
        "page": page,
        "unfrozen": opening_records_unfrozen(),
        "previous_url": "?" + urlencode({"page": page.page - 1}) if page.has_previous else "",
        "next_url": "?" + urlencode({"page": page.page + 1}) if page.has_next else "",
    }
    return render(request, "supervision/openings.html", context)


@roles_required(*TRADE_ROLES)
def opening_detail(request: HttpRequest, section_code: str) -> HttpResponse:
    """One section's freeze and signed opening record, in full."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        found = opening_section_get(section_code=section_code)
    except NotFound:
        raise Http404(section_code) from None
    record, freeze = found.record, found.freeze
    if request.GET.get("round", "").isdigit():
        chosen = opening_record_of_round(section_code=section_code, round=int(request.GET["round"]))
        if chosen is None:
            raise Http404(section_code)
        record = chosen
        found = dataclasses.replace(found, record=chosen)
    context = {
        "found": found,
        "rounds": opening_record_rounds(section_code=section_code),
        "opening": (
            opening_record_rows(record.record, outcome_labels=OUTCOME_LABELS, cause_labels=FAILURE_CAUSE_LABELS)
            if record is not None
            else None
        ),
        "root_matches": record is not None and freeze is not None and record.freeze_root == freeze.root,
        "status_label": _status_label(found.section.status) if found.section is not None else "",
    }
    return render(request, "supervision/opening_detail.html", context)


# After the evaluation: awards, written reports, contracts ---------------------------------------

AWARDS_PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class AwardRow:
    """A followed section with its amounts in yuan and where its two deadlines stand today."""

    track: AwardTrack
    price: str
    budget: str
    savings: str
    savings_percent: str
    contract_amount: str
    report: DeadlineState
    contract: DeadlineState


def _yuan(fen: int | None) -> str:
    return money_format(fen) if fen is not None else ""


def _percent(savings_fen: int | None, budget_fen: int | None) -> str:
    if savings_fen is None or not budget_fen or budget_fen <= 0:
        return ""
    return str((Decimal(savings_fen) * 100 / Decimal(budget_fen)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _award_row(track: AwardTrack, *, today: dt.date) -> AwardRow:
    submitted, registered = track.report_submitted_at, track.contract_registered_at
    return AwardRow(
        track=track,
        price=_yuan(track.price_fen),
        budget=_yuan(track.budget_fen),
        savings=_yuan(track.savings_fen),
        savings_percent=_percent(track.savings_fen, track.budget_fen),
        contract_amount=_yuan(track.contract_amount_fen),
        report=deadline_state(
            due=track.report_due,
            done_on=submitted.astimezone(CHINA_TZ).date() if submitted is not None else None,
            late=track.report_late,
            today=today,
        ),
        # The contract counts as done once registered here, as the trading platform's ``late`` does.
        contract=deadline_state(
            due=track.contract_due,
            done_on=registered.astimezone(CHINA_TZ).date() if registered is not None else None,
            late=track.contract_late,
            today=today,
        ),
    )


@roles_required(*TRADE_ROLES)
def awards(request: HttpRequest) -> HttpResponse:
    """Sections after their evaluation: winner, amounts and savings, and whether the written report
    (15 days) and the contract (30 days) came in time — an overdue one is flagged today."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 5 else 1
    page = award_track_page(page=page_number, size=AWARDS_PAGE_SIZE)
    today = clock_today()
    context = {
        "page": page,
        "rows": [_award_row(track, today=today) for track in page.items],
        "today": today,
        "previous_url": "?" + urlencode({"page": page.page - 1}) if page.has_previous else "",
        "next_url": "?" + urlencode({"page": page.page + 1}) if page.has_next else "",
    }
    return render(request, "supervision/awards.html", context)


@roles_required(*TRADE_ROLES)
def award_detail(request: HttpRequest, section_code: str) -> HttpResponse:
    """One section's candidates, award, written report (in full) and contract, with its deadlines."""
    actor = _trade_actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        track = award_track_get(section_code=section_code)
    except NotFound:
        raise Http404(section_code) from None
    today = clock_today()
    context = {
        "row": _award_row(track, today=today),
        "track": track,
        "today": today,
        "candidate_rows": [
            {**c, "price": money_format(c["price_fen"]) if isinstance(c.get("price_fen"), int) else ""}
            for c in track.candidates
            if isinstance(c, dict)
        ],
    }
    return render(request, "supervision/award_detail.html", context)
