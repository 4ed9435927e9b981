"""After the report, through the services: publicity, objection, award, written report, contract, securities.

The scene's construction tender (section estimate 5,230万元, bid security 80万元) with the report of
``scene.evaluation_complete``: candidates A 100万 (87.00), B 95万 (84.50), D 120万 (82.75); C rejected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from tests.evaluation.scene import Ready, evaluation_complete, wan
from zhengwu.contexts.bidding.models import Bid
from zhengwu.contexts.bidding.services import bid_security_record
from zhengwu.contexts.evaluation import services
from zhengwu.contexts.evaluation.models import Award, Contract, Publicity
from zhengwu.contexts.tendering.models import Refund, Section
from zhengwu.contexts.tendering.services import objection_file, objection_reply, section_retender
from zhengwu.contexts.tendering.tests import factories
from zhengwu.kernel.clock import CHINA_TZ, clock_advance, clock_now, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.exchange.models import OutboxMessage
from zhengwu.platform.exchange.relay import relay_run_once

ESTIMATE_FEN = 5_230_000_000
SECURITY_FEN = 80_000_000


def _section(ready: Ready) -> Section:
    return Section.objects.get(pk=ready.section.pk)


def _securities(ready: Ready, *, guarantee: str = "D") -> None:
    """The centre records each bid's security: paid in money, except ``guarantee``'s bank guarantee."""
    for letter, bid_id in ready.bid.items():
        bid_security_record(
            bid=Bid.objects.get(uuid=bid_id),
            status="guarantee" if letter == guarantee else "paid",
            by=ready.world["staff"],
        )


def _events(kind: str) -> list[dict]:
    return [m.payload for m in OutboxMessage.objects.filter(event_type=kind).order_by("id")]


@pytest.mark.django_db
def test_from_the_report_to_the_contract(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    _securities(ready)
    evaluation = evaluation_complete(ready)
    assert evaluation.result["outcome"] == "candidates"
    assert evaluation.result_digest

    # Only the tenderer or its agency publishes; a refusal changes nothing.
    for who in ("staff", "regulator", "bidder1", "expert"):
        with pytest.raises(PermissionDenied) as denied:
            services.candidates_publish(evaluation=evaluation, by=w[who])
        assert denied.value.code == "outcome_denied"
    assert not Publicity.objects.exists()
    assert _section(ready).status == "evaluating"
    # Two days is shorter than the law's three (招标条例 第五十四条).
    today = clock_now().astimezone(CHINA_TZ).date()
    with pytest.raises(InvalidInput) as short:
        services.candidates_publish(evaluation=evaluation, ends_on=today + dt.timedelta(days=2), by=w["agency"])
    assert short.value.code == "publicity_period_short"
    assert not Publicity.objects.exists()

    publicity = services.candidates_publish(evaluation=evaluation, by=w["agency"])
    section = _section(ready)
    assert section.status == "candidates"
    assert section.publicity_ends_at == publicity.ends_at
    assert publicity.ends_at.astimezone(CHINA_TZ).date() == today + dt.timedelta(days=3)
    assert [(c["rank"], c["bid_id"], c["price_fen"], c["score"]) for c in publicity.candidates] == [
        (1, bid["A"], wan(100), "87.00"),
        (2, bid["B"], wan(95), "84.50"),
        (3, bid["D"], wan(120), "82.75"),
    ]
    (published,) = _events("evaluation.candidates.published")
    assert [c["bidder"] for c in published["candidates"]] == [c["bidder"] for c in publicity.candidates]
    assert "bid_id" not in published["candidates"][0]
    assert sorted(m["name"] for m in published["committee"]) == ["专家1", "专家2", "专家3", "专家4", "专家5"]
    assert [m["leader"] for m in published["committee"]].count(True) == 1
    assert [r["reason"] for r in published["rejected"]] == ["not_responsive"]
    assert published["result_digest"] == evaluation.result_digest
    with pytest.raises(Conflict) as again:
        services.candidates_publish(evaluation=evaluation, by=w["agency"])
    assert again.value.code == "publicity_exists"

    # bidder2 objects within the publicity: the tender stands still until the reply.
    objection = objection_file(section=section, kind="evaluation_result", text="第一名业绩造假", by=w["bidder2"])
    assert objection.suspends
    clock_advance(dt.timedelta(days=4))
    with pytest.raises(Conflict) as suspended:
        services.award_decide(evaluation=evaluation, bid_id=bid["A"], by=w["agency"])
    assert suspended.value.code == "section_suspended"
    objection_reply(objection=objection, reply="经核查，业绩真实有效。", by=w["agency"])
    # After the publicity, an objection to the result is out of time.
    with pytest.raises(Conflict) as late:
        objection_file(section=_section(ready), kind="evaluation_result", text="再议", by=w["bidder4"])
    assert late.value.code == "objection_outside_publicity"

    # The first-ranked candidate, unless the ones above are passed over with a reason.
    with pytest.raises(Conflict) as order:
        services.award_decide(evaluation=evaluation, bid_id=bid["B"], by=w["agency"])
    assert (order.value.code, order.value.detail["rank"]) == ("award_order", 1)
    with pytest.raises(Conflict) as outsider:
        services.award_decide(evaluation=evaluation, bid_id=bid["C"], by=w["agency"])
    assert outsider.value.code == "award_not_candidate"
    with pytest.raises(PermissionDenied):
        services.award_decide(evaluation=evaluation, bid_id=bid["A"], by=w["staff"])
    assert not Award.objects.exists()
    assert _section(ready).status == "candidates"
    award = services.award_decide(
        evaluation=evaluation, bid_id=bid["B"], passed_over={bid["A"]: "declined"}, by=w["agency"]
    )
    assert (award.rank, award.price_fen, award.budget_fen) == (2, wan(95), ESTIMATE_FEN)
    assert award.savings_fen == ESTIMATE_FEN - wan(95)
    assert award.passed_over == [
        {"rank": 1, "bidder": publicity.candidates[0]["bidder"], "reason": "declined", "reason_label": "放弃中标"}
    ]
    decided = award.decided_at.astimezone(CHINA_TZ).date()
    assert award.contract_due.astimezone(CHINA_TZ).date() >= decided + dt.timedelta(days=31)
    assert award.report_due is not None
    assert _section(ready).status == "awarded"
    (decided_event,) = _events("evaluation.award.decided")
    assert decided_event["savings_fen"] == award.savings_fen
    assert decided_event["notice_number"] == award.notice_number

    # The written report (15 days), once.
    with pytest.raises(InvalidInput):
        services.written_report_submit(evaluation=evaluation, text="  ", by=w["agency"])
    services.written_report_submit(evaluation=evaluation, text="本项目依法公开招标……", by=w["agency"])
    with pytest.raises(Conflict) as twice:
        services.written_report_submit(evaluation=evaluation, text="again", by=w["agency"])
    assert twice.value.code == "report_submitted"
    (report,) = _events("evaluation.written_report.submitted")
    assert (report["late"], report["winner"]) == (False, award.bidder)

    # The contract: the price must be the award's; nothing is stored when it is not.
    signed_on = clock_now().astimezone(CHINA_TZ).date()
    terms = {"subject": "第一标段施工", "quality": "合格", "term": "365日历天", "by": w["agency"]}
    with pytest.raises(InvalidInput) as differs:
        services.contract_register(
            evaluation=evaluation, number="HT-001", signed_on=signed_on, amount_yuan="960000.00", **terms
        )
    assert differs.value.code == "contract_price_differs"
    assert not Contract.objects.exists()
    assert not Refund.objects.filter(kind="bid_security").exists()
    contract = services.contract_register(
        evaluation=evaluation, number="HT-001", signed_on=signed_on, amount_yuan="950000.00", **terms
    )
    assert not contract.late
    assert _section(ready).status == "contracted"
    refunds = list(Refund.objects.filter(kind="bid_security").order_by("organisation_name"))
    # Every bidder whose bid was opened, the winner included (招标条例 第五十七条), 5 days after signing;
    # D's bank guarantee is released, not refunded.
    assert sorted(str(r.source) for r in refunds) == sorted([bid["A"], bid["B"], bid["C"]])
    assert {r.amount_fen for r in refunds} == {SECURITY_FEN}
    assert {r.reason for r in refunds} == {"contract_signed"}
    assert {r.due_at for r in refunds} == {contract.security_return_due}
    assert contract.security_return_due.astimezone(CHINA_TZ).date() >= signed_on + dt.timedelta(days=6)
    (registered,) = _events("evaluation.contract.registered")
    assert (registered["amount_fen"], registered["late"]) == (wan(95), False)
    with pytest.raises(Conflict):
        services.contract_register(
            evaluation=evaluation, number="HT-002", signed_on=signed_on, amount_yuan="950000.00", **terms
        )


@pytest.mark.django_db
def test_a_late_contract_is_registered_and_marked_late(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    evaluation = evaluation_complete(ready)
    services.candidates_publish(evaluation=evaluation, by=w["agency"])
    clock_advance(dt.timedelta(days=4))
    award = services.award_decide(evaluation=evaluation, bid_id=bid["A"], by=w["agency"])
    clock_set(award.contract_due + dt.timedelta(days=2))
    signed_on = clock_now().astimezone(CHINA_TZ).date()
    with pytest.raises(InvalidInput) as future:
        services.contract_register(
            evaluation=evaluation,
            number="HT-9",
            signed_on=signed_on + dt.timedelta(days=1),
            amount_yuan="1000000",
            subject="施工",
            quality="合格",
            term="一年",
            by=w["agency"],
        )
    assert future.value.code == "signed_on_future"
    contract = services.contract_register(
        evaluation=evaluation,
        number="HT-9",
        signed_on=signed_on,
        amount_yuan="1000000",
        subject="施工",
        quality="合格",
        term="一年",
        by=w["agency"],
    )
    assert contract.late
    # The report was never submitted: after 15 days it goes in late, and says so.
    award = services.written_report_submit(evaluation=evaluation, text="迟交的书面报告", by=w["agency"])
    (report,) = _events("evaluation.written_report.submitted")
    assert report["late"] is True


@pytest.mark.django_db
def test_every_bid_rejected_fails_the_section_for_a_retender(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    _securities(ready, guarantee="")
    evaluation = evaluation_complete(ready, reject="ABCD")
    assert evaluation.result["outcome"] == "failed"
    section = _section(ready)
    assert (section.status, section.status_reason) == ("failed", "all_bids_rejected")
    refunds = Refund.objects.filter(kind="bid_security")
    assert refunds.count() == 4
    assert set(refunds.values_list("reason", flat=True)) == {"section_failed"}
    with pytest.raises(Conflict) as none:
        services.candidates_publish(evaluation=evaluation, by=w["agency"])
    assert none.value.code == "no_candidates"
    with pytest.raises(Conflict):
        services.award_decide(evaluation=evaluation, bid_id=bid["A"], by=w["agency"])
    again = section_retender(section=section, by=w["agency"])
    assert (again.status, again.retender_of_id, again.attempt) == ("draft", section.pk, 2)
    # The public site announces the failure with its reason, once the exchange has carried it.
    relay_run_once()
    page = Client().get(f"/sections/{section.code}/").content.decode()
    assert 'data-testid="section-failed"' in page
    assert "评标委员会否决全部投标，应当重新招标" in page


@pytest.mark.django_db
def test_an_award_in_december_is_not_refused_for_next_years_calendar(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    evaluation = evaluation_complete(ready)
    services.candidates_publish(evaluation=evaluation, by=w["agency"])
    clock_set(dt.datetime(2026, 12, 20, 10, 0, tzinfo=CHINA_TZ))
    award = services.award_decide(evaluation=evaluation, bid_id=bid["A"], by=w["agency"])
    # 30 days from 20 December: 19 January 2027 is the last day (counted without 2027's holidays,
    # which the calendar does not hold yet); the stored bound is the midnight after it.
    assert award.contract_due.astimezone(CHINA_TZ) == dt.datetime(2027, 1, 20, tzinfo=CHINA_TZ)
    assert award.report_due is not None
    assert award.report_due.astimezone(CHINA_TZ).date() == dt.date(2027, 1, 5)


@pytest.mark.django_db
def test_procurement_awards_without_a_candidate_publicity_or_a_written_report(
    world: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """政府采购 (公开招标): the result is published instead of the candidates; no 15-day written report;
    the securities are due back 5 working days after signing (采购条例 第三十三条)."""
    # The construction tender's lawful timetable is lawful for 公开招标 procurement too (20 days).
    monkeypatch.setitem(factories.TIMETABLES, "procurement.open", factories.TIMETABLES[factories.CONSTRUCTION])
    # Below 1,000万 a committee of five is lawful for procurement (87号令 第四十七条).
    ready = Ready(world, tmp_path, procedure="procurement.open", first=("第一包", "5230000.00", "80000.00"))
    w, bid = ready.world, ready.bid
    _securities(ready, guarantee="")
    evaluation = evaluation_complete(ready)
    with pytest.raises(Conflict) as none:
        services.candidates_publish(evaluation=evaluation, by=w["agency"])
    assert none.value.code == "publicity_not_applicable"
    award = services.award_decide(evaluation=evaluation, bid_id=bid["A"], by=w["agency"])
    assert _section(ready).status == "awarded"
    assert award.report_due is None
    with pytest.raises(Conflict) as no_report:
        services.written_report_submit(evaluation=evaluation, text="报告", by=w["agency"])
    assert no_report.value.code == "report_not_applicable"
    signed_on = clock_now().astimezone(CHINA_TZ).date()  # Tuesday 24 March 2026
    contract = services.contract_register(
        evaluation=evaluation,
        number="CG-1",
        signed_on=signed_on,
        amount_yuan="1000000",
        subject="采购",
        quality="合格",
        term="30日",
        by=w["agency"],
    )
    # Five working days after Tuesday 24 March 2026: Tuesday 31 March is the last day.
    assert contract.security_return_due.astimezone(CHINA_TZ) == dt.datetime(2026, 4, 1, tzinfo=CHINA_TZ)
    assert _section(ready).status == "contracted"
