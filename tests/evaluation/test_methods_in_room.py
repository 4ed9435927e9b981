"""The other methods configured in the room: 经评审的最低投标价法 with the committee's adjustments, and a
综合评估法 whose base price is moved by a coefficient K derived from the section's published bid freeze.

The scene's bids: A 100万, B 95万, C 90万, D 120万; C is rejected by every member.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import pytest

from tests.evaluation.scene import EXPERTS, Ready, gp_scores, wan
from zhengwu.contexts.bidding.models import Freeze
from zhengwu.contexts.evaluation import selectors, services
from zhengwu.contexts.evaluation.config import method_build
from zhengwu.contexts.evaluation.models import Adjustment, Evaluation
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied

LOWEST: dict[str, Any] = {"kind": "lowest_evaluated_price"}
WITH_K: dict[str, Any] = {
    "kind": "comprehensive",
    "base_price": {"coefficient": {"inner": "simple_mean", "low": "0.03", "high": "0.05", "step": "0.01"}},
    "price": {"full_score": "30", "above_per_percent": "1", "below_per_percent": "0.5"},
    "items": [
        {"code": "tech", "name": "技术", "category": "technical", "max_score": "100", "weight": "0.5"},
        {"code": "biz", "name": "商务", "category": "commercial", "max_score": "100", "weight": "0.2"},
    ],
}


def _reviewed(ready: Ready, method: dict[str, Any]) -> Evaluation:
    w, bid = ready.world, ready.bid
    evaluation = services.evaluation_create(section=ready.section, method=method, by=w["staff"])
    services.leader_set(evaluation=evaluation, expert_id=ready.experts["expert"], by=w["staff"])
    for username in EXPERTS:
        for letter in "ABCD":
            services.compliance_mark(
                evaluation=evaluation,
                bid_id=bid[letter],
                compliant=letter != "C",
                reason="" if letter != "C" else "not_responsive",
                by=w[username],
            )
    return evaluation


@pytest.mark.django_db
def test_lowest_evaluated_price_ranks_by_price_plus_the_committees_adjustments(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    evaluation = _reviewed(ready, LOWEST)
    # No score sheets in this method.
    with pytest.raises(Conflict) as unscored:
        services.sheet_save(evaluation=evaluation, scores={}, by=w["expert2"])
    assert unscored.value.code == "method_unscored"
    # Only the leader records, on a compliant bid, with a reason.
    with pytest.raises(PermissionDenied):
        services.adjustment_record(
            evaluation=evaluation,
            bid_id=bid["B"],
            code="payment",
            amount_yuan="60000",
            reason="付款条件",
            by=w["expert2"],
        )
    with pytest.raises(InvalidInput) as rejected:
        services.adjustment_record(
            evaluation=evaluation, bid_id=bid["C"], code="payment", amount_yuan="1", reason="x", by=w["expert"]
        )
    assert rejected.value.code == "bid_not_valid"
    assert not Adjustment.objects.exists()
    # Before: B 95万 is the lowest. B's payment terms cost 6万 more, D's warranty is worth 1万 less.
    before = selectors.result_for(evaluation=evaluation)
    assert before is not None
    assert before.candidates.bid_ids == (bid["B"], bid["A"], bid["D"])
    services.adjustment_record(
        evaluation=evaluation,
        bid_id=bid["B"],
        code="payment",
        amount_yuan="60000",
        reason="招标文件第三章2.1：预付款比例每高10%加价3万元",
        by=w["expert"],
    )
    services.adjustment_record(
        evaluation=evaluation,
        bid_id=bid["D"],
        code="warranty",
        amount_yuan="-10000.00",
        reason="质保期",
        by=w["expert"],
    )
    result = selectors.result_for(evaluation=evaluation)
    assert result is not None
    prices = {b.bid_id: b.evaluation_price_fen for b in result.bids if b.valid}
    assert prices == {bid["A"]: wan(100), bid["B"]: wan(101), bid["D"]: wan(119)}
    assert result.candidates.bid_ids == (bid["A"], bid["B"], bid["D"])
    # Zero removes a factor.
    services.adjustment_record(
        evaluation=evaluation, bid_id=bid["D"], code="warranty", amount_yuan="0", reason="撤回", by=w["expert"]
    )
    assert list(Adjustment.objects.values_list("code", flat=True)) == ["payment"]
    for username in EXPERTS:
        services.report_sign(evaluation=evaluation, agrees=True, by=w[username])
    done = Evaluation.objects.get()
    assert done.status == "complete"
    assert done.result["candidates"]["bid_ids"] == [bid["A"], bid["B"], bid["D"]]
    with pytest.raises(Conflict):
        services.adjustment_record(
            evaluation=done, bid_id=bid["A"], code="late", amount_yuan="1", reason="x", by=w["expert"]
        )


@pytest.mark.django_db
def test_the_coefficient_comes_from_the_published_freeze_root_and_moves_the_base_price(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    evaluation = _reviewed(ready, WITH_K)
    root = Freeze.objects.get(section_code=ready.section.code).root
    # Recomputed here from what is public: the section code and the freeze root.
    digest = hashlib.sha256(f"zhengwu-K|{ready.section.code}|{root}".encode()).digest()
    expected = [Decimal("0.03"), Decimal("0.04"), Decimal("0.05")][int.from_bytes(digest, "big") % 3]
    assert selectors.coefficient_for(evaluation=evaluation) == expected
    scores = {k: v for k, v in gp_scores(bid).items() if k != bid["C"]}
    for username in EXPERTS:
        services.sheet_submit(evaluation=evaluation, scores=scores, by=w[username])
    result = selectors.result_for(evaluation=evaluation)
    assert result is not None
    assert result.base_price is not None
    assert result.base_price.coefficient == expected
    # The valid bids' mean (100 + 95 + 120) / 3 = 105万, lowered by K.
    assert result.base_price.value_fen == int(Decimal(wan(105)) * (1 - expected))
    # A step that does not divide the range is refused when the method is configured.
    with pytest.raises(InvalidInput) as step:
        method_build({**WITH_K, "base_price": {"coefficient": {"low": "0.03", "high": "0.05", "step": "0.015"}}})
    assert step.value.code == "method_parameter_invalid"


@pytest.mark.django_db
def test_the_leader_records_an_adjustment_in_the_room_page(ready: Ready) -> None:
    from django.urls import reverse

    from zhengwu.contexts.experts.tests.factories import client_for

    bid = ready.bid
    _reviewed(ready, LOWEST)
    code = ready.section.code
    url = reverse("trading:evaluation:adjustment", args=[code])
    room = client_for("expert").get(reverse("trading:evaluation:room", args=[code])).content.decode()
    assert 'data-testid="adjustment-form"' in room
    assert 'data-testid="sheet-link"' not in room
    other = client_for("expert2")
    assert (
        'data-testid="adjustment-form"'
        not in other.get(reverse("trading:evaluation:room", args=[code])).content.decode()
    )
    form = {"bid_id": bid["B"], "code": "付款条件", "amount": "60000", "reason": "招标文件第三章2.1"}
    refused = other.post(url, form)
    assert refused.status_code == 403
    assert "价格调整由评标委员会组长代表委员会录入" in refused.content.decode()
    assert not Adjustment.objects.exists()
    assert client_for("bidder2").post(url, form).status_code in (403, 404)
    assert client_for("expert").post(url, form).status_code == 302
    page = client_for("expert2").get(reverse("trading:evaluation:room", args=[code])).content.decode()
    assert "60,000.00" in page
    assert "招标文件第三章2.1" in page
