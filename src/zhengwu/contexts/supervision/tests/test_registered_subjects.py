"""The supervision register of market subjects, built from identity's events."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.supervision.handlers import market_subject_changed
from zhengwu.contexts.supervision.selectors import registered_subject_get, registered_subject_list
from zhengwu.kernel.errors import NotFound
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish

pytestmark = pytest.mark.django_db


def uscc_make(n: int) -> str:
    body = f"{n:08d}"
    first17 = f"91530100{body}{uscc_org_check_char(body)}"
    return first17 + uscc_check_char(first17)


def change(n: int, version: int, status: str, name: str = "") -> MarketSubjectChanged:
    return MarketSubjectChanged(
        uscc=uscc_make(n),
        name=name or f"Subject {n}",
        status=status,
        market_roles=["tenderer"],
        region_code="530102",
        version=version,
        changed_at=f"2026-03-02T09:{version:02d}:00+08:00",
    )


def test_every_status_is_registered_with_its_history_count() -> None:
    for event in (
        change(1, 1, "pending"),
        change(1, 2, "verified"),
        change(1, 3, "suspended", name="Subject 1 (renamed)"),
        change(2, 1, "pending"),
        change(3, 1, "pending"),
        change(3, 2, "rejected"),
    ):
        outbox_publish(event=event)

    assert relay_run_once().ok

    rows = list(registered_subject_list().values_list("uscc", "name", "status", "version", "history_count"))
    assert rows == [
        (uscc_make(1), "Subject 1 (renamed)", "suspended", 3, 3),
        (uscc_make(2), "Subject 2", "pending", 1, 1),
        (uscc_make(3), "Subject 3", "rejected", 2, 2),
    ]
    first = registered_subject_get(uscc=uscc_make(1))
    assert first.first_seen_at == dt.datetime(2026, 3, 2, 1, 1, tzinfo=dt.UTC)
    assert first.updated_at == dt.datetime(2026, 3, 2, 1, 3, tzinfo=dt.UTC)
    assert first.market_roles == ["tenderer"]
    assert [s.uscc for s in registered_subject_list(status="pending")] == [uscc_make(2)]


def test_an_event_older_than_the_register_changes_nothing() -> None:
    outbox_publish(event=change(1, 1, "pending"))
    outbox_publish(event=change(1, 2, "verified"))
    relay_run_once()
    stale = change(1, 1, "pending", name="Old name")
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="standalone",
        destination="supervision",
        event_type=stale.event_type,
        aggregate_type=stale.aggregate_type,
        aggregate_id=stale.uscc,
        sequence=1,
        occurred_at="2026-03-02T00:00:00+00:00",
        payload=stale.payload(),
    )

    market_subject_changed(envelope.payload, envelope)

    subject = registered_subject_get(uscc=uscc_make(1))
    assert (subject.name, subject.status, subject.version, subject.history_count) == ("Subject 1", "verified", 2, 2)


def test_an_unknown_subject_is_not_found() -> None:
    with pytest.raises(NotFound) as caught:
        registered_subject_get(uscc=uscc_make(9))

    assert caught.value.code == "supervision_subject_not_found"
