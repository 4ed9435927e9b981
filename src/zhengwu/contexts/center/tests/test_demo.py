"""The centre's demo: departments, a published roster and the hall — and nothing more a second time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from zhengwu.contexts.center.demo import demo_load
from zhengwu.contexts.center.models import (
    Announcement,
    Consultation,
    Department,
    DutyAssignment,
    LegalAidCase,
    OpeningHours,
    Window,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.workdays.services import calendar_defaults_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _centre_records(settings: Any) -> None:
    # The suite leaves the library's and the desk's records out of the demo; here they are the subject.
    settings.ZHENGWU_DEMO_CENTER_RECORDS = True


def test_the_demo_loads_once_and_a_second_run_writes_nothing() -> None:
    calendar_defaults_load(by=Actor.system("test"))
    demo_load(platforms=["center"])
    assert Department.objects.filter(stationed=True).count() == 36
    assert OpeningHours.objects.count() == 7
    assert Window.objects.count() > 0
    assert Announcement.objects.exists()
    assert DutyAssignment.objects.exists()
    counts = (
        Department.objects.count(),
        DutyAssignment.objects.count(),
        Consultation.objects.count(),
        LegalAidCase.objects.count(),
        AuditEntry.objects.count(),
    )
    demo_load(platforms=["center"])
    assert (
        Department.objects.count(),
        DutyAssignment.objects.count(),
        Consultation.objects.count(),
        LegalAidCase.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert demo_load(platforms=["public"]) == []


def test_the_legal_aid_demo_has_consultations_and_cases_in_every_status() -> None:
    clock_set(dt.datetime(2026, 9, 15, 10, 0, tzinfo=CHINA_TZ))
    try:
        calendar_defaults_load(by=Actor.system("test"))
        demo_load(platforms=["center"])
    finally:
        clock_reset()
    assert Consultation.objects.count() == 25
    assert len({c.consulted_at.month for c in Consultation.objects.all()}) >= 5
    statuses = set(LegalAidCase.objects.values_list("status", flat=True))
    assert statuses == {
        "applied", "reviewing", "accepted", "refused", "assigned", "in_progress", "closed", "withdrawn", "terminated"
    }  # fmt: skip
    # One application waits for the materials asked for.
    assert LegalAidCase.objects.filter(materials_requested_on__isnull=False).count() == 1
    assert LegalAidCase.objects.count() == 14
    assert LegalAidCase.objects.values("case_type").distinct().count() >= 6
