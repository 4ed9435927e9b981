"""Public read API of the public platform: ``GET /api/disclosure/subjects``, ``…/notices``, a
section's ``…/sections/{code}/freeze``, ``…/sections/{code}/opening-record`` and, after the
evaluation, ``…/candidates``, ``…/award`` and ``…/contract``; ``POST …/inclusion-proofs/check``;
and ``GET …/statistics``."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from zhengwu.contexts.disclosure.models import (
    AwardResult,
    BidFreeze,
    CandidatePublicity,
    ContractRecord,
    Notice,
    OpeningRecord,
)
from zhengwu.contexts.disclosure.selectors import (
    MAX_PROOF_CHARS,
    award_result_get,
    bid_freeze_get,
    candidate_publicity_get,
    contract_record_get,
    inclusion_proof_check,
    market_subject_page,
    notice_amended_by,
    notice_get,
    notice_page,
    opening_record_get,
)
from zhengwu.contexts.disclosure.statistics import (
    CountGroup,
    TradeGroup,
    district_name,
    statistics_get,
    statistics_query_parse,
)
from zhengwu.contexts.disclosure.upward.api import upward_routes_add
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.money import money_from_fen

# The UTF-8 of the longest proof text the check accepts.
MAX_PROOF_BYTES = 4 * MAX_PROOF_CHARS


class SubjectOut(Schema):
    uscc: str
    name: str
    status: str
    market_roles: list[str]
    region_code: str
    version: int
    updated_at: dt.datetime


class SubjectPageOut(Schema):
    items: list[SubjectOut]
    total: int
    page: int
    size: int
    pages: int


class NoticeOut(Schema):
    notice_id: uuid.UUID
    kind: str
    trade_type: str
    procedure: str
    project_code: str
    project_name: str
    section_codes: list[str]
    title: str
    body: str
    tenderer_name: str
    agency_name: str
    region_code: str
    budget_fen: int | None
    published_at: dt.datetime
    bid_deadline: dt.datetime | None
    opening_at: dt.datetime | None
    references_notice_id: uuid.UUID | None
    attachments: list[dict[str, Any]]
    opening_keys: list[dict[str, str]]
    received_at: dt.datetime


class NoticeDetailOut(NoticeOut):
    amended_by: list[uuid.UUID]


class NoticePageOut(Schema):
    items: list[NoticeOut]
    # Exact up to 1,000; beyond that ``total_capped`` is true and ``total`` is a lower bound.
    total: int
    total_capped: bool
    page: int
    size: int
    pages: int
    has_next: bool


def _notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut.model_validate(notice, from_attributes=True)


class FreezeOut(Schema):
    section: str
    deadline: dt.datetime
    frozen_at: dt.datetime
    leaf_count: int
    root: str
    # The statement exactly as the trading platform signed it, its signature and key id.
    body: str
    signature: str
    key_id: str
    received_at: dt.datetime


class OpeningRecordOut(Schema):
    section: str
    round: int
    project_code: str
    recorded_at: dt.datetime
    bid_count: int
    opened_count: int
    revoked_count: int
    withdrawn_count: int
    objection_count: int
    freeze_root: str
    # The record parsed, and exactly as signed (verify ``signature`` over ``body``'s UTF-8 bytes).
    record: dict[str, Any]
    body: str
    digest: str
    signature: str
    key_id: str
    received_at: dt.datetime


class ProofCheckOut(Schema):
    section: str
    matches: bool
    included: bool
    problems: list[str]
    index: int
    tree_size: int
    root: str
    leaf_count: int
    frozen_at: dt.datetime


def _freeze_out(freeze: BidFreeze) -> FreezeOut:
    return FreezeOut(
        section=freeze.section_code,
        deadline=freeze.deadline,
        frozen_at=freeze.frozen_at,
        leaf_count=freeze.leaf_count,
        root=freeze.root,
        body=freeze.body,
        signature=freeze.signature,
        key_id=freeze.key_id,
        received_at=freeze.received_at,
    )


def _opening_record_out(record: OpeningRecord) -> OpeningRecordOut:
    return OpeningRecordOut(
        section=record.section_code,
        round=record.round,
        project_code=record.project_code,
        recorded_at=record.recorded_at,
        bid_count=record.bid_count,
        opened_count=record.opened_count,
        revoked_count=record.revoked_count,
        withdrawn_count=record.withdrawn_count,
        objection_count=record.objection_count,
        freeze_root=record.freeze_root,
        record=record.record,
        body=record.body,
        digest=record.digest,
        signature=record.signature,
        key_id=record.key_id,
        received_at=record.received_at,
    )


def router_build(*, platform: str) -> Router | None:
    """The disclosure router; only the public platform publishes it."""
    if platform != "public":
        return None
    router = Router(tags=["disclosure"])

    @router.get("/subjects", response=SubjectPageOut, auth=None, summary="Verified market subjects")
    def subjects(
        request: HttpRequest, q: str = "", role: str | None = None, page: int = 1, size: int = 20
    ) -> SubjectPageOut:
        """Verified market subjects, by name or code (``q``) and market role (``role``), paged."""
        result = market_subject_page(q=q, role=role, page=page, size=size)
        return SubjectPageOut(
            items=[SubjectOut.model_validate(s, from_attributes=True) for s in result.items],
            total=result.total,
            page=result.page,
            size=result.size,
            pages=result.pages,
        )

    @router.get("/notices", response=NoticePageOut, auth=None, summary="Published notices")
    def notices(
        request: HttpRequest,
        q: str = "",
        trade_type: str | None = None,
        procedure: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        region: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        page: int = 1,
        size: int = 20,
    ) -> NoticePageOut:
        """Published notices, newest first: full text (``q``: every word in the title, project,
        parties or text), trade type, procedure, kind, status of the trade (open, closed,
        publicity, awarded, failed, terminated), region (six digits, includes the regions
        inside it) and Beijing dates of publication (``date_from``/``date_to``, inclusive), paged."""
        result = notice_page(
            q=q,
            trade_type=trade_type or None,
            procedure=procedure or None,
            kind=kind or None,
            status=status or None,
            region=region or None,
            date_from=date_from,
            date_to=date_to,
            page=page,
            size=size,
        )
        return NoticePageOut(
            items=[_notice_out(n) for n in result.items],
            total=result.total,
            total_capped=result.capped,
            page=result.page,
            size=result.size,
            pages=result.pages,
            has_next=result.has_next,
        )

    @router.get("/notices/{notice_id}", response=NoticeDetailOut, auth=None, summary="One published notice")
    def notice(request: HttpRequest, notice_id: str) -> NoticeDetailOut:
        """One notice, with the notices that amend it (directly or through another amendment)."""
        found = notice_get(notice_id=notice_id)
        return NoticeDetailOut(
            **_notice_out(found).model_dump(),
            amended_by=[n.notice_id for n in notice_amended_by(notice=found)],
        )

    @router.get("/sections/{code}/freeze", response=FreezeOut, auth=None, summary="A section's bid freeze")
    def freeze(request: HttpRequest, code: str) -> FreezeOut:
        """The signed Merkle root of the section's bids at the deadline, once published."""
        found = bid_freeze_get(section_code=code)
        if found is None:
            raise NotFound("该标段的投标尚未封存", code="disclosure_freeze_not_found", detail={"section": code[:100]})
        return _freeze_out(found)

    @router.get(
        "/sections/{code}/opening-record", response=OpeningRecordOut, auth=None, summary="A section's opening record"
    )
    def opening_record(request: HttpRequest, code: str, round: int | None = None) -> OpeningRecordOut:
        """The section's signed opening record (开标记录), once published: of ``round`` (a two-envelope
        tender has two), else the latest."""
        found = opening_record_get(section_code=code, round=round)
        if found is None:
            raise NotFound(
                "该标段的开标记录尚未公布", code="disclosure_opening_record_not_found", detail={"section": code[:100]}
            )
        return _opening_record_out(found)

    @router.post("/inclusion-proofs/check", response=ProofCheckOut, auth=None, summary="Check an inclusion proof")
    def inclusion_proof(request: HttpRequest) -> ProofCheckOut:
        """Check the JSON body (what ``GET /trading/api/bidding/receipts/{id}/proof`` returns)
        against the freeze published here: ``matches`` is true only if the receipt is a leaf of
        the published root and the proof is for the published tree."""
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > MAX_PROOF_BYTES:
            # Refused before reading: a body past Django's upload limit would otherwise be a 500.
            raise InvalidInput("证明过大", code="disclosure_proof_invalid", detail={"field": "proof"})
        result = inclusion_proof_check(proof=request.body.decode("utf-8", errors="replace"))
        return ProofCheckOut(
            section=result.section_code,
            matches=result.matches,
            included=result.included,
            problems=list(result.problems),
            index=result.index,
            tree_size=result.tree_size,
            root=result.freeze.root,
            leaf_count=result.freeze.leaf_count,
            frozen_at=result.freeze.frozen_at,
        )

    _results_routes_add(router)
    _statistics_routes_add(router)
    # The upward push: the higher-level platform's upload endpoint and the sync report.
    upward_routes_add(router)
    return router


