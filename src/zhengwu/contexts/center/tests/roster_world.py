"""Test helpers of the duty roster: the clock, the calendar, people of each role, and 36 departments.

The clock of these tests is 2026-03-02 10:00 Beijing time; the shipped calendar covers 2024–2026.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.models import Department
from zhengwu.contexts.identity.roles import TOTP_REQUIRED_ROLES
from zhengwu.contexts.identity.selectors import actor_for, user_get
from zhengwu.contexts.identity.services import organisation_create, user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char
from zhengwu.platform.workdays.selectors import calendar_cache_clear
from zhengwu.platform.workdays.services import calendar_defaults_load

SYSTEM = Actor.system("test")
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=CHINA_TZ)
PASSWORD = "Kunming-Roster-2026"
ROLES = {"staff": "centre_staff", "dept": "department_user", "leader": "city_leader", "bidder": "bidder"}


@pytest.fixture(autouse=True)
def _clock_and_calendar(db: None) -> Iterator[None]:
    clock_set(NOW)
    calendar_defaults_load(by=SYSTEM)
    calendar_cache_clear()
    yield
    clock_reset()
    calendar_cache_clear()


def _uscc(body: str) -> str:
    first17 = "91530100" + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


def people_make() -> dict[str, Actor]:
    """A user of each role that matters here, made through identity's services."""
    company = organisation_create(
        uscc=_uscc("MA7XR001"), name="云南某建设工程有限公司", market_roles=["bidder"], by=SYSTEM
    )
    actors: dict[str, Actor] = {}
    for key, role in ROLES.items():
        user = user_create(
            username=key,
            password=PASSWORD,
            display_name=f"测试{key}",
            roles=[role],
            organisation=company if role == "bidder" else None,
            by=SYSTEM,
        )
        actors[key] = actor_for(user=user)
    return actors


def departments_make(*, by: Actor, count: int = 36, leaders: int = 3) -> list[Department]:
    """``count`` stationed departments D01…, each with ``leaders`` leaders D01L1…, in that order."""
    made = []
    for index in range(1, count + 1):
        department = roster.department_create(code=f"D{index:02d}", name=f"测试部门{index:02d}", order=index, by=by)
        for number in range(1, leaders + 1):
            roster.leader_create(
                department=department,
                code=f"D{index:02d}L{number}",
                name=f"领导{index:02d}{number}",
                title="副局长",
                by=by,
            )
        made.append(department)
    return made


def client_for(username: str) -> Client:
    """A signed-in client (second factor passed where the role needs one)."""
    user = user_get(username=username)
    client = Client()
    client.force_login(user)
    if user.role_codes & TOTP_REQUIRED_ROLES:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client
