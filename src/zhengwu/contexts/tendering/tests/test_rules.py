"""tendering.rules: every statutory number of every procedure, tried at its edge.

The working-day calendar is the real one shipped with the platform (data/cn-2024..2026.csv, the
State Council's arrangements), so holidays and adjusted working weekends are the real ones:
2025 清明 4–6 April, 劳动节 1–5 May, 国庆/中秋 1–8 October with 28 September and 11 October
worked; 2026 春节 15–23 February with 14 and 28 February worked. Expected dates are worked out
by hand in the comments, not computed with the code under test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.rules import (
    RULESETS,
    SHORTCUTS,
    TRANSITIONS,
    InsufficientOutcome,
    Period,
    Procedure,
    RuleSet,
    SectionStatus,
    TradeType,
    amendment_check,
    amendment_deadline,
    bid_security_check,
    bids_insufficient_outcome,
    bids_sufficient,
    candidate_publicity_due,
    competition_required,
    invitees_sufficient,
    notice_approval_roles,
    objection_reply_due,
    objection_window_check,
    prequal_passed_sufficient,
    prequalification_check,
    procedure_trade_type,
    publicity_check,
    publicity_last_day_min,
    rules_table,
    ruleset_for,
    ruleset_get,
    ruleset_select,
    timetable_check,
    timetable_compute,
    transition_check,
)
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import WorkCalendar
from zhengwu.platform.workdays.defaults import defaults_rows

D = dt.date
CAL = WorkCalendar.from_rows([(row.date, row.kind, row.name) for _, rows_ in defaults_rows() for row in rows_])
TODAY_RULES = D(2025, 6, 1)


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> dt.datetime:
    """An instant in Beijing time."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


def rs(procedure: str) -> RuleSet:
    return ruleset_for(procedure=procedure, on=TODAY_RULES)


def codes(violations: list[rules.RuleViolation]) -> list[str]:
    return [v.code for v in violations]


def test_calendar_is_the_shipped_one() -> None:
    assert {2025, 2026} <= CAL.years
    assert CAL.is_workday(D(2025, 9, 28))  # Sunday worked before 国庆
    assert CAL.is_rest_day(D(2025, 10, 8))
    assert CAL.is_workday(D(2026, 2, 14))  # Saturday worked before 春节
    assert CAL.is_rest_day(D(2026, 2, 23))


# -- procedures and versions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("procedure", "trade_type"),
    [
        ("construction.open", TradeType.CONSTRUCTION),
        ("construction.invited", TradeType.CONSTRUCTION),
        ("construction.open_prequalification", TradeType.CONSTRUCTION),
        ("construction.invited_prequalification", TradeType.CONSTRUCTION),
        ("procurement.open", TradeType.PROCUREMENT),
        ("procurement.invited", TradeType.PROCUREMENT),
        ("procurement.competitive_negotiation", TradeType.PROCUREMENT),
        ("procurement.competitive_consultation", TradeType.PROCUREMENT),
        ("procurement.inquiry", TradeType.PROCUREMENT),
        ("procurement.single_source", TradeType.PROCUREMENT),
        ("procurement.framework", TradeType.PROCUREMENT),
        ("land.tender", TradeType.LAND),
        ("land.auction", TradeType.LAND),
        ("land.listing", TradeType.LAND),
        ("property.listing", TradeType.PROPERTY),
    ],
)
def test_procedure_trade_type(procedure: str, trade_type: TradeType) -> None:
    assert procedure_trade_type(procedure) is trade_type
    ruleset = rs(procedure)
    assert ruleset.procedure == procedure
    assert ruleset.trade_type is trade_type


def test_every_procedure_has_exactly_the_registered_rule_sets() -> None:
    assert set(RULESETS) == {p.value for p in Procedure}
    assert len(Procedure) == 15


@pytest.mark.parametrize("bad", ["construction", "construction.auction", "mining.listing", ""])
def test_unknown_procedure_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        ruleset_for(procedure=bad, on=TODAY_RULES)
    assert exc.value.code == "procedure_unknown"
    with pytest.raises(InvalidInput) as exc:
        procedure_trade_type(bad)
    assert exc.value.code == "procedure_unknown"


def test_rules_are_not_in_force_before_their_instrument() -> None:
    # 招标投标法实施条例 came into force on 1 February 2012.
    assert ruleset_for(procedure="construction.open", on=D(2012, 2, 1)).version == "1"
    with pytest.raises(InvalidInput) as exc:
        ruleset_for(procedure="construction.open", on=D(2012, 1, 31))
    assert exc.value.code == "ruleset_not_in_force"
    assert exc.value.detail == {"procedure": "construction.open", "on": "2012-01-31", "first": "2012-02-01"}
    # 框架协议采购 (财政部令第110号) only from 1 March 2022.
    with pytest.raises(InvalidInput) as exc:
        ruleset_for(procedure="procurement.framework", on=D(2022, 2, 28))
    assert exc.value.code == "ruleset_not_in_force"


def test_a_tender_keeps_the_version_in_force_on_its_publication_day() -> None:
    v1 = rs("construction.open")
    v2 = dataclasses.replace(v1, version="2", effective_from=D(2025, 6, 1), bids_min=rules.Count(5, "test"))
    versions = (v2, v1)  # order does not matter
    assert ruleset_select(rulesets=versions, on=D(2025, 5, 31)) is v1
    assert ruleset_select(rulesets=versions, on=D(2025, 6, 1)) is v2
    assert ruleset_select(rulesets=versions, on=D(2011, 1, 1)) is None
    # An instant is read in Beijing time: 16:30 UTC on 31 May is already 1 June in China.
    assert ruleset_select(rulesets=versions, on=dt.datetime(2025, 5, 31, 16, 30, tzinfo=dt.UTC)) is v2
    assert ruleset_select(rulesets=versions, on=dt.datetime(2025, 5, 31, 15, 59, tzinfo=dt.UTC)) is v1


def test_a_stored_version_is_found_again() -> None:
    assert ruleset_get(procedure="land.listing", version="1") is rs("land.listing")
    with pytest.raises(InvalidInput) as exc:
        ruleset_get(procedure="land.listing", version="9")
    assert exc.value.code == "ruleset_version_unknown"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        timetable_check(
            ruleset=rs("construction.open"),
            published_at=dt.datetime(2025, 3, 5, 10, 0),
            bid_deadline=at(2025, 3, 25),
            calendar=CAL,
        )
    assert exc.value.code == "datetime_naive"
    assert exc.value.detail == {"field": "published_at"}


# -- Period -----------------------------------------------------------------------------------------


def test_period_adds_calendar_and_working_days() -> None:
    assert Period(20, "calendar").add_to(D(2025, 3, 1), CAL) == D(2025, 3, 21)
    # From Friday 26 September 2025: Sun 28 (worked) 1, Mon 29 2, Tue 30 3, 1–8 October off,
    # Thu 9 4, Fri 10 5.
    assert Period(5, "working").add_to(D(2025, 9, 26), CAL) == D(2025, 10, 10)
    assert Period(5, "working").subtract_from(D(2025, 10, 10), CAL) == D(2025, 9, 26)
    assert Period(20, "calendar").label() == "20日"
    assert Period(5, "working").label() == "5个工作日"


