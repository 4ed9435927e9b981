"""Writes to the audit log. (Interface fixed; implementation in progress.)"""

from __future__ import annotations

from typing import Any

from zhengwu.kernel.actor import Actor


def audit_append(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> Any:
    """Append one entry to the hash chain, inside the caller's transaction.

    ``action`` is a stable dotted name (``identity.organisation.verify``); ``before``/``after``
    are short JSON-safe summaries of what changed (never secrets such as password hashes).
    """
    raise NotImplementedError("audit_append is being implemented")
