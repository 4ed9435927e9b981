"""center.legal_aid_rules: economic eligibility, the case status machine, the review period, statistics.

No database. The calendar is the State Council's 2025 arrangement (国办发明电〔2024〕12号).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from zhengwu.contexts.center import legal_aid_rules as rules
from zhengwu.contexts.center.legal_aid_rules import (
    CASE_TRANSITIONS,
    LEGAL_AID_STANDARD_FEN_DEFAULT,
    CaseStatus,
    ExemptCategory,
    case_transition,
    eligibility_assess,
    review_deadline,
    stats_by_month_and_type,
)
from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.kernel.workdays import WorkCalendar

D = dt.date


def _span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


CAL = WorkCalendar(
    holidays={
        **dict.fromkeys([D(2025, 1, 1)], "元旦"),
        **dict.fromkeys(_span(D(2025, 1, 28), D(2025, 2, 4)), "春节"),
        **dict.fromkeys(_span(D(2025, 4, 4), D(2025, 4, 6)), "清明节"),
        **dict.fromkeys(_span(D(2025, 5, 1), D(2025, 5, 5)), "劳动节"),
        **dict.fromkeys(_span(D(2025, 5, 31), D(2025, 6, 2)), "端午节"),
        **dict.fromkeys(_span(D(2025, 10, 1), D(2025, 10, 8)), "国庆节、中秋节"),
    },
    adjusted_workdays={
        D(2025, 1, 26): "春节",
        D(2025, 2, 8): "春节",
        D(2025, 4, 27): "劳动节",
        D(2025, 9, 28): "国庆节、中秋节",
        D(2025, 10, 11): "国庆节、中秋节",
    },
)
STANDARD = 199_000  # 1,990.00 元 per person and month

# -- economic eligibility ------------------------------------------------------------------------


def test_the_default_standard_is_a_documented_figure_in_fen() -> None:
    assert LEGAL_AID_STANDARD_FEN_DEFAULT == 199_000


@pytest.mark.parametrize(
    ("size", "income", "eligible", "per_person"),
    [
        (3, 597_000, True, 199_000),  # exactly at the standard
        (3, 597_001, False, 199_000),  # a third of a fen over: shown as 1,990.00 元 but not eligible
        (3, 596_999, True, 199_000),
        (1, 199_000, True, 199_000),
        (1, 199_001, False, 199_001),
        (4, 0, True, 0),
    ],
)
def test_eligibility_at_the_boundary_compares_exactly(size: int, income: int, eligible: bool, per_person: int) -> None:
    verdict = eligibility_assess(household_size=size, monthly_income_fen=income, standard_fen=STANDARD)
    assert verdict.eligible is eligible
    assert verdict.per_person_income_fen == per_person
    assert verdict.exempt_category is None
    assert verdict.article == "《中华人民共和国法律援助法》第三十四条"


def test_the_reason_shows_the_figures_in_yuan() -> None:
    yes = eligibility_assess(household_size=3, monthly_income_fen=450_000, standard_fen=STANDARD)
    assert (
        yes.reason
        == "家庭人均月收入1500.00元（3人，月收入合计4500.00元），不高于经济困难标准1990.00元，符合经济困难条件"
    )
    no = eligibility_assess(household_size=2, monthly_income_fen=500_001, standard_fen=STANDARD)
    assert (
        no.reason
        == "家庭人均月收入2500.01元（2人，月收入合计5000.01元），高于经济困难标准1990.00元，不符合经济困难条件"
    )


@pytest.mark.parametrize(
    ("size", "income", "per_person"),
    [
        (2, 100_001, 50_001),  # 50,000.5 fen: half rounds up
        (3, 100_000, 33_333),  # 33,333.33
        (3, 200_000, 66_667),  # 66,666.67
        (7, 1, 0),
        (2, 1, 1),
    ],
)
def test_per_person_income_rounds_half_up_to_the_fen(size: int, income: int, per_person: int) -> None:
    verdict = eligibility_assess(household_size=size, monthly_income_fen=income, standard_fen=STANDARD)
    assert verdict.per_person_income_fen == per_person


@pytest.mark.parametrize("category", list(ExemptCategory))
def test_exempt_categories_are_eligible_whatever_the_income(category: ExemptCategory) -> None:
    verdict = eligibility_assess(
        household_size=1, monthly_income_fen=10_000_000, exempt_category=category, standard_fen=STANDARD
    )
    assert verdict.eligible is True
    assert verdict.exempt_category is category
    assert verdict.per_person_income_fen == 10_000_000
    assert verdict.article == "《中华人民共和国法律援助法》第四十二条"
    assert "免予核查经济困难状况" in verdict.reason


def test_exempt_categories_are_the_four_items_of_article_42() -> None:
    assert [c.value for c in ExemptCategory] == [
        "vulnerable_no_income",
        "assistance_recipient",
        "migrant_worker_wages_injury",
        "other_by_regulation",
    ]
    verdict = eligibility_assess(
        household_size=1, monthly_income_fen=0, exempt_category="migrant_worker_wages_injury", standard_fen=STANDARD
    )
    assert "进城务工人员" in verdict.reason


def test_unknown_categories_and_bad_numbers_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        eligibility_assess(household_size=1, monthly_income_fen=0, exempt_category="celebrity", standard_fen=STANDARD)
    assert caught.value.code == "legal_aid_exempt_unknown"
    for kwargs in (
        {"household_size": 0, "monthly_income_fen": 0, "standard_fen": STANDARD},
        {"household_size": 1, "monthly_income_fen": -1, "standard_fen": STANDARD},
        {"household_size": 1, "monthly_income_fen": 0, "standard_fen": -1},
        {"household_size": True, "monthly_income_fen": 0, "standard_fen": STANDARD},
    ):
        with pytest.raises(InvalidInput) as caught:
            eligibility_assess(**kwargs)
        assert caught.value.code == "number_invalid"


# -- case status ---------------------------------------------------------------------------------

S = CaseStatus
ALLOWED = {
    (S.APPLIED, S.REVIEWING),
    (S.REVIEWING, S.ACCEPTED),
    (S.REVIEWING, S.REFUSED),
    (S.ACCEPTED, S.ASSIGNED),
    (S.ASSIGNED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.CLOSED),
    (S.APPLIED, S.WITHDRAWN),
    (S.REVIEWING, S.WITHDRAWN),
    (S.ACCEPTED, S.TERMINATED),
    (S.ASSIGNED, S.TERMINATED),
    (S.IN_PROGRESS, S.TERMINATED),
}


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_every_allowed_transition_passes(current: CaseStatus, target: CaseStatus) -> None:
    case_transition(current=current, target=target)
    case_transition(current=current.value, target=target.value)


def test_the_transition_table_is_exactly_the_documented_path() -> None:
    assert {(a, b) for a, targets in CASE_TRANSITIONS.items() for b in targets} == ALLOWED
    assert set(CASE_TRANSITIONS) == set(CaseStatus)


@pytest.mark.parametrize(
    ("current", "target"), [pair for pair in itertools.product(CaseStatus, repeat=2) if pair not in ALLOWED]
)
def test_every_other_transition_is_a_conflict(current: CaseStatus, target: CaseStatus) -> None:
    with pytest.raises(Conflict) as caught:
        case_transition(current=current, target=target)
    assert caught.value.code == "legal_aid_transition_forbidden"
    assert caught.value.detail["current"] == current.value
    assert caught.value.detail["target"] == target.value


def test_forbidden_transitions_explain_themselves() -> None:
    with pytest.raises(Conflict) as caught:
        case_transition(current="applied", target="assigned")  # skipping review
    assert caught.value.message == "案件状态不能从“申请”变为“指派律师”；可变为：审查、撤回申请"
    with pytest.raises(Conflict) as caught:
        case_transition(current="closed", target="in_progress")  # reopening
    assert caught.value.message == "案件状态不能从“结案”变为“办理中”；可变为：无（已是最终状态）"
    with pytest.raises(Conflict) as caught:
        case_transition(current="refused", target="accepted")
    assert caught.value.detail["allowed"] == []


def test_unknown_statuses_are_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        case_transition(current="applied", target="approved")
    assert caught.value.code == "legal_aid_status_unknown"


# -- review period (法律援助法 第四十三条) --------------------------------------------------------------


def test_review_deadline_in_working_days() -> None:
    # Received Monday 3 March: working days 4, 5, 6, 7, 10, 11, 12 March.
    assert review_deadline(received_on=D(2025, 3, 3), calendar=CAL) == D(2025, 3, 12)


def test_review_deadline_across_the_national_day_holiday() -> None:
    # Received Friday 26 September: 28 Sep (working Sunday), 29, 30, 9 Oct, 10, 11 (working Saturday), 13.
    assert review_deadline(received_on=D(2025, 9, 26), calendar=CAL) == D(2025, 10, 13)


def test_review_deadline_is_configurable_in_number_and_unit() -> None:
    # Seven calendar days end on 3 October, inside the holiday → the day after it ends (民法典 第二百零三条).
    assert review_deadline(received_on=D(2025, 9, 26), calendar=CAL, working_days=False) == D(2025, 10, 9)
    assert review_deadline(received_on=D(2025, 9, 26), calendar=CAL, days=3) == D(2025, 9, 30)


def test_review_deadline_in_a_year_without_a_calendar_raises() -> None:
    with pytest.raises(InvalidInput) as caught:
        review_deadline(received_on=D(2025, 12, 26), calendar=CAL)
    assert caught.value.code == "calendar_year_missing"


# -- statistics ----------------------------------------------------------------------------------


def test_stats_count_by_month_and_type_in_order() -> None:
    records = [
        (D(2025, 3, 31), "labour"),
        (D(2025, 1, 2), "civil"),
        (D(2025, 3, 1), "civil"),
        (D(2025, 3, 15), "labour"),
        (D(2024, 12, 31), "criminal"),
        (D(2025, 1, 20), "civil"),
    ]
    stats = stats_by_month_and_type(records)
    assert stats == {
        "2024-12": {"criminal": 1},
        "2025-01": {"civil": 2},
        "2025-03": {"civil": 1, "labour": 2},
    }
    assert list(stats) == ["2024-12", "2025-01", "2025-03"]
    assert list(stats["2025-03"]) == ["civil", "labour"]


def test_stats_of_nothing_and_of_a_generator() -> None:
    assert stats_by_month_and_type([]) == {}
    assert stats_by_month_and_type((D(2025, 5, d), "civil") for d in range(1, 4)) == {"2025-05": {"civil": 3}}


def test_stats_take_dates_not_datetimes() -> None:
    with pytest.raises(TypeError):
        stats_by_month_and_type([(dt.datetime(2025, 3, 1, 23, 30), "civil")])


@pytest.mark.parametrize("matter", list(rules.UnrestrictedMatter))
def test_matters_of_article_32_are_not_subject_to_the_economic_condition(matter: rules.UnrestrictedMatter) -> None:
    verdict = rules.eligibility_assess(
        household_size=1, monthly_income_fen=10_000_000, exempt_category=matter.value, standard_fen=199_000
    )
    assert verdict.eligible is True
    assert verdict.exempt_category is matter
    assert verdict.article.endswith("第三十二条")
    assert rules.UNRESTRICTED_MATTER_LABELS[matter] in verdict.reason
    assert rules.EXEMPTION_LABELS[matter.value].startswith("第三十二条：")
