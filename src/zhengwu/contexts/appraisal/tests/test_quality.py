"""The round-level QC run, the reviewer's decisions and the review list, on stored responses."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from zhengwu.contexts.appraisal.models import IndicatorSystem, Response, Round, Unit
from zhengwu.contexts.appraisal.qc import FLAG_CODES
from zhengwu.contexts.appraisal.quality import (
    QcFilters,
    qc_overview,
    qc_response_get,
    qc_responses_page,
    response_review,
    round_flags_compute,
    round_qc_run,
)
from zhengwu.contexts.appraisal.system import system_digest, system_from_dict
from zhengwu.contexts.appraisal.tests.scene_collection import APPRAISER, NOW, signed_in
from zhengwu.contexts.appraisal.tests.test_qc import ITEMS20, planted_round
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LEADER = Actor(user_id=20, username="leader", roles=frozenset({"city_leader"}))
UNIT_USER = Actor(user_id=21, username="unit", roles=frozenset({"department_user"}))


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@dataclass
class Stored:
    round: Round
    expected: dict[int, list[str]]  # response pk → flag codes
    ids: list[int]


def _system() -> IndicatorSystem:
    definition = {
        "code": "QC",
        "title": "质量检查测试体系",
        "categories": [{"code": "C1", "name": "服务", "weight": 1}],
        "indicators": [{"code": "I1", "name": "满意度", "category": "C1", "weight": 1}],
        "items": [{"name": name, "kind": "rating5", "label": name, "indicator": "I1"} for name in ITEMS20],
    }
    return IndicatorSystem.objects.create(
        code="QC",
        version=1,
        title="质量检查测试体系",
        definition=definition,
        digest=system_digest(system_from_dict(definition)),
        created_at=NOW,
        created_by="appraiser",
    )


@pytest.fixture
def stored() -> Stored:
    """test_qc's planted round, stored as responses of two units (seed 1, as there)."""
    round_ = Round.objects.create(
        code="2026Q3",
        title="2026年第三季度",
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 9, 30),
        system=_system(),
        status=Round.Status.COLLECTING,
        seed=1,
        created_at=NOW,
        created_by="appraiser",
    )
    units = {
        code: Unit.objects.create(code=code, name=f"测试单位{code}", kind="centre", created_at=NOW)
        for code in ("U1", "U2")
    }
    planted = planted_round()
    by_record: dict[int, int] = {}
    for record in planted.records:
        response = Response.objects.create(
            round=round_,
            unit=units[record.unit],
            instance_id=f"uuid:planted-{record.id:05d}",
            mode=record.mode,
            interviewer_username=record.interviewer,
            respondent_uscc="91530100MA6K00001W",
            respondent_key=record.respondent_key,
            uscc_valid=record.uscc_valid,
            frame_match=record.frame_match,
            answers=dict(record.answers),
            timings=dict(record.timings),
            duration_ms=record.duration_ms,
            content_hash=record.content_hash,
            submitted_at=NOW + dt.timedelta(seconds=record.id),
        )
        by_record[record.id] = response.pk
    expected = {by_record[rid]: codes for rid, codes in planted.expected.items()}
    return Stored(round=round_, expected=expected, ids=list(by_record.values()))


def _flags() -> dict[int, list[str]]:
    return {pk: [f["code"] for f in flags] for pk, flags in Response.objects.values_list("pk", "qc_flags") if flags}


