"""Background work of the identity context."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhengwu.contexts.identity.throttle import login_failures_purge


@db_periodic_task(crontab(minute="17", hour="3"))
def login_failures_purge_daily() -> int:
    """Forget sign-in failures past their retention period, once a night."""
    return login_failures_purge()
