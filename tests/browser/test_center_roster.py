"""The leaders' duty roster in headless Chromium, against pytest-django's in-process live server.

Thirty-six departments with three leaders each are registered through the services. In the
browser the centre's staff member signs in (password, then the one-time code), generates 2026's
roster three departments a day, publishes it, opens March's first duty and swaps it with April's
with a reason. The public roster page (no sign-in) then shows the two departments on each
other's day, and the database holds the swap with its reason.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS
from zhengwu.contexts.center.models import DutyAssignment, DutyChange, RosterYear
from zhengwu.contexts.center.tests.roster_world import departments_make
from zhengwu.contexts.identity.demo import demo_totp_secret
from zhengwu.contexts.identity.services import user_create
from zhengwu.contexts.identity.services.second_factor import totp_enrol_demo
from zhengwu.contexts.identity.totp import totp_code_now
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SYSTEM = Actor.system("test")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)  # a Monday morning
PASSWORD = "Kunming-Centre-2026"


@pytest.fixture(autouse=True)
def _clock_and_calendar(settings: Any) -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls here are sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clock_set(NOW)
    calendar_defaults_load(by=SYSTEM)
    calendar_cache_clear()
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


def staff_make(username: str = "centre") -> Actor:
    """A centre staff member with a password and an enrolled authenticator."""
    user = user_create(
        username=username,
        password=PASSWORD,
        display_name="中心工作人员",
        roles=["centre_staff"],
        is_demo=True,
        by=SYSTEM,
    )
    totp_enrol_demo(user=user, secret=demo_totp_secret(username), by=SYSTEM)
    return Actor(user_id=user.pk, username=username, roles=frozenset({"centre_staff"}))


def signed_in(browser: Any, base: str, username: str = "centre") -> Any:
    """A page on which ``username`` signed in as a person does: password, then the one-time code."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/center/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/center/accounts/totp/**")
    page.fill("input[name=code]", totp_code_now(secret=demo_totp_secret(username)))
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(f"{base}/center/")
    assert page.get_by_test_id("current-user").count() == 1
    return page


def test_staff_generate_publish_and_swap_and_the_public_page_shows_the_swap(
    live_server: Any, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    staff = staff_make()
    departments_make(by=staff)
    base = live_server.url
    page = signed_in(browser, base)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{base}/center/roster/?year=2026")
    expect(page.get_by_test_id("roster-missing")).to_be_visible()
    generate = page.get_by_test_id("roster-generate")
    generate.locator("input[name=year]").fill("2026")
    generate.locator("input[name=per_day]").fill("3")
    generate.locator("button[type=submit]").click()
    plan = page.get_by_test_id("roster-plan")
    expect(plan.locator("tr[data-assignment]")).to_have_count(36)
    expect(page.get_by_test_id("roster-status")).to_have_attribute("data-published", "no")
    page.get_by_test_id("roster-publish").click()
    expect(page.get_by_test_id("roster-status")).to_have_attribute("data-published", "yes")
    assert RosterYear.objects.get(year=2026).published_at is not None

    # March's first duty (2026-03-10) and April's first (2026-04-10), as generated.
    march = DutyAssignment.objects.filter(day=dt.date(2026, 3, 10)).select_related("department").earliest("id")
    april = DutyAssignment.objects.filter(day=dt.date(2026, 4, 10)).select_related("department").earliest("id")
    plan.locator(f"tr[data-assignment='{march.pk}'] a").click()
    expect(page.get_by_test_id("duty-change")).to_be_visible()
    change = page.get_by_test_id("duty-change")
    change.locator("select[name=other]").select_option(str(april.pk))
    change.locator("form[action$='/swap/'] input[name=reason]").fill("三月十日参加全省会议")
    page.get_by_test_id("duty-swap").click()
    expect(page.get_by_test_id("duty-changes").locator("tr[data-kind=swap]")).to_contain_text("三月十日参加全省会议")
    expect(page.locator("h1")).to_contain_text("2026-04-10")
    page.screenshot(path=str(tmp_path / "roster-swapped.png"), full_page=True)

    # The public page, without signing in.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{base}/center/roster/public/")
    on_march = public.locator("[data-testid=public-day][data-day='2026-03-10']")
    on_april = public.locator("[data-testid=public-day][data-day='2026-04-10']")
    expect(on_march.locator(f"li[data-department='{april.department.code}']")).to_have_count(1)
    expect(on_march.locator(f"li[data-department='{march.department.code}']")).to_have_count(0)
    expect(on_april.locator(f"li[data-department='{march.department.code}']")).to_have_count(1)
    expect(on_april.locator(f"li[data-department='{april.department.code}']")).to_have_count(0)
    public.screenshot(path=str(tmp_path / "roster-public.png"), full_page=True)

    march.refresh_from_db()
    april.refresh_from_db()
    assert (march.day, april.day) == (dt.date(2026, 4, 10), dt.date(2026, 3, 10))
    assert set(DutyChange.objects.values_list("kind", "reason", "by")) == {("swap", "三月十日参加全省会议", "centre")}
    assert errors == []
