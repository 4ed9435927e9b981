"""The centre's periodic task: the morning duty reminders, sent as the system, once each."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.contexts.center import roster
from zhengwu.contexts.center.models import DutyAssignment
from zhengwu.contexts.center.tasks import REMINDER_ACTOR, center_duty_reminders_send
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    departments_make,
    people_make,
)
from zhengwu.kernel.clock import CHINA_TZ, clock_set
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_morning_task_reminds_the_coming_duties_once_as_the_system() -> None:
    staff = people_make()["staff"]
    departments_make(by=staff)
    roster.roster_publish(roster=roster.roster_generate(year=2026, per_day=3, by=staff), by=staff)
    # 2026-03-06 08:30 Beijing: the duty of 03-10 is four days away, too early.
    clock_set(dt.datetime(2026, 3, 6, 8, 30, tzinfo=CHINA_TZ))
    assert center_duty_reminders_send.call_local() == 0
    clock_set(dt.datetime(2026, 3, 7, 8, 30, tzinfo=CHINA_TZ))
    assert center_duty_reminders_send.call_local() == 3
    reminded = DutyAssignment.objects.filter(reminded_at__isnull=False)
    assert sorted(reminded.values_list("department__code", flat=True)) == ["D07", "D08", "D09"]
    notices = AuditEntry.objects.filter(action="center.notice.send")
    assert notices.count() == 3
    assert set(notices.values_list("actor_username", flat=True)) == {REMINDER_ACTOR}
    # Idempotent: the same morning again (a restarted worker) sends nothing more.
    assert center_duty_reminders_send.call_local() == 0
    assert AuditEntry.objects.filter(action="center.notice.send").count() == 3


def test_the_task_runs_once_a_day_at_half_past_eight_beijing_time() -> None:
    # The consumer checks crontabs against UTC: 00:30 UTC is 08:30 in Beijing.
    schedule = center_duty_reminders_send.s()
    utc_times = [dt.datetime(2026, 3, 7, hour, minute) for hour in range(24) for minute in range(60)]
    due = [moment for moment in utc_times if schedule.validate_datetime(moment)]
    assert due == [dt.datetime(2026, 3, 7, 0, 30)]
