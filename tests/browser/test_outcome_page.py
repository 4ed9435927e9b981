"""The agency's page after the report, in headless Chromium against pytest-django's in-process live server.

The scene is the evaluation tests' (a real sealed-bid opening of four bids, a panel of five) with the
report signed through the services (``scene.evaluation_complete``: candidates A 100万, B 95万,
D 120万; C rejected). In the browser the agency publishes the candidates with the default last day;
the test moves the process clock — which the live server shares — past the publicity. Choosing the
second candidate without a reason for passing over the first is refused in Chinese and nothing is
decided; with "放弃中标" recorded for the first, the second wins. The award notice downloads as a
PDF. A contract at the wrong price is refused with the typed contract number kept; at the award
price it is registered.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.evaluation.scene import Ready, evaluation_complete, wan
from zhengwu.contexts.evaluation.models import Award, Contract, Publicity
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import NOW, world_build
from zhengwu.kernel.clock import CHINA_TZ, clock_advance, clock_now, clock_reset, clock_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

SECOND = "昆明某路桥工程有限公司"  # bidder2, bid B: ranked second
ORDER_REFUSAL = "应当按排名确定中标人；排名第1的候选人未记录不符合中标条件的情形"
PRICE_REFUSAL = "合同价款应当与中标价一致"


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


def _signed_in(browser: Any, base: str, username: str) -> Any:
    """A browser page signed in as ``username`` (password and second factor passed)."""
    client = Client()
    client.force_login(user_get(username=username))
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    host = base.split("://", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def test_the_agency_publishes_awards_past_a_refusal_downloads_the_notice_and_registers_the_contract(
    live_server: Any, browser: Any, tmp_path: Path, settings: Any
) -> None:
    from playwright.sync_api import expect

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ready = Ready(world_build(), tmp_path)
    evaluation_complete(ready)
    code, bid = ready.section.code, ready.bid

    base = live_server.url
    page = _signed_in(browser, base, "agency")
    page.goto(f"{base}/trading/sections/{code}/outcome/")
    publicity_form = page.get_by_test_id("publicity-form")
    expect(publicity_form).to_be_visible()
    # The default last day is the earliest lawful one: three days from today.
    today = clock_now().astimezone(CHINA_TZ).date()
    expect(publicity_form.locator('input[name="ends_on"]')).to_have_value((today + dt.timedelta(days=3)).isoformat())
    publicity_form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("publicity-form")).to_have_count(0)
    publicity = Publicity.objects.get()
    assert publicity.ends_at.astimezone(CHINA_TZ).date() == today + dt.timedelta(days=3)
    assert Section.objects.get(pk=ready.section.pk).status == "candidates"

    # Past the publicity (the live server reads the same clock).
    clock_advance(dt.timedelta(days=4))
    page.reload()
    award_form = page.get_by_test_id("award-form")
    expect(award_form).to_be_visible()
    status_before = page.get_by_test_id("section-status").inner_text()

    # The second candidate without a reason for passing over the first: refused, nothing decided.
    award_form.locator(f'input[name="bid_id"][value="{bid["B"]}"]').check()
    award_form.locator('button[type="submit"]').click()
    expect(page.locator('[role="alert"][data-code="award_order"]')).to_contain_text(ORDER_REFUSAL)
    expect(page.get_by_test_id("winner")).to_have_count(0)
    expect(page.get_by_test_id("section-status")).to_have_text(status_before)
    assert not Award.objects.exists()
    assert Section.objects.get(pk=ready.section.pk).status == "candidates"

    # The first declined the award (放弃中标): the second wins.
    award_form = page.get_by_test_id("award-form")
    award_form.locator(f'input[name="bid_id"][value="{bid["B"]}"]').check()
    award_form.locator(f'select[name="pass_over_{bid["A"]}"]').select_option(label="放弃中标")
    award_form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("winner")).to_contain_text(SECOND)
    expect(page.get_by_test_id("award-form")).to_have_count(0)
    award = Award.objects.get()
    assert (award.bid_id, award.rank, award.price_fen) == (bid["B"], 2, wan(95))
    assert [(p["rank"], p["reason"]) for p in award.passed_over] == [(1, "declined")]

    # The award notice, through its link.
    with page.expect_download() as download_info:
        page.get_by_test_id("notice-pdf").click()
    notice = Path(download_info.value.path()).read_bytes()
    assert notice.startswith(b"%PDF")

    # A contract at another price than the award's: refused, the typed number kept.
    contract_form = page.get_by_test_id("contract-form")
    expect(contract_form).to_be_visible()
    expect(contract_form.locator('input[name="amount"]')).to_have_value("950000.00")
    contract_form.locator('input[name="number"]').fill("HT-2026-0095")
    contract_form.locator('input[name="amount"]').fill("950000.01")
    contract_form.locator('input[name="quality"]').fill("合格")
    contract_form.locator('input[name="term"]').fill("540日历天")
    contract_form.locator('button[type="submit"]').click()
    expect(page.locator('[role="alert"][data-code="contract_price_differs"]')).to_contain_text(PRICE_REFUSAL)
    contract_form = page.get_by_test_id("contract-form")
    expect(contract_form.locator('input[name="number"]')).to_have_value("HT-2026-0095")
    expect(contract_form.locator('input[name="amount"]')).to_have_value("950000.01")
    expect(page.get_by_test_id("security-due")).to_have_count(0)
    assert not Contract.objects.exists()

    # At the award price: registered.
    contract_form.locator('input[name="amount"]').fill("950000.00")
    contract_form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("security-due")).to_be_visible()
    expect(page.get_by_test_id("contract-form")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "outcome-contracted.png"), full_page=True)
    contract = Contract.objects.get()
    assert (contract.number, contract.amount_fen, contract.signed_on) == (
        "HT-2026-0095",
        wan(95),
        clock_now().astimezone(CHINA_TZ).date(),
    )
    assert Section.objects.get(pk=ready.section.pk).status == "contracted"
    assert (tmp_path / "outcome-contracted.png").stat().st_size > 0
