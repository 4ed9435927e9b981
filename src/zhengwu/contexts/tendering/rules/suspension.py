"""What a suspension (暂停招标投标活动) takes from the tender and what its end gives back.

招标投标法实施条例 第二十二条: an objection to the tender documents is answered within 3 days, and
until it is answered the tender activity stops. Nobody can obtain the documents meanwhile, so the
issue period (实施条例 第十六条: not less than 5 days) lost the days the tender stood still. The
law says nothing of how they are given back; the reading taken here is that the bidders must be
left at least the issue days they still had when the tender stopped.
"""

from __future__ import annotations

import datetime as dt

from zhengwu.contexts.tendering.rules.model import CALENDAR, RuleSet, _local
from zhengwu.contexts.tendering.rules.periods import _at_same_time
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import WorkCalendar


def doc_issue_resume(
    *,
    ruleset: RuleSet,
    doc_issue_end: dt.datetime,
    suspended_at: dt.datetime,
    resumed_at: dt.datetime,
    bid_deadline: dt.datetime | None,
    calendar: WorkCalendar,
    doc_issue_start: dt.datetime | None = None,
) -> dt.datetime:
    """The end of the document issue period once a suspension that began at ``suspended_at`` ends.

    Days are counted as the issue period itself is (``ruleset.doc_issue_min``: calendar days for
    tenders, 实施条例 第十六条; working days where the rule set says 工作日), by Beijing date and
    without the day of the event (民法典 第二百零一条): the days of issue left after the day it was
    suspended are left again after the day it resumed, at the original end's time of day.

    - Suspended when the issue period had already ended, or lifted before it began
      (``doc_issue_start``): unchanged (nothing was lost). Suspended before it began and lifted
      after: the whole period runs again from the day it resumed.
    - Answered the same day: unchanged (no whole day was lost).
    - Suspended on the last day and resumed after its hour: the issue runs to the same hour of
      the next (working) day, so the part of the day that was lost is given back.
    - Never earlier than the original end, and never after ``bid_deadline`` (the deadline as it
      stands once the answer has moved it; the issue period cannot outlast it).
    """
    end = _local(doc_issue_end, "doc_issue_end")
    suspended = _local(suspended_at, "suspended_at")
    resumed = _local(resumed_at, "resumed_at")
    if resumed < suspended:
        raise InvalidInput(
            "恢复时间不得早于暂停时间",
            code="resume_before_suspension",
            detail={"suspended_at": suspended.isoformat(), "resumed_at": resumed.isoformat()},
        )
    if suspended >= end:
        return doc_issue_end
    if doc_issue_start is not None:
        start = _local(doc_issue_start, "doc_issue_start")
        if resumed <= start:
            return doc_issue_end
        # Only what was lost of the issue period counts: none of it before it began.
        suspended = max(suspended, start)
    working = ruleset.doc_issue_min is not None and ruleset.doc_issue_min.period.unit != CALENDAR
    if working:
        left = max(calendar.workdays_between(suspended.date(), end.date()), 0)
        new_day = calendar.workday_add(resumed.date(), left)
    else:
        left = max((end.date() - suspended.date()).days, 0)
        new_day = calendar.calendar_day_add(resumed.date(), left)
    new_end = _at_same_time(new_day, doc_issue_end)
    if new_end <= resumed_at:
        # Only when it was suspended on the last day and resumed after that day's closing hour.
        following = calendar.workday_add(resumed.date(), 1) if working else resumed.date() + dt.timedelta(days=1)
        new_end = _at_same_time(following, doc_issue_end)
    new_end = max(new_end, doc_issue_end)
    if bid_deadline is not None and new_end > bid_deadline:
        new_end = bid_deadline
    return new_end
