"""The section lifecycle: one state machine for every procedure, and the scheduler's tick.

The states and the allowed moves are ``rules.SectionStatus`` and ``rules.TRANSITIONS``; this
module applies them to stored sections. Moves that depend on the clock are found through the
section's ``next_check_at`` — the instant at which something may fall due — so the scheduler
reads one index instead of every section, and nothing waits for a page view:

- ``accepting_bids`` → ``opening`` at the bid deadline (招标法 第三十四条: the opening takes place
  at the same time as the bid deadline).

Later moves (``opening`` → ``failed`` when too few bids came in, evaluation, award …) are driven by
the contexts that know the facts, through the services.

The tick is idempotent and safe with several workers: each due section is handled in its own
transaction, locked with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL (a section another
worker holds is skipped, and that worker applies it), and the move is re-checked against the
locked row, so a second run — concurrent or later — finds nothing left to do.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.events import SectionFailed, SectionStatusChanged
from zhengwu.contexts.tendering.models import Section
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, ZhengwuError
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish

logger = logging.getLogger(__name__)

# Why a section moved; stable codes carried in SectionStatusChanged.reason and the audit log.
REASON_PUBLISHED = "notice_published"
REASON_ACCEPTING = "documents_issued"
REASON_DEADLINE = "bid_deadline_passed"
REASON_TERMINATED = "terminated"
REASON_INSUFFICIENT_BIDS = "insufficient_bids"
# Pre-qualification (资格预审): its notice opens the stage; too few qualified applicants fail the section.
REASON_PREQUALIFICATION = "prequalification_published"
REASON_INSUFFICIENT_QUALIFIED = "insufficient_qualified"

TICK_BATCH = 500


# --- helpers shared with the services ---------------------------------------------------------


def violation_error(violation: rules.RuleViolation, *, conflict: bool = False) -> ZhengwuError:
    """The error a user sees for a broken rule: its code, its Chinese message and its article."""
    detail: dict[str, Any] = {**(violation.detail or {}), "article": violation.article}
    message = violation.message
    if violation.article and violation.article not in message:
        message = f"{message}（{violation.article}）"
    cls = Conflict if conflict else InvalidInput
    return cls(message, code=violation.code, detail=detail)


def iso(value: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC (one spelling for every event and audit entry), or None."""
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def section_summary(section: Section) -> dict[str, Any]:
    return {
        "code": section.code,
        "status": section.status,
        "bid_deadline": iso(section.bid_deadline),
        "opening_at": iso(section.opening_at),
        "doc_issue_start": iso(section.doc_issue_start),
        "doc_issue_end": iso(section.doc_issue_end),
        "activity_start": iso(section.activity_start),
        "ruleset_version": section.ruleset_version,
        "version": section.version,
    }


def next_check_for(section: Section) -> dt.datetime | None:
    """When the scheduler must next look at ``section`` (None: no move depends on time)."""
    if section.suspended_at is not None:
        # Suspended by an objection: nothing falls due until the answer lifts it (which sets this again).
        return None
    if section.status == rules.SectionStatus.ACCEPTING_BIDS:
        return section.bid_deadline
    return None


def due_transition(section: Section, *, now: dt.datetime) -> tuple[str, str] | None:
    """The move that is due for ``section`` at ``now`` as ``(target, reason)``, or None.

    None while the section is suspended by an objection: bids do not close and nothing opens
    before the answer (招标投标法实施条例 第二十二条: 作出答复前，应当暂停招标投标活动).
    """
    if section.suspended_at is not None:
        return None
    if (
        section.status == rules.SectionStatus.ACCEPTING_BIDS
        and section.bid_deadline is not None
        and now >= section.bid_deadline
    ):
        return rules.SectionStatus.OPENING.value, REASON_DEADLINE
    return None


