"""The bidder's browser path in real headless Chromium: register the key, upload a sealed file, get the receipt.

The server runs in this process (pytest-django's ``live_server``), so the test seeds its tender
with the factories and reads the database afterwards. One chunk's answer is lost on the way back
(the server stored it, the browser sees a network failure): the uploader must ask the server
what it holds and go on from there, not send the chunk again.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from tests.bidding.apikit import BidderKeys, commitment_digest
from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS
from zhengwu.contexts.bidding import views
from zhengwu.contexts.bidding.models import Bid, BidderKey, BidUpload, OpeningKey, Receipt
from zhengwu.contexts.bidding.tool import main as bid_main
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, tender_publish, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = [pytest.mark.browser]

CHUNK = 64 << 10


@pytest.fixture(autouse=True)
def _async_unsafe() -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # synchronous all the same.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
        # Inside Playwright's context the test's ORM calls opened a connection of their own;
        # close it here, or the test database cannot be dropped at the end of the session.
        connections.close_all()


def test_a_bidder_uploads_a_sealed_file_in_the_browser_and_gets_the_receipt(
    transactional_db: Any, live_server: Any, settings: Any, tmp_path: Path, browser: Any, monkeypatch: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar_defaults_load(by=SYSTEM)  # transactional tests flush the shipped calendar
    world = world_build()
    _, sections, _ = tender_publish(world, bidder_key_required=False)
    section = sections[0]
    opening = OpeningKey.objects.get(section_uuid=section.uuid)
    # Small chunks, so a file of a few hundred kilobytes takes several requests.
    monkeypatch.setattr(views, "UPLOAD_CHUNK_SIZE", CHUNK)

    keys = BidderKeys()
    sealed = keys.seal(
        tmp_path=tmp_path,
        section=section.code,
        uscc=world.uscc["bidder1"],
        opening_public=opening.public,
        price_fen=51_200_000_00,
        size=200_000,
    )
    sealed_path = tmp_path / f"{section.code}-single.sealed"
    sealed_path.write_bytes(sealed)
    assert len(sealed) > 3 * CHUNK

    # Signed in as the bidder: the session of a test client, handed to the browser.
    client = Client()
    client.force_login(user_get(username="bidder1"))
    context = browser.new_context(locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 1. The key, pasted on "My bidding keys".
    page.goto(f"{live_server.url}/trading/keys/")
    page.get_by_test_id("key-text").fill(json.dumps(keys.public()))
    page.get_by_test_id("key-register").click()
    page.wait_for_url(f"{live_server.url}/trading/keys/")
    assert page.get_by_test_id("signing-key-id").inner_text() == keys.signing.public.key_id
    assert BidderKey.objects.get(revoked_at__isnull=True).signing_key_id == keys.signing.public.key_id

    # 2. The bid page: the menu leads there through the tender page; the countdown runs.
    page.goto(f"{live_server.url}/trading/tenders/{section.code}/")
    page.get_by_test_id("sealed-bid-link").click()
    page.wait_for_url(f"{live_server.url}/trading/tenders/{section.code}/bid/")
    countdown = page.get_by_test_id("countdown")
    first = countdown.inner_text()
    page.wait_for_function(
        "before => document.querySelector('[data-countdown]').textContent !== before", arg=first, timeout=5_000
    )
    assert page.get_by_test_id("upload-form").is_visible()  # shown by the script

    # The third chunk's answer is lost after the server stored it.
    puts: list[int] = []
    states: list[str] = []

    def on_request(request: Any) -> None:
        path = urlsplit(request.url)
        if request.method == "PUT" and path.path.endswith("/chunks"):
            puts.append(int(parse_qs(path.query)["offset"][0]))
        elif request.method == "GET" and "/api/bidding/uploads/" in path.path:
            states.append(path.path)

    page.on("request", on_request)
    lost = {"done": False}

    def lose_third_answer(route: Any) -> None:
        offset = int(parse_qs(urlsplit(route.request.url).query)["offset"][0])
        if offset == 2 * CHUNK and not lost["done"]:
            lost["done"] = True
            answer = route.fetch()  # the server receives and stores the chunk
            assert answer.status == 200, answer.text()
            route.abort("connectionreset")
            return
        route.continue_()

    page.route(lambda url: "/api/bidding/uploads/" in url and "/chunks?" in url, lose_third_answer)

    # A file that is not sealed is refused in the browser, before anything is sent.
    wrong_path = tmp_path / "技术标.pdf"
    wrong_path.write_bytes(b"%PDF-1.7 not sealed" * 100)
    page.get_by_test_id("sealed-file").set_input_files(str(wrong_path))
    page.get_by_test_id("upload-start").click()
    expected = page.evaluate("JSON.parse(document.getElementById('bid-upload-text').textContent).not_sealed")
    page.wait_for_function(
        "want => document.querySelector('[data-status]').textContent === want", arg=expected, timeout=5_000
    )
    assert not BidUpload.objects.exists()

    # 3. Choose the sealed file and upload it.
    page.get_by_test_id("sealed-file").set_input_files(str(sealed_path))
    page.get_by_test_id("upload-start").click()
    receipt_box = page.get_by_test_id("upload-receipt")
    receipt_box.wait_for(state="visible", timeout=60_000)
    page.screenshot(path=str(tmp_path / "bid-upload.png"), full_page=True)
    assert errors == []

    digest = commitment_digest(sealed)
    assert receipt_box.get_attribute("data-digest") == digest
    assert receipt_box.locator("[data-field=digest]").inner_text() == digest
    assert receipt_box.locator("[data-field=size]").inner_text() == str(len(sealed))

    # Resumed from what the server held: no chunk was sent twice, and the state was asked for.
    assert lost["done"] is True
    assert puts == sorted(set(puts))
    assert puts[:4] == [0, CHUNK, 2 * CHUNK, 3 * CHUNK]
    assert states, "the uploader did not ask the server how much it had received"

    # The bid is accepted with the sealed file's commitment, its bytes stored in full.
    bid = Bid.objects.get(section_uuid=section.uuid)
    assert (bid.status, bid.digest, bid.size) == ("accepted", digest, len(sealed))
    upload = BidUpload.objects.get()
    assert (upload.status, upload.received_size, upload.declared_digest) == ("committed", len(sealed), digest)
    receipt = Receipt.objects.get(bid=bid)
    assert receipt_box.get_attribute("data-receipt-id") == str(receipt.uuid)

    # The receipt the page links to verifies against the file with the bid tool.
    download = page.request.get(f"{live_server.url}/trading/receipts/{receipt.uuid}/")
    assert download.status == 200
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_bytes(download.body())
    platform_key = json.loads(download.body())["platform_key"]
    assert base64.b64decode(platform_key)
    assert bid_main(["verify", str(sealed_path), "--receipt", str(receipt_path), "--platform-key", platform_key]) == 0

    # The page, reloaded, lists the bid with its receipt.
    page.goto(f"{live_server.url}/trading/tenders/{section.code}/bid/")
    assert page.get_by_test_id("bid-digest").inner_text() == digest
    context.close()
