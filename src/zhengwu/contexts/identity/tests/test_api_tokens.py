"""Personal API tokens: made on the account page, shown once, stored as a hash, accepted as Bearer."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.identity.models import ApiToken, Organisation, User
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import api_token_create, api_token_revoke, organisation_suspend
from zhengwu.contexts.identity.tests.conftest import SYSTEM
from zhengwu.kernel.clock import clock_advance
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

ME = "/trading/api/identity/me"
PAGE = "/trading/accounts/tokens/"


@pytest.fixture(autouse=True)
def _fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _staff_session(client: Client, user: User) -> None:
    client.force_login(user)
    session = client.session
    session["zw_totp_ok"] = True
    session.save()


@pytest.mark.django_db
def test_a_token_is_shown_once_and_only_its_hash_is_stored(make_user: Callable[..., User]) -> None:
    bidder = make_user("bidder")
    row, token = api_token_create(
        name="投标工具", lifetime_days=30, second_factor_passed=False, by=actor_for(user=bidder)
    )

    assert re.fullmatch(r"zwt_[A-Za-z0-9_-]{43}", token)
    stored = ApiToken.objects.get()
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert stored.prefix == token[4:12]
    # Nothing stored anywhere holds the token itself: not the row, not the audit log.
    assert token not in repr(list(ApiToken.objects.values()))
    entries = list(AuditEntry.objects.filter(action="identity.api_token.create").values())
    assert len(entries) == 1
    assert token not in repr(entries)
    assert stored.expires_at - stored.created_at == dt.timedelta(days=30)

    response = Client().get(ME, **_bearer(token))
    assert response.status_code == 200, response.content
    assert response.json()["username"] == bidder.username
    assert row.uuid == stored.uuid


@pytest.mark.django_db
def test_the_account_page_makes_a_token_and_shows_it_once(make_user: Callable[..., User]) -> None:
    client = Client(enforce_csrf_checks=False)
    client.force_login(make_user("bidder"))
    response = client.post(PAGE, {"name": "投标工具", "lifetime_days": "90"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = re.search(r'data-token="(zwt_[^"]+)"', response.content.decode()).group(1)  # type: ignore[union-attr]
    assert Client().get(ME, **_bearer(token)).status_code == 200

    again = client.get(PAGE)
    assert token not in again.content.decode()
    assert f"zwt_{token[4:12]}" in again.content.decode()

    revoked = client.post(f"{PAGE}{ApiToken.objects.get().uuid}/revoke/")
    assert revoked.status_code == 302
    assert Client().get(ME, **_bearer(token)).status_code == 401


@pytest.mark.django_db
def test_an_expired_or_revoked_or_unknown_token_is_refused(make_user: Callable[..., User]) -> None:
    bidder = make_user("bidder")
    actor = actor_for(user=bidder)
    _, short = api_token_create(name="短期", lifetime_days=1, second_factor_passed=False, by=actor)
    row, revoked = api_token_create(name="撤销", lifetime_days=90, second_factor_passed=False, by=actor)

    api_token_revoke(uuid=str(row.uuid), by=actor)
    response = Client().get(ME, **_bearer(revoked))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert AuditEntry.objects.filter(action="identity.api_token.revoke", object_id=str(row.uuid)).count() == 1
    with pytest.raises(Conflict):
        api_token_revoke(uuid=str(row.uuid), by=actor)

    assert Client().get(ME, **_bearer(short)).status_code == 200
    clock_advance(dt.timedelta(days=1))
    assert Client().get(ME, **_bearer(short)).status_code == 401
    assert Client().get(ME, **_bearer("zwt_" + "A" * 43)).status_code == 401


@pytest.mark.django_db
def test_a_bad_token_never_falls_back_to_the_session(make_user: Callable[..., User]) -> None:
    client = Client()
    client.force_login(make_user("bidder"))
    assert client.get(ME).status_code == 200
    response = client.get(ME, **_bearer("zwt_not-a-token"))
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


@pytest.mark.django_db
def test_someone_elses_token_cannot_be_revoked(make_user: Callable[..., User]) -> None:
    owner, other = make_user("bidder"), make_user("bidder")
    row, token = api_token_create(name="工具", lifetime_days=9, second_factor_passed=False, by=actor_for(user=owner))
    with pytest.raises(NotFound):
        api_token_revoke(uuid=str(row.uuid), by=actor_for(user=other))
    assert ApiToken.objects.get().revoked_at is None
    assert Client().get(ME, **_bearer(token)).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["centre_staff", "regulator", "expert", "appraiser"])
def test_totp_roles_make_tokens_only_after_the_second_factor(role: str, make_user: Callable[..., User]) -> None:
    user = make_user(role)
    with pytest.raises(PermissionDenied) as refused:
        api_token_create(name="系统对接", lifetime_days=30, second_factor_passed=False, by=actor_for(user=user))
    assert refused.value.code == "totp_required"
    assert ApiToken.objects.count() == 0
    assert not AuditEntry.objects.filter(action="identity.api_token.create").exists()

    # The page passes what the session knows: without TOTP the page itself is not reachable.
    client = Client()
    client.force_login(user)
    assert client.post(PAGE, {"name": "系统对接", "lifetime_days": "30"}).status_code == 302
    assert ApiToken.objects.count() == 0

    _staff_session(client, user)
    # Their token stands in for the second factor: a month at most.
    too_long = client.post(PAGE, {"name": "系统对接", "lifetime_days": "31"})
    assert 'data-code="api_token_lifetime_invalid"' in too_long.content.decode()
    assert ApiToken.objects.count() == 0
    response = client.post(PAGE, {"name": "系统对接", "lifetime_days": "30"})
    assert response.status_code == 200
    assert ApiToken.objects.filter(user=user).count() == 1
    token = re.search(r'data-token="(zwt_[^"]+)"', response.content.decode()).group(1)  # type: ignore[union-attr]
    # A token-authenticated request of a TOTP role counts as fully signed in.
    assert Client().get(ME, **_bearer(token)).status_code == 200


@pytest.mark.django_db
def test_a_suspended_organisations_tokens_stop_working(make_user: Callable[..., User], centre: Organisation) -> None:
    bidder = make_user("bidder")
    _, token = api_token_create(name="工具", lifetime_days=30, second_factor_passed=False, by=actor_for(user=bidder))
    assert Client().get(ME, **_bearer(token)).status_code == 200
    assert bidder.organisation is not None
    organisation_suspend(organisation=bidder.organisation, reason="资质证书过期，暂停交易资格", by=SYSTEM)
    response = Client().get(ME, **_bearer(token))
    assert response.status_code == 401
    with pytest.raises(PermissionDenied) as refused:
        api_token_create(name="工具", lifetime_days=30, second_factor_passed=False, by=actor_for(user=bidder))
    assert refused.value.code == "organisation_not_verified"


@pytest.mark.django_db
def test_an_inactive_users_token_stops_working(make_user: Callable[..., User]) -> None:
    bidder = make_user("bidder")
    _, token = api_token_create(name="工具", lifetime_days=30, second_factor_passed=False, by=actor_for(user=bidder))
    User.objects.filter(pk=bidder.pk).update(is_active=False)
    assert Client().get(ME, **_bearer(token)).status_code == 401


@pytest.mark.django_db
def test_lifetime_and_count_are_bounded(make_user: Callable[..., User]) -> None:
    actor = actor_for(user=make_user("bidder"))
    for days in (0, 366):
        with pytest.raises(InvalidInput):
            api_token_create(name="工具", lifetime_days=days, second_factor_passed=False, by=actor)
    for n in range(10):
        api_token_create(name=f"工具{n}", lifetime_days=30, second_factor_passed=False, by=actor)
    with pytest.raises(Conflict) as refused:
        api_token_create(name="第十一个", lifetime_days=30, second_factor_passed=False, by=actor)
    assert refused.value.code == "api_token_limit"
    assert ApiToken.objects.count() == 10


@pytest.mark.django_db
def test_bearer_writes_need_no_csrf_token_but_session_writes_still_do(
    make_user: Callable[..., User], centre: Organisation
) -> None:
    staff = make_user("centre_staff")
    pending = make_user("bidder")
    assert pending.organisation is not None
    Organisation.objects.filter(pk=pending.organisation.pk).update(status=Organisation.Status.PENDING)
    url = f"/trading/api/identity/organisations/{pending.organisation.uscc}/verify"

    session_client = Client(enforce_csrf_checks=True)
    _staff_session(session_client, staff)
    refused = session_client.post(url)
    assert refused.status_code == 403
    assert Organisation.objects.get(pk=pending.organisation.pk).status == Organisation.Status.PENDING

    _, token = api_token_create(name="对接", lifetime_days=30, second_factor_passed=True, by=actor_for(user=staff))
    response = Client(enforce_csrf_checks=True).post(url, **_bearer(token))
    assert response.status_code == 200, response.content
    assert Organisation.objects.get(pk=pending.organisation.pk).status == Organisation.Status.VERIFIED
