"""Amounts and counts: bid security, the minimum number of bids, who approves a notice."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from zhengwu.contexts.tendering.rules.model import RuleSet, RuleViolation
from zhengwu.contexts.tendering.rules.periods import _violation
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money import money_format


def _require_fen(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name}必须是以分为单位的整数", code="money_invalid", detail={"field": name})
    return value


def _percent_text(ratio: Fraction) -> str:
    percent = ratio * 100
    return f"{(Decimal(percent.numerator) / Decimal(percent.denominator)).normalize():f}%"


def bid_security_check(*, ruleset: RuleSet, estimate_fen: int, security_fen: int) -> RuleViolation | None:
    """Whether the bid security asked for stays within the cap (exact arithmetic on fen)."""
    estimate = _require_fen(estimate_fen, "估算价（预算）")
    security = _require_fen(security_fen, "投标保证金")
    if estimate <= 0:
        raise InvalidInput("估算价（预算）必须大于零", code="estimate_invalid", detail={"estimate_fen": estimate})
    if security < 0:
        raise InvalidInput("投标保证金不能为负数", code="bid_security_negative", detail={"security_fen": security})
    cap = ruleset.bid_security_cap
    if cap is None:
        return None
    # security / estimate <= p / q  ⇔  security * q <= estimate * p (no rounding anywhere)
    if security * cap.ratio.denominator <= estimate * cap.ratio.numerator:
        return None
    limit_fen = estimate * cap.ratio.numerator // cap.ratio.denominator
    percent_text = _percent_text(cap.ratio)
    return _violation(
        "bid_security_over_cap",
        f"投标保证金不得超过{cap.basis}的{percent_text}（{cap.article}），即不超过{money_format(limit_fen)}元",
        cap.article,
        security_fen=security,
        estimate_fen=estimate,
        cap_fen=limit_fen,
        ratio=f"{cap.ratio.numerator}/{cap.ratio.denominator}",
    )


def _require_count(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidInput("数量必须为非负整数", code="count_invalid", detail={"count": repr(count)})
    return count


def bids_sufficient(*, ruleset: RuleSet, count: int) -> bool:
    """Whether ``count`` bids (responses, registered bidders) allow the procedure to go on."""
    return _require_count(count) >= ruleset.bids_min.value


def bids_insufficient_outcome(*, ruleset: RuleSet) -> str:
    """What happens when too few bids arrive: ``retender``, ``relist`` or ``terminate``."""
    return ruleset.bids_insufficient.value


def invitees_sufficient(*, ruleset: RuleSet, count: int) -> bool:
    """Whether enough suppliers/bidders are invited (True where the procedure sets no minimum)."""
    n = _require_count(count)
    return ruleset.invitees_min is None or n >= ruleset.invitees_min.value


def prequal_passed_sufficient(*, ruleset: RuleSet, count: int) -> bool:
    """Whether enough applicants passed prequalification (招标条例 第十九条: fewer than 3 ⇒ re-tender)."""
    n = _require_count(count)
    return ruleset.prequal_passed_min is None or n >= ruleset.prequal_passed_min.value


def competition_required(*, ruleset: RuleSet, count: int) -> bool:
    """Whether ``count`` qualified buyers make an open price contest necessary (国资法 第五十四条)."""
    n = _require_count(count)
    return ruleset.competition_min is not None and n >= ruleset.competition_min.value


def notice_approval_roles(*, ruleset: RuleSet) -> tuple[str, ...]:
    """The roles that must approve a notice before it is published (each one, in this order)."""
    return ruleset.notice_approval_roles


# -- a bid security (deposit) stated as a ratio of the estimate -----------------------------------


def security_ratio_parse(value: str | Decimal | Fraction) -> Fraction:
    """A ratio as people write it ("2%", "0.02", Decimal("0.02")) as an exact Fraction in [0, 1].

    Floats are refused: 0.02 as a float is not two hundredths, and money never touches floats.
    """
    if isinstance(value, Fraction):
        ratio = value
    elif isinstance(value, Decimal | str) and not isinstance(value, bool):
        text = str(value).strip().replace(" ", "")
        percent = text.endswith(("%", "％"))
        if percent:
            text = text[:-1]
        try:
            number = Decimal(text)
        except ArithmeticError:
            number = Decimal("NaN")
        if not number.is_finite():
            raise InvalidInput(
                "保证金比例格式不正确，例如 2% 或 0.02", code="ratio_format", detail={"value": str(value)[:40]}
            )
        ratio = Fraction(number) / (100 if percent else 1)
    else:
        raise InvalidInput(
            "保证金比例必须是精确的小数或百分数（不能使用浮点数）",
            code="ratio_format",
            detail={"value": repr(value)[:40]},
        )
    if ratio < 0 or ratio > 1:
        raise InvalidInput("保证金比例应在0到100%之间", code="ratio_out_of_range", detail={"value": str(value)[:40]})
    return ratio


def security_from_ratio(*, estimate_fen: int, ratio: Fraction) -> int:
    """The amount of ``ratio`` of the estimate, rounded DOWN to the fen (exact arithmetic).

    Rounding down keeps a security stated as the cap itself ("2%") within the cap
    (招标投标法实施条例 第二十六条: 不得超过招标项目估算价的2%).
    """
    estimate = _require_fen(estimate_fen, "估算价（预算）")
    if not isinstance(ratio, Fraction) or ratio < 0 or ratio > 1:
        raise InvalidInput("保证金比例应在0到100%之间", code="ratio_out_of_range", detail={"value": str(ratio)})
    return estimate * ratio.numerator // ratio.denominator
