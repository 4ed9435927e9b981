"""Writes to the audit log: appending entries, sealing them into signed tree heads.

``audit_verify`` (in ``verification``) is re-exported here so callers need one import.

Every service of every context calls ``audit_append`` inside its own transaction, so the
entry commits or rolls back with the change it records. The chain is global: appending takes
the chain head's lock until the caller's transaction ends, so callers should append as their
last write (short lock, and no lock-order inversion with rows they lock themselves).
"""

from __future__ import annotations

import base64
import ipaddress
import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.crypto import CryptoSuite, suite_get
from zhengwu.kernel.errors import IntegrityViolation, InvalidInput
from zhengwu.platform.audit.chain import (
    GENESIS_HASH,
    EntryContent,
    instant_text,
    json_summary_normalize,
    tree_head_payload,
)
from zhengwu.platform.audit.events import TreeHeadSealed
from zhengwu.platform.audit.merkle import MerkleAccumulator
from zhengwu.platform.audit.models import AuditChainHead, AuditEntry, AuditTreeHead
from zhengwu.platform.audit.verification import (
    AuditVerification,
    audit_verify,
    entry_hash_recomputed,
    leaf_bytes,
)
from zhengwu.platform.signing import signing_key_get

# ``audit_verify`` lives with its helpers in ``verification``; callers import it from here.
__all__ = ["AuditVerification", "audit_append", "audit_seal", "audit_verify"]

logger = logging.getLogger(__name__)

# A stable dotted name: ``context.thing.verb``, lower case, at least two parts.
ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
ACTION_MAX = 100
OBJECT_TYPE_MAX = 100
OBJECT_ID_MAX = 200


# --- appending ---------------------------------------------------------------------------------


def _ip_normalize(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError as exc:
        raise ValueError(f"actor.ip is not an IP address: {raw!r}") from exc


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _refuse_nul(name: str, value: Any) -> None:
    # PostgreSQL text and jsonb cannot hold NUL; refuse it clearly instead of a database error.
    if _has_nul(value):
        raise InvalidInput("记录内容含有非法的空字符", code="audit_nul_character", detail={"field": name})


def _head_lock() -> AuditChainHead:
    """Lock the chain head (creating it if absent) and return it as committed before us.

    The UPDATE comes first, before any read: on PostgreSQL it takes the row lock and waits for
    a concurrent appender to commit; the following SELECT (read committed) then sees that
    appender's new head. On SQLite the UPDATE takes the database write lock.
    """
    head_rows = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_ID)
    if not head_rows.update(position=F("position")):
        # First append ever, or after a test database flush. If entries exist (someone deleted
        # the head row), continue from the last one so the platform keeps working; the
        # verifier still checks the chain, and the signed tree heads cover what was sealed.
        last = AuditEntry.objects.order_by("-position").only("position", "entry_hash").first()
        if last is not None:
            logger.warning("audit chain head missing; recreated at position %s", last.position)
        AuditChainHead.objects.bulk_create(
            [
                AuditChainHead(
                    pk=AuditChainHead.SINGLETON_ID,
                    position=last.position if last else 0,
                    last_hash=last.entry_hash if last else GENESIS_HASH,
                )
            ],
            ignore_conflicts=True,  # a concurrent first append created it: theirs wins
        )
        head_rows.update(position=F("position"))
    return head_rows.get()


