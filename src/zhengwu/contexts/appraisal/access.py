"""Who may see what in the appraisal (管评分离 and the separation of duties).

- The third-party evaluator (``appraiser``) runs rounds and alone sees raw responses and
  respondents; each such view is written to the audit log (``raw_view_audit``).
- A unit's users (``department_user`` linked by a ``UnitMember`` row) see their own unit's
  aggregates, problems and tickets — never who said what.
- City leaders (``city_leader``) see published results only.
"""

from __future__ import annotations

from zhengwu.contexts.appraisal.models import Round, Unit, UnitMember
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import PermissionDenied
from zhengwu.platform.audit.services import audit_append

APPRAISER = "appraiser"
CITY_LEADER = "city_leader"
UNIT_USER = "department_user"


def appraiser_require(*, by: Actor) -> None:
    """Refuse anyone but the third-party evaluator (or the system, for scheduled work)."""
    if not (by.is_system or by.has_role(APPRAISER)):
        raise PermissionDenied("只有第三方评价机构可以执行此操作", code="appraisal_appraiser_only")


def actor_unit(*, actor: Actor) -> Unit | None:
    """The unit ``actor`` speaks for, if any (a department user linked to it)."""
    if actor.user_id is None or not actor.has_role(UNIT_USER):
        return None
    member = UnitMember.objects.select_related("unit").filter(user_id=actor.user_id).first()
    return member.unit if member else None


def round_visible_to(*, round: Round, actor: Actor) -> bool:
    """Whether ``actor`` may read the round's aggregated results at all."""
    if actor.has_role(APPRAISER):
        return True
    if round.status != Round.Status.PUBLISHED:
        return False
    return actor.has_role(CITY_LEADER) or actor_unit(actor=actor) is not None


def unit_results_readable(*, unit: Unit, actor: Actor) -> bool:
    """Whether ``actor`` may read ``unit``'s results: the evaluator and leaders any unit's, a unit's users their own."""
    if actor.has_role(APPRAISER, CITY_LEADER):
        return True
    own = actor_unit(actor=actor)
    return own is not None and own.pk == unit.pk


def raw_view_audit(*, by: Actor, what: str, object_id: str, detail: dict[str, object] | None = None) -> None:
    """Record that the evaluator looked at raw data (responses, respondents, the frame)."""
    appraiser_require(by=by)
    audit_append(
        actor=by,
        action="appraisal.raw.view",
        object_type=f"appraisal.{what}",
        object_id=object_id,
        after=dict(detail or {}),
    )
