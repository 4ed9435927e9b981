"""Background work of the audit log."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhengwu.platform.audit.services import audit_seal

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/10"))
def audit_seal_periodic() -> None:
    """Seal the entries appended since the last tree head (every ten minutes)."""
    tree_head = audit_seal()
    if tree_head is not None:
        logger.info("audit tree head sealed: size %s root %s", tree_head.tree_size, tree_head.root_hash)
