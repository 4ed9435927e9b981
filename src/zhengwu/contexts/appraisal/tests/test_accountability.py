"""Accountability: the rules over plain rank histories, the statistical caveat, and the services
that apply them and record the harm findings (never by the evaluator)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings

from zhengwu.contexts.appraisal.accountability import (
    DEFAULT_RULES,
    RankRecord,
    Rule,
    accountability_apply,
    accountability_evaluate,
    accountability_rules,
    harm_flag_enter,
    outcomes_of,
    rules_load,
)
from zhengwu.contexts.appraisal.models import AccountabilityOutcome, HarmFlag, Round
from zhengwu.contexts.appraisal.tests._report_fixtures import (
    NOW,
    SYSTEM,
    World,
    client_for,
    round_make,
    scores_make,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

RULES = rules_load(DEFAULT_RULES)
QUARTERS = {
    "2025Q4": dt.date(2025, 10, 1),
    "2026Q1": dt.date(2026, 1, 1),
    "2026Q2": dt.date(2026, 4, 1),
    "2026Q3": dt.date(2026, 7, 1),
}
NAMES = {"A": "甲中心", "B": "乙中心", "C": "丙中心", "X": "某部门", "Y": "另一部门"}


def _round(code: str, totals: dict[str, float | tuple[float, float, float, float]]) -> list[RankRecord]:
    """One round's records: a bare total gets a ±1 interval and P(last) 0.9 (clearly separated units)."""
    records = []
    for unit, value in totals.items():
        total, low, high, p_last = value if isinstance(value, tuple) else (value, value - 1, value + 1, 0.9)
        records.append(
            RankRecord(
                round_code=code,
                period_start=QUARTERS[code],
                unit_code=unit,
                unit_name=NAMES[unit],
                kind="department" if unit in "XY" else "centre",
                total=total,
                ci_low=low,
                ci_high=high,
                p_last=p_last,
            )
        )
    return records


def _outcomes(history: list[RankRecord], flags: set[tuple[str, str]] | None = None, **kw: Any) -> list[tuple[str, str]]:
    return [
        (o.unit_code, o.rule) for o in accountability_evaluate(history=history, flags=flags or set(), rules=RULES, **kw)
    ]


# --- pure rules ---------------------------------------------------------------------------------


def test_last_twice_in_a_year_is_criticised_and_its_head_interviewed() -> None:
    history = _round("2026Q1", {"A": 80, "B": 90, "C": 85}) + _round("2026Q2", {"A": 79, "B": 88, "C": 86})
    [outcome] = accountability_evaluate(history=history, flags=set(), rules=RULES)
    assert (outcome.unit_code, outcome.rule, outcome.outcome) == ("A", "last_twice_in_year", "通报批评，约谈主要负责人")
    assert outcome.rounds == ("2026Q1", "2026Q2")
    assert (outcome.distinguishable, outcome.note) == (True, "")


def test_last_once_gives_nothing() -> None:
    history = _round("2026Q1", {"A": 80, "B": 90, "C": 85}) + _round("2026Q2", {"A": 87, "B": 88, "C": 86})
    assert _outcomes(history) == []


def test_last_in_the_fourth_quarter_and_the_next_first_quarter_is_not_the_same_year() -> None:
    history = _round("2025Q4", {"A": 80, "B": 90, "C": 85}) + _round("2026Q1", {"A": 79, "B": 88, "C": 86})
    assert _outcomes(history) == []
    # A window of the last two rounds, whatever the year, is a configuration away.
    rolling = [Rule(code="last_twice_rolling", title="连续两轮末位", outcome="通报批评", window_rounds=2)]
    [outcome] = accountability_evaluate(history=history, flags=set(), rules=rolling)
    assert (outcome.unit_code, outcome.rounds) == ("A", ("2025Q4", "2026Q1"))


def test_the_last_places_must_include_this_round() -> None:
    history = (
        _round("2026Q1", {"A": 80, "B": 90, "C": 85})
        + _round("2026Q2", {"A": 79, "B": 88, "C": 86})
        + _round("2026Q3", {"A": 89, "B": 88, "C": 86})
    )
    assert _outcomes(history) == []
    assert _outcomes(history, current_round="2026Q2") == [("A", "last_twice_in_year")]


