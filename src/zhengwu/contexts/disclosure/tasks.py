"""Background work of the public platform: the open data's monthly bulk files, every hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhengwu.contexts.disclosure.ocds.bulk import bulk_write


@db_periodic_task(crontab(minute="7"))
def ocds_bulk_periodic() -> int:
    """Rewrite the months whose releases changed since the last run (``zhengwu ocds bulk`` by hand);
    returns how many months the index lists."""
    return len(bulk_write())
