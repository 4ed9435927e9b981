"""The centre's periodic tasks: the morning duty and loan reminders, sent as the system, once each."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.contexts.center import library, roster
from zhengwu.contexts.center.demo_library import demo_isbn
from zhengwu.contexts.center.models import DutyAssignment, Loan
from zhengwu.contexts.center.tasks import (
    LOAN_REMINDER_ACTOR,
    REMINDER_ACTOR,
    center_duty_reminders_send,
    center_loan_reminders_send,
)
from zhengwu.contexts.center.tests.roster_world import (
    _clock_and_calendar,  # noqa: F401  (autouse fixture)
    departments_make,
    people_make,
)
from zhengwu.kernel.actor import Actor
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


def test_the_morning_loan_task_reminds_due_soon_and_overdue_loans_once() -> None:
    staff = people_make()["staff"]
    system = Actor.system("test")
    book = library.title_create(
        fields=library.title_fields_clean(
            kind="book",
            isbn=demo_isbn(7, "rm"),
            title="习近平谈治国理政",
            author="",
            publisher="外文出版社",
            year=2022,
            category="D2",
            call_number="D2/7",
        ),
        by=system,
    )
    copies = library.copies_add(book=book, count=2, by=system)
    library.reader_register(card_no="DX100", name="李明", organisation="市税务局", phone="13908710100", by=staff)
    # Lent on 2 and 20 March: due (30 days, moved to a working day) in early and late April.
    early = library.loan_lend(barcode=copies[0].barcode, card_no="DX100", by=staff, today=dt.date(2026, 3, 2))
    late = library.loan_lend(barcode=copies[1].barcode, card_no="DX100", by=staff, today=dt.date(2026, 3, 20))
    clock_set(dt.datetime.combine(early.due_on + dt.timedelta(days=1), dt.time(9), tzinfo=CHINA_TZ))
    before = AuditEntry.objects.filter(action="center.notice.send").count()
    sent = center_loan_reminders_send.call_local()
    # The first loan is a day overdue; the second is not yet due soon, so it waits.
    assert sent == 1
    assert Loan.objects.get(pk=early.pk).reminded_overdue_at is not None
    assert Loan.objects.get(pk=late.pk).reminded_due_soon_at is None
    notices = AuditEntry.objects.filter(action="center.notice.send").order_by("-id")
    assert notices.count() == before + 1
    assert notices[0].actor_username == LOAN_REMINDER_ACTOR
    assert center_loan_reminders_send.call_local() == 0
    # Three days before the second loan falls due, its due-soon reminder goes out, once.
    clock_set(dt.datetime.combine(late.due_on - dt.timedelta(days=3), dt.time(9), tzinfo=CHINA_TZ))
    assert center_loan_reminders_send.call_local() == 1
    assert Loan.objects.get(pk=late.pk).reminded_due_soon_at is not None
    assert center_loan_reminders_send.call_local() == 0
    assert AuditEntry.objects.filter(action="center.notice.send").count() == before + 2