def test_referral_needs_a_harm_flag_in_one_of_the_last_rounds() -> None:
    history = _round("2026Q1", {"A": 80, "B": 90, "C": 85}) + _round("2026Q2", {"A": 79, "B": 88, "C": 86})
    assert _outcomes(history, flags={("2026Q1", "B")}) == [("A", "last_twice_in_year")]
    assert _outcomes(history, flags={("2026Q1", "A")}) == [
        ("A", "last_twice_in_year"),
        ("A", "last_twice_key_projects"),
    ]
    [_, referral] = accountability_evaluate(history=history, flags={("2026Q2", "A")}, rules=RULES)
    assert (referral.outcome, referral.details["harm_flag_rounds"]) == ("移交纪检监察机关", ["2026Q2"])


def test_a_flag_alone_does_not_refer_a_unit_last_only_once() -> None:
    history = _round("2026Q1", {"A": 88, "B": 90, "C": 85}) + _round("2026Q2", {"A": 79, "B": 88, "C": 86})
    assert _outcomes(history, flags={("2026Q1", "A"), ("2026Q2", "A")}) == []


def test_kinds_are_ranked_apart() -> None:
    # X is below every centre but last only among the departments, with Y.
    history = _round("2026Q1", {"A": 80, "B": 90, "X": 70, "Y": 75}) + _round(
        "2026Q2", {"A": 79, "B": 88, "X": 70, "Y": 72}
    )
    assert _outcomes(history) == [("A", "last_twice_in_year"), ("X", "last_twice_in_year")]


def test_a_tie_for_last_makes_both_units_last_and_never_distinguishable() -> None:
    history = _round("2026Q1", {"A": 80.001, "B": 90, "C": 80.004}) + _round(
        "2026Q2", {"A": (79.0, 77.0, 81.0, 0.5), "B": 88, "C": (79.0, 77.5, 80.5, 0.5)}
    )
    outcomes = accountability_evaluate(history=history, flags=set(), rules=RULES)
    assert [(o.unit_code, o.distinguishable) for o in outcomes] == [("A", False), ("C", False)]
    assert outcomes[0].note == "2026Q1 与丙中心并列末位（末位概率 0.90）；本季度与丙中心并列末位（末位概率 0.50）"
    assert outcomes[1].note == "2026Q1 与甲中心并列末位（末位概率 0.90）；本季度与甲中心并列末位（末位概率 0.50）"


def test_a_last_place_within_the_next_units_interval_carries_the_caveat() -> None:
    history = _round("2026Q1", {"A": (80.0, 78.0, 81.0, 0.93), "B": 90, "C": 85}) + _round(
        "2026Q2", {"A": (84.0, 81.5, 86.5, 0.46), "B": 88, "C": (84.6, 82.0, 87.0, 0.41)}
    )
    [outcome] = accountability_evaluate(history=history, flags=set(), rules=RULES)
    assert outcome.distinguishable is False
    # 2026Q1: A's upper bound 81.0 is below C's lower bound 84.0, so only this quarter is in doubt.
    assert outcome.note == "本季度排名末位与倒数第二名的差异在统计上不显著（末位概率 0.46）"
    assert [p["distinguishable"] for p in outcome.details["last_places"]] == [True, False]
    assert outcome.details["last_places"][1]["next_unit"] == "C"


def test_misconfigured_rules_are_refused() -> None:
    for bad in (
        [{"code": "", "outcome": "通报"}],
        [{"code": "r", "outcome": ""}],
        [{"code": "r", "outcome": "通报", "min_last": 0}],
        [{"code": "r", "outcome": "通报", "min_last": 3, "window_rounds": 2}],
        [{"code": "r", "outcome": "a"}, {"code": "r", "outcome": "b"}],
    ):
        with pytest.raises(InvalidInput):
            rules_load(bad)


def test_the_rules_in_force_without_configuration_are_kunmings_two() -> None:
    assert django_settings.ZHENGWU_APPRAISAL_ACCOUNTABILITY == []
    assert accountability_rules() == RULES
    assert [r.code for r in RULES] == ["last_twice_in_year", "last_twice_key_projects"]
    assert django_settings.ZHENGWU_APPRAISAL_HARM_FLAG_ROLES == ["city_leader"]


