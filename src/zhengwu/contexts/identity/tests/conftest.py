"""Fixtures of the identity tests: people of every role, built through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.identity.models import Organisation, User
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import enterprise_register, organisation_create, user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set

PASSWORD = "Kunming-Tender-2026"
SYSTEM = Actor.system("test")

# Check-digit-correct codes (computed with kernel.uscc) used across the tests.
CENTRE_USCC = "12530100MB0Y10015N"
BIDDER_USCC = "91530102MA6K70012A"
AGENCY_USCC = "91530100MA6K500548"
# A legal pilot-era code that fails the check character (computed "1", written "M").
PILOT_USCC = "91350100M0001TGQXM"

ALL_ROLES = [
    "centre_staff",
    "tenderer",
    "agency",
    "bidder",
    "expert",
    "regulator",
    "appraiser",
    "city_leader",
    "department_user",
    "public",
]


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    # Mid-step, so a code computed in the test stays current through the request.
    clock_set(dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC))
    yield
    clock_reset()


@pytest.fixture
def centre(db: Any) -> Organisation:
    return organisation_create(uscc=CENTRE_USCC, name="昆明市公共资源交易中心", by=SYSTEM)


@pytest.fixture
def make_user(db: Any, centre: Organisation) -> Callable[..., User]:
    """A user holding ``role``; market roles come with a verified organisation of their own."""
    counter = iter(range(1, 1000))

    def make(role: str, *, username: str | None = None, organisation: Organisation | None = None) -> User:
        name = username or f"{role.replace('_', '')}{next(counter)}"
        if role in {"tenderer", "agency", "bidder"} and organisation is None:
            from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char

            body = f"MA6K{next(counter):04d}"
            first17 = "91530100" + body + uscc_org_check_char(body)
            organisation = organisation_create(
                uscc=first17 + uscc_check_char(first17), name=f"测试{role}公司{name}", market_roles=[role], by=SYSTEM
            )
        if role == "centre_staff" and organisation is None:
            organisation = centre
        return user_create(
            username=name,
            password=PASSWORD,
            display_name=f"测试{name}",
            roles=[role],
            organisation=organisation,
            by=SYSTEM,
        )

    return make


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user("centre_staff", username="staff1")


@pytest.fixture
def staff_actor(staff: User) -> Actor:
    return actor_for(user=staff)


@pytest.fixture
def pending_org(db: Any) -> Organisation:
    organisation, _ = enterprise_register(
        uscc=BIDDER_USCC,
        name="云南某建设工程有限公司",
        market_roles=["bidder"],
        contact_name="刘洋",
        contact_phone="13800000004",
        username="bidderco",
        password=PASSWORD,
        display_name="刘洋",
        phone="13800000004",
        ip="10.0.0.4",
    )
    return organisation


@pytest.fixture
def pilot_org(db: Any) -> Organisation:
    organisation, _ = enterprise_register(
        uscc=PILOT_USCC,
        name="福州某试点企业有限公司",
        market_roles=["bidder"],
        contact_name="林芳",
        contact_phone="0591-87654321",
        username="pilotco",
        password=PASSWORD,
        display_name="林芳",
        phone="",
        ip="10.0.0.5",
        uscc_legacy_declared=True,
    )
    return organisation


def signed_in(client: Client, user: User) -> Client:
    """``client`` signed in as ``user`` with the second factor passed (the sign-in itself is tested apart)."""
    client.force_login(user)
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client
