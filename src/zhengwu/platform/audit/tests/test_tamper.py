"""A database administrator tampers with the log; ``audit verify`` names the first bad entry.

On PostgreSQL each test switches the append-only triggers off (``DISABLE TRIGGER USER``),
edits, deletes or reorders rows with raw SQL, and switches them on again, as someone with
full control of the database could. On SQLite there are no triggers to switch off.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengwu.kernel.crypto import SigningKey, suite_get
from zhengwu.platform.audit.chain import GENESIS_HASH, tree_head_payload
from zhengwu.platform.audit.merkle import merkle_root
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.audit.services import AuditVerification, audit_seal, audit_verify

from .conftest import dba

pytestmark = pytest.mark.django_db

COLUMNS = [f.column for f in AuditEntry._meta.concrete_fields if f.column not in ("id", "position")]


@pytest.fixture
def log(fill: Callable[[int], list[AuditEntry]]) -> None:
    """Eight entries, the first five sealed under a signed tree head."""
    fill(5)
    assert audit_seal() is not None
    fill(3)
    assert audit_verify().ok


def failure(
    *, position: int | None, action: str | None, reason: str, entries: int = 8, heads: int = 1
) -> AuditVerification:
    """Assert ``audit_verify`` and ``audit verify`` both fail exactly like this."""
    result = audit_verify()
    assert result.ok is False
    assert result.first_bad_position == position
    assert result.first_bad_action == action
    assert result.reason == reason
    assert (result.entries_checked, result.heads_checked) == (entries, heads)
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 1
    if position is not None:
        where = f"first bad entry: position {position}, action {action or 'unknown action (entry missing)'}"
    else:
        where = f"bad tree head: size {result.bad_tree_size}"
    assert str(caught.value) == f"audit log is NOT intact; {where}: {reason}"
    assert err.getvalue().startswith(
        f"audit log verification FAILED: {entries} entries and {heads} tree heads checked, "
        f"{len(result.problems)} problem(s):\n  - {reason}\n"
    )
    return result


FORGED_SIGNATURE = (
    "5 条的树头签名无效（树头被伪造或篡改） — tree head of size 5: signature invalid (forged or altered tree head)"
)


def altered(position: int, action: str) -> str:
    return (
        f"第 {position} 条记录（{action}）内容被修改：哈希不符 — "
        f"entry {position} ({action}) altered: its content does not match its hash"
    )


def rechain(cursor: object, from_position: int) -> None:
    """Recompute every hash from ``from_position`` on and move the chain head, as a careful forger."""
    suite = suite_get("intl")
    previous = AuditEntry.objects.filter(position=from_position - 1).values_list("entry_hash", flat=True).first()
    prev = previous or GENESIS_HASH
    for entry in AuditEntry.objects.filter(position__gte=from_position).order_by("position"):
        new_hash = dataclasses.replace(entry.content(), prev_hash=prev).hash_hex(suite)
        cursor.execute(  # type: ignore[attr-defined]
            "UPDATE audit_entry SET prev_hash = %s, entry_hash = %s WHERE position = %s",
            [prev, new_hash, entry.position],
        )
        prev = new_hash
    cursor.execute("UPDATE audit_chain_head SET last_hash = %s", [prev])  # type: ignore[attr-defined]


def test_an_intact_log_verifies_with_a_one_line_summary(log: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", "verify", stdout=out, stderr=err)
    assert out.getvalue() == (
        "审计日志完整：已校验 8 条记录、1 个树头 — audit log intact: 8 entries and 1 tree heads checked\n"
    )
    assert err.getvalue() == ""


@pytest.mark.parametrize(
    ("column", "value", "action"),
    [
        ("object_id", "T-999", "test.thing.step3"),
        ("action", "test.thing.forged", "test.thing.forged"),
        ("actor_username", "wang.wu", "test.thing.step3"),
        ("actor_display_name", "王五", "test.thing.step3"),
        ("ip", "198.51.100.1", "test.thing.step3"),
        ("created_at", dt.datetime(2025, 3, 10, 1, 2, 4, tzinfo=dt.UTC), "test.thing.step3"),
        ("organisation_id", 8, "test.thing.step3"),
        ("actor_user_id", None, "test.thing.step3"),
        ("entry_hash", "ab" * 32, "test.thing.step3"),
        ("prev_hash", "cd" * 32, "test.thing.step3"),
    ],
)
def test_an_edited_field_is_named_with_its_position(log: None, column: str, value: object, action: str) -> None:
    with dba() as cursor:
        # The column name comes from the parameter list above, never from input.
        cursor.execute(f"UPDATE audit_entry SET {column} = %s WHERE position = 3", [value])  # noqa: S608
    failure(position=3, action=action, reason=altered(3, action))


def test_an_edited_json_summary_is_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("""UPDATE audit_entry SET "after" = '{"n": 300}' WHERE position = 6""")
    failure(position=6, action="test.thing.step6", reason=altered(6, "test.thing.step6"))


def test_an_edited_role_list_is_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("""UPDATE audit_entry SET actor_roles = '["agency"]' WHERE position = 2""")
    failure(position=2, action="test.thing.step2", reason=altered(2, "test.thing.step2"))


def test_a_deleted_middle_entry_is_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("DELETE FROM audit_entry WHERE position = 4")
    result = failure(position=4, action=None, reason="第 4 条记录缺失（被删除） — entry 4 missing (deleted)", entries=7)
    # The sealed head over entries 1–5 no longer matches either.
    assert result.problems == (
        "第 4 条记录缺失（被删除） — entry 4 missing (deleted)",
        "第 1–5 条记录与已签名的树头（5 条）不符 — entries 1–5 do not match the signed tree head of size 5",
    )


def test_deleted_consecutive_entries_are_named_as_a_span(log: None) -> None:
    with dba() as cursor:
        cursor.execute("DELETE FROM audit_entry WHERE position IN (6, 7)")
    failure(position=6, action=None, reason="第 6–7 条记录缺失（被删除） — entry 6–7 missing (deleted)", entries=6)


def test_a_deleted_first_entry_is_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("DELETE FROM audit_entry WHERE position = 1")
    failure(position=1, action=None, reason="第 1 条记录缺失（被删除） — entry 1 missing (deleted)", entries=7)


def test_a_deleted_last_entry_is_caught_by_the_chain_head(log: None) -> None:
    with dba() as cursor:
        cursor.execute("DELETE FROM audit_entry WHERE position = 8")
    failure(
        position=8,
        action=None,
        reason="链头记录共 8 条，但只有 7 条：第 8 条起被删除 — "
        "the chain head records 8 entries but only 7 exist: entries from 8 on were deleted",
        entries=7,
    )


def test_a_deleted_tail_with_a_moved_chain_head_is_caught_by_the_tree_head(
    fill: Callable[[int], list[AuditEntry]],
) -> None:
    fill(8)
    assert audit_seal() is not None
    with dba() as cursor:
        cursor.execute("DELETE FROM audit_entry WHERE position IN (7, 8)")
        last_hash = AuditEntry.objects.get(position=6).entry_hash
        cursor.execute("UPDATE audit_chain_head SET position = 6, last_hash = %s", [last_hash])
    failure(
        position=7,
        action=None,
        reason="已签名的树头包含 8 条记录，但只有 6 条：第 7 条起被删除 — "
        "the signed tree head of size 8 covers more entries than the 6 present: entries from 7 on were deleted",
        entries=6,
    )


def test_two_entries_with_swapped_contents_are_named(log: None) -> None:
    cols = ", ".join(f'"{c}" = s."{c}"' for c in COLUMNS)
    with dba() as cursor:
        cursor.execute("CREATE TEMP TABLE swap AS SELECT * FROM audit_entry WHERE position IN (3, 6)")
        cursor.execute("UPDATE audit_entry SET entry_hash = 'tmp' || position WHERE position IN (3, 6)")
        # Column names come from the model, never from input.
        swap = f"UPDATE audit_entry SET {cols} FROM swap s WHERE audit_entry.position = %s AND s.position = %s"  # noqa: S608
        cursor.execute(swap, [3, 6])
        cursor.execute(swap, [6, 3])
        cursor.execute("DROP TABLE swap")
    assert list(AuditEntry.objects.filter(position__in=[3, 6]).values_list("action", flat=True)) == [
        "test.thing.step6",
        "test.thing.step3",
    ]
    result = failure(position=3, action="test.thing.step6", reason=altered(3, "test.thing.step6"))
    assert result.problems == (
        altered(3, "test.thing.step6"),
        "第 1–5 条记录与已签名的树头（5 条）不符 — entries 1–5 do not match the signed tree head of size 5",
        altered(6, "test.thing.step3"),
    )


def test_reordered_entries_are_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET position = -1 WHERE position = 7")
        cursor.execute("UPDATE audit_entry SET position = 7 WHERE position = 6")
        cursor.execute("UPDATE audit_entry SET position = 6 WHERE position = -1")
    result = failure(position=6, action="test.thing.step7", reason=altered(6, "test.thing.step7"))
    assert result.problems == (altered(6, "test.thing.step7"), altered(7, "test.thing.step6"))


def test_a_rewritten_and_rehashed_entry_is_named_by_the_broken_link(log: None) -> None:
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET object_id = 'T-999' WHERE position = 7")
        entry = AuditEntry.objects.get(position=7)
        cursor.execute(
            "UPDATE audit_entry SET entry_hash = %s WHERE position = 7", [entry.content().hash_hex(suite_get("intl"))]
        )
    failure(
        position=7,
        action="test.thing.step7",
        reason="第 7 条记录（test.thing.step7）被改写：其哈希与第 8 条链接的不一致 — "
        "entry 7 (test.thing.step7) rewritten: its hash is not the one entry 8 chained to",
    )


def test_a_rewritten_and_rehashed_last_entry_is_caught_by_the_chain_head(log: None) -> None:
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET object_id = 'T-999' WHERE position = 8")
        entry = AuditEntry.objects.get(position=8)
        cursor.execute(
            "UPDATE audit_entry SET entry_hash = %s WHERE position = 8", [entry.content().hash_hex(suite_get("intl"))]
        )
    failure(
        position=8,
        action="test.thing.step8",
        reason="第 8 条记录被改写：与链头记录的哈希不一致 — "
        "entry 8 rewritten: its hash is not the one the chain head recorded",
    )


def test_a_fully_rechained_rewrite_is_caught_by_the_signed_tree_heads(
    fill: Callable[[int], list[AuditEntry]],
) -> None:
    fill(2)
    assert audit_seal() is not None
    fill(3)
    assert audit_seal() is not None
    fill(3)
    with dba() as cursor:
        cursor.execute("UPDATE audit_entry SET object_id = 'T-999' WHERE position = 4")
        rechain(cursor, 4)
    # Every hash and link is consistent again; only the head over 1–5 (not the one over 1–2) disagrees.
    failure(
        position=3,
        action="test.thing.step3",
        reason="第 3–5 条记录与已签名的树头（5 条）不符 — entries 3–5 do not match the signed tree head of size 5",
        heads=2,
    )


def test_a_tree_head_with_an_altered_root_is_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("UPDATE audit_tree_head SET root_hash = %s WHERE tree_size = 5", ["00" * 32])
    result = failure(
        position=None,
        action=None,
        reason=FORGED_SIGNATURE,
    )
    assert result.bad_tree_size == 5
    assert len(result.problems) == 1


def test_a_tree_head_with_a_garbled_signature_is_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("UPDATE audit_tree_head SET signature = 'not base64!' WHERE tree_size = 5")
    failure(
        position=None,
        action=None,
        reason=FORGED_SIGNATURE,
    )


def test_a_forged_tree_head_over_a_cut_log_is_named(log: None) -> None:
    """Cut entries 7–8, move the chain head, and sign a head over 6 entries with one's own key."""
    forger = SigningKey.generate()
    created_at = dt.datetime(2025, 3, 10, 5, 0, tzinfo=dt.UTC)
    with dba() as cursor:
        cursor.execute("DELETE FROM audit_entry WHERE position IN (7, 8)")
        hashes = list(AuditEntry.objects.order_by("position").values_list("entry_hash", flat=True))
        cursor.execute("UPDATE audit_chain_head SET position = 6, last_hash = %s", [hashes[-1]])
        root = merkle_root([bytes.fromhex(h) for h in hashes], suite=suite_get("intl")).hex()
        key_id = forger.public.key_id
        payload = tree_head_payload(tree_size=6, root_hash=root, created_at=created_at, suite="intl", key_id=key_id)
        cursor.execute(
            "INSERT INTO audit_tree_head (tree_size, root_hash, created_at, suite, key_id, public_key, signature) "
            "VALUES (6, %s, %s, 'intl', %s, %s, %s)",
            [root, created_at, key_id, forger.public.to_b64(), base64.b64encode(forger.sign(payload)).decode()],
        )
    result = failure(
        position=None,
        action=None,
        reason=f"6 条的树头由未知密钥 {key_id} 签署（伪造） — "
        f"tree head of size 6: signed by unknown key {key_id} (forged)",
        entries=6,
        heads=2,
    )
    assert result.bad_tree_size == 6


