"""Sealing the chain into signed tree heads, and verifying an intact log."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable

import pytest

from zhengwu.kernel.clock import clock_frozen
from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import IntegrityViolation
from zhengwu.platform.audit import verification
from zhengwu.platform.audit.chain import tree_head_payload
from zhengwu.platform.audit.merkle import merkle_root
from zhengwu.platform.audit.models import AuditEntry, AuditTreeHead
from zhengwu.platform.audit.services import audit_seal, audit_verify
from zhengwu.platform.audit.tasks import audit_seal_periodic
from zhengwu.platform.signing import signing_key_get

from .conftest import dba

pytestmark = pytest.mark.django_db

SEAL_TIME = dt.datetime(2025, 3, 10, 2, 0, tzinfo=dt.UTC)


def expected_root(size: int) -> str:
    hashes = AuditEntry.objects.filter(position__lte=size).order_by("position").values_list("entry_hash", flat=True)
    return merkle_root([bytes.fromhex(h) for h in hashes], suite=suite_get("intl")).hex()


def test_nothing_to_seal_on_an_empty_log() -> None:
    assert audit_seal() is None
    assert AuditTreeHead.objects.count() == 0


def test_a_seal_signs_the_rfc6962_root_of_every_entry(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(5)
    with clock_frozen(SEAL_TIME):
        head = audit_seal()
    assert head is not None
    key = signing_key_get()
    stored = AuditTreeHead.objects.get()
    assert stored.tree_size == 5
    assert stored.root_hash == expected_root(5)
    assert stored.created_at == SEAL_TIME
    assert stored.suite == "intl"
    assert stored.key_id == key.public.key_id
    assert stored.public_key == key.public.to_b64()
    payload = tree_head_payload(
        tree_size=5, root_hash=expected_root(5), created_at=SEAL_TIME, suite="intl", key_id=key.public.key_id
    )
    assert key.public.verify(payload, base64.b64decode(stored.signature))


def test_no_new_head_without_new_entries_then_a_bigger_one(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    first = audit_seal()
    assert first is not None
    assert audit_seal() is None
    fill(4)
    second = audit_seal()
    assert second is not None
    assert list(AuditTreeHead.objects.values_list("tree_size", "root_hash")) == [
        (3, expected_root(3)),
        (7, expected_root(7)),
    ]


def test_tree_heads_cannot_be_changed_or_deleted_through_the_model(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(2)
    head = audit_seal()
    assert head is not None
    head.root_hash = "00" * 32
    with pytest.raises(IntegrityViolation):
        head.save()
    with pytest.raises(IntegrityViolation):
        head.delete()
    with pytest.raises(IntegrityViolation):
        AuditTreeHead.objects.update(tree_size=1)
    assert list(AuditTreeHead.objects.values_list("tree_size", "root_hash")) == [(2, expected_root(2))]


def test_a_seal_refuses_to_sign_a_tampered_log(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    assert audit_seal() is not None
    fill(3)
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET object_id = 'forged' WHERE position = 5")
    with pytest.raises(
        IntegrityViolation, match="审计日志在第 5 条处校验失败（内容与哈希不符），拒绝签署树头"
    ) as caught:
        audit_seal()
    assert caught.value.code == "audit_chain_broken"
    assert caught.value.detail == {"position": 5}
    assert list(AuditTreeHead.objects.values_list("tree_size", flat=True)) == [3]


def test_a_seal_refuses_when_sealed_entries_were_rewritten(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    assert audit_seal() is not None
    fill(1)
    # A rewrite that keeps every link valid (all hashes recomputed) still changes the old root.
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET entry_hash = 'ff' || substr(entry_hash, 3) WHERE position = 3")
        cursor.execute("UPDATE audit_entry SET prev_hash = 'ff' || substr(prev_hash, 3) WHERE position = 4")
    with pytest.raises(IntegrityViolation, match="前 3 条与已签名的树头不符"):
        audit_seal()
    assert AuditTreeHead.objects.count() == 1


def test_the_periodic_task_runs_every_ten_minutes_and_seals(fill: Callable[[int], list[AuditEntry]]) -> None:
    task = audit_seal_periodic.s()
    due = [minute for minute in range(60) if task.validate_datetime(dt.datetime(2025, 3, 10, 9, minute))]
    assert due == [0, 10, 20, 30, 40, 50]
    fill(2)
    audit_seal_periodic()  # immediate mode in tests: runs now
    assert list(AuditTreeHead.objects.values_list("tree_size", flat=True)) == [2]


def test_verify_an_empty_log() -> None:
    result = audit_verify()
    assert (result.ok, result.entries_checked, result.heads_checked, result.first_bad_position) == (True, 0, 0, None)


def test_verify_an_intact_log_with_heads(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(4)
    audit_seal()
    fill(3)
    audit_seal()
    fill(2)
    result = audit_verify()
    assert result.ok
    assert (result.entries_checked, result.heads_checked, result.first_bad_position) == (9, 2, None)
    assert (
        result.reason
        == "审计日志完整：已校验 9 条记录、2 个树头 — audit log intact: 9 entries and 2 tree heads checked"
    )
    assert result.problems == ()


def test_verify_reports_progress_in_chunks(
    fill: Callable[[int], list[AuditEntry]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verification, "VERIFY_CHUNK", 4)
    fill(10)
    calls: list[int] = []
    result = audit_verify(progress=calls.append)
    assert result.ok
    assert calls == [4, 4, 2]


def test_switching_the_crypto_suite_keeps_sealing_and_verifying(
    fill: Callable[[int], list[AuditEntry]], settings: object
) -> None:
    fill(3)
    first = audit_seal()
    settings.ZHENGWU_CRYPTO_SUITE = "gm"  # type: ignore[attr-defined]
    fill(2)
    second = audit_seal()
    assert first is not None
    assert second is not None
    assert (first.suite, second.suite) == ("intl", "gm")
    assert list(AuditEntry.objects.order_by("position").values_list("suite", flat=True)) == ["intl"] * 3 + ["gm"] * 2
    hashes = [bytes.fromhex(h) for h in AuditEntry.objects.order_by("position").values_list("entry_hash", flat=True)]
    assert second.root_hash == merkle_root(hashes, suite=suite_get("gm")).hex()
    result = audit_verify()
    assert (result.ok, result.entries_checked, result.heads_checked) == (True, 5, 2)
