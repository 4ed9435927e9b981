"""Browser journeys in real headless Chromium (Debian's), driven by Playwright.

The standalone deployable is set up with its demo data on a fresh PostgreSQL database and
served by gunicorn, exactly as `make run` does (but on PostgreSQL and a free port).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import base_env, pg_database, served, zhengwu

pytestmark = [pytest.mark.browser, pytest.mark.processes]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "Zhengwu@2026"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    var_dir = tmp_path_factory.mktemp("browser")
    with pg_database("zw_browser") as database_url:
        env = base_env(database_url=database_url, var_dir=var_dir)
        result = zhengwu("standalone", "setup", env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        with served("standalone", env=env) as base:
            yield base, env


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _page(browser: object, tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _totp(env: dict[str, str], username: str) -> str:
    result = zhengwu("standalone", "totp", username, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().split()[-1]


def test_public_home_is_in_chinese_and_links_every_platform(site, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = site
    page = _page(browser, tmp_path, "public")
    page.goto(base + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "公共服务平台" in page.locator(".brand-text").inner_text()
    links = page.locator("nav.platforms a").all_inner_texts()
    assert links == ["公共服务平台", "交易平台", "行政监督平台", "第三方评价", "服务中心"]
    # The demo's seven verified market subjects reached the public platform through the exchange.
    assert page.get_by_test_id("subject-total").inner_text() == "7"
    page.get_by_test_id("subject-total").click()
    page.wait_for_url(base + "/subjects/")
    assert page.locator("table tbody tr").count() == 7
    page.screenshot(path=str(tmp_path / "public.png"))


def test_bidder_logs_in_on_the_trading_platform(site, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = site
    page = _page(browser, tmp_path, "trading")
    page.goto(base + "/trading/")
    page.get_by_role("link", name="登录").first.click()
    assert page.url.startswith(base + "/trading/accounts/login/")
    page.fill("input[name=username]", "bidder1")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(base + "/trading/")
    assert page.get_by_test_id("current-user").inner_text().strip() != ""
    assert "欢迎" in page.locator("main").inner_text()
    organisation = page.get_by_test_id("my-organisation").inner_text()
    assert "已核验" in organisation
    page.screenshot(path=str(tmp_path / "trading.png"))
    # A wrong password on the same page is refused with a Chinese message, no 500.
    page.locator("form[action$='accounts/logout/'] button").click()
    page.goto(base + "/trading/accounts/login/")
    page.fill("input[name=username]", "bidder1")
    page.fill("input[name=password]", "wrong-password")
    page.locator("form.stacked button[type=submit]").click()
    assert "/trading/accounts/login/" in page.url
    assert page.get_by_test_id("current-user").count() == 0


def test_regulator_logs_in_on_supervision_with_a_second_factor(site, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, env = site
    page = _page(browser, tmp_path, "supervision")
    page.goto(base + "/supervision/accounts/login/")
    page.fill("input[name=username]", "regulator")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url("**/supervision/accounts/totp/**")
    # The password alone does not open the platform: nobody is signed in yet.
    page.goto(base + "/supervision/")
    assert page.get_by_test_id("current-user").count() == 0
    assert page.get_by_test_id("subject-register").count() == 0
    page.goto(base + "/supervision/accounts/totp/")
    page.fill("input[name=code]", _totp(env, "regulator"))
    page.locator("form.stacked button[type=submit]").click()
    page.wait_for_url(base + "/supervision/")
    assert "欢迎" in page.locator("main").inner_text()
    # The regulator's register holds every subject the trading platform registered (eight, with the
    # concluded demo tender's two extra bidders).
    assert page.get_by_test_id("subject-register").locator("tbody tr").count() == 8
    assert page.get_by_test_id("count-pending").inner_text() == "1"
    page.screenshot(path=str(tmp_path / "supervision.png"))


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    # Wide tables scroll inside their own box on a phone; the page itself never does.
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, width


def test_the_public_site_on_a_phone_search_timeline_statistics(site, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _ = site
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(base + "/notices/")
    _no_sideways_scroll(page)
    page.get_by_label("搜索标题和正文").fill("市政道路")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/notices/?q=*")
    titles = page.locator('table[data-testid="notices"] tbody tr td:nth-child(2)').all_inner_texts()
    assert titles, "the search found nothing"
    assert all("市政道路" in t for t in titles), titles
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "phone-search.png"), full_page=True)

    # The concluded demo tender: from its notice to the project, then the section's whole timeline.
    page.goto(base + "/notices/?status=awarded")
    page.locator('table[data-testid="notices"] tbody tr a').first.click()
    page.get_by_test_id("notice-project").click()
    page.locator('[data-testid="project-sections"] a').first.click()
    kinds = page.locator('[data-testid="timeline"] li').evaluate_all("items => items.map(i => i.dataset.kind)")
    assert kinds[0] == "notice.tender"
    assert kinds[-1] == "contract"
    assert {"freeze", "opening", "publicity", "award"} <= set(kinds)
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "phone-section.png"), full_page=True)

    page.goto(base + "/statistics/?year=2026")
    assert page.locator("svg").count() >= 5
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "phone-statistics.png"), full_page=True)
    page.goto(base + "/transparency/")
    assert page.get_by_test_id("freeze-roots").locator("tbody tr").count() >= 1
    _no_sideways_scroll(page)
    context.close()
