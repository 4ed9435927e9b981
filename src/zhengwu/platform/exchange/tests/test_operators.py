"""What operators see and do: the ``exchange`` command and the status API."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from zhengwu.kernel.clock import clock_now
from zhengwu.platform.exchange.models import Delivery, InboxMessage
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.exchange.tests.factories import ThingChanged

pytestmark = pytest.mark.django_db

STATUS_URL = "/trading/api/exchange/status"


def run(*args: str) -> str:
    out = StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def one_dead_letter(settings: Any) -> Delivery:
    """Publish one event and let its public delivery die (the receiver refuses public)."""
    outbox_publish(event=ThingChanged(key="a", version=1))
    outbox_publish(event=ThingChanged(key="a", version=2))
    settings.ZHENGWU_PLATFORMS = ["trading", "supervision"]
    relay_run_once(max_attempts=1)
    settings.ZHENGWU_PLATFORMS = ["trading", "public", "supervision"]
    return Delivery.objects.get(destination="public", status="dead")


def test_status_of_an_idle_exchange_exits_zero() -> None:
    output = run("status")

    assert "Exchange of deployable 'standalone'" in output
    assert "(nothing sent yet)" in output
    assert "refused messages: 0" in output


def test_status_lists_each_destination_and_fails_while_dead_letters_exist(settings: Any) -> None:
    dead = one_dead_letter(settings)
    out = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("exchange", "status", stdout=out)

    assert caught.value.returncode == 1
    assert "1 dead letter(s) need attention" in str(caught.value)
    lines = out.getvalue().splitlines()
    public = next(line.split() for line in lines if line.strip().startswith("public "))
    supervision = next(line.split() for line in lines if line.strip().startswith("supervision "))
    # destination, pending, waiting, retrying, delivered, dead, oldest pending
    assert public[:6] == ["public", "1", "1", "0", "0", "1"]
    assert supervision[:6] == ["supervision", "0", "0", "0", "2", "0"]
    dead_line = next(line for line in lines if "dead letter id=" in line)
    assert f"dead letter id={dead.id} → public test.thing.changed test.thing:a #1 after 1 attempts" in dead_line
    assert "HTTP 400 exchange_wrong_destination" in dead_line
    assert "  from standalone     to supervision    applied 2" in lines
    assert "refused messages: 1" in out.getvalue()


def test_status_as_json(settings: Any) -> None:
    dead = one_dead_letter(settings)
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("exchange", "status", "--json", stdout=out)

    data = json.loads(out.getvalue())
    public = next(d for d in data["destinations"] if d["destination"] == "public")
    assert (public["pending"], public["waiting"], public["dead"]) == (1, 1, 1)
    assert [d["id"] for d in public["dead_letters"]] == [dead.id]


def test_replay_then_relay_from_the_command_line(settings: Any) -> None:
    dead = one_dead_letter(settings)

    assert f"Queued again: 1 deliver(ies): [{dead.id}]" in run("replay", "--id", str(dead.id))
    assert "delivered 2 (already applied 0), failed 0, dead letters 0" in run("relay", "--once")

    assert list(InboxMessage.objects.filter(destination="public").values_list("sequence", flat=True)) == [1, 2]
    assert "No dead letters to replay." in run("replay", "--all-dead")


def test_replay_of_a_delivery_that_is_not_dead_is_refused_with_exit_one(settings: Any) -> None:
    outbox_publish(event=ThingChanged(key="a", version=1))
    pending = Delivery.objects.get(destination="public")

    with pytest.raises(CommandError) as caught:
        run("replay", "--id", str(pending.id))
    with pytest.raises(CommandError) as unknown:
        run("replay", "--id", "-1")

    assert caught.value.returncode == 1
    assert "exchange_delivery_not_dead" in str(caught.value)
    assert unknown.value.returncode == 1
    assert "exchange_delivery_not_found" in str(unknown.value)
    assert Delivery.objects.get(id=pending.id).status == "pending"


def test_relay_once_exits_one_when_a_delivery_failed(settings: Any) -> None:
    outbox_publish(event=ThingChanged(key="a", version=1))
    settings.ZHENGWU_PLATFORMS = ["trading", "supervision"]

    with pytest.raises(CommandError) as caught:
        run("relay", "--once")

    assert caught.value.returncode == 1
    assert Delivery.objects.get(destination="public").attempts == 1
    assert Delivery.objects.get(destination="supervision").status == "delivered"


# --- API ---------------------------------------------------------------------------------------


def signed_in(client: Client, *roles: str) -> Client:
    user = get_user_model().objects.create_user(username="u-" + "-".join(roles or ("none",)), password="x" * 12)
    for role in roles:
        user.role_grants.create(role=role, granted_at=clock_now())
    client.force_login(user)
    session = client.session
    session["zw_totp_ok"] = True
    session.save()
    return client


@pytest.mark.parametrize("role", ["centre_staff", "regulator"])
def test_staff_read_the_exchange_status(client: Client, settings: Any, role: str) -> None:
    dead = one_dead_letter(settings)

    response = signed_in(client, role).get(STATUS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["deployable"] == "standalone"
    public = next(d for d in body["destinations"] if d["destination"] == "public")
    assert (public["pending"], public["waiting"], public["delivered"], public["dead"]) == (1, 1, 0, 1)
    assert [d["id"] for d in public["dead_letters"]] == [dead.id]
    assert body["inbox"] == [{"source": "standalone", "destination": "supervision", "applied": 2}]
    assert body["rejected_total"] == 1


def test_the_status_api_refuses_anonymous_callers(client: Client) -> None:
    response = client.get(STATUS_URL)

    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "请先登录", "detail": {}}


def test_the_status_api_refuses_other_roles(client: Client) -> None:
    response = signed_in(client, "bidder").get(STATUS_URL)

    assert response.status_code == 403
    assert response.json()["code"] == "exchange_status_denied"
    assert set(response.json()) == {"code", "message", "detail"}


def test_the_status_api_wants_the_second_factor(client: Client) -> None:
    signed_in(client, "centre_staff")
    session = client.session
    session["zw_totp_ok"] = False
    session.save()

    assert client.get(STATUS_URL).status_code == 401
