"""Background work of the appraisal: overdue tickets escalate, and the quarterly reports are built.

The escalation is an idempotent tick (a level only ever rises), so it runs every hour: a
worker that was down catches up at its next run, and running twice changes nothing.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from zhengwu.contexts.appraisal.models import Round
from zhengwu.contexts.appraisal.reports import reports_build_all
from zhengwu.contexts.appraisal.tickets import tickets_escalate
from zhengwu.kernel.actor import Actor


@db_periodic_task(crontab(minute="23"))
def appraisal_tickets_escalate() -> int:
    """Escalate the open tickets past their deadline; returns how many changed level."""
    return tickets_escalate(by=Actor.system("appraisal-escalation"))


@db_task()
def appraisal_reports_build(round_id: int, by: Actor) -> int:
    """Build both reports of a round for every scored unit (dozens of PDFs: not in a request)."""
    return len(reports_build_all(round=Round.objects.get(pk=round_id), by=by))
