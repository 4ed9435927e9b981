"""Separation of duties (管评分离), as a matrix over every role and every page that shows raw data.

Only the evaluator sees raw responses and respondents, and each of its looks is audited; units see
their own aggregates and tickets, leaders published results only. Each denied request is also
checked to have shown nothing and recorded no look at raw data.
"""

from __future__ import annotations

from typing import Any

import pytest

from zhengwu.contexts.appraisal.models import Response, Round, Ticket, UnitMember
from zhengwu.contexts.appraisal.publication import round_publish
from zhengwu.contexts.appraisal.tests.conftest import SECRET_PHONE
from zhengwu.contexts.appraisal.tests.scene_collection import APPRAISER, signed_in
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PREFIX = "/appraisal/"
OUTSIDERS = [
    "city_leader",
    "unit_user",  # a department user linked to the second unit
    "department_user",  # a department user linked to no unit
    "centre_staff",
    "regulator",
    "tenderer",
    "agency",
    "bidder",
    "expert",
    "public",
    "anonymous",
]


def _client(role: str, scored_world: dict[str, Any]) -> Any:
    from django.test import Client

    if role == "anonymous":
        return Client()
    if role == "unit_user":
        client = signed_in("unit_user", "department_user")
        user = client.session.get("_auth_user_id")
        UnitMember.objects.create(
            unit=scored_world["scene"].units[1],
            user_id=int(user),
            username="unit_user",
            created_at=scored_world["scene"].round.created_at,
        )
        return client
    return signed_in(role, role)


def _raw_urls(scored_world: dict[str, Any]) -> list[str]:
    code = scored_world["scene"].round.code
    return [
        f"{PREFIX}rounds/{code}/",
        f"{PREFIX}rounds/{code}/quality/",
        f"{PREFIX}rounds/{code}/quality/?status=clean",
        f"{PREFIX}rounds/{code}/quality/{scored_world['response'].pk}/",
        f"{PREFIX}rounds/{code}/invitations.xlsx",
        f"{PREFIX}cati/",
        f"{PREFIX}cati/{scored_world['cati'].pk}/",
    ]


def _secrets(scored_world: dict[str, Any]) -> list[str]:
    """What must never reach anyone but the evaluator: who the respondents are and what they said."""
    entries = [i.frame_entry for i in scored_world["scene"].invitations]
    return [SECRET_PHONE] + [e.uscc for e in entries] + [e.enterprise_name for e in entries]


@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_one_but_the_evaluator_reaches_raw_responses_or_respondents(role: str, scored_world: dict[str, Any]) -> None:
    client = _client(role, scored_world)
    looks = AuditEntry.objects.filter(action="appraisal.raw.view").count()
    for url in _raw_urls(scored_world):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
        body = response.content.decode("utf-8", "replace")
        assert not [secret for secret in _secrets(scored_world) if secret in body], url
    # Refused actions on raw data change nothing either.
    response = client.post(
        f"{PREFIX}rounds/{scored_world['scene'].round.code}/quality/{scored_world['response'].pk}/",
        {"decision": "reject", "note": "试图剔除"},
    )
    assert response.status_code in (302, 403, 404)
    scored_world["response"].refresh_from_db()
    assert scored_world["response"].qc_status == Response.Qc.CLEAN
    assert AuditEntry.objects.filter(action="appraisal.raw.view").count() == looks


def test_the_evaluator_sees_raw_data_and_every_look_is_audited(scored_world: dict[str, Any]) -> None:
    client = signed_in("appraiser1", "appraiser")
    before = AuditEntry.objects.filter(action="appraisal.raw.view").count()
    detail = client.get(f"{PREFIX}rounds/{scored_world['scene'].round.code}/quality/{scored_world['response'].pk}/")
    assert detail.status_code == 200
    assert scored_world["response"].respondent_name in detail.content.decode()
    assert client.get(f"{PREFIX}rounds/{scored_world['scene'].round.code}/invitations.xlsx").status_code == 200
    assert client.get(f"{PREFIX}cati/{scored_world['cati'].pk}/").status_code == 200
    looks = list(AuditEntry.objects.filter(action="appraisal.raw.view").order_by("id")[before:])
    assert len(looks) == 3
    assert {entry.actor_username for entry in looks} == {"appraiser1"}


@pytest.mark.parametrize("role", ["city_leader", "unit_user", "department_user"])
def test_results_are_closed_to_leaders_and_units_until_published(role: str, scored_world: dict[str, Any]) -> None:
    client = _client(role, scored_world)
    round_ = scored_world["scene"].round
    results = f"{PREFIX}rounds/{round_.code}/results/"
    assert client.get(results).status_code == 403
    round_publish(round=round_, by=APPRAISER, build_reports=False)
    assert round_.status == Round.Status.PUBLISHED
    expected = 403 if role == "department_user" else 200
    assert client.get(results).status_code == expected


def test_a_unit_user_sees_its_own_aggregates_and_tickets_never_who_said_what(scored_world: dict[str, Any]) -> None:
    client = _client("unit_user", scored_world)
    round_publish(round=scored_world["scene"].round, by=APPRAISER, build_reports=False)
    own, other = scored_world["scene"].units[1], scored_world["scene"].units[0]
    page = client.get(f"{PREFIX}units/{own.code}/")
    assert page.status_code == 200
    assert client.get(f"{PREFIX}units/{other.code}/").status_code == 403
    tickets = client.get(f"{PREFIX}tickets/")
    body = tickets.content.decode()
    own_ticket = Ticket.objects.get(unit=own)
    other_ticket = Ticket.objects.get(unit=other)
    assert own_ticket.number in body
    assert other_ticket.number not in body
    detail = client.get(f"{PREFIX}tickets/{own_ticket.number}/").content.decode()
    assert "窗口推诿" in detail  # the problem, as the evaluator worded it …
    assert not [secret for secret in _secrets(scored_world) if secret in body + detail]  # … and nobody's identity
    assert client.get(f"{PREFIX}tickets/{other_ticket.number}/").status_code == 404
