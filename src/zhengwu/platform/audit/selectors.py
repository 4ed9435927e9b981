"""Reads of the audit log."""

from __future__ import annotations

from zhengwu.platform.audit.models import AuditEntry, AuditTreeHead


def audit_entries_for(*, object_type: str, object_id: str) -> list[AuditEntry]:
    """Every entry about one object, oldest first (its history)."""
    return list(AuditEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("position"))


def audit_entries_last(*, count: int) -> list[AuditEntry]:
    """The ``count`` most recent entries, oldest first."""
    if count < 1:
        return []
    latest = list(AuditEntry.objects.order_by("-position")[:count])
    latest.reverse()
    return latest


def audit_entry_count() -> int:
    """How many entries the log holds."""
    return AuditEntry.objects.count()


def audit_latest_tree_head() -> AuditTreeHead | None:
    """The signed tree head covering the most entries, or None before the first seal."""
    return AuditTreeHead.objects.order_by("-tree_size").first()
