"""Background delivery: the relay after every commit that wrote to the outbox, and every minute.

The task enqueued after commit makes delivery prompt; the periodic tick makes it certain (a
message written while the broker or the worker was down is delivered at the next tick).
"""

from __future__ import annotations

import time

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from zhengwu.platform.exchange.relay import relay_run_once

# A task drains what is due, but yields the worker after this long so other tasks get their turn.
_TASK_BUDGET_SECONDS = 50.0
_BATCH = 100


def _drain() -> int:
    started = time.monotonic()
    delivered = 0
    while True:
        report = relay_run_once(limit=_BATCH)
        delivered += report.delivered
        if not report.limit_reached or time.monotonic() - started > _TASK_BUDGET_SECONDS:
            return delivered


@db_task()
def exchange_relay_task() -> int:
    """Deliver what is due now (enqueued after a commit that wrote to the outbox)."""
    return _drain()


@db_periodic_task(crontab(minute="*"))
def exchange_relay_tick() -> int:
    """Every minute: deliver what is due, retries included."""
    return _drain()
