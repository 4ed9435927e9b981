"""Appending to the chain: what an entry records, how it links, and what is refused."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pytest
from django.db import transaction
from django.test import override_settings

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_frozen
from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import IntegrityViolation, InvalidInput
from zhengwu.platform.audit.chain import GENESIS_HASH
from zhengwu.platform.audit.models import AuditChainHead, AuditEntry
from zhengwu.platform.audit.services import audit_append

from .conftest import T0

pytestmark = pytest.mark.django_db


def head() -> tuple[int, str]:
    row = AuditChainHead.objects.get()
    return row.position, row.last_hash


def test_an_entry_records_who_what_when_where_and_the_change(actor: Actor) -> None:
    with clock_frozen(T0):
        entry = audit_append(
            actor=actor,
            action="identity.organisation.verify",
            object_type="identity.organisation",
            object_id="7",
            before={"status": "pending"},
            after={"status": "verified", "market_roles": ("bidder",)},
        )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.position == 1
    assert stored.created_at == T0
    assert stored.actor_user_id == 42
    assert stored.actor_username == "zhang.san"
    assert stored.actor_display_name == "张三"
    assert stored.actor_roles == ["agency", "tenderer"]
    assert stored.organisation_id == 7
    assert stored.organisation_name == "昆明市某某建设有限公司"
    assert stored.ip == "203.0.113.9"
    assert stored.action == "identity.organisation.verify"
    assert stored.object_type == "identity.organisation"
    assert stored.object_id == "7"
    assert stored.before == {"status": "pending"}
    assert stored.after == {"status": "verified", "market_roles": ["bidder"]}
    assert stored.prev_hash == GENESIS_HASH
    assert stored.suite == "intl"
    assert stored.entry_hash == hashlib.sha256(stored.content().canonical()).hexdigest()
    assert head() == (1, stored.entry_hash)


def test_entries_chain_one_to_the_next_in_position_order(fill: Callable[[int], list[AuditEntry]]) -> None:
    entries = fill(4)
    stored = list(AuditEntry.objects.order_by("position"))
    assert [e.position for e in stored] == [1, 2, 3, 4]
    assert [e.prev_hash for e in stored] == [GENESIS_HASH] + [e.entry_hash for e in stored[:3]]
    assert [e.entry_hash for e in stored] == [e.entry_hash for e in entries]
    assert len({e.entry_hash for e in stored}) == 4
    assert head() == (4, stored[3].entry_hash)


def test_the_system_actor_without_ip_is_recorded_as_such() -> None:
    entry = audit_append(
        actor=Actor.system("scheduler"), action="tendering.tender.open", object_type="tendering.tender", object_id="9"
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_user_id, stored.actor_username, stored.actor_display_name) == (None, "scheduler", "系统")
    assert stored.actor_roles == ["system"]
    assert (stored.organisation_id, stored.organisation_name, stored.ip) == (None, "", "")
    assert (stored.before, stored.after) == (None, None)
    assert stored.content().ip is None
    assert stored.entry_hash == hashlib.sha256(stored.content().canonical()).hexdigest()


def test_ipv6_addresses_are_stored_in_their_short_form(actor: Actor) -> None:
    v6 = Actor(user_id=1, username="li.si", ip="2001:0db8:0000:0000:0000:0000:0000:0001")
    entry = audit_append(actor=v6, action="a.b", object_type="t", object_id="1")
    assert AuditEntry.objects.get(pk=entry.pk).ip == "2001:db8::1"


@override_settings(ZHENGWU_CRYPTO_SUITE="gm")
def test_the_gm_suite_hashes_entries_with_sm3(actor: Actor) -> None:
    entry = audit_append(actor=actor, action="a.b", object_type="t", object_id="1")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.suite == "gm"
    assert stored.entry_hash == suite_get("gm").hexdigest(stored.content().canonical())
    assert stored.entry_hash != hashlib.sha256(stored.content().canonical()).hexdigest()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"action": "Publish"}, ValueError, "audit action must be a dotted lower-case name"),
        ({"action": "tender publish"}, ValueError, "audit action must be a dotted lower-case name"),
        ({"action": "a." + "b" * 99}, ValueError, "audit action must be a dotted lower-case name"),
        ({"object_type": ""}, ValueError, "audit object_type must be 1..100 characters"),
        ({"object_id": "x" * 201}, ValueError, "audit object_id must be a string of at most 200 characters"),
        ({"object_id": 5}, ValueError, "audit object_id must be a string"),
        ({"after": {"price": 1.5}}, TypeError, "audit after is not JSON-safe"),
        ({"before": ["x"]}, TypeError, "audit before must be a dict or None, not list"),
        ({"after": {"note": "a\x00b"}}, InvalidInput, "记录内容含有非法的空字符"),
        ({"object_id": "a\x00"}, InvalidInput, "记录内容含有非法的空字符"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    actor: Actor, fill: Callable[[int], list[AuditEntry]], kwargs: dict[str, object], error: type, message: str
) -> None:
    fill(1)
    before_head = head()
    arguments: dict[str, object] = {"actor": actor, "action": "a.b", "object_type": "t", "object_id": "1", **kwargs}
    with pytest.raises(error, match=message):
        audit_append(**arguments)  # type: ignore[arg-type]
    assert AuditEntry.objects.count() == 1
    assert head() == before_head


def test_an_actor_ip_that_is_not_an_address_is_refused(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(1)
    with pytest.raises(ValueError, match=re.escape("actor.ip is not an IP address: 'not-an-ip'")):
        audit_append(actor=Actor(user_id=1, username="x", ip="not-an-ip"), action="a.b", object_type="t", object_id="1")
    assert AuditEntry.objects.count() == 1


def test_an_entry_rolls_back_with_the_callers_transaction(
    actor: Actor, fill: Callable[[int], list[AuditEntry]]
) -> None:
    fill(2)
    before_head = head()

    class Abort(Exception):
        pass

    def service_that_fails_after_auditing() -> None:
        with transaction.atomic():
            audit_append(actor=actor, action="a.b", object_type="t", object_id="lost")
            raise Abort

    with pytest.raises(Abort):
        service_that_fails_after_auditing()
    assert AuditEntry.objects.count() == 2
    assert head() == before_head
    entry = audit_append(actor=actor, action="a.c", object_type="t", object_id="kept")
    assert entry.position == 3
    assert entry.prev_hash == before_head[1]


def test_rows_cannot_be_saved_again_or_deleted_through_the_models(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(2)
    entry = AuditEntry.objects.get(position=1)
    original = (entry.action, entry.entry_hash)
    entry.action = "forged.action"
    with pytest.raises(IntegrityViolation, match="审计日志只能追加，不能修改或删除") as caught:
        entry.save()
    assert caught.value.code == "audit_append_only"
    with pytest.raises(IntegrityViolation):
        entry.delete()
    with pytest.raises(IntegrityViolation):
        AuditEntry.objects.filter(position=1).update(action="forged.action")
    with pytest.raises(IntegrityViolation):
        AuditEntry.objects.filter(position=2).delete()
    with pytest.raises(IntegrityViolation):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.count() == 2
    reread = AuditEntry.objects.get(position=1)
    assert (reread.action, reread.entry_hash) == original


def test_a_missing_chain_head_is_recreated_from_the_last_entry(
    actor: Actor, fill: Callable[[int], list[AuditEntry]]
) -> None:
    entries = fill(3)
    AuditChainHead.objects.all().delete()
    entry = audit_append(actor=actor, action="a.b", object_type="t", object_id="4")
    assert entry.position == 4
    assert entry.prev_hash == entries[-1].entry_hash
    assert head() == (4, entry.entry_hash)