# --- services -----------------------------------------------------------------------------------


@pytest.fixture
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, _clock: None) -> World:
    return world_build()


def _two_quarters(world: World, *, second: str = Round.Status.PUBLISHED) -> tuple[Round, Round]:
    q1 = round_make(world, "2026Q1", dt.date(2026, 1, 1))
    q2 = round_make(world, "2026Q2", dt.date(2026, 4, 1), status=second)
    scores_make(world, q1, {"C001": 90, "C002": 80, "C003": 85, "D001": 88, "D002": 86, "D003": 84})
    scores_make(
        world,
        q2,
        {
            "C001": 91,
            "C002": (84.0, 81.5, 86.5, 0.46),
            "C003": (84.6, 82.0, 87.0, 0.41),
            "D001": 88,
            "D002": 86,
            "D003": 87,
        },
    )
    return q1, q2


def test_applying_the_rules_replaces_the_rounds_outcomes_with_one_audit_entry(world: World) -> None:
    _, q2 = _two_quarters(world)
    [outcome] = accountability_apply(round=q2, by=world["appraiser"])
    assert (outcome.unit.code, outcome.rule, outcome.outcome) == (
        "C002",
        "last_twice_in_year",
        "通报批评，约谈主要负责人",
    )
    assert outcome.note == "本季度排名末位与倒数第二名的差异在统计上不显著（末位概率 0.46）"
    assert outcome.details["rounds"] == ["2026Q1", "2026Q2"]
    accountability_apply(round=q2, by=SYSTEM)
    assert AccountabilityOutcome.objects.count() == 1
    entries = list(AuditEntry.objects.filter(action="appraisal.accountability.apply").values_list("object_id", "after"))
    assert len(entries) == 2
    assert entries[1][1]["outcomes"] == [{"unit": "C002", "rule": "last_twice_in_year", "distinguishable": False}]


@pytest.mark.parametrize("who", ["leader", "unit_a", "regulator"])
def test_only_the_evaluator_applies_the_rules(world: World, who: str) -> None:
    _, q2 = _two_quarters(world)
    with pytest.raises(PermissionDenied):
        accountability_apply(round=q2, by=world[who])
    assert AccountabilityOutcome.objects.count() == 0
    assert not AuditEntry.objects.filter(action="appraisal.accountability.apply").exists()


def test_a_round_without_results_has_no_outcomes_yet(world: World) -> None:
    q3 = round_make(world, "2026Q3", dt.date(2026, 7, 1), status=Round.Status.CLOSED)
    with pytest.raises(Conflict) as refused:
        accountability_apply(round=q3, by=world["appraiser"])
    assert refused.value.code == "appraisal_round_not_scored"


@pytest.mark.parametrize("who", ["appraiser", "unit_a", "regulator", "public"])
def test_the_evaluator_and_others_cannot_enter_a_harm_flag(world: World, who: str) -> None:
    q1, _ = _two_quarters(world)
    with pytest.raises(PermissionDenied) as refused:
        harm_flag_enter(round=q1, unit=world.units["C002"], evidence="重点项目审批延误三个月", by=world[who])
    assert refused.value.code == "appraisal_harm_flag_denied"
    assert HarmFlag.objects.count() == 0
    assert not AuditEntry.objects.filter(action="appraisal.harm_flag.enter").exists()


def test_a_leaders_harm_flag_needs_evidence_and_turns_the_last_places_into_a_referral(world: World) -> None:
    q1, q2 = _two_quarters(world)
    accountability_apply(round=q2, by=world["appraiser"])
    with pytest.raises(InvalidInput):
        harm_flag_enter(round=q1, unit=world.units["C002"], evidence="  ", by=world["leader"])
    assert HarmFlag.objects.count() == 0
    flag = harm_flag_enter(
        round=q1, unit=world.units["C002"], evidence="市重点项目甲审批延误三个月（督查通报第12号）", by=world["leader"]
    )
    assert (flag.entered_by, flag.evidence) == ("leader", "市重点项目甲审批延误三个月（督查通报第12号）")
    assert list(AuditEntry.objects.filter(action="appraisal.harm_flag.enter").values_list("object_id", flat=True)) == [
        "2026Q1/C002"
    ]
    # Q1 alone has no outcome (last once); Q2, a later round with results, now refers C002.
    assert sorted(AccountabilityOutcome.objects.values_list("round__code", "unit__code", "rule")) == [
        ("2026Q2", "C002", "last_twice_in_year"),
        ("2026Q2", "C002", "last_twice_key_projects"),
    ]
    with pytest.raises(Conflict):
        harm_flag_enter(round=q1, unit=world.units["C002"], evidence="再次认定", by=world["leader"])


