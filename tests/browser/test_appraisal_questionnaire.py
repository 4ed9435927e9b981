"""The appraisal questionnaire in headless Chromium: the browser's skip logic agrees with the server's,
and a respondent on a phone answers with questions appearing and disappearing as they should.

The server runs in this process (pytest-django's ``live_server``); the round is built with the ORM.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tests.browser.test_journeys import CHROMIUM, CHROMIUM_ARGS
from zhengwu.contexts.appraisal.models import Problem, Response
from zhengwu.contexts.appraisal.skiplogic import relevant_evaluate
from zhengwu.contexts.appraisal.tests.scene_collection import RATINGS, scene_build
from zhengwu.contexts.appraisal.tests.test_skiplogic import ANSWERS, CASES, SYNTAX_ERRORS
from zhengwu.kernel.errors import InvalidInput

pytestmark = [pytest.mark.browser]

# More answer sets for the same expressions: nothing answered, and other values.
ANSWER_SETS: list[dict[str, str]] = [
    ANSWERS,
    {},
    {
        "q1": "10",
        "q2": "9",
        "channel": "hall",
        "multi": "online",
        "text": "a",
        "decimal": "-0.5",
        "word": "",
        "zero": "",
    },
    {"q1": "abc", "q2": " 5 ", "channel": "online ", "multi": "  ", "text": "😀好", "decimal": ".5", "word": "1e3"},
]


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


def _python(expression: str, answers: dict[str, str]) -> object:
    try:
        return relevant_evaluate(expression, answers)
    except InvalidInput as exc:
        return {"error": exc.detail["position"]}


def test_the_browser_and_the_server_evaluate_skip_logic_alike(
    transactional_db: Any, live_server: Any, browser: Any
) -> None:
    invitation = scene_build().invite()
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/appraisal/r/{invitation.token}/")
    expressions = [e for e, _ in CASES] + [e for e, _ in SYNTAX_ERRORS]
    table = [[e, answers] for answers in ANSWER_SETS for e in expressions]
    in_browser = page.evaluate(
        """(table) => table.map(([expression, answers]) => {
            try { return window.ZhengwuSkipLogic.evaluate(expression, answers); }
            catch (error) { return {error: error.position}; }
        })""",
        table,
    )
    in_python = [_python(e, answers) for e, answers in table]
    disagree = [(row, b, p) for row, b, p in zip(table, in_browser, in_python, strict=True) if b != p]
    assert disagree == []
    assert len(table) == 4 * (len(CASES) + len(SYNTAX_ERRORS))
    assert errors == []


def test_a_respondent_answers_on_a_phone_with_live_skip_logic(
    transactional_db: Any, live_server: Any, browser: Any, tmp_path: Path
) -> None:
    invitation = scene_build().invite()
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/appraisal/r/{invitation.token}/")

    online = page.get_by_test_id("q-r_online")
    assert online.is_hidden()
    assert page.get_by_test_id("q-p1_topic").is_hidden()
    assert page.get_by_test_id("q-p1__2").is_hidden()
    # One column on a phone, and no sideways scrolling.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    box = page.locator("[data-testid=q-r01] label.opt").first.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] > 300

    page.get_by_test_id("uscc").fill(invitation.frame_entry.uscc)
    page.locator("[data-testid=q-channel] input[value=online]").check()
    assert online.is_visible()
    online.locator("input[value='5']").check()
    # Back to the hall: the online question disappears and its answer is cleared.
    page.locator("[data-testid=q-channel] input[value=hall]").check()
    assert online.is_hidden()
    assert online.locator("input:checked").count() == 0
    for i, name in enumerate(RATINGS):
        page.locator(f"[data-testid=q-{name}] input[value='{4 if i % 2 else 3}']").check()
    page.locator("[data-testid=q-y_fee] input[value=no]").check()
    page.locator("[data-testid=q-p1] textarea").fill("窗口排队时间太长")
    assert page.get_by_test_id("q-p1_topic").is_visible()
    assert page.get_by_test_id("q-p1__2").is_visible()
    assert page.get_by_test_id("q-p1__3").is_hidden()
    page.locator("[data-testid=q-p1_topic] input[value=C2]").check()
    page.locator("[data-testid=q-p1__2] textarea").fill("网上平台经常登录不上")
    page.get_by_test_id("topic-p1__2").select_option("C3")
    assert page.get_by_test_id("q-p1__3").is_visible()
    # The further entries are not counted in the progress: 16 of the 18 shown questions answered.
    assert page.locator("[data-progress-bar]").evaluate("(bar) => [bar.value, bar.max]") == [16, 18]

    page.screenshot(path=str(tmp_path / "questionnaire-phone.png"), full_page=True)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("thanks").wait_for()
    assert errors == []

    (response,) = Response.objects.all()
    assert response.answers == {
        "channel": "hall",
        **{name: str(4 if i % 2 else 3) for i, name in enumerate(RATINGS)},
        "y_fee": "no",
        "p1": "窗口排队时间太长",
        "p1_topic": "C2",
        "p1__2": "网上平台经常登录不上",
    }
    # Every answered question was timed in the browser; the hidden one was not sent.
    assert set(response.timings) == set(response.answers)
    assert response.duration_ms == sum(response.timings.values()) > 0
    assert response.instance_id.startswith("uuid:")
    assert list(Problem.objects.order_by("id").values_list("text", "category_code", "classified_by")) == [
        ("窗口排队时间太长", "C2", "respondent"),
        ("网上平台经常登录不上", "C3", "respondent"),
    ]
    assert json.dumps(response.answers, ensure_ascii=False).count("r_online") == 0
