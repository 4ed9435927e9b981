"""The demo tenders: created through the services, idempotent, honest about the calendar's end."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from zhengwu.contexts.tendering.demo import TENDERS, demo_load
from zhengwu.contexts.tendering.models import DocumentObtain, Notice, Project, Question, Section
from zhengwu.contexts.tendering.tests.factories import NOW, at, snapshot
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("demo", stdout=io.StringIO())


def test_the_demo_publishes_a_construction_tender_a_consultation_and_a_land_listing(demo: None) -> None:
    rows = {
        p.procedure: (p.owner_name, p.agency_name, [(s.name, s.status, s.bid_deadline) for s in p.sections.all()])
        for p in Project.objects.all()
    }
    assert rows == {
        "construction.open": (
            "昆明某城市建设投资有限公司",
            "云南某招标代理有限公司",
            [
                ("第一标段：道路及桥涵工程", "accepting_bids", at(2026, 3, 30, 9, 30)),
                ("第二标段：给排水及综合管网工程", "accepting_bids", at(2026, 3, 30, 9, 30)),
            ],
        ),
        "procurement.competitive_consultation": (
            "昆明某城市建设投资有限公司",
            "云南某招标代理有限公司",
            [("包1：智慧大厅信息化系统运维服务（三年）", "accepting_bids", at(2026, 3, 19, 14, 30))],
        ),
        "land.listing": (
            "昆明某城市建设投资有限公司",
            "",
            [
                (
                    "KCC2026-18号地块（城镇住宅用地，面积36512.40平方米，出让年限70年）",
                    "accepting_bids",
                    at(2026, 4, 7, 17),
                )
            ],
        ),
    }
    assert Notice.objects.filter(status="published").count() == 3
    # The construction tender's documents ask for two envelopes (technical, then commercial).
    envelopes = dict(Notice.objects.values_list("project__procedure", "envelopes"))
    assert envelopes == {
        "construction.open": "two",
        "procurement.competitive_consultation": "single",
        "land.listing": "single",
    }
    assert DocumentObtain.objects.count() == 2
    assert Question.objects.count() == 1
    assert demo_load(platforms=["public"]) == []


def test_loading_the_demo_twice_changes_nothing(demo: None) -> None:
    before = snapshot()
    call_command("demo", stdout=io.StringIO())
    assert snapshot() == before


def test_late_in_the_year_the_listing_waits_for_next_years_calendar(
    db: Any, settings: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    clock_set(at(2026, 11, 28, 11))
    with caplog.at_level(logging.WARNING, logger="zhengwu.contexts.tendering.demo"):
        call_command("demo", stdout=io.StringIO())
    # This demo's tenders (the evaluation demo adds a concluded one, replayed from the summer).
    ours = Section.objects.filter(project__name__in=[t.name for t in TENDERS])
    statuses = dict(ours.values_list("project__procedure", "status"))
    assert statuses == {
        "construction.open": "accepting_bids",
        "procurement.competitive_consultation": "accepting_bids",
        "land.listing": "draft",
    }
    # 28 Nov + 20 days → 18 Dec (a Friday) for the construction deadline, plus the week's margin.
    assert ours.filter(project__procedure="construction.open").first().bid_deadline == at(  # type: ignore[union-attr]
        2026, 12, 25, 9, 30
    )
    warnings = [r.getMessage() for r in caplog.records if "挂牌" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].startswith("demo: 呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让 not published: ")
    assert warnings[0].endswith("(calendar_year_missing)")
    assert Notice.objects.filter(project__procedure="land.listing").count() == 0
