"""Bidding registration (竞买申请) and its deposit (竞买保证金) in land and property sections.

A bidder applies within the registration window the notice fixes (``rules.registration_check``);
it pays the deposit to the bank, outside the platform; the centre's staff record the bank's
confirmation and then confirm the registration — only when the full deposit arrived before the
registration deadline (``rules.deposit_check``) — or refuse it with a reason. Construction tenders
and government procurement have no registration (``registration_not_applicable``).

Who registered is secret until the bid deadline, exactly like who obtained the documents: no
event carries a registration, the audit entries name the registration (not the section), and
people read the list only through ``selectors.registrations_for``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import organisation_get_by_id
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import iso, violation_error
from zhengwu.contexts.tendering.models import Registration, Section
from zhengwu.contexts.tendering.services.common import (
    BEFORE_DEADLINE_STATUSES,
    aware_required,
    is_staff,
    ruleset_of,
    section_locked,
    suspension_check,
    text_required,
    yuan_to_fen,
)
from zhengwu.contexts.tendering.services.refunds import deposit_refund_due
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.kernel.ids import id_new
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.workdays.selectors import calendar_get

REASON_MAX = 500


def _summary(registration: Registration) -> dict[str, Any]:
    return {
        "status": registration.status,
        "deposit_required_fen": registration.deposit_required_fen,
        "deposit_paid_fen": registration.deposit_paid_fen,
        "deposit_paid_at": iso(registration.deposit_paid_at),
        "reason": registration.reason,
        "version": registration.version,
    }


def _applicable(section: Section) -> rules.RuleSet:
    """The section's rule set, refusing sections whose procedure has no registration."""
    ruleset = ruleset_of(section)
    if ruleset.registration is None:
        raise InvalidInput(
            f"{ruleset.title}不设竞买申请和竞买保证金，只有土地使用权出让和国有产权交易需要竞买登记",
            code="registration_not_applicable",
            detail={"section": section.code, "procedure": ruleset.procedure},
        )
    return ruleset


def _require_staff(by: Actor, *, what: str) -> None:
    if by.is_system or not is_staff(by):
        raise PermissionDenied(f"只有交易中心工作人员可以{what}", code="centre_staff_required", detail={"action": what})


