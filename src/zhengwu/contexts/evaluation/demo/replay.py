"""The replay of the concluded demo tender: every step a service call by its actor, at its instant.

The caller runs ``replay`` in one transaction and gives the clock back afterwards, whatever
happens (``clock_reset`` in ``finally``).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zhengwu.contexts.bidding import custody
from zhengwu.contexts.bidding import opening as ceremony
from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.bidding.sealing import ROLE_BIDDER, SealInput, bid_seal, sealed_header_read, share_unwrap
from zhengwu.contexts.bidding.services import (
    bid_upload_chunk,
    bid_upload_commit,
    bid_upload_start,
    bidder_key_register,
    bids_freeze,
)
from zhengwu.contexts.bidding.tool import readout_build
from zhengwu.contexts.evaluation import selectors
from zhengwu.contexts.evaluation import services as evaluation_services
from zhengwu.contexts.evaluation.demo import story
from zhengwu.contexts.evaluation.demo.people import bidder_key_is, expert_account_ensure, uscc_of
from zhengwu.contexts.experts import selectors as experts_selectors
from zhengwu.contexts.experts.services import assignment_answer, section_draw_commit, section_draw_perform
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.contexts.tendering import services as tendering_services
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.crypto import AgreementKey, SigningKey
from zhengwu.kernel.money import money_from_fen
from zhengwu.platform.exchange.relay import relay_run_once

at, DEADLINE = story.at, story.DEADLINE


@dataclass(frozen=True)
class Cast:
    """Who acts in the replay, and the keys the bidders and the agency's custodian hold."""

    staff: Actor
    tenderer: Actor
    agency: Actor
    regulator: Actor
    bidders: dict[str, Actor]
    keys: dict[str, tuple[SigningKey, AgreementKey]]
    custody_key: AgreementKey


def relay_all() -> None:
    """Deliver what is due now between the platforms (the standalone exchange, in process)."""
    for _ in range(100):
        if not relay_run_once().limit_reached:
            return


def _section(code: str) -> Any:
    return tendering_selectors.section_get_by_code(code=code)


def _tender(cast: Cast) -> Any:
    """The agency registers, documents and drafts the tender, staff approve, it is published;
    the bidders obtain the documents."""
    agency = cast.agency
    clock_set(at(7, 27, 10))
    project = tendering_services.project_register(
        name=story.PROJECT_NAME,
        procedure="construction.open",
        funding_source="区级财政资金",
        budget_yuan=story.BUDGET_YUAN,
        region_code="530111",
        industry_code="E48",
        tenderer_uscc=uscc_of(cast.tenderer),
        by=agency,
    )
    section = tendering_services.section_add(
        project=project,
        name=story.SECTION_NAME,
        estimate_yuan=story.ESTIMATE_YUAN,
        bid_security_yuan=story.SECURITY_YUAN,
        by=agency,
    )
    clock_set(at(7, 27, 15, 20))
    tendering_services.document_upload(
        project=project,
        section=section,
        name="招标文件.txt",
        content=story.TENDER_DOCUMENT.encode(),
        content_type="text/plain; charset=utf-8",
        by=agency,
    )
    clock_set(at(7, 28, 15))
    notice = tendering_services.notice_draft(
        project=project,
        kind="tender",
        title=f"{story.PROJECT_NAME}招标公告",
        body=story.NOTICE_BODY,
        sections=[section],
        doc_issue_end=story.DOC_ISSUE_END,
        bid_deadline=DEADLINE,
        by=agency,
    )
    clock_set(at(7, 30, 10, 15))
    notice = tendering_services.notice_approve(notice=notice, comment=story.APPROVAL_COMMENT, by=cast.staff)
    clock_set(story.PUBLISHED)
    tendering_services.notice_publish(notice=notice, by=agency)
    relay_all()  # the supervision platform receives its share of the opening key
    for n, username in enumerate(story.BIDDERS):
        clock_set(at(8, 4 + n % 4, 9 + n, 20))
        tendering_services.document_obtain(section=_section(section.code), by=cast.bidders[username])
    return _section(section.code)


