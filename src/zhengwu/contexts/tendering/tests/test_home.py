from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengwu.contexts.identity.selectors import user_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db: Any) -> None:
    call_command("demo", stdout=StringIO())


def _client_for(username: str, *, second_factor: bool = False) -> Client:
    client = Client()
    client.force_login(user_get(username=username))
    if second_factor:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def test_anonymous_visitors_are_invited_to_log_in_or_register(demo: None) -> None:
    body = Client().get("/trading/").content.decode()
    assert 'href="/trading/accounts/login/"' in body
    assert 'href="/trading/accounts/register/"' in body
    assert 'data-testid="pending-count"' not in body


def test_a_pending_bidder_sees_that_its_organisation_awaits_verification(demo: None) -> None:
    newcomer = user_get(username="newcomer")
    body = _client_for("newcomer").get("/trading/").content.decode()
    assert newcomer.organisation is not None
    assert newcomer.organisation.name in body
    assert newcomer.organisation.uscc in body
    assert "badge-wait" in body
    assert 'data-testid="pending-count"' not in body


def test_staff_see_how_many_organisations_wait_for_verification(demo: None) -> None:
    body = _client_for("staff", second_factor=True).get("/trading/").content.decode()
    assert 'data-testid="pending-count">1<' in body


def test_staff_without_the_second_factor_get_no_dashboard(demo: None) -> None:
    body = _client_for("staff").get("/trading/").content.decode()
    assert 'data-testid="pending-count"' not in body
