"""Reads of the evaluation room: the one gatekeeper of who sees what.

- The room, the opened bids (read-out and files) and the score sheets are for the members of
  THIS section's committee only (``member_for``); anyone else — an expert of another section,
  the bidders, the tenderer, the agency, the public — gets NotFound, as if the room did not exist.
- Centre staff and regulators see the room's progress (``progress_for``): who has marked and
  submitted, never a score or a mark, and the report once the committee has signed it.
- A member sees another member's sheet only once every member has submitted theirs (independent
  scoring: no member can adjust to another's numbers, 招标条例 第四十九条 "客观、公正"); their own
  always. Others' compliance marks are not shown, only the committee's decision once all are in.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from decimal import Decimal
from typing import Any

from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.evaluation.config import coefficient_options, method_build, method_items
from zhengwu.contexts.evaluation.models import (
    Adjustment,
    Award,
    ComplianceMark,
    Contract,
    Evaluation,
    FlagAnswer,
    Member,
    Publicity,
    Sheet,
    Signature,
)
from zhengwu.contexts.evaluation.review import Mark, compliance_decide
from zhengwu.contexts.evaluation.rules import (
    BidEntry,
    DeviationFlag,
    Disqualification,
    EvaluationResult,
    PriceAdjustment,
    ScoreSheet,
    SmeStatus,
    evaluation_compute,
)
from zhengwu.contexts.experts import selectors as experts_selectors
from zhengwu.contexts.identity import selectors as identity_selectors
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import NotFound

OVERSIGHT_ROLES = (Role.CENTRE_STAFF, Role.REGULATOR)


def _not_found() -> NotFound:
    return NotFound("评标室不存在", code="evaluation_not_found")


def evaluation_get(*, section_code: str) -> Evaluation | None:
    return Evaluation.objects.filter(section_code=(section_code or "").strip()).first()


def oversees(*, by: Actor) -> bool:
    return not by.is_system and by.has_role(*OVERSIGHT_ROLES)


def member_for(*, evaluation: Evaluation | None, by: Actor) -> Member:
    """The caller's seat on this committee — the gatekeeper of the room; NotFound for anyone else.

    An expert sits by their expert record; a tenderer's representative by their own user account.
    """
    if evaluation is None or by.is_system:
        raise _not_found()
    member = None
    if by.has_role(Role.EXPERT):
        expert_id = experts_selectors.expert_id_own(by=by)
        member = evaluation.members.filter(expert_id=expert_id, kind=Member.Kind.EXPERT).first() if expert_id else None
    if member is None and by.user_id is not None:
        member = evaluation.members.filter(kind=Member.Kind.REPRESENTATIVE, user_id=by.user_id).first()
    if member is None:
        raise _not_found()
    return member


def members(*, evaluation: Evaluation) -> list[Member]:
    return list(evaluation.members.order_by("id"))


def bids_for(*, evaluation: Evaluation) -> list[bidding_selectors.OpenedBid]:
    """The section's opened bids (call only behind ``member_for``)."""
    return bidding_selectors.opened_bids_for_evaluation(section_code=evaluation.section_code)


# --- compliance review ---------------------------------------------------------------------------


def marks_own(*, member: Member) -> dict[str, ComplianceMark]:
    return {m.bid_id: m for m in member.marks.all()}


def review_complete(*, evaluation: Evaluation, bid_ids: list[str] | None = None) -> bool:
    """Whether every member has marked every opened bid."""
    ids = bid_ids if bid_ids is not None else [b.bid_id for b in bids_for(evaluation=evaluation)]
    count = evaluation.members.count()
    done = ComplianceMark.objects.filter(member__evaluation=evaluation, bid_id__in=ids).count()
    return bool(ids) and done == count * len(ids)


