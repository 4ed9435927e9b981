"""A whole online opening through the bid tool and the live page in headless Chromium.

Five bidders make their keys, seal and submit their bids with ``zhengwu bid`` against the
running server (bidder3 submits twice: the replacement counts); at the deadline the bids are
frozen. Then, in the browser: the agency starts the opening and hands in the custody share its
officer opened with ``zhengwu bid custody-open``; a regulator releases the supervision share on
the supervision platform; the bidders hand in their key halves from ``zhengwu bid share`` on the
page (bidder5's fails); the agency decrypts and reads out while bidder2 watches its own page
update by itself; bidder2 objects, the agency replies and publishes the record — which must say
exactly what each bidder sealed.

The server is pytest-django's in-process live server, so the test moves the platform's clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.bidding.test_opening import DEADLINE, PRICES
from zhengwu.contexts.bidding.models import Opening, OpeningKey
from zhengwu.contexts.bidding.services import (
    bidder_key_register,
    bids_freeze,
    custodian_key_register,
    platform_custodian_key_register,
)
from zhengwu.contexts.bidding.tool import keys_load
from zhengwu.contexts.bidding.tool import main as bid_main
from zhengwu.contexts.identity.selectors import actor_for, user_get
from zhengwu.contexts.identity.services import organisation_create, user_create
from zhengwu.contexts.identity.services.tokens import api_token_create
from zhengwu.contexts.supervision.services import held_share_public_b64
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    PASSWORD,
    SYSTEM,
    World,
    tender_publish,
    uscc_make,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.exchange.relay import relay_run_once

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
# bidder3 replaces its first bid (at PRICES["bidder3"]) with this one before the deadline.
REPLACED = 51_500_000_00
SEALED_PRICES = {**PRICES, "bidder3": REPLACED, "bidder5": 48_000_000_00}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls here are sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    clock_set(NOW)
    yield
    clock_reset()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _world(tmp_path: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    world = world_build()
    for key, name in (("bidder4", "云南某市政工程有限公司"), ("bidder5", "昆明某建筑安装有限公司")):
        uscc = uscc_make()
        organisation = organisation_create(uscc=uscc, name=name, market_roles=["bidder"], by=SYSTEM)
        user = user_create(
            username=key, password=PASSWORD, display_name=key, roles=["bidder"], organisation=organisation, by=SYSTEM
        )
        world.actors[key] = actor_for(user=user)
        world.uscc[key] = uscc
    return world


def _tool(*argv: str) -> str:
    """Run ``zhengwu bid …`` (the same entry point as the command) and return what it printed."""
    out = io.StringIO()
    with redirect_stdout(out):
        code = bid_main(list(argv))
    assert code == 0, out.getvalue()
    return out.getvalue()


def _signed_in(browser: Any, base: str, username: str) -> Any:
    """A browser page signed in as ``username`` (password and second factor already passed)."""
    client = Client()
    client.force_login(user_get(username=username))
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    context = browser.new_context(locale="zh-CN")
    host = base.split("://", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_a_whole_opening_with_the_bid_tool_and_the_live_page(live_server: Any, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    world = _world(tmp_path)
    base = live_server.url
    # Custody: the supervision platform's key, and the agency officer's key made with the tool.
    platform_custodian_key_register(public=held_share_public_b64(), by=SYSTEM)
    printed = _tool("custody-keygen", "--out", str(tmp_path), "--name", "agency")
    custodian_key_register(public=printed.split("保管公钥（向平台登记）: ")[1].split()[0], by=world["agency"])
    _, sections, _ = tender_publish(world)
    section = sections[0]
    code = section.code
    key = OpeningKey.objects.get(section_uuid=section.uuid)

    # Each bidder makes its keys, registers the public halves, seals and submits with the tool.
    sealed: dict[str, Path] = {}
    for name in ("bidder1", "bidder2", "bidder3", "bidder4", "bidder5"):
        home = tmp_path / name
        home.mkdir()
        _tool("keygen", "--out", str(home))
        signing, agreement = keys_load(home / "bidder.key")
        bidder_key_register(
            signing_public=signing.public.to_b64(),
            agreement_public=base64.b64encode(agreement.public_raw).decode(),
            by=world[name],
        )
        _, token = api_token_create(name="bid tool", lifetime_days=30, second_factor_passed=True, by=world[name])
        prices = [PRICES["bidder3"], REPLACED] if name == "bidder3" else [SEALED_PRICES[name]]
        for attempt, price in enumerate(prices):
            document = home / f"技术标{attempt}.pdf"
            document.write_bytes(f"{name} 投标文件 {attempt}".encode() * 2_000)
            out = home / f"bid{attempt}.sealed"
            _tool(
                "seal", str(document), "--key", str(home / "bidder.key"), "--section", code,
                "--bidder", world.uscc[name], "--opening-key", key.public, "--fingerprint", key.fingerprint,
                "--price", f"{price / 100:.2f}", "--duration", "540", "--quality", "合格",
                "--personnel", f"{name} 项目经理", "--own-key", "--out", str(out),
            )  # fmt: skip
            _tool("submit", str(out), "--server", base, "--token", token)
            sealed[name] = out

    # The deadline: the accepted bids are frozen and the freeze goes to supervision.
    clock_set(DEADLINE)
    freeze = bids_freeze(section=section, by=SYSTEM)
    assert freeze.leaf_count == 5
    relay_run_once()

    page_url = f"{base}/trading/sections/{code}/opening/"
    host = _signed_in(browser, base, "agency")
    host.goto(page_url)
    watcher = _signed_in(browser, base, "bidder2")
    watcher.goto(page_url)
    expect(watcher.get_by_test_id("opening-waiting")).to_be_visible()

    host.get_by_test_id("opening-start").click()
    expect(host.get_by_test_id("opening-state")).to_have_attribute("data-stage", "decrypting")
    # bidder2's page notices the start by itself and shows its decryption form.
    expect(watcher.get_by_test_id("bidder-share-form")).to_be_visible()
    expect(watcher.get_by_test_id("opening-entry")).to_have_count(5)

    # The agency officer opens its share with the tool on its own machine and pastes the words.
    shares = host.request.get(f"{base}/trading/api/bidding/sections/{code}/custody-shares")
    assert shares.ok
    (tmp_path / "shares.json").write_text(shares.text(), encoding="utf-8")
    words = _tool("custody-open", str(tmp_path / "shares.json"), "--key", str(tmp_path / "agency.custody.key"))
    host.get_by_test_id("custody-share").fill(words.split(": ", 1)[1].strip())
    host.get_by_test_id("custody-submit").click()
    expect(host.get_by_test_id("opening-shares")).to_contain_text("1/2")

    # A regulator releases the supervision share on the supervision platform; the exchange carries it.
    regulator = _signed_in(browser, base, "regulator")
    regulator.goto(f"{base}/supervision/custody/")
    regulator.get_by_test_id(f"release-{code}").click()
    relay_run_once()
    expect(host.get_by_test_id("opening-shares")).to_contain_text("2/2")

    # The bidders hand in their halves on the page; bidder5's fails.
    for name in ("bidder1", "bidder2", "bidder3", "bidder4"):
        bidder = watcher if name == "bidder2" else _signed_in(browser, base, name)
        if name != "bidder2":
            bidder.goto(page_url)
        half = _tool("share", str(sealed[name]), "--key", str(tmp_path / name / "bidder.key")).strip()
        bidder.get_by_test_id("bidder-share").fill(half)
        bidder.get_by_test_id("bidder-share-submit").click()
        expect(bidder.get_by_test_id("bidder-share-form")).to_have_count(0)
    failing = _signed_in(browser, base, "bidder5")
    failing.goto(page_url)
    failing.get_by_test_id("bidder-share").fill(base64.b64encode(os.urandom(32)).decode())
    failing.get_by_test_id("bidder-share-submit").click()

    clock_set(DEADLINE + dt.timedelta(minutes=10))
    host.get_by_test_id("opening-decrypt").click()
    expect(host.locator('[data-outcome="opened"]')).to_have_count(4)
    expect(host.locator('[data-outcome="revoked"]')).to_have_count(1)
    expect(watcher.get_by_test_id("readout")).to_have_count(0)
    host.get_by_test_id("opening-readout").click()
    expect(host.get_by_test_id("opening-state")).to_have_attribute("data-stage", "reading_out")

    # bidder2 did nothing: its page reloaded itself into the read-out.
    expect(watcher.get_by_test_id("readout")).to_have_count(4)
    watched = watcher.get_by_test_id("opening-entries").inner_text()
    for name in ("bidder1", "bidder2", "bidder3", "bidder4"):
        assert f"{SEALED_PRICES[name] / 100:,.2f}" in watched
    assert f"{PRICES['bidder3'] / 100:,.2f}" not in watched  # the replaced bid is gone
    watcher.screenshot(path=str(tmp_path / "opening-readout.png"), full_page=True)

    watcher.get_by_test_id("objection-text").fill("第五名投标人解密失败的原因请予说明")
    watcher.get_by_test_id("objection-submit").click()
    expect(host.get_by_test_id("opening-objections")).to_contain_text("第五名投标人")
    host.reload()
    host.get_by_test_id("reply-text").fill("该投标人提交的解密密钥无法解密，已记录证据。")
    host.get_by_test_id("reply-submit").click()
    clock_set(DEADLINE + dt.timedelta(minutes=16))
    host.get_by_test_id("opening-record").click()
    expect(host.get_by_test_id("opening-recorded")).to_be_visible()
    expect(watcher.get_by_test_id("objection-reply")).to_contain_text("已记录证据")

    # The signed record says what each bidder sealed, and what the page read out.
    record = json.loads(Opening.objects.get().record_body)
    by_uscc = {b["bidder_uscc"]: b for b in record["bids"]}
    for name in ("bidder1", "bidder2", "bidder3", "bidder4"):
        entry = by_uscc[world.uscc[name]]
        assert entry["outcome"] == "opened"
        assert entry["readout"]["price_fen"] == SEALED_PRICES[name]
        assert entry["readout"]["key_personnel"] == [f"{name} 项目经理"]
    assert by_uscc[world.uscc["bidder5"]]["outcome"] == "revoked"
    assert record["objections"][0]["reply"] == "该投标人提交的解密密钥无法解密，已记录证据。"
