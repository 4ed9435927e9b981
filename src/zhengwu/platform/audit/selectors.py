"""Reads of the audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import NotFound
from zhengwu.platform.audit.chain import instant_text
from zhengwu.platform.audit.merkle import merkle_inclusion_proof
from zhengwu.platform.audit.models import AuditEntry, AuditTreeHead
from zhengwu.platform.audit.verification import leaf_bytes


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


AUDIT_PROOF_FORMAT = "zhengwu.audit.inclusion/1"


def audit_inclusion_proof(*, position: int, tree_size: int | None = None) -> dict[str, Any]:
    """The proof that entry ``position`` is in the log sealed by a signed tree head.

    ``tree_size`` names the head (default: the latest). The proof holds the entry's hash, the
    RFC 6962 audit path and the head with its signature, so anyone can check it against the
    heads the public platform publishes — without seeing any entry's content. Reads every
    entry hash up to the head's size (an operator's command, not a request path).
    ``NotFound`` when there is no such head or the entry is not under it.
    """
    heads = AuditTreeHead.objects.order_by("-tree_size")
    head = heads.first() if tree_size is None else heads.filter(tree_size=tree_size).first()
    if head is None:
        raise NotFound("没有这个已签署的树头", code="audit_tree_head_not_found", detail={"tree_size": tree_size})
    if not 1 <= position <= head.tree_size:
        raise NotFound(
            "该条记录不在这个树头之下",
            code="audit_entry_not_sealed",
            detail={"position": position, "tree_size": head.tree_size},
        )
    suite = suite_get(head.suite)
    hashes = list(
        AuditEntry.objects.filter(position__lte=head.tree_size)
        .order_by("position")
        .values_list("entry_hash", flat=True)
    )
    path = merkle_inclusion_proof([leaf_bytes(h) for h in hashes], position - 1, suite=suite)
    return {
        "format": AUDIT_PROOF_FORMAT,
        "platform": settings.ZHENGWU_PLATFORM,
        "position": position,
        "entry_hash": hashes[position - 1],
        "tree_size": head.tree_size,
        "root": head.root_hash,
        "path": [p.hex() for p in path],
        "tree_head": {
            "created_at": instant_text(head.created_at),
            "suite": head.suite,
            "key_id": head.key_id,
            "public_key": head.public_key,
            "signature": head.signature,
        },
    }