def test_a_forged_head_claiming_the_real_key_id_is_named(log: None) -> None:
    forger = SigningKey.generate()
    with dba() as cursor:
        cursor.execute("UPDATE audit_tree_head SET public_key = %s WHERE tree_size = 5", [forger.public.to_b64()])
    failure(
        position=None,
        action=None,
        reason="5 条的树头公布的公钥与密钥编号不符（伪造） — "
        "tree head of size 5: published public key does not match its key id (forged)",
    )


def test_an_entry_written_around_the_chain_head_is_named(log: None) -> None:
    last = AuditEntry.objects.get(position=8)
    forged = dataclasses.replace(last.content(), position=9, prev_hash=last.entry_hash, action="test.thing.sneaked")
    with dba() as cursor:
        cursor.execute(
            "INSERT INTO audit_entry (position, created_at, actor_user_id, actor_username, actor_display_name, "
            'actor_roles, organisation_id, organisation_name, ip, action, object_type, object_id, "before", '
            '"after", prev_hash, entry_hash, suite) '
            "SELECT 9, created_at, actor_user_id, actor_username, actor_display_name, actor_roles, organisation_id, "
            'organisation_name, ip, %s, object_type, object_id, "before", "after", %s, %s, suite '
            "FROM audit_entry WHERE position = 8",
            ["test.thing.sneaked", last.entry_hash, forged.hash_hex(suite_get("intl"))],
        )
    failure(
        position=9,
        action="test.thing.sneaked",
        reason="第 9 条起的记录不在链头之内（绕过链写入） — "
        "entries from 9 on lie beyond the chain head (written around the chain)",
        entries=9,
    )


def test_a_deleted_chain_head_is_named(log: None) -> None:
    with dba() as cursor:
        cursor.execute("DELETE FROM audit_chain_head")
    failure(position=None, action=None, reason="审计日志的链头缺失 — the chain head is missing")
