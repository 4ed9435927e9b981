"""The section's side of what follows the evaluation: publicity, award, contract, failure, bid securities.

The evaluation context decides these steps (it holds the report, the candidates and the award);
this module moves the section through its lifecycle as the rule set allows and keeps what the
tender itself must know: the publicity period (objections to the result are filed within it,
招标条例 第五十四条) and the bid securities owed back (第五十七条). Each is called by the evaluation
context as the system, inside its own transaction, so the step and the move commit together.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import iso, section_summary, status_apply, violation_error
from zhengwu.contexts.tendering.models import Refund, Section
from zhengwu.contexts.tendering.services.common import (
    require_system_or_staff,
    ruleset_of,
    section_locked,
    suspension_check,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict
from zhengwu.kernel.workdays import period_deadline
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.workdays.selectors import calendar_get

REASON_CANDIDATES = "candidates_published"
REASON_AWARDED = "award_decided"
REASON_CONTRACTED = "contract_registered"
REASON_ALL_REJECTED = "all_bids_rejected"


def publicity_ends_at(*, ends_on: dt.date) -> dt.datetime:
    """The last instant of a publicity whose last day is ``ends_on`` (24:00 that day, 民法典 第二百零三条)."""
    return period_deadline(ends_on) - dt.timedelta(microseconds=1)


def publicity_plan(*, section: Section, start: dt.datetime) -> dt.date:
    """The earliest lawful last day of a candidate publicity started at ``start`` (≥ 3 days for tenders)."""
    return rules.publicity_last_day_min(
        ruleset=ruleset_of(section), kind="candidates", start=start, calendar=calendar_get()
    )


def publicity_required(*, section: Section) -> bool:
    """Whether the section's procedure publishes its candidates before the award (tenders do; 政府采购 does not)."""
    return ruleset_of(section).candidate_publicity_min is not None


def _move(section: Section, *, target: rules.SectionStatus, reason: str, by: Actor, extra: dict[str, object]) -> None:
    before = section_summary(section)
    previous = status_apply(section=section, target=target, reason=reason, now=clock_now())
    audit_append(
        actor=by,
        action="tendering.section.transition",
        object_type="tendering.section",
        object_id=section.code,
        before=before,
        after={**section_summary(section), "moves": [[previous, target.value, reason]], **extra},
    )


def section_candidates_publish(
    *, section: Section, start: dt.datetime, ends_on: dt.date, report_received_at: dt.datetime, by: Actor
) -> bool:
    """Open the candidates' publicity: the section moves to ``candidates`` (the system; evaluation calls it).

    The period must be as long as the rule set says (招标条例 第五十四条: not less than 3 days),
    else ``publicity_period_short``. Published later than 3 days after the report arrived is a
    breach of the same article but the candidates must still be published: it is not refused,
    and the return value says it was late, for the record. Refused while an objection suspends
    the tender.
    """
    require_system_or_staff(by, what="公示中标候选人")
    with transaction.atomic():
        locked = section_locked(section)
        suspension_check(locked)
        if locked.status != rules.SectionStatus.EVALUATING:
            raise Conflict("标段不在评标阶段", code="section_not_evaluating", detail={"status": locked.status})
        ruleset = ruleset_of(locked)
        calendar = calendar_get()
        ends_at = publicity_ends_at(ends_on=ends_on)
        short = rules.publicity_check(ruleset=ruleset, kind="candidates", start=start, end=ends_at, calendar=calendar)
        if short is not None:
            raise violation_error(short)
        late = (
            rules.publicity_check(
                ruleset=ruleset,
                kind="candidates",
                start=start,
                end=ends_at,
                calendar=calendar,
                report_received_at=report_received_at,
            )
            is not None
        )
        locked.publicity_starts_at = start
        locked.publicity_ends_at = ends_at
        locked.version += 1
        locked.save(update_fields=["publicity_starts_at", "publicity_ends_at", "version"])
        _move(
            locked,
            target=rules.SectionStatus.CANDIDATES,
            reason=REASON_CANDIDATES,
            by=by,
            extra={"publicity": [iso(start), iso(ends_at)], "late": late},
        )
    return late