@pytest.mark.parametrize(("amount", "unit"), [(-1, "calendar"), (True, "calendar"), (3, "days"), (2.0, "working")])
def test_period_refuses_nonsense(amount: object, unit: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        Period(amount, unit)  # type: ignore[arg-type]
    assert exc.value.code == "period_invalid"


# -- construction: 招标法 第二十四条 (20日), 条例 第十六条 (5日), 第三十四条 (opening) ----------------------


def test_construction_bid_deadline_twenty_days_boundary_accepted() -> None:
    # Documents first issued Wednesday 5 March 2025: the 20th day after is Tuesday 25 March.
    # The deadline may fall at any hour of that day, even earlier than the hour of issue.
    assert (
        timetable_check(
            ruleset=rs("construction.open"),
            published_at=at(2025, 3, 5, 10, 0),
            bid_deadline=at(2025, 3, 25, 9, 0),
            opening_at=at(2025, 3, 25, 9, 0),
            calendar=CAL,
        )
        == []
    )


def test_construction_bid_deadline_one_day_short_refused() -> None:
    violations = timetable_check(
        ruleset=rs("construction.open"),
        published_at=at(2025, 3, 5, 10, 0),
        bid_deadline=at(2025, 3, 24, 17, 0),
        calendar=CAL,
    )
    assert codes(violations) == ["bid_period_short"]
    assert violations[0].article == "《招标投标法》第二十四条"
    assert violations[0].detail["earliest_day"] == "2025-03-25"
    assert violations[0].detail["period"] == {"amount": 20, "unit": "calendar"}
    assert "2025-03-25" in violations[0].message


def test_construction_twenty_days_run_from_first_issue_of_documents_not_from_the_notice() -> None:
    # Notice on 5 March but documents issued only from 7 March: deadline 27 March at the earliest.
    violations = timetable_check(
        ruleset=rs("construction.open"),
        published_at=at(2025, 3, 5, 10, 0),
        doc_issue_start=at(2025, 3, 7, 9, 0),
        doc_issue_end=at(2025, 3, 12, 17, 0),
        bid_deadline=at(2025, 3, 26),
        calendar=CAL,
    )
    assert codes(violations) == ["bid_period_short"]
    assert violations[0].detail["earliest_day"] == "2025-03-27"


def test_construction_document_sale_five_days() -> None:
    common = {
        "ruleset": rs("construction.open"),
        "published_at": at(2025, 3, 5, 10, 0),
        "doc_issue_start": at(2025, 3, 5, 10, 0),
        "bid_deadline": at(2025, 3, 25),
        "calendar": CAL,
    }
    # Sale from 5 March: the 5th day after is Monday 10 March (weekend days count: 日 = calendar days).
    assert timetable_check(**common, doc_issue_end=at(2025, 3, 10, 17, 0)) == []
    short = timetable_check(**common, doc_issue_end=at(2025, 3, 9, 17, 0))
    assert codes(short) == ["doc_issue_period_short"]
    assert short[0].article == "《招标投标法实施条例》第十六条"
    assert short[0].detail["last_day_min"] == "2025-03-10"


def test_construction_deadline_on_a_holiday_is_refused_and_the_earliest_day_rolls_over() -> None:
    # Issued Friday 12 September 2025: 20 days end on Thursday 2 October, inside 国庆 (1–8 October).
    ruleset = rs("construction.open")
    on_holiday = timetable_check(
        ruleset=ruleset, published_at=at(2025, 9, 12, 10, 0), bid_deadline=at(2025, 10, 2), calendar=CAL
    )
    assert codes(on_holiday) == ["deadline_on_rest_day"]
    assert on_holiday[0].detail == {"day": "2025-10-02", "next_workday": "2025-10-09"}
    assert (
        timetable_check(
            ruleset=ruleset, published_at=at(2025, 9, 12, 10, 0), bid_deadline=at(2025, 10, 9), calendar=CAL
        )
        == []
    )
    table = timetable_compute(ruleset=ruleset, published_at=at(2025, 9, 12, 10, 0), calendar=CAL)
    assert table.bid_deadline_earliest_day == D(2025, 10, 9)


def test_construction_deadline_on_a_saturday_is_refused_but_a_worked_sunday_is_not() -> None:
    ruleset = rs("construction.open")
    saturday = timetable_check(
        ruleset=ruleset, published_at=at(2025, 3, 1, 10, 0), bid_deadline=at(2025, 3, 22), calendar=CAL
    )
    assert codes(saturday) == ["deadline_on_rest_day"]
    # Sunday 28 September 2025 is an adjusted working day; issued 8 September it is the 20th day.
    assert (
        timetable_check(ruleset=ruleset, published_at=at(2025, 9, 8, 10, 0), bid_deadline=at(2025, 9, 28), calendar=CAL)
        == []
    )


def test_construction_opening_must_be_at_the_deadline() -> None:
    violations = timetable_check(
        ruleset=rs("construction.open"),
        published_at=at(2025, 3, 5, 10, 0),
        bid_deadline=at(2025, 3, 25, 9, 0),
        opening_at=at(2025, 3, 25, 9, 30),
        calendar=CAL,
    )
    assert codes(violations) == ["opening_not_at_deadline"]
    assert violations[0].article == "《招标投标法》第三十四条；《招标投标法实施条例》第四十四条第一款"
    # The same instant written in another zone is the same instant.
    assert (
        timetable_check(
            ruleset=rs("construction.open"),
            published_at=at(2025, 3, 5, 10, 0),
            bid_deadline=at(2025, 3, 25, 9, 0),
            opening_at=dt.datetime(2025, 3, 25, 1, 0, tzinfo=dt.UTC),
            calendar=CAL,
        )
        == []
    )


def test_opening_before_the_deadline_is_refused_where_a_later_opening_is_allowed() -> None:
    ruleset = rs("procurement.competitive_consultation")
    base = {"ruleset": ruleset, "published_at": at(2025, 3, 3, 10, 0), "bid_deadline": at(2025, 3, 13), "calendar": CAL}
    assert codes(timetable_check(**base, opening_at=at(2025, 3, 13, 9, 0))) == ["opening_before_deadline"]
    assert timetable_check(**base, opening_at=at(2025, 3, 13, 14, 0)) == []
    assert codes(timetable_check(**base, opening_at=at(2025, 3, 15, 9, 0))) == ["opening_on_rest_day"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"bid_deadline": at(2025, 3, 5, 10, 0)}, ["deadline_not_after_notice"]),
        ({"bid_deadline": at(2025, 3, 25), "doc_issue_start": at(2025, 3, 4)}, ["doc_issue_before_notice"]),
        (
            {"bid_deadline": at(2025, 3, 25), "doc_issue_end": at(2025, 3, 26)},
            ["doc_issue_after_deadline"],
        ),
        (
            {"bid_deadline": at(2025, 3, 26), "doc_issue_start": at(2025, 3, 6), "doc_issue_end": at(2025, 3, 6)},
            ["doc_issue_end_before_start"],
        ),
    ],
)
def test_timetable_order_is_checked(kwargs: dict[str, dt.datetime], expected: list[str]) -> None:
    violations = timetable_check(
        ruleset=rs("construction.open"), published_at=at(2025, 3, 5, 10, 0), calendar=CAL, **kwargs
    )
    assert codes(violations) == expected


# -- amendments (招标法 第二十三条; 条例 第二十一条; 采购条例 第三十一条; 214号; 74号令) ------------------


def test_construction_amendment_fourteen_days_before_extends_to_fifteen_days_after() -> None:
    ruleset = rs("construction.open")
    deadline = at(2025, 3, 25, 9, 30)  # Tuesday
    lawful = amendment_deadline(
        ruleset=ruleset,
        issued_at=at(2025, 3, 11, 15, 0),  # 14 days before
        bid_deadline=deadline,
        affects_bid_preparation=True,
        calendar=CAL,
    )
    assert lawful == at(2025, 3, 26, 9, 30)  # 11 March + 15 days, at the original hour
    violation = amendment_check(
        ruleset=ruleset,
        issued_at=at(2025, 3, 11, 15, 0),
        bid_deadline=deadline,
        affects_bid_preparation=True,
        calendar=CAL,
    )
    assert violation is not None
    assert violation.code == "amendment_lead_short"
    assert violation.article == "《招标投标法》第二十三条；《招标投标法实施条例》第二十一条"
    assert violation.detail["lawful_deadline"] == at(2025, 3, 26, 9, 30).isoformat()


