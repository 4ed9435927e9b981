"""Background work of the bidding context: freezing the bids of every section whose deadline passed."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhengwu.contexts.bidding.services import freezes_due_run


@db_periodic_task(crontab(minute="*"))
def bidding_freeze() -> int:
    """Freeze the accepted bids of sections past their deadline; returns how many were frozen."""
    return len(freezes_due_run())
