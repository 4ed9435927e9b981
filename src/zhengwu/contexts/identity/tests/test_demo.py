"""Demo organisations and accounts: valid codes, the right people per platform, loaded once."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.test import Client

from zhengwu.contexts.identity.demo import DEMO_PASSWORD, demo_load, demo_totp_secret
from zhengwu.contexts.identity.models import Organisation, User
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.uscc import uscc_validate
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

ALL = ["public", "trading", "supervision", "appraisal", "center"]


def test_demo_for_every_platform() -> None:
    accounts = demo_load(platforms=ALL)
    assert [(a["username"], a["role"], a["login_url"], a["needs_totp"]) for a in accounts] == [
        ("staff", "centre_staff", "/trading/accounts/login/", True),
        ("agency", "agency", "/trading/accounts/login/", False),
        ("tenderer", "tenderer", "/trading/accounts/login/", False),
        ("bidder1", "bidder", "/trading/accounts/login/", False),
        ("bidder2", "bidder", "/trading/accounts/login/", False),
        ("bidder3", "bidder", "/trading/accounts/login/", False),
        ("newcomer", "bidder", "/trading/accounts/login/", False),
        ("expert1", "expert", "/trading/accounts/login/", True),
        ("expert2", "expert", "/trading/accounts/login/", True),
        ("regulator", "regulator", "/supervision/accounts/login/", True),
        ("leader", "city_leader", "/supervision/accounts/login/", False),
        ("appraiser", "appraiser", "/appraisal/accounts/login/", True),
        ("dept", "department_user", "/center/accounts/login/", False),
        ("legalaid", "legal_aid_staff", "/center/accounts/login/", True),
    ]
    users = User.objects.all()
    assert all(u.is_demo and u.check_password(DEMO_PASSWORD) for u in users)
    for user in users:
        assert user.totp_enrolled is user.needs_totp
    assert Organisation.objects.get(name="云南某招标代理有限公司").market_roles == ["agency"]
    for organisation in Organisation.objects.all():
        verdict = uscc_validate(organisation.uscc)
        assert (verdict.valid, verdict.warnings) == (True, ())
        assert organisation.uscc[2:6] == "5301"
    assert dict(Organisation.objects.values_list("name", "status")) == {
        "昆明市公共资源交易中心": "verified",
        "昆明市发展和改革委员会": "verified",
        "昆明市市场监督管理局": "verified",
        "云南某政务服务评价咨询有限公司": "verified",
        "云南某招标代理有限公司": "verified",
        "昆明某城市建设投资有限公司": "verified",
        "云南某建设工程有限公司": "verified",
        "昆明某路桥工程有限公司": "verified",
        "云南某水利水电工程有限公司": "verified",
        "昆明某新材料科技有限公司": "pending",
    }
    statuses = sorted(
        (m.payload["name"], m.payload["status"])
        for m in OutboxMessage.objects.filter(event_type__startswith="identity.")
    )
    assert statuses.count(("云南某招标代理有限公司", "verified")) == 1
    assert ("昆明某新材料科技有限公司", "pending") in statuses
    assert len(statuses) == 6 * 2 - 1  # six market subjects registered, five of them verified


def test_demo_twice_changes_nothing() -> None:
    first = demo_load(platforms=ALL)
    counts = (
        User.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
    )
    assert demo_load(platforms=ALL) == first
    assert (
        User.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
    ) == counts


@pytest.mark.parametrize(
    ("platforms", "usernames"),
    [
        (["supervision"], ["regulator", "leader"]),
        (["appraisal"], ["leader", "appraiser", "dept"]),
        (["public"], ["staff"]),
    ],
)
def test_demo_creates_only_the_accounts_a_deployable_needs(platforms: list[str], usernames: list[str]) -> None:
    accounts = demo_load(platforms=platforms)
    assert [a["username"] for a in accounts] == usernames
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(usernames)
    assert not Organisation.objects.exclude(market_roles=[]).exists()
    assert not OutboxMessage.objects.exists()


def test_demo_staff_sign_in_with_the_published_secret(client: Client) -> None:
    demo_load(platforms=["trading"])
    response = client.post("/trading/accounts/login/", {"username": "staff", "password": DEMO_PASSWORD})
    assert response["Location"] == "/trading/accounts/totp/"
    code = pyotp.TOTP(demo_totp_secret("staff")).at(clock_now())
    assert client.post("/trading/accounts/totp/", {"code": code})["Location"] == "/trading/"
    listing = client.get("/trading/accounts/organisations/", {"status": "pending"})
    assert "昆明某新材料科技有限公司" in listing.content.decode()


def test_demo_bidder_is_in_a_verified_company(client: Any) -> None:
    demo_load(platforms=["trading"])
    client.post("/trading/accounts/login/", {"username": "bidder1", "password": DEMO_PASSWORD})
    me = client.get("/trading/api/identity/me").json()
    assert (me["organisation"]["name"], me["organisation_verified"]) == ("云南某建设工程有限公司", True)
