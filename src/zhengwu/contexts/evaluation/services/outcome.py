"""Writes after the evaluation report: candidates' publicity, award, written report, contract, securities.

The order (招标投标法 第四十五条至第四十七条, 招标条例 第五十四条至第五十七条; 政府采购法 第四十六条):

1. ``report_completed`` — inside the last signature: the signed result is kept; if every bid was
   rejected the section fails (re-tender) and the securities are owed back.
2. ``candidates_publish`` — the tenderer or its agency publishes the candidates for at least 3
   days (tenders; 政府采购 publishes the result instead). The committee's names and the draw's
   record become public with it.
3. ``award_decide`` — after the publicity, with no objection unanswered: the first-ranked
   candidate, or the next ones in order with the reason those above were passed over; the award
   notice is issued and the budget savings recorded.
4. ``written_report_submit`` — within 15 days, to the supervising department (tenders).
5. ``contract_register`` — within 30 days of the notice, its key terms matching the award; the
   bid securities become due back with interest within 5 days.

Each is the tenderer's act (招标人定标), done by a user who manages the project; every step is
one transaction with its audit entry and its event to the public and supervision platforms.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.evaluation import selectors
from zhengwu.contexts.evaluation.events import (
    AwardDecided,
    CandidatesPublished,
    ContractRegistered,
    WrittenReportSubmitted,
)
from zhengwu.contexts.evaluation.models import Award, Contract, Evaluation, Publicity
from zhengwu.contexts.evaluation.rules import DISQUALIFICATION_LABELS, Outcome
from zhengwu.contexts.evaluation.rules.award import PASS_OVER_LABELS, award_check, periods_for
from zhengwu.contexts.experts import selectors as experts_selectors
from zhengwu.contexts.identity import selectors as identity_selectors
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.contexts.tendering import services as tendering_services
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.money import money_to_fen
from zhengwu.kernel.workdays import period_deadline
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.workdays.selectors import calendar_get

logger = logging.getLogger(__name__)

REPORT_TEXT_MAX = 20_000
TERM_MAX = 200
TEXT_MAX = 300
NUMBER_MAX = 60

_SYSTEM = Actor.system("evaluation")


def _iso(value: dt.datetime) -> str:
    return value.astimezone(CHINA_TZ).isoformat()


def _last_day(bound: dt.datetime) -> str:
    """The last day (Beijing) of a period whose exclusive end is ``bound``: what a deadline is called."""
    return (bound - dt.timedelta(microseconds=1)).astimezone(CHINA_TZ).date().isoformat()


def _section(evaluation: Evaluation) -> Any:
    return tendering_selectors.section_get_by_code(code=evaluation.section_code)


def _manager_required(evaluation: Evaluation, by: Actor, *, what: str) -> Any:
    section = _section(evaluation)
    if by.is_system or not tendering_selectors.can_manage(project=section.project, by=by):
        raise PermissionDenied(f"只有招标人或招标代理机构可以{what}", code="outcome_denied", detail={"action": what})
    return section


def _locked(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


def _complete(evaluation: Evaluation) -> dict[str, Any]:
    if evaluation.status != Evaluation.Status.COMPLETE or evaluation.result is None:
        raise Conflict("评标报告尚未由全体成员签署", code="report_incomplete")
    return dict(evaluation.result)


def _bids_by_id(evaluation: Evaluation) -> dict[str, bidding_selectors.OpenedBid]:
    return {b.bid_id: b for b in bidding_selectors.opened_bids_for_evaluation(section_code=evaluation.section_code)}


def _securities_owed(evaluation: Evaluation, section: Any, *, reason: str, due_at: dt.datetime) -> None:
    owed = []
    for bid in _bids_by_id(evaluation).values():
        # Money paid is returned with interest; a bank guarantee (保函) is released, not refunded.
        if bid.security_status != "paid":
            continue
        try:
            organisation = identity_selectors.organisation_get(uscc=bid.bidder_uscc)
        except NotFound:
            continue  # a bidder no longer registered is paid by hand; the opening record names it
        owed.append(
            tendering_services.SecurityOwed(
                bid_id=bid.bid_id, organisation_id=organisation.pk, organisation_name=bid.bidder
            )
        )
    tendering_services.bid_securities_owed(section=section, owed=owed, reason=reason, due_at=due_at, by=_SYSTEM)


def _period_end(start: dt.date, days: int, *, working: bool) -> dt.datetime:
    """The exclusive end of a period after the award. These dates are the law's limits, recorded and
    shown (a late act is marked late, never refused); so where the work calendar does not hold the
    year yet (an award in December), the unrolled last day is kept — the earliest the limit can be —
    instead of refusing the award (``calendar_year_missing``)."""
    calendar = calendar_get()
    try:
        last = calendar.workday_period_last_day(start, days) if working else calendar.period_last_day(start, days)
    except InvalidInput as exc:
        if exc.code != "calendar_year_missing":
            raise
        logger.warning(
            "evaluation: %s; the period after %s is counted without next year's holidays", exc.message, start
        )
        last = start + dt.timedelta(days=days)
        if working:  # Monday to Friday, without the holidays the calendar does not hold yet
            last, left = start, days
            while left:
                last += dt.timedelta(days=1)
                left -= last.weekday() < 5
    return period_deadline(last)


# --- 1. the report completes ---------------------------------------------------------------------


def report_completed(*, evaluation: Evaluation, result: Any, digest: str, now: dt.datetime) -> None:
    """Keep the signed result of a (locked) evaluation; a failed outcome fails the section.

    Called by ``report_sign`` inside the last signature's transaction. 招标投标法 第四十二条 and
    政府采购法 第三十六条: when every bid is rejected (or procurement keeps fewer than three), the
    section fails and is tendered again; the bid securities are owed back at once.
    """
    evaluation.result = selectors.result_plain(result)
    evaluation.result_digest = digest
    evaluation.save(update_fields=["result", "result_digest"])
    if result.outcome == Outcome.FAILED:
        section = _section(evaluation)
        tendering_services.section_evaluation_failed(section=section, by=_SYSTEM)
        periods = periods_for(section.project.trade_type)
        due = _period_end(now.astimezone(CHINA_TZ).date(), periods.security_days, working=periods.security_working_days)
        _securities_owed(evaluation, section, reason="section_failed", due_at=due)


# --- 2. the candidates' publicity ----------------------------------------------------------------


def _rejected_rows(evaluation: Evaluation, result: Mapping[str, Any]) -> list[dict[str, Any]]:
    bids = _bids_by_id(evaluation)
    rows = []
    for line in result["bids"]:
        verdict = line.get("disqualification")
        if verdict:
            rows.append(
                {
                    "bidder": bids[line["bid_id"]].bidder,
                    "reason": verdict["reason"],
                    "reason_label": DISQUALIFICATION_LABELS.get(verdict["reason"], verdict["reason"]),
                    "note": verdict.get("note", ""),
                }
            )
    return rows


def _publishable(result: Mapping[str, Any]) -> None:
    outcome = result["outcome"]
    if outcome == Outcome.TIE_UNRESOLVED:
        raise Conflict("中标候选人并列且评标办法未能区分，须由评标委员会确定后方可公示", code="tie_unresolved")
    if outcome == Outcome.FAILED or not result["candidates"]["bid_ids"]:
        raise Conflict("所有投标被否决，应当重新招标", code="no_candidates")


def candidates_publish(*, evaluation: Evaluation, ends_on: dt.date | None = None, by: Actor) -> Publicity:
    """Publish the winning candidates for the publicity period (the tenderer or its agency).

    From now until the end of ``ends_on`` (default: the earliest lawful last day, 3 days for
    tenders — 招标条例 第五十四条). Only for procedures that publish candidates; after a complete
    report whose outcome has candidates. The event carries the candidates, the bids rejected with
    their reasons, the committee's names (secret until now) and the expert draw's full record.
    """
    section = _manager_required(evaluation, by, what="公示中标候选人")
    if not tendering_services.publicity_required(section=section):
        raise Conflict("该交易方式不公示中标候选人，评标后直接确定中标（成交）供应商", code="publicity_not_applicable")
    now = clock_now()
    with transaction.atomic():
        locked = _locked(evaluation)
        result = _complete(locked)
        _publishable(result)
        if Publicity.objects.filter(evaluation=locked).exists():
            raise Conflict("中标候选人已公示", code="publicity_exists")
        last_day = ends_on or tendering_services.publicity_plan(section=section, start=now)
        late = tendering_services.section_candidates_publish(
            section=section, start=now, ends_on=last_day, report_received_at=locked.completed_at or now, by=_SYSTEM
        )
        candidates = selectors.candidate_rows(evaluation=locked)
        publicity = Publicity.objects.create(
            evaluation=locked,
            starts_at=now,
            ends_at=tendering_services.publicity_ends_at(ends_on=last_day),
            late=late,
            candidates=candidates,
            published_by_username=by.username,
        )
        draw = experts_selectors.draw_record_published(section_code=locked.section_code)
        outbox_publish(
            event=CandidatesPublished(
                section_code=locked.section_code,
                project_code=locked.project_code,
                section_name=section.name,
                method=str(locked.method.get("kind", "")),
                outcome=result["outcome"],
                starts_at=_iso(now),
                ends_at=_iso(publicity.ends_at),
                candidates=[{k: v for k, v in row.items() if k != "bid_id"} for row in candidates],
                rejected=_rejected_rows(locked, result),
                committee=[
                    {"name": m.name, "leader": m.is_leader, "kind": m.kind}
                    for m in selectors.members(evaluation=locked)
                ],
                result_digest=locked.result_digest,
                draw_record=draw,
            )
        )
        audit_append(
            actor=by,
            action="evaluation.candidates.publish",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={
                "starts_at": _iso(now),
                "ends_at": _iso(publicity.ends_at),
                "late": late,
                "candidates": [row["bid_id"] for row in candidates],
            },
        )
    return publicity


# --- 3. the award --------------------------------------------------------------------------------


def _notice_number(section_code: str) -> str:
    return f"{section_code}-ZB"


def award_decide(
    *, evaluation: Evaluation, bid_id: str, passed_over: Mapping[str, str] | None = None, by: Actor
) -> Award:
    """Decide the winner and issue the award notice (the tenderer or its agency).

    The winner is the first-ranked candidate, or a later one in order when each one above it is
    recorded with why it does not qualify (``rules.award.award_check``; 招标条例 第五十五条). Where
    the candidates were published, only after the publicity has ended with no objection unanswered
    (checked by tendering when the section moves to ``awarded``). Records the budget savings (预算金额 − 中标金额)
    and the dates by which the contract (30 days) and the written report (15 days) are due.
    """
    section = _manager_required(evaluation, by, what="确定中标人")
    passed = {str(k): str(v) for k, v in (passed_over or {}).items()}
    now = clock_now()
    with transaction.atomic():
        locked = _locked(evaluation)
        result = _complete(locked)
        _publishable(result)
        if Award.objects.filter(evaluation=locked).exists():
            raise Conflict("中标人已确定", code="award_exists")
        publicity = Publicity.objects.filter(evaluation=locked).first()
        if tendering_services.publicity_required(section=section):
            if publicity is None:
                raise Conflict("中标候选人尚未公示", code="publicity_missing")
            rows = list(publicity.candidates)
        else:
            rows = selectors.candidate_rows(evaluation=locked)
        order = [row["bid_id"] for row in rows]
        violations = award_check(candidates=order, chosen=str(bid_id), passed_over=passed)
        if violations:
            first = violations[0]
            raise Conflict(
                first.message,
                code=first.code,
                detail={**first.detail, "article": first.article, "violations": [v.code for v in violations]},
            )
        tendering_services.section_award_record(section=section, by=_SYSTEM)
        chosen = rows[order.index(str(bid_id))]
        periods = periods_for(section.project.trade_type)
        today = now.astimezone(CHINA_TZ).date()
        budget = int(section.estimate_fen)
        award = Award.objects.create(
            evaluation=locked,
            bid_id=chosen["bid_id"],
            bidder=chosen["bidder"],
            bidder_uscc=chosen["uscc"],
            rank=chosen["rank"],
            price_fen=chosen["price_fen"],
            budget_fen=budget,
            savings_fen=budget - chosen["price_fen"],
            passed_over=[
                {
                    "rank": row["rank"],
                    "bidder": row["bidder"],
                    "reason": passed[row["bid_id"]],
                    "reason_label": PASS_OVER_LABELS[passed[row["bid_id"]]],
                }
                for row in rows
                if row["bid_id"] in passed
            ],
            notice_number=_notice_number(locked.section_code),
            decided_at=now,
            decided_by_username=by.username,
            contract_due=_period_end(today, periods.contract_days, working=False),
            report_due=_period_end(today, periods.report_days, working=False) if periods.report_days else None,
        )
        outbox_publish(
            event=AwardDecided(
                section_code=locked.section_code,
                project_code=locked.project_code,
                section_name=section.name,
                bidder=award.bidder,
                uscc=award.bidder_uscc,
                rank=award.rank,
                price_fen=award.price_fen,
                budget_fen=award.budget_fen,
                savings_fen=award.savings_fen,
                notice_number=award.notice_number,
                decided_at=_iso(now),
                passed_over=list(award.passed_over),
                contract_due=_last_day(award.contract_due),
                report_due=_last_day(award.report_due) if award.report_due else "",
            )
        )
        audit_append(
            actor=by,
            action="evaluation.award.decide",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={
                "bid": award.bid_id,
                "rank": award.rank,
                "price_fen": award.price_fen,
                "savings_fen": award.savings_fen,
                "passed_over": award.passed_over,
                "notice": award.notice_number,
            },
        )
    return award


def _award_of(evaluation: Evaluation) -> Award:
    award = Award.objects.filter(evaluation=evaluation).first()
    if award is None:
        raise Conflict("尚未确定中标人", code="award_missing")
    return award


# --- 4. the written report -----------------------------------------------------------------------


def written_report_submit(*, evaluation: Evaluation, text: str, by: Actor) -> Award:
    """Submit the written report on the tender to the supervising department (the tenderer or its agency).

    招标投标法 第四十七条: within 15 days of deciding the winner. A late report is accepted and
    recorded as late. Submitted once.
    """
    section = _manager_required(evaluation, by, what="提交书面报告")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("请填写书面报告内容", code="report_text_required", detail={"field": "text"})
    if len(text) > REPORT_TEXT_MAX:
        raise InvalidInput(
            f"书面报告不得超过{REPORT_TEXT_MAX}字", code="report_text_too_long", detail={"field": "text"}
        )
    now = clock_now()
    with transaction.atomic():
        locked = _locked(evaluation)
        award = Award.objects.select_for_update().filter(evaluation=locked).first()
        if award is None:
            raise Conflict("尚未确定中标人", code="award_missing")
        if award.report_due is None:
            raise Conflict("该交易方式不提交招标投标情况书面报告", code="report_not_applicable")
        if award.report_submitted_at is not None:
            raise Conflict("书面报告已提交", code="report_submitted")
        award.report_text = text
        award.report_submitted_at = now
        award.report_submitted_by_username = by.username
        award.save(update_fields=["report_text", "report_submitted_at", "report_submitted_by_username"])
        late = now >= award.report_due
        outbox_publish(
            event=WrittenReportSubmitted(
                section_code=locked.section_code,
                project_code=locked.project_code,
                section_name=section.name,
                tenderer=section.project.owner_name,
                winner=award.bidder,
                price_fen=award.price_fen,
                text=text,
                submitted_at=_iso(now),
                due=_last_day(award.report_due),
                late=late,
            )
        )
        audit_append(
            actor=by,
            action="evaluation.written_report.submit",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"late": late, "length": len(text)},
        )
    return award


# --- 5. the contract -----------------------------------------------------------------------------


def _text(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{label}", code=f"{field}_required", detail={"field": field})
    if len(value) > max_length:
        raise InvalidInput(f"{label}不得超过{max_length}字", code=f"{field}_too_long", detail={"field": field})
    return value


def contract_register(
    *,
    evaluation: Evaluation,
    number: str,
    signed_on: dt.date,
    amount_yuan: str,
    subject: str,
    quality: str,
    term: str,
    by: Actor,
) -> Contract:
    """Register the written contract with the winner and its key terms (the tenderer or its agency).

    招标投标法 第四十六条 and 招标条例 第五十七条: the contract's subject, price, quality and term agree
    with the tender documents and the winning bid — the price must equal the award
    (``contract_price_differs``); signed within 30 days of the notice (a later one is registered
    and marked late). The bid securities of every bidder become due back, with the bank's interest,
    within 5 days of signing (``tendering`` refunds).
    """
    section = _manager_required(evaluation, by, what="登记合同")
    number = _text(number, field="number", label="合同编号", max_length=NUMBER_MAX)
    subject = _text(subject, field="subject", label="合同标的", max_length=TEXT_MAX)
    quality = _text(quality, field="quality", label="质量要求", max_length=TEXT_MAX)
    term = _text(term, field="term", label="履行期限", max_length=TERM_MAX)
    try:
        amount_fen = money_to_fen(amount_yuan)
    except InvalidInput as exc:
        exc.detail = {**exc.detail, "field": "amount"}
        raise
    if not isinstance(signed_on, dt.date):
        raise InvalidInput("请填写签订日期", code="signed_on_required", detail={"field": "signed_on"})
    now = clock_now()
    today = now.astimezone(CHINA_TZ).date()
    if signed_on > today:
        raise InvalidInput("签订日期不能晚于今天", code="signed_on_future", detail={"field": "signed_on"})
    with transaction.atomic():
        locked = _locked(evaluation)
        award = _award_of(locked)
        if Contract.objects.filter(award=award).exists():
            raise Conflict("合同已登记", code="contract_exists")
        if signed_on < award.decided_at.astimezone(CHINA_TZ).date():
            raise InvalidInput(
                "签订日期不能早于中标通知书发出之日", code="signed_on_before_award", detail={"field": "signed_on"}
            )
        if amount_fen != award.price_fen:
            raise InvalidInput(
                "合同价款应当与中标价一致（《招标投标法》第四十六条、《招标投标法实施条例》第五十七条）",
                code="contract_price_differs",
                detail={"field": "amount", "award_fen": award.price_fen, "given_fen": amount_fen},
            )
        periods = periods_for(section.project.trade_type)
        security_due = _period_end(signed_on, periods.security_days, working=periods.security_working_days)
        late = period_deadline(signed_on) > award.contract_due
        contract = Contract.objects.create(
            award=award,
            number=number,
            subject=subject,
            amount_fen=amount_fen,
            quality=quality,
            term=term,
            signed_on=signed_on,
            late=late,
            security_return_due=security_due,
            registered_at=now,
            registered_by_username=by.username,
        )
        tendering_services.section_contract_record(section=section, by=_SYSTEM)
        _securities_owed(locked, section, reason="contract_signed", due_at=security_due)
        outbox_publish(
            event=ContractRegistered(
                section_code=locked.section_code,
                project_code=locked.project_code,
                section_name=section.name,
                contract_number=number,
                supplier=award.bidder,
                supplier_uscc=award.bidder_uscc,
                subject=subject,
                amount_fen=amount_fen,
                quality=quality,
                term=term,
                signed_on=signed_on.isoformat(),
                registered_at=_iso(now),
                late=late,
                security_return_due=_last_day(security_due),
            )
        )
        audit_append(
            actor=by,
            action="evaluation.contract.register",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"number": number, "amount_fen": amount_fen, "signed_on": signed_on.isoformat(), "late": late},
        )
    return contract
