"""Rules of supervision that need no database: whether a legal deadline was kept."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class DeadlineState(StrEnum):
    UNKNOWN = "unknown"  # no deadline known yet (the award has not arrived)
    PENDING = "pending"  # not done, still within the deadline
    OVERDUE = "overdue"  # not done, and the deadline has passed
    DONE = "done"  # done within the deadline
    DONE_LATE = "done_late"  # done after the deadline


def deadline_state(*, due: dt.date | None, done_on: dt.date | None, late: bool, today: dt.date) -> DeadlineState:
    """Where a step with a statutory deadline stands (书面报告 15 日, 合同 30 日; 招标投标法 第四十六、四十七条).

    ``due`` is the last day allowed (Beijing date): a step done on that day is in time. ``late``
    is the sender's own finding; the step counts as late if either it or the dates say so.
    """
    if done_on is not None:
        return DeadlineState.DONE_LATE if late or (due is not None and done_on > due) else DeadlineState.DONE
    if due is None:
        return DeadlineState.UNKNOWN
    return DeadlineState.OVERDUE if today > due else DeadlineState.PENDING