def test_construction_amendment_exactly_fifteen_days_before_keeps_the_deadline() -> None:
    deadline = at(2025, 3, 25, 9, 30)
    for issued in (at(2025, 3, 10, 0, 0), at(2025, 3, 10, 23, 59)):
        assert (
            amendment_deadline(
                ruleset=rs("construction.open"),
                issued_at=issued,
                bid_deadline=deadline,
                affects_bid_preparation=True,
                calendar=CAL,
            )
            is deadline
        )
    assert (
        amendment_check(
            ruleset=rs("construction.open"),
            issued_at=at(2025, 3, 10, 23, 59),
            bid_deadline=deadline,
            affects_bid_preparation=True,
            calendar=CAL,
        )
        is None
    )


def test_amendment_that_cannot_affect_bids_never_extends() -> None:
    deadline = at(2025, 3, 25, 9, 30)
    assert (
        amendment_deadline(
            ruleset=rs("construction.open"),
            issued_at=at(2025, 3, 24, 10, 0),
            bid_deadline=deadline,
            affects_bid_preparation=False,
            calendar=CAL,
        )
        is deadline
    )


def test_amendment_extension_into_a_holiday_rolls_to_the_next_working_day() -> None:
    # 17 September + 15 days = 2 October (国庆) ⇒ Thursday 9 October, same hour.
    lawful = amendment_deadline(
        ruleset=rs("construction.open"),
        issued_at=at(2025, 9, 17, 10, 0),
        bid_deadline=at(2025, 9, 30, 9, 30),
        affects_bid_preparation=True,
        calendar=CAL,
    )
    assert lawful == at(2025, 10, 9, 9, 30)


def test_amendment_keeps_the_time_of_day_in_beijing_whatever_zone_the_deadline_is_given_in() -> None:
    deadline_utc = dt.datetime(2025, 3, 25, 1, 30, tzinfo=dt.UTC)  # 09:30 in Beijing
    lawful = amendment_deadline(
        ruleset=rs("construction.open"),
        issued_at=at(2025, 3, 11, 15, 0),
        bid_deadline=deadline_utc,
        affects_bid_preparation=True,
        calendar=CAL,
    )
    assert lawful == at(2025, 3, 26, 9, 30)


def test_amendment_after_the_deadline_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        amendment_deadline(
            ruleset=rs("construction.open"),
            issued_at=at(2025, 3, 25, 9, 30),
            bid_deadline=at(2025, 3, 25, 9, 30),
            affects_bid_preparation=True,
            calendar=CAL,
        )
    assert exc.value.code == "amendment_after_deadline"


def test_procurement_open_amendment_fifteen_days() -> None:
    ruleset = rs("procurement.open")
    deadline = at(2025, 4, 21, 9, 30)  # Monday
    kept = amendment_deadline(
        ruleset=ruleset,
        issued_at=at(2025, 4, 6, 11, 0),
        bid_deadline=deadline,
        affects_bid_preparation=True,
        calendar=CAL,
    )
    assert kept is deadline
    moved = amendment_deadline(
        ruleset=ruleset,
        issued_at=at(2025, 4, 7, 11, 0),  # 14 days before
        bid_deadline=deadline,
        affects_bid_preparation=True,
        calendar=CAL,
    )
    assert moved == at(2025, 4, 22, 9, 30)


def test_consultation_amendment_five_days() -> None:
    ruleset = rs("procurement.competitive_consultation")
    deadline = at(2025, 3, 13, 9, 30)  # Thursday
    assert (
        amendment_deadline(
            ruleset=ruleset,
            issued_at=at(2025, 3, 8, 16, 0),
            bid_deadline=deadline,
            affects_bid_preparation=True,
            calendar=CAL,
        )
        is deadline
    )
    assert amendment_deadline(
        ruleset=ruleset,
        issued_at=at(2025, 3, 9, 16, 0),  # 4 days before
        bid_deadline=deadline,
        affects_bid_preparation=True,
        calendar=CAL,
    ) == at(2025, 3, 14, 9, 30)


def test_negotiation_amendment_three_working_days_a_weekend_does_not_count() -> None:
    ruleset = rs("procurement.competitive_negotiation")
    deadline = at(2025, 3, 12, 9, 0)  # Wednesday
    # Issued Sunday 9 March: Monday, Tuesday, Wednesday are three working days.
    assert (
        amendment_deadline(
            ruleset=ruleset,
            issued_at=at(2025, 3, 9, 10, 0),
            bid_deadline=deadline,
            affects_bid_preparation=True,
            calendar=CAL,
        )
        is deadline
    )
    # Issued Monday 10 March: only two working days remain ⇒ Thursday 13 March.
    assert amendment_deadline(
        ruleset=ruleset,
        issued_at=at(2025, 3, 10, 10, 0),
        bid_deadline=deadline,
        affects_bid_preparation=True,
        calendar=CAL,
    ) == at(2025, 3, 13, 9, 0)


def test_inquiry_amendment_over_may_day_counts_working_days_only() -> None:
    # Issued Wednesday 30 April 2025; 1–5 May off: Tue 6, Wed 7, Thu 8 ⇒ deadline Thursday 8 May.
    moved = amendment_deadline(
        ruleset=rs("procurement.inquiry"),
        issued_at=at(2025, 4, 30, 10, 0),
        bid_deadline=at(2025, 5, 6, 9, 0),
        affects_bid_preparation=True,
        calendar=CAL,
    )
    assert moved == at(2025, 5, 8, 9, 0)


def test_prequalification_amendment_three_days() -> None:
    ruleset = rs("construction.open_prequalification")
    application_deadline = at(2025, 3, 13, 9, 0)
    assert (
        amendment_deadline(
            ruleset=ruleset,
            issued_at=at(2025, 3, 10, 10, 0),
            bid_deadline=application_deadline,
            affects_bid_preparation=True,
            calendar=CAL,
            stage="prequalification",
        )
        is application_deadline
    )
    assert amendment_deadline(
        ruleset=ruleset,
        issued_at=at(2025, 3, 11, 10, 0),
        bid_deadline=application_deadline,
        affects_bid_preparation=True,
        calendar=CAL,
        stage="prequalification",
    ) == at(2025, 3, 14, 9, 0)
    with pytest.raises(InvalidInput) as exc:
        amendment_deadline(
            ruleset=rs("construction.open"),
            issued_at=at(2025, 3, 11, 10, 0),
            bid_deadline=application_deadline,
            affects_bid_preparation=True,
            calendar=CAL,
            stage="prequalification",
        )
    assert exc.value.code == "prequalification_not_applicable"


@pytest.mark.parametrize("procedure", ["land.listing", "property.listing", "procurement.single_source"])
def test_procedures_without_a_statutory_lead_time_never_extend(procedure: str) -> None:
    deadline = at(2025, 4, 8, 17, 0)
    assert (
        amendment_deadline(
            ruleset=rs(procedure),
            issued_at=at(2025, 4, 7, 10, 0),
            bid_deadline=deadline,
            affects_bid_preparation=True,
            calendar=CAL,
        )
        is deadline
    )


