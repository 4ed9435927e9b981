"""Background work of the service centre: the leaders' duty reminders and the library's loan reminders.

Every morning the leaders whose published duty falls within the next three days are reminded,
and the readers whose loans fall due soon or are overdue; each once (the services mark what they
sent), so the tasks are idempotent: a second run on the same day sends nothing, and a worker that
was down catches up at its next run.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhengwu.contexts.center.library import loan_reminders_send
from zhengwu.contexts.center.roster import duty_reminders_send
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_today

REMINDER_ACTOR = "center-duty-reminders"
LOAN_REMINDER_ACTOR = "center-loan-reminders"


# The consumer reads crontabs in UTC: 00:30 UTC is 08:30 Beijing time, when the hall opens.
@db_periodic_task(crontab(minute="30", hour="0"))
def center_duty_reminders_send() -> int:
    """Remind the leaders of their coming duty (once each); returns how many were reminded."""
    return duty_reminders_send(today=clock_today(), by=Actor.system(REMINDER_ACTOR))


# 01:00 UTC is 09:00 Beijing time, once the library window has opened.
@db_periodic_task(crontab(minute="0", hour="1"))
def center_loan_reminders_send() -> int:
    """Remind readers of loans due soon and overdue (once each); returns how many reminders went out."""
    return loan_reminders_send(today=clock_today(), by=Actor.system(LOAN_REMINDER_ACTOR)).total
