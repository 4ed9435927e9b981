"""The audit log: append-only entries, the head of their hash chain, signed tree heads.

Rows of ``AuditEntry`` and ``AuditTreeHead`` are never changed or removed. The models refuse
it here, and on PostgreSQL triggers refuse it in the database as well (migration 0002), so a
bug or an injected statement in the application cannot rewrite history. Whoever can switch
the triggers off (a database administrator) still leaves traces ``zhengwu audit verify``
finds: the chain, the chain head and the signed tree heads disagree with the edited rows.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models

from zhengwu.kernel.errors import IntegrityViolation
from zhengwu.platform.audit.chain import EntryContent

APPEND_ONLY_MESSAGE = "审计日志只能追加，不能修改或删除"


def _refuse() -> NoReturn:
    raise IntegrityViolation(APPEND_ONLY_MESSAGE, code="audit_append_only")


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """A queryset whose bulk writes other than inserts are refused."""

    def update(self, **kwargs: Any) -> int:
        _refuse()

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse()

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        _refuse()


class AppendOnlyModel(models.Model):
    """A model whose rows can be inserted once and never saved again or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse()
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse()


class AuditEntry(AppendOnlyModel):
    """One state change: who did what to which object, when, from where, before and after."""

    # 1, 2, 3 … without gaps, in the order the entries were chained.
    position = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField()
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.TextField()
    actor_display_name = models.TextField(blank=True)
    actor_roles = models.JSONField(default=list)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    organisation_name = models.TextField(blank=True)
    # Stored as text, not inet: the hash covers the exact text the service recorded ("" if none).
    ip = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=200)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    suite = models.CharField(max_length=16)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "audit_entry"
        ordering = ("position",)
        indexes = (models.Index(fields=("object_type", "object_id"), name="audit_entry_object_idx"),)

    def __str__(self) -> str:
        return f"#{self.position} {self.action} {self.object_type}:{self.object_id}"

    def content(self) -> EntryContent:
        """The hashed fields of this row, as read from the database."""
        return EntryContent(
            position=self.position,
            prev_hash=self.prev_hash,
            suite=self.suite,
            created_at=self.created_at,
            actor_user_id=self.actor_user_id,
            actor_username=self.actor_username,
            actor_display_name=self.actor_display_name,
            actor_roles=tuple(self.actor_roles) if isinstance(self.actor_roles, list) else (repr(self.actor_roles),),
            organisation_id=self.organisation_id,
            organisation_name=self.organisation_name,
            ip=self.ip or None,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            before=self.before,
            after=self.after,
        )


class AuditChainHead(models.Model):
    """The single row that says where the chain ends: its lock orders every append.

    Writers UPDATE this row before they read it, which takes a row lock on PostgreSQL (the
    write lock on SQLite), so two transactions can never chain to the same predecessor.
    """

    SINGLETON_ID = 1

    position = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        db_table = "audit_chain_head"

    def __str__(self) -> str:
        return f"chain head at #{self.position}"


class AuditTreeHead(AppendOnlyModel):
    """A signed commitment to the first ``tree_size`` entries (RFC 6962 Merkle tree root)."""

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    suite = models.CharField(max_length=16)
    key_id = models.CharField(max_length=32)
    # The signer's public key (base64), published with the head so that readers can check it
    # against the key the platform publishes elsewhere.
    public_key = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        db_table = "audit_tree_head"
        ordering = ("tree_size",)

    def __str__(self) -> str:
        return f"tree head of {self.tree_size} entries"
