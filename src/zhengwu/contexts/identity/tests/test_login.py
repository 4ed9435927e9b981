"""Signing in: per-platform roles, safe redirects, logout, and throttling a rival cannot abuse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.identity.models import LoginFailure, User
from zhengwu.contexts.identity.rules import LOGIN_IP_LIMIT, LOGIN_PAIR_LIMIT, LOGIN_WINDOW
from zhengwu.contexts.identity.tests.conftest import PASSWORD
from zhengwu.kernel.clock import clock_advance

pytestmark = pytest.mark.django_db

LOGIN = "/trading/accounts/login/"
ATTACKER_IP = "203.0.113.66"
BIDDER_IP = "198.51.100.7"


@pytest.fixture
def bidder(make_user: Callable[..., User]) -> User:
    return make_user("bidder", username="bidder_a")


def _login(client: Client, username: str, password: str, ip: str, url: str = LOGIN, **data: str) -> Any:
    return client.post(url, {"username": username, "password": password, **data}, REMOTE_ADDR=ip)


def _signed_in_as(client: Client) -> str | None:
    me = client.get("/trading/api/identity/me")
    return me.json()["username"] if me.status_code == 200 else None


def test_a_bidder_signs_in_and_lands_on_the_platform_home(bidder: User, client: Client) -> None:
    response = _login(client, "bidder_a", PASSWORD, BIDDER_IP)
    assert response.status_code == 302
    assert response["Location"] == "/trading/"
    assert _signed_in_as(client) == "bidder_a"
    bidder.refresh_from_db()
    assert bidder.last_login is not None


def test_wrong_password_gives_one_message_for_every_cause(bidder: User, client: Client) -> None:
    wrong = _login(client, "bidder_a", "not-the-password", BIDDER_IP)
    unknown = _login(client, "nobody", "not-the-password", BIDDER_IP)
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert 'data-code="login_invalid"' in response.content.decode()
        assert "用户名或密码错误" in response.content.decode()
    assert _signed_in_as(client) is None


def test_regulator_cannot_sign_in_on_the_trading_platform(make_user: Callable[..., User], client: Client) -> None:
    make_user("regulator", username="reg1")
    response = _login(client, "reg1", PASSWORD, BIDDER_IP)
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-code="login_wrong_platform"' in body
    assert "行政监督平台（/supervision/accounts/login/）" in body
    assert _signed_in_as(client) is None
    assert "zw_signin_pending" not in client.session
    # Knowing the password is not a failure: nothing counts against the pair.
    assert LoginFailure.objects.count() == 0


@pytest.mark.parametrize(
    ("platform_url", "role", "allowed"),
    [
        ("/trading/accounts/login/", "bidder", True),
        ("/trading/accounts/login/", "city_leader", False),
        ("/supervision/accounts/login/", "city_leader", True),
        ("/supervision/accounts/login/", "bidder", False),
        ("/appraisal/accounts/login/", "department_user", True),
        ("/appraisal/accounts/login/", "tenderer", False),
        ("/center/accounts/login/", "department_user", True),
        ("/center/accounts/login/", "agency", False),
        ("/accounts/login/", "public", True),
        ("/accounts/login/", "bidder", False),
    ],
)
def test_each_platform_admits_only_its_roles(
    platform_url: str, role: str, allowed: bool, make_user: Callable[..., User], client: Client
) -> None:
    user = make_user(role)
    response = _login(client, user.username, PASSWORD, BIDDER_IP, url=platform_url)
    if allowed:
        assert response.status_code == 302
        assert response["Location"] == platform_url.removesuffix("accounts/login/")
        assert client.session.get("_auth_user_id") == str(user.pk)
    else:
        assert response.status_code == 403
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/trading/projects/42/", "/trading/projects/42/"),
        ("https://evil.example/phish", "/trading/"),
        ("//evil.example/phish", "/trading/"),
        ("http://testserver/trading/ok/", "http://testserver/trading/ok/"),
        ("javascript:alert(1)", "/trading/"),
        ("/\\evil.example", "/trading/"),
    ],
)
def test_next_is_followed_only_when_it_stays_on_the_site(
    next_url: str, expected: str, bidder: User, client: Client
) -> None:
    response = client.post(
        f"{LOGIN}?next={next_url}", {"username": "bidder_a", "password": PASSWORD}, REMOTE_ADDR=BIDDER_IP
    )
    assert response.status_code == 302
    assert response["Location"] == expected


def test_login_page_renders_and_garbage_is_a_400(client: Client) -> None:
    page = client.get(LOGIN, {"next": "https://evil.example/"})
    assert page.status_code == 200
    # The unsafe target is not carried into the form (the language switch keeps the raw path).
    assert 'value="https://evil.example/"' not in page.content.decode()
    assert client.post(LOGIN, {"username": "", "password": ""}).status_code == 400
    assert client.post(LOGIN, {"username": "x" * 500, "password": "y"}).status_code == 400
    assert LoginFailure.objects.count() == 0


def test_logout_is_post_only(bidder: User, client: Client) -> None:
    _login(client, "bidder_a", PASSWORD, BIDDER_IP)
    assert client.get("/trading/accounts/logout/").status_code == 405
    assert _signed_in_as(client) == "bidder_a"
    response = client.post("/trading/accounts/logout/")
    assert (response.status_code, response["Location"]) == (302, "/trading/")
    assert _signed_in_as(client) is None


def test_me_is_401_in_the_error_shape_when_anonymous(client: Client) -> None:
    response = client.get("/trading/api/identity/me")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请先登录", "detail": {}}


def test_me_describes_the_account(bidder: User, client: Client) -> None:
    _login(client, "bidder_a", PASSWORD, BIDDER_IP)
    body = client.get("/trading/api/identity/me").json()
    assert body["username"] == "bidder_a"
    assert body["roles"] == ["bidder"]
    assert body["organisation"]["status"] == "verified"
    assert (body["organisation_verified"], body["needs_totp"]) == (True, False)


# --- throttling --------------------------------------------------------------------------------


def test_an_attacker_blocks_only_himself_while_the_bidder_signs_in(bidder: User) -> None:
    attacker, owner = Client(), Client()
    for _ in range(LOGIN_PAIR_LIMIT):
        response = _login(attacker, "bidder_a", "guess-guess-guess", ATTACKER_IP)
        assert 'data-code="login_invalid"' in response.content.decode()
    blocked = _login(attacker, "bidder_a", "guess-guess-guess", ATTACKER_IP)
    assert blocked.status_code == 429
    body = blocked.content.decode()
    assert 'data-code="rate_limited"' in body
    assert "账号本身未被锁定" in body

    # The account holder, from the office, minutes before the deadline: straight in.
    response = _login(owner, "bidder_a", PASSWORD, BIDDER_IP)
    assert response.status_code == 302
    assert _signed_in_as(owner) == "bidder_a"


def test_the_blocked_pair_stays_blocked_even_with_the_right_password(bidder: User, client: Client) -> None:
    for _ in range(LOGIN_PAIR_LIMIT):
        _login(client, "bidder_a", "guess-guess-guess", ATTACKER_IP)
    failures = list(LoginFailure.objects.order_by("id").values_list("username", "ip", "kind"))
    assert failures == [("bidder_a", ATTACKER_IP, "password")] * LOGIN_PAIR_LIMIT
    bidder.refresh_from_db()
    last_login = bidder.last_login

    blocked = _login(client, "bidder_a", PASSWORD, ATTACKER_IP)
    assert blocked.status_code == 429
    assert _signed_in_as(client) is None
    # Blocked attempts change nothing: no new failure, no sign-in, no session.
    assert list(LoginFailure.objects.order_by("id").values_list("username", "ip", "kind")) == failures
    bidder.refresh_from_db()
    assert bidder.last_login == last_login
    assert "_auth_user_id" not in client.session

    # The window passes: the right password works again and clears the pair's counter.
    clock_advance(LOGIN_WINDOW + dt.timedelta(seconds=1))
    assert _login(client, "bidder_a", PASSWORD, ATTACKER_IP).status_code == 302
    assert LoginFailure.objects.count() == 0


def test_case_variants_of_a_username_count_as_one_pair(bidder: User, client: Client) -> None:
    for name in ["bidder_a", "BIDDER_A", "Bidder_A", "bidder_A", " bidder_a "]:
        _login(client, name, "guess-guess-guess", ATTACKER_IP)
    assert _login(client, "bidder_a", PASSWORD, ATTACKER_IP).status_code == 429


def test_a_success_clears_only_that_pairs_counter(bidder: User, client: Client) -> None:
    for _ in range(LOGIN_PAIR_LIMIT - 1):
        _login(client, "bidder_a", "typo-typo-typo", BIDDER_IP)
    _login(Client(), "bidder_a", "guess-guess-guess", ATTACKER_IP)
    assert _login(client, "bidder_a", PASSWORD, BIDDER_IP).status_code == 302
    assert list(LoginFailure.objects.values_list("ip", flat=True)) == [ATTACKER_IP]


def test_one_address_spraying_many_accounts_is_blocked(make_user: Callable[..., User]) -> None:
    victim = make_user("bidder", username="victim")
    sprayer = Client()
    for i in range(LOGIN_IP_LIMIT):
        response = _login(sprayer, f"guess{i % 10}", "guess-guess-guess", ATTACKER_IP)
        assert response.status_code == 400
    blocked = _login(sprayer, "victim", PASSWORD, ATTACKER_IP)
    assert blocked.status_code == 429
    assert "本网络地址" in blocked.content.decode()
    assert LoginFailure.objects.count() == LOGIN_IP_LIMIT
    assert _login(Client(), victim.username, PASSWORD, BIDDER_IP).status_code == 302


def test_failures_older_than_the_window_no_longer_count(bidder: User, client: Client) -> None:
    for _ in range(LOGIN_PAIR_LIMIT):
        _login(client, "bidder_a", "guess-guess-guess", ATTACKER_IP)
        clock_advance(dt.timedelta(minutes=2))
    # The oldest failure is 10 minutes old: 5 minutes more and it leaves the window.
    assert _login(client, "bidder_a", "guess-guess-guess", ATTACKER_IP).status_code == 429
    clock_advance(dt.timedelta(minutes=5, seconds=1))
    assert _login(client, "bidder_a", "guess-guess-guess", ATTACKER_IP).status_code == 400
    assert _login(client, "bidder_a", "guess-guess-guess", ATTACKER_IP).status_code == 429


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(bidder: User, client: Client) -> None:
    for i in range(LOGIN_PAIR_LIMIT):
        client.post(
            LOGIN,
            {"username": "bidder_a", "password": "guess-guess-guess"},
            REMOTE_ADDR=ATTACKER_IP,
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        )
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {ATTACKER_IP}
    blocked = client.post(
        LOGIN, {"username": "bidder_a", "password": PASSWORD}, REMOTE_ADDR=ATTACKER_IP, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert blocked.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(bidder: User, client: Client, settings: Any) -> None:
    settings.ZHENGWU_TRUSTED_PROXIES = ["10.0.0.2"]
    client.post(
        LOGIN,
        {"username": "bidder_a", "password": "guess-guess-guess"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER_IP}",
    )
    assert list(LoginFailure.objects.values_list("ip", flat=True)) == [ATTACKER_IP]


def test_old_failures_are_purged_after_the_retention_period(bidder: User, client: Client) -> None:
    from zhengwu.contexts.identity.rules import LOGIN_FAILURE_RETENTION
    from zhengwu.contexts.identity.tasks import login_failures_purge_daily

    _login(client, "bidder_a", "old-guess-guess", ATTACKER_IP)
    clock_advance(LOGIN_FAILURE_RETENTION + dt.timedelta(minutes=1))
    _login(client, "bidder_a", "new-guess-guess", ATTACKER_IP)
    assert login_failures_purge_daily.call_local() == 1
    assert LoginFailure.objects.count() == 1
