"""Who may be awarded (招标条例 第五十五条): the ranked order, and the reasons that pass a candidate over."""

from __future__ import annotations

from zhengwu.contexts.evaluation.rules.award import (
    CONSTRUCTION_PERIODS,
    PROCUREMENT_PERIODS,
    award_check,
    periods_for,
)

RANKED = ["a", "b", "c"]


def _codes(chosen: str, passed: dict[str, str]) -> list[str]:
    return [v.code for v in award_check(candidates=RANKED, chosen=chosen, passed_over=passed)]


def test_the_first_ranked_needs_no_reason() -> None:
    assert _codes("a", {}) == []


def test_a_later_candidate_needs_a_reason_for_each_one_above() -> None:
    assert _codes("b", {}) == ["award_order"]
    assert _codes("c", {"a": "declined"}) == ["award_order"]
    assert _codes("c", {"a": "declined", "b": "no_performance_security"}) == []
    (violation,) = award_check(candidates=RANKED, chosen="c", passed_over={"b": "violation"})
    assert violation.detail == {"bid_id": "a", "rank": 1}
    assert "第五十五条" in violation.article


def test_unknown_reasons_outsiders_and_reasons_for_those_below_are_refused() -> None:
    assert _codes("b", {"a": "too_expensive"}) == ["pass_over_reason_unknown"]
    assert _codes("x", {}) == ["award_not_candidate"]
    assert _codes("a", {"b": "declined"}) == ["pass_over_not_above"]
    assert _codes("b", {"a": "declined", "b": "declined"}) == ["pass_over_not_above"]


def test_periods_per_trade_type() -> None:
    assert periods_for("construction") is CONSTRUCTION_PERIODS
    assert periods_for("procurement") is PROCUREMENT_PERIODS
    assert (CONSTRUCTION_PERIODS.contract_days, CONSTRUCTION_PERIODS.report_days) == (30, 15)
    assert (CONSTRUCTION_PERIODS.security_days, CONSTRUCTION_PERIODS.security_working_days) == (5, False)
    assert PROCUREMENT_PERIODS.report_days is None
    assert PROCUREMENT_PERIODS.security_working_days