def _open_section(section: Section, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Refuse a section that is not published, is past its bid deadline or was stopped.

    Returns its publication instant and bid deadline (both set once it passes).
    """
    if section.published_at is None or section.bid_deadline is None or section.status == "draft":
        raise Conflict("该标段尚未发布公告", code="section_not_published", detail={"section": section.code})
    if now >= section.bid_deadline:
        raise Conflict(
            "截止时间已过",
            code="bid_deadline_passed",
            detail={"section": section.code, "bid_deadline": iso(section.bid_deadline)},
        )
    if section.status not in BEFORE_DEADLINE_STATUSES:
        raise Conflict("该标段已不接受竞买申请", code="section_closed", detail={"status": section.status})
    return section.published_at, section.bid_deadline


def _registration_locked(registration: Registration) -> Registration:
    return (
        Registration.objects.select_for_update(of=("self",)).select_related("section__project").get(pk=registration.pk)
    )


def _require_pending(registration: Registration) -> None:
    if registration.status != Registration.Status.APPLIED:
        raise Conflict(
            f"该竞买申请已{registration.get_status_display()}，不能再办理",
            code="registration_decided",
            detail={"status": registration.status},
        )


def _reapply(
    existing: Registration, *, section: Section, organisation_uscc: str, now: dt.datetime, by: Actor
) -> Registration:
    """Apply again after a withdrawal: the same row (one per section and organisation), a new application.

    The row gets a new reference (``uuid``): the bank's confirmation of a new deposit quotes it,
    and the refund of the earlier deposit keeps the old one as its ``source``, so a second
    withdrawal refunds the second deposit too. The deposit due is the section's current one and
    nothing paid before counts (the earlier deposit is being refunded). The earlier application
    and its withdrawal stay in the audit log.
    """
    locked = _registration_locked(existing)
    if locked.status != Registration.Status.WITHDRAWN:
        return locked
    before = {**_summary(locked), "uuid": str(locked.uuid), "withdrawn_at": iso(locked.withdrawn_at)}
    locked.uuid = id_new()
    locked.organisation_name = by.organisation_name
    locked.organisation_uscc = organisation_uscc
    locked.user_id = by.user_id
    locked.username = by.username
    locked.applied_at = now
    locked.deposit_required_fen = section.bid_security_fen
    locked.deposit_paid_fen = 0
    locked.deposit_paid_at = None
    locked.deposit_recorded_by_username = ""
    locked.deposit_recorded_at = None
    locked.status = Registration.Status.APPLIED
    locked.confirmed_by_username = ""
    locked.decided_at = None
    locked.reason = ""
    locked.withdrawn_at = None
    locked.version += 1
    locked.save()
    audit_append(
        actor=by,
        action="tendering.registration.reapply",
        object_type="tendering.registration",
        object_id=str(locked.uuid),
        before=before,
        after=_summary(locked),
    )
    return locked


def registration_apply(*, section: Section, by: Actor) -> Registration:
    """Apply to bid in a land or property section for the caller's organisation (idempotent).

    Only a verified bidder organisation that is neither the section's owner nor its agency, and
    only within the registration window (from the notice's publication until the registration
    deadline, ``rules.registration_deadline``), by server time. The deposit due is the section's
    竞买保证金 (``Section.bid_security_fen``) at the moment of application. Applying twice returns
    the first record, whatever became of it — except a withdrawn one: a bidder that withdrew may
    apply again within the window, as a new application (see ``_reapply``).
    """
    if not by.has_role(Role.BIDDER) or by.organisation_id is None or by.is_system:
        raise PermissionDenied("只有竞买人（意向受让方）可以提交竞买申请", code="bidder_required")
    if not by.organisation_verified:
        raise PermissionDenied("单位尚未通过核验，不能提交竞买申请", code="organisation_not_verified")
    project = section.project
    if by.organisation_id in (project.owner_org_id, project.agency_org_id):
        raise PermissionDenied("出让人（转让方）及其代理机构不能参加本项目竞买", code="registration_own_project")
    ruleset = _applicable(section)
    existing = Registration.objects.filter(section=section, organisation_id=by.organisation_id).first()
    if existing is not None and existing.status != Registration.Status.WITHDRAWN:
        return existing
    organisation = organisation_get_by_id(organisation_id=by.organisation_id)
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        # Before the window checks: a deadline that passed while suspended moves when it is lifted.
        suspension_check(locked)
        published_at, bid_deadline = _open_section(locked, now)
        violation = rules.registration_check(
            ruleset=ruleset,
            applied_at=now,
            listing_start=rules.registration_opens(
                ruleset=ruleset, published_at=published_at, activity_start=locked.activity_start
            ),
            bid_deadline=bid_deadline,
            calendar=calendar_get(),
        )
        if violation is not None:
            raise violation_error(violation, conflict=True)
        if existing is not None:
            return _reapply(existing, section=locked, organisation_uscc=organisation.uscc, now=now, by=by)
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    section=locked,
                    organisation_id=by.organisation_id,
                    organisation_name=by.organisation_name,
                    organisation_uscc=organisation.uscc,
                    user_id=by.user_id,
                    username=by.username,
                    applied_at=now,
                    deposit_required_fen=locked.bid_security_fen,
                )
        except IntegrityError:
            # A second request of the same organisation won the race: same result, no second record.
            return Registration.objects.get(section=locked, organisation_id=by.organisation_id)
        # The entry names the registration, not the section, so that a section's audit history
        # does not list who registered.
        audit_append(
            actor=by,
            action="tendering.registration.apply",
            object_type="tendering.registration",
            object_id=str(registration.uuid),
            after=_summary(registration),
        )
    return registration


def deposit_record(
    *, registration: Registration, paid_yuan: str | Decimal | int, paid_at: dt.datetime, by: Actor
) -> Registration:
    """Record the bank's confirmation of the deposit: the total received and when it was reached.

    The centre's staff only; the bank is outside the platform, so this records its word, exactly
    (yuan with at most two decimals). A later confirmation replaces the earlier one (the bank
    reports the running total), and recording the same confirmation again changes nothing. A late
    or short deposit is recorded as it is: ``registration_confirm`` is where it is refused.
    """
    _require_staff(by, what="登记竞买保证金到账")
    paid_fen = yuan_to_fen(paid_yuan, field="paid", label="到账金额", positive=True)
    aware_required(paid_at, field="paid_at")
    now = clock_now()
    if paid_at > now:
        raise InvalidInput(
            "到账时间不能晚于当前时间",
            code="deposit_paid_at_future",
            detail={"field": "paid_at", "paid_at": iso(paid_at)},
        )
    with transaction.atomic():
        locked = _registration_locked(registration)
        _applicable(locked.section)
        _require_pending(locked)
        if locked.deposit_paid_fen == paid_fen and locked.deposit_paid_at == paid_at:
            return locked
        # Registration stands still with the rest of the tender (实施条例 第二十二条); the bank's
        # word is recorded once the objection is answered, with the instant the bank gave.
        suspension_check(section_locked(locked.section))
        before = _summary(locked)
        locked.deposit_paid_fen = paid_fen
        locked.deposit_paid_at = paid_at
        locked.deposit_recorded_by_username = by.username
        locked.deposit_recorded_at = now
        locked.version += 1
        locked.save(
            update_fields=[
                "deposit_paid_fen",
                "deposit_paid_at",
                "deposit_recorded_by_username",
                "deposit_recorded_at",
                "version",
            ]
        )
        audit_append(
            actor=by,
            action="tendering.registration.deposit_record",
            object_type="tendering.registration",
            object_id=str(locked.uuid),
            before=before,
            after=_summary(locked),
        )
    return locked


def registration_confirm(*, registration: Registration, by: Actor) -> Registration:
    """Confirm the bidder's registration (竞买资格确认): the centre's staff, before the bid deadline,
    only when the full deposit was received before the registration deadline (idempotent).

    The registration deadline is computed from the section's current bid deadline, so an amendment
    that moved the deadline moves it too.
    """
    _require_staff(by, what="确认竞买资格")
    now = clock_now()
    with transaction.atomic():
        locked = _registration_locked(registration)
        ruleset = _applicable(locked.section)
        if locked.status == Registration.Status.CONFIRMED:
            return locked
        _require_pending(locked)
        section = section_locked(locked.section)
        suspension_check(section)
        _, bid_deadline = _open_section(section, now)
        violation = rules.deposit_check(
            ruleset=ruleset,
            required_fen=locked.deposit_required_fen,
            paid_fen=locked.deposit_paid_fen,
            paid_at=locked.deposit_paid_at,
            registration_deadline=rules.registration_deadline(
                ruleset=ruleset, bid_deadline=bid_deadline, calendar=calendar_get()
            ),
        )
        if violation is not None:
            raise violation_error(violation, conflict=True)
        before = _summary(locked)
        locked.status = Registration.Status.CONFIRMED
        locked.confirmed_by_username = by.username
        locked.decided_at = now
        locked.version += 1
        locked.save(update_fields=["status", "confirmed_by_username", "decided_at", "version"])
        audit_append(
            actor=by,
            action="tendering.registration.confirm",
            object_type="tendering.registration",
            object_id=str(locked.uuid),
            before=before,
            after=_summary(locked),
        )
    return locked


def registration_refuse(*, registration: Registration, reason: str, by: Actor) -> Registration:
    """Refuse a pending registration with a reason (the centre's staff); refusing it again changes nothing.

    A deposit it had received becomes a ``Refund`` (reason ``registration_refused``).
    """
    _require_staff(by, what="不予确认竞买资格")
    reason = text_required(reason, field="reason", label="不予确认理由", max_length=REASON_MAX)
    now = clock_now()
    with transaction.atomic():
        locked = _registration_locked(registration)
        _applicable(locked.section)
        if locked.status == Registration.Status.REFUSED:
            return locked
        _require_pending(locked)
        suspension_check(section_locked(locked.section))
        before = _summary(locked)
        locked.status = Registration.Status.REFUSED
        locked.reason = reason
        locked.confirmed_by_username = by.username
        locked.decided_at = now
        locked.version += 1
        locked.save(update_fields=["status", "reason", "confirmed_by_username", "decided_at", "version"])
        # A refused bidder gets its deposit back (a ``Refund`` the centre pays).
        refund = deposit_refund_due(registration=locked, reason="registration_refused", now=now)
        audit_append(
            actor=by,
            action="tendering.registration.refuse",
            object_type="tendering.registration",
            object_id=str(locked.uuid),
            before=before,
            after={**_summary(locked), "refund": str(refund.uuid) if refund is not None else None},
        )
    return locked