def decisions(*, evaluation: Evaluation, bid_ids: list[str]) -> dict[str, Disqualification | None]:
    """The committee's decision per bid (majority, ``review.compliance_decide``); meaningful once complete."""
    count = evaluation.members.count()
    marks: dict[str, list[Mark]] = {bid_id: [] for bid_id in bid_ids}
    for row in ComplianceMark.objects.filter(member__evaluation=evaluation).order_by("member_id"):
        if row.bid_id in marks:
            marks[row.bid_id].append(Mark(row.compliant, row.reason, row.note))
    return {bid_id: compliance_decide(marks=found, members=count) for bid_id, found in marks.items()}


def valid_bid_ids(*, evaluation: Evaluation) -> list[str] | None:
    """The bids the committee found compliant, in opening order; None while the review is open."""
    ids = [b.bid_id for b in bids_for(evaluation=evaluation)]
    if not review_complete(evaluation=evaluation, bid_ids=ids):
        return None
    verdicts = decisions(evaluation=evaluation, bid_ids=ids)
    return [bid_id for bid_id in ids if verdicts[bid_id] is None]


# --- score sheets --------------------------------------------------------------------------------


def sheet_own(*, member: Member) -> Sheet | None:
    return Sheet.objects.filter(member=member).first()


def sheets_all_submitted(*, evaluation: Evaluation) -> bool:
    return Sheet.objects.filter(member__evaluation=evaluation, submitted_at__isnull=False).count() == (
        evaluation.members.count()
    )


def sheet_of(*, evaluation: Evaluation, expert_id: str, by: Actor) -> Sheet:
    """A member's sheet as ``by`` may read it: their own always, another's only once all are submitted.

    NotFound otherwise (the same answer whether the sheet exists or not).
    """
    reader = member_for(evaluation=evaluation, by=by)
    sheet = Sheet.objects.select_related("member").filter(member__evaluation=evaluation, member__expert_id=expert_id)
    found = sheet.first()
    if found is None:
        raise NotFound("评分表不存在", code="sheet_not_found")
    if found.member_id != reader.pk and not sheets_all_submitted(evaluation=evaluation):
        raise NotFound("评分表不存在", code="sheet_not_found")
    return found


# --- the result and the report -------------------------------------------------------------------


def _sme(readout: dict[str, Any]) -> str:
    # The bidder's SME declaration (中小企业声明函) as read out; anything else counts as none.
    value = str(readout.get("sme", ""))
    return value if value in SmeStatus.__members__.values() else SmeStatus.NONE.value


def _entries(
    evaluation: Evaluation, bids: list[bidding_selectors.OpenedBid], verdicts: dict[str, Disqualification | None]
) -> list[BidEntry]:
    adjustments: dict[str, list[PriceAdjustment]] = {}
    for row in Adjustment.objects.filter(evaluation=evaluation):
        adjustments.setdefault(row.bid_id, []).append(PriceAdjustment(row.code, row.amount_fen, row.reason))
    # A two-envelope bid whose commercial envelope could not be opened has no price: the opening
    # deemed that envelope revoked or withdrawn, and such a bid is not evaluated (as at a single
    # opening); its technical marks stay on the record.
    return [
        BidEntry(
            bid_id=b.bid_id,
            price_fen=b.readout["price_fen"],
            sme=_sme(b.readout),
            disqualification=verdicts[b.bid_id],
            adjustments=tuple(adjustments.get(b.bid_id, ())),
        )
        for b in bids
        if isinstance(b.readout.get("price_fen"), int)
    ]


def adjustments(*, evaluation: Evaluation) -> list[Adjustment]:
    """The committee's price adjustments (经评审的最低投标价法), for the members and the report."""
    return list(Adjustment.objects.filter(evaluation=evaluation))


