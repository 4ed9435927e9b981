"""Enterprise self-registration: the service, the page and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.identity.models import Organisation, RoleGrant, User
from zhengwu.contexts.identity.services import enterprise_register
from zhengwu.contexts.identity.tests.conftest import AGENCY_USCC, BIDDER_USCC, PASSWORD, PILOT_USCC
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.platform.audit.selectors import audit_entries_for
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

EVENT = "identity.market_subject.changed"


def _form(**overrides: Any) -> dict[str, Any]:
    data = {
        "uscc": AGENCY_USCC,
        "name": "云南某招标代理有限公司",
        "market_roles": ["agency", "tenderer"],
        "contact_name": "赵磊",
        "contact_phone": "0871-63123456",
        "display_name": "赵磊",
        "phone": "13800000002",
        "username": "zhaolei",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    return data


def _api_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "uscc": BIDDER_USCC,
        "name": "云南某建设工程有限公司",
        "market_roles": ["bidder"],
        "contact_name": "刘洋",
        "contact_phone": "13800000004",
        "username": "liuyang",
        "password": PASSWORD,
        "display_name": "刘洋",
        "phone": "13800000004",
    }
    body.update(overrides)
    return body


def _nothing_registered() -> None:
    assert Organisation.objects.count() == 0
    assert User.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


@pytest.mark.real_password_hashing  # the account is stored with the deployables' Argon2
def test_registration_creates_a_pending_organisation_and_its_account(client: Client) -> None:
    response = client.post("/trading/accounts/register/", _form(), REMOTE_ADDR="10.8.0.9")
    assert response.status_code == 302
    assert response["Location"] == "/trading/accounts/register/done/"

    organisation = Organisation.objects.get()
    assert (organisation.uscc, organisation.name, organisation.status) == (
        AGENCY_USCC,
        "云南某招标代理有限公司",
        "pending",
    )
    assert (organisation.kind, organisation.region_code, organisation.version) == ("enterprise", "530100", 1)
    assert organisation.market_roles == ["agency", "tenderer"]
    user = User.objects.get()
    assert (user.username, user.display_name, user.organisation_id) == ("zhaolei", "赵磊", organisation.pk)
    assert sorted(RoleGrant.objects.filter(user=user).values_list("role", flat=True)) == ["agency", "tenderer"]
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)

    [entry] = audit_entries_for(object_type="identity.organisation", object_id=AGENCY_USCC)
    assert (entry.action, entry.actor_username, entry.ip) == ("identity.organisation.register", "zhaolei", "10.8.0.9")
    assert "password" not in str(entry.after)
    [message] = OutboxMessage.objects.filter(event_type=EVENT)
    assert message.aggregate_id == AGENCY_USCC
    assert message.payload == {
        "uscc": AGENCY_USCC,
        "name": "云南某招标代理有限公司",
        "status": "pending",
        "market_roles": ["agency", "tenderer"],
        "region_code": "530100",
        "version": 1,
        "changed_at": "2026-03-02T09:00:05+00:00",
    }

    done = client.get("/trading/accounts/register/done/")
    assert done.status_code == 200
    assert "云南某招标代理有限公司" in done.content.decode()
    assert AGENCY_USCC in done.content.decode()


def test_registration_page_shows_the_specific_uscc_reason_and_changes_nothing(client: Client) -> None:
    response = client.post("/trading/accounts/register/", _form(uscc="91530100MA6K500549"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "第18位校验码应为“8”，实为“9”" in body
    assert 'data-code="uscc_check_digit"' in body
    _nothing_registered()


def test_registration_page_refuses_mismatched_and_weak_passwords(client: Client) -> None:
    mismatch = client.post("/trading/accounts/register/", _form(password2="Another-Pass-2026"))
    assert mismatch.status_code == 400
    assert "两次输入的密码不一致" in mismatch.content.decode()
    weak = client.post("/trading/accounts/register/", _form(password1="12345678", password2="12345678"))
    assert weak.status_code == 400
    body = weak.content.decode()
    assert 'data-code="password_weak"' in body
    assert "密码长度太短" in body
    _nothing_registered()


def test_registration_page_with_garbage_never_fails_with_500(client: Client) -> None:
    response = client.post(
        "/trading/accounts/register/",
        _form(uscc="x" * 70, market_roles=["regulator"], contact_phone="abc", username="a b"),
    )
    assert response.status_code == 400
    _nothing_registered()
    assert client.post("/trading/accounts/register/", {}).status_code == 400


def test_registration_exists_only_on_the_trading_platform(client: Client) -> None:
    assert client.get("/trading/accounts/register/").status_code == 200
    assert client.get("/supervision/accounts/register/").status_code == 404
    assert client.post("/accounts/register/", _form()).status_code == 404
    _nothing_registered()


def test_api_registration_returns_201_with_the_organisation(client: Client) -> None:
    response = client.post("/trading/api/identity/enterprises", _api_body(), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "liuyang"
    assert {k: body["organisation"][k] for k in ("uscc", "status", "market_roles", "uscc_valid", "version")} == {
        "uscc": BIDDER_USCC,
        "status": "pending",
        "market_roles": ["bidder"],
        "uscc_valid": True,
        "version": 1,
    }


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"uscc": "91530102MA6K700121"}, 400, "uscc_check_digit"),
        ({"uscc": "915301"}, 400, "uscc_length"),
        ({"password": "password123"}, 400, "password_weak"),
        ({"market_roles": ["regulator"]}, 400, "market_roles_invalid"),
        ({"market_roles": []}, 400, "market_roles_invalid"),
        ({"contact_phone": "12345"}, 400, "phone_invalid"),
        ({"username": "刘 洋!"}, 400, "username_invalid"),
        ({"name": "   "}, 400, "name_required"),
    ],
)
def test_api_registration_errors_have_stable_codes(
    client: Client, overrides: dict[str, Any], status: int, code: str
) -> None:
    response = client.post("/trading/api/identity/enterprises", _api_body(**overrides), content_type="application/json")
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]
    _nothing_registered()


def test_api_registration_conflicts_on_a_taken_code_or_username(client: Client) -> None:
    first = client.post("/trading/api/identity/enterprises", _api_body(), content_type="application/json")
    assert first.status_code == 201
    again = client.post(
        "/trading/api/identity/enterprises", _api_body(username="other"), content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "uscc_taken")
    # Usernames differing only in case would let one enterprise pose as another.
    same_name = client.post(
        "/trading/api/identity/enterprises",
        _api_body(uscc=AGENCY_USCC, username="LiuYang"),
        content_type="application/json",
    )
    assert (same_name.status_code, same_name.json()["code"]) == (409, "username_taken")
    assert Organisation.objects.count() == 1
    assert User.objects.count() == 1
    assert OutboxMessage.objects.filter(event_type=EVENT).count() == 1


def test_api_registration_is_not_offered_on_other_platforms(client: Client) -> None:
    response = client.post("/supervision/api/identity/enterprises", _api_body(), content_type="application/json")
    assert response.status_code == 404
    _nothing_registered()


def test_pilot_code_needs_the_legacy_declaration() -> None:
    kwargs: dict[str, Any] = {
        "uscc": PILOT_USCC,
        "name": "福州某试点企业有限公司",
        "market_roles": ["bidder"],
        "contact_name": "林芳",
        "contact_phone": "0591-87654321",
        "username": "pilotco",
        "password": PASSWORD,
        "display_name": "林芳",
        "phone": "",
        "ip": "10.0.0.5",
    }
    with pytest.raises(InvalidInput) as refused:
        enterprise_register(**kwargs)
    assert refused.value.code == "uscc_check_digit"
    assert "试点期赋码" in refused.value.message
    _nothing_registered()

    organisation, _ = enterprise_register(**kwargs, uscc_legacy_declared=True)
    assert (organisation.status, organisation.uscc_legacy_declared, organisation.uscc_override) == (
        "pending",
        True,
        False,
    )


def test_legacy_declaration_does_not_excuse_a_malformed_code() -> None:
    with pytest.raises(InvalidInput) as refused:
        enterprise_register(
            uscc="X1350100M0001TGQXM",
            name="某公司",
            market_roles=["bidder"],
            contact_name="林芳",
            contact_phone="13800000009",
            username="xco",
            password=PASSWORD,
            display_name="林芳",
            phone="",
            ip=None,
            uscc_legacy_declared=True,
        )
    assert refused.value.code == "uscc_authority"
    _nothing_registered()


def test_registering_the_same_code_twice_is_a_conflict(pending_org: Organisation) -> None:
    with pytest.raises(Conflict) as taken:
        enterprise_register(
            uscc=pending_org.uscc.lower(),
            name="冒名公司",
            market_roles=["bidder"],
            contact_name="某人",
            contact_phone="13800000009",
            username="impostor",
            password=PASSWORD,
            display_name="某人",
            phone="",
            ip=None,
        )
    assert taken.value.code == "uscc_taken"
    assert list(Organisation.objects.values_list("name", flat=True)) == ["云南某建设工程有限公司"]
    assert not User.objects.filter(username="impostor").exists()