def section_award_ready(*, section: Section, now: dt.datetime) -> None:
    """Refuse an award before its time: during the publicity, or while an objection suspends the tender.

    招标条例 第五十四条: objections to the result are filed within the publicity and answered
    before the tender goes on, so the winner is decided after the publicity has ended and every
    suspending objection is answered.
    """
    suspension_check(section)
    if section.publicity_ends_at is not None and now <= section.publicity_ends_at:
        raise Conflict(
            f"中标候选人公示期至{section.publicity_ends_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}，公示期满后方可定标",
            code="publicity_not_ended",
            detail={"publicity_ends_at": iso(section.publicity_ends_at)},
        )


def section_award_record(*, section: Section, by: Actor) -> None:
    """The winner is decided: the section moves to ``awarded`` (the system; evaluation calls it)."""
    require_system_or_staff(by, what="登记定标")
    with transaction.atomic():
        locked = section_locked(section)
        section_award_ready(section=locked, now=clock_now())
        _move(locked, target=rules.SectionStatus.AWARDED, reason=REASON_AWARDED, by=by, extra={})


def section_contract_record(*, section: Section, by: Actor) -> None:
    """The contract is signed: the section moves to ``contracted`` (the system; evaluation calls it)."""
    require_system_or_staff(by, what="登记合同")
    with transaction.atomic():
        locked = section_locked(section)
        _move(locked, target=rules.SectionStatus.CONTRACTED, reason=REASON_CONTRACTED, by=by, extra={})


def section_evaluation_failed(*, section: Section, by: Actor) -> None:
    """Every bid was rejected (or too few remained): the section fails, to be tendered again.

    招标投标法 第四十二条: when the committee rejects every bid, the tender is conducted again;
    政府采购法 第三十六条、第三十七条 likewise for procurement. The failed section keeps its history;
    ``section_retender`` makes the new one.
    """
    require_system_or_staff(by, what="登记流标")
    with transaction.atomic():
        locked = section_locked(section)
        _move(locked, target=rules.SectionStatus.FAILED, reason=REASON_ALL_REJECTED, by=by, extra={})


@dataclass(frozen=True)
class SecurityOwed:
    """One bidder's bid security to return: the bid is the source (one refund per bid, never twice)."""

    bid_id: str
    organisation_id: int
    organisation_name: str


def bid_securities_owed(
    *, section: Section, owed: Sequence[SecurityOwed], reason: str, due_at: dt.datetime, by: Actor
) -> list[Refund]:
    """Make the refunds of the bid securities (投标保证金) owed back, with the bank's interest when paid.

    招标条例 第五十七条: returned to the winner and to every other bidder, with the bank's deposit
    interest for the same period, at the latest 5 days after the written contract is signed
    (``reason`` ``contract_signed``); a section that failed returns them too (``section_failed``).
    The amount is the security the section required. Making them twice returns the same rows.
    """
    require_system_or_staff(by, what="登记退还投标保证金")
    if section.bid_security_fen <= 0:
        return []
    made: list[Refund] = []
    with transaction.atomic():
        for row in owed:
            refund, _ = Refund.objects.get_or_create(
                kind="bid_security",
                source=uuid_lib.UUID(row.bid_id),
                defaults={
                    "section": section,
                    "organisation_id": row.organisation_id,
                    "organisation_name": row.organisation_name,
                    "reason": reason,
                    "amount_fen": section.bid_security_fen,
                    "due_at": due_at,
                },
            )
            made.append(refund)
        audit_append(
            actor=by,
            action="tendering.bid_security.owed",
            object_type="tendering.section",
            object_id=section.code,
            after={"reason": reason, "count": len(made), "due_at": iso(due_at)},
        )
    return made
