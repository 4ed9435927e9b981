"""The steps after the report through the trading API, with an API token: publicity, award, report,
contract, notice; refusals with their codes change nothing; outsiders get 404."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from tests.evaluation.scene import Ready, evaluation_complete, wan
from zhengwu.contexts.evaluation.models import Award, Contract, Publicity
from zhengwu.contexts.experts.tests.factories import client_for
from zhengwu.contexts.identity.services.tokens import api_token_create
from zhengwu.kernel.clock import CHINA_TZ, clock_advance, clock_now

API = "/trading/api/evaluation/sections"


def _token_client(ready: Ready, username: str) -> Client:
    _, token = api_token_create(name="outcome", lifetime_days=1, second_factor_passed=True, by=ready.world[username])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_the_agency_runs_the_steps_after_the_report_through_the_api(ready: Ready) -> None:
    evaluation_complete(ready)
    code, bid = ready.section.code, ready.bid
    agency = _token_client(ready, "agency")
    base = f"{API}/{code}/outcome"

    read = agency.get(base).json()
    assert (read["report_complete"], read["outcome"], read["publicity_required"]) == (True, "candidates", True)
    assert [(c["rank"], c["bid_id"], c["price_fen"]) for c in read["candidates"]] == [
        (1, bid["A"], wan(100)),
        (2, bid["B"], wan(95)),
        (3, bid["D"], wan(120)),
    ]
    today = clock_now().astimezone(CHINA_TZ).date()
    short = _post(agency, f"{base}/publicity", {"ends_on": (today + dt.timedelta(days=1)).isoformat()})
    assert (short.status_code, short.json()["code"]) == (400, "publicity_period_short")
    assert not Publicity.objects.exists()
    published = _post(agency, f"{base}/publicity", {})
    assert published.status_code == 201
    assert published.json()["section_status"] == "candidates"

    early = _post(agency, f"{base}/award", {"bid_id": bid["A"]})
    assert (early.status_code, early.json()["code"]) == (409, "publicity_not_ended")
    clock_advance(dt.timedelta(days=4))
    agency = _token_client(ready, "agency")  # the first token lived one day
    unknown = _post(agency, f"{base}/award", {"bid_id": bid["B"], "passed_over": {bid["A"]: "cheaper"}})
    assert (unknown.status_code, unknown.json()["code"]) == (409, "pass_over_reason_unknown")
    assert not Award.objects.exists()
    awarded = _post(agency, f"{base}/award", {"bid_id": bid["A"]})
    assert awarded.status_code == 201
    award = awarded.json()["award"]
    assert (award["rank"], award["price_fen"], award["savings_fen"]) == (1, wan(100), 5_230_000_000 - wan(100))

    notice = agency.get(f"{base}/notice.pdf")
    assert (notice.status_code, notice["Content-Type"]) == (200, "application/pdf")
    assert notice.content.startswith(b"%PDF")
    assert _token_client(ready, "bidder1").get(f"{base}/notice.pdf").status_code == 200  # bidder1 is the winner (A)
    refused = _token_client(ready, "bidder2").get(f"{base}/notice.pdf")
    assert (refused.status_code, refused.json()["code"]) == (404, "award_not_found")

    assert _post(agency, f"{base}/written-report", {"text": "书面报告"}).status_code == 201
    signed = clock_now().astimezone(CHINA_TZ).date()
    contract = {"number": "HT-1", "signed_on": signed.isoformat(), "subject": "施工", "quality": "合格", "term": "1年"}
    wrong = _post(agency, f"{base}/contract", {**contract, "amount": "1000000.01"})
    assert (wrong.status_code, wrong.json()["code"]) == (400, "contract_price_differs")
    assert not Contract.objects.exists()
    done = _post(agency, f"{base}/contract", {**contract, "amount": "1000000"})
    assert done.status_code == 201
    assert (done.json()["section_status"], done.json()["contract"]["amount_fen"]) == ("contracted", wan(100))


@pytest.mark.django_db
def test_outsiders_get_404_and_oversight_cannot_act(ready: Ready) -> None:
    evaluation_complete(ready)
    base = f"{API}/{ready.section.code}/outcome"
    for username in ("bidder1", "expert", "public"):
        client = client_for(username)
        response = client.get(base)
        assert (response.status_code, response.json()["code"]) == (404, "outcome_not_found"), username
        assert _post(client, f"{base}/publicity", {}).status_code in (403, 404), username
    staff = _token_client(ready, "staff")
    assert staff.get(base).status_code == 200
    refused = _post(staff, f"{base}/publicity", {})
    assert (refused.status_code, refused.json()["code"]) == (403, "outcome_denied")
    assert not Publicity.objects.exists()