# After the evaluation: the candidates, the award, the contract ---------------------------------


class CandidatesOut(Schema):
    section: str
    project_code: str
    section_name: str
    method: str
    outcome: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    # ``[{"rank", "bidder", "uscc", "price_fen", "score"}]`` in rank order, as the trading platform sent them.
    candidates: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    committee: list[dict[str, Any]]
    result_digest: str
    # The expert draw's full record, for ``zhengwu experts verify-draw``; None when the panel was not drawn here.
    draw_record: dict[str, Any] | None
    received_at: dt.datetime


class AwardOut(Schema):
    section: str
    project_code: str
    section_name: str
    bidder: str
    uscc: str
    rank: int
    price_fen: int
    budget_fen: int
    savings_fen: int
    notice_number: str
    decided_at: dt.datetime
    passed_over: list[dict[str, Any]]
    contract_due: dt.date
    received_at: dt.datetime


class ContractOut(Schema):
    section: str
    project_code: str
    section_name: str
    contract_number: str
    supplier: str
    supplier_uscc: str
    subject: str
    amount_fen: int
    quality: str
    term: str
    signed_on: dt.date
    registered_at: dt.datetime
    late: bool
    security_return_due: dt.date | None
    received_at: dt.datetime


def _candidates_out(found: CandidatePublicity) -> CandidatesOut:
    return CandidatesOut(
        section=found.section_code,
        project_code=found.project_code,
        section_name=found.section_name,
        method=found.method,
        outcome=found.outcome,
        starts_at=found.starts_at,
        ends_at=found.ends_at,
        candidates=found.candidates,
        rejected=found.rejected,
        committee=found.committee,
        result_digest=found.result_digest,
        draw_record=found.draw_record,
        received_at=found.received_at,
    )


