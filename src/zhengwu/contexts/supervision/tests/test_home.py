"""Who sees the register of market subjects on the supervision platform's front page."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengwu.contexts.identity.selectors import user_get

pytestmark = pytest.mark.django_db

REGISTER = 'data-testid="subject-register"'


@pytest.fixture
def demo(db: Any) -> None:
    # Demo data goes through the services and the exchange, as on a real first start.
    call_command("demo", stdout=StringIO())
    call_command("exchange", "relay", "--once", stdout=StringIO())


def _client(username: str, *, second_factor: bool) -> Client:
    client = Client()
    client.force_login(user_get(username=username))
    if second_factor:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def test_a_regulator_sees_every_registered_subject_with_its_status(demo: None) -> None:
    body = _client("regulator", second_factor=True).get("/supervision/").content.decode()
    assert REGISTER in body
    # The demo registers seven verified subjects (two bidders of the concluded tender among them)
    # and leaves one pending for staff to verify.
    assert 'data-testid="count-verified">7<' in body
    assert 'data-testid="count-pending">1<' in body
    newcomer = user_get(username="newcomer").organisation
    assert newcomer is not None
    assert newcomer.uscc in body


def test_a_city_leader_sees_the_register(demo: None) -> None:
    body = _client("leader", second_factor=False).get("/supervision/").content.decode()
    assert REGISTER in body


@pytest.mark.parametrize("username", ["bidder1", "agency", "dept"])
def test_market_subjects_and_departments_do_not_see_the_register(demo: None, username: str) -> None:
    body = _client(username, second_factor=False).get("/supervision/").content.decode()
    assert REGISTER not in body


def test_a_regulator_without_the_second_factor_does_not_see_the_register(demo: None) -> None:
    body = _client("regulator", second_factor=False).get("/supervision/").content.decode()
    assert REGISTER not in body


def test_anonymous_visitors_are_asked_to_log_in(demo: None) -> None:
    body = Client().get("/supervision/").content.decode()
    assert REGISTER not in body
    assert 'href="/supervision/accounts/login/"' in body
