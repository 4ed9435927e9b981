"""Publishing a round: the step after the evaluator's review (复核) of the computed results.

Publication is what leaders and units wait for: the accountability rules are applied to the
final ranks in the same transaction, so nobody can read results without the outcomes that go
with them; the reports are then built in the background (dozens of PDFs).
"""

from __future__ import annotations

from django.db import transaction

from zhengwu.contexts.appraisal.access import appraiser_require
from zhengwu.contexts.appraisal.accountability import accountability_apply
from zhengwu.contexts.appraisal.models import Round
from zhengwu.contexts.appraisal.tasks import appraisal_reports_build
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.audit.services import audit_append


def round_publish(*, round: Round, by: Actor, build_reports: bool = True) -> Round:
    """Publish a scored round: apply the accountability rules, open the results to leaders and units.

    ``build_reports`` queues the building of both reports for every scored unit once the
    transaction has committed.
    """
    appraiser_require(by=by)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status != Round.Status.SCORED:
            raise Conflict(
                "只有已计分、待复核的轮次可以发布", code="appraisal_round_not_scored", detail={"status": locked.status}
            )
        outcomes = accountability_apply(round=locked, by=by)
        locked.status = Round.Status.PUBLISHED
        locked.published_at = clock_now()
        locked.published_by = by.username
        locked.save(update_fields=["status", "published_at", "published_by"])
        audit_append(
            actor=by,
            action="appraisal.round.publish",
            object_type="appraisal.round",
            object_id=locked.code,
            before={"status": Round.Status.SCORED},
            after={"status": Round.Status.PUBLISHED, "outcomes": len(outcomes)},
        )
        if build_reports:
            round_id = locked.pk
            transaction.on_commit(lambda: appraisal_reports_build(round_id, by))
    round.status, round.published_at, round.published_by = locked.status, locked.published_at, locked.published_by
    return locked