def _bids(cast: Cast, section: Any) -> dict[str, bytes]:
    """Each bidder registers its key if need be, seals its bid and submits it; returns the sealed bytes."""
    opening_public = base64.b64decode(bidding_selectors.opening_keys_public(section=section)[0].public)
    sealed: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for n, bid in enumerate(story.BIDS):
            bidder = cast.bidders[bid.username]
            signing, agreement = cast.keys[bid.username]
            clock_set(bid.sent_at - dt.timedelta(minutes=12))
            if not bidder_key_is(bidding_selectors.bidder_key_own(by=bidder), signing):
                bidder_key_register(
                    signing_public=signing.public.to_b64(),
                    agreement_public=base64.b64encode(agreement.public_raw).decode("ascii"),
                    by=bidder,
                )
            letter, plan = folder / f"{n}-letter.txt", folder / f"{n}-plan.txt"
            letter.write_text(story.bid_letter(bid, bidder=bidder.organisation_name), encoding="utf-8")
            plan.write_text(story.PLAN_TEXT, encoding="utf-8")
            out = io.BytesIO()
            commitment = bid_seal(
                files=[SealInput("投标函.txt", str(letter)), SealInput("施工组织设计.txt", str(plan))],
                readout=readout_build(
                    price=bid.price_yuan,
                    duration_days=bid.duration_days,
                    quality="合格",
                    personnel=[f"项目经理：{bid.manager}"],
                    extra=None,
                ),
                section=section.code,
                envelope="single",
                bidder=uscc_of(bidder),
                signing_key=signing,
                opening_public=opening_public,
                bidder_public=agreement.public_raw,
                out=out,
                chunk_size=4096,
            )
            clock_set(bid.sent_at)
            data = out.getvalue()
            upload = bid_upload_start(
                section=section, envelope="single", size=len(data), digest=commitment.digest, by=bidder
            )
            bid_upload_chunk(upload=upload, offset=0, data=data, by=bidder)
            bid_upload_commit(upload=upload, by=bidder)
            sealed[bid.username] = data  # a replaced bid's bytes give way to the new one's
    return sealed


def _opening(cast: Cast, section: Any, sealed: dict[str, bytes]) -> None:
    """The online opening at the deadline: freeze, shares, decryption, read-out, an objection, the record."""
    # Imported here: the supervision context is installed wherever this runs (the caller checks).
    from zhengwu.contexts.supervision.selectors import held_shares
    from zhengwu.contexts.supervision.services import held_share_release

    agency = cast.agency

    def current() -> Any:
        return bidding_selectors.opening_get(section=section)

    clock_set(DEADLINE)
    bids_freeze(section=section, by=Actor.system("bidding"))
    relay_all()  # the freeze reaches the supervision platform
    clock_set(DEADLINE + dt.timedelta(minutes=1))
    ceremony.opening_start(section=_section(section.code), by=agency)
    # The agency's officer decrypts its share with its custody key and hands it in.
    clock_set(DEADLINE + dt.timedelta(minutes=3))
    for row in bidding_selectors.custody_shares_own(section_code=section.code, by=agency):
        mnemonic = custody.share_release(
            share=custody.CustodyShare(row.holder, row.institution, row.custodian_fingerprint, bytes(row.blob)),
            custodian=custody.Custodian(row.holder, row.institution, cast.custody_key.public_raw),
            private=cast.custody_key.raw(),
            section=section.code,
            envelope=row.opening_key.envelope,
            fingerprint=row.opening_key.fingerprint,
        )
        ceremony.custody_share_submit(
            opening=current(), envelope=row.opening_key.envelope, mnemonic=mnemonic, by=agency
        )
    # On the supervision platform a regulator releases its share; the exchange carries it back.
    clock_set(DEADLINE + dt.timedelta(minutes=4))
    for held, _ in held_shares():
        if held.section_code == section.code and held.released_at is None:
            held_share_release(held=held, by=cast.regulator)
    relay_all()
    # Each bidder unwraps its half of its data key on its own machine and hands it in.
    for n, username in enumerate(story.BIDDERS):
        clock_set(DEADLINE + dt.timedelta(minutes=6 + n * 2))
        header = sealed_header_read(stream=io.BytesIO(sealed[username]))
        half = share_unwrap(header=header, role=ROLE_BIDDER, private=cast.keys[username][1].raw())
        ceremony.bidder_share_submit(
            opening=current(), share=base64.b64encode(half).decode("ascii"), by=cast.bidders[username]
        )
    clock_set(DEADLINE + dt.timedelta(minutes=17))
    ceremony.opening_decrypt(opening=current(), by=agency)
    clock_set(DEADLINE + dt.timedelta(minutes=19))
    ceremony.opening_readout(opening=current(), by=agency)
    clock_set(DEADLINE + dt.timedelta(minutes=21))
    objection = ceremony.opening_objection_file(
        opening=current(),
        text=story.OBJECTION.format(bidder=cast.bidders[story.REJECTED].organisation_name),
        by=cast.bidders["bidder2"],
    )
    clock_set(DEADLINE + dt.timedelta(minutes=22))
    ceremony.opening_objection_reply(objection=objection, reply=story.OBJECTION_REPLY, by=agency)
    clock_set(DEADLINE + dt.timedelta(minutes=26))
    ceremony.opening_record_publish(opening=current(), by=agency)
    relay_all()


def _draw(cast: Cast, section: Any) -> list[tuple[str, Actor]]:
    """Staff draw the panel from the demo pool; each drawn expert accepts. Returns (expert id, actor) per seat."""
    clock_set(DEADLINE + dt.timedelta(minutes=35))
    section_draw_commit(
        section_code=section.code, evaluation_on=DEADLINE.date(), groups=story.DRAW_GROUPS, by=cast.staff
    )
    clock_set(DEADLINE + dt.timedelta(minutes=40))
    draw = section_draw_perform(section_code=section.code, contribution=story.DRAW_CONTRIBUTION, by=cast.staff)
    picks = [
        seat.uuid
        for group in experts_selectors.draw_panel(draw=draw, by=cast.staff)
        for seat in group.seats
        if not seat.reserve
    ]
    # The drawn experts' accounts are today's, made for the demo like every demo account (their
    # records may even be younger than the replayed summer): out of the drill for them, then back.
    clock_reset()
    members = [(uuid, expert_account_ensure(uuid, staff=cast.staff)) for uuid in picks]
    for n, (_, expert) in enumerate(members):
        clock_set(DEADLINE + dt.timedelta(minutes=45 + n * 3))
        for assignment in experts_selectors.expert_assignments_own(by=expert):
            if assignment.section_code == section.code and assignment.status == "notified":
                assignment_answer(assignment=assignment, accept=True, by=expert)
    return members