def _award_out(found: AwardResult) -> AwardOut:
    return AwardOut(
        section=found.section_code,
        project_code=found.project_code,
        section_name=found.section_name,
        bidder=found.bidder,
        uscc=found.uscc,
        rank=found.rank,
        price_fen=found.price_fen,
        budget_fen=found.budget_fen,
        savings_fen=found.savings_fen,
        notice_number=found.notice_number,
        decided_at=found.decided_at,
        passed_over=found.passed_over,
        contract_due=found.contract_due,
        received_at=found.received_at,
    )


def _contract_out(found: ContractRecord) -> ContractOut:
    return ContractOut(
        section=found.section_code,
        project_code=found.project_code,
        section_name=found.section_name,
        contract_number=found.contract_number,
        supplier=found.supplier,
        supplier_uscc=found.supplier_uscc,
        subject=found.subject,
        amount_fen=found.amount_fen,
        quality=found.quality,
        term=found.term,
        signed_on=found.signed_on,
        registered_at=found.registered_at,
        late=found.late,
        security_return_due=found.security_return_due,
        received_at=found.received_at,
    )


def _results_routes_add(router: Router) -> None:
    @router.get("/sections/{code}/candidates", response=CandidatesOut, auth=None, summary="A section's candidates")
    def candidates(request: HttpRequest, code: str) -> CandidatesOut:
        """The section's winning candidates under publicity (中标候选人公示), with the rejected bids,
        the committee and the expert draw's record, once published."""
        found = candidate_publicity_get(section_code=code)
        if found is None:
            raise NotFound(
                "该标段的中标候选人尚未公示", code="candidates_not_published", detail={"section": code[:100]}
            )
        return _candidates_out(found)

    @router.get("/sections/{code}/award", response=AwardOut, auth=None, summary="A section's result notice")
    def award(request: HttpRequest, code: str) -> AwardOut:
        """The section's result (中标结果公告): winner, price, budget and savings, once published."""
        found = award_result_get(section_code=code)
        if found is None:
            raise NotFound("该标段的中标结果尚未公告", code="award_not_published", detail={"section": code[:100]})
        return _award_out(found)

    @router.get("/sections/{code}/contract", response=ContractOut, auth=None, summary="A section's contract")
    def contract(request: HttpRequest, code: str) -> ContractOut:
        """The section's registered contract and its key terms, once published; ``late`` when it was
        registered more than 30 days after the award notice."""
        found = contract_record_get(section_code=code)
        if found is None:
            raise NotFound("该标段的合同尚未公开", code="contract_not_published", detail={"section": code[:100]})
        return _contract_out(found)