def test_the_harm_flag_roles_are_configuration(world: World, settings: Any) -> None:
    settings.ZHENGWU_APPRAISAL_HARM_FLAG_ROLES = ["regulator", "appraiser"]
    q1, _ = _two_quarters(world)
    with pytest.raises(PermissionDenied):
        harm_flag_enter(round=q1, unit=world.units["C002"], evidence="延误", by=world["leader"])
    # Named in the configuration or not, the evaluator never judges harm.
    with pytest.raises(PermissionDenied):
        harm_flag_enter(round=q1, unit=world.units["C002"], evidence="延误", by=world["appraiser"])
    harm_flag_enter(round=q1, unit=world.units["C002"], evidence="延误", by=world["regulator"])
    assert list(HarmFlag.objects.values_list("entered_by", flat=True)) == ["regulator"]


def test_leaders_read_outcomes_only_once_published(world: World) -> None:
    _, q2 = _two_quarters(world, second=Round.Status.SCORED)
    accountability_apply(round=q2, by=world["appraiser"])
    with pytest.raises(PermissionDenied):
        outcomes_of(round=q2, by=world["leader"])
    assert client_for("leader").get("/appraisal/rounds/2026Q2/accountability/").status_code == 403
    assert [o.unit.code for o in outcomes_of(round=q2, by=world["appraiser"])] == ["C002"]
    q2.status = Round.Status.PUBLISHED
    q2.save()
    assert [o.unit.code for o in outcomes_of(round=q2, by=world["leader"])] == ["C002"]
    with pytest.raises(PermissionDenied):
        outcomes_of(round=q2, by=world["unit_a"])


def test_the_accountability_page_shows_caveats_and_the_flag_forms_to_the_official(world: World) -> None:
    _two_quarters(world)
    evaluator = client_for("appraiser")
    assert evaluator.post("/appraisal/rounds/2026Q2/accountability/apply/").status_code == 302
    page = evaluator.get("/appraisal/rounds/2026Q2/accountability/").content.decode()
    assert 'data-unit="C002" data-rule="last_twice_in_year" data-distinguishable="0"' in page
    assert "本季度排名末位与倒数第二名的差异在统计上不显著（末位概率 0.46）" in page
    assert 'data-testid="apply-form"' in page
    assert 'data-testid="flag-form-C002"' not in page
    leader = client_for("leader")
    page = leader.get("/appraisal/rounds/2026Q2/accountability/").content.decode()
    assert 'data-testid="flag-form-C002"' in page
    assert 'data-testid="apply-form"' not in page
    refused = leader.post("/appraisal/rounds/2026Q2/accountability/flags/", {"unit": "C002", "evidence": ""})
    assert refused.status_code == 400
    assert 'data-code="appraisal_harm_flag_evidence"' in refused.content.decode()
    done = leader.post("/appraisal/rounds/2026Q2/accountability/flags/", {"unit": "C002", "evidence": "项目延误"})
    assert done.status_code == 302
    assert 'data-testid="flag-C002"' in leader.get("/appraisal/rounds/2026Q2/accountability/").content.decode()
    assert (
        'data-rule="last_twice_key_projects"'
        in evaluator.get("/appraisal/rounds/2026Q2/accountability/").content.decode()
    )
    refused = evaluator.post("/appraisal/rounds/2026Q2/accountability/flags/", {"unit": "C003", "evidence": "x"})
    assert refused.status_code == 403
    assert HarmFlag.objects.filter(unit__code="C003").count() == 0