def _evaluation(cast: Cast, section: Any, members: list[tuple[str, Actor]]) -> Any:
    """The committee's day: compliance review (one bid rejected), score sheets, the signed report."""
    clock_set(at(8, 25, 10, 40))
    evaluation = evaluation_services.evaluation_create(
        section=_section(section.code), method=story.METHOD, by=cast.staff
    )
    clock_set(at(8, 25, 10, 45))
    evaluation_services.leader_set(evaluation=evaluation, expert_id=members[0][0], by=cast.staff)
    opened = {b.bidder_uscc: b.bid_id for b in bidding_selectors.opened_bids_for_evaluation(section_code=section.code)}
    bid_of = {username: opened[uscc_of(cast.bidders[username])] for username in story.BIDDERS}
    for n, (_, expert) in enumerate(members):
        clock_set(at(8, 25, 11, 5 + n * 6))
        for username in story.BIDDERS:
            rejected = username == story.REJECTED
            evaluation_services.compliance_mark(
                evaluation=evaluation,
                bid_id=bid_of[username],
                compliant=not rejected,
                reason="not_responsive" if rejected else "",
                note=story.REJECTION_NOTE if rejected else "",
                by=expert,
            )
    for n, (_, expert) in enumerate(members):
        clock_set(at(8, 25, 14, 10) + dt.timedelta(minutes=n * 17))
        scores = {
            bid_of[username]: dict(zip(story.ITEM_CODES, sheet[n].split(), strict=True))
            for username, sheet in story.SHEETS.items()
        }
        evaluation_services.sheet_submit(evaluation=evaluation, scores=scores, by=expert)
    for n, (_, expert) in enumerate(members):
        clock_set(at(8, 25, 16, 5 + n * 2))
        note = story.NOTE if n == story.NOTE_MEMBER else ""
        evaluation_services.report_sign(evaluation=evaluation, agrees=True, dissent=note, by=expert)
    found = selectors.evaluation_get(section_code=section.code)
    assert found is not None
    return found


def _outcome(cast: Cast, evaluation: Any) -> Any:
    """Publicity, the award to the first-ranked, the written report, the contract, the securities paid back."""
    agency = cast.agency
    clock_set(at(8, 26, 9))
    publicity = evaluation_services.candidates_publish(evaluation=evaluation, by=agency)
    clock_set(at(8, 31, 10))
    award = evaluation_services.award_decide(evaluation=evaluation, bid_id=publicity.candidates[0]["bid_id"], by=agency)
    clock_set(at(9, 7, 10))
    evaluation_services.written_report_submit(
        evaluation=evaluation, text=story.written_report(winner=award.bidder, price_fen=award.price_fen), by=agency
    )
    clock_set(at(9, 14, 15))
    winner = next(name for name, actor in cast.bidders.items() if uscc_of(actor) == award.bidder_uscc)
    duration = [bid.duration_days for bid in story.BIDS if bid.username == winner][-1]
    evaluation_services.contract_register(
        evaluation=evaluation,
        number=story.CONTRACT_NUMBER,
        signed_on=at(9, 14).date(),
        amount_yuan=str(money_from_fen(award.price_fen)),
        subject=f"{story.PROJECT_NAME}施工（{story.SECTION_NAME}）",
        quality="合格",
        term=f"{duration}日历天",
        by=agency,
    )
    # The centre pays every security back from its settlement account, with the bank's interest.
    clock_set(story.SETTLED)
    days = (story.SETTLED.date() - DEADLINE.date()).days
    for refund in tendering_selectors.refunds_export(by=cast.staff):
        if refund.section.code == evaluation.section_code and refund.kind == "bid_security" and refund.status == "due":
            tendering_services.refund_record_paid(
                refund=refund,
                bank_reference=f"TH20260916{refund.pk:06d}",
                interest_fen=refund.amount_fen * story.INTEREST_BASIS_POINTS * days // (10_000 * 360),
                by=cast.staff,
            )
    return award


def replay(cast: Cast) -> tuple[Any, Any, list[str]]:
    """The whole history, in order; returns the section, the award and the panel's usernames."""
    section = _tender(cast)
    sealed = _bids(cast, section)
    _opening(cast, section, sealed)
    members = _draw(cast, section)
    evaluation = _evaluation(cast, section, members)
    award = _outcome(cast, evaluation)
    relay_all()
    return _section(section.code), award, [expert.username for _, expert in members]