@settings(max_examples=300, deadline=None)
@given(
    procedure=st.sampled_from(
        [
            "construction.open",
            "procurement.open",
            "procurement.competitive_consultation",
            "procurement.competitive_negotiation",
            "procurement.inquiry",
        ]
    ),
    deadline_day=st.dates(min_value=D(2025, 1, 20), max_value=D(2026, 11, 30)),
    lead_days=st.integers(min_value=0, max_value=25),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_amendment_deadline_is_lawful_and_stable(
    procedure: str, deadline_day: dt.date, lead_days: int, minute: int
) -> None:
    ruleset = rs(procedure)
    lead = ruleset.clarification_lead
    assert lead is not None
    deadline = dt.datetime.combine(deadline_day, dt.time(9, 30), tzinfo=CHINA_TZ)
    issued = deadline - dt.timedelta(days=lead_days) + dt.timedelta(minutes=minute - 9 * 60 - 30)
    if issued >= deadline:
        return
    lawful = amendment_deadline(
        ruleset=ruleset, issued_at=issued, bid_deadline=deadline, affects_bid_preparation=True, calendar=CAL
    )
    assert lawful >= deadline
    assert lawful.astimezone(CHINA_TZ).time() == dt.time(9, 30)
    start, end = issued.astimezone(CHINA_TZ).date(), lawful.astimezone(CHINA_TZ).date()
    if lead.period.unit == "calendar":
        assert (end - start).days >= lead.period.amount
    else:
        assert sum(CAL.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1)) >= (
            lead.period.amount
        )
    if lawful > deadline:
        # Not one day later than needed: every earlier day from the old deadline on is either too
        # close to the amendment or a rest day.
        assert CAL.is_workday(end)
        day = deadline.astimezone(CHINA_TZ).date()
        while day < end:
            if lead.period.unit == "calendar":
                enough = (day - start).days >= lead.period.amount
            else:
                enough = sum(
                    CAL.is_workday(start + dt.timedelta(days=i)) for i in range(1, (day - start).days + 1)
                ) >= (lead.period.amount)
            assert not (enough and CAL.is_workday(day)), day
            day += dt.timedelta(days=1)
    # Asking again with the new deadline changes nothing.
    assert (
        amendment_deadline(
            ruleset=ruleset, issued_at=issued, bid_deadline=lawful, affects_bid_preparation=True, calendar=CAL
        )
        == lawful
    )


# -- procurement open: 采购法 第三十五条 (20日), 采购条例 第三十一条 (5个工作日) --------------------------


def test_procurement_open_boundaries() -> None:
    ruleset = rs("procurement.open")
    base = {"ruleset": ruleset, "published_at": at(2025, 4, 1, 10, 0), "calendar": CAL}
    assert timetable_check(**base, bid_deadline=at(2025, 4, 21)) == []
    short = timetable_check(**base, bid_deadline=at(2025, 4, 18))
    assert codes(short) == ["bid_period_short"]
    assert short[0].article == "《政府采购法》第三十五条"
    assert short[0].detail["earliest_day"] == "2025-04-21"


def test_procurement_document_provision_five_working_days_over_qingming() -> None:
    # From Tuesday 1 April 2025: Wed 2, Thu 3, (4–6 清明), Mon 7, Tue 8, Wed 9 ⇒ 9 April.
    base = {
        "ruleset": rs("procurement.open"),
        "published_at": at(2025, 4, 1, 10, 0),
        "bid_deadline": at(2025, 4, 21),
        "calendar": CAL,
    }
    assert timetable_check(**base, doc_issue_end=at(2025, 4, 9, 17, 0)) == []
    short = timetable_check(**base, doc_issue_end=at(2025, 4, 8, 17, 0))
    assert codes(short) == ["doc_issue_period_short"]
    assert short[0].article == "《政府采购法实施条例》第三十一条第一款"
    assert short[0].detail["last_day_min"] == "2025-04-09"


def test_procurement_document_provision_a_saturday_is_not_a_working_day() -> None:
    # From Wednesday 5 March: Thu 6, Fri 7, Mon 10, Tue 11, Wed 12 — counting Saturday would give 11.
    base = {
        "ruleset": rs("procurement.open"),
        "published_at": at(2025, 3, 5, 10, 0),
        "bid_deadline": at(2025, 3, 25),
        "calendar": CAL,
    }
    assert codes(timetable_check(**base, doc_issue_end=at(2025, 3, 11, 17, 0))) == ["doc_issue_period_short"]
    assert timetable_check(**base, doc_issue_end=at(2025, 3, 12, 17, 0)) == []


def test_procurement_open_opening_at_deadline() -> None:
    violations = timetable_check(
        ruleset=rs("procurement.open"),
        published_at=at(2025, 4, 1, 10, 0),
        bid_deadline=at(2025, 4, 21, 9, 30),
        opening_at=at(2025, 4, 21, 10, 0),
        calendar=CAL,
    )
    assert codes(violations) == ["opening_not_at_deadline"]


# -- 竞争性磋商 (10日, 5个工作日), 竞争性谈判 / 询价 (3个工作日), 单一来源 (5个工作日公示) ----------------


def test_consultation_ten_days_boundary_and_one_day_short() -> None:
    base = {
        "ruleset": rs("procurement.competitive_consultation"),
        "published_at": at(2025, 3, 3, 10, 0),
        "calendar": CAL,
    }
    assert timetable_check(**base, bid_deadline=at(2025, 3, 13)) == []
    short = timetable_check(**base, bid_deadline=at(2025, 3, 12))
    assert codes(short) == ["bid_period_short"]
    assert short[0].detail["earliest_day"] == "2025-03-13"


def test_consultation_over_spring_festival_the_document_sale_decides() -> None:
    # Issued Tuesday 10 February 2026. 10 days end on 20 February, inside 春节 (15–23 February).
    # Five working days of sale: Wed 11, Thu 12, Fri 13, Sat 14 (worked), Tue 24 ⇒ 24 February.
    ruleset = rs("procurement.competitive_consultation")
    table = timetable_compute(ruleset=ruleset, published_at=at(2026, 2, 10, 10, 0), calendar=CAL)
    assert table.doc_issue_last_day_min == D(2026, 2, 24)
    assert table.bid_deadline_earliest_day == D(2026, 2, 24)
    violations = timetable_check(
        ruleset=ruleset, published_at=at(2026, 2, 10, 10, 0), bid_deadline=at(2026, 2, 20), calendar=CAL
    )
    assert codes(violations) == ["doc_issue_period_short", "deadline_on_rest_day"]
    assert (
        timetable_check(
            ruleset=ruleset, published_at=at(2026, 2, 10, 10, 0), bid_deadline=at(2026, 2, 24), calendar=CAL
        )
        == []
    )


def test_negotiation_three_working_days_not_counting_the_weekend() -> None:
    # Issued Friday 7 March: Mon 10, Tue 11, Wed 12 ⇒ 12 March (calendar counting would give 10).
    base = {
        "ruleset": rs("procurement.competitive_negotiation"),
        "published_at": at(2025, 3, 7, 10, 0),
        "calendar": CAL,
    }
    assert timetable_check(**base, bid_deadline=at(2025, 3, 12)) == []
    short = timetable_check(**base, bid_deadline=at(2025, 3, 11))
    assert codes(short) == ["bid_period_short"]
    assert short[0].detail["earliest_day"] == "2025-03-12"


def test_inquiry_three_working_days_over_may_day() -> None:
    # Issued Wednesday 30 April 2025, 1–5 May off: Tue 6, Wed 7, Thu 8 ⇒ 8 May.
    base = {"ruleset": rs("procurement.inquiry"), "published_at": at(2025, 4, 30, 10, 0), "calendar": CAL}
    assert timetable_check(**base, bid_deadline=at(2025, 5, 8)) == []
    short = timetable_check(**base, bid_deadline=at(2025, 5, 7))
    assert codes(short) == ["bid_period_short"]
    assert short[0].detail["earliest_day"] == "2025-05-08"


def test_single_source_publicity_five_working_days() -> None:
    ruleset = rs("procurement.single_source")
    # Published Friday 7 March: Mon 10 … Fri 14 ⇒ the 公示 may end on 14 March.
    base = {"ruleset": ruleset, "published_at": at(2025, 3, 7, 10, 0), "calendar": CAL}
    assert timetable_check(**base, bid_deadline=at(2025, 3, 14, 17, 0)) == []
    short = timetable_check(**base, bid_deadline=at(2025, 3, 13, 17, 0))
    assert codes(short) == ["bid_period_short"]
    assert short[0].article == "《政府采购法实施条例》第三十八条"
    assert short[0].detail["earliest_day"] == "2025-03-14"


