"""Computing and reading a round's results with the database: the worked example end to end."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from zhengwu.contexts.appraisal.models import (
    IndicatorSystem,
    ObjectiveValue,
    Response,
    Round,
    RoundResult,
    RoundUnit,
    Unit,
    UnitMember,
    UnitScore,
)
from zhengwu.contexts.appraisal.results import round_result_get, round_results_compute, unit_scores_list
from zhengwu.contexts.appraisal.stats import benjamini_hochberg, change_test
from zhengwu.contexts.appraisal.system import system_digest, system_from_dict
from zhengwu.contexts.appraisal.tests.test_scoring import WORKED_OBJECTIVE, WORKED_RESPONSES, WORKED_SYSTEM
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

APPRAISER = Actor(user_id=7, username="appraiser", roles=frozenset({"appraiser"}), ip="10.1.2.3")
# The hand-worked totals of test_scoring: U1 200/3, U2 24, U3 89.5.
U1_TOTAL, U2_TOTAL, U3_TOTAL = 200 / 3, 24.0, 89.5

_serial = iter(range(1, 10_000))


def _system() -> IndicatorSystem:
    return IndicatorSystem.objects.create(
        code="worked",
        version=1,
        title="worked example",
        definition=WORKED_SYSTEM,
        digest=system_digest(system_from_dict(WORKED_SYSTEM)),
        status=IndicatorSystem.Status.FROZEN,
        created_at=clock_now(),
        created_by="appraiser",
    )


def _unit(code: str, kind: str) -> Unit:
    return Unit.objects.create(code=code, name=f"单位{code}", kind=kind, created_at=clock_now())


def _round(code: str, start: dt.date, end: dt.date, system: IndicatorSystem, status: str = "closed") -> Round:
    return Round.objects.create(
        code=code,
        title=code,
        period_start=start,
        period_end=end,
        system=system,
        status=status,
        created_at=clock_now(),
        created_by="appraiser",
    )


def _response(round: Round, unit: Unit, answers: dict[str, str], qc: str = "clean") -> Response:
    i = next(_serial)
    return Response.objects.create(
        round=round,
        unit=unit,
        instance_id=f"uuid:{i}",
        respondent_uscc="91530100MA6K00001W",
        respondent_key=f"key{i}",
        answers=answers,
        content_hash=f"h{i}",
        submitted_at=clock_now(),
        qc_status=qc,
    )


@pytest.fixture
def worked() -> dict[str, Any]:
    """The worked example as a closed round 2026Q3, plus a flagged and a rejected response that must not count."""
    system = _system()
    units = [_unit("U1", "centre"), _unit("U2", "centre"), _unit("U3", "department")]
    rnd = _round("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), system)
    for unit in units:
        RoundUnit.objects.create(round=rnd, unit=unit)
    for i, (u, answers) in enumerate(WORKED_RESPONSES):
        _response(rnd, units[u], answers, qc="accepted" if i == 1 else "clean")
    worst = {"q1": "1", "q2": "1", "q4": "no"}
    _response(rnd, units[2], worst, qc="flagged")
    _response(rnd, units[2], worst, qc="rejected")
    for (code, indicator), value in WORKED_OBJECTIVE.items():
        ObjectiveValue.objects.create(
            round=rnd,
            unit=Unit.objects.get(code=code),
            indicator_code=indicator,
            value=value,
            entered_by="appraiser",
            entered_at=clock_now(),
        )
    return {"system": system, "units": units, "round": rnd}


def _scores(rnd: Round) -> dict[str, UnitScore]:
    return {s.unit.code: s for s in UnitScore.objects.filter(round=rnd).select_related("unit")}


def test_results_reproduce_the_hand_worked_example(worked: dict[str, Any]) -> None:
    rnd: Round = worked["round"]
    calls: list[tuple[int, int]] = []
    result = round_results_compute(
        round=rnd, by=APPRAISER, bootstrap=200, seed=11, progress=lambda d, t: calls.append((d, t))
    )
    assert calls == [(200, 200)]
    assert rnd.status == "scored"
    assert Round.objects.get(pk=rnd.pk).status == "scored"

    scores = _scores(rnd)
    assert {code: s.total for code, s in scores.items()} == {
        "U1": pytest.approx(U1_TOTAL),
        "U2": pytest.approx(U2_TOTAL),
        "U3": pytest.approx(U3_TOTAL),
    }
    assert {code: (s.kind, s.n, s.rank, s.of) for code, s in scores.items()} == {
        "U1": ("centre", 3, 1, 2),
        "U2": ("centre", 2, 2, 2),
        "U3": ("department", 2, 1, 1),
    }
    for s in scores.values():
        assert s.ci_low <= s.total <= s.ci_high
        assert s.rank_low <= s.rank <= s.rank_high
    assert (scores["U3"].p_last, scores["U3"].p_bottom3) == (1.0, 1.0)
    assert scores["U1"].p_last + scores["U2"].p_last >= 1.0
    u1 = scores["U1"]
    assert (u1.satisfaction_rate, u1.negative_rate) == (pytest.approx(4 / 6), 0.0)
    assert u1.categories == {
        "A": {"score": pytest.approx(75.0), "n": 3},
        "B": {"score": pytest.approx(650 / 12), "n": 3},
    }
    assert u1.indicators == {
        "A1": {"score": pytest.approx(75.0), "n": 3, "suppressed": False},
        "A2": {"score": None, "n": 1, "suppressed": True},
        "B1": {"score": pytest.approx(200 / 3), "n": 3, "suppressed": False},
        "B2": {"score": pytest.approx(50.0), "value": 11.0, "source": "objective"},
    }
    # A department is not offered A2 at all: it is not listed, not "suppressed".
    assert sorted(scores["U3"].indicators) == ["A1", "B1", "B2"]
    assert (u1.previous_total, u1.change, u1.change_p, u1.change_significant) == (None, None, None, False)

    assert result.city_score == pytest.approx((U1_TOTAL + U2_TOTAL + U3_TOTAL) / 3)
    assert result.city_ci_low <= result.city_score <= result.city_ci_high
    assert (result.responses_used, result.responses_excluded, result.bootstrap, result.seed) == (7, 2, 200, 11)
    assert result.previous_city_score is None
    details = result.details
    assert details["scoring_map"] == {"1": 0.0, "2": 30.0, "3": 60.0, "4": 80.0, "5": 100.0}
    assert details["city_weighting"] == "unit"
    assert details["min_answers"] == 2
    assert details["suppressed"] == {"U1": ["A2"]}
    assert details["excluded"] == {"flagged": 1, "rejected": 1, "by_unit": {"U3": {"flagged": 1, "rejected": 1}}}
    assert details["unscored"] == []
    assert details["previous_round"] is None
    assert details["last"]["department"]["unit"] == "U3"
    assert details["last"]["department"]["distinguishable"] is False  # a group of one
    assert details["last"]["centre"]["unit"] == "U2"
    assert set(details["bootstrap_se"]) == {"U1", "U2", "U3"}
    assert result.reliability["A"]["k"] == 3
    assert result.reliability["B"] == {
        "alpha": None,
        "alpha_std": None,
        "k": 1,
        "n": 7,
        "kinds": ["centre", "department"],
    }

    entries = list(AuditEntry.objects.filter(action="appraisal.round.score"))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.object_type, entry.object_id, entry.actor_username) == ("appraisal.round", "2026Q3", "appraiser")
    assert entry.before == {"status": "closed"}
    assert entry.after is not None
    assert entry.after["city_score"] == "60.0556"  # (66.6667 + 24 + 89.5)/3, as text
    assert (entry.after["units_scored"], entry.after["responses_used"], entry.after["responses_excluded"]) == (3, 7, 2)


def test_respondent_weighted_city_score_is_a_stated_choice(worked: dict[str, Any]) -> None:
    result = round_results_compute(
        round=worked["round"], by=APPRAISER, bootstrap=100, seed=1, city_weighting="respondent"
    )
    # (3·66.667 + 2·24 + 2·89.5)/7 = 61
    assert result.city_score == pytest.approx(61.0)
    assert result.details["city_weighting"] == "respondent"


def test_recomputing_replaces_the_results_and_the_same_seed_gives_the_same_figures(worked: dict[str, Any]) -> None:
    rnd: Round = worked["round"]
    first = round_results_compute(round=rnd, by=APPRAISER, bootstrap=150, seed=5)
    before = {code: (s.ci_low, s.ci_high, s.p_last) for code, s in _scores(rnd).items()}
    second = round_results_compute(round=rnd, by=APPRAISER, bootstrap=150, seed=5)
    assert RoundResult.objects.filter(round=rnd).count() == 1
    assert not RoundResult.objects.filter(pk=first.pk).exists()
    assert UnitScore.objects.filter(round=rnd).count() == 3
    assert {code: (s.ci_low, s.ci_high, s.p_last) for code, s in _scores(rnd).items()} == before
    assert (second.city_ci_low, second.city_ci_high) == (first.city_ci_low, first.city_ci_high)
    assert AuditEntry.objects.filter(action="appraisal.round.score").count() == 2
    assert AuditEntry.objects.filter(action="appraisal.round.score").last().before == {"status": "scored"}  # type: ignore[union-attr]


def test_a_seed_is_drawn_and_stored_when_none_is_given(worked: dict[str, Any]) -> None:
    result = round_results_compute(round=worked["round"], by=APPRAISER, bootstrap=100)
    assert result.seed >= 0
    assert result.details["bootstrap"]["seed"] == result.seed


def test_change_against_the_latest_previous_round_with_results(worked: dict[str, Any]) -> None:
    system, units = worked["system"], worked["units"]
    older = _round("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), system, status="published")
    previous = _round("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30), system, status="published")
    # A later round with results must not count as "previous".
    later = _round("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), system, status="scored")
    for rnd, city in ((older, 10.0), (previous, 50.0), (later, 99.0)):
        RoundResult.objects.create(
            round=rnd,
            city_score=city,
            city_ci_low=city - 2,
            city_ci_high=city + 2,
            responses_used=10,
            responses_excluded=0,
            bootstrap=100,
            seed=1,
            details={"bootstrap_se": {"U1": 1.0}, "city_se": 1.0},
            computed_at=clock_now(),
        )

    def previous_score(rnd: Round, unit: Unit, total: float) -> None:
        UnitScore.objects.create(
            round=rnd,
            unit=unit,
            kind=unit.kind,
            n=10,
            total=total,
            ci_low=total - 3.92,
            ci_high=total + 3.92,
            rank=1,
            of=2,
            median_rank=1,
            rank_low=1,
            rank_high=1,
            p_last=0,
            p_bottom3=0,
            satisfaction_rate=0.5,
            negative_rate=0.1,
        )

    previous_score(previous, units[0], 20.0)  # U1: 20 → 66.67, a large rise
    previous_score(previous, units[1], 24.1)  # U2: 24.1 → 24, no real change
    previous_score(older, units[2], 10.0)  # U3 has no score in the previous round, only in an older one

    result = round_results_compute(round=worked["round"], by=APPRAISER, bootstrap=300, seed=3)
    assert result.previous_city_score == 50.0
    assert result.details["previous_round"] == "2026Q2"
    assert result.details["previous_same_system"] is True
    scores = _scores(worked["round"])
    se = result.details["bootstrap_se"]
    # U1's previous SE is the stored 1.0; U2's is read back from its interval: 7.84 / 3.92 ≈ 2.
    u1 = change_test(current=U1_TOTAL, current_se=se["U1"], previous=20.0, previous_se=1.0)
    u2 = change_test(current=U2_TOTAL, current_se=se["U2"], previous=24.1, previous_se=7.84 / (2 * 1.959964))
    reject, _ = benjamini_hochberg([u1.p, u2.p])
    assert (scores["U1"].previous_total, scores["U1"].change) == (20.0, pytest.approx(U1_TOTAL - 20.0))
    assert scores["U1"].change_p == pytest.approx(u1.p)
    assert (scores["U2"].previous_total, scores["U2"].change) == (24.1, pytest.approx(-0.1))
    assert scores["U2"].change_p == pytest.approx(u2.p)
    assert [scores["U1"].change_significant, scores["U2"].change_significant] == reject.tolist() == [True, False]
    assert (scores["U3"].previous_total, scores["U3"].change, scores["U3"].change_significant) == (None, None, False)
    city = result.details["city_change"]
    assert city["difference"] == pytest.approx(result.city_score - 50.0)


@pytest.mark.parametrize(
    "actor",
    [
        pytest.param(Actor(user_id=21, username="unit_head", roles=frozenset({"department_user"})), id="unit-user"),
        pytest.param(Actor(user_id=22, username="leader", roles=frozenset({"city_leader"})), id="leader"),
        pytest.param(Actor(user_id=23, username="dept", roles=frozenset({"department_user"})), id="department-user"),
        pytest.param(Actor(user_id=24, username="regulator", roles=frozenset({"regulator"})), id="regulator"),
    ],
)
def test_only_the_evaluator_computes_results_and_a_refusal_changes_nothing(
    worked: dict[str, Any], actor: Actor
) -> None:
    UnitMember.objects.create(unit=worked["units"][0], user_id=21, username="unit_head", created_at=clock_now())
    rnd: Round = worked["round"]
    with pytest.raises(PermissionDenied) as denied:
        round_results_compute(round=rnd, by=actor, bootstrap=100, seed=1)
    assert denied.value.code == "appraisal_appraiser_only"
    assert RoundResult.objects.count() == 0
    assert UnitScore.objects.count() == 0
    assert Round.objects.get(pk=rnd.pk).status == "closed"
    assert AuditEntry.objects.filter(action="appraisal.round.score").count() == 0


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("design", "appraisal_round_not_closed"),
        ("collecting", "appraisal_round_not_closed"),
        ("published", "appraisal_round_published"),
    ],
)
def test_results_only_between_closing_and_publication(worked: dict[str, Any], status: str, code: str) -> None:
    rnd: Round = worked["round"]
    Round.objects.filter(pk=rnd.pk).update(status=status)
    with pytest.raises(Conflict) as refused:
        round_results_compute(round=rnd, by=APPRAISER, bootstrap=100, seed=1)
    assert refused.value.code == code
    assert RoundResult.objects.count() == 0
    assert UnitScore.objects.count() == 0
    assert Round.objects.get(pk=rnd.pk).status == status
    assert AuditEntry.objects.filter(action="appraisal.round.score").count() == 0


def test_a_published_round_keeps_its_results(worked: dict[str, Any]) -> None:
    rnd: Round = worked["round"]
    result = round_results_compute(round=rnd, by=APPRAISER, bootstrap=100, seed=1)
    Round.objects.filter(pk=rnd.pk).update(status="published")
    with pytest.raises(Conflict):
        round_results_compute(round=rnd, by=APPRAISER, bootstrap=100, seed=2)
    assert list(RoundResult.objects.values_list("pk", "seed")) == [(result.pk, 1)]
    assert AuditEntry.objects.filter(action="appraisal.round.score").count() == 1


@pytest.mark.parametrize("bootstrap", [0, 99, 20_001])
def test_bootstrap_size_is_bounded(worked: dict[str, Any], bootstrap: int) -> None:
    with pytest.raises(InvalidInput) as bad:
        round_results_compute(round=worked["round"], by=APPRAISER, bootstrap=bootstrap, seed=1)
    assert bad.value.code == "appraisal_bootstrap_range"
    assert RoundResult.objects.count() == 0


def test_a_unit_without_usable_responses_is_listed_not_scored(worked: dict[str, Any]) -> None:
    rnd: Round = worked["round"]
    empty = _unit("U4", "centre")
    RoundUnit.objects.create(round=rnd, unit=empty)
    _response(rnd, empty, {"q1": "5", "q2": "5", "q3": "5", "q4": "yes"}, qc="rejected")
    # A response for a unit outside the round is not scored either.
    stranger = _unit("U9", "centre")
    _response(rnd, stranger, {"q1": "5", "q2": "5", "q3": "5", "q4": "yes"})
    result = round_results_compute(round=rnd, by=APPRAISER, bootstrap=100, seed=1)
    assert sorted(_scores(rnd)) == ["U1", "U2", "U3"]
    assert result.details["unscored"] == [{"unit": "U4", "reason": "no_responses", "responses": 0}]
    assert result.details["responses_outside_round_units"] == 1
    assert result.details["excluded"]["by_unit"]["U4"] == {"rejected": 1}
    assert (result.responses_used, result.responses_excluded) == (7, 3)
    assert _scores(rnd)["U2"].of == 2  # U4 is not ranked


def test_a_round_without_any_usable_response_is_refused(worked: dict[str, Any]) -> None:
    rnd: Round = worked["round"]
    Response.objects.filter(round=rnd).update(qc_status="flagged")
    with pytest.raises(Conflict) as refused:
        round_results_compute(round=rnd, by=APPRAISER, bootstrap=100, seed=1)
    assert refused.value.code == "appraisal_round_nothing_to_score"
    assert RoundResult.objects.count() == 0
    assert Round.objects.get(pk=rnd.pk).status == "closed"


def test_without_round_units_the_active_units_are_appraised(worked: dict[str, Any]) -> None:
    rnd: Round = worked["round"]
    RoundUnit.objects.filter(round=rnd).delete()
    Unit.objects.filter(code="U2").update(active=False)
    round_results_compute(round=rnd, by=APPRAISER, bootstrap=100, seed=1)
    scores = _scores(rnd)
    assert sorted(scores) == ["U1", "U3"]
    assert (scores["U1"].rank, scores["U1"].of) == (1, 1)


def test_selectors_read_the_stored_results(worked: dict[str, Any]) -> None:
    rnd: Round = worked["round"]
    assert round_result_get(round=rnd) is None
    assert unit_scores_list(round=rnd) == []
    result = round_results_compute(round=rnd, by=APPRAISER, bootstrap=100, seed=1)
    assert round_result_get(round=rnd) == result
    assert [(s.unit.code, s.rank) for s in unit_scores_list(round=rnd)] == [("U1", 1), ("U2", 2), ("U3", 1)]
    assert [s.unit.code for s in unit_scores_list(round=rnd, kind="department")] == ["U3"]
    assert not math.isnan(result.city_score)
