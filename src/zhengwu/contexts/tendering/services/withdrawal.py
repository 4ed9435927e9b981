"""Withdrawing a bidding registration (撤回竞买申请) before the registration deadline.

The bidder itself withdraws, while applications are still accepted (before the registration
deadline the notice states, ``rules.registration_deadline`` — the one ``selectors.
registration_deadline_for`` shows), from ``applied`` or ``confirmed``, and not while an objection
suspends the tender (招标投标法实施条例 第二十二条、第五十四条: the activity stands still). A deposit
it had received becomes a ``Refund`` (reason ``registration_withdrawn``) in the same transaction.
It may apply again within the window (``registration_apply``).
"""

from __future__ import annotations

from django.db import transaction

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import iso
from zhengwu.contexts.tendering.models import Registration
from zhengwu.contexts.tendering.services.common import section_locked, suspension_check
from zhengwu.contexts.tendering.services.refunds import deposit_refund_due
from zhengwu.contexts.tendering.services.registration import (
    _applicable,
    _open_section,
    _registration_locked,
    _summary,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.workdays.selectors import calendar_get

WITHDRAWABLE = (Registration.Status.APPLIED, Registration.Status.CONFIRMED)


def registration_withdraw(*, registration: Registration, by: Actor) -> Registration:
    """Withdraw the caller's own organisation's registration before the registration deadline.

    Withdrawing a withdrawn registration again changes nothing. Refused: anyone but a verified
    bidder of the registering organisation (``registration_withdraw_denied``), a refused
    registration (``registration_decided``), after the registration deadline
    (``registration_closed``), a section no longer open, and a suspended section
    (``section_suspended``).
    """
    if (
        by.is_system
        or by.organisation_id is None
        or not by.has_role(Role.BIDDER)
        or by.organisation_id != registration.organisation_id
    ):
        raise PermissionDenied("只有提交竞买申请的单位本身可以撤回竞买申请", code="registration_withdraw_denied")
    if not by.organisation_verified:
        raise PermissionDenied("单位尚未通过核验，不能撤回竞买申请", code="organisation_not_verified")
    now = clock_now()
    with transaction.atomic():
        # The section first, as the termination does, then the registration.
        section = section_locked(registration.section)
        locked = _registration_locked(registration)
        ruleset = _applicable(section)
        if locked.status == Registration.Status.WITHDRAWN:
            return locked
        if locked.status not in WITHDRAWABLE:
            raise Conflict(
                f"该竞买申请已{locked.get_status_display()}，不能撤回",
                code="registration_decided",
                detail={"status": locked.status},
            )
        suspension_check(section)
        _, bid_deadline = _open_section(section, now)
        deadline = rules.registration_deadline(ruleset=ruleset, bid_deadline=bid_deadline, calendar=calendar_get())
        if now >= deadline:
            raise Conflict(
                "竞买申请截止时间已过，不能撤回竞买申请",
                code="registration_closed",
                detail={"registration_deadline": iso(deadline)},
            )
        before = _summary(locked)
        locked.status = Registration.Status.WITHDRAWN
        locked.withdrawn_at = now
        locked.version += 1
        locked.save(update_fields=["status", "withdrawn_at", "version"])
        refund = deposit_refund_due(registration=locked, reason="registration_withdrawn", now=now)
        audit_append(
            actor=by,
            action="tendering.registration.withdraw",
            object_type="tendering.registration",
            object_id=str(locked.uuid),
            before=before,
            after={
                **_summary(locked),
                "withdrawn_at": iso(locked.withdrawn_at),
                "refund": str(refund.uuid) if refund is not None else None,
            },
        )
    return locked
