"""Reads of the audit log."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from zhengwu.kernel.actor import Actor
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.audit.selectors import (
    audit_entries_for,
    audit_entries_last,
    audit_entry_count,
    audit_latest_tree_head,
)
from zhengwu.platform.audit.services import audit_append, audit_seal

pytestmark = pytest.mark.django_db


def test_entries_for_one_object_are_its_history_oldest_first(actor: Actor) -> None:
    for action, object_id in [("t.tender.create", "A"), ("t.tender.create", "B"), ("t.tender.publish", "A")]:
        audit_append(actor=actor, action=action, object_type="tendering.tender", object_id=object_id)
    audit_append(actor=actor, action="t.bid.submit", object_type="bidding.bid", object_id="A")
    history = audit_entries_for(object_type="tendering.tender", object_id="A")
    assert [(e.position, e.action) for e in history] == [(1, "t.tender.create"), (3, "t.tender.publish")]
    assert audit_entries_for(object_type="tendering.tender", object_id="Z") == []


def test_last_entries_and_count(fill: Callable[[int], list[AuditEntry]]) -> None:
    assert audit_entries_last(count=3) == []
    fill(5)
    assert [e.position for e in audit_entries_last(count=3)] == [3, 4, 5]
    assert [e.position for e in audit_entries_last(count=10)] == [1, 2, 3, 4, 5]
    assert audit_entries_last(count=0) == []
    assert audit_entry_count() == 5


def test_latest_tree_head_is_the_largest(fill: Callable[[int], list[AuditEntry]]) -> None:
    assert audit_latest_tree_head() is None
    fill(2)
    audit_seal()
    fill(2)
    second = audit_seal()
    latest = audit_latest_tree_head()
    assert latest is not None
    assert second is not None
    assert (latest.pk, latest.tree_size) == (second.pk, 4)
