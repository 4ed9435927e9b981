"""Committee size and composition (no database): ≥ 5 or ≥ 3, odd, experts ≥ 2/3, ≥ 7 for large procurements."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.contexts.experts.rules import (
    CommitteeKind,
    DrawGroup,
    DrawRequest,
    committee_check,
    committee_kind_for,
    committee_minimum,
    experts_minimum,
    request_committee_check,
)
from zhengwu.kernel.errors import InvalidInput

CONSTRUCTION = CommitteeKind.CONSTRUCTION_EVALUATION.value
PROCUREMENT = CommitteeKind.PROCUREMENT_EVALUATION.value
TEN_MILLION_FEN = 10_000_000 * 100


def codes(**kwargs: object) -> list[str]:
    return [v.code for v in committee_check(**kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("size", "needed"), [(3, 2), (5, 4), (7, 5), (9, 6), (11, 8), (13, 9)])
def test_experts_are_at_least_two_thirds_rounded_up(size: int, needed: int) -> None:
    assert experts_minimum(kind=CONSTRUCTION, size=size) == needed
    assert 3 * needed >= 2 * size > 3 * (needed - 1)


def test_a_construction_committee_of_five_with_four_experts_is_lawful() -> None:
    assert committee_check(kind=CONSTRUCTION, size=5, experts=4) == []
    assert committee_check(kind=CONSTRUCTION, size=7, experts=7) == []


def test_a_construction_committee_too_small_even_or_short_of_experts_is_refused_with_the_article() -> None:
    (small, even) = committee_check(kind=CONSTRUCTION, size=4, experts=4)
    assert (small.code, small.detail) == ("committee_too_small", {"size": 4, "minimum": 5})
    assert "《招标投标法》第三十七条" in small.message
    assert small.article == "《招标投标法》第三十七条"
    assert even.code == "committee_size_even"
    assert codes(kind=CONSTRUCTION, size=6, experts=6) == ["committee_size_even"]
    (few,) = committee_check(kind=CONSTRUCTION, size=7, experts=4)
    assert few.code == "committee_experts_too_few"
    assert few.detail == {"size": 7, "experts": 4, "minimum": 5, "share": "2/3"}
    assert codes(kind=CONSTRUCTION, size=3, experts=1) == [
        "committee_too_small",
        "committee_experts_too_few",
    ]


def test_a_procurement_committee_needs_seven_from_ten_million_yuan_upward() -> None:
    assert committee_minimum(kind=PROCUREMENT, budget_fen=TEN_MILLION_FEN - 1)[0] == 5
    assert committee_check(kind=PROCUREMENT, size=5, experts=4, budget_fen=TEN_MILLION_FEN - 1) == []
    # “1000万元以上” includes 1000万 itself.
    (small,) = committee_check(kind=PROCUREMENT, size=5, experts=4, budget_fen=TEN_MILLION_FEN)
    assert (small.code, small.detail["minimum"]) == ("committee_too_small", 7)
    assert small.article.endswith("第四十七条第二款")
    assert committee_check(kind=PROCUREMENT, size=7, experts=5, budget_fen=TEN_MILLION_FEN) == []
    assert codes(kind=PROCUREMENT, size=5, experts=4, complex_project=True) == ["committee_too_small"]
    assert codes(kind=PROCUREMENT, size=5, experts=4, high_impact=True) == ["committee_too_small"]
    assert codes(kind=PROCUREMENT, size=8, experts=6, high_impact=True) == ["committee_size_even"]


def test_negotiation_and_inquiry_groups_are_three_or_five_at_the_open_tender_threshold() -> None:
    for kind in (CommitteeKind.PROCUREMENT_NEGOTIATION, CommitteeKind.PROCUREMENT_INQUIRY):
        assert committee_check(kind=kind, size=3, experts=2) == []
        assert codes(kind=kind, size=3, experts=1) == ["committee_experts_too_few"]
        assert codes(kind=kind, size=3, experts=2, at_open_tender_threshold=True) == ["committee_too_small"]
        assert committee_check(kind=kind, size=5, experts=4, at_open_tender_threshold=True) == []
    # 磋商 (214号) has no five-member rule of its own.
    consultation = CommitteeKind.PROCUREMENT_CONSULTATION
    assert committee_check(kind=consultation, size=3, experts=2, at_open_tender_threshold=True) == []
    assert codes(kind=consultation, size=4, experts=3) == ["committee_size_even"]


def test_procedures_map_to_their_committee_and_others_to_none() -> None:
    assert committee_kind_for(procedure="construction.open_prequalification") == CommitteeKind.CONSTRUCTION_EVALUATION
    assert committee_kind_for(procedure="procurement.open") == CommitteeKind.PROCUREMENT_EVALUATION
    assert committee_kind_for(procedure="procurement.inquiry") == CommitteeKind.PROCUREMENT_INQUIRY
    assert committee_kind_for(procedure="procurement.single_source") is None
    assert committee_kind_for(procedure="land.auction") is None


def test_impossible_numbers_and_unknown_kinds_are_invalid_input() -> None:
    with pytest.raises(InvalidInput) as exc:
        committee_check(kind="construction.jury", size=5, experts=4)
    assert exc.value.code == "committee_kind_unknown"
    with pytest.raises(InvalidInput) as exc:
        committee_check(kind=CONSTRUCTION, size=5, experts=6)
    assert exc.value.code == "committee_numbers_invalid"
    with pytest.raises(InvalidInput) as exc:
        committee_check(kind=CONSTRUCTION, size=-1, experts=0)
    assert exc.value.code == "number_invalid"
    with pytest.raises(InvalidInput) as exc:
        committee_check(kind=CONSTRUCTION, size=True, experts=0)  # a bool is not a count
    assert exc.value.code == "number_invalid"


def test_a_request_is_checked_as_the_committee_it_fills() -> None:
    request = DrawRequest(
        reference="D-1",
        project_code="P-1",
        tenderer_uscc="91530100MA6K0000X1",
        evaluation_on=dt.date(2026, 5, 6),
        groups=(DrawGroup(specialties=("A01",), count=3, reserves=2), DrawGroup(specialties=("B01",), count=1)),
    )
    assert request_committee_check(request=request, kind=CONSTRUCTION, representatives=1) == []
    (even,) = request_committee_check(request=request, kind=CONSTRUCTION, representatives=2)
    assert even.code == "committee_size_even"
    (few,) = request_committee_check(request=request, kind=CONSTRUCTION, representatives=3)
    assert (few.code, few.detail["minimum"]) == ("committee_experts_too_few", 5)
