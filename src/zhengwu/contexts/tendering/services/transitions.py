"""Lifecycle moves asked for by people or other contexts (the scheduler's own moves are in lifecycle)."""

from __future__ import annotations

from django.db import transaction

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import (
    REASON_INSUFFICIENT_BIDS,
    due_apply,
    iso,
    section_summary,
    status_apply,
)
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.services.common import (
    require_system_or_staff,
    ruleset_of,
    section_locked,
    suspension_check,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.platform.audit.services import audit_append

REASON_MAX = 200
# Moves that belong to a service of their own, which does what the law attaches to them.
_MOVES_ELSEWHERE = {
    rules.SectionStatus.PUBLISHED: "notice_publish",
    rules.SectionStatus.ACCEPTING_BIDS: "notice_publish",
    rules.SectionStatus.TERMINATED: "tender_terminate",
}


def section_transition(*, section: Section, target: str, reason: str, by: Actor) -> Section:
    """Move a section to ``target`` as the rule set allows (the system or trading-centre staff).

    Guarded by the rules (``rules.transition_check``) and by the clock: a section reaches
    ``opening`` only once its bid deadline has passed, by server time. Publication and
    termination have services of their own, which publish their notices. Moves that are due by
    time are applied first, as the scheduler would have.
    """
    require_system_or_staff(by, what="变更标段状态")
    try:
        wanted = rules.SectionStatus(target)
    except ValueError as exc:
        raise InvalidInput("未知的标段状态", code="section_status_unknown", detail={"target": target}) from exc
    if wanted in _MOVES_ELSEWHERE:
        raise InvalidInput(
            "发布与终止须通过相应的公告办理",
            code="transition_needs_notice",
            detail={"target": target, "service": _MOVES_ELSEWHERE[wanted]},
        )
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput(
            f"请填写变更原因（不超过{REASON_MAX}个字符）", code="reason_required", detail={"field": "reason"}
        )
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        # No move while an objection suspends the tender (实施条例 第二十二条、第五十四条).
        suspension_check(locked)
        before = section_summary(locked)
        moves = due_apply(section=locked, now=now)
        if locked.status != wanted:
            if wanted == rules.SectionStatus.OPENING and locked.bid_deadline is not None and now < locked.bid_deadline:
                raise Conflict(
                    "投标截止时间未到，不能开标",
                    code="bid_deadline_not_reached",
                    detail={"bid_deadline": iso(locked.bid_deadline)},
                )
            previous = status_apply(section=locked, target=wanted, reason=reason, now=now)
            moves.append((previous, wanted.value, reason))
        if moves:
            audit_append(
                actor=by,
                action="tendering.section.transition",
                object_type="tendering.section",
                object_id=locked.code,
                before=before,
                after={**section_summary(locked), "moves": [list(m) for m in moves]},
            )
    return locked


def section_close_bidding(*, section: Section, bid_count: int, by: Actor) -> Section:
    """Record how many bids a section received at its deadline; too few → ``failed`` (流标).

    Called by the bidding context (as the system) once bids are frozen. Fewer bids than the rule
    set's minimum (3 for tenders: 招标投标法 第二十八条, 实施条例 第四十四条 — no opening) moves the
    section from ``opening`` to ``failed``; enough leaves it in ``opening``. Calling again with the
    same count changes nothing; a different count is refused.
    """
    require_system_or_staff(by, what="登记投标数量")
    if isinstance(bid_count, bool) or not isinstance(bid_count, int) or bid_count < 0:
        raise InvalidInput("投标数量必须是非负整数", code="bid_count_invalid", detail={"bid_count": str(bid_count)})
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        before = section_summary(locked)
        if locked.bid_count is not None:
            if locked.bid_count != bid_count:
                raise Conflict(
                    "投标数量已登记，不能更改",
                    code="bid_count_recorded",
                    detail={"recorded": locked.bid_count, "given": bid_count},
                )
            return locked
        # Bids do not close while an objection suspends the tender (实施条例 第二十二条).
        suspension_check(locked)
        moves = due_apply(section=locked, now=now)
        if locked.status in (
            rules.SectionStatus.DRAFT,
            rules.SectionStatus.PUBLISHED,
            rules.SectionStatus.ACCEPTING_BIDS,
        ):
            raise Conflict(
                "投标截止时间未到", code="bid_deadline_not_reached", detail={"bid_deadline": iso(locked.bid_deadline)}
            )
        if locked.status != rules.SectionStatus.OPENING:
            raise Conflict("标段不在开标阶段", code="section_not_opening", detail={"status": locked.status})
        locked.bid_count = bid_count
        locked.version += 1
        locked.save(update_fields=["bid_count", "version"])
        if not rules.bids_sufficient(ruleset=ruleset_of(locked), count=bid_count):
            previous = status_apply(
                section=locked, target=rules.SectionStatus.FAILED, reason=REASON_INSUFFICIENT_BIDS, now=now
            )
            moves.append((previous, rules.SectionStatus.FAILED.value, REASON_INSUFFICIENT_BIDS))
        audit_append(
            actor=by,
            action="tendering.section.close_bidding",
            object_type="tendering.section",
            object_id=locked.code,
            before=before,
            after={**section_summary(locked), "bid_count": bid_count, "moves": [list(m) for m in moves]},
        )
    return locked
