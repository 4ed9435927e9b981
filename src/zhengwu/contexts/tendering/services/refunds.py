"""Refunds (退还): money a tender owes back to an organisation, and the centre's record of paying it.

A refund is created by the service that makes it due, inside that service's transaction, one per
payment and never twice (``Refund``'s unique (kind, source)):

- ``tender_terminate`` (招标投标法实施条例 第三十一条): the tender and pre-qualification document fees
  paid, and the deposits received, of every terminated section; 第三十一条 adds the bank's interest
  for the same period to the securities (``interest_fen``, entered when paid). Bid securities
  (投标保证金) arrive with the bidding context (a later issue): that context records them and will
  add its own refunds of kind ``bid_security`` here;
- ``registration_withdraw`` and ``registration_refuse``: the deposit the registration had received.

The centre's staff pay out of the centre's settlement account and record the bank's reference
(``refund_record_paid``); a refund is paid once. Who is owed a refund reveals who obtained the
documents or registered: the audit entry names the refund, never the section, and people read
refunds only through ``selectors.refunds_own`` and ``selectors.refunds_page``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from zhengwu.contexts.tendering.lifecycle import iso
from zhengwu.contexts.tendering.models import DocumentObtain, PrequalApplication, Refund, Registration, Section
from zhengwu.contexts.tendering.services.common import is_staff, text_required
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append

BANK_REFERENCE_MAX = 64
# The kinds that carry the bank's interest for the same period (招标投标法实施条例 第三十一条:
# 投标保证金及银行同期存款利息); document fees are refunded as paid.
INTEREST_KINDS = ("deposit", "bid_security")


def _summary(refund: Refund) -> dict[str, Any]:
    return {
        "kind": refund.kind,
        "reason": refund.reason,
        "amount_fen": refund.amount_fen,
        "interest_fen": refund.interest_fen,
        "status": refund.status,
        "paid_at": iso(refund.paid_at),
        "bank_reference": refund.bank_reference,
        "version": refund.version,
    }


def _deposit_refund(registration: Registration, *, reason: str, now: dt.datetime) -> Refund:
    return Refund(
        section_id=registration.section_id,
        organisation_id=registration.organisation_id,
        organisation_name=registration.organisation_name,
        kind="deposit",
        source=registration.uuid,
        reason=reason,
        amount_fen=registration.deposit_paid_fen,
        due_at=now,
    )


def deposit_refund_due(*, registration: Registration, reason: str, now: dt.datetime) -> Refund | None:
    """The refund of the deposit a (locked) registration received, created now; None if none was received.

    For the caller's transaction (withdrawal, refusal); a deposit already refunded is not refunded again.
    """
    if registration.deposit_paid_fen <= 0:
        return None
    existing = Refund.objects.filter(kind="deposit", source=registration.uuid).first()
    if existing is not None:
        return existing
    refund = _deposit_refund(registration, reason=reason, now=now)
    refund.save(force_insert=True)
    return refund


def refunds_due_on_termination(*, sections: Sequence[Section], now: dt.datetime) -> list[Refund]:
    """Every refund the termination of (locked) ``sections`` makes due, created now (招标条例 第三十一条).

    Paid tender document fees, paid pre-qualification document fees and received deposits not
    refunded yet. For ``tender_terminate``'s transaction only. Bid securities are the bidding
    context's (a later issue).
    """
    reason = "terminated"
    ids = [s.pk for s in sections]
    refunds = [
        Refund(
            section_id=o.section_id,
            organisation_id=o.organisation_id,
            organisation_name=o.organisation_name,
            kind="document_fee",
            source=o.uuid,
            reason=reason,
            amount_fen=o.amount_fen,
            due_at=now,
        )
        for o in DocumentObtain.objects.filter(section_id__in=ids, paid=True, amount_fen__gt=0).order_by("id")
    ]
    refunds += [
        Refund(
            section_id=a.section_id,
            organisation_id=a.organisation_id,
            organisation_name=a.organisation_name,
            kind="prequal_document_fee",
            source=a.uuid,
            reason=reason,
            amount_fen=a.amount_fen,
            due_at=now,
        )
        for a in PrequalApplication.objects.filter(section_id__in=ids, paid=True, amount_fen__gt=0).order_by("id")
    ]
    # Locked, so that a withdrawal racing the termination waits and then finds the section terminated.
    registrations = list(
        Registration.objects.select_for_update().filter(section_id__in=ids, deposit_paid_fen__gt=0).order_by("id")
    )
    refunds += [_deposit_refund(r, reason=reason, now=now) for r in registrations]
    done = set(Refund.objects.filter(source__in=[r.source for r in refunds]).values_list("kind", "source"))
    todo = [r for r in refunds if (r.kind, r.source) not in done]
    return Refund.objects.bulk_create(todo)


def refund_record_paid(*, refund: Refund, bank_reference: str, interest_fen: int, by: Actor) -> Refund:
    """Record that the centre paid ``refund`` from its settlement account (the centre's staff; once).

    ``bank_reference`` is the bank's transaction reference; ``interest_fen`` the bank's interest
    for the same period, for deposits and securities only (document fees are refunded as paid).
    """
    if by.is_system or not is_staff(by):
        raise PermissionDenied(
            "只有交易中心工作人员可以登记退款", code="centre_staff_required", detail={"action": "登记退款"}
        )
    bank_reference = text_required(
        bank_reference, field="bank_reference", label="银行流水号", max_length=BANK_REFERENCE_MAX
    )
    if isinstance(interest_fen, bool) or not isinstance(interest_fen, int) or interest_fen < 0:
        raise InvalidInput("利息必须是不小于零的金额", code="interest_invalid", detail={"field": "interest"})
    now = clock_now()
    with transaction.atomic():
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status == Refund.Status.PAID:
            raise Conflict(
                "该笔款项已退还，不能重复登记",
                code="refund_already_paid",
                detail={"refund": str(locked.uuid), "bank_reference": locked.bank_reference},
            )
        if interest_fen and locked.kind not in INTEREST_KINDS:
            raise InvalidInput(
                "文件费用按原价退还，不计利息（《招标投标法实施条例》第三十一条）",
                code="interest_not_applicable",
                detail={"field": "interest", "kind": locked.kind},
            )
        before = _summary(locked)
        locked.status = Refund.Status.PAID
        locked.paid_at = now
        locked.bank_reference = bank_reference
        locked.interest_fen = interest_fen
        locked.recorded_by_username = by.username
        locked.version += 1
        locked.save(
            update_fields=["status", "paid_at", "bank_reference", "interest_fen", "recorded_by_username", "version"]
        )
        audit_append(
            actor=by,
            action="tendering.refund.paid",
            object_type="tendering.refund",
            object_id=str(locked.uuid),
            before=before,
            after=_summary(locked),
        )
    return locked
