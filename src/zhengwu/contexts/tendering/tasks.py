"""Background work of the tendering context: the lifecycle tick, every minute."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhengwu.contexts.tendering.lifecycle import tick_run


@db_periodic_task(crontab(minute="*"))
def tendering_tick() -> int:
    """Apply the lifecycle moves that fell due (bid deadlines passed); returns how many were applied.

    Idempotent and safe in several workers at once (see ``lifecycle.tick_run``); the
    ``zhengwu tick`` command does the same by hand.
    """
    return len(tick_run().transitions)
