"""A member whose score strays beyond the limit revises it (reopening the sheet) or confirms it with reasons;
the report waits for every flag to be answered."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.evaluation.scene import EXPERTS, GP_METHOD, Ready, gp_scores
from zhengwu.contexts.evaluation import selectors, services
from zhengwu.contexts.evaluation.models import FlagAnswer, Sheet, Signature
from zhengwu.contexts.experts.tests.factories import client_for
from zhengwu.kernel.errors import Conflict


@pytest.mark.django_db
def test_a_flagged_member_revises_the_sheet_and_the_committee_signs(ready: Ready) -> None:
    w, bid = ready.world, ready.bid
    evaluation = services.evaluation_create(section=ready.section, method=GP_METHOD, by=w["staff"])
    for username in EXPERTS:
        for bid_id in bid.values():
            services.compliance_mark(evaluation=evaluation, bid_id=bid_id, compliant=True, by=w[username])
    # expert gives B's technical plan 100; the others 70: 50 points against a mean of 38 (limit 10).
    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid, {"B": {"tech": "100"}}), by=w["expert"])
    for username in EXPERTS[1:]:
        services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid, {"B": {"tech": "70"}}), by=w[username])
    result = selectors.result_for(evaluation=evaluation)
    assert result is not None
    assert [(f.expert_id, f.bid_id, f.item_code) for f in result.deviation_flags] == [
        (ready.experts["expert"], bid["B"], "tech")
    ]
    code = ready.section.code
    room = client_for("expert").get(reverse("trading:evaluation:room", args=[code])).content.decode()
    assert 'data-testid="flag-confirm"' in room
    assert 'data-testid="sheet-reopen"' in room
    others = client_for("expert2").get(reverse("trading:evaluation:room", args=[code])).content.decode()
    assert 'data-testid="flag-confirm"' not in others
    # Nobody signs yet; a member without a flag cannot reopen; an outsider cannot touch the flags.
    with pytest.raises(Conflict) as waiting:
        services.report_sign(evaluation=evaluation, agrees=True, by=w["expert2"])
    assert waiting.value.code == "deviations_unanswered"
    with pytest.raises(Conflict) as not_flagged:
        services.sheet_reopen(evaluation=evaluation, by=w["expert2"])
    assert not_flagged.value.code == "sheet_not_flagged"
    flags_url = reverse("trading:evaluation:flag", args=[code])
    assert client_for("bidder2").post(flags_url, {"action": "reopen"}).status_code in (403, 404)
    assert Sheet.objects.filter(submitted_at__isnull=True).count() == 0

    # expert reopens through the page, lands on the sheet, revises to 80 and submits again.
    reopened = client_for("expert").post(flags_url, {"action": "reopen"})
    assert reopened.status_code == 302
    assert reopened["Location"].endswith("/evaluation/sheet/")
    assert Sheet.objects.get(member__expert_id=ready.experts["expert"]).submitted_at is None
    assert selectors.result_for(evaluation=evaluation) is None
    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid, {"B": {"tech": "80"}}), by=w["expert"])
    revised = selectors.result_for(evaluation=evaluation)
    assert revised is not None
    assert revised.deviation_flags == ()
    assert not FlagAnswer.objects.exists()
    for username in EXPERTS:
        services.report_sign(evaluation=evaluation, agrees=True, by=w[username])
    assert Signature.objects.count() == 5


@pytest.mark.django_db
def test_a_flag_is_confirmed_and_a_sheet_reopened_through_the_api(ready: Ready) -> None:
    import json

    w, bid = ready.world, ready.bid
    evaluation = services.evaluation_create(section=ready.section, method=GP_METHOD, by=w["staff"])
    for username in EXPERTS:
        for bid_id in bid.values():
            services.compliance_mark(evaluation=evaluation, bid_id=bid_id, compliant=True, by=w[username])
    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid, {"B": {"tech": "100"}}), by=w["expert"])
    for username in EXPERTS[1:]:
        services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid, {"B": {"tech": "70"}}), by=w[username])
    base = f"/trading/api/evaluation/sections/{ready.section.code}"
    body = {"bid_id": bid["B"], "item_code": "tech", "reason": "方案完整"}
    refused = client_for("expert2").post(f"{base}/flags/confirm", json.dumps(body), content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (400, "flag_unknown")
    assert not FlagAnswer.objects.exists()
    done = client_for("expert").post(f"{base}/flags/confirm", json.dumps(body), content_type="application/json")
    assert done.status_code == 201
    assert done.json()["score"] == "50.00"
    reopen = client_for("expert2").post(f"{base}/sheet/reopen", "{}", content_type="application/json")
    assert (reopen.status_code, reopen.json()["code"]) == (409, "sheet_not_flagged")
    assert client_for("expert").post(f"{base}/sheet/reopen", "{}", content_type="application/json").status_code == 200
    assert Sheet.objects.get(member__expert_id=ready.experts["expert"]).submitted_at is None