# Statistics --------------------------------------------------------------------------------------


class TradeGroupOut(Schema):
    # A trade type code, a Beijing month (YYYY-MM) or a region code; "" when unknown.
    key: str
    count: int
    # Yuan, exact to the fen (sent as strings): the award prices, the budgets, their difference.
    value: Decimal
    budget: Decimal
    savings: Decimal
    # Savings as a percentage of the budget, two decimals; None without a budget.
    savings_rate: Decimal | None


class DistrictTradesOut(TradeGroupOut):
    name: str


class CountOut(Schema):
    key: str
    count: int


class DistrictCountOut(CountOut):
    name: str


class NoticeMonthOut(Schema):
    month: str
    by_type: dict[str, int]
    total: int


class StatisticsOut(Schema):
    year: int
    trade_type: str | None
    months: list[str]
    trades: TradeGroupOut
    trades_by_type: list[TradeGroupOut]
    trades_by_month: list[TradeGroupOut]
    trades_by_district: list[DistrictTradesOut]
    notices_by_month: list[NoticeMonthOut]
    subjects_total: int
    subjects_by_role: list[CountOut]
    subjects_by_district: list[DistrictCountOut]
    # Subjects listed now, by the month they were first listed; those listed before that was recorded.
    subjects_first_listed_by_month: list[CountOut]
    subjects_first_listed_unknown: int


def _trades_out(group: TradeGroup) -> dict[str, Any]:
    return {
        "key": group.key,
        "count": group.count,
        "value": money_from_fen(group.price_fen),
        "budget": money_from_fen(group.budget_fen),
        "savings": money_from_fen(group.savings_fen),
        "savings_rate": group.savings_rate,
    }


def _counts_out(groups: tuple[CountGroup, ...]) -> list[CountOut]:
    return [CountOut(key=g.key, count=g.count) for g in groups]


def _statistics_routes_add(router: Router) -> None:
    @router.get("/statistics", response=StatisticsOut, auth=None, summary="Public statistics")
    def statistics(request: HttpRequest, year: str = "", trade_type: str = "") -> StatisticsOut:
        """Trades (awarded sections) by trade type, Beijing month and district with their value and
        budget savings, notices published by month and type, and listed market subjects — for
        ``year`` (default: this year) and optionally one ``trade_type``. Amounts in yuan, as strings."""
        found = statistics_get(query=statistics_query_parse(year=year[:40], trade_type=trade_type[:40]))
        return StatisticsOut(
            year=found.query.year,
            trade_type=found.query.trade_type,
            months=list(found.months),
            trades=TradeGroupOut(**_trades_out(found.trades_total)),
            trades_by_type=[TradeGroupOut(**_trades_out(g)) for g in found.trades_by_type],
            trades_by_month=[TradeGroupOut(**_trades_out(g)) for g in found.trades_by_month],
            trades_by_district=[
                DistrictTradesOut(**_trades_out(g), name=district_name(g.key)) for g in found.trades_by_district
            ],
            notices_by_month=[
                NoticeMonthOut(month=m.month, by_type=m.by_type, total=m.total) for m in found.notices_by_month
            ],
            subjects_total=found.subjects_total,
            subjects_by_role=_counts_out(found.subjects_by_role),
            subjects_by_district=[
                DistrictCountOut(key=g.key, count=g.count, name=district_name(g.key))
                for g in found.subjects_by_district
            ],
            subjects_first_listed_by_month=_counts_out(found.subjects_by_month),
            subjects_first_listed_unknown=found.subjects_listed_unknown,
        )