def test_span_counting_is_configurable_to_count_the_first_day() -> None:
    # Strict (default): from Monday 3 March the fifth working day after is Monday 10 March.
    strict = rs("procurement.single_source")
    inclusive = dataclasses.replace(strict, span_start_day_counts=True)
    base = {"published_at": at(2025, 3, 3, 10, 0), "bid_deadline": at(2025, 3, 7, 17, 0), "calendar": CAL}
    assert codes(timetable_check(ruleset=strict, **base)) == ["bid_period_short"]
    # Counting the first day, Monday 3 to Friday 7 March are five working days.
    assert timetable_check(ruleset=inclusive, **base) == []
    # Intervals (20日 to the deadline) are never affected by the setting.
    construction = dataclasses.replace(rs("construction.open"), span_start_day_counts=True)
    assert codes(
        timetable_check(
            ruleset=construction, published_at=at(2025, 3, 5, 10, 0), bid_deadline=at(2025, 3, 24), calendar=CAL
        )
    ) == ["bid_period_short"]


def test_framework_agreement_twenty_days() -> None:
    base = {"ruleset": rs("procurement.framework"), "published_at": at(2025, 3, 5, 10, 0), "calendar": CAL}
    assert timetable_check(**base, bid_deadline=at(2025, 3, 25)) == []
    assert codes(timetable_check(**base, bid_deadline=at(2025, 3, 24))) == ["bid_period_short"]


# -- prequalification (条例 第十六、十七、十九、二十一、二十二条; 采购条例 第二十一条) --------------------


def test_construction_prequalification_periods() -> None:
    ruleset = rs("construction.open_prequalification")
    # Notice Monday 3 March 2025: sale ≥ 5 days ⇒ until 8 March at least; applications ≥ 5 days
    # after the sale stops ⇒ 13 March at the earliest when the sale stops on 8 March.
    base = {"ruleset": ruleset, "published_at": at(2025, 3, 3, 10, 0), "calendar": CAL}
    assert (
        prequalification_check(**base, doc_issue_end=at(2025, 3, 8, 17, 0), application_deadline=at(2025, 3, 13)) == []
    )
    sale_short = prequalification_check(
        **base, doc_issue_end=at(2025, 3, 7, 17, 0), application_deadline=at(2025, 3, 13)
    )
    assert codes(sale_short) == ["prequal_doc_issue_period_short"]
    assert sale_short[0].detail["last_day_min"] == "2025-03-08"
    apply_short = prequalification_check(
        **base, doc_issue_end=at(2025, 3, 8, 17, 0), application_deadline=at(2025, 3, 12)
    )
    assert codes(apply_short) == ["application_period_short"]
    assert apply_short[0].article == "《招标投标法实施条例》第十七条"
    assert apply_short[0].detail["earliest_day"] == "2025-03-13"


def test_procurement_prequalification_five_working_days_from_the_notice() -> None:
    ruleset = rs("procurement.open")
    base = {"ruleset": ruleset, "published_at": at(2025, 3, 3, 10, 0), "calendar": CAL}
    assert prequalification_check(**base, application_deadline=at(2025, 3, 10)) == []
    short = prequalification_check(**base, application_deadline=at(2025, 3, 7))
    assert codes(short) == ["prequal_doc_issue_period_short", "application_period_short"]
    assert short[1].article == "《政府采购法实施条例》第二十一条第二款"
    assert short[1].detail["earliest_day"] == "2025-03-10"


def test_prequalification_check_refused_for_a_procedure_without_one() -> None:
    with pytest.raises(InvalidInput) as exc:
        prequalification_check(
            ruleset=rs("construction.open"),
            published_at=at(2025, 3, 3),
            application_deadline=at(2025, 3, 20),
            calendar=CAL,
        )
    assert exc.value.code == "prequalification_not_applicable"


def test_prequalification_fewer_than_three_passers_means_retender() -> None:
    ruleset = rs("construction.open_prequalification")
    assert prequal_passed_sufficient(ruleset=ruleset, count=2) is False
    assert prequal_passed_sufficient(ruleset=ruleset, count=3) is True
    assert prequal_passed_sufficient(ruleset=rs("construction.open"), count=0) is True


def test_prequalification_timetable() -> None:
    table = timetable_compute(
        ruleset=rs("construction.open_prequalification"), published_at=at(2025, 3, 3, 10, 0), calendar=CAL
    )
    assert table.prequal_doc_issue_last_day_min == D(2025, 3, 8)
    assert table.application_deadline_earliest_day == D(2025, 3, 13)
    # Documents issued on 13 March at the earliest ⇒ 20 days ⇒ Wednesday 2 April.
    assert table.bid_deadline_earliest_day == D(2025, 4, 2)


# -- land (国土资源部令第39号) and state property (国资委·财政部令第32号) ----------------------------------


def test_land_listing_notice_twenty_days_and_ten_working_days_over_qingming() -> None:
    ruleset = rs("land.listing")
    base = {"ruleset": ruleset, "published_at": at(2025, 3, 3, 10, 0), "calendar": CAL}
    # Listing from Monday 24 March: Tue 25 … Thu 3 April is 8, (4–6 清明), Mon 7 is 9, Tue 8 is 10.
    assert timetable_check(**base, activity_start=at(2025, 3, 24, 9, 0), bid_deadline=at(2025, 4, 8, 17, 0)) == []
    short = timetable_check(**base, activity_start=at(2025, 3, 24, 9, 0), bid_deadline=at(2025, 4, 7, 17, 0))
    assert codes(short) == ["listing_period_short"]
    assert short[0].detail["earliest_day"] == "2025-04-08"
    # Notice 3 March ⇒ the listing may start on 23 March at the earliest.
    early = timetable_check(**base, activity_start=at(2025, 3, 22, 9, 0), bid_deadline=at(2025, 4, 8, 17, 0))
    assert codes(early) == ["notice_period_short"]
    assert early[0].detail["earliest_day"] == "2025-03-23"


def test_land_listing_needs_its_start() -> None:
    with pytest.raises(InvalidInput) as exc:
        timetable_check(
            ruleset=rs("land.listing"), published_at=at(2025, 3, 3), bid_deadline=at(2025, 4, 8), calendar=CAL
        )
    assert exc.value.code == "activity_start_required"


def test_land_listing_timetable() -> None:
    table = timetable_compute(ruleset=rs("land.listing"), published_at=at(2025, 3, 3, 10, 0), calendar=CAL)
    assert table.activity_start_earliest_day == D(2025, 3, 23)
    # Ten working days after Sunday 23 March: Mon 24 … Thu 3 April (9), Mon 7 April (10).
    assert table.bid_deadline_earliest_day == D(2025, 4, 7)


def test_land_auction_notice_twenty_days_before_the_auction() -> None:
    base = {"ruleset": rs("land.auction"), "published_at": at(2025, 3, 3, 10, 0), "calendar": CAL}
    assert timetable_check(**base, bid_deadline=at(2025, 3, 21, 17, 0), opening_at=at(2025, 3, 24, 9, 0)) == []
    late = timetable_check(**base, bid_deadline=at(2025, 3, 20, 17, 0), opening_at=at(2025, 3, 21, 9, 0))
    assert codes(late) == ["notice_period_short"]


def test_land_tender_notice_twenty_days_before_bidding() -> None:
    base = {"ruleset": rs("land.tender"), "published_at": at(2025, 3, 3, 10, 0), "calendar": CAL}
    assert codes(timetable_check(**base, bid_deadline=at(2025, 3, 21))) == ["notice_period_short"]
    assert timetable_check(**base, bid_deadline=at(2025, 3, 24)) == []


