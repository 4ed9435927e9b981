"""The legal-aid desk in headless Chromium: the desk's staff sign in with their second factor, record
a consultation and take an application from its registration to the decision to give aid.

The server runs in this process (pytest-django's ``live_server``); the account is made with the
identity services and pre-enrolled with a demo TOTP secret, whose current code the test computes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from django.db import connections

from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS
from zhengwu.contexts.center.models import CaseEvent, Consultation, LegalAidCase
from zhengwu.contexts.identity.demo import demo_totp_secret
from zhengwu.contexts.identity.services import totp_enrol_demo, user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today
from zhengwu.kernel.idcard import idcard_check_char
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = [pytest.mark.browser]

PASSWORD = "Kunming-LegalAid-2026"
FIRST17 = "53010219790605002"
ID_NUMBER = FIRST17 + idcard_check_char(FIRST17)


@pytest.fixture(autouse=True)
def _async_unsafe() -> Iterator[None]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
        connections.close_all()


def test_the_desk_records_a_consultation_and_accepts_an_application(
    transactional_db: Any, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    system = Actor.system("test")
    calendar_defaults_load(by=system)
    calendar_cache_clear()
    user = user_create(
        username="legalaid",
        password=PASSWORD,
        display_name="段雪梅",
        roles=["legal_aid_staff"],
        is_demo=True,
        by=system,
    )
    totp_enrol_demo(user=user, secret=demo_totp_secret("legalaid"), by=system)
    base = live_server.url
    page = browser.new_context(locale="zh-CN").new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # The password, then the second factor.
    page.goto(base + "/center/legal-aid/")
    assert "/center/accounts/login/" in page.url
    page.fill("input[name=username]", "legalaid")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/center/accounts/totp/**")
    page.goto(base + "/center/legal-aid/")
    assert "/center/accounts/" in page.url  # the password alone does not open the desk
    page.goto(base + "/center/accounts/totp/")
    page.fill("input[name=code]", pyotp.TOTP(demo_totp_secret("legalaid")).now())
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto(base + "/center/")
    page.get_by_test_id("nav-legal-aid").click()
    page.wait_for_url(base + "/center/legal-aid/")

    # A consultation.
    page.get_by_test_id("consultation-new").first.click()
    page.wait_for_url(base + "/center/legal-aid/consultations/new/")
    form = page.get_by_test_id("consultation-form")
    form.locator("input[name=person_name]").fill("钱咨询")
    form.locator("input[name=phone]").fill("13711112222")
    form.locator("select[name=topic]").select_option("labour")
    form.locator("textarea[name=question]").fill("公司未签劳动合同就辞退我。")
    form.locator("textarea[name=advice]").fill("可主张二倍工资，建议申请劳动仲裁。")
    form.locator("button[type=submit]").click()
    page.wait_for_url(base + "/center/legal-aid/consultations/")
    consultation = Consultation.objects.get()
    assert page.locator(f"[data-consultation='{consultation.pk}']").inner_text().count("钱咨询") == 1

    # An application: first refused for a mistyped identity number, nothing lost, then registered.
    page.goto(base + "/center/legal-aid/cases/new/")
    form = page.get_by_test_id("case-form")
    form.locator("input[name=applicant_name]").fill("段晓芸")
    form.locator("input[name=id_number]").fill(ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1"))
    form.locator("input[name=phone]").fill("13987654321")
    form.locator("select[name=case_type]").select_option("wages")
    form.locator("input[name=household_size]").fill("3")
    form.locator("input[name=monthly_income]").fill("4200")
    form.locator("textarea[name=summary]").fill("追索拖欠的三个月工资。")
    form.locator("button[type=submit]").click()
    assert page.locator("[data-code=id_card_check_digit]").is_visible()
    assert not LegalAidCase.objects.exists()
    form = page.get_by_test_id("case-form")
    assert form.locator("textarea[name=summary]").input_value() == "追索拖欠的三个月工资。"
    form.locator("input[name=id_number]").fill(ID_NUMBER)
    form.locator("button[type=submit]").click()
    number = f"FY{clock_today().year}-0001"
    page.wait_for_url(f"{base}/center/legal-aid/cases/{number}/")
    assert page.get_by_test_id("case-status").get_attribute("data-status") == "applied"
    assert page.get_by_test_id("eligibility").get_attribute("data-eligible") == "yes"
    assert page.get_by_test_id("id-masked").inner_text() == ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
    assert ID_NUMBER not in page.content()

    # Review, then the decision to give aid.
    page.get_by_test_id("review-begin").click()
    page.wait_for_url(f"{base}/center/legal-aid/cases/{number}/")
    assert page.get_by_test_id("case-status").get_attribute("data-status") == "reviewing"
    review = page.get_by_test_id("review-form")
    review.locator("input[value=accept]").check()
    review.locator("textarea[name=reason]").fill("家庭人均收入低于标准，符合法律援助条件。")
    page.get_by_test_id("review-submit").click()
    page.wait_for_url(f"{base}/center/legal-aid/cases/{number}/")
    assert page.get_by_test_id("case-status").get_attribute("data-status") == "accepted"
    assert page.get_by_test_id("assign-form").is_visible()
    page.screenshot(path=str(tmp_path / "legal-aid-case.png"), full_page=True)

    case = LegalAidCase.objects.get(number=number)
    assert (case.status, case.eligible, case.monthly_income_fen) == ("accepted", True, 420_000)
    assert list(CaseEvent.objects.filter(case=case).values_list("status_to", flat=True)) == [
        "applied",
        "reviewing",
        "accepted",
    ]
    assert errors == []
