"""rules.doc_issue_resume: the document issue period given back after a suspension (no database).

Expected dates are worked out by hand from the 2026 calendar shipped with the platform (清明:
4–6 April are holidays; 7 March 2026 is a Saturday).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhengwu.contexts.tendering.rules import RuleSet, doc_issue_resume, ruleset_for
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import WorkCalendar
from zhengwu.platform.workdays.defaults import defaults_rows

CAL = WorkCalendar.from_rows([(row.date, row.kind, row.name) for _, rows_ in defaults_rows() for row in rows_])


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


def rs(procedure: str) -> RuleSet:
    return ruleset_for(procedure=procedure, on=dt.date(2026, 3, 1))


TENDER = rs("construction.open")
CONSULTATION = rs("procurement.competitive_consultation")
# Documents issued from Monday 2 March 10:00 for 5 days (3..7 March), closing Saturday 7 March 17:00.
END = at(2026, 3, 7, 17, 0)
DEADLINE = at(2026, 3, 24, 9, 30)


def resume(
    suspended_at: dt.datetime,
    resumed_at: dt.datetime,
    *,
    end: dt.datetime = END,
    deadline: dt.datetime | None = DEADLINE,
    ruleset: RuleSet = TENDER,
) -> dt.datetime:
    return doc_issue_resume(
        ruleset=ruleset,
        doc_issue_end=end,
        suspended_at=suspended_at,
        resumed_at=resumed_at,
        bid_deadline=deadline,
        calendar=CAL,
    )


def test_the_rule_sets_count_the_issue_period_as_the_law_says() -> None:
    # What the arithmetic follows: 5 calendar days for tenders (实施条例 第十六条), 5 working days
    # for 竞争性磋商 (whose 质疑 does not suspend, but the rule does not depend on that).
    assert TENDER.doc_issue_min is not None
    assert CONSULTATION.doc_issue_min is not None
    assert (TENDER.doc_issue_min.period.amount, TENDER.doc_issue_min.period.unit) == (5, "calendar")
    assert "第十六条" in TENDER.doc_issue_min.article
    assert (CONSULTATION.doc_issue_min.period.amount, CONSULTATION.doc_issue_min.period.unit) == (5, "working")


def test_suspended_on_day_2_of_5_and_answered_3_days_later_gets_the_3_remaining_days_back() -> None:
    # Suspended on Wednesday 4 March (day 2 of 3..7): 5, 6 and 7 March were left. Answered on
    # Saturday 7 March: 8, 9 and 10 March are given, closing at 17:00 as before.
    assert resume(at(2026, 3, 4, 11), at(2026, 3, 7, 11)) == at(2026, 3, 10, 17, 0)


def test_suspended_after_the_issue_period_ended_changes_nothing() -> None:
    assert resume(at(2026, 3, 7, 17, 0), at(2026, 3, 12, 10)) == END
    assert resume(at(2026, 3, 8, 9), at(2026, 3, 12, 10)) == END


def test_answered_the_same_day_changes_nothing() -> None:
    assert resume(at(2026, 3, 4, 11), at(2026, 3, 4, 16)) == END


def test_suspended_on_the_last_day_and_resumed_after_its_hour_gives_the_next_day() -> None:
    # Saturday 7 March 15:00, two hours of issue left; answered Monday 9 March at 18:00, after
    # 17:00: the documents are issued again until Tuesday 10 March 17:00.
    assert resume(at(2026, 3, 7, 15), at(2026, 3, 9, 18)) == at(2026, 3, 10, 17, 0)
    # Answered Monday 9 March at 09:00: that day until 17:00 is given back.
    assert resume(at(2026, 3, 7, 15), at(2026, 3, 9, 9)) == at(2026, 3, 9, 17, 0)


def test_only_the_issue_days_actually_lost_are_given_back() -> None:
    # Documents issued only from Thursday 5 March 09:00 to Tuesday 10 March 17:00 (5 days).
    start, end = at(2026, 3, 5, 9, 0), at(2026, 3, 10, 17, 0)

    def later(suspended: dt.datetime, resumed: dt.datetime) -> dt.datetime:
        return doc_issue_resume(
            ruleset=TENDER,
            doc_issue_end=end,
            doc_issue_start=start,
            suspended_at=suspended,
            resumed_at=resumed,
            bid_deadline=DEADLINE,
            calendar=CAL,
        )

    # Suspended and lifted before the issue began: nothing was lost.
    assert later(at(2026, 3, 3, 10), at(2026, 3, 4, 16)) == end
    # Suspended before it began, lifted on Saturday 7 March: the 5 days run again (8..12 March),
    # not the 7 days from the suspension to the end.
    assert later(at(2026, 3, 3, 10), at(2026, 3, 7, 10)) == at(2026, 3, 12, 17, 0)
    # Without the start, the days from the suspension are counted (the section's start is known
    # in the service, which passes it).
    assert resume(at(2026, 3, 3, 10), at(2026, 3, 7, 10), end=end) == at(2026, 3, 14, 17, 0)


def test_the_issue_period_never_outlasts_the_bid_deadline() -> None:
    # Four days left (4..7 March), answered 22 March: 26 March would be after the 24 March deadline.
    assert resume(at(2026, 3, 3, 10), at(2026, 3, 22, 10)) == DEADLINE
    # With a moved deadline (as the answer decides it) the days fit again.
    assert resume(at(2026, 3, 3, 10), at(2026, 3, 22, 10), deadline=at(2026, 4, 6, 9, 30)) == at(2026, 3, 26, 17, 0)


def test_calendar_days_run_through_a_holiday() -> None:
    # Tenders count calendar days: issue until Friday 3 April 17:00, suspended Wednesday 1 April
    # (2 and 3 April left), answered Friday 3 April → 4 and 5 April, 清明 or not.
    end = at(2026, 4, 3, 17, 0)
    assert resume(at(2026, 4, 1, 10), at(2026, 4, 3, 9), end=end, deadline=at(2026, 4, 30)) == at(2026, 4, 5, 17, 0)


def test_working_days_skip_a_holiday() -> None:
    # Working days: issue until Thursday 2 April 17:00, suspended Tuesday 31 March (1 and 2 April
    # left: two working days), answered Friday 3 April → 7 and 8 April (4–6 April is 清明).
    end = at(2026, 4, 2, 17, 0)
    assert resume(
        at(2026, 3, 31, 10), at(2026, 4, 3, 9), end=end, deadline=at(2026, 4, 30), ruleset=CONSULTATION
    ) == at(2026, 4, 8, 17, 0)
    # Suspended on the last day, resumed Friday 3 April after 17:00: the next working day is 7 April.
    assert resume(
        at(2026, 4, 2, 15), at(2026, 4, 3, 18), end=end, deadline=at(2026, 4, 30), ruleset=CONSULTATION
    ) == at(2026, 4, 7, 17, 0)


def test_times_are_compared_in_beijing_whatever_the_zone_given() -> None:
    # 03:00 UTC on 4 March is 11:00 in Beijing: the same case as day 2 of 5 above.
    suspended_utc = dt.datetime(2026, 3, 4, 3, 0, tzinfo=dt.UTC)  # 11:00 Beijing, 4 March
    assert resume(suspended_utc, at(2026, 3, 7, 11)) == at(2026, 3, 10, 17, 0)


def test_bad_instants_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        resume(dt.datetime(2026, 3, 4, 11), at(2026, 3, 7, 11))  # naive on purpose
    assert caught.value.code == "datetime_naive"
    with pytest.raises(InvalidInput) as caught:
        resume(at(2026, 3, 5, 11), at(2026, 3, 4, 11))
    assert caught.value.code == "resume_before_suspension"


@settings(max_examples=200, deadline=None)
@given(
    suspended_offset=st.integers(min_value=0, max_value=12 * 24),
    pause_hours=st.integers(min_value=0, max_value=20 * 24),
    working=st.booleans(),
)
def test_the_end_never_moves_earlier_never_passes_the_deadline_and_leaves_the_days_that_were_left(
    suspended_offset: int, pause_hours: int, working: bool
) -> None:
    ruleset = CONSULTATION if working else TENDER
    deadline = at(2026, 4, 24, 9, 30)
    suspended = at(2026, 3, 2, 10, 0) + dt.timedelta(hours=suspended_offset)
    resumed = suspended + dt.timedelta(hours=pause_hours)
    new_end = resume(suspended, resumed, deadline=deadline, ruleset=ruleset)
    assert END <= new_end <= deadline
    if suspended >= END:
        assert new_end == END
        return
    if new_end < deadline:
        assert new_end.astimezone(CHINA_TZ).time() == END.astimezone(CHINA_TZ).time()
        assert new_end > resumed
        s, e, r, n = (x.astimezone(CHINA_TZ).date() for x in (suspended, END, resumed, new_end))
        if working:
            assert CAL.workdays_between(r, n) >= CAL.workdays_between(s, e)
        else:
            assert (n - r).days >= (e - s).days