def coefficient_for(*, evaluation: Evaluation) -> Decimal | None:
    """The coefficient K of a base price that uses one, drawn from the section's published bid freeze.

    K = options[SHA-256("zhengwu-K|" ‖ section code ‖ "|" ‖ freeze root) mod n], over the values
    the method allows (low, low + step, …, high). The freeze root is public from the deadline and
    depends on every bid's commitment, so nobody — bidder, host or platform — knows K before the
    bids are in, and anyone can recompute it from the published root. None when the method has no
    coefficient or the section has no freeze.
    """
    options = coefficient_options(evaluation.method)
    if not options:
        return None
    freeze = bidding_selectors.freeze_public(section=tendering_selectors.section_get(uuid=evaluation.section_uuid))
    if freeze is None:
        return None
    seed = f"zhengwu-K|{evaluation.section_code}|{freeze.root}".encode()
    return options[int.from_bytes(hashlib.sha256(seed).digest(), "big") % len(options)]


def commercial_pending(*, evaluation: Evaluation) -> bool:
    """Whether a two-envelope section still waits for its commercial opening round."""
    return any(b.commercial_pending for b in bids_for(evaluation=evaluation))


def result_for(*, evaluation: Evaluation) -> EvaluationResult | None:
    """The committee's result (``rules.evaluation_compute``) once every sheet is submitted (or the
    review rejected every bid); None before.

    Recomputed from the stored marks and sheets on each call: the inputs are locked by then, and
    the same inputs always give the same result.
    """
    # The opened bids are read once here (each read merges the opening rounds).
    bids = bids_for(evaluation=evaluation)
    if any(b.commercial_pending for b in bids):
        return None
    ids = [b.bid_id for b in bids]
    if not review_complete(evaluation=evaluation, bid_ids=ids):
        return None
    verdicts = decisions(evaluation=evaluation, bid_ids=ids)
    valid = [bid_id for bid_id in ids if verdicts[bid_id] is None]
    method = method_build(evaluation.method)
    # Every bid rejected in the review, or a method without scores: the result stands without sheets.
    scored = bool(method_items(method))
    if valid and scored and not sheets_all_submitted(evaluation=evaluation):
        return None
    sheets = [
        ScoreSheet(expert_id=sheet.member.expert_id, bid_id=bid_id, scores=scores)
        for sheet in Sheet.objects.filter(member__evaluation=evaluation).select_related("member")
        for bid_id, scores in sheet.scores.items()
    ]
    return evaluation_compute(
        method=method,
        bids=_entries(evaluation, bids, verdicts),
        sheets=sheets,
        coefficient=coefficient_for(evaluation=evaluation),
    )