def test_property_disclosure_twenty_working_days_over_national_day() -> None:
    # From Monday 15 September 2025: 16–19 (4), 22–26 (9), Sun 28 worked (10), 29 (11), 30 (12),
    # 1–8 October off, 9 (13), 10 (14), Sat 11 worked (15), 13–17 (20) ⇒ 17 October.
    base = {"ruleset": rs("property.listing"), "published_at": at(2025, 9, 15, 10, 0), "calendar": CAL}
    assert timetable_check(**base, bid_deadline=at(2025, 10, 17, 17, 0)) == []
    short = timetable_check(**base, bid_deadline=at(2025, 10, 16, 17, 0))
    assert codes(short) == ["bid_period_short"]
    assert short[0].detail["earliest_day"] == "2025-10-17"


# -- objections ------------------------------------------------------------------------------------


def test_construction_objection_to_tender_documents_ten_days_before_the_deadline() -> None:
    ruleset = rs("construction.open")
    deadline = at(2025, 3, 25, 9, 30)
    kwargs = {"ruleset": ruleset, "kind": "tender_documents", "bid_deadline": deadline, "publicity_end": None}
    assert objection_window_check(**kwargs, filed_at=at(2025, 3, 15, 23, 59), calendar=CAL) is None
    late = objection_window_check(**kwargs, filed_at=at(2025, 3, 16, 8, 0), calendar=CAL)
    assert late is not None
    assert late.code == "objection_late"
    assert late.article == "《招标投标法实施条例》第二十二条"
    assert late.detail["last_day"] == "2025-03-15"


def test_construction_objection_reply_three_days_rolled_off_rest_days() -> None:
    ruleset = rs("construction.open")
    # Friday 14 March ⇒ Monday 17 March, due at its 24:00.
    assert objection_reply_due(
        ruleset=ruleset, kind="tender_documents", filed_at=at(2025, 3, 14, 16, 0), calendar=CAL
    ) == at(2025, 3, 18, 0, 0)
    # Wednesday 12 March ⇒ Saturday 15 ⇒ Monday 17 March (民法典 第二百零三条).
    assert objection_reply_due(
        ruleset=ruleset, kind="tender_documents", filed_at=at(2025, 3, 12, 16, 0), calendar=CAL
    ) == at(2025, 3, 18, 0, 0)
    # Monday 29 September ⇒ Thursday 2 October (国庆) ⇒ Thursday 9 October.
    assert objection_reply_due(
        ruleset=ruleset, kind="evaluation_result", filed_at=at(2025, 9, 29, 16, 0), calendar=CAL
    ) == at(2025, 10, 10, 0, 0)


def test_prequalification_objection_two_days_before_the_application_deadline() -> None:
    ruleset = rs("construction.open_prequalification")
    kwargs = {"ruleset": ruleset, "kind": "prequalification_documents", "bid_deadline": at(2025, 3, 13, 9, 0)}
    assert objection_window_check(**kwargs, filed_at=at(2025, 3, 11, 20, 0), publicity_end=None, calendar=CAL) is None
    late = objection_window_check(**kwargs, filed_at=at(2025, 3, 12, 8, 0), publicity_end=None, calendar=CAL)
    assert late is not None
    assert late.code == "objection_late"
    assert late.detail["last_day"] == "2025-03-11"


def test_opening_objection_only_on_the_spot() -> None:
    ruleset = rs("construction.open")
    opening = at(2025, 3, 25, 9, 30)
    kwargs = {"ruleset": ruleset, "kind": "opening", "bid_deadline": opening, "publicity_end": None, "calendar": CAL}
    assert objection_window_check(**kwargs, filed_at=at(2025, 3, 25, 10, 0)) is None
    before = objection_window_check(**kwargs, filed_at=at(2025, 3, 25, 9, 0))
    assert before is not None
    assert before.code == "objection_before_opening"
    after = objection_window_check(**kwargs, filed_at=at(2025, 3, 26, 9, 0))
    assert after is not None
    assert after.code == "objection_not_on_the_spot"
    assert after.article == "《招标投标法实施条例》第四十四条第三款"
    filed = at(2025, 3, 25, 10, 0)
    assert objection_reply_due(ruleset=ruleset, kind="opening", filed_at=filed, calendar=CAL) == filed


def test_objection_to_candidates_within_the_publicity() -> None:
    ruleset = rs("construction.open")
    end = at(2025, 4, 4, 17, 0)
    kwargs = {"ruleset": ruleset, "kind": "evaluation_result", "bid_deadline": None, "publicity_end": end}
    assert objection_window_check(**kwargs, filed_at=at(2025, 4, 4, 16, 59), calendar=CAL) is None
    late = objection_window_check(**kwargs, filed_at=at(2025, 4, 4, 17, 1), calendar=CAL)
    assert late is not None
    assert late.code == "objection_outside_publicity"
    assert late.article == "《招标投标法实施条例》第五十四条第二款"
    with pytest.raises(InvalidInput) as exc:
        objection_window_check(
            ruleset=ruleset,
            kind="evaluation_result",
            filed_at=at(2025, 4, 3),
            bid_deadline=None,
            publicity_end=None,
            calendar=CAL,
        )
    assert exc.value.code == "objection_reference_missing"


def test_objection_kind_the_procedure_does_not_know_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        objection_reply_due(
            ruleset=rs("construction.open"), kind="single_source_publicity", filed_at=at(2025, 3, 3), calendar=CAL
        )
    assert exc.value.code == "objection_kind_unknown"
    with pytest.raises(InvalidInput) as exc:
        objection_window_check(
            ruleset=rs("land.listing"),
            kind="tender_documents",
            filed_at=at(2025, 3, 3),
            bid_deadline=at(2025, 4, 8),
            publicity_end=None,
            calendar=CAL,
        )
    assert exc.value.code == "objection_kind_unknown"


def test_procurement_challenge_to_documents_seven_working_days() -> None:
    ruleset = rs("procurement.open")
    # Documents' provision ends Friday 7 March: Mon 10 … Fri 14 (5), Mon 17 (6), Tue 18 (7).
    kwargs = {
        "ruleset": ruleset,
        "kind": "tender_documents",
        "bid_deadline": at(2025, 3, 25),
        "publicity_end": None,
        "reference_at": at(2025, 3, 7, 17, 0),
        "calendar": CAL,
    }
    assert objection_window_check(**kwargs, filed_at=at(2025, 3, 18, 23, 59)) is None
    late = objection_window_check(**kwargs, filed_at=at(2025, 3, 19, 0, 0))
    assert late is not None
    assert late.code == "objection_late"
    assert late.detail["last_day"] == "2025-03-18"
    assert late.article == "《政府采购法》第五十二条；《政府采购法实施条例》第五十三条第（一）项"


def test_procurement_challenge_to_the_result_counts_worked_weekends() -> None:
    ruleset = rs("procurement.competitive_consultation")
    # Result notice ends Friday 26 September 2025: Sun 28 (1), 29 (2), 30 (3), 9 Oct (4), 10 (5),
    # Sat 11 (6), Mon 13 (7).
    kwargs = {
        "ruleset": ruleset,
        "kind": "evaluation_result",
        "bid_deadline": None,
        "publicity_end": at(2025, 9, 26, 17, 0),
        "calendar": CAL,
    }
    assert objection_window_check(**kwargs, filed_at=at(2025, 10, 13, 16, 0)) is None
    late = objection_window_check(**kwargs, filed_at=at(2025, 10, 14, 9, 0))
    assert late is not None
    assert late.detail["last_day"] == "2025-10-13"


