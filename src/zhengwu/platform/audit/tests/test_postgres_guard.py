"""On PostgreSQL the database itself refuses to change or remove audit rows."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from zhengwu.platform.audit.models import AuditEntry, AuditTreeHead
from zhengwu.platform.audit.services import audit_seal, audit_verify

from .conftest import postgres_only

pytestmark = [pytest.mark.django_db, postgres_only]


def refused(statement: str, params: list[object] | None = None) -> str:
    """Run ``statement`` in a savepoint; return the database's error message (it must fail)."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
    return str(caught.value).splitlines()[0]


def snapshot() -> list[tuple[object, ...]]:
    return list(AuditEntry.objects.order_by("position").values_list("position", "action", "object_id", "entry_hash"))


def test_raw_update_of_an_entry_is_refused_and_the_row_is_unchanged(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    before = snapshot()
    message = refused("UPDATE audit_entry SET object_id = 'forged' WHERE position = 2")
    assert message == "audit log is append-only: UPDATE on audit_entry refused"
    assert snapshot() == before
    assert audit_verify().ok


def test_raw_delete_of_an_entry_is_refused_and_the_row_is_still_there(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(3)
    before = snapshot()
    assert refused("DELETE FROM audit_entry WHERE position = 3") == (
        "audit log is append-only: DELETE on audit_entry refused"
    )
    assert refused("DELETE FROM audit_entry") == "audit log is append-only: DELETE on audit_entry refused"
    assert snapshot() == before


def test_raw_update_and_delete_of_a_tree_head_are_refused(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(2)
    head = audit_seal()
    assert head is not None
    assert refused("UPDATE audit_tree_head SET root_hash = %s", ["00" * 32]) == (
        "audit log is append-only: UPDATE on audit_tree_head refused"
    )
    assert refused("DELETE FROM audit_tree_head") == "audit log is append-only: DELETE on audit_tree_head refused"
    assert list(AuditTreeHead.objects.values_list("tree_size", "root_hash")) == [(2, head.root_hash)]


def test_truncate_by_an_application_role_is_refused(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(2)
    before = snapshot()
    # A non-superuser role like the production application's, created inside the test's
    # transaction (so it is gone afterwards) and given every privilege on the tables.
    role = f"zw_audit_app_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT ALL ON audit_entry, audit_tree_head TO {role}")
    for table in ("audit_entry", "audit_tree_head"):
        message = refused(f"SET LOCAL ROLE {role}; TRUNCATE {table}")
        assert message == f"audit log is append-only: TRUNCATE on {table} refused"
    delete = f"SET LOCAL ROLE {role}; DELETE FROM audit_entry"  # noqa: S608  (role: generated above)
    assert refused(delete) == ("audit log is append-only: DELETE on audit_entry refused")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == ("postgres",)
    assert snapshot() == before


def test_inserting_new_entries_is_still_allowed(fill: Callable[[int], list[AuditEntry]]) -> None:
    fill(2)
    fill(1)
    assert [row[0] for row in snapshot()] == [1, 2, 3]
