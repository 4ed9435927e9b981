"""The avoidance screen (回避), worked case by case on a small pool (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.contexts.experts.rules import (
    AvoidancePolicy,
    Candidate,
    Conflict,
    DateRange,
    DrawGroup,
    DrawRequest,
    PastDraw,
    Relation,
    candidate_reasons,
    candidates_screen,
    years_before,
)
from zhengwu.kernel.errors import InvalidInput

TENDERER = "91530100MA6K0000X1"
AGENCY = "91530100MA6K0001X2"
BIDDER = "91530100MA6K0002X3"
OTHER = "91530100MA6K0003X4"
EVAL = dt.date(2026, 5, 6)  # a Wednesday; the evaluation runs 6–7 May


def request(**overrides: object) -> DrawRequest:
    fields: dict[str, object] = {
        "reference": "D-2026-001",
        "project_code": "P-1",
        "tenderer_uscc": TENDERER,
        "agency_uscc": AGENCY,
        "bidder_usccs": (BIDDER,),
        "evaluation_on": EVAL,
        "evaluation_until": EVAL + dt.timedelta(days=1),
        "groups": (DrawGroup(specialties=("A01",), count=3, reserves=1),),
    }
    fields.update(overrides)
    return DrawRequest(**fields)  # type: ignore[arg-type]


def expert(cid: str, **overrides: object) -> Candidate:
    fields: dict[str, object] = {"id": cid, "specialties": ("A0102",), "region": "530102"}
    fields.update(overrides)
    return Candidate(**fields)  # type: ignore[arg-type]


def reasons(candidate: Candidate, req: DrawRequest | None = None, policy: AvoidancePolicy | None = None) -> list[str]:
    return [
        r.code.value
        for r in candidate_reasons(candidate=candidate, request=req or request(), policy=policy or AvoidancePolicy())
    ]


def test_a_clean_expert_of_a_requested_specialty_is_eligible() -> None:
    assert reasons(expert("E1")) == []
    assert reasons(expert("E1", employer_uscc=OTHER)) == []


def test_employees_of_the_tenderer_the_agency_or_a_bidder_are_excluded() -> None:
    assert reasons(expert("E1", employer_uscc=TENDERER)) == ["employer_tenderer"]
    assert reasons(expert("E1", employer_uscc=AGENCY)) == ["employer_agency"]
    assert reasons(expert("E1", employer_uscc=BIDDER)) == ["employer_bidder"]
    # Codes are compared as stored: a code typed in lower case or full width is the same code.
    assert reasons(expert("E1", employer_uscc="９１５３０１００ma6k0002x3")) == ["employer_bidder"]


def test_employment_directorship_and_control_count_for_three_years_after_they_end() -> None:
    cutoff = years_before(EVAL, 3)
    assert cutoff == dt.date(2023, 5, 6)
    for relation in (Relation.EMPLOYMENT, Relation.DIRECTORSHIP, Relation.CONTROL):
        ended_at_cutoff = Conflict(uscc=BIDDER, relation=relation, start=dt.date(2015, 1, 1), end=cutoff)
        ended_before = Conflict(uscc=BIDDER, relation=relation, end=cutoff - dt.timedelta(days=1))
        ongoing = Conflict(uscc=TENDERER, relation=relation, start=dt.date(2020, 1, 1))
        assert reasons(expert("E1", conflicts=(ended_at_cutoff,))) == ["conflict_bidder"]
        assert reasons(expert("E1", conflicts=(ended_before,))) == []
        assert reasons(expert("E1", conflicts=(ongoing,))) == ["conflict_tenderer"]
    # The look-back is a setting: one year instead of three lets the 2023 tie go.
    one_year = AvoidancePolicy(look_back_years=1)
    two_years_ago = Conflict(uscc=AGENCY, relation=Relation.EMPLOYMENT, end=dt.date(2024, 5, 6))
    assert reasons(expert("E1", conflicts=(two_years_ago,))) == ["conflict_agency"]
    assert reasons(expert("E1", conflicts=(two_years_ago,)), policy=one_year) == []


def test_kinship_and_other_ties_count_while_they_last_and_future_ties_do_not_count_yet() -> None:
    kin = Conflict(uscc=BIDDER, relation=Relation.KINSHIP)
    kin_ended = Conflict(uscc=BIDDER, relation=Relation.KINSHIP, end=EVAL - dt.timedelta(days=1))
    economic_on_second_day = Conflict(uscc=BIDDER, relation=Relation.ECONOMIC, end=EVAL + dt.timedelta(days=1))
    starts_after = Conflict(uscc=BIDDER, relation=Relation.DIRECTORSHIP, start=EVAL + dt.timedelta(days=2))
    starts_on_second_day = Conflict(uscc=BIDDER, relation=Relation.OTHER, start=EVAL + dt.timedelta(days=1))
    assert reasons(expert("E1", conflicts=(kin,))) == ["conflict_bidder"]
    assert reasons(expert("E1", conflicts=(kin_ended,))) == []
    assert reasons(expert("E1", conflicts=(economic_on_second_day,))) == ["conflict_bidder"]
    assert reasons(expert("E1", conflicts=(starts_after,))) == []
    assert reasons(expert("E1", conflicts=(starts_on_second_day,))) == ["conflict_bidder"]
    # A tie with an organisation that takes no part in this tender does not matter.
    assert reasons(expert("E1", conflicts=(Conflict(uscc=OTHER, relation=Relation.KINSHIP),))) == []


def test_an_expert_drawn_twice_for_the_same_tenderer_within_ninety_days_is_not_drawn_again() -> None:
    recent = (PastDraw(tenderer_uscc=TENDERER, drawn_on=dt.date(2026, 3, 1)), PastDraw(TENDERER, dt.date(2026, 4, 30)))
    candidate = expert("E1", draws=recent)
    (reason,) = candidate_reasons(candidate=candidate, request=request())
    assert reason.code == "same_tenderer_frequency"
    assert reason.detail == {"draws": ["2026-03-01", "2026-04-30"], "max_draws": 2, "window_days": 90}
    # 2026-02-05 is 90 days before the evaluation, the first day of the window; the 4th is outside.
    assert reasons(expert("E1", draws=(PastDraw(TENDERER, dt.date(2026, 2, 5)), recent[1]))) == [
        "same_tenderer_frequency"
    ]
    assert reasons(expert("E1", draws=(PastDraw(TENDERER, dt.date(2026, 2, 4)), recent[1]))) == []
    assert reasons(expert("E1", draws=(PastDraw(OTHER, dt.date(2026, 4, 1)), recent[1]))) == []
    assert reasons(candidate, policy=AvoidancePolicy(same_tenderer_max_draws=3)) == []
    assert reasons(candidate, policy=AvoidancePolicy(same_tenderer_max_draws=None)) == []


def test_unavailable_suspended_supervising_or_previously_drawn_experts_are_excluded() -> None:
    assert reasons(expert("E1", unavailable=(DateRange(EVAL + dt.timedelta(days=1), dt.date(2026, 5, 20)),))) == [
        "unavailable"
    ]
    assert reasons(expert("E1", unavailable=(DateRange(dt.date(2026, 5, 1), EVAL - dt.timedelta(days=1)),))) == []
    assert reasons(expert("E1", active=False)) == ["inactive"]
    assert reasons(expert("E1", supervises=("P-1",))) == ["supervisor"]
    assert reasons(expert("E1", supervises=("P-2",))) == []
    assert reasons(expert("E1"), request(previously_drawn=("E1", "E9"))) == ["previously_drawn"]


def test_specialties_and_regions_match_by_their_hierarchy() -> None:
    assert reasons(expert("E1", specialties=("A01",))) == []
    assert reasons(expert("E1", specialties=("A1", "B01"))) == ["specialty_mismatch"]
    local = request(regions=("5301",))
    assert reasons(expert("E1", region="530102"), local) == []
    assert reasons(expert("E1", region="520102"), local) == ["region_mismatch"]
    away = request(excluded_regions=("5301",))  # 异地抽取: not from the tenderer's city
    assert reasons(expert("E1", region="530102"), away) == ["region_mismatch"]
    assert reasons(expert("E1", region="532300"), away) == []
    # A group's own region: the expert's specialty fits, but only another city's experts are wanted.
    remote = request(groups=(DrawGroup(specialties=("A01",), count=2, regions=("5303",)),))
    assert reasons(expert("E1", region="530102"), remote) == ["region_mismatch"]
    assert reasons(expert("E1", region="530302"), remote) == []


def test_the_screen_splits_the_pool_keeps_every_reason_and_sorts_by_id() -> None:
    pool = [
        expert("E3"),
        expert(
            "E1", employer_uscc=BIDDER, active=False, conflicts=(Conflict(uscc=TENDERER, relation=Relation.KINSHIP),)
        ),
        expert("E2", specialties=("C01",)),
        expert("E0"),
    ]
    eligible, excluded = candidates_screen(candidates=pool, request=request())
    assert [c.id for c in eligible] == ["E0", "E3"]
    assert [(x.candidate.id, x.codes) for x in excluded] == [
        ("E1", ("conflict_tenderer", "employer_bidder", "inactive")),
        ("E2", ("specialty_mismatch",)),
    ]
    assert all(r.label and r.article for x in excluded for r in x.reasons)


def test_bad_input_is_refused_with_stable_codes() -> None:
    with pytest.raises(InvalidInput) as exc:
        candidates_screen(candidates=[expert("E1"), expert("E1")], request=request())
    assert exc.value.code == "candidate_duplicate"
    with pytest.raises(InvalidInput) as exc:
        request(groups=())
    assert exc.value.code == "draw_request_invalid"
    with pytest.raises(InvalidInput) as exc:
        DrawGroup(specialties=("A01",), count=0)
    assert exc.value.code == "number_invalid"
    with pytest.raises(InvalidInput) as exc:
        DrawGroup(specialties="A01", count=1)  # type: ignore[arg-type]
    assert exc.value.code == "code_invalid"
    with pytest.raises(InvalidInput) as exc:
        request(evaluation_until=EVAL - dt.timedelta(days=1))
    assert exc.value.code == "date_range_invalid"
    with pytest.raises(InvalidInput) as exc:
        Conflict(uscc=BIDDER, relation="friendship")  # type: ignore[arg-type]
    assert exc.value.code == "relation_unknown"
    with pytest.raises(InvalidInput) as exc:
        expert(" E1")
    assert exc.value.code == "candidate_id_invalid"


def test_a_request_survives_its_canonical_form() -> None:
    req = request(regions=("5301",), previously_drawn=("E9",))
    assert DrawRequest.from_dict(req.as_dict()) == req
    assert years_before(dt.date(2028, 2, 29), 3) == dt.date(2025, 2, 28)
