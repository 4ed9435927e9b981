"""The evaluation room end to end through the services, with the numbers of ebidding-rules §4.6 A.

Four opened bids (A 100万, B 95万, C 90万, D 120万), a committee of five (the least the law allows),
政府采购综合评分法 (price 30, technical × 0.5, business × 0.2). C is rejected by majority (three of five
mark it not responsive); D is marked non-compliant by one member only and stays. Every member gives
A 85/80, B 75/85, D 90/70, except B's technical score: 100, 75, 50, 75 and 75 (mean 75).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.evaluation.scene import EXPERTS, GP_METHOD, Ready, gp_scores
from zhengwu.contexts.evaluation import selectors, services
from zhengwu.contexts.evaluation.models import ComplianceMark, Evaluation, Member, Sheet, Signature
from zhengwu.contexts.evaluation.rules import Disqualification, Outcome
from zhengwu.contexts.experts.models import ExpertAssignment
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry


def _marks(ready: Ready, evaluation: Evaluation) -> None:
    w, bid = ready.world, ready.bid
    for username in EXPERTS:
        for letter in "ABCD":
            against = (letter == "C" and username in ("expert", "expert2", "expert4")) or (
                letter == "D" and username == "expert3"
            )
            services.compliance_mark(
                evaluation=evaluation,
                bid_id=bid[letter],
                compliant=not against,
                reason=("not_responsive" if letter == "C" else "over_budget") if against else "",
                by=w[username],
            )


@pytest.mark.django_db
def test_the_whole_evaluation_through_the_services(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    evaluation = services.evaluation_create(section=ready.section, method=GP_METHOD, by=w["staff"])
    assert sorted(m.name for m in selectors.members(evaluation=evaluation)) == [
        "专家1",
        "专家2",
        "专家3",
        "专家4",
        "专家5",
    ]
    assert selectors.member_for(evaluation=evaluation, by=w["expert"]).expert_id == ready.experts["expert"]
    with pytest.raises(Conflict):
        services.evaluation_create(section=ready.section, method=GP_METHOD, by=w["staff"])

    # The committee elects its leader: three of five votes.
    assert services.leader_vote(evaluation=evaluation, expert_id=ready.experts["expert2"], by=w["expert"]) is None
    assert services.leader_vote(evaluation=evaluation, expert_id=ready.experts["expert2"], by=w["expert4"]) is None
    elected = services.leader_vote(evaluation=evaluation, expert_id=ready.experts["expert2"], by=w["expert3"])
    assert elected is not None
    assert elected.expert_id == ready.experts["expert2"]
    assert Member.objects.get(is_leader=True).expert_id == ready.experts["expert2"]

    # Scoring waits for the compliance review.
    with pytest.raises(Conflict) as early:
        services.sheet_save(evaluation=evaluation, scores={}, by=w["expert"])
    assert early.value.code == "review_open"
    # A rejection needs a known reason; "other" needs the clause.
    with pytest.raises(InvalidInput) as unknown:
        services.compliance_mark(evaluation=evaluation, bid_id=bid["A"], compliant=False, reason="ugly", by=w["expert"])
    assert unknown.value.code == "disqualification_reason_unknown"
    with pytest.raises(InvalidInput) as bare:
        services.compliance_mark(
            evaluation=evaluation, bid_id=bid["A"], compliant=False, reason="other", by=w["expert"]
        )
    assert bare.value.code == "disqualification_note_required"
    assert not ComplianceMark.objects.exists()

    _marks(ready, evaluation)
    assert selectors.valid_bid_ids(evaluation=evaluation) == [bid["A"], bid["B"], bid["D"]]
    verdicts = selectors.decisions(evaluation=evaluation, bid_ids=list(bid.values()))
    assert verdicts[bid["C"]] == Disqualification("not_responsive")
    assert verdicts[bid["D"]] is None  # one of five is not a majority
    with pytest.raises(Conflict) as closed:
        services.compliance_mark(
            evaluation=evaluation, bid_id=bid["A"], compliant=False, reason="unsigned", by=w["expert"]
        )
    assert closed.value.code == "review_closed"

    # expert: a draft with a typo and a gap is saved as typed; submitting it is refused and keeps it.
    draft = gp_scores(bid, {"B": {"tech": "100"}, "A": {"tech": "8.5.0"}})
    del draft[bid["D"]]["biz"]
    services.sheet_save(evaluation=evaluation, scores=draft, by=w["expert"])
    with pytest.raises(InvalidInput) as wrong:
        services.sheet_submit(evaluation=evaluation, scores=draft, by=w["expert"])
    codes = {(p["bid_id"], p["item_code"], p["code"]) for p in wrong.value.detail["problems"]}
    assert codes == {(bid["A"], "tech", "score_invalid"), (bid["D"], "biz", "score_item_missing")}
    kept = Sheet.objects.get(member__expert_id=ready.experts["expert"])
    assert kept.submitted_at is None
    assert kept.scores[bid["A"]] == {"tech": "8.5.0", "biz": "80"}
    assert bid["C"] not in kept.scores  # the rejected bid is not scored
    out_of_range = gp_scores(bid, {"B": {"tech": "100.5"}})
    with pytest.raises(InvalidInput) as high:
        services.sheet_submit(evaluation=evaluation, scores=out_of_range, by=w["expert"])
    assert high.value.code == "score_out_of_range"

    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid, {"B": {"tech": "100"}}), by=w["expert"])
    with pytest.raises(Conflict) as locked:
        services.sheet_save(evaluation=evaluation, scores=gp_scores(bid), by=w["expert"])
    assert locked.value.code == "sheet_submitted"
    services.sheet_save(evaluation=evaluation, scores=gp_scores(bid), by=w["expert2"])
    # Nobody reads another's sheet, draft or submitted, before every sheet is in.
    with pytest.raises(NotFound):
        selectors.sheet_of(evaluation=evaluation, expert_id=ready.experts["expert2"], by=w["expert"])
    with pytest.raises(NotFound):
        selectors.sheet_of(evaluation=evaluation, expert_id=ready.experts["expert"], by=w["expert2"])
    assert selectors.sheet_of(evaluation=evaluation, expert_id=ready.experts["expert"], by=w["expert"])
    assert selectors.result_for(evaluation=evaluation) is None
    with pytest.raises(Conflict) as pending:
        services.report_sign(evaluation=evaluation, agrees=True, by=w["expert"])
    assert pending.value.code == "sheets_pending"

    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid), by=w["expert2"])
    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid, {"B": {"tech": "50"}}), by=w["expert3"])
    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid), by=w["expert4"])
    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid), by=w["expert5"])
    assert selectors.sheet_of(evaluation=evaluation, expert_id=ready.experts["expert2"], by=w["expert"])

    result = selectors.result_for(evaluation=evaluation)
    assert result is not None
    # C (90, the lowest) rejected: the lowest valid price is B 95.
    # A 95/100 × 30 = 28.50 + 85 × 0.5 + 80 × 0.2 = 28.50 + 42.50 + 16 = 87.00
    # B 30.00 + (100 + 75 + 50 + 75 + 75)/5 × 0.5 + 85 × 0.2 = 30 + 37.50 + 17 = 84.50
    # D 95/120 × 30 = 23.75 + 45 + 14 = 82.75
    assert {b.bid_id: b.total_score for b in result.bids} == {
        bid["A"]: D("87.00"),
        bid["B"]: D("84.50"),
        bid["C"]: None,
        bid["D"]: D("82.75"),
    }
    assert result.ranking.order == (bid["A"], bid["B"], bid["D"])
    assert result.candidates.bid_ids == (bid["A"], bid["B"], bid["D"])
    assert result.outcome == Outcome.CANDIDATES
    # B's technical item spans 100 × 0.5 = 50 points, the limit 20% of it = 10: expert's 50 and
    # expert3's 25 stray 12.5 from the mean 37.5; the totals (67 and 42 against 54.5) stay within 14.
    flags = {(f.expert_id, f.bid_id, f.item_code, f.deviation) for f in result.deviation_flags}
    assert flags == {
        (ready.experts["expert"], bid["B"], "tech", D("12.50")),
        (ready.experts["expert3"], bid["B"], "tech", D("-12.50")),
    }

    # The report: a member who disagrees must say why; each signs once.
    with pytest.raises(InvalidInput) as silent:
        services.report_sign(evaluation=evaluation, agrees=False, by=w["expert3"])
    assert silent.value.code == "dissent_required"
    assert not Signature.objects.exists()
    # Nobody signs while a flagged score is unanswered; each flagged member confirms with a reason.
    with pytest.raises(Conflict) as unanswered:
        services.report_sign(evaluation=evaluation, agrees=True, by=w["expert"])
    assert unanswered.value.code == "deviations_unanswered"
    assert len(unanswered.value.detail["flags"]) == 2
    with pytest.raises(InvalidInput) as bare_confirm:
        services.flag_confirm(evaluation=evaluation, bid_id=bid["B"], item_code="tech", reason=" ", by=w["expert"])
    assert bare_confirm.value.code == "flag_reason_required"
    with pytest.raises(InvalidInput) as not_mine:
        services.flag_confirm(evaluation=evaluation, bid_id=bid["B"], item_code="tech", reason="?", by=w["expert2"])
    assert not_mine.value.code == "flag_unknown"
    services.flag_confirm(
        evaluation=evaluation, bid_id=bid["B"], item_code="tech", reason="B的技术方案最完整", by=w["expert"]
    )
    services.flag_confirm(
        evaluation=evaluation, bid_id=bid["B"], item_code="tech", reason="B的技术方案有明显缺陷", by=w["expert3"]
    )
    services.report_sign(evaluation=evaluation, agrees=True, by=w["expert"])
    with pytest.raises(Conflict):
        services.report_sign(evaluation=evaluation, agrees=True, by=w["expert"])
    services.report_sign(evaluation=evaluation, agrees=True, by=w["expert2"])
    services.report_sign(evaluation=evaluation, agrees=True, by=w["expert4"])
    services.report_sign(evaluation=evaluation, agrees=True, by=w["expert5"])
    assert Evaluation.objects.get().status == "reviewing"
    services.report_sign(
        evaluation=evaluation, agrees=False, dissent="B投标技术方案存在明显缺陷，评分偏高。", by=w["expert3"]
    )
    done = Evaluation.objects.get()
    assert done.status == "complete"
    assert done.completed_at is not None
    digests = set(Signature.objects.values_list("result_digest", flat=True))
    assert digests == {selectors.result_digest(result)}
    assert Signature.objects.get(agrees=False).dissent.startswith("B投标")
    actions = list(AuditEntry.objects.filter(action__startswith="evaluation.").values_list("action", flat=True))
    assert actions.count("evaluation.sheet.submit") == 5
    assert actions.count("evaluation.report.sign") == 5
    # Complete: nothing moves any more.
    with pytest.raises(Conflict) as over:
        services.leader_set(evaluation=done, expert_id=ready.experts["expert"], by=w["staff"])
    assert over.value.code == "evaluation_complete"


@pytest.mark.django_db
def test_only_staff_or_the_host_opens_the_room_and_a_refusal_changes_nothing(ready: Ready) -> None:
    w = ready.world
    for name in ("expert", "bidder1", "tenderer_other", "agency_other", "regulator", "public"):
        with pytest.raises(PermissionDenied):
            services.evaluation_create(section=ready.section, method=GP_METHOD, by=w[name])
    with pytest.raises(InvalidInput) as bad:
        services.evaluation_create(section=ready.section, method={"kind": "astrology"}, by=w["staff"])
    assert bad.value.code == "method_unsupported"
    with pytest.raises(Conflict) as early:
        services.evaluation_create(section=ready.other_section, method=GP_METHOD, by=w["staff"])
    assert early.value.code == "section_not_evaluating"
    assert not Evaluation.objects.exists()
    assert services.evaluation_create(section=ready.section, method=GP_METHOD, by=w["agency"]).members.count() == 5


@pytest.mark.django_db
def test_nobody_outside_the_committee_acts_in_the_room(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    evaluation = services.evaluation_create(section=ready.section, method=GP_METHOD, by=w["staff"])
    outsiders = ("expert_far", "bidder1", "tenderer", "agency", "staff", "regulator", "public")
    for name in outsiders:
        with pytest.raises(NotFound):
            selectors.member_for(evaluation=evaluation, by=w[name])
        with pytest.raises(NotFound):
            services.compliance_mark(evaluation=evaluation, bid_id=bid["A"], compliant=True, by=w[name])
        with pytest.raises(NotFound):
            services.sheet_save(evaluation=evaluation, scores=gp_scores(bid), by=w[name])
        with pytest.raises(NotFound):
            services.leader_vote(evaluation=evaluation, expert_id=ready.experts["expert"], by=w[name])
        with pytest.raises(NotFound):
            services.report_sign(evaluation=evaluation, agrees=True, by=w[name])
        with pytest.raises(NotFound):
            selectors.sheet_of(evaluation=evaluation, expert_id=ready.experts["expert"], by=w[name])
    for name in ("expert", "agency", "regulator"):
        with pytest.raises(PermissionDenied):
            services.leader_set(evaluation=evaluation, expert_id=ready.experts["expert"], by=w[name])
    assert not ComplianceMark.objects.exists()
    assert not Sheet.objects.exists()
    assert not Signature.objects.exists()
    assert not Member.objects.filter(is_leader=True).exists()
    assert not Member.objects.exclude(leader_vote=None).exists()


@pytest.mark.django_db
def test_a_panel_the_law_does_not_allow_is_refused_and_nothing_changes(ready: Ready) -> None:
    # expert5's seat falls away (as if declined with no reserve called): four members remain.
    ExpertAssignment.objects.filter(expert__uuid=ready.experts["expert5"]).update(status="declined")
    audits = AuditEntry.objects.count()
    with pytest.raises(Conflict) as refused:
        services.evaluation_create(section=ready.section, method=GP_METHOD, by=ready.world["staff"])
    # 七部委令第12号 第九条 / 招标投标法 第三十七条: five or more, an odd number.
    assert refused.value.code == "committee_too_small"
    codes = [e["code"] for e in refused.value.detail["errors"]]
    assert codes == ["committee_too_small", "committee_size_even"]
    assert refused.value.detail["size"] == 4
    assert not Evaluation.objects.exists()
    assert not Member.objects.exists()
    assert AuditEntry.objects.count() == audits
