"""The demo's two quarters, end to end: design, collection, QC, tickets, scores, accountability, reports.

One test (the run takes a minute on PostgreSQL): every outcome is checked against the stored
data by an independent reading, not against numbers copied from a run.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from zhengwu.contexts.appraisal.demo import demo_units_create
from zhengwu.contexts.appraisal.demo_quarter import (
    DEMO_DEPARTMENT_UNIT,
    IMPROVER,
    LAST_CENTRE,
    LAST_DEPARTMENT,
    QUARTERS,
    demo_quarters_run,
)
from zhengwu.contexts.appraisal.models import (
    AccountabilityOutcome,
    HarmFlag,
    Problem,
    ReportFile,
    Response,
    Round,
    Ticket,
    UnitScore,
)
from zhengwu.contexts.identity.services.accounts import user_create
from zhengwu.kernel.actor import Actor
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

# The QC flag each planted kind must raise (appraisal-methods.md §5).
FLAG_OF_PLANTED = {
    "straight_line": "straight_line",
    "speeding": "speeding",
    "copy": "copy",
    "fabricating_interviewer": "interviewer_anomaly",
}


def _pdf_text(report: ReportFile) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(bytes(report.content))).pages)


def _last_units(round_: Round) -> set[tuple[str, str]]:
    """(kind, unit code) of the units ranked last in their kind, read from the stored ranks."""
    last = set()
    for kind in ("centre", "department"):
        scores = list(UnitScore.objects.filter(round=round_, kind=kind).select_related("unit"))
        worst = max(s.rank for s in scores)
        last |= {(kind, s.unit.code) for s in scores if s.rank == worst}
    return last


def test_two_demo_quarters_run_from_design_to_published_reports() -> None:
    # The identity demo's accounts the appraisal demo acts as (its evaluator, leader and unit user).
    for username, role in (("appraiser", "appraiser"), ("leader", "city_leader"), ("dept", "department_user")):
        user_create(username=username, password="x" * 16, display_name=username, roles=[role], by=Actor.system())
    demo_units_create()
    stories = demo_quarters_run(link_base="http://127.0.0.1:8000")
    assert len(stories) == len(QUARTERS) == 2
    assert demo_quarters_run(link_base="http://127.0.0.1:8000") == []  # once only

    rounds = list(Round.objects.order_by("period_start"))
    assert [r.code for r in rounds] == list(QUARTERS)
    for round_, story in zip(rounds, stories, strict=True):
        assert round_.status == Round.Status.PUBLISHED
        responses = Response.objects.filter(round=round_)
        assert responses.count() == story.responses > 74 * 20
        # QC: every planted response was flagged with the flag of its kind and rejected on review;
        # every honest response scored (clean, or flagged and accepted) — none silently dropped.
        planted = set(story.planted)
        assert set(story.planted.values()) == set(FLAG_OF_PLANTED)
        for response in responses.filter(instance_id__in=planted):
            codes = {flag["code"] for flag in response.qc_flags}
            assert FLAG_OF_PLANTED[story.planted[response.instance_id]] in codes, response.qc_flags
            assert response.qc_status == Response.Qc.REJECTED
            assert response.review_note.startswith("复核确认为无效答卷")
        honest = responses.exclude(instance_id__in=planted)
        assert not honest.filter(qc_status__in=[Response.Qc.REJECTED, Response.Qc.FLAGGED]).exists()
        assert (
            honest.filter(qc_status=Response.Qc.ACCEPTED).exclude(qc_flags=[]).count()
            == honest.filter(qc_status=Response.Qc.ACCEPTED).count()
        )
        # Scores: every unit scored from the accepted responses only.
        result = round_.result
        assert result.responses_used == honest.count()
        assert result.responses_excluded == len(planted)
        assert UnitScore.objects.filter(round=round_).count() == 74
        assert 0 < result.city_ci_low <= result.city_score <= result.city_ci_high < 100
        # Every problem of a scored response went to its unit as a ticket.
        problems = Problem.objects.filter(round=round_).exclude(response__qc_status=Response.Qc.REJECTED)
        assert problems.exists()
        assert set(Ticket.objects.filter(round=round_).values_list("problem_id", flat=True)) == set(
            problems.values_list("id", flat=True)
        )

    # The demo department answered its tickets; the evaluator closed some and reopened others.
    own = Ticket.objects.filter(unit__code=DEMO_DEPARTMENT_UNIT)
    assert own.filter(status=Ticket.Status.CLOSED).exists()
    assert own.exclude(reply="").count() == own.filter(status__in=["closed", "reopened"]).count() > 0

    # The change against the previous quarter: the improving centre's rise is significant.
    improver = UnitScore.objects.get(round=rounds[1], unit__code=IMPROVER)
    assert improver.change is not None
    assert improver.change > 5
    assert improver.change_significant

    # Accountability, read independently from the stored ranks: last in both quarters → 通报批评
    # and 约谈; last in both with a harm flag → referral to discipline inspection. The first
    # quarter alone triggers nothing.
    assert not AccountabilityOutcome.objects.filter(round=rounds[0]).exists()
    last_both = _last_units(rounds[0]) & _last_units(rounds[1])
    assert last_both == {("centre", LAST_CENTRE), ("department", LAST_DEPARTMENT)}
    flagged = set(HarmFlag.objects.filter(round=rounds[1]).values_list("unit__code", flat=True))
    assert flagged == {LAST_DEPARTMENT}
    expected = {(code, "last_twice_in_year") for _, code in last_both}
    expected |= {(code, "last_twice_key_projects") for _, code in last_both if code in flagged}
    outcomes = AccountabilityOutcome.objects.filter(round=rounds[1]).select_related("unit")
    assert {(o.unit.code, o.rule) for o in outcomes} == expected
    for outcome in outcomes:
        score = UnitScore.objects.get(round=rounds[1], unit=outcome.unit)
        # Both are clearly last in the demo: distinguishable, so no caveat is printed.
        assert outcome.distinguishable == (score.p_last >= 0.5)
        assert outcome.note == ""

    # Both reports exist for each quarter and read as Chinese PDFs.
    for round_ in rounds:
        leaders = ReportFile.objects.get(round=round_, kind=ReportFile.Kind.LEADERS)
        text = _pdf_text(leaders)
        assert "政务要情参阅" in text
        assert f"{round_.result.city_score:.2f}" in text
        unit_report = ReportFile.objects.get(round=round_, kind=ReportFile.Kind.UNIT, unit__code=LAST_DEPARTMENT)
        text = _pdf_text(unit_report)
        assert "一把手必读" in text
        assert "市农业农村局" in text
    # Every raw look at responses is in the audit log; the demo itself looked at none.
    assert not AuditEntry.objects.filter(action="appraisal.raw.view").exists()