def test_procurement_challenge_reply_seven_working_days_and_inquiry_three() -> None:
    ruleset = rs("procurement.open")
    assert objection_reply_due(
        ruleset=ruleset, kind="tender_documents", filed_at=at(2025, 3, 7, 16, 0), calendar=CAL
    ) == at(2025, 3, 19, 0, 0)
    # 询问 on Wednesday 30 April 2025: Tue 6, Wed 7, Thu 8 May ⇒ due at the end of 8 May.
    assert objection_reply_due(ruleset=ruleset, kind="inquiry", filed_at=at(2025, 4, 30, 16, 0), calendar=CAL) == at(
        2025, 5, 9, 0, 0
    )
    assert (
        objection_window_check(
            ruleset=ruleset,
            kind="inquiry",
            filed_at=at(2025, 12, 1),
            bid_deadline=None,
            publicity_end=None,
            calendar=CAL,
        )
        is None
    )


def test_single_source_publicity_objection_and_its_reply_after_the_publicity() -> None:
    ruleset = rs("procurement.single_source")
    end = at(2025, 3, 10, 17, 0)
    kwargs = {"ruleset": ruleset, "kind": "single_source_publicity", "bid_deadline": None, "publicity_end": end}
    assert objection_window_check(**kwargs, filed_at=at(2025, 3, 10, 12, 0), calendar=CAL) is None
    late = objection_window_check(**kwargs, filed_at=at(2025, 3, 11, 9, 0), calendar=CAL)
    assert late is not None
    assert late.code == "objection_outside_publicity"
    # Five working days after the publicity ends on Monday 10 March ⇒ Monday 17 March.
    assert objection_reply_due(
        ruleset=ruleset, kind="single_source_publicity", filed_at=at(2025, 3, 5, 9, 0), publicity_end=end, calendar=CAL
    ) == at(2025, 3, 18, 0, 0)
    with pytest.raises(InvalidInput) as exc:
        objection_reply_due(ruleset=ruleset, kind="single_source_publicity", filed_at=at(2025, 3, 5), calendar=CAL)
    assert exc.value.code == "objection_reference_missing"


# -- publicity (条例 第五十四条; 87号令) -----------------------------------------------------------------


def test_candidate_publicity_three_days() -> None:
    ruleset = rs("construction.open")
    # From Tuesday 1 April 2025: at least until Friday 4 April (清明 — a publicity may run through it).
    assert publicity_last_day_min(ruleset=ruleset, kind="candidates", start=at(2025, 4, 1, 10, 0), calendar=CAL) == (
        D(2025, 4, 4)
    )
    assert (
        publicity_check(
            ruleset=ruleset, kind="candidates", start=at(2025, 4, 1, 10, 0), end=at(2025, 4, 4, 17, 0), calendar=CAL
        )
        is None
    )
    short = publicity_check(
        ruleset=ruleset, kind="candidates", start=at(2025, 4, 1, 10, 0), end=at(2025, 4, 3, 17, 0), calendar=CAL
    )
    assert short is not None
    assert short.code == "publicity_period_short"
    assert short.article == "《招标投标法实施条例》第五十四条第一款"
    assert short.detail["last_day_min"] == "2025-04-04"


def test_candidates_published_within_three_days_of_the_report() -> None:
    ruleset = rs("construction.open")
    # Report received Friday 28 March ⇒ due by the end of Monday 31 March.
    assert candidate_publicity_due(ruleset=ruleset, report_received_at=at(2025, 3, 28, 15, 0), calendar=CAL) == at(
        2025, 4, 1, 0, 0
    )
    late = publicity_check(
        ruleset=ruleset,
        kind="candidates",
        start=at(2025, 4, 1, 10, 0),
        end=at(2025, 4, 4, 17, 0),
        report_received_at=at(2025, 3, 28, 15, 0),
        calendar=CAL,
    )
    assert late is not None
    assert late.code == "publicity_late"
    assert (
        publicity_check(
            ruleset=ruleset,
            kind="candidates",
            start=at(2025, 3, 31, 10, 0),
            end=at(2025, 4, 3, 17, 0),
            report_received_at=at(2025, 3, 28, 15, 0),
            calendar=CAL,
        )
        is None
    )


def test_procurement_result_notice_one_working_day() -> None:
    ruleset = rs("procurement.open")
    short = publicity_check(
        ruleset=ruleset, kind="result", start=at(2025, 3, 7, 10, 0), end=at(2025, 3, 9, 17, 0), calendar=CAL
    )
    assert short is not None
    assert short.detail["last_day_min"] == "2025-03-10"
    assert (
        publicity_check(
            ruleset=ruleset, kind="result", start=at(2025, 3, 7, 10, 0), end=at(2025, 3, 10, 9, 0), calendar=CAL
        )
        is None
    )
    with pytest.raises(InvalidInput) as exc:
        publicity_check(ruleset=ruleset, kind="candidates", start=at(2025, 3, 7), end=at(2025, 3, 10), calendar=CAL)
    assert exc.value.code == "publicity_kind_unknown"


def test_property_result_notice_five_working_days() -> None:
    assert publicity_last_day_min(
        ruleset=rs("property.listing"), kind="result", start=at(2025, 9, 26, 10, 0), calendar=CAL
    ) == D(2025, 10, 10)


# -- timetable -------------------------------------------------------------------------------------


def test_construction_timetable_with_its_cutoffs() -> None:
    table = timetable_compute(
        ruleset=rs("construction.open"),
        published_at=at(2025, 3, 5, 10, 0),
        bid_deadline=at(2025, 3, 25, 9, 30),
        calendar=CAL,
    )
    assert table.doc_issue_last_day_min == D(2025, 3, 10)
    assert table.bid_deadline_earliest_day == D(2025, 3, 25)
    # Amendments affecting bids: by 10 March (15 days before 25 March), i.e. before 11 March 00:00.
    assert table.amendment_cutoff == at(2025, 3, 11, 0, 0)
    # Objections to the documents: by 15 March (10 days before).
    assert table.objection_cutoffs == (("tender_documents", at(2025, 3, 16, 0, 0)),)
    data = table.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["amendment_cutoff"] == "2025-03-11T00:00:00+08:00"
    assert data["bid_deadline_earliest_day"] == "2025-03-25"


def test_timetable_cutoffs_for_working_day_leads() -> None:
    table = timetable_compute(
        ruleset=rs("procurement.competitive_negotiation"),
        published_at=at(2025, 3, 3, 10, 0),
        bid_deadline=at(2025, 3, 12, 9, 0),
        calendar=CAL,
    )
    # Three working days before Wednesday 12 March: an amendment on Sunday 9 March still leaves
    # Monday, Tuesday and Wednesday; Monday does not.
    assert table.amendment_cutoff == at(2025, 3, 10, 0, 0)
    assert table.bid_deadline_earliest_day == D(2025, 3, 6)


# -- bid security, counts, approvals ----------------------------------------------------------------


def test_construction_bid_security_two_percent_of_the_estimate() -> None:
    ruleset = rs("construction.open")
    assert ruleset.bid_security_cap is not None
    assert ruleset.bid_security_cap.ratio == Fraction(2, 100)
    estimate = 1_000_000_000  # 10,000,000.00 yuan
    assert bid_security_check(ruleset=ruleset, estimate_fen=estimate, security_fen=20_000_000) is None
    over = bid_security_check(ruleset=ruleset, estimate_fen=estimate, security_fen=20_000_001)
    assert over is not None
    assert over.code == "bid_security_over_cap"
    assert over.article == "《招标投标法实施条例》第二十六条"
    assert over.detail["cap_fen"] == 20_000_000
    assert "招标项目估算价的2%" in over.message
    assert "200,000.00元" in over.message


