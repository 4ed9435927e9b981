"""Bidding registration (竞买申请) and its deposit (竞买保证金) for land and property trades.

Who may quote in a land 招拍挂 or a property listing registers first and pays the deposit the
notice states. The rule set's ``registration`` (``RegistrationRule``) says when applications open
and how long before the bid deadline (the end of the listing or of the disclosure period) they
close; construction tenders and government procurement have no such step (``None``).

Instants, not days: the registration deadline is an instant (the same time of day as the bid
deadline, ``close_before`` earlier), and an application or a deposit counts only when it arrives
strictly before it, exactly as a bid counts only before the bid deadline. Datetimes must be
timezone-aware; naive ones are refused with ``InvalidInput(code="datetime_naive")``.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from zhengwu.contexts.tendering.rules.model import (
    _ONE_DAY,
    CALENDAR,
    PLATFORM,
    RegistrationRule,
    RuleSet,
    RuleViolation,
    _local,
)
from zhengwu.contexts.tendering.rules.periods import _at_same_time, _violation
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money import money_format
from zhengwu.kernel.workdays import WorkCalendar


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _fen(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name}必须是以分为单位的整数", code="money_invalid", detail={"field": name})
    if value < 0:
        raise InvalidInput(f"{name}不能为负数", code="money_negative", detail={"field": name})
    return value


def _not_applicable(ruleset: RuleSet) -> RuleViolation:
    return _violation(
        "registration_not_applicable",
        f"{ruleset.title}不设竞买申请和竞买保证金，只有土地使用权出让和国有产权交易需要竞买登记",
        PLATFORM,
        procedure=ruleset.procedure,
    )


def registration_rule(*, ruleset: RuleSet) -> RegistrationRule | None:
    """The procedure's registration rule, or None where bidders do not register (tenders, procurement)."""
    return ruleset.registration


def registration_opens(
    *, ruleset: RuleSet, published_at: dt.datetime, activity_start: dt.datetime | None
) -> dt.datetime:
    """When applications open: the notice's publication, or the listing's start where the rule says so.

    A rule that opens at the listing's start falls back to the publication when the notice gave no
    start (it is never later than the bid deadline anyway).
    """
    rule = ruleset.registration
    published = _local(published_at, "published_at")
    if rule is not None and rule.opens == "activity_start" and activity_start is not None:
        return _local(activity_start, "activity_start")
    return published


