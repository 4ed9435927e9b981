"""Concurrent writers on PostgreSQL never fork the chain.

Each thread has its own database connection (Django's connections are per thread) and
appends in its own transactions, all released at the same moment by a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from zhengwu.kernel.actor import Actor
from zhengwu.platform.audit.chain import GENESIS_HASH
from zhengwu.platform.audit.models import AuditChainHead, AuditEntry
from zhengwu.platform.audit.services import audit_append, audit_seal, audit_verify

from .conftest import postgres_only

pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]

THREADS = 8
APPENDS = 25


def test_concurrent_appends_keep_one_contiguous_intact_chain() -> None:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            actor = Actor(user_id=n, username=f"writer{n}", roles=frozenset({"tester"}), ip=f"10.0.0.{n}")
            barrier.wait(timeout=30)
            for i in range(APPENDS):
                with transaction.atomic():
                    audit_append(actor=actor, action="test.concurrent.write", object_type="test", object_id=f"{n}-{i}")
        except BaseException as exc:  # reported below: a thread's exception would vanish otherwise
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(1, THREADS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)

    total = THREADS * APPENDS
    rows = list(AuditEntry.objects.order_by("position").values_list("position", "prev_hash", "entry_hash", "object_id"))
    assert [r[0] for r in rows] == list(range(1, total + 1))
    assert [r[1] for r in rows] == [GENESIS_HASH] + [r[2] for r in rows[:-1]]
    assert Counter(r[3].split("-")[0] for r in rows) == {str(n): APPENDS for n in range(1, THREADS + 1)}
    # Each writer's own entries appear in the order it wrote them.
    for n in range(1, THREADS + 1):
        mine = [int(r[3].split("-")[1]) for r in rows if r[3].startswith(f"{n}-")]
        assert mine == list(range(APPENDS))
    head = AuditChainHead.objects.get()
    assert (head.position, head.last_hash) == (total, rows[-1][2])
    sealed = audit_seal()
    assert sealed is not None
    assert sealed.tree_size == total
    result = audit_verify()
    assert (result.ok, result.entries_checked, result.heads_checked) == (True, total, 1)


def test_concurrent_first_appends_create_one_chain_head() -> None:
    # No head row yet (the table was flushed): every writer races to create it.
    assert not AuditChainHead.objects.exists()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            audit_append(
                actor=Actor(user_id=n, username=f"w{n}"), action="test.first.write", object_type="t", object_id=str(n)
            )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert list(AuditEntry.objects.order_by("position").values_list("position", flat=True)) == list(
        range(1, THREADS + 1)
    )
    assert AuditChainHead.objects.count() == 1
    assert audit_verify().ok
