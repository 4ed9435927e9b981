"""The results API and the evaluator's ``zhengwu appraisal`` command."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengwu.contexts.appraisal.models import (
    ObjectiveValue,
    ReportFile,
    Response,
    Round,
    RoundResult,
    UnitMember,
    UnitScore,
)
from zhengwu.contexts.appraisal.objective import ObjectiveInput, objective_values_set
from zhengwu.contexts.appraisal.publication import round_publish
from zhengwu.contexts.appraisal.quality import response_review
from zhengwu.contexts.appraisal.tests.scene_collection import APPRAISER, signed_in
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/appraisal/api/appraisal"
LEADER = Actor(user_id=99, username="leader", roles=frozenset({"city_leader"}))


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("appraisal", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_results_api_gives_the_stored_scores_to_those_who_may_read_them(scored_world: dict[str, Any]) -> None:
    round_ = scored_world["scene"].round
    leader = signed_in("leader1", "city_leader")
    refused = leader.get(f"{API}/rounds/{round_.code}/results")
    assert refused.status_code == 403
    assert refused.json()["code"] == "appraisal_results_not_published"
    assert leader.get(f"{API}/rounds").json() == []

    round_publish(round=round_, by=APPRAISER, build_reports=False)
    body = leader.get(f"{API}/rounds/{round_.code}/results").json()
    result = RoundResult.objects.get(round=round_)
    assert body["city_score"] == round(result.city_score, 2)
    assert body["responses_used"] == result.responses_used == 24
    stored = {s.unit.code: s for s in UnitScore.objects.filter(round=round_).select_related("unit")}
    assert {u["unit_code"]: (u["total"], u["rank"], u["p_last"]) for u in body["units"]} == {
        code: (round(s.total, 2), s.rank, round(s.p_last, 4)) for code, s in stored.items()
    }
    assert [r["code"] for r in leader.get(f"{API}/rounds").json()] == [round_.code]
    missing = leader.get(f"{API}/rounds/1999Q1/results")
    assert (missing.status_code, missing.json()["code"]) == (404, "appraisal_round_not_found")
    # Nothing that names a respondent travels in the API.
    assert scored_world["response"].respondent_uscc not in str(body)


def test_a_unit_reads_only_its_own_history_through_the_api(scored_world: dict[str, Any]) -> None:
    round_ = scored_world["scene"].round
    round_publish(round=round_, by=APPRAISER, build_reports=False)
    own, other = scored_world["scene"].units
    client = signed_in("unit_api", "department_user")
    UnitMember.objects.create(
        unit=own, user_id=int(client.session["_auth_user_id"]), username="unit_api", created_at=round_.created_at
    )
    history = client.get(f"{API}/units/{own.code}/results").json()
    assert [h["round"] for h in history] == [round_.code]
    assert history[0]["score"]["total"] == round(UnitScore.objects.get(round=round_, unit=own).total, 2)
    refused = client.get(f"{API}/units/{other.code}/results")
    assert (refused.status_code, refused.json()["code"]) == (403, "appraisal_unit_not_yours")
    refused = signed_in("anyone", "bidder").get(f"{API}/rounds")
    assert (refused.status_code, refused.json()["code"]) == (403, "appraisal_results_roles")


def test_the_command_runs_qc_scores_publishes_and_builds_the_reports(scored_world: dict[str, Any]) -> None:
    code = scored_world["scene"].round.code
    out = _run("qc", code)
    flagged = Response.objects.filter(round__code=code, qc_status=Response.Qc.FLAGGED)
    assert flagged.count() == 24  # the scene's answer sets repeat: copies and near-copies
    assert out == (
        "24 responses: accepted 0, clean 0, flagged 24, rejected 0; flags: copy 22, duplicate 0, "
        "interviewer_anomaly 0, near_duplicate 2, speeding 0, straight_line 0, unverified 0\n"
    )
    for response in flagged:  # the evaluator reviews them and accepts them
        response_review(response=response, decision="accept", note="回访核实为本人作答", by=APPRAISER)
    out = _run("score", code, "--bootstrap", "300", "--seed", "7")
    result = RoundResult.objects.get(round__code=code)
    assert result.bootstrap == 300
    assert out.startswith(f"{code}: city score {result.city_score:.2f}")
    out = _run("publish", code)
    assert Round.objects.get(code=code).status == Round.Status.PUBLISHED
    assert out.startswith(f"{code} published; ")
    out = _run("reports", code)
    assert out.strip() == f"3 report(s) built for {code}"
    assert ReportFile.objects.filter(round__code=code).count() == 3
    with pytest.raises(CommandError, match="appraisal_round_not_scored"):
        _run("publish", code)
    with pytest.raises(CommandError, match="轮次1999Q1不存在"):
        _run("score", "1999Q1")


def test_the_command_links_a_department_user_to_a_unit(scored_world: dict[str, Any]) -> None:
    client = signed_in("liaison", "department_user")
    unit = scored_world["scene"].units[0]
    assert _run("member", "liaison", unit.code).strip() == f"liaison → {unit.name}"
    assert UnitMember.objects.get(username="liaison").unit == unit
    signed_in("a_bidder", "bidder")
    with pytest.raises(CommandError, match="不是部门用户"):
        _run("member", "a_bidder", unit.code)
    assert not UnitMember.objects.filter(username="a_bidder").exists()
    assert client is not None


def test_objective_values_are_checked_whole_and_stored_whole(scored_world: dict[str, Any], tmp_path: Path) -> None:
    round_ = scored_world["scene"].round
    system = round_.system
    definition = dict(system.definition)
    # The scene's system has no objective indicator; the checks still name each bad row.
    with pytest.raises(InvalidInput) as refused:
        objective_values_set(
            round=round_,
            values=[ObjectiveInput("U001", "I9", 3.0), ObjectiveInput("X999", "I1", "abc")],
            by=APPRAISER,
        )
    assert refused.value.code == "appraisal_objective_rows"
    assert refused.value.detail["errors"] == [
        "第1行：“I9”不是本轮指标体系的客观指标",
        "第2行：单位“X999”不在本轮参评单位中",
    ]
    with pytest.raises(PermissionDenied):
        objective_values_set(round=round_, values=[], by=LEADER)
    assert not ObjectiveValue.objects.exists()
    assert not AuditEntry.objects.filter(action="appraisal.objective.set").exists()
    csv_file = tmp_path / "objective.csv"
    csv_file.write_text("单位编号,指标编号\nU001,I1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="CSV缺少列：数值"):
        _run("objective", round_.code, str(csv_file))
    assert system.definition == definition
