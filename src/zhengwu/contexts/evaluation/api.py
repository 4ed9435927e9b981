"""The trading API of the evaluation room (评标室), mounted at ``/trading/api/evaluation/``.

What an expert's client does in the room: read the room as the caller may see it, mark a bid's
compliance, read and save one's own score sheet (a draft keeps exactly what was typed), submit
it, and sign the report. The API decides nothing: each write is one service in
``evaluation.services``, and who sees what is ``selectors.member_for`` — the members of THIS
section's committee; centre staff and regulators see the progress only (never a mark or a score);
everyone else gets 404 ``evaluation_not_found``, as if the room did not exist.

Authentication: the session (ninja checks CSRF on writes) or a personal API token
(``Authorization: Bearer zwt_…``). Every refusal is a ZhengwuError that the API base turns into
``{code, message, detail}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from ninja.security import django_auth

from zhengwu.contexts.evaluation import selectors, services
from zhengwu.contexts.evaluation.models import ComplianceMark, Evaluation, Member, Sheet, Signature
from zhengwu.contexts.evaluation.notice_pdf import award_notice_of, award_notice_pdf
from zhengwu.contexts.evaluation.rules import EvaluationResult
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.contexts.tendering import services as tendering_services
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import NotFound


def _actor(request: HttpRequest) -> Actor:
    """The fully signed-in actor of the request (session or API token)."""
    return actor_for(user=getattr(request, "auth", None) or request.user, request=request)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(CHINA_TZ) if value is not None else None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _evaluation(code: str) -> Evaluation:
    found = selectors.evaluation_get(section_code=code)
    if found is None:
        raise NotFound("评标室不存在", code="evaluation_not_found")
    return found


# --- schemas -------------------------------------------------------------------------------------


class MemberOut(Schema):
    expert_id: str
    name: str
    leader: bool
    own: bool


class MarkOut(Schema):
    bid_id: str
    compliant: bool
    reason: str
    note: str
    marked_at: dt.datetime


class BidOut(Schema):
    bid_id: str
    position: int
    bidder: str
    price_fen: int | None
    readout: dict[str, Any]
    files: list[dict[str, Any]]
    # The caller's own mark; the committee's decision once every member has marked every bid.
    my_mark: MarkOut | None
    decision: dict[str, Any] | None


class ProgressOut(Schema):
    members: int
    marked: dict[str, int]
    submitted: list[str]
    signed: list[str]
    leader: str


class SignatureOut(Schema):
    name: str
    agrees: bool
    dissent: str
    result_digest: str
    signed_at: dt.datetime


class RoomOut(Schema):
    section_code: str
    project_code: str
    status: str
    method: dict[str, Any]
    # "member" (works in the room) or "oversight" (progress only: no bid, mark or score).
    view: str
    progress: ProgressOut
    members: list[MemberOut] | None = None
    bids: list[BidOut] | None = None
    review_complete: bool | None = None
    my_sheet_submitted: bool | None = None
    result: dict[str, Any] | None = None
    signatures: list[SignatureOut] | None = None


class MarkIn(Schema):
    bid_id: str
    compliant: bool
    reason: str = ""
    note: str = ""


class SheetIn(Schema):
    scores: dict[str, dict[str, Any]]


class SubmitIn(Schema):
    # Omitted: submit the saved draft as it stands.
    scores: dict[str, dict[str, Any]] | None = None


class SignIn(Schema):
    agrees: bool
    dissent: str = ""


class SheetOut(Schema):
    expert_id: str
    name: str
    scores: dict[str, dict[str, str]]
    updated_at: dt.datetime | None
    submitted_at: dt.datetime | None
    # What is wrong or missing (own draft only; empty once submitted or for another's sheet).
    problems: list[dict[str, Any]]


def _mark_out(mark: ComplianceMark) -> MarkOut:
    return MarkOut(
        bid_id=mark.bid_id,
        compliant=mark.compliant,
        reason=mark.reason,
        note=mark.note,
        marked_at=_local(mark.marked_at) or mark.marked_at,
    )


def _sheet_out(evaluation: Evaluation, member: Member, sheet: Sheet | None, *, own: bool) -> SheetOut:
    problems = []
    if own and sheet is not None and sheet.submitted_at is None:
        problems = [p.as_dict() for p in services.sheet_problems(evaluation=evaluation, sheet=sheet)]
    return SheetOut(
        expert_id=member.expert_id,
        name=member.name,
        scores=sheet.scores if sheet is not None else {},
        updated_at=_local(sheet.updated_at) if sheet is not None else None,
        submitted_at=_local(sheet.submitted_at) if sheet is not None else None,
        problems=problems,
    )


def _signature_out(member: Member, signature: Signature) -> SignatureOut:
    return SignatureOut(
        name=member.name,
        agrees=signature.agrees,
        dissent=signature.dissent,
        result_digest=signature.result_digest,
        signed_at=_local(signature.signed_at) or signature.signed_at,
    )


def _result_out(result: EvaluationResult) -> dict[str, Any]:
    return {
        "method": result.method,
        "outcome": result.outcome,
        "outcome_article": result.outcome_article,
        "candidates": list(result.candidates.bid_ids),
        "tie": list(result.candidates.tie),
        "bids": [
            {
                "bid_id": b.bid_id,
                "price_fen": b.price_fen,
                "rejected": b.disqualification.reason if b.disqualification else None,
                "price_score": _text(b.price.score) if b.price else None,
                "technical_score": _text(b.technical_score),
                "commercial_score": _text(b.commercial_score),
                "total_score": _text(b.total_score),
                "rank": b.rank,
            }
            for b in result.bids
        ],
        "deviation_flags": [
            {
                "expert_id": f.expert_id,
                "bid_id": f.bid_id,
                "item_code": f.item_code,
                "score": _text(f.score),
                "committee_mean": _text(f.committee_mean),
                "deviation": _text(f.deviation),
                "limit": _text(f.limit),
            }
            for f in result.deviation_flags
        ],
        "digest": selectors.result_digest(result),
    }


def _progress_out(evaluation: Evaluation) -> ProgressOut:
    progress = selectors.progress_for(evaluation=evaluation)
    return ProgressOut(
        members=progress.members,
        marked=progress.marked,
        submitted=progress.submitted,
        signed=progress.signed,
        leader=progress.leader,
    )


def _room_out(evaluation: Evaluation, member: Member) -> RoomOut:
    bids = selectors.bids_for(evaluation=evaluation)
    ids = [b.bid_id for b in bids]
    marks = selectors.marks_own(member=member)
    complete = selectors.review_complete(evaluation=evaluation, bid_ids=ids)
    verdicts = selectors.decisions(evaluation=evaluation, bid_ids=ids) if complete else {}
    rows = selectors.members(evaluation=evaluation)
    signed = selectors.signatures(evaluation=evaluation)
    sheet = selectors.sheet_own(member=member)
    result = selectors.result_for(evaluation=evaluation)
    out_bids = []
    for b in bids:
        price = b.readout.get("price_fen")
        verdict = verdicts.get(b.bid_id)
        out_bids.append(
            BidOut(
                bid_id=b.bid_id,
                position=b.position,
                bidder=b.bidder,
                price_fen=price if isinstance(price, int) and not isinstance(price, bool) else None,
                readout=b.readout,
                files=[{"index": f.index, "name": f.name, "size": f.size} for f in b.files],
                my_mark=_mark_out(marks[b.bid_id]) if b.bid_id in marks else None,
                decision=(
                    None
                    if not complete
                    else {"compliant": verdict is None, "reason": verdict.reason if verdict else None}
                ),
            )
        )
    return RoomOut(
        section_code=evaluation.section_code,
        project_code=evaluation.project_code,
        status=evaluation.status,
        method=evaluation.method,
        view="member",
        progress=_progress_out(evaluation),
        members=[
            MemberOut(expert_id=m.expert_id, name=m.name, leader=m.is_leader, own=m.pk == member.pk) for m in rows
        ],
        bids=out_bids,
        review_complete=complete,
        my_sheet_submitted=sheet is not None and sheet.submitted_at is not None,
        result=_result_out(result) if result is not None else None,
        signatures=[_signature_out(m, signed[m.pk]) for m in rows if m.pk in signed],
    )


# --- the router ----------------------------------------------------------------------------------


# --- after the report ------------------------------------------------------------------------------


class FlagIn(Schema):
    bid_id: str
    item_code: str = ""
    reason: str


class AdjustmentIn(Schema):
    bid_id: str
    code: str
    amount: str
    reason: str


class AdjustmentOut(Schema):
    bid_id: str
    code: str
    amount_fen: int
    reason: str


class PublicityOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    late: bool
    candidates: list[dict[str, Any]]


class AwardOut(Schema):
    bid_id: str
    bidder: str
    bidder_uscc: str
    rank: int
    price_fen: int
    budget_fen: int
    savings_fen: int
    passed_over: list[dict[str, Any]]
    notice_number: str
    decided_at: dt.datetime
    contract_due: dt.datetime
    report_due: dt.datetime | None
    report_submitted_at: dt.datetime | None


class ContractOut(Schema):
    number: str
    subject: str
    amount_fen: int
    quality: str
    term: str
    signed_on: dt.date
    late: bool
    security_return_due: dt.datetime
    registered_at: dt.datetime


class OutcomeOut(Schema):
    section_code: str
    section_status: str
    report_complete: bool
    outcome: str | None
    candidates: list[dict[str, Any]]
    publicity_required: bool
    publicity: PublicityOut | None
    award: AwardOut | None
    contract: ContractOut | None


class PublicityIn(Schema):
    ends_on: dt.date | None = None


class AwardIn(Schema):
    bid_id: str
    passed_over: dict[str, str] | None = None


class ReportIn(Schema):
    text: str


class ContractIn(Schema):
    number: str
    signed_on: dt.date
    amount: str
    subject: str
    quality: str
    term: str


def _outcome(code: str, actor: Actor) -> tuple[Any, selectors.OutcomeView]:
    section = tendering_selectors.section_get_by_code(code=code)
    return section, selectors.outcome_for(section=section, by=actor)


def _outcome_out(section: Any, view: selectors.OutcomeView) -> OutcomeOut:
    evaluation = view.evaluation
    complete = evaluation is not None and evaluation.status == Evaluation.Status.COMPLETE and bool(evaluation.result)
    outcome = str((evaluation.result or {}).get("outcome")) if complete and evaluation is not None else None
    if view.publicity is not None:
        candidates = list(view.publicity.candidates)
    elif complete and evaluation is not None and outcome not in ("failed", "tie_unresolved"):
        candidates = selectors.candidate_rows(evaluation=evaluation)
    else:
        candidates = []
    award, contract, publicity = view.award, view.contract, view.publicity
    return OutcomeOut(
        section_code=section.code,
        section_status=section.status,
        report_complete=complete,
        outcome=outcome,
        candidates=candidates,
        publicity_required=tendering_services.publicity_required(section=section),
        publicity=PublicityOut(
            starts_at=_local(publicity.starts_at),  # type: ignore[arg-type]
            ends_at=_local(publicity.ends_at),  # type: ignore[arg-type]
            late=publicity.late,
            candidates=list(publicity.candidates),
        )
        if publicity
        else None,
        award=AwardOut(
            bid_id=award.bid_id,
            bidder=award.bidder,
            bidder_uscc=award.bidder_uscc,
            rank=award.rank,
            price_fen=award.price_fen,
            budget_fen=award.budget_fen,
            savings_fen=award.savings_fen,
            passed_over=list(award.passed_over),
            notice_number=award.notice_number,
            decided_at=_local(award.decided_at),  # type: ignore[arg-type]
            contract_due=_local(award.contract_due),  # type: ignore[arg-type]
            report_due=_local(award.report_due),
            report_submitted_at=_local(award.report_submitted_at),
        )
        if award
        else None,
        contract=ContractOut(
            number=contract.number,
            subject=contract.subject,
            amount_fen=contract.amount_fen,
            quality=contract.quality,
            term=contract.term,
            signed_on=contract.signed_on,
            late=contract.late,
            security_return_due=_local(contract.security_return_due),  # type: ignore[arg-type]
            registered_at=_local(contract.registered_at),  # type: ignore[arg-type]
        )
        if contract
        else None,
    )


def _outcome_act(code: str, actor: Actor) -> tuple[Any, Evaluation]:
    section, view = _outcome(code, actor)
    if view.evaluation is None:
        raise NotFound("评标室不存在", code="evaluation_not_found")
    return section, view.evaluation


def router_build(*, platform: str) -> Router | None:
    """The evaluation room's API (trading platform only)."""
    if platform != "trading":
        return None
    router = Router(tags=["evaluation"], auth=django_auth)

    @router.get("/sections/{code}/room", response=RoomOut, summary="The evaluation room, as the caller may see it")
    def room(request: HttpRequest, code: str) -> RoomOut:
        """Members: the room (bids, own marks, decisions, result, signatures). Staff and regulators:
        the progress only, and the signatures once the report is complete. Anyone else: 404."""
        actor = _actor(request)
        evaluation = _evaluation(code)
        if selectors.oversees(by=actor):
            rows = {m.pk: m for m in selectors.members(evaluation=evaluation)}
            # The report (signatures, dissent) once every member has signed; the names in progress before.
            complete = evaluation.status == Evaluation.Status.COMPLETE
            signed = selectors.signatures(evaluation=evaluation) if complete else {}
            return RoomOut(
                section_code=evaluation.section_code,
                project_code=evaluation.project_code,
                status=evaluation.status,
                method=evaluation.method,
                view="oversight",
                progress=_progress_out(evaluation),
                signatures=[_signature_out(rows[pk], s) for pk, s in signed.items() if pk in rows],
            )
        return _room_out(evaluation, selectors.member_for(evaluation=evaluation, by=actor))

    @router.post("/sections/{code}/compliance", response={201: MarkOut}, summary="Mark a bid's compliance")
    def compliance(request: HttpRequest, code: str, payload: MarkIn) -> Status[MarkOut]:
        mark = services.compliance_mark(
            evaluation=_evaluation(code),
            bid_id=payload.bid_id,
            compliant=payload.compliant,
            reason=payload.reason,
            note=payload.note,
            by=_actor(request),
        )
        return Status(201, _mark_out(mark))

    @router.get("/sections/{code}/sheet", response=SheetOut, summary="My score sheet (draft or submitted)")
    def sheet_get(request: HttpRequest, code: str) -> SheetOut:
        evaluation = _evaluation(code)
        member = selectors.member_for(evaluation=evaluation, by=_actor(request))
        return _sheet_out(evaluation, member, selectors.sheet_own(member=member), own=True)

    @router.put("/sections/{code}/sheet", response=SheetOut, summary="Save my score sheet as a draft")
    def sheet_put(request: HttpRequest, code: str, payload: SheetIn) -> SheetOut:
        """Saved exactly as typed, wrong or missing values included; ``problems`` says what to fix."""
        actor = _actor(request)
        evaluation = _evaluation(code)
        sheet = services.sheet_save(evaluation=evaluation, scores=payload.scores, by=actor)
        return _sheet_out(evaluation, sheet.member, sheet, own=True)

    @router.post("/sections/{code}/sheet/submit", response=SheetOut, summary="Submit my score sheet (locks it)")
    def sheet_submit(request: HttpRequest, code: str, payload: SubmitIn) -> SheetOut:
        """Refused (``score_*`` codes, every problem in ``detail.problems``, the draft kept) while any
        score is wrong or missing."""
        actor = _actor(request)
        evaluation = _evaluation(code)
        scores = payload.scores
        if scores is None:
            own = selectors.sheet_own(member=selectors.member_for(evaluation=evaluation, by=actor))
            scores = own.scores if own is not None else {}
        sheet = services.sheet_submit(evaluation=evaluation, scores=scores, by=actor)
        return _sheet_out(evaluation, sheet.member, sheet, own=True)

    @router.get("/sections/{code}/sheets/{expert_id}", response=SheetOut, summary="A member's score sheet")
    def sheet_of(request: HttpRequest, code: str, expert_id: str) -> SheetOut:
        """One's own always; another member's only once every member has submitted (404 before)."""
        actor = _actor(request)
        evaluation = _evaluation(code)
        reader = selectors.member_for(evaluation=evaluation, by=actor)
        sheet = selectors.sheet_of(evaluation=evaluation, expert_id=expert_id, by=actor)
        return _sheet_out(evaluation, sheet.member, sheet, own=sheet.member_id == reader.pk)

    @router.post("/sections/{code}/sign", response={201: SignatureOut}, summary="Sign the evaluation report")
    def sign(request: HttpRequest, code: str, payload: SignIn) -> Status[SignatureOut]:
        """A member who disagrees must write the dissent (``dissent_required``)."""
        signature = services.report_sign(
            evaluation=_evaluation(code), agrees=payload.agrees, dissent=payload.dissent, by=_actor(request)
        )
        return Status(201, _signature_out(signature.member, signature))

    @router.post("/sections/{code}/flags/confirm", response={201: dict[str, Any]}, summary="Confirm a flagged score")
    def flag_confirm(request: HttpRequest, code: str, payload: FlagIn) -> Status[dict[str, Any]]:
        """A member confirms one of their scores flagged beyond the deviation limit, with reasons."""
        answer = services.flag_confirm(
            evaluation=_evaluation(code),
            bid_id=payload.bid_id,
            item_code=payload.item_code,
            reason=payload.reason,
            by=_actor(request),
        )
        return Status(201, {"bid_id": answer.bid_id, "item_code": answer.item_code, "score": answer.score})

    @router.post("/sections/{code}/sheet/reopen", response=SheetOut, summary="Reopen my flagged score sheet")
    def sheet_reopen(request: HttpRequest, code: str) -> SheetOut:
        """Only a member with a flagged score, before anyone signs (``sheet_not_flagged``, ``report_signing``)."""
        evaluation = _evaluation(code)
        sheet = services.sheet_reopen(evaluation=evaluation, by=_actor(request))
        return _sheet_out(evaluation, sheet.member, sheet, own=True)

    @router.post("/sections/{code}/adjustments", response={201: AdjustmentOut | None}, summary="Record an adjustment")
    def adjustment(request: HttpRequest, code: str, payload: AdjustmentIn) -> Status[AdjustmentOut | None]:
        """The leader records a price adjustment (经评审的最低投标价法); amount "0" removes it (returns null)."""
        row = services.adjustment_record(
            evaluation=_evaluation(code),
            bid_id=payload.bid_id,
            code=payload.code,
            amount_yuan=payload.amount,
            reason=payload.reason,
            by=_actor(request),
        )
        out = (
            AdjustmentOut(bid_id=row.bid_id, code=row.code, amount_fen=row.amount_fen, reason=row.reason)
            if row
            else None
        )
        return Status(201, out)

    @router.get("/sections/{code}/outcome", response=OutcomeOut, summary="The steps after the report")
    def outcome(request: HttpRequest, code: str) -> OutcomeOut:
        """Candidates, publicity, award and contract of a section: the tenderer or its agency, centre
        staff and regulators (404 ``outcome_not_found`` for anyone else)."""
        return _outcome_out(*_outcome(code, _actor(request)))

    @router.post("/sections/{code}/outcome/publicity", response={201: OutcomeOut}, summary="Publish the candidates")
    def outcome_publicity(request: HttpRequest, code: str, payload: PublicityIn) -> Status[OutcomeOut]:
        """For at least 3 days (``publicity_period_short``); ``ends_on`` defaults to the earliest lawful last day."""
        actor = _actor(request)
        _, evaluation = _outcome_act(code, actor)
        services.candidates_publish(evaluation=evaluation, ends_on=payload.ends_on, by=actor)
        return Status(201, _outcome_out(*_outcome(code, actor)))

    @router.post("/sections/{code}/outcome/award", response={201: OutcomeOut}, summary="Decide the winner")
    def outcome_award(request: HttpRequest, code: str, payload: AwardIn) -> Status[OutcomeOut]:
        """The first-ranked candidate, or a later one with ``passed_over`` {bid id: reason} for each above
        (``award_order``); after the publicity (``publicity_not_ended``), never while an objection is
        unanswered (``section_suspended``)."""
        actor = _actor(request)
        _, evaluation = _outcome_act(code, actor)
        services.award_decide(evaluation=evaluation, bid_id=payload.bid_id, passed_over=payload.passed_over, by=actor)
        return Status(201, _outcome_out(*_outcome(code, actor)))

    @router.post("/sections/{code}/outcome/written-report", response={201: OutcomeOut}, summary="Submit the report")
    def outcome_report(request: HttpRequest, code: str, payload: ReportIn) -> Status[OutcomeOut]:
        actor = _actor(request)
        _, evaluation = _outcome_act(code, actor)
        services.written_report_submit(evaluation=evaluation, text=payload.text, by=actor)
        return Status(201, _outcome_out(*_outcome(code, actor)))

    @router.post("/sections/{code}/outcome/contract", response={201: OutcomeOut}, summary="Register the contract")
    def outcome_contract(request: HttpRequest, code: str, payload: ContractIn) -> Status[OutcomeOut]:
        """The price must equal the award (``contract_price_differs``); the bid securities become due back."""
        actor = _actor(request)
        _, evaluation = _outcome_act(code, actor)
        services.contract_register(
            evaluation=evaluation,
            number=payload.number,
            signed_on=payload.signed_on,
            amount_yuan=payload.amount,
            subject=payload.subject,
            quality=payload.quality,
            term=payload.term,
            by=actor,
        )
        return Status(201, _outcome_out(*_outcome(code, actor)))

    @router.get("/sections/{code}/outcome/notice.pdf", summary="The award notice (PDF)")
    def outcome_notice(request: HttpRequest, code: str) -> HttpResponse:
        """The tenderer's side, centre staff, regulators and the winner; 404 ``award_not_found`` otherwise."""
        actor = _actor(request)
        section = tendering_selectors.section_get_by_code(code=code)
        evaluation = selectors.evaluation_get(section_code=section.code)
        award = selectors.award_get(evaluation=evaluation) if evaluation else None
        if award is None or not selectors.award_notice_readable(award=award, section=section, by=actor):
            raise NotFound("中标通知书不存在", code="award_not_found")
        response = HttpResponse(award_notice_pdf(notice=award_notice_of(award=award, section=section)))
        response["Content-Type"] = "application/pdf"
        response["Content-Disposition"] = f'attachment; filename="award-notice-{section.code}.pdf"'
        return response

    return router