def test_bid_security_cap_is_exact_to_the_fen() -> None:
    # 2% of 1,234,567.89 yuan is 24,691.3578 yuan: 2,469,135 fen is within, 2,469,136 is not.
    ruleset = rs("procurement.open")
    assert bid_security_check(ruleset=ruleset, estimate_fen=123_456_789, security_fen=2_469_135) is None
    over = bid_security_check(ruleset=ruleset, estimate_fen=123_456_789, security_fen=2_469_136)
    assert over is not None
    assert over.detail["cap_fen"] == 2_469_135
    assert over.article == "《政府采购法实施条例》第三十三条"
    assert "采购项目预算金额的2%" in over.message


@pytest.mark.parametrize(
    ("estimate", "security", "code"),
    [(1_000_000, -1, "bid_security_negative"), (0, 0, "estimate_invalid"), (1_000_000, 1.5, "money_invalid")],
)
def test_bid_security_bad_input(estimate: int, security: object, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        bid_security_check(ruleset=rs("construction.open"), estimate_fen=estimate, security_fen=security)  # type: ignore[arg-type]
    assert exc.value.code == code


def test_land_deposit_has_no_statutory_cap() -> None:
    assert bid_security_check(ruleset=rs("land.listing"), estimate_fen=100, security_fen=10_000) is None


@pytest.mark.parametrize(
    ("procedure", "minimum", "outcome"),
    [
        ("construction.open", 3, InsufficientOutcome.RETENDER),
        ("construction.invited_prequalification", 3, InsufficientOutcome.RETENDER),
        ("procurement.open", 3, InsufficientOutcome.RETENDER),
        ("procurement.competitive_negotiation", 3, InsufficientOutcome.RETENDER),
        ("procurement.competitive_consultation", 3, InsufficientOutcome.RETENDER),
        ("procurement.inquiry", 3, InsufficientOutcome.RETENDER),
        ("procurement.single_source", 1, InsufficientOutcome.RETENDER),
        ("procurement.framework", 2, InsufficientOutcome.RETENDER),
        ("land.tender", 3, InsufficientOutcome.RETENDER),
        ("land.auction", 3, InsufficientOutcome.TERMINATE),
        ("land.listing", 1, InsufficientOutcome.RELIST),
        ("property.listing", 1, InsufficientOutcome.RELIST),
    ],
)
def test_minimum_number_of_bids(procedure: str, minimum: int, outcome: InsufficientOutcome) -> None:
    ruleset = rs(procedure)
    assert bids_sufficient(ruleset=ruleset, count=minimum - 1) is False
    assert bids_sufficient(ruleset=ruleset, count=minimum) is True
    assert bids_insufficient_outcome(ruleset=ruleset) == outcome.value


def test_counts_must_be_non_negative_integers() -> None:
    for bad in (-1, True, 2.0):
        with pytest.raises(InvalidInput) as exc:
            bids_sufficient(ruleset=rs("construction.open"), count=bad)  # type: ignore[arg-type]
        assert exc.value.code == "count_invalid"


@pytest.mark.parametrize(
    "procedure",
    [
        "construction.invited",
        "construction.invited_prequalification",
        "procurement.invited",
        "procurement.competitive_negotiation",
        "procurement.inquiry",
        "procurement.competitive_consultation",
    ],
)
def test_at_least_three_invitees(procedure: str) -> None:
    assert invitees_sufficient(ruleset=rs(procedure), count=2) is False
    assert invitees_sufficient(ruleset=rs(procedure), count=3) is True


def test_open_procedures_have_no_invitee_minimum() -> None:
    assert invitees_sufficient(ruleset=rs("construction.open"), count=0) is True


def test_state_property_goes_to_an_open_contest_from_two_buyers() -> None:
    ruleset = rs("property.listing")
    assert competition_required(ruleset=ruleset, count=1) is False
    assert competition_required(ruleset=ruleset, count=2) is True
    assert ruleset.competition_min is not None
    assert ruleset.competition_min.article == "《企业国有资产法》第五十四条第二款"
    assert competition_required(ruleset=rs("land.listing"), count=5) is False


def test_notices_are_approved_by_centre_staff() -> None:
    for procedure in Procedure:
        assert notice_approval_roles(ruleset=rs(procedure.value)) == ("centre_staff",)


# -- lifecycle -------------------------------------------------------------------------------------


def test_every_status_has_its_transitions() -> None:
    assert set(TRANSITIONS) == set(SectionStatus)
    assert TRANSITIONS[SectionStatus.ARCHIVED] == frozenset()
    for (source, target), skipped in SHORTCUTS.items():
        assert target in TRANSITIONS[source]
        assert skipped


def test_construction_happy_path() -> None:
    ruleset = rs("construction.open")
    path = ["draft", "published", "accepting_bids", "opening", "evaluating", "candidates", "awarded", "contracted"]
    for current, target in zip(path, [*path[1:], "archived"], strict=True):
        assert transition_check(current=current, target=target, ruleset=ruleset) is None


def test_failed_section_keeps_its_history_and_is_only_archived() -> None:
    # A re-tender is a new section with codes of its own, so the failed one never reopens.
    assert transition_check(current="accepting_bids", target="failed") is None
    violation = transition_check(current="failed", target="draft")
    assert violation is not None
    assert violation.code == "transition_invalid"
    assert transition_check(current="failed", target="archived") is None


def test_prequalification_stage_leads_to_invitation_or_failure() -> None:
    assert transition_check(current="draft", target="prequalification") is None
    assert transition_check(current="prequalification", target="published") is None
    assert transition_check(current="prequalification", target="failed") is None
    violation = transition_check(current="prequalification", target="accepting_bids")
    assert violation is not None
    assert violation.code == "transition_invalid"


def test_illegal_transition_is_refused() -> None:
    violation = transition_check(current="published", target="contracted")
    assert violation is not None
    assert violation.code == "transition_invalid"
    assert violation.detail == {
        "current": "published",
        "target": "contracted",
        "allowed": ["accepting_bids", "terminated"],
    }
    assert "已发布" in violation.message
    assert transition_check(current="archived", target="draft") is not None


def test_construction_cannot_skip_the_candidate_publicity() -> None:
    violation = transition_check(current="evaluating", target="awarded", ruleset=rs("construction.open"))
    assert violation is not None
    assert violation.code == "transition_skips_required_step"
    assert violation.detail["skipped"] == ["candidates"]
    assert violation.article == "《招标投标法实施条例》第五十四条第一款"
    assert transition_check(current="evaluating", target="awarded", ruleset=rs("procurement.open")) is None


def test_auctions_go_from_the_close_to_the_award_but_tenders_do_not() -> None:
    assert transition_check(current="opening", target="awarded", ruleset=rs("land.auction")) is None
    assert transition_check(current="opening", target="awarded", ruleset=rs("property.listing")) is None
    violation = transition_check(current="opening", target="awarded", ruleset=rs("procurement.open"))
    assert violation is not None
    assert violation.detail["skipped"] == ["evaluating"]


def test_unknown_status_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        transition_check(current="draft", target="published_ok")
    assert exc.value.code == "status_unknown"


# -- every rule cites its article -------------------------------------------------------------------


@pytest.mark.parametrize("procedure", [p.value for p in Procedure])
def test_every_rule_cites_an_article(procedure: str) -> None:
    rows = rules_table(ruleset=rs(procedure))
    assert rows
    for row in rows:
        assert row["article"], row
        assert row["source"] in {"law", "web", "gk"}
    # Numbers marked as checked against the law text name a law held in shared/reference/laws.
    for row in rows:
        if row["source"] == "law":
            assert any(
                name in row["article"] for name in ("《招标投标法", "《政府采购法", "《企业国有资产法》", "《民法典》")
            ), row


def test_only_procedures_with_open_prices_or_one_supplier_take_no_sealed_bids() -> None:
    unsealed = {p.value for p in rules.Procedure if not rs(p.value).sealed_bids}
    assert unsealed == {"procurement.single_source", "land.auction", "land.listing", "property.listing"}
