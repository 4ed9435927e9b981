"""Pages of the public trading website."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.bidding.events import opening_record_rows
from zhengwu.contexts.disclosure.models import Notice
from zhengwu.contexts.disclosure.selectors import (
    MARKET_ROLES,
    NOTICE_KINDS,
    NOTICE_STATUSES,
    PROCEDURES,
    TRADE_TYPES,
    TimelineEntry,
    award_result_get,
    bid_freeze_get,
    candidate_publicity_get,
    contract_record_get,
    expert_draw_commitment_get,
    market_subject_page,
    market_subject_search,
    notice_amended_by,
    notice_chain,
    notice_get,
    notice_latest,
    notice_page,
    notice_search,
    notice_status,
    opening_records_get,
    project_notices,
    section_disclosures,
    section_failure_get,
    section_notices,
    section_timeline,
)
from zhengwu.contexts.disclosure.statistics import savings_rate
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.money import money_format, money_from_fen
from zhengwu.platform.audit.selectors import audit_latest_tree_head
from zhengwu.platform.web.exports import xlsx_response

ROLE_NAMES = {"tenderer": _("Tenderer"), "agency": _("Tendering agency"), "bidder": _("Bidder")}
PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    """The public home page: what the platform is, live figures, and where each user goes."""
    return render(
        request,
        "disclosure/home.html",
        {
            "subject_total": market_subject_page(page=1, size=1).total,
            "tree_head": audit_latest_tree_head(),
            "latest_notices": notice_latest(limit=5),
            "latest_by_type": [
                (code, TRADE_TYPE_NAMES[code], notice_latest(limit=5, trade_type=code)) for code in TRADE_TYPES
            ],
        },
    )


def subjects(request: HttpRequest) -> HttpResponse:
    """The list of verified market subjects, searchable by name or code and by role."""
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "").strip()
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 6 else 1
    error = ""
    try:
        page = market_subject_page(q=q, role=role or None, page=page_number, size=PAGE_SIZE)
    except InvalidInput as exc:
        error = exc.message
        page = market_subject_page(page=1, size=PAGE_SIZE)
        status = 400
    else:
        status = 200
    if request.GET.get("format") == "xlsx" and not error:
        return xlsx_response(
            filename=gettext("market-subjects"),
            sheet=gettext("Market subjects"),
            headers=[
                gettext("Name"),
                gettext("Unified social credit code"),
                gettext("Roles"),
                gettext("Region"),
                gettext("Updated"),
            ],
            rows=(
                (
                    s.name,
                    s.uscc,
                    "、".join(str(ROLE_NAMES.get(r, r)) for r in s.market_roles),
                    s.region_code,
                    localtime(s.updated_at).strftime("%Y-%m-%d %H:%M"),
                )
                for s in market_subject_search(q=q, role=role or None)
            ),
        )

    def page_url(number: int) -> str:
        return "?" + urlencode({k: v for k, v in {"q": q, "role": role, "page": number}.items() if v})

    context = {
        "page": page,
        "q": q,
        "role": role,
        "roles": [(code, ROLE_NAMES.get(code, code)) for code in MARKET_ROLES],
        "rows": [(s, [ROLE_NAMES.get(r, r) for r in s.market_roles]) for s in page.items],
        "error": error,
        "previous_url": page_url(page.page - 1) if page.has_previous else "",
        "next_url": page_url(page.page + 1) if page.has_next else "",
        "export_url": "?" + urlencode({k: v for k, v in {"q": q, "role": role, "format": "xlsx"}.items() if v}),
    }
    return render(request, "disclosure/subjects.html", context, status=status)


# Notices ------------------------------------------------------------------------------------

TRADE_TYPE_NAMES = {
    "construction": _("Construction works"),
    "procurement": _("Government procurement"),
    "land": _("Land-use rights"),
    "property": _("State-owned property"),
}
KIND_NAMES = {
    "tender": _("Tender notice"),
    "invitation": _("Invitation to tender"),
    "prequalification": _("Pre-qualification notice"),
    "amendment": _("Amendment or clarification"),
    "termination": _("Termination notice"),
    "result": _("Result notice"),
}
PROCEDURE_NAMES = {
    "construction.open": _("Open tendering (post-qualification)"),
    "construction.invited": _("Invited tendering"),
    "construction.open_prequalification": _("Open tendering (pre-qualification)"),
    "construction.invited_prequalification": _("Invited tendering (pre-qualification)"),
    "procurement.open": _("Open tendering"),
    "procurement.invited": _("Invited tendering"),
    "procurement.competitive_negotiation": _("Competitive negotiation"),
    "procurement.competitive_consultation": _("Competitive consultation"),
    "procurement.inquiry": _("Request for quotations"),
    "procurement.single_source": _("Single source"),
    "procurement.framework": _("Framework agreement"),
    "land.tender": _("Land: tender"),
    "land.auction": _("Land: auction"),
    "land.listing": _("Land: listing"),
    "property.listing": _("Property: listing"),
}
STATUS_NAMES = {
    "open": _("Accepting bids"),
    "closed": _("Bidding closed"),
    "publicity": _("Candidates in publicity"),
    "awarded": _("Awarded"),
    "failed": _("Failed (no award)"),
    "terminated": _("Terminated"),
}
NOTICE_FILTERS = ("q", "trade_type", "procedure", "kind", "status", "region", "date_from", "date_to")


def _date_param(text: str, *, field: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "日期格式应为YYYY-MM-DD", code="disclosure_date_invalid", detail={"field": field, "value": text[:40]}
        ) from None


def _beijing(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if value is not None else ""


def notices(request: HttpRequest) -> HttpResponse:
    """The public list of notices: filter by trade type, kind, region, text and dates; export."""
    params = {name: request.GET.get(name, "").strip()[:200] for name in NOTICE_FILTERS}
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 6 else 1
    error = ""
    filters: dict[str, Any] = {}
    try:
        filters = {
            "q": params["q"],
            "trade_type": params["trade_type"] or None,
            "procedure": params["procedure"] or None,
            "kind": params["kind"] or None,
            "status": params["status"] or None,
            "region": params["region"] or None,
            "date_from": _date_param(params["date_from"], field="date_from"),
            "date_to": _date_param(params["date_to"], field="date_to"),
        }
        page = notice_page(**filters, page=page_number, size=PAGE_SIZE, brief=True)
    except InvalidInput as exc:
        error = exc.message
        page = notice_page(page=1, size=PAGE_SIZE, brief=True)
        status = 400
    else:
        status = 200
    if request.GET.get("format") == "xlsx" and not error:
        return xlsx_response(
            filename=gettext("notices"),
            sheet=gettext("Notices"),
            headers=[
                gettext("Published (Beijing time)"),
                gettext("Title"),
                gettext("Kind"),
                gettext("Trade type"),
                gettext("Procedure"),
                gettext("Project code"),
                gettext("Project name"),
                gettext("Sections"),
                gettext("Tenderer"),
                gettext("Agency"),
                gettext("Region"),
                gettext("Budget (yuan)"),
                gettext("Bid deadline (Beijing time)"),
                gettext("Opening (Beijing time)"),
                gettext("Amends notice"),
                gettext("Notice ID"),
            ],
            rows=(
                (
                    _beijing(n.published_at),
                    n.title,
                    str(KIND_NAMES.get(n.kind, n.kind)),
                    str(TRADE_TYPE_NAMES.get(n.trade_type, n.trade_type)),
                    str(PROCEDURE_NAMES.get(n.procedure, n.procedure)),
                    n.project_code,
                    n.project_name,
                    "、".join(n.section_codes),
                    n.tenderer_name,
                    n.agency_name,
                    n.region_code,
                    str(money_from_fen(n.budget_fen)) if n.budget_fen is not None else "",
                    _beijing(n.bid_deadline),
                    _beijing(n.opening_at),
                    str(n.references_notice_id or ""),
                    str(n.notice_id),
                )
                for n in notice_search(**filters).iterator()
            ),
        )

    def query(**extra: object) -> str:
        values = {**params, **extra}
        return "?" + urlencode({k: v for k, v in values.items() if v})

    context = {
        "page": page,
        **params,
        "trade_types": [(code, str(TRADE_TYPE_NAMES[code])) for code in TRADE_TYPES],
        "kinds": [(code, str(KIND_NAMES[code])) for code in NOTICE_KINDS],
        # Labels translated once here, not once per use in the template.
        "procedures": [(code, str(PROCEDURE_NAMES.get(code, code))) for code in PROCEDURES],
        "statuses": [(code, str(STATUS_NAMES[code])) for code in NOTICE_STATUSES],
        "rows": [
            (n, str(KIND_NAMES.get(n.kind, n.kind)), str(TRADE_TYPE_NAMES.get(n.trade_type, n.trade_type)))
            for n in page.items
        ],
        "error": error,
        "previous_url": query(page=page.page - 1) if page.has_previous else "",
        "next_url": query(page=page.page + 1) if page.has_next else "",
        "export_url": query(format="xlsx"),
    }
    return render(request, "disclosure/notices.html", context, status=status)


def notice_detail(request: HttpRequest, notice_id: str) -> HttpResponse:
    """One notice: its text (escaped, line breaks kept), attachments with their SHA-256,
    deadlines in Beijing time, and its place in an amendment chain."""
    try:
        notice = notice_get(notice_id=notice_id)
    except NotFound:
        raise Http404(notice_id) from None
    chain = notice_chain(notice=notice)
    context = {
        "notice": notice,
        "kind_label": KIND_NAMES.get(notice.kind, notice.kind),
        "trade_type_label": TRADE_TYPE_NAMES.get(notice.trade_type, notice.trade_type),
        "budget": money_format(notice.budget_fen) if notice.budget_fen is not None else "",
        # The notices this one amends (oldest first); empty for an original notice.
        "chain": chain[:-1],
        "amended_by": notice_amended_by(notice=notice),
        # Only sections whose freeze or opening record has arrived: nothing of an opening is
        # shown before the trading platform has published it.
        "sections": [s for s in section_disclosures(section_codes=notice.section_codes) if s.freeze or s.record],
    }
    return render(request, "disclosure/notice_detail.html", context)


# Sections: the freeze of their bids and their opening record -----------------------------------

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
# The read-out fields with a column of their own; any other field is listed under "Other".
READOUT_OTHER_LABELS = {
    "delivery_days": _("Delivery (calendar days)"),
    "discount_rate": _("Discount rate"),
}


def section_detail(request: HttpRequest, section_code: str) -> HttpResponse:
    """One section's bids: the freeze published at the deadline and, once the trading platform
    has published it, the signed opening record (开标记录); and the commitment of its expert draw."""
    freeze = bid_freeze_get(section_code=section_code)
    records = opening_records_get(section_code=section_code)
    notices = section_notices(section_code=section_code)
    draw = expert_draw_commitment_get(section_code=section_code)
    results = _section_results(section_code=section_code, notices=notices)
    failure = section_failure_get(section_code=section_code)
    if freeze is None and not records and not notices and draw is None and not results and failure is None:
        raise Http404(section_code)
    context = {
        "section_code": section_code,
        "project_code": notices[0].project_code if notices else "",
        "timeline": [(entry, _timeline_label(entry)) for entry in section_timeline(section_code=section_code)],
        "failure": failure,
        "notices": notices,
        "freeze": freeze,
        # The expert draw's commitment, published before the draw (never who was drawn).
        "draw": draw,
        # One record per opening round: a two-envelope tender publishes two.
        "openings": [
            (
                record,
                opening_record_rows(
                    record.record,
                    outcome_labels=OUTCOME_LABELS,
                    cause_labels=FAILURE_CAUSE_LABELS,
                    other_labels=READOUT_OTHER_LABELS,
                ),
                freeze is not None and record.freeze_root == freeze.root,
            )
            for record in records
        ],
        # After the evaluation: the candidates, the award and the contract, once each has arrived.
        **results,
    }
    return render(request, "disclosure/section.html", context)


TIMELINE_LABELS = {
    "freeze": _("Bids frozen, Merkle root published"),
    "opening": _("Opening record"),
    "draw": _("Expert draw committed"),
    "publicity": _("Candidates published"),
    "award": _("Award result"),
    "contract": _("Contract registered"),
    "failure": _("Tender failed"),
}


def _timeline_label(entry: TimelineEntry) -> str:
    if entry.notice is not None:
        return str(KIND_NAMES.get(entry.notice.kind, entry.notice.kind))
    return str(TIMELINE_LABELS.get(entry.kind, entry.kind))


def project_detail(request: HttpRequest, project_code: str) -> HttpResponse:
    """One project: its notices in order and each of its sections with where its trade stands."""
    notices = project_notices(project_code=project_code)
    if not notices:
        raise Http404(project_code)
    section_codes: list[str] = []
    for notice in notices:
        section_codes.extend(code for code in notice.section_codes if code not in section_codes)
    context = {
        "project_code": notices[0].project_code,
        "project_name": notices[-1].project_name,
        "first": notices[0],
        "trade_type_label": TRADE_TYPE_NAMES.get(notices[0].trade_type, notices[0].trade_type),
        "procedure_label": PROCEDURE_NAMES.get(notices[0].procedure, notices[0].procedure),
        "status_label": STATUS_NAMES.get(notice_status(notice=notices[0]), ""),
        "notices": [(n, KIND_NAMES.get(n.kind, n.kind)) for n in notices],
        "sections": [(code, section_timeline(section_code=code)) for code in section_codes],
    }
    return render(request, "disclosure/project.html", context)


# After the evaluation: the candidates, the award, the contract ---------------------------------

METHOD_LABELS = {
    "comprehensive": "综合评估法",
    "procurement_scoring": "综合评分法",
    "lowest_evaluated_price": "经评审的最低投标价法",
}
PUBLICITY_STATE_LABELS = {"pending": "未开始", "running": "公示中", "ended": "公示期已结束"}


def publicity_state(*, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> str:
    """``pending`` before the publicity starts, ``running`` until its last instant ``ends_at``, then ``ended``."""
    if now < starts_at:
        return "pending"
    return "running" if now <= ends_at else "ended"


def savings_percent(*, savings_fen: int, budget_fen: int) -> str:
    """Savings as a percentage of the budget to two decimals (``"12.35"``); empty without a budget."""
    rate = savings_rate(savings_fen=savings_fen, budget_fen=budget_fen)
    return "" if rate is None else f"{rate}"


def _yuan(value: Any) -> str:
    # Rows come from another platform's event: an amount that is not a whole number of fen is shown as missing.
    return money_format(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _draw_record_name(section_code: str) -> str:
    return f"expert-draw-{re.sub(r'[^A-Za-z0-9._-]', '_', section_code)}.json"


def _section_results(*, section_code: str, notices: list[Notice]) -> dict[str, Any]:
    """What the section page shows of the evaluation's results; empty when none has arrived."""
    publicity = candidate_publicity_get(section_code=section_code)
    award = award_result_get(section_code=section_code)
    contract = contract_record_get(section_code=section_code)
    if publicity is None and award is None and contract is None:
        return {}
    context: dict[str, Any] = {"publicity": publicity, "award": award, "contract": contract}
    if publicity is not None:
        state = publicity_state(starts_at=publicity.starts_at, ends_at=publicity.ends_at, now=clock_now())
        context.update(
            publicity_state=state,
            publicity_state_label=PUBLICITY_STATE_LABELS[state],
            method_label=METHOD_LABELS.get(publicity.method, publicity.method),
            candidate_rows=[
                {**row, "price": _yuan(row.get("price_fen")), "score": row.get("score") or ""}
                for row in publicity.candidates
                if isinstance(row, dict)
            ],
            rejected_rows=[row for row in publicity.rejected if isinstance(row, dict)],
            committee_rows=[row for row in publicity.committee if isinstance(row, dict)],
            draw_record_name=_draw_record_name(section_code),
        )
    if award is not None:
        context.update(
            award_price=money_format(award.price_fen),
            award_budget=money_format(award.budget_fen),
            award_savings=money_format(award.savings_fen),
            award_savings_percent=savings_percent(savings_fen=award.savings_fen, budget_fen=award.budget_fen),
            passed_over_rows=[row for row in award.passed_over if isinstance(row, dict)],
        )
    if contract is not None:
        context.update(
            contract_amount=money_format(contract.amount_fen),
            # The tenderer signs for the employer's side: the section's notices name it.
            contract_employer=notices[-1].tenderer_name if notices else "",
        )
    return context


def section_expert_draw(request: HttpRequest, section_code: str) -> HttpResponse:
    """The full record of the section's expert draw, published with the candidates, as a JSON file
    for ``zhengwu experts verify-draw``; 404 when none was published."""
    publicity = candidate_publicity_get(section_code=section_code)
    if publicity is None or publicity.draw_record is None:
        return render(request, "web/404.html", {"message": "该标段尚未公布专家抽取记录。"}, status=404)
    response = HttpResponse(canonical_dumps(publicity.draw_record), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_draw_record_name(publicity.section_code)}"'
    return response
