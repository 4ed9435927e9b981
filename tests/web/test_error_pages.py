"""Error pages say what went wrong in plain words and leak nothing."""

from __future__ import annotations

import json

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

SECRET = "db-password=hunter2 at /srv/zhengwu/settings.py line 42"


def _explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


urlpatterns = [
    path("boom/", _explode),
    path("trading/api/boom", _explode),
]
handler500 = "zhengwu.platform.web.views.server_error"
handler404 = "zhengwu.platform.web.views.page_not_found"


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crashing_page_shows_a_plain_chinese_500_without_details(client: Client) -> None:
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = response.content.decode()
    assert response.status_code == 500
    assert "系统出现错误，已记录，请稍后再试。" in body
    for leak in ("hunter2", "RuntimeError", "Traceback", "settings.py", "/srv/"):
        assert leak not in body


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_crashing_api_answers_the_error_shape_without_details(client: Client) -> None:
    response = client.get("/trading/api/boom")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["code"] == "internal_error"
    assert set(body) == {"code", "message", "detail"}
    assert "hunter2" not in response.content.decode()


@pytest.mark.django_db
def test_404_pages_do_not_echo_the_path_or_list_urls(client: Client) -> None:
    response = client.get("/trading/no-such-page-<script>alert(1)</script>/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'value="en">English<' in response.content.decode()
    body = response.content.decode()
    assert response.status_code == 404
    assert "您访问的页面不存在。" in body
    # The path comes back only inside the language switcher's return address, escaped.
    assert "<script>alert(1)</script>" not in body
    assert "urlpatterns" not in body
    assert "URLconf" not in body


@pytest.mark.django_db
def test_403_page_for_a_signed_in_user_without_the_role() -> None:
    from zhengwu.contexts.identity.services import user_create
    from zhengwu.kernel.actor import Actor

    user = user_create(
        username="leaderx",
        password="Kunming-Tender-2026",
        display_name="测试",
        roles=["city_leader"],
        organisation=None,
        by=Actor.system("test"),
    )
    client = Client()
    client.force_login(user)
    # The verification queue is for trading-centre staff only.
    response = client.get("/center/accounts/organisations/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    assert "无权" in response.content.decode()


@pytest.mark.django_db
def test_healthz_reports_the_deployable_and_its_database(client: Client) -> None:
    response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["deployable"] == "standalone"
    assert body["database"] == "ok"
    assert body["platforms"] == ["public", "trading", "supervision", "appraisal", "center"]
