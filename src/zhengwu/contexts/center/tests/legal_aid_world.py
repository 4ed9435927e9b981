"""Test helpers of the legal-aid desk: a person of every role, a valid identity number, an application.

The clock and the calendar are those of ``roster_world`` (2026-03-02 10:00 Beijing time, a Monday).
"""

from __future__ import annotations

from typing import Any

from zhengwu.contexts.center import legal_aid
from zhengwu.contexts.center.models import LegalAidCase
from zhengwu.contexts.center.tests.roster_world import PASSWORD, SYSTEM, _uscc
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import organisation_create, user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.idcard import idcard_check_char

# username → role; every role of the platform's roles, the legal-aid staff first.
ROLES = {
    "legalaid": "legal_aid_staff",
    "staff": "centre_staff",
    "dept": "department_user",
    "leader": "city_leader",
    "appraiser": "appraiser",
    "regulator": "regulator",
    "bidder": "bidder",
    "tenderer": "tenderer",
    "agency": "agency",
    "expert": "expert",
    "citizen": "public",
}
MARKET = {"bidder": "MA7XL001", "tenderer": "MA7XL002", "agency": "MA7XL003"}

APPLICANT = "段晓芸"
PHONE = "13987654321"


def id_number(body: str = "53010219850312001") -> str:
    """A well-formed identity number: the 17 digits given and their check character."""
    return body + idcard_check_char(body)


ID_NUMBER = id_number()


def people_make() -> dict[str, Actor]:
    """A user of every role, made through identity's services; market roles in a company of their own."""
    actors: dict[str, Actor] = {}
    for username, role in ROLES.items():
        organisation = None
        if username in MARKET:
            organisation = organisation_create(
                uscc=_uscc(MARKET[username]), name=f"测试{username}有限公司", market_roles=[role], by=SYSTEM
            )
        user = user_create(
            username=username,
            password=PASSWORD,
            display_name=f"测试{username}",
            roles=[role],
            organisation=organisation,
            by=SYSTEM,
        )
        actors[username] = actor_for(user=user)
    return actors


def application(by: Actor, **overrides: Any) -> LegalAidCase:
    """An eligible application (two people on 3,000 yuan a month) by ``APPLICANT``."""
    fields: dict[str, Any] = {
        "applicant_name": APPLICANT,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "household_size": 2,
        "monthly_income_fen": 300_000,
        "exempt_category": None,
        "case_type": "wages",
        "summary": "追索拖欠的三个月工资。",
    }
    fields.update(overrides)
    return legal_aid.case_apply(by=by, **fields)
