"""The evaluation room through the trading API: each endpoint, a refusal that changes nothing, and secrecy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.evaluation.scene import EXPERTS, GP_METHOD, Ready, gp_scores
from zhengwu.contexts.evaluation import services
from zhengwu.contexts.evaluation.models import ComplianceMark, Evaluation, Sheet, Signature
from zhengwu.contexts.experts.tests.factories import client_for
from zhengwu.contexts.identity.services.tokens import api_token_create
from zhengwu.platform.audit.models import AuditEntry

API = "/trading/api/evaluation/sections"
OUTSIDERS = ("expert_far", "bidder1", "tenderer", "agency", "public")


def _send(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    call = getattr(client, method)
    return call(url, data=json.dumps(body or {}), content_type="application/json")


def _state() -> tuple[Any, ...]:
    return (
        sorted(ComplianceMark.objects.values_list("member__expert_id", "bid_id", "compliant", "reason")),
        sorted(Sheet.objects.values_list("member__expert_id", "scores", "submitted_at")),
        Signature.objects.count(),
        AuditEntry.objects.count(),
    )


def _open(ready: Ready) -> Evaluation:
    return services.evaluation_create(section=ready.section, method=GP_METHOD, by=ready.world["staff"])


def _all_marked(ready: Ready, evaluation: Evaluation, *, but: str = "") -> None:
    for username in EXPERTS:
        if username == but:
            continue
        for bid_id in ready.bid.values():
            services.compliance_mark(evaluation=evaluation, bid_id=bid_id, compliant=True, by=ready.world[username])


@pytest.mark.django_db
def test_the_room_as_each_caller_may_see_it(ready: Ready) -> None:
    _open(ready)
    code, bid = ready.section.code, ready.bid
    url = f"{API}/{code}/room"
    room = client_for("expert").get(url)
    assert room.status_code == 200, room.content
    body = room.json()
    assert body["view"] == "member"
    assert [b["bid_id"] for b in body["bids"]] == [bid[k] for k in "ABCD"]
    assert body["bids"][2]["price_fen"] == 90_000_000  # C, 90万
    assert [m["own"] for m in body["members"]].count(True) == 1
    assert body["review_complete"] is False
    assert body["result"] is None
    # Through a personal API token as well.
    _, token = api_token_create(name="room", lifetime_days=1, second_factor_passed=True, by=ready.world["expert2"])
    by_token = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert by_token.status_code == 200
    assert by_token.json()["view"] == "member"
    # Staff and regulators: progress, never a bid.
    for name in ("staff", "regulator"):
        overview = client_for(name).get(url)
        assert overview.status_code == 200
        assert overview.json()["view"] == "oversight"
        assert overview.json()["bids"] is None
        assert bid["A"] not in overview.content.decode()
        assert "云南某建设工程有限公司" not in overview.content.decode()
    # Everyone else: as if the room did not exist.
    for name in OUTSIDERS:
        refused = client_for(name).get(url)
        assert refused.status_code == 404, name
        assert refused.json()["code"] == "evaluation_not_found"
        assert bid["A"] not in refused.content.decode()
    assert Client().get(url).status_code == 401
    assert client_for("expert").get(f"{API}/{ready.other_section.code}/room").status_code == 404


@pytest.mark.django_db
def test_compliance_marks_and_refusals_that_change_nothing(ready: Ready) -> None:
    evaluation = _open(ready)
    code, bid = ready.section.code, ready.bid
    url = f"{API}/{code}/compliance"
    before = _state()
    unknown = _send(client_for("expert"), "post", url, {"bid_id": bid["A"], "compliant": False, "reason": "ugly"})
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "disqualification_reason_unknown"
    stranger = _send(client_for("expert"), "post", url, {"bid_id": "not-a-bid", "compliant": True})
    assert stranger.json()["code"] == "bid_unknown"
    for name in OUTSIDERS:
        assert _send(client_for(name), "post", url, {"bid_id": bid["A"], "compliant": True}).status_code == 404
    assert _state() == before

    marked = _send(
        client_for("expert"), "post", url, {"bid_id": bid["C"], "compliant": False, "reason": "not_responsive"}
    )
    assert marked.status_code == 201, marked.content
    assert marked.json()["reason"] == "not_responsive"
    mark = ComplianceMark.objects.get()
    assert (mark.member.expert_id, mark.bid_id, mark.compliant) == (ready.experts["expert"], bid["C"], False)
    room = client_for("expert").get(f"{API}/{code}/room").json()
    assert room["bids"][2]["my_mark"]["reason"] == "not_responsive"
    assert room["bids"][2]["decision"] is None  # the review is still open
    # The others' marks close the review: the committee's decision (4 of 5 say C is compliant).
    _all_marked(ready, evaluation, but="expert")
    for letter in "ABD":
        services.compliance_mark(evaluation=evaluation, bid_id=bid[letter], compliant=True, by=ready.world["expert"])
    decided = client_for("expert2").get(f"{API}/{code}/room").json()
    assert decided["review_complete"] is True
    assert [b["decision"]["compliant"] for b in decided["bids"]] == [True] * 4
    before = _state()
    closed = _send(client_for("expert"), "post", url, {"bid_id": bid["C"], "compliant": True})
    assert closed.status_code == 409
    assert closed.json()["code"] == "review_closed"
    assert _state() == before


@pytest.mark.django_db
def test_my_sheet_draft_submit_and_the_secrecy_of_another_members_draft(ready: Ready) -> None:
    evaluation = _open(ready)
    code, bid = ready.section.code, ready.bid
    url = f"{API}/{code}/sheet"
    expert = client_for("expert")
    # Before the review is over: no scoring, nothing saved.
    early = _send(expert, "put", url, {"scores": gp_scores(bid)})
    assert early.status_code == 409
    assert early.json()["code"] == "review_open"
    assert not Sheet.objects.exists()
    _all_marked(ready, evaluation)

    empty = expert.get(url)
    assert empty.status_code == 200
    assert empty.json()["scores"] == {}
    assert empty.json()["submitted_at"] is None

    typed = gp_scores(bid, {"B": {"biz": "120"}, "A": {"tech": "8.5.0"}})
    saved = _send(expert, "put", url, {"scores": typed})
    assert saved.status_code == 200, saved.content
    assert saved.json()["scores"] == typed  # kept exactly as typed
    problems = {(p["bid_id"], p["item_code"], p["code"]) for p in saved.json()["problems"]}
    assert problems == {(bid["B"], "biz", "score_out_of_range"), (bid["A"], "tech", "score_invalid")}
    assert expert.get(url).json()["scores"] == typed

    # Secrecy: no other member (nor anyone else) reads this draft; the answer is the same as for no sheet.
    own = f"{API}/{code}/sheets/{ready.experts['expert']}"
    assert expert.get(own).status_code == 200
    for name in ("expert2", "expert3"):
        hidden = client_for(name).get(own)
        assert hidden.status_code == 404, name
        assert hidden.json()["code"] == "sheet_not_found"
        assert "8.5.0" not in hidden.content.decode()
    assert client_for("expert2").get(f"{API}/{code}/sheets/{ready.experts['expert3']}").status_code == 404
    for name in (*OUTSIDERS, "staff", "regulator"):
        assert client_for(name).get(own).status_code == 404, name
        assert _send(client_for(name), "put", url, {"scores": gp_scores(bid)}).status_code in (403, 404), name

    # Submitting the draft as it stands is refused; the draft is kept.
    before = _state()
    refused = _send(expert, "post", f"{url}/submit", {})
    assert refused.status_code == 400
    assert refused.json()["code"] in ("score_out_of_range", "score_invalid")
    assert len(refused.json()["detail"]["problems"]) == 2
    kept = Sheet.objects.get()
    assert kept.scores == typed
    assert kept.submitted_at is None
    assert ComplianceMark.objects.count() == len(before[0])

    done = _send(expert, "post", f"{url}/submit", {"scores": gp_scores(bid)})
    assert done.status_code == 200, done.content
    assert done.json()["submitted_at"] is not None
    assert done.json()["problems"] == []
    assert Sheet.objects.get().scores == gp_scores(bid)
    before = _state()
    locked = _send(expert, "put", url, {"scores": typed})
    assert locked.status_code == 409
    assert locked.json()["code"] == "sheet_submitted"
    again = _send(expert, "post", f"{url}/submit", {})
    assert again.status_code == 409
    assert _state() == before
    # Submitted but the others are not: still secret.
    assert client_for("expert2").get(own).status_code == 404


@pytest.mark.django_db
def test_signing_the_report(ready: Ready) -> None:
    evaluation = _open(ready)
    code, bid = ready.section.code, ready.bid
    url = f"{API}/{code}/sign"
    _all_marked(ready, evaluation)
    services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid), by=ready.world["expert"])
    before = _state()
    pending = _send(client_for("expert"), "post", url, {"agrees": True})
    assert pending.status_code == 409
    assert pending.json()["code"] == "sheets_pending"
    assert _state() == before
    for username in EXPERTS[1:]:
        services.sheet_submit(evaluation=evaluation, scores=gp_scores(bid), by=ready.world[username])

    # Every sheet is in: another member's sheet can be read now.
    other = client_for("expert2").get(f"{API}/{code}/sheets/{ready.experts['expert']}")
    assert other.status_code == 200
    assert other.json()["scores"] == gp_scores(bid)
    room = client_for("expert").get(f"{API}/{code}/room").json()
    # C: 90/90 × 30 + 80 × 0.5 + 90 × 0.2 = 30 + 40 + 18 = 88.00, ahead of A's 27 + 42.5 + 16 = 85.50.
    assert room["result"]["candidates"][:2] == [bid["C"], bid["A"]]
    assert room["result"]["bids"][2]["total_score"] == "88.00"
    digest = room["result"]["digest"]

    before = _state()
    silent = _send(client_for("expert3"), "post", url, {"agrees": False})
    assert silent.status_code == 400
    assert silent.json()["code"] == "dissent_required"
    for name in OUTSIDERS:
        assert _send(client_for(name), "post", url, {"agrees": True}).status_code == 404, name
    assert _state() == before

    signed = _send(client_for("expert"), "post", url, {"agrees": True})
    assert signed.status_code == 201, signed.content
    assert signed.json()["result_digest"] == digest
    twice = _send(client_for("expert"), "post", url, {"agrees": True})
    assert twice.status_code == 409
    assert twice.json()["code"] == "report_signed"
    dissent = _send(client_for("expert3"), "post", url, {"agrees": False, "dissent": "价格分计算方法有异议。"})
    assert dissent.status_code == 201
    assert Signature.objects.count() == 2
    assert Signature.objects.get(agrees=False).dissent == "价格分计算方法有异议。"
    overview = client_for("staff").get(f"{API}/{code}/room").json()
    assert overview["signatures"] == []  # the report is not complete: who signed, not what they wrote
    assert overview["progress"]["signed"] == ["专家1", "专家3"]
    for username in ("expert2", "expert4", "expert5"):
        assert _send(client_for(username), "post", url, {"agrees": True}).status_code == 201
    assert Evaluation.objects.get().status == "complete"
    overview = client_for("regulator").get(f"{API}/{code}/room").json()
    assert overview["status"] == "complete"
    assert {s["name"]: s["dissent"] for s in overview["signatures"]}["专家3"] == "价格分计算方法有异议。"
    assert {s["result_digest"] for s in overview["signatures"]} == {digest}