def result_plain(value: Any) -> Any:
    """A result (or any part of it) as plain JSON: dataclasses as dicts, decimals as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: result_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): result_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [result_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def result_digest(result: EvaluationResult) -> str:
    """The digest (intl suite, SHA-256) of the result's canonical JSON: what each member signs."""
    body = json.dumps(result_plain(result), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return suite_get("intl").hexdigest(body.encode("utf-8"))


def _flag_key(expert_id: str, bid_id: str, item_code: str | None, score: Decimal) -> tuple[str, str, str, str]:
    return (expert_id, bid_id, item_code or "", str(score))


def flags_unanswered(*, evaluation: Evaluation, result: EvaluationResult) -> list[DeviationFlag]:
    """The deviation flags of ``result`` that their member has neither confirmed nor revised away."""
    answered = {
        (a.member.expert_id, a.bid_id, a.item_code, a.score)
        for a in FlagAnswer.objects.filter(member__evaluation=evaluation).select_related("member")
    }
    return [f for f in result.deviation_flags if _flag_key(f.expert_id, f.bid_id, f.item_code, f.score) not in answered]


def signatures(*, evaluation: Evaluation) -> dict[int, Signature]:
    return {s.member_id: s for s in Signature.objects.filter(member__evaluation=evaluation)}


@dataclasses.dataclass(frozen=True)
class Progress:
    members: int
    marked: dict[str, int]  # member name → bids marked
    submitted: list[str]
    signed: list[str]
    leader: str


def progress_for(*, evaluation: Evaluation) -> Progress:
    """Who has done what, without a single mark or score (for staff, regulators and members)."""
    rows = members(evaluation=evaluation)
    signed = signatures(evaluation=evaluation)
    submitted = set(
        Sheet.objects.filter(member__evaluation=evaluation, submitted_at__isnull=False).values_list(
            "member_id", flat=True
        )
    )
    return Progress(
        members=len(rows),
        marked={m.name: m.marks.count() for m in rows},
        submitted=[m.name for m in rows if m.pk in submitted],
        signed=[m.name for m in rows if m.pk in signed],
        leader=next((m.name for m in rows if m.is_leader), ""),
    )


def bid_file_open(*, evaluation: Evaluation, bid_id: str, index: int, by: Actor) -> tuple[Any, Any]:
    """One opened bid's file for a member of the committee (file info, open stream); every download audited.

    NotFound for anyone else, and for a bid or file that is not this section's.
    """
    member = member_for(evaluation=evaluation, by=by)
    info, stream = bidding_selectors.opened_bid_file_open(
        section_code=evaluation.section_code, bid_id=bid_id, index=index
    )
    from zhengwu.platform.audit.services import audit_append

    audit_append(
        actor=by,
        action="evaluation.bid_file.download",
        object_type="evaluation.evaluation",
        object_id=evaluation.section_code,
        after={"member": member.expert_id, "bid": bid_id, "file": info.name, "digest": info.digest},
    )
    return info, stream


# --- after the report ----------------------------------------------------------------------------


def outcome_visible(*, section: Any, by: Actor) -> bool:
    """Who reads a section's steps after the report before they are public: the tenderer or its
    agency, centre staff and regulators (the public reads the public platform)."""
    return not by.is_system and (oversees(by=by) or tendering_selectors.can_manage(project=section.project, by=by))


@dataclasses.dataclass(frozen=True)
class OutcomeView:
    """A section's evaluation, publicity, award and contract as far as they exist."""

    evaluation: Evaluation | None
    publicity: Publicity | None
    award: Award | None
    contract: Contract | None


def outcome_for(*, section: Any, by: Actor) -> OutcomeView:
    """The steps after the report of ``section``; NotFound ``outcome_not_found`` for anyone who may not read them."""
    if not outcome_visible(section=section, by=by):
        raise NotFound("标段不存在", code="outcome_not_found")
    evaluation = evaluation_get(section_code=section.code)
    publicity = Publicity.objects.filter(evaluation=evaluation).first() if evaluation else None
    award = Award.objects.filter(evaluation=evaluation).first() if evaluation else None
    contract = Contract.objects.filter(award=award).first() if award else None
    return OutcomeView(evaluation=evaluation, publicity=publicity, award=award, contract=contract)


def candidate_rows(*, evaluation: Evaluation) -> list[dict[str, Any]]:
    """The ranked candidates of the signed result: rank, bid, bidder, USCC, price, score ([] before
    the report is complete or when it has none)."""
    result = evaluation.result if evaluation.status == Evaluation.Status.COMPLETE else None
    if not result:
        return []
    bids = {b.bid_id: b for b in bids_for(evaluation=evaluation)}
    lines = {line["bid_id"]: line for line in result["bids"]}
    return [
        {
            "rank": rank,
            "bid_id": bid_id,
            "bidder": bids[bid_id].bidder,
            "uscc": bids[bid_id].bidder_uscc,
            "price_fen": int(lines[bid_id]["price_fen"]),
            "score": lines[bid_id].get("total_score"),
        }
        for rank, bid_id in enumerate(result["candidates"]["bid_ids"], start=1)
    ]


def award_get(*, evaluation: Evaluation) -> Award | None:
    return Award.objects.filter(evaluation=evaluation).first()


def award_notice_readable(*, award: Award, section: Any, by: Actor) -> bool:
    """The award notice: the tenderer's side, centre staff, regulators, and the winner itself."""
    if outcome_visible(section=section, by=by):
        return True
    if by.is_system or by.organisation_id is None:
        return False
    try:
        organisation = identity_selectors.organisation_get_by_id(organisation_id=by.organisation_id)
    except NotFound:
        return False
    return bool(organisation.uscc) and organisation.uscc == award.bidder_uscc