def status_apply(*, section: Section, target: str, reason: str, now: dt.datetime) -> str:
    """Move a locked ``section`` to ``target``; publish SectionStatusChanged; return the old status.

    Raises ``Conflict`` (the rule's code) when the rule set does not allow the move. The caller
    holds the row lock, runs inside its transaction and appends the audit entry.
    """
    # The pinned rule set also forbids shortcuts its procedure may not take (no award without
    # publishing candidates where the law requires a publicity).
    ruleset = (
        rules.ruleset_get(procedure=section.project.procedure, version=section.ruleset_version)
        if section.ruleset_version
        else None
    )
    violation = rules.transition_check(current=section.status, target=str(target), ruleset=ruleset)
    if violation is not None:
        raise violation_error(violation, conflict=True)
    previous = section.status
    section.status = target
    section.status_changed_at = now
    section.status_reason = reason
    section.version += 1
    section.next_check_at = next_check_for(section)
    section.save(update_fields=["status", "status_changed_at", "status_reason", "version", "next_check_at"])
    outbox_publish(
        event=SectionStatusChanged(
            project_code=section.project.code,
            section_code=section.code,
            section_name=section.name,
            status=target,
            previous_status=previous,
            reason=reason,
            bid_deadline=iso(section.bid_deadline),
            changed_at=iso(now) or "",
        )
    )
    if target == rules.SectionStatus.FAILED:
        outbox_publish(
            event=SectionFailed(
                project_code=section.project.code,
                section_code=section.code,
                section_name=section.name,
                reason=reason,
                failed_at=iso(now) or "",
            )
        )
    return previous


def due_apply(*, section: Section, now: dt.datetime) -> list[tuple[str, str, str]]:
    """Apply every move due at ``now`` to a locked ``section``; return ``(from, to, reason)`` of each."""
    applied: list[tuple[str, str, str]] = []
    # A move may make another one due; the machine is acyclic, the bound only guards against a bug.
    for _ in range(len(rules.SectionStatus)):
        due = due_transition(section, now=now)
        if due is None:
            break
        target, reason = due
        previous = status_apply(section=section, target=target, reason=reason, now=now)
        applied.append((previous, target, reason))
    return applied


@dataclasses.dataclass(frozen=True)
class TickTransition:
    section_code: str
    previous_status: str
    status: str
    reason: str


@dataclasses.dataclass(frozen=True)
class TickError:
    section_code: str
    code: str
    message: str


@dataclasses.dataclass(frozen=True)
class TickReport:
    """What one tick did: sections found due, moves applied, sections skipped, errors."""

    now: dt.datetime
    due: int
    transitions: tuple[TickTransition, ...] = ()
    # Locked by another worker, or no longer due when locked.
    skipped: int = 0
    errors: tuple[TickError, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def _due_locked(section_id: int, now: dt.datetime) -> Section | None:
    rows = Section.objects.select_related("project").filter(pk=section_id, next_check_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        # Another worker holding the row is applying it: skip it rather than wait and redo.
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    else:
        rows = rows.select_for_update(of=("self",))
    return rows.first()


def tick_run(
    *,
    now: dt.datetime | None = None,
    batch: int = TICK_BATCH,
    on_progress: Callable[[int, int], None] | None = None,
) -> TickReport:
    """Apply the lifecycle moves that are due; idempotent, safe to run in several workers at once.

    ``now`` defaults to the clock. Each section is handled in its own transaction with its own
    audit entry (actor: the system's ``tick``), so one faulty section never holds back the others;
    its error is reported and logged, and it is tried again at the next tick. ``on_progress(done,
    total)`` is called after each section (for a progress bar).
    """
    now = now or clock_now()
    by = Actor.system("tick")
    ids = list(
        Section.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at", "id")
        .values_list("id", flat=True)[:batch]
    )
    transitions: list[TickTransition] = []
    errors: list[TickError] = []
    skipped = 0
    for done, section_id in enumerate(ids, start=1):
        if on_progress is not None and done > 1:
            on_progress(done - 1, len(ids))
        code = ""
        try:
            with transaction.atomic():
                section = _due_locked(section_id, now)
                if section is None:
                    skipped += 1
                    continue
                code = section.code
                before = section_summary(section)
                applied = due_apply(section=section, now=now)
                if not applied:
                    # Nothing due any more (the deadline moved and the check time with it, or the
                    # status changed by hand): store when to look next and move on.
                    expected = next_check_for(section)
                    if section.next_check_at != expected:
                        section.next_check_at = expected
                        section.save(update_fields=["next_check_at"])
                    skipped += 1
                    continue
                audit_append(
                    actor=by,
                    action="tendering.section.transition",
                    object_type="tendering.section",
                    object_id=section.code,
                    before=before,
                    after={**section_summary(section), "moves": [list(move) for move in applied]},
                )
            transitions += [TickTransition(code, previous, target, reason) for previous, target, reason in applied]
        except ZhengwuError as exc:
            logger.warning("tick: section %s (id %s) not moved: %s %s", code, section_id, exc.code, exc.message)
            errors.append(TickError(code or str(section_id), exc.code, exc.message))
    if on_progress is not None and ids:
        on_progress(len(ids), len(ids))
    return TickReport(now=now, due=len(ids), transitions=tuple(transitions), skipped=skipped, errors=tuple(errors))