def test_the_run_flags_the_planted_responses_and_only_those(stored: Stored) -> None:
    summary = round_qc_run(round=stored.round, by=APPRAISER)

    assert _flags() == stored.expected
    statuses = dict(Response.objects.values_list("pk", "qc_status"))
    assert {pk for pk, s in statuses.items() if s == "flagged"} == set(stored.expected)
    assert {pk for pk, s in statuses.items() if s == "clean"} == set(stored.ids) - set(stored.expected)
    counts = Counter(code for codes in stored.expected.values() for code in codes)
    assert summary.by_flag == {code: counts.get(code, 0) for code in FLAG_CODES}
    assert summary.by_flag["interviewer_anomaly"] == 15
    assert summary.total == len(stored.ids)
    assert summary.by_status == {
        "clean": len(stored.ids) - len(stored.expected),
        "flagged": len(stored.expected),
        "accepted": 0,
        "rejected": 0,
    }
    assert summary.changed == len(stored.expected)
    (entry,) = AuditEntry.objects.filter(action="appraisal.qc.run")
    assert (entry.object_type, entry.object_id, entry.actor_username) == ("appraisal.round", "2026Q3", "interviewer1")
    assert entry.after["by_flag"] == summary.by_flag


def test_flags_survive_a_second_run_and_reviews_stand_and_nothing_is_deleted(stored: Stored) -> None:
    round_qc_run(round=stored.round, by=APPRAISER)
    accepted, rejected = sorted(stored.expected)[:2]
    response_review(response=Response.objects.get(pk=accepted), decision="accept", note="", by=APPRAISER)
    response_review(response=Response.objects.get(pk=rejected), decision="reject", note="回访核实为代答", by=APPRAISER)

    summary = round_qc_run(round=stored.round, by=Actor.system("scheduler"))

    assert summary.changed == 0
    assert _flags() == stored.expected
    assert Response.objects.count() == len(stored.ids)
    assert dict(Response.objects.filter(pk__in=[accepted, rejected]).values_list("pk", "qc_status")) == {
        accepted: "accepted",
        rejected: "rejected",
    }
    assert summary.by_status["accepted"] == 1
    assert summary.by_status["rejected"] == 1
    assert summary.by_status["flagged"] == len(stored.expected) - 2


def test_the_stored_flags_are_what_the_pure_rules_compute(stored: Stored) -> None:
    computed = round_flags_compute(round=stored.round)
    round_qc_run(round=stored.round, by=APPRAISER)
    assert dict(Response.objects.exclude(qc_flags=[]).values_list("pk", "qc_flags")) == computed


