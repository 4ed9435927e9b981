"""The library window in headless Chromium against pytest-django's in-process live server.

The catalogue is the demo's. Centre staff, signed in, lend a copy at the desk by its barcode and
a reader's card; the public catalogue, read without signing in, then shows one copy fewer on the
shelf. The staff take it back from the open-loans list and the shelf count is whole again.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS
from zhengwu.contexts.center.demo_library import library_demo_load
from zhengwu.contexts.center.models import Book, Copy, Loan
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.services import user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYSTEM = Actor.system("test")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls here are sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    clock_set(NOW)
    yield
    clock_reset()
    calendar_cache_clear()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
        connections.close_all()


def _signed_in(browser: Any, base: str) -> Any:
    """A browser page signed in as centre staff (password and second factor passed)."""
    user = user_create(
        username="librarian",
        password="Zw-test-Passw0rd!",
        display_name="图书窗口",
        roles=[Role.CENTRE_STAFF],
        by=SYSTEM,
    )
    client = Client()
    client.force_login(user)
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
    return page


def _shelf_count(page: Any, base: str, book: Book) -> tuple[int, int]:
    page.goto(f"{base}/center/library/?q=置身事内")
    row = page.locator(f"tr[data-book='{book.pk}']")
    return int(row.get_attribute("data-available")), int(row.get_attribute("data-total"))


def test_staff_lend_at_the_desk_and_the_public_catalogue_follows(live_server: Any, browser: Any) -> None:
    calendar_defaults_load(by=SYSTEM)
    calendar_cache_clear()
    library_demo_load(by=SYSTEM)
    book = Book.objects.get(title__startswith="置身事内")
    copy = Copy.objects.filter(book=book, status=Copy.Status.AVAILABLE).order_by("barcode").first()
    assert copy is not None
    base = live_server.url

    public = browser.new_context(locale="zh-CN").new_page()
    public.set_default_timeout(20_000)
    available, total = _shelf_count(public, base, book)
    assert available >= 1

    page = _signed_in(browser, base)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base}/center/library/desk/")
    lend = page.get_by_test_id("lend-form")
    lend.locator("input[name=barcode]").fill(copy.barcode)
    lend.locator("input[name=card_no]").fill("DX2026010")
    lend.locator("button[type=submit]").click()
    page.wait_for_url(f"{base}/center/library/desk/")
    row = page.locator(f"[data-testid=open-loans] tr[data-barcode='{copy.barcode}']")
    assert row.count() == 1
    assert Loan.objects.filter(copy=copy, returned_on__isnull=True).exists()

    assert _shelf_count(public, base, book) == (available - 1, total)
    assert "DX2026010" not in public.content()

    row.get_by_test_id("loan-return").click()
    page.wait_for_url(f"{base}/center/library/desk/")
    assert page.locator(f"[data-testid=open-loans] tr[data-barcode='{copy.barcode}']").count() == 0
    assert _shelf_count(public, base, book) == (available, total)
    assert errors == []