def registration_deadline(*, ruleset: RuleSet, bid_deadline: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """The instant applications and deposits close: ``close_before`` before the bid deadline's day,
    at the deadline's time of day (exclusive: an application at that very instant is late).

    2 working days before a listing ending Tuesday 7 April 2026 17:00, with 清明 on 4–6 April, is
    Thursday 2 April 17:00. A calendar-day lead that lands on a rest day moves to the working day
    before it, so the bank's confirmation can still arrive in time.
    """
    rule = ruleset.registration
    if rule is None:
        violation = _not_applicable(ruleset)
        raise InvalidInput(violation.message, code=violation.code, detail=violation.detail)
    deadline = _local(bid_deadline, "bid_deadline")
    day = rule.close_before.subtract_from(deadline.date(), calendar)
    if rule.close_before.unit == CALENDAR and rule.close_before.amount > 0:
        while not calendar.is_workday(day):
            day -= _ONE_DAY
    return _at_same_time(day, deadline)


def registration_check(
    *,
    ruleset: RuleSet,
    applied_at: dt.datetime,
    listing_start: dt.datetime,
    bid_deadline: dt.datetime,
    calendar: WorkCalendar,
) -> RuleViolation | None:
    """Whether an application made at ``applied_at`` falls in the registration window.

    ``listing_start`` is when applications open (``registration_opens``: normally the notice's
    publication); the window closes at ``registration_deadline``. None when the application is in
    time; otherwise ``registration_not_applicable``, ``registration_not_open`` or
    ``registration_closed``.
    """
    rule = ruleset.registration
    if rule is None:
        return _not_applicable(ruleset)
    applied = _local(applied_at, "applied_at")
    opens = _local(listing_start, "listing_start")
    closes = registration_deadline(ruleset=ruleset, bid_deadline=bid_deadline, calendar=calendar)
    if applied < opens:
        return _violation(
            "registration_not_open",
            f"竞买申请尚未开始，自{opens:%Y年%m月%d日 %H:%M}起接受申请",
            rule.close_article,
            applied_at=_iso(applied),
            opens_at=_iso(opens),
        )
    if applied >= closes:
        return _violation(
            "registration_closed",
            f"竞买申请已于{closes:%Y年%m月%d日 %H:%M}截止（截止前{rule.close_before.label()}停止接受申请）",
            rule.close_article,
            applied_at=_iso(applied),
            registration_deadline=_iso(closes),
            close_before=rule.close_before.as_dict(),
        )
    return None


def deposit_amount(*, starting_price_fen: int, fixed_fen: int | None = None, ratio: Fraction | None = None) -> int:
    """The deposit the notice states: a fixed amount, or a ratio of the starting price rounded up to the fen.

    Exactly one of ``fixed_fen`` and ``ratio`` must be given. Rounding up keeps the deposit from ever
    falling below the stated ratio (20% of 12,345.67 yuan is 2,469.14 yuan, not 2,469.13).
    """
    start = _fen(starting_price_fen, "起始价")
    if fixed_fen is not None and ratio is None:
        return _fen(fixed_fen, "竞买保证金")
    if ratio is not None and fixed_fen is None:
        if not isinstance(ratio, Fraction) or ratio <= 0 or ratio > 1:
            raise InvalidInput(
                "保证金比例必须大于0且不超过100%", code="deposit_ratio_invalid", detail={"ratio": str(ratio)}
            )
        # ceil(start * p / q) without floats
        return -((-start * ratio.numerator) // ratio.denominator)
    raise InvalidInput("竞买保证金须为固定金额或起始价的比例，二者取其一", code="deposit_rule_invalid")


def deposit_check(
    *,
    ruleset: RuleSet,
    required_fen: int,
    paid_fen: int,
    paid_at: dt.datetime | None,
    registration_deadline: dt.datetime,
) -> RuleViolation | None:
    """Whether the deposit was received in full before the registration deadline.

    ``paid_fen`` is what the bank confirms received, ``paid_at`` when the full amount was reached
    (None: nothing received). A deposit at or after the deadline is late even if complete; a
    deposit short by one fen is short. Paying more is not a breach (the excess is refunded).
    Violations: ``registration_not_applicable``, ``deposit_not_paid``, ``deposit_late``,
    ``deposit_short``.
    """
    rule = ruleset.registration
    if rule is None:
        return _not_applicable(ruleset)
    required = _fen(required_fen, "应缴竞买保证金")
    paid = _fen(paid_fen, "已缴竞买保证金")
    closes = _local(registration_deadline, "registration_deadline")
    if required == 0:
        return None
    if paid == 0 or paid_at is None:
        return _violation(
            "deposit_not_paid",
            f"尚未收到竞买保证金{money_format(required)}元",
            rule.deposit_article,
            required_fen=required,
            paid_fen=paid,
        )
    paid_when = _local(paid_at, "paid_at")
    if paid_when >= closes:
        return _violation(
            "deposit_late",
            f"竞买保证金应在{closes:%Y年%m月%d日 %H:%M}前到账，实际到账时间为{paid_when:%Y年%m月%d日 %H:%M}",
            rule.deposit_article,
            paid_at=_iso(paid_when),
            registration_deadline=_iso(closes),
        )
    if paid < required:
        owed, got, short = money_format(required), money_format(paid), money_format(required - paid)
        return _violation(
            "deposit_short",
            f"竞买保证金应缴{owed}元，实收{got}元，尚差{short}元",
            rule.deposit_article,
            required_fen=required,
            paid_fen=paid,
            short_fen=required - paid,
        )
    return None