@pytest.mark.parametrize(
    "actor", [LEADER, UNIT_USER, Actor(user_id=22, username="staff", roles=frozenset({"centre_staff"}))]
)
def test_only_the_evaluator_runs_qc_and_a_refusal_changes_nothing(stored: Stored, actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        round_qc_run(round=stored.round, by=actor)
    assert _flags() == {}
    assert set(Response.objects.values_list("qc_status", flat=True)) == {"clean"}
    assert AuditEntry.objects.filter(action="appraisal.qc.run").count() == 0


def test_a_published_round_is_not_checked_again(stored: Stored) -> None:
    Round.objects.filter(pk=stored.round.pk).update(status=Round.Status.PUBLISHED)
    stored.round.refresh_from_db()
    with pytest.raises(Conflict) as caught:
        round_qc_run(round=stored.round, by=APPRAISER)
    assert caught.value.code == "appraisal_round_published"
    assert _flags() == {}


# --- review ----------------------------------------------------------------------------------------


def test_a_reviewer_accepts_or_rejects_with_an_audit_entry(stored: Stored) -> None:
    round_qc_run(round=stored.round, by=APPRAISER)
    first, second = sorted(stored.expected)[:2]
    accepted = response_review(response=Response.objects.get(pk=first), decision="accept", note=" 属实 ", by=APPRAISER)
    assert (accepted.qc_status, accepted.review_note, accepted.reviewed_by, accepted.reviewed_at) == (
        "accepted",
        "属实",
        "interviewer1",
        NOW,
    )
    rejected = response_review(
        response=Response.objects.get(pk=second), decision="reject", note="同一企业重复作答", by=APPRAISER
    )
    assert rejected.qc_status == "rejected"
    assert rejected.qc_flags == Response.objects.get(pk=second).qc_flags != []
    entries = list(AuditEntry.objects.filter(action="appraisal.response.review").order_by("position"))
    assert [(e.object_id, e.before, e.after["qc_status"], e.after["note"]) for e in entries] == [
        (accepted.instance_id, {"qc_status": "flagged"}, "accepted", "属实"),
        (rejected.instance_id, {"qc_status": "flagged"}, "rejected", "同一企业重复作答"),
    ]


def test_a_rejection_needs_a_note_and_a_refusal_changes_nothing(stored: Stored) -> None:
    round_qc_run(round=stored.round, by=APPRAISER)
    pk = sorted(stored.expected)[0]
    response = Response.objects.get(pk=pk)
    with pytest.raises(InvalidInput) as caught:
        response_review(response=response, decision="reject", note="  ", by=APPRAISER)
    assert caught.value.code == "appraisal_review_note_required"
    with pytest.raises(InvalidInput):
        response_review(response=response, decision="delete", note="x", by=APPRAISER)
    for actor in (LEADER, UNIT_USER, Actor.system("scheduler")):
        with pytest.raises(PermissionDenied):
            response_review(response=response, decision="accept", note="", by=actor)
    response.refresh_from_db()
    assert (response.qc_status, response.reviewed_by, response.review_note) == ("flagged", "", "")
    assert AuditEntry.objects.filter(action="appraisal.response.review").count() == 0


# --- the review list -------------------------------------------------------------------------------


def test_the_overview_counts_by_status_flag_and_unit(stored: Stored) -> None:
    round_qc_run(round=stored.round, by=APPRAISER)
    overview = qc_overview(round=stored.round, by=APPRAISER)
    counts = Counter(code for codes in stored.expected.values() for code in codes)
    assert overview.total == len(stored.ids)
    assert overview.by_flag == {code: counts.get(code, 0) for code in FLAG_CODES}
    assert overview.by_status["flagged"] == len(stored.expected)
    flagged_by_unit = Counter(
        Response.objects.filter(pk__in=list(stored.expected)).values_list("unit__code", flat=True)
    )
    assert [(u["code"], u["total"], u["flagged"]) for u in overview.units] == [
        (code, Response.objects.filter(unit__code=code).count(), flagged_by_unit[code]) for code in ("U1", "U2")
    ]
    with pytest.raises(PermissionDenied):
        qc_overview(round=stored.round, by=LEADER)


def test_the_review_list_filters_by_flag_unit_and_status_in_pages_of_fifty(stored: Stored) -> None:
    round_qc_run(round=stored.round, by=APPRAISER)
    queue = qc_responses_page(round=stored.round, by=APPRAISER, filters=QcFilters())
    assert queue.total == len(stored.expected)
    assert {r.pk for r in queue.items} == set(stored.expected)
    speeding = qc_responses_page(round=stored.round, by=APPRAISER, filters=QcFilters(flag="speeding"))
    assert {r.pk for r in speeding.items} == {pk for pk, codes in stored.expected.items() if "speeding" in codes}
    in_u2 = qc_responses_page(round=stored.round, by=APPRAISER, filters=QcFilters(flag="copy", unit="U2"))
    assert in_u2.total == 2
    clean = qc_responses_page(round=stored.round, by=APPRAISER, filters=QcFilters(status="clean"), page=2)
    assert (clean.total, len(clean.items), clean.page) == (len(stored.ids) - len(stored.expected), 50, 2)
    with pytest.raises(InvalidInput):
        qc_responses_page(round=stored.round, by=APPRAISER, filters=QcFilters(flag="bogus"))
    with pytest.raises(PermissionDenied):
        qc_responses_page(round=stored.round, by=UNIT_USER, filters=QcFilters())


def test_opening_a_response_is_an_audited_view_of_raw_data(stored: Stored) -> None:
    pk = stored.ids[0]
    response = qc_response_get(round=stored.round, response_id=pk, by=APPRAISER)
    assert response.pk == pk
    (entry,) = AuditEntry.objects.filter(action="appraisal.raw.view")
    assert (entry.object_type, entry.object_id, entry.after) == (
        "appraisal.response",
        response.instance_id,
        {"round": "2026Q3"},
    )
    with pytest.raises(NotFound):
        qc_response_get(round=stored.round, response_id=-1, by=APPRAISER)
    with pytest.raises(PermissionDenied):
        qc_response_get(round=stored.round, response_id=pk, by=LEADER)
    assert AuditEntry.objects.filter(action="appraisal.raw.view").count() == 1


# --- pages -----------------------------------------------------------------------------------------


def test_the_evaluator_runs_qc_and_reviews_on_the_pages(stored: Stored) -> None:
    client = signed_in("reviewer", "appraiser")
    ran = client.post("/appraisal/rounds/2026Q3/quality/run/")
    assert (ran.status_code, ran["Location"]) == (302, "/appraisal/rounds/2026Q3/quality/")
    assert _flags() == stored.expected

    page = client.get("/appraisal/rounds/2026Q3/quality/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-testid="status-flagged">{len(stored.expected)}<' in html
    assert 'data-testid="flag-interviewer_anomaly">15<' in html
    assert html.count("<tr data-response=") == len(stored.expected)
    assert "访员异常" in html
    assert "直线作答" in html

    filtered = client.get("/appraisal/rounds/2026Q3/quality/?flag=copy&unit=U2")
    assert filtered.content.decode().count("<tr data-response=") == 2

    pk = sorted(stored.expected)[0]
    opened = client.get(f"/appraisal/rounds/2026Q3/quality/{pk}/")
    assert opened.status_code == 200
    assert "同一企业对同一单位重复作答" in opened.content.decode()
    (view,) = AuditEntry.objects.filter(action="appraisal.raw.view")
    assert (view.object_id, view.actor_username) == (Response.objects.get(pk=pk).instance_id, "reviewer")

    refused = client.post(f"/appraisal/rounds/2026Q3/quality/{pk}/", {"decision": "reject", "note": ""})
    assert refused.status_code == 400
    assert "剔除答卷须写明理由" in refused.content.decode()
    assert Response.objects.get(pk=pk).qc_status == "flagged"

    done = client.post(f"/appraisal/rounds/2026Q3/quality/{pk}/", {"decision": "reject", "note": "重复作答，保留首份"})
    assert done.status_code == 302
    rejected = Response.objects.get(pk=pk)
    assert (rejected.qc_status, rejected.review_note, rejected.reviewed_by) == (
        "rejected",
        "重复作答，保留首份",
        "reviewer",
    )
    assert Response.objects.count() == len(stored.ids)


@pytest.mark.parametrize("role", ["city_leader", "department_user"])
def test_qc_pages_are_refused_to_leaders_and_units_and_change_nothing(stored: Stored, role: str) -> None:
    client = signed_in(f"u-{role}", role)
    pk = stored.ids[0]
    assert client.get("/appraisal/rounds/2026Q3/quality/").status_code == 403
    assert client.post("/appraisal/rounds/2026Q3/quality/run/").status_code == 403
    assert client.get(f"/appraisal/rounds/2026Q3/quality/{pk}/").status_code == 403
    assert (
        client.post(f"/appraisal/rounds/2026Q3/quality/{pk}/", {"decision": "reject", "note": "x"}).status_code == 403
    )
    assert _flags() == {}
    assert set(Response.objects.values_list("qc_status", flat=True)) == {"clean"}
    assert AuditEntry.objects.filter(action__startswith="appraisal.").count() == 0


def test_an_anonymous_visitor_is_sent_to_sign_in(stored: Stored, client: Any) -> None:
    page = client.get("/appraisal/rounds/2026Q3/quality/")
    assert page.status_code == 302
    assert page["Location"].startswith("/appraisal/accounts/login/")
