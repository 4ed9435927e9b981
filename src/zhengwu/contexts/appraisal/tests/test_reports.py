"""The quarterly reports: both PDFs render in Chinese with CJK fonts and say what they should, and
only those entitled download them, each download written to the distribution log."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader

from zhengwu.contexts.appraisal.accountability import accountability_apply
from zhengwu.contexts.appraisal.models import ReportFile, Round, Ticket
from zhengwu.contexts.appraisal.reports import (
    report_download,
    report_leaders_build,
    report_unit_build,
    reports_build_all,
    reports_visible,
)
from zhengwu.contexts.appraisal.tests._report_fixtures import (
    NOW,
    SYSTEM,
    World,
    client_for,
    problem_make,
    result_make,
    round_make,
    scores_make,
    world_build,
)
from zhengwu.contexts.appraisal.tickets import ticket_reply, tickets_create_for_round
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world() -> World:
    return world_build()


def _scenario(world: World, *, status: str = Round.Status.PUBLISHED) -> Round:
    """Two quarters of results; in the second, problems sent as tickets and the rules applied."""
    q1 = round_make(world, "2026Q1", dt.date(2026, 1, 1))
    q1_totals = {"C001": 88.0, "C002": 80.0, "C003": 86.0, "D001": 86.0, "D002": 85.0, "D003": 84.0}
    scores_make(world, q1, q1_totals)
    result_make(q1, city=87.60)
    q2 = round_make(world, "2026Q2", dt.date(2026, 4, 1), status=status)
    scores_make(
        world,
        q2,
        {
            "C001": 91.0,
            "C002": (84.0, 81.5, 86.5, 0.46),
            "C003": (84.6, 82.0, 87.0, 0.41),
            "D001": 88.0,
            "D002": 86.0,
            "D003": 87.0,
        },
        previous=q1_totals,
        significant=frozenset({"D003"}),
    )
    result_make(q2, city=89.12, previous=87.60)
    problem_make(q2, world.units["C001"], "云南恒达建材有限公司反映：材料要交三遍，电话13987650123", category="C02")
    problem_make(q2, world.units["C001"], "窗口人员态度生硬", category="C01")
    problem_make(q2, world.units["C002"], "审批超时二十天", category="C02")
    tickets_create_for_round(round=q2, by=world["appraiser"])
    ticket_reply(ticket=Ticket.objects.get(number="PJ2026Q2-0002"), reply="已约谈窗口人员", by=world["unit_a"])
    accountability_apply(round=q2, by=world["appraiser"])
    # Three weeks on: the unanswered tickets are overdue.
    clock_set(NOW + dt.timedelta(days=23))
    return q2


def _text(pdf: bytes) -> str:
    # Text extraction may break lines (and put spaces around Latin runs) anywhere.
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _fonts(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            names.add(str(font["/BaseFont"]))
            for descendant in font.get("/DescendantFonts", []):
                names.add(str(descendant.get_object()["/BaseFont"]))
    return names


def test_the_leaders_report_is_a_restricted_chinese_pdf_with_the_picture_of_the_quarter(world: World) -> None:
    round = _scenario(world)
    report = report_leaders_build(round=round, by=world["appraiser"])
    pdf = bytes(report.content)
    assert pdf.startswith(b"%PDF-")
    assert (report.kind, report.unit, len(report.sha256)) == ("leaders", None, 64)
    text = _text(pdf)
    for expected in (
        "政务要情参阅",
        "内部资料注意保存",
        "一、总体情况",
        "89.12",  # the city score …
        "88.62–89.62",  # … its interval
        "87.60",  # the previous quarter's
        "上升1.52分",
        "二、单位排名",
        "五华区政务服务中心",
        "市住房和城乡建设局",
        "三、显著变化的单位",
        "四、企业反映的主要问题",
        "办事效率（2条）",
        "PJ2026Q2-0001",  # overdue
        "五、问责建议",
        "通报批评，约谈主要负责人",
        "本季度排名末位与倒数第二名的差异在统计上不显著（末位概率0.46）",
        "方法说明",
        "GB/T19038-2009",
        "GB/T19039-2009",
    ):
        assert expected in text, expected
    # The respondent is nowhere, not even in the leaders' report.
    assert "恒达" not in text
    assert "13987650123" not in text
    assert any("CJK" in name for name in _fonts(pdf))
    assert list(AuditEntry.objects.filter(action="appraisal.report.build").values_list("object_id", flat=True)) == [
        "2026Q2/leaders/"
    ]


def test_a_units_report_speaks_of_that_unit_only(world: World) -> None:
    round = _scenario(world)
    report = report_unit_build(round=round, unit=world.units["C001"], by=world["appraiser"])
    text = _text(bytes(report.content))
    for expected in (
        "一把手必读",
        "内部资料注意保存",
        "五华区政务服务中心",
        "91.00",  # its total
        "89.00–93.00",  # its interval
        "1/3",  # its rank of three centres
        "上升3.00分",
        "二、分类得分与同类单位比较",
        "办事效率",
        "三、企业反映的问题",
        "＊＊＊反映：材料要交三遍，电话＊＊＊",
        "窗口人员态度生硬",
        "四、整改情况",
        "本季度问题反馈单2件：待整改1件（其中逾期1件），已反馈待核实1件，已办结0件。",
        "本季度本单位未触发问责规则",
    ):
        assert expected in text, expected
    for other in ("盘龙区政务服务中心", "官渡区政务服务中心", "审批超时二十天", "恒达", "13987650123"):
        assert other not in text
    assert any("CJK" in name for name in _fonts(bytes(report.content)))
    # Building again replaces the stored report.
    again = report_unit_build(round=round, unit=world.units["C001"], by=world["appraiser"])
    assert again.pk == report.pk
    assert ReportFile.objects.count() == 1


def test_the_last_units_report_carries_its_outcome_and_caveat(world: World) -> None:
    round = _scenario(world)
    text = _text(bytes(report_unit_build(round=round, unit=world.units["C002"], by=SYSTEM).content))
    assert "通报批评，约谈主要负责人" in text
    assert "统计说明：本季度排名末位与倒数第二名的差异在统计上不显著（末位概率0.46）" in text
    assert "3/3" in text


def test_reports_need_results_and_the_evaluator(world: World) -> None:
    round = round_make(world, "2026Q3", dt.date(2026, 7, 1), status=Round.Status.CLOSED)
    with pytest.raises(Conflict):
        report_leaders_build(round=round, by=world["appraiser"])
    q2 = _scenario(world)
    for who in ("leader", "unit_a"):
        with pytest.raises(PermissionDenied):
            report_leaders_build(round=q2, by=world[who])
    assert ReportFile.objects.count() == 0


def test_building_all_makes_one_leaders_report_and_one_per_scored_unit(world: World) -> None:
    round = _scenario(world)
    seen: list[tuple[int, int]] = []
    reports = reports_build_all(
        round=round, by=world["appraiser"], progress=lambda done, total: seen.append((done, total))
    )
    assert len(reports) == 7
    assert seen[0] == (1, 7)
    assert seen[-1] == (7, 7)
    assert sorted((r.kind, r.unit.code if r.unit else "") for r in ReportFile.objects.all()) == [
        ("leaders", ""),
        ("unit", "C001"),
        ("unit", "C002"),
        ("unit", "C003"),
        ("unit", "D001"),
        ("unit", "D002"),
        ("unit", "D003"),
    ]


def _downloads() -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.filter(action="appraisal.report.download").values_list("actor_username", "object_id")
    )


def test_before_publication_only_the_evaluator_downloads(world: World) -> None:
    round = _scenario(world, status=Round.Status.SCORED)
    leaders = report_leaders_build(round=round, by=world["appraiser"])
    own = report_unit_build(round=round, unit=world.units["C001"], by=world["appraiser"])
    for who, report in (("leader", leaders), ("unit_a", own)):
        with pytest.raises(PermissionDenied):
            report_download(round=round, report_id=report.pk, by=world[who])
        assert reports_visible(round=round, by=world[who]) == []
    assert client_for("leader").get(f"/appraisal/rounds/2026Q2/reports/{leaders.pk}/pdf").status_code == 403
    assert client_for("unit_a").get(f"/appraisal/rounds/2026Q2/reports/{own.pk}/pdf").status_code == 403
    assert _downloads() == []
    response = client_for("appraiser").get(f"/appraisal/rounds/2026Q2/reports/{own.pk}/pdf")
    assert response.status_code == 200
    assert _downloads() == [("appraiser", "2026Q2/unit/C001")]


def test_after_publication_each_reader_downloads_their_own_and_every_download_is_logged(world: World) -> None:
    round = _scenario(world)
    reports_build_all(round=round, by=world["appraiser"])
    leaders = ReportFile.objects.get(kind="leaders")
    own = ReportFile.objects.get(unit__code="C001")
    other = ReportFile.objects.get(unit__code="C002")
    allowed = {
        "appraiser": {leaders.pk, own.pk, other.pk},
        "leader": {leaders.pk},
        "unit_a": {own.pk},
        "unit_b": {other.pk},
        "dept_loose": set(),
        "regulator": set(),
        "public": set(),
    }
    for who, expected in allowed.items():
        assert {r.pk for r in reports_visible(round=round, by=world[who])} & {leaders.pk, own.pk, other.pk} == expected
        for report in (leaders, own, other):
            if report.pk in expected:
                continue
            with pytest.raises(PermissionDenied):
                report_download(round=round, report_id=report.pk, by=world[who])
    assert _downloads() == []
    unit_a = client_for("unit_a")
    page = unit_a.get("/appraisal/rounds/2026Q2/reports/").content.decode()
    assert f'data-testid="download-{own.pk}"' in page
    assert f'data-testid="download-{other.pk}"' not in page
    assert f'data-testid="download-{leaders.pk}"' not in page
    response = unit_a.get(f"/appraisal/rounds/2026Q2/reports/{own.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert bytes(response.content) == bytes(own.content)
    assert "%E4%B8%80%E6%8A%8A%E6%89%8B%E5%BF%85%E8%AF%BB" in response["Content-Disposition"]  # 一把手必读
    assert unit_a.get(f"/appraisal/rounds/2026Q2/reports/{other.pk}/pdf").status_code == 403
    assert unit_a.get(f"/appraisal/rounds/2026Q2/reports/{leaders.pk}/pdf").status_code == 403
    assert client_for("leader").get(f"/appraisal/rounds/2026Q2/reports/{leaders.pk}/pdf").status_code == 200
    assert client_for("leader").get(f"/appraisal/rounds/2026Q2/reports/{leaders.pk}/pdf").status_code == 200
    assert client_for("unit_a").get("/appraisal/rounds/2026Q2/reports/99999/pdf").status_code == 404
    assert _downloads() == [
        ("unit_a", "2026Q2/unit/C001"),
        ("leader", "2026Q2/leaders/"),
        ("leader", "2026Q2/leaders/"),
    ]


def test_the_evaluator_builds_from_the_reports_page(world: World) -> None:
    _scenario(world)
    client = client_for("appraiser")
    assert 'data-testid="build-form"' in client.get("/appraisal/rounds/2026Q2/reports/").content.decode()
    assert client_for("leader").post("/appraisal/rounds/2026Q2/reports/build/").status_code == 403
    assert ReportFile.objects.count() == 0
    # The test settings run tasks at once (ZHENGWU_TASKS_IMMEDIATE).
    assert client.post("/appraisal/rounds/2026Q2/reports/build/").status_code == 302
    assert ReportFile.objects.count() == 7
