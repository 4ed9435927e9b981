"""The per-pair limit holds when an attacker fires many attempts at once, from many processes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from zhengwu.contexts.identity.models import LoginFailure
from zhengwu.contexts.identity.rules import LOGIN_PAIR_LIMIT
from zhengwu.contexts.identity.services import user_create
from zhengwu.contexts.identity.tests.conftest import PASSWORD, SYSTEM


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit() -> None:
    if connection.vendor == "sqlite":
        # The in-memory test database of SQLite locks whole tables with no busy timeout; the
        # deployed SQLite file waits (timeout 20 s, one writer at a time) instead.
        pytest.skip("needs a database server for concurrent writers")
    user_create(username="target", password=PASSWORD, display_name="目标", roles=["public"], by=SYSTEM)

    def attempt(_: int) -> int:
        try:
            response = Client().post(
                "/accounts/login/", {"username": "target", "password": "guess-guess-guess"}, REMOTE_ADDR="203.0.113.5"
            )
            return int(response.status_code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses: list[Any] = list(pool.map(attempt, range(24)))
    guessed = statuses.count(400)
    assert statuses.count(429) == 24 - guessed
    # Every attempt that reached the password check left its failure behind, and no more.
    assert LoginFailure.objects.filter(username="target").count() == guessed
    assert guessed == LOGIN_PAIR_LIMIT
