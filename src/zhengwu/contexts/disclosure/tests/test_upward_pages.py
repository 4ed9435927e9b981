"""The sync report on the public platform: a page and an API for the centre's staff only."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from zhengwu.contexts.disclosure.tests import upward_samples as s
from zhengwu.contexts.disclosure.tests.test_upward_receiving import CITY, envelope
from zhengwu.kernel.clock import clock_now
from zhengwu.platform.exchange.envelope import HEADER_SIGNATURE, HEADER_SOURCE
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.signing import signing_key_get

pytestmark = pytest.mark.django_db

PAGE = "/upward/"
API = "/api/disclosure/upward/report"


def signed_in(client: Client, *roles: str) -> Client:
    user = get_user_model().objects.create_user(username="u-" + "-".join(roles or ("none",)), password="x" * 12)
    for role in roles:
        user.role_grants.create(role=role, granted_at=clock_now())
    client.force_login(user)
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client


@pytest.fixture
def both_sides(settings: Any) -> None:
    """A notice queued upward with no endpoint configured; one record received from the city."""
    settings.ZHENGWU_UPWARD_URL = ""
    settings.ZHENGWU_UPWARD_SOURCES = f"{CITY}={signing_key_get().public.to_b64()}"
    settings.ZHENGWU_UPWARD_PUB_SERVICE_PLAT_CODE = CITY
    settings.ZHENGWU_UPWARD_PLATFORM_CODE = "91530100MA6K0TRADE"
    settings.ZHENGWU_UPWARD_TRADE_PLAT = "E5301000001"
    settings.ZHENGWU_UPWARD_PUB_SERVICE_PLAT = "P5301000001"
    with transaction.atomic():
        outbox_publish(event=s.tender_notice())
    relay_run_once()
    body = envelope(501)
    Client().post(
        "/api/disclosure/upward/upload",
        data=body,
        content_type="application/xml",
        headers={HEADER_SOURCE: CITY, HEADER_SIGNATURE: base64.b64encode(signing_key_get().sign(body)).decode()},
    )


def cells(page: str, testid: str) -> list[str]:
    row = re.search(rf'data-testid="{testid}">(.*?)</tr>', page, re.S)
    assert row is not None, testid
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_staff_see_both_sides_per_dataset(client: Client, both_sides: None) -> None:
    response = signed_in(client, "centre_staff").get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="upward-not-configured"' in page
    # Dataset, name, queued, sent, acknowledged, rejected, pending, retrying.
    assert cells(page, "upward-sent-502") == ["502 SECTION", "标段(包)", "1", "0", "0", "0", "1", "0"]
    assert cells(page, "upward-sent-503")[2:] == ["1", "0", "0", "0", "1", "0"]
    # Platform, dataset, name, received, accepted, rejected, records held.
    assert cells(page, f"upward-received-{CITY}-501") == [CITY, "501 TENDER_PROJECT", "招标项目", "1", "1", "0", "1"]


def test_the_page_is_for_staff_only(client: Client, both_sides: None) -> None:
    anonymous = client.get(PAGE)
    assert (anonymous.status_code, anonymous["Location"]) == (302, "/accounts/login/?next=%2Fupward%2F")
    assert signed_in(Client(), "bidder").get(PAGE).status_code == 403
    assert signed_in(Client(), "public").get(PAGE).status_code == 403


def test_the_report_api_gives_both_sides_to_staff_and_nothing_to_others(client: Client, both_sides: None) -> None:
    response = signed_in(client, "centre_staff").get(API)

    assert response.status_code == 200
    body = response.json()
    assert (body["sender"]["configured"], body["sender"]["platform_code"]) == (False, CITY)
    assert [(r["data_no"], r["queued"], r["pending"]) for r in body["sender"]["rows"]] == [
        (501, 1, 1),
        (502, 1, 1),
        (503, 1, 1),
    ]
    assert body["receiver"]["sources"] == [CITY]
    assert [(r["source"], r["data_no"], r["received"], r["accepted"]) for r in body["receiver"]["rows"]] == [
        (CITY, 501, 1, 1)
    ]
    assert Client().get(API).status_code == 401
    denied = signed_in(Client(), "regulator").get(API)
    assert (denied.status_code, denied.json()["code"]) == (403, "upward_report_denied")
