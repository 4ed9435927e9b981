"""The public list of market subjects: built from identity's events, read through API and page."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client

from zhengwu.contexts.disclosure.handlers import market_subject_changed
from zhengwu.contexts.disclosure.models import MarketSubject
from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish

pytestmark = pytest.mark.django_db

API = "/api/disclosure/subjects"
PAGE = "/subjects/"


def uscc_make(n: int) -> str:
    body = f"{n:08d}"
    first17 = f"91530100{body}{uscc_org_check_char(body)}"
    return first17 + uscc_check_char(first17)


def change(
    n: int, version: int, status: str = "verified", name: str | None = None, roles: tuple[str, ...] = ("bidder",)
) -> MarketSubjectChanged:
    return MarketSubjectChanged(
        uscc=uscc_make(n),
        name=name or f"Subject {n} v{version}",
        status=status,
        market_roles=list(roles),
        region_code="530100",
        version=version,
        changed_at=f"2026-03-02T08:{version:02d}:00+08:00",
    )


def publish_and_relay(*events: MarketSubjectChanged) -> None:
    for event in events:
        outbox_publish(event=event)
    report = relay_run_once()
    assert report.ok


def listed() -> list[tuple[str, str, int]]:
    return list(MarketSubject.objects.order_by("uscc").values_list("uscc", "name", "version"))


def test_only_verified_subjects_are_listed_and_a_suspended_one_disappears() -> None:
    publish_and_relay(change(1, 1, "pending"), change(2, 1, "pending"))
    assert listed() == []

    publish_and_relay(change(1, 2, "verified"), change(2, 2, "rejected"))
    subject = MarketSubject.objects.get()
    assert (subject.uscc, subject.name, subject.status, subject.version) == (
        uscc_make(1),
        "Subject 1 v2",
        "verified",
        2,
    )
    assert subject.market_roles == ["bidder"]
    assert subject.region_code == "530100"
    assert subject.updated_at == dt.datetime(2026, 3, 2, 0, 2, tzinfo=dt.UTC)

    publish_and_relay(change(1, 3, "suspended"))
    assert listed() == []

    publish_and_relay(change(1, 4, "verified", name="Renamed Ltd"))
    assert listed() == [(uscc_make(1), "Renamed Ltd", 4)]


def test_an_event_older_than_the_listed_version_changes_nothing() -> None:
    publish_and_relay(change(1, 1), change(1, 2, name="Current name"))
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="standalone",
        destination="public",
        event_type=MarketSubjectChanged.event_type,
        aggregate_type=MarketSubjectChanged.aggregate_type,
        aggregate_id=uscc_make(1),
        sequence=1,
        occurred_at="2026-03-02T00:00:00+00:00",
        payload=change(1, 1, status="suspended").payload(),
    )

    market_subject_changed(envelope.payload, envelope)

    assert listed() == [(uscc_make(1), "Current name", 2)]


def test_the_api_pages_searches_and_filters_by_role(client: Client) -> None:
    publish_and_relay(
        change(1, 1, name="Dianchi Construction", roles=("bidder",)),
        change(2, 1, name="Kunming Agency", roles=("agency",)),
        change(3, 1, name="Dianchi Water", roles=("tenderer", "bidder")),
        change(4, 1, "pending", name="Dianchi Pending"),
    )

    everything = client.get(API).json()
    assert everything["total"] == 3
    assert [s["name"] for s in everything["items"]] == ["Dianchi Construction", "Dianchi Water", "Kunming Agency"]
    assert everything["items"][1] == {
        "uscc": uscc_make(3),
        "name": "Dianchi Water",
        "status": "verified",
        "market_roles": ["bidder", "tenderer"],
        "region_code": "530100",
        "version": 1,
        "updated_at": "2026-03-02T00:01:00Z",
    }
    assert [s["name"] for s in client.get(API, {"q": "dianchi"}).json()["items"]] == [
        "Dianchi Construction",
        "Dianchi Water",
    ]
    assert [s["name"] for s in client.get(API, {"role": "bidder"}).json()["items"]] == [
        "Dianchi Construction",
        "Dianchi Water",
    ]
    assert [s["uscc"] for s in client.get(API, {"q": uscc_make(2)[:16].lower()}).json()["items"]] == [uscc_make(2)]
    second = client.get(API, {"page": 2, "size": 2}).json()
    assert (second["total"], second["page"], second["size"], second["pages"]) == (3, 2, 2, 2)
    assert [s["name"] for s in second["items"]] == ["Kunming Agency"]
    assert client.get(API, {"page": 5, "size": 2}).json()["items"] == []


@pytest.mark.parametrize(
    ("_case", "query", "code"),
    [
        ("unknown role", {"role": "king"}, "disclosure_role_unknown"),
        ("page zero", {"page": 0}, "disclosure_page_invalid"),
        ("page absurd", {"page": 10**30}, "disclosure_page_invalid"),
        ("page too large", {"size": 101}, "disclosure_size_invalid"),
        ("query too long", {"q": "x" * 101}, "disclosure_query_too_long"),
    ],
)
def test_the_api_refuses_bad_parameters_with_the_error_shape(
    client: Client, _case: str, query: dict[str, object], code: str
) -> None:
    response = client.get(API, query)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert set(response.json()) == {"code", "message", "detail"}


def test_a_page_number_that_is_not_a_number_is_a_validation_error(client: Client) -> None:
    response = client.get(API, {"page": "two"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_only_the_public_platform_publishes_the_list(client: Client) -> None:
    assert client.get("/trading/api/disclosure/subjects").status_code == 404
    assert client.get("/supervision/api/disclosure/subjects").status_code == 404


def test_the_public_page_lists_verified_subjects(client: Client) -> None:
    publish_and_relay(
        change(1, 1, name="Dianchi Construction", roles=("bidder",)),
        change(2, 1, name="Kunming Agency", roles=("agency",)),
        change(3, 1, "suspended", name="Suspended Works"),
    )

    page = client.get(PAGE, {"role": "agency"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()

    assert page.status_code == 200
    assert "Kunming Agency" in html
    assert uscc_make(2) in html
    assert "Dianchi Construction" not in html
    assert "Suspended Works" not in client.get(PAGE).content.decode()
    assert "Dianchi Construction" in client.get(PAGE).content.decode()


def test_the_public_page_explains_a_bad_filter(client: Client) -> None:
    publish_and_relay(change(1, 1, name="Dianchi Construction"))

    page = client.get(PAGE, {"role": "king"})

    assert page.status_code == 400
    assert "市场角色不存在" in page.content.decode()
