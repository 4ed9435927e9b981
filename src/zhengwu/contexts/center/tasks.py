"""Background work of the service centre: the leaders' duty reminders.

Every morning the leaders whose published duty falls within the next three days are reminded,
each once (``duty_reminders_send`` marks what it sent), so the task is idempotent: a second run
on the same day sends nothing, and a worker that was down catches up at its next run.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhengwu.contexts.center.roster import duty_reminders_send
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today

REMINDER_ACTOR = "center-duty-reminders"


# The consumer reads crontabs in UTC: 00:30 UTC is 08:30 Beijing time, when the hall opens.
@db_periodic_task(crontab(minute="30", hour="0"))
def center_duty_reminders_send() -> int:
    """Remind the leaders of their coming duty (once each); returns how many were reminded."""
    return duty_reminders_send(today=clock_today(), by=Actor.system(REMINDER_ACTOR))
