"""The centre's demo: departments, a published roster and the hall — and nothing more a second time."""

from __future__ import annotations

import pytest

from zhengwu.contexts.center.demo import demo_load
from zhengwu.contexts.center.models import Announcement, Department, DutyAssignment, OpeningHours, Window
from zhengwu.kernel.actor import Actor
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_a_second_run_writes_nothing() -> None:
    calendar_defaults_load(by=Actor.system("test"))
    demo_load(platforms=["center"])
    assert Department.objects.filter(stationed=True).count() == 36
    assert OpeningHours.objects.count() == 7
    assert Window.objects.count() > 0
    assert Announcement.objects.exists()
    assert DutyAssignment.objects.exists()
    counts = (Department.objects.count(), DutyAssignment.objects.count(), AuditEntry.objects.count())
    demo_load(platforms=["center"])
    assert (Department.objects.count(), DutyAssignment.objects.count(), AuditEntry.objects.count()) == counts
    assert demo_load(platforms=["public"]) == []
