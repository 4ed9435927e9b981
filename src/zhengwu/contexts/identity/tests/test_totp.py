"""Second factor: enrolment, verification, replay refusal, secrets at rest, the ``totp`` command."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from zhengwu.contexts.identity.models import User
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import totp_enrol_confirm, totp_enrol_demo, totp_reset
from zhengwu.contexts.identity.tests.conftest import PASSWORD, SYSTEM, signed_in
from zhengwu.contexts.identity.totp import totp_code_at, totp_secret_open, totp_secret_seal
from zhengwu.kernel.clock import clock_advance, clock_now
from zhengwu.kernel.errors import Conflict, IntegrityViolation, InvalidInput, NotAuthenticated, PermissionDenied
from zhengwu.platform.audit.selectors import audit_entries_for

pytestmark = pytest.mark.django_db

LOGIN = "/trading/accounts/login/"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _code(secret: str, *, offset: int = 0) -> str:
    # pyotp computes the expected code on its own, from the test's clock.
    return str(pyotp.TOTP(secret).at(clock_now() + dt.timedelta(seconds=30 * offset)))


def _password(client: Client, username: str, ip: str = "10.1.1.1", url: str = LOGIN) -> Any:
    return client.post(url, {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def _totp(client: Client, code: str, ip: str = "10.1.1.1", url: str = "/trading/accounts/totp/") -> Any:
    return client.post(url, {"code": code}, REMOTE_ADDR=ip)


@pytest.fixture
def enrolled_staff(make_user: Callable[..., User]) -> User:
    user = make_user("centre_staff", username="duty")
    # Through the service a person uses, proving a current code.
    totp_enrol_confirm(user=user, secret=SECRET, code=_code(SECRET, offset=-1), ip="10.1.1.1")
    return user


def test_rfc6238_vectors_for_six_digits() -> None:
    # RFC 6238 Appendix B, SHA-1 seed "12345678901234567890": the last six of 94287082, 07081804, 14050471.
    seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert totp_code_at(secret=seed, step=59 // 30) == "287082"
    assert totp_code_at(secret=seed, step=1111111109 // 30) == "081804"
    assert totp_code_at(secret=seed, step=1111111111 // 30) == "050471"


def test_first_sign_in_of_staff_enrols_an_authenticator(make_user: Callable[..., User], client: Client) -> None:
    user = make_user("centre_staff", username="newstaff")
    response = _password(client, "newstaff")
    assert (response.status_code, response["Location"]) == (302, "/trading/accounts/totp/enrol/")
    assert "_auth_user_id" not in client.session  # not signed in before the second factor

    page = client.get("/trading/accounts/totp/enrol/")
    assert page.status_code == 200
    body = page.content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert len(secret) == 32
    assert f"otpauth://totp/Zhengwu%20%E6%94%BF%E5%8A%A1:newstaff?secret={secret}" in body.replace("&amp;", "&")
    assert "<svg" in body
    # Reloading shows the same key: a half-scanned QR code stays valid.
    assert secret in client.get("/trading/accounts/totp/enrol/").content.decode().replace(" ", "")

    wrong = _totp(client, "000000" if _code(secret) != "000000" else "111111", url="/trading/accounts/totp/enrol/")
    assert wrong.status_code == 400
    assert 'data-code="totp_invalid"' in wrong.content.decode()
    user.refresh_from_db()
    assert user.totp_confirmed_at is None
    assert user.totp_secret_encrypted == ""

    done = _totp(client, _code(secret), url="/trading/accounts/totp/enrol/")
    assert (done.status_code, done["Location"]) == (302, "/trading/")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["zw_totp_ok"] is True
    user.refresh_from_db()
    assert user.totp_enrolled
    assert secret not in user.totp_secret_encrypted
    assert totp_secret_open(user_id=user.pk, sealed=user.totp_secret_encrypted) == secret
    actions = [e.action for e in audit_entries_for(object_type="identity.user", object_id=str(user.pk))]
    assert actions == ["identity.user.create", "identity.user.totp_enrol"]


def test_enrolled_staff_need_the_code_and_a_code_works_only_once(enrolled_staff: User, client: Client) -> None:
    response = _password(client, "duty")
    assert (response.status_code, response["Location"]) == (302, "/trading/accounts/totp/")
    # Half-way: no page, no API treats the session as signed in.
    assert client.get("/trading/api/identity/me").status_code == 401
    assert client.get("/trading/accounts/organisations/").status_code == 302

    code = _code(SECRET)
    assert _totp(client, code).status_code == 302
    assert client.get("/trading/api/identity/me").json()["username"] == "duty"
    assert client.get("/trading/accounts/organisations/").status_code == 200

    # Someone who saw the code over the shoulder, with the password, in the same 30 seconds:
    other = Client()
    _password(other, "duty", ip="10.9.9.9")
    replay = _totp(other, code, ip="10.9.9.9")
    assert replay.status_code == 400
    assert 'data-code="totp_invalid"' in replay.content.decode()
    assert "_auth_user_id" not in other.session
    # The next code is accepted.
    clock_advance(dt.timedelta(seconds=30))
    assert _totp(other, _code(SECRET), ip="10.9.9.9").status_code == 302


def test_codes_one_step_either_side_are_accepted_but_not_two(enrolled_staff: User) -> None:
    for offset, accepted in [(-2, False), (2, False), (1, True)]:
        client = Client()
        _password(client, "duty")
        response = _totp(client, _code(SECRET, offset=offset))
        assert (response.status_code == 302) is accepted


def test_a_later_step_bars_earlier_codes(enrolled_staff: User) -> None:
    client = Client()
    _password(client, "duty")
    assert _totp(client, _code(SECRET, offset=1)).status_code == 302
    late = Client()
    _password(late, "duty")
    assert _totp(late, _code(SECRET)).status_code == 400


def test_guessing_codes_is_throttled_like_passwords(enrolled_staff: User) -> None:
    client = Client()
    _password(client, "duty", ip="203.0.113.9")
    wrong = "000000" if _code(SECRET) != "000000" else "111111"
    for _ in range(5):
        assert _totp(client, wrong, ip="203.0.113.9").status_code == 400
    blocked = _totp(client, _code(SECRET), ip="203.0.113.9")
    assert blocked.status_code == 429
    assert 'data-code="rate_limited"' in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    # The real staff member elsewhere is not affected.
    mine = Client()
    _password(mine, "duty", ip="10.1.1.1")
    assert _totp(mine, _code(SECRET), ip="10.1.1.1").status_code == 302


def test_the_pending_step_expires(enrolled_staff: User, client: Client) -> None:
    _password(client, "duty")
    clock_advance(dt.timedelta(minutes=5, seconds=1))
    response = _totp(client, _code(SECRET))
    assert (response.status_code, response["Location"]) == (302, "/trading/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_totp_pages_without_the_password_step_send_to_login(client: Client) -> None:
    for url in ("/trading/accounts/totp/", "/trading/accounts/totp/enrol/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/trading/accounts/login/")


def test_an_enrolled_account_cannot_be_enrolled_again(enrolled_staff: User, client: Client) -> None:
    _password(client, "duty")
    assert client.get("/trading/accounts/totp/enrol/")["Location"] == "/trading/accounts/totp/"
    sealed = User.objects.get(pk=enrolled_staff.pk).totp_secret_encrypted
    other = pyotp.random_base32(32)
    with pytest.raises(Conflict) as again:
        totp_enrol_confirm(user=enrolled_staff, secret=other, code=_code(other), ip=None)
    assert again.value.code == "totp_already_enrolled"
    assert User.objects.get(pk=enrolled_staff.pk).totp_secret_encrypted == sealed


def test_actor_is_refused_until_the_second_factor(enrolled_staff: User, client: Client) -> None:
    client.force_login(enrolled_staff)
    request = client.get("/trading/").wsgi_request
    with pytest.raises(NotAuthenticated) as refused:
        actor_for(user=enrolled_staff, request=request)
    assert refused.value.code == "totp_required"


def test_sealed_secrets_are_bound_to_their_account(enrolled_staff: User, make_user: Callable[..., User]) -> None:
    sealed = User.objects.get(pk=enrolled_staff.pk).totp_secret_encrypted
    assert sealed.startswith("v1:")
    with pytest.raises(IntegrityViolation):
        totp_secret_open(user_id=enrolled_staff.pk + 1, sealed=sealed)
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(IntegrityViolation):
        totp_secret_open(user_id=enrolled_staff.pk, sealed=tampered)
    # Two seals of one secret differ (random nonce) yet open to the same secret.
    again = totp_secret_seal(user_id=enrolled_staff.pk, secret=SECRET)
    assert again != sealed
    assert totp_secret_open(user_id=enrolled_staff.pk, sealed=again) == SECRET


def test_old_secret_key_still_opens_secrets(enrolled_staff: User, settings: Any) -> None:
    sealed = User.objects.get(pk=enrolled_staff.pk).totp_secret_encrypted
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 20
    assert totp_secret_open(user_id=enrolled_staff.pk, sealed=sealed) == SECRET
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(IntegrityViolation):
        totp_secret_open(user_id=enrolled_staff.pk, sealed=sealed)


def test_staff_reset_a_lost_second_factor(
    enrolled_staff: User, make_user: Callable[..., User], staff_actor: Any
) -> None:
    bidder_actor = actor_for(user=make_user("bidder"))
    with pytest.raises(PermissionDenied):
        totp_reset(user=enrolled_staff, by=bidder_actor)
    assert User.objects.get(pk=enrolled_staff.pk).totp_enrolled
    totp_reset(user=enrolled_staff, by=staff_actor)
    fresh = User.objects.get(pk=enrolled_staff.pk)
    assert (fresh.totp_enrolled, fresh.totp_secret_encrypted) == (False, "")
    assert fresh.totp_last_step > 0  # used codes stay used
    client = Client()
    assert _password(client, "duty")["Location"] == "/trading/accounts/totp/enrol/"


def test_totp_command_prints_a_demo_accounts_code(make_user: Callable[..., User], capsys: Any) -> None:
    from zhengwu.contexts.identity.services import user_create

    demo = user_create(
        username="demostaff", password=PASSWORD, display_name="演示", roles=["centre_staff"], is_demo=True, by=SYSTEM
    )
    totp_enrol_demo(user=demo, secret=SECRET, by=SYSTEM)
    call_command("totp", "demostaff")
    assert capsys.readouterr().out.strip() == _code(SECRET)
    call_command("totp", "demostaff", "--secret")
    assert capsys.readouterr().out.strip() == SECRET

    real = make_user("centre_staff", username="realstaff")
    totp_enrol_confirm(user=real, secret=SECRET, code=_code(SECRET), ip=None)
    with pytest.raises(CommandError, match="不是演示账号"):
        call_command("totp", "realstaff")
    with pytest.raises(CommandError, match="不存在"):
        call_command("totp", "ghost")
    assert capsys.readouterr().out == ""


def test_demo_enrolment_is_for_demo_accounts_by_the_system_only(
    make_user: Callable[..., User], staff_actor: Any
) -> None:
    real = make_user("expert", username="realexpert")
    with pytest.raises(PermissionDenied):
        totp_enrol_demo(user=real, secret=SECRET, by=SYSTEM)
    with pytest.raises(PermissionDenied):
        totp_enrol_demo(user=real, secret=SECRET, by=staff_actor)
    assert User.objects.get(pk=real.pk).totp_secret_encrypted == ""


def test_enrolment_refuses_malformed_codes(make_user: Callable[..., User]) -> None:
    user = make_user("expert", username="expertx")
    with pytest.raises(InvalidInput) as bad:
        totp_enrol_confirm(user=user, secret=SECRET, code="12a456", ip=None)
    assert bad.value.code == "totp_format"


def test_signed_in_helper_sets_the_second_factor(enrolled_staff: User, client: Client) -> None:
    # The fixture other tests use to skip the sign-in steps behaves like a real sign-in.
    signed_in(client, enrolled_staff)
    assert client.get("/trading/api/identity/me").json()["needs_totp"] is True