def audit_append(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the hash chain, inside the caller's transaction.

    ``action`` is a stable dotted name (``identity.organisation.verify``); ``before``/``after``
    are short JSON-safe summaries of what changed (never secrets such as password hashes).
    Programming errors (a malformed action, a summary that is not JSON-safe) raise
    ``ValueError``/``TypeError``; a NUL character in the data raises ``InvalidInput``.
    """
    if len(action) > ACTION_MAX or not ACTION_PATTERN.fullmatch(action):
        raise ValueError(f"audit action must be a dotted lower-case name like 'identity.user.create': {action!r}")
    if not object_type or len(object_type) > OBJECT_TYPE_MAX:
        raise ValueError(f"audit object_type must be 1..{OBJECT_TYPE_MAX} characters: {object_type!r}")
    if not isinstance(object_id, str) or len(object_id) > OBJECT_ID_MAX:
        raise ValueError(f"audit object_id must be a string of at most {OBJECT_ID_MAX} characters: {object_id!r}")
    before_json = json_summary_normalize(before, name="before")
    after_json = json_summary_normalize(after, name="after")
    for name, text in (
        ("object_type", object_type),
        ("object_id", object_id),
        ("username", actor.username),
        ("display_name", actor.display_name),
        ("organisation_name", actor.organisation_name),
        ("before", before_json),
        ("after", after_json),
    ):
        _refuse_nul(name, text)
    ip = _ip_normalize(actor.ip)
    suite = suite_get(settings.ZHENGWU_CRYPTO_SUITE)

    with transaction.atomic():
        head = _head_lock()
        content = EntryContent(
            position=head.position + 1,
            prev_hash=head.last_hash,
            suite=suite.name,
            # Read the clock under the lock, so that times never go backwards along the chain.
            created_at=clock_now(),
            actor_user_id=actor.user_id,
            actor_username=actor.username,
            actor_display_name=actor.display_name,
            actor_roles=tuple(sorted(actor.roles)),
            organisation_id=actor.organisation_id,
            organisation_name=actor.organisation_name,
            ip=ip,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before_json,
            after=after_json,
        )
        entry_hash = content.hash_hex(suite)
        entry = AuditEntry(
            position=content.position,
            created_at=content.created_at,
            actor_user_id=content.actor_user_id,
            actor_username=content.actor_username,
            actor_display_name=content.actor_display_name,
            actor_roles=list(content.actor_roles),
            organisation_id=content.organisation_id,
            organisation_name=content.organisation_name,
            ip=content.ip or "",
            action=content.action,
            object_type=content.object_type,
            object_id=content.object_id,
            before=content.before,
            after=content.after,
            prev_hash=content.prev_hash,
            entry_hash=entry_hash,
            suite=content.suite,
        )
        entry.save()
        AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_ID).update(
            position=content.position, last_hash=entry_hash
        )
    return entry


# --- sealing -----------------------------------------------------------------------------------


def _sealable_root(*, size: int, previous: AuditTreeHead | None, suite: CryptoSuite) -> str:
    """Return the root over entries 1..size after checking what the new head would bless.

    A head must never sign a tampered log: the first ``previous.tree_size`` entries must still
    give the previous signed root, and every newer entry must hash correctly and chain on.
    """
    accumulator = MerkleAccumulator(suite=suite)
    sealed_size = previous.tree_size if previous else 0
    # The previous head may have been sealed under another suite (the suite was switched since).
    prefix = accumulator
    if previous is not None and previous.suite != suite.name:
        prefix = MerkleAccumulator(suite=suite_get(previous.suite))
    expected_prev = GENESIS_HASH

    def broken(position: int, why: str) -> IntegrityViolation:
        return IntegrityViolation(
            f"审计日志在第 {position} 条处校验失败（{why}），拒绝签署树头",
            code="audit_chain_broken",
            detail={"position": position},
        )

    def link(position: int, prev_hash: str, entry_hash: str) -> None:
        nonlocal expected_prev
        if position != accumulator.size + 1:
            raise broken(accumulator.size + 1, "记录缺失或编号错乱")
        if prev_hash != expected_prev:
            raise broken(position, "链接断开")
        accumulator.add(leaf_bytes(entry_hash))
        if prefix is not accumulator and position <= sealed_size:
            prefix.add(leaf_bytes(entry_hash))
        expected_prev = entry_hash

    # Entries already under a signed head: only the links and the old root need checking.
    sealed = AuditEntry.objects.filter(position__lte=sealed_size).order_by("position")
    for position, prev_hash, entry_hash in sealed.values_list("position", "prev_hash", "entry_hash").iterator(
        chunk_size=5000
    ):
        link(position, prev_hash, entry_hash)
    if previous is not None and (prefix.size != sealed_size or prefix.root().hex() != previous.root_hash):
        raise broken(1, f"前 {sealed_size} 条与已签名的树头不符")
    # Entries to be sealed now: each must also hash to what it claims.
    fresh = AuditEntry.objects.filter(position__gt=sealed_size, position__lte=size).order_by("position")
    for entry in fresh.iterator(chunk_size=2000):
        if entry_hash_recomputed(entry) != entry.entry_hash:
            raise broken(entry.position, "内容与哈希不符")
        link(entry.position, entry.prev_hash, entry.entry_hash)
    if accumulator.size != size:
        raise broken(accumulator.size + 1, "记录缺失")
    return accumulator.root().hex()


def audit_seal() -> AuditTreeHead | None:
    """Sign a tree head over every entry chained so far; return None if nothing is new.

    Runs every ten minutes (``tasks.audit_seal_periodic``) and from ``zhengwu audit seal``.
    Raises ``IntegrityViolation`` rather than sign a log that fails its checks.
    """
    suite = suite_get(settings.ZHENGWU_CRYPTO_SUITE)
    head = AuditChainHead.objects.filter(pk=AuditChainHead.SINGLETON_ID).first()
    size = head.position if head is not None else 0
    if head is None and AuditEntry.objects.exists():
        raise IntegrityViolation("审计日志的链头缺失，拒绝签署树头", code="audit_chain_head_missing")
    previous = AuditTreeHead.objects.order_by("-tree_size").first()
    if size == 0 or (previous is not None and previous.tree_size >= size):
        return None
    # The expensive part runs without any lock: entries 1..size are committed and immutable.
    root_hash = _sealable_root(size=size, previous=previous, suite=suite)
    key = signing_key_get()
    with transaction.atomic():
        # Sealers queue on the chain head lock too, so two never sign out of order.
        _head_lock()
        latest = AuditTreeHead.objects.order_by("-tree_size").first()
        if latest is not None and latest.tree_size >= size:
            return None
        created_at = clock_now()
        key_id = key.public.key_id
        payload = tree_head_payload(
            tree_size=size, root_hash=root_hash, created_at=created_at, suite=suite.name, key_id=key_id
        )
        tree_head = AuditTreeHead(
            tree_size=size,
            root_hash=root_hash,
            created_at=created_at,
            suite=suite.name,
            key_id=key_id,
            public_key=key.public.to_b64(),
            signature=base64.b64encode(key.sign(payload)).decode("ascii"),
        )
        tree_head.save()
        _tree_head_announce(tree_head)
    return tree_head


def _tree_head_announce(tree_head: AuditTreeHead) -> None:
    # Imported here: the exchange's services append to this log, so importing them at the top
    # would be circular. Same transaction as the head: it is published if and only if it exists.
    from zhengwu.platform.exchange.services import outbox_publish

    outbox_publish(
        event=TreeHeadSealed(
            platform=settings.ZHENGWU_PLATFORM,
            tree_size=tree_head.tree_size,
            root_hash=tree_head.root_hash,
            created_at=instant_text(tree_head.created_at),
            suite=tree_head.suite,
            key_id=tree_head.key_id,
            public_key=tree_head.public_key,
            signature=tree_head.signature,
        )
    )
