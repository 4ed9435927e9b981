"""The hall's information in headless Chromium, against pytest-django's in-process live server.

The centre's staff member signs in (password, then the one-time code), changes Monday's opening
hours and publishes a pinned announcement on the manage page; the public hall page (no sign-in)
then shows the new hours, the hall open now (the clock is Monday 10:00) and the announcement.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_center_roster import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    browser,  # noqa: F401  (fixture)
    signed_in,
    staff_make,
)
from zhengwu.contexts.center import hall
from zhengwu.contexts.center.models import Announcement, OpeningHours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_change_the_hours_and_publish_a_notice_and_the_public_page_shows_both(
    live_server: Any,
    browser: Any,  # noqa: F811  (the fixture imported above)
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    staff = staff_make()
    # Monday 09:00–17:00 to begin with: at 10:00 the hall is open.
    hall.opening_hours_set(weekday=1, opens=dt.time(9), closes=dt.time(17), note="", by=staff)
    base = live_server.url
    page = signed_in(browser, base)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{base}/center/hall/manage/")
    monday = page.get_by_test_id("hours-form-1")
    monday.locator("input[name=opens]").fill("08:00")
    monday.locator("input[name=closes]").fill("18:30")
    monday.locator("input[name=note]").fill("提前一小时开门")
    monday.locator("button[type=submit]").click()
    expect(page.get_by_test_id("hours-form-1").locator("input[name=closes]")).to_have_value("18:30")

    notice = page.get_by_test_id("announcement-form")
    notice.locator("input[name=title]").fill("社保窗口临时调整")
    notice.locator("textarea[name=body]").fill("3月份社保业务移至二楼B05窗口办理。")
    notice.locator("input[name=pinned]").check()
    notice.locator("button[type=submit]").click()
    expect(page.locator("tr[data-announcement]")).to_contain_text("社保窗口临时调整")
    page.screenshot(path=str(tmp_path / "hall-manage.png"), full_page=True)

    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{base}/center/hall/")
    expect(public.get_by_test_id("current-user")).to_have_count(0)
    row = public.get_by_test_id("hall-hours").locator("tr[data-weekday='1']")
    expect(row).to_contain_text("08:00–18:30")
    expect(row).to_contain_text("提前一小时开门")
    state = public.get_by_test_id("hall-open-state")
    expect(state).to_have_attribute("data-open", "1")
    expect(state).to_contain_text("08:00–18:30")
    item = public.get_by_test_id("hall-announcements").locator("li[data-pinned='1']")
    expect(item).to_contain_text("社保窗口临时调整")
    expect(item).to_contain_text("3月份社保业务移至二楼B05窗口办理。")
    public.screenshot(path=str(tmp_path / "hall-public.png"), full_page=True)

    monday_hours = OpeningHours.objects.get(weekday=1)
    assert (monday_hours.opens, monday_hours.closes, monday_hours.note) == (
        dt.time(8),
        dt.time(18, 30),
        "提前一小时开门",
    )
    assert list(Announcement.objects.values_list("title", "pinned", "author")) == [("社保窗口临时调整", True, "centre")]
    assert errors == []
