"""An expert's score sheet in headless Chromium, against pytest-django's in-process live server.

The scene is the evaluation tests' (a real sealed-bid opening of four bids, a panel of five
accepted experts); the room is opened and every member marks every bid compliant through the
services. Then, in the browser, ``expert`` opens the room and the score sheet, types the scores
with one out of range and submits: the page names the field and keeps every typed value. The
expert corrects it, saves a draft, reloads (the draft is still there), submits (the confirm
dialog accepted) and finds the sheet locked. The database holds exactly the typed scores.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.evaluation.scene import EXPERTS, GP_METHOD, Ready, gp_scores
from zhengwu.contexts.evaluation import services
from zhengwu.contexts.evaluation.models import Sheet
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.tests.factories import NOW, world_build
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


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


def _signed_in(browser: Any, base: str, username: str) -> tuple[Any, list[str]]:
    """A browser page signed in as ``username`` (password and second factor passed), and the dialogs it shows."""
    client = Client()
    client.force_login(user_get(username=username))
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    context = browser.new_context(locale="zh-CN")
    host = base.split("://", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session.session_key, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return page, dialogs


def _fill(page: Any, typed: dict[str, dict[str, str]]) -> None:
    for bid_id, row in typed.items():
        for item, value in row.items():
            page.get_by_test_id(f"s-{bid_id}-{item}").fill(value)


def _expect_values(page: Any, typed: dict[str, dict[str, str]]) -> None:
    from playwright.sync_api import expect

    for bid_id, row in typed.items():
        for item, value in row.items():
            expect(page.get_by_test_id(f"s-{bid_id}-{item}")).to_have_value(value)


def test_an_expert_scores_corrects_saves_and_submits_the_sheet(
    live_server: Any, browser: Any, tmp_path: Path, settings: Any
) -> None:
    from playwright.sync_api import expect

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ready = Ready(world_build(), tmp_path)
    code, bid = ready.section.code, ready.bid
    evaluation = services.evaluation_create(section=ready.section, method=GP_METHOD, by=ready.world["staff"])
    for username in EXPERTS:
        for bid_id in bid.values():
            services.compliance_mark(evaluation=evaluation, bid_id=bid_id, compliant=True, by=ready.world[username])

    base = live_server.url
    page, dialogs = _signed_in(browser, base, "expert")
    page.goto(f"{base}/trading/sections/{code}/evaluation/")
    expect(page.get_by_test_id("bids")).to_contain_text("云南某建设工程有限公司")  # bidder1, read out at the opening
    page.get_by_test_id("sheet-link").click()
    expect(page.get_by_test_id("sheet-form")).to_be_visible()

    # Every score typed, B's business score out of range (max 100); submit.
    typed = gp_scores(bid, {"B": {"biz": "120"}})
    _fill(page, typed)
    page.get_by_test_id("sheet-submit").click()
    wrong = page.get_by_test_id(f"error-s-{bid['B']}-biz")
    expect(wrong).to_be_visible()
    expect(wrong).to_contain_text("分值应在0至100分之间")
    expect(page.locator(".field-error")).to_have_count(1)
    _expect_values(page, typed)  # nothing typed is lost, the wrong value included
    assert Sheet.objects.get().submitted_at is None

    # Corrected and saved as a draft; a reload shows the draft.
    page.get_by_test_id(f"s-{bid['B']}-biz").fill("88")
    fixed = gp_scores(bid, {"B": {"biz": "88"}})
    page.get_by_test_id("sheet-save").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(0)
    page.reload()
    _expect_values(page, fixed)
    draft = Sheet.objects.get()
    assert draft.submitted_at is None
    assert draft.scores == fixed

    # Submitted (the confirm dialog accepted): back in the room, the sheet is locked.
    page.get_by_test_id("sheet-submit").click()
    expect(page.get_by_test_id("sheet-link")).to_have_count(0)
    assert len(dialogs) == 2  # the refused submission asked too
    page.goto(f"{base}/trading/sections/{code}/evaluation/sheet/")
    _expect_values(page, fixed)
    for bid_id in bid.values():
        for item in ("tech", "biz"):
            expect(page.get_by_test_id(f"s-{bid_id}-{item}")).to_be_disabled()
    expect(page.get_by_test_id("sheet-submit")).to_have_count(0)
    expect(page.get_by_test_id("sheet-save")).to_have_count(0)
    expect(page.get_by_test_id("sheet-locked")).to_be_visible()
    page.screenshot(path=str(tmp_path / "score-sheet-submitted.png"), full_page=True)

    sheet = Sheet.objects.get()
    assert sheet.submitted_at is not None
    assert sheet.member.expert_id == ready.experts["expert"]
    assert sheet.scores == fixed
    assert (tmp_path / "score-sheet-submitted.png").stat().st_size > 0
