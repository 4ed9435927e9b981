"""The online opening through the trading API: what each participant does and may see, at each step."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.bidding.test_opening import DEADLINE, PRICES, Scene, _client, supervision_release

# The five bidders' world of the opening tests (a fixture).
from tests.bidding.test_opening import world as world
from zhengwu.contexts.bidding.models import Opening, OpeningEntry
from zhengwu.contexts.bidding.services import bids_freeze
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.signing import signing_key_get

API = "/trading/api/bidding/sections"
OUTSIDERS = ("tenderer_other", "agency_other", "expert", "public", "bidder_pending")


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


def _post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.mark.django_db
def test_the_opening_runs_through_the_api_and_each_role_sees_what_it_may(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    code = scene.section.code
    agency = _client("agency")
    url = f"{API}/{code}/opening"
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)

    # Only the host starts it; nobody sees an opening that has not started.
    assert _post(_client("bidder1"), url).status_code == 403
    assert agency.get(url).json()["code"] == "opening_not_started"
    started = _post(agency, url)
    assert started.status_code == 201, started.content
    assert [e["outcome"] for e in started.json()["entries"]] == ["pending"] * 5

    # Outsiders learn nothing; participants see the bidders but no read-out before the 唱标.
    for name in OUTSIDERS:
        response = _client(name).get(url)
        assert response.status_code == 403, name
        assert "云南某" not in response.content.decode()
    for name in ("agency", "tenderer", "staff", "regulator", "bidder1"):
        state = _client(name).get(url).json()
        assert len(state["entries"]) == 5, name
        assert all(e["readout"] is None for e in state["entries"]), name

    share = _post(agency, f"{url}/custody-share", {"envelope": "single", "share": scene.agency_share()})
    assert share.json()["shares_released"] == {"single": 1}
    supervision_release(world["regulator"])
    for name in ("bidder1", "bidder2", "bidder3", "bidder4", "bidder5"):
        body = {"share": scene.bidders[name].own_share()}
        assert _post(_client(name), f"{url}/bidder-share", body).status_code == 200, name
    refused = _post(_client("bidder1"), f"{url}/decrypt")
    assert refused.status_code == 403
    decrypted = _post(agency, f"{url}/decrypt").json()
    assert {e["outcome"] for e in decrypted["entries"]} == {"opened"}
    assert all(e["readout"] is None for e in decrypted["entries"])  # shown only at the read-out

    clock_set(DEADLINE + dt.timedelta(minutes=5))
    read_out = _post(agency, f"{url}/readout").json()
    assert read_out["stage"] == "reading_out"
    prices = {e["bidder_uscc"]: e["readout"]["price_fen"] for e in read_out["entries"]}
    assert prices == {
        world.uscc[n]: p for n, p in {**PRICES, "bidder3": 51_500_000_00, "bidder5": 48_000_000_00}.items()
    }
    own = [e for e in _client("bidder2").get(url).json()["entries"] if e["own"]]
    assert [e["bidder_uscc"] for e in own] == [world.uscc["bidder2"]]

    objected = _post(_client("bidder4"), f"{url}/objections", {"text": "请核对第二名投标人的工期"}).json()
    (objection,) = objected["objections"]
    assert _post(_client("bidder4"), f"{url}/objections/{objection['id']}/reply", {"text": "x"}).status_code == 403
    _post(agency, f"{url}/objections/{objection['id']}/reply", {"text": "已核对，工期为540日历天。"})
    early = _post(agency, f"{url}/record")
    assert early.json()["code"] == "opening_objection_open"
    clock_set(DEADLINE + dt.timedelta(minutes=11))
    recorded = _post(agency, f"{url}/record").json()
    assert recorded["stage"] == "recorded"
    assert signing_key_get().public.verify(recorded["record"].encode(), base64.b64decode(recorded["record_signature"]))
    assert json.loads(recorded["record"])["objections"][0]["reply"] == "已核对，工期为540日历天。"
    assert Section.objects.get(pk=scene.section.pk).status == "evaluating"


@pytest.mark.django_db
def test_refused_opening_acts_change_nothing(world: World, tmp_path: Path) -> None:
    scene = Scene(world, tmp_path)
    code = scene.section.code
    url = f"{API}/{code}/opening"
    clock_set(DEADLINE)
    bids_freeze(section=scene.section, by=SYSTEM)
    _post(_client("agency"), url)
    before = (
        list(OpeningEntry.objects.order_by("id").values_list("outcome", "bidder_share")),
        list(Opening.objects.values_list("stage", "version")),
    )
    for name in ("tenderer_other", "agency_other", "staff", "expert", "public"):
        client = _client(name)
        for path, body in (
            ("/custody-share", {"share": scene.agency_share()}),
            ("/bidder-share", {"share": scene.bidders["bidder1"].own_share()}),
            ("/decrypt", {}),
            ("/readout", {}),
            ("/objections", {"text": "异议"}),
            ("/record", {}),
        ):
            response = _post(client, url + path, body)
            assert response.status_code in (400, 403, 409), (name, path, response.content)
            assert "code" in response.json()
    after = (
        list(OpeningEntry.objects.order_by("id").values_list("outcome", "bidder_share")),
        list(Opening.objects.values_list("stage", "version")),
    )
    assert after == before
