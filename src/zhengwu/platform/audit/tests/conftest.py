"""Fixtures of the audit log's tests: actors, a filled log, and a database administrator."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_frozen
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.audit.services import audit_append

T0 = dt.datetime(2025, 3, 10, 1, 2, 3, 456789, tzinfo=dt.UTC)
ON_POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL")


@pytest.fixture
def actor() -> Actor:
    return Actor(
        user_id=42,
        username="zhang.san",
        display_name="张三",
        roles=frozenset({"tenderer", "agency"}),
        organisation_id=7,
        organisation_name="昆明市某某建设有限公司",
        organisation_verified=True,
        ip="203.0.113.9",
    )


@pytest.fixture
def fill(actor: Actor) -> Callable[[int], list[AuditEntry]]:
    """Append ``n`` entries (actions ``test.thing.step1`` …) at a frozen clock."""

    def _fill(n: int) -> list[AuditEntry]:
        start = AuditEntry.objects.count()
        out = []
        with clock_frozen(T0):
            for i in range(start + 1, start + n + 1):
                out.append(
                    audit_append(
                        actor=actor,
                        action=f"test.thing.step{i}",
                        object_type="test.thing",
                        object_id=f"T-{i}",
                        before={"n": i - 1},
                        after={"n": i},
                    )
                )
        return out

    return _fill


@contextmanager
def dba() -> Iterator[Any]:
    """Act as a database administrator: switch the append-only triggers off, then on again."""
    tables = ("audit_entry", "audit_tree_head")
    with connection.cursor() as cursor:
        if ON_POSTGRES:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        yield cursor
        if ON_POSTGRES:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def verify_command() -> tuple[str, str]:
    """Run ``audit verify``; return (stdout, stderr). Raises CommandError when it fails."""
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
