"""Statistics of a round: bootstrap, ranks, change, reliability, sample size (no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhengwu.contexts.appraisal.scoring import (
    Prepared,
    UnitRef,
    answers_encode,
    scores_compute,
    scoring_prepare,
    unit_aggregate,
)
from zhengwu.contexts.appraisal.stats import (
    benjamini_hochberg,
    bootstrap_run,
    category_reliability,
    change_test,
    ci_percentile,
    cronbach_alpha,
    last_check,
    rank_stats_compute,
    ranks_compute,
    sample_size_for_mean,
)
from zhengwu.contexts.appraisal.system import system_from_dict
from zhengwu.contexts.appraisal.tests.test_scoring import WORKED_OBJECTIVE, WORKED_RESPONSES, WORKED_SYSTEM
from zhengwu.kernel.errors import InvalidInput

# --- ranks ---------------------------------------------------------------------------------------


def test_ranks_are_within_kind_best_first_and_ties_share_the_better_rank() -> None:
    totals = np.array([90.0, 80.0, 80.0, 70.0, 60.0, 85.0, np.nan])
    kinds = ["centre", "centre", "centre", "centre", "department", "department", "department"]
    assert ranks_compute(totals=totals, groups=kinds).tolist()[:6] == [1.0, 2.0, 2.0, 4.0, 2.0, 1.0]
    assert math.isnan(ranks_compute(totals=totals, groups=kinds)[6])


def test_ranks_of_many_draws_at_once() -> None:
    totals = np.array([[3.0, 2.0, 1.0], [1.0, 1.0, 2.0]])
    assert ranks_compute(totals=totals, groups=["a", "a", "a"]).tolist() == [[1, 2, 3], [2, 2, 1]]


def test_rank_stats_count_ties_as_last_for_both() -> None:
    # Four draws of three units. Draw 3: B and C tie for last → both last in that draw.
    totals = np.array([[90, 80, 70], [90, 70, 80], [90, 75, 75], [60, 80, 70]], dtype=float)
    stats = rank_stats_compute(totals=totals, groups=["k"] * 3, bottom=1)
    assert stats.p_last.tolist() == [0.25, 0.5, 0.5]
    assert stats.p_bottom.tolist() == [0.25, 0.5, 0.5]  # bottom 1 = last
    # A's ranks 1, 1, 1, 3 → median 1; C's ranks 3, 2, 2, 2 → median 2.
    assert stats.median.tolist() == [1.0, 2.0, 2.0]


# --- bootstrap -----------------------------------------------------------------------------------


def _three_units(n: int = 60) -> Prepared:
    """A clearly worst unit (W) and two indistinguishable units (A, B with the same answers)."""
    system = system_from_dict({**WORKED_SYSTEM, "min_answers": 5})
    rng = np.random.default_rng(7)
    good = [{"q1": str(v), "q2": str(w), "q3": "4", "q4": "yes"} for v, w in rng.integers(3, 6, size=(n, 2))]
    bad = [{"q1": str(v), "q2": str(w), "q3": "2", "q4": "no"} for v, w in rng.integers(1, 3, size=(n, 2))]
    answers = good + good + bad
    units = [UnitRef("A", "centre"), UnitRef("B", "centre"), UnitRef("W", "centre")]
    return scoring_prepare(
        system=system,
        units=units,
        unit_index=[0] * n + [1] * n + [2] * n,
        levels=answers_encode(system=system, answers=answers),
        objective={("A", "B2"): 5, ("B", "B2"): 5, ("W", "B2"): 5},
    )


def test_a_resample_is_a_vector_of_counts_run_through_the_same_pipeline() -> None:
    # U1 of the worked example drawn as r1 twice, r2 never, r3 once:
    #   A1 (85 + 85 + 60)/3 = 76.667; A2 unanswered → suppressed; B1 100, 100, 100 → 100; B2 50
    #   A = 76.667; B = (100 + 3·50)/4 = 62.5; total = 0.6·76.667 + 0.4·62.5 = 46 + 25 = 71
    system = system_from_dict(WORKED_SYSTEM)
    answers = [a for _, a in WORKED_RESPONSES]
    prepared = scoring_prepare(
        system=system,
        units=[UnitRef("U1", "centre"), UnitRef("U2", "centre"), UnitRef("U3", "department")],
        unit_index=[u for u, _ in WORKED_RESPONSES],
        levels=answers_encode(system=system, answers=answers),
        objective=WORKED_OBJECTIVE,
    )
    counts = np.array([[2.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    aggregate = unit_aggregate(prepared=prepared, unit=0, sums=counts @ prepared.packed[0:3])
    assert aggregate.totals.tolist() == [pytest.approx(71.0), pytest.approx(200 / 3)]
    # The same as scoring a data set that holds exactly those responses.
    replicated = scoring_prepare(
        system=system,
        units=[UnitRef("U1", "centre")],
        unit_index=[0, 0, 0],
        levels=answers_encode(system=system, answers=[answers[0], answers[0], answers[2]]),
        objective={("U1", "B2"): 11.0},
    )
    assert scores_compute(prepared=replicated).totals[0] == pytest.approx(71.0)


def test_bootstrap_is_reproducible_with_a_seed_and_differs_with_another() -> None:
    prepared = _three_units()
    calls: list[tuple[int, int]] = []
    first = bootstrap_run(
        prepared=prepared, resamples=300, rng=np.random.default_rng(42), progress=lambda d, t: calls.append((d, t))
    )
    again = bootstrap_run(prepared=prepared, resamples=300, rng=np.random.default_rng(42))
    other = bootstrap_run(prepared=prepared, resamples=300, rng=np.random.default_rng(43))
    assert first.totals.shape == (300, 3)
    assert np.array_equal(first.totals, again.totals)
    assert np.array_equal(first.city, again.city)
    assert not np.array_equal(first.totals, other.totals)
    assert calls == [(250, 300), (300, 300)]


def test_the_clearly_worst_unit_is_last_and_two_equal_units_share_it_otherwise() -> None:
    prepared = _three_units()
    boot = bootstrap_run(prepared=prepared, resamples=1000, rng=np.random.default_rng(1))
    stats = rank_stats_compute(totals=boot.totals, groups=["centre"] * 3)
    assert stats.p_last.tolist() == [0.0, 0.0, 1.0]
    assert stats.median.tolist()[2] == 3.0
    assert (stats.low[2], stats.high[2]) == (3.0, 3.0)

    # Without W, A and B (the same answers, resampled independently) are each last about half
    # the time; a draw where they tie counts for both.
    two = bootstrap_run(prepared=prepared, resamples=1000, rng=np.random.default_rng(1)).totals[:, :2]
    shared = rank_stats_compute(totals=two, groups=["centre"] * 2)
    assert 0.4 < shared.p_last[0] < 0.6
    assert 0.4 < shared.p_last[1] < 0.6
    assert shared.p_last.sum() >= 1.0
    assert (shared.low.tolist(), shared.high.tolist()) == ([1.0, 1.0], [2.0, 2.0])


def test_percentile_intervals_contain_the_point_estimates() -> None:
    prepared = _three_units()
    scores = scores_compute(prepared=prepared)
    boot = bootstrap_run(prepared=prepared, resamples=500, rng=np.random.default_rng(5))
    low, high = ci_percentile(boot.totals)
    assert ((low <= scores.totals) & (scores.totals <= high)).all()
    assert (high - low > 0).all()
    city_low, city_high = ci_percentile(boot.city)
    assert city_low <= scores.city_score <= city_high


def test_a_unit_without_respondents_stays_unscored_in_every_draw() -> None:
    system = system_from_dict(WORKED_SYSTEM)
    units = [UnitRef("U1", "centre"), UnitRef("U2", "centre")]
    answers = [{"q1": "5", "q2": "5", "q3": "5", "q4": "yes"}] * 3
    prepared = scoring_prepare(
        system=system, units=units, unit_index=[0, 0, 0], levels=answers_encode(system=system, answers=answers)
    )
    boot = bootstrap_run(prepared=prepared, resamples=10, rng=np.random.default_rng(0))
    assert np.isnan(boot.totals[:, 1]).all()
    assert boot.totals[:, 0].tolist() == [100.0] * 10
    stats = rank_stats_compute(totals=boot.totals, groups=["centre", "centre"])
    assert stats.p_last[0] == 1.0
    assert math.isnan(stats.p_last[1])


# --- last place -----------------------------------------------------------------------------------


def test_last_is_distinguishable_only_when_the_intervals_do_not_overlap() -> None:
    apart = last_check(
        codes=["A", "B", "C"],
        totals=[80, 70, 60],
        ci_low=[77, 67, 55],
        ci_high=[83, 73, 64],
        p_last=[0, 0.01, 0.99],
    )
    assert apart is not None
    assert (apart.last, apart.next, apart.distinguishable, apart.p_last) == ("C", "B", True, 0.99)
    overlapping = last_check(
        codes=["A", "B", "C"],
        totals=[80, 62, 60],
        ci_low=[77, 58, 55],
        ci_high=[83, 66, 64],
        p_last=[0, 0.4, 0.6],
    )
    assert overlapping is not None
    assert (overlapping.last, overlapping.next, overlapping.distinguishable) == ("C", "B", False)
    alone = last_check(codes=["A"], totals=[80], ci_low=[77], ci_high=[83], p_last=[1.0])
    assert alone is not None
    assert (alone.next, alone.distinguishable) == (None, False)
    assert last_check(codes=[], totals=[], ci_low=[], ci_high=[], p_last=[]) is None


# --- change and multiplicity -------------------------------------------------------------------------


def test_change_test_z_and_two_sided_p() -> None:
    # se = √(3² + 4²) = 5; a change of 9.8 is z = 1.96, the two-sided 5 % point.
    change = change_test(current=89.8, current_se=3, previous=80, previous_se=4)
    assert change.difference == pytest.approx(9.8)
    assert change.z == pytest.approx(1.96)
    assert change.p == pytest.approx(0.05, abs=1e-4)
    down = change_test(current=80, current_se=3, previous=89.8, previous_se=4)
    assert (down.z, down.p) == (pytest.approx(-1.96), pytest.approx(0.05, abs=1e-4))
    assert change_test(current=80, current_se=3, previous=80, previous_se=4).p == 1.0
    assert change_test(current=81, current_se=0, previous=80, previous_se=0).p == 0.0


def test_benjamini_hochberg_steps_up() -> None:
    # m = 4, q = 0.05: thresholds i·q/m = .0125, .025, .0375, .05.
    # 0.03 fails its own threshold (.025) but 0.034 passes at i = 3, so the step-up rejects 1–3.
    reject, adjusted = benjamini_hochberg([0.034, 0.9, 0.001, 0.03])
    assert reject.tolist() == [True, False, True, True]
    # adjusted: m·p/i = .004, .06, .045333, .9 → running minimum from the top: .004, .045333, .045333, .9
    assert adjusted == pytest.approx([0.045333333, 0.9, 0.004, 0.045333333])
    reject, _ = benjamini_hochberg([0.01, 0.04, 0.03, 0.20])
    assert reject.tolist() == [True, False, False, False]
    reject, adjusted = benjamini_hochberg([0.01, np.nan])
    assert reject.tolist() == [True, False]
    assert math.isnan(adjusted[1])


# --- reliability -------------------------------------------------------------------------------------


def test_cronbach_alpha_by_hand() -> None:
    # Items (columns) of four respondents; the fifth row has a missing answer and is dropped.
    #   item means 2.5, 3.25, 3.75; sums of squared deviations 5, 4.75, 2.75
    #   variances (ddof 1): 5/3, 4.75/3, 2.75/3 → Σ = 12.5/3
    #   row totals 6, 8, 10, 14: mean 9.5, squared deviations 12.25 + 2.25 + .25 + 20.25 = 35 → 35/3
    #   α = 3/2 · (1 − 12.5/35) = 1.5 · 22.5/35 = 27/28
    # Cross-products of deviations: (1,2) 4.5, (1,3) 3.5, (2,3) 3.25 → r = cp/√(ss_i·ss_j)
    matrix = np.array([[1, 2, 3], [2, 3, 3], [3, 3, 4], [4, 5, 5], [1, np.nan, 2]], dtype=float)
    result = cronbach_alpha(matrix)
    assert (result.k, result.n) == (3, 4)
    assert result.alpha == pytest.approx(27 / 28)
    r_bar = (4.5 / math.sqrt(5 * 4.75) + 3.5 / math.sqrt(5 * 2.75) + 3.25 / math.sqrt(4.75 * 2.75)) / 3
    assert result.alpha_std == pytest.approx(3 * r_bar / (1 + 2 * r_bar))
    assert result.alpha_std == pytest.approx(0.97264, abs=1e-5)


def test_cronbach_alpha_undefined_cases() -> None:
    assert math.isnan(cronbach_alpha(np.array([[1.0], [2.0]])).alpha)  # one item
    assert math.isnan(cronbach_alpha(np.array([[1.0, 2.0]])).alpha)  # one respondent
    flat = cronbach_alpha(np.array([[3.0, 3.0], [3.0, 3.0]]))
    assert math.isnan(flat.alpha)
    assert math.isnan(flat.alpha_std)


def test_category_reliability_uses_each_kinds_item_set_and_listwise_deletion() -> None:
    # Category A: centres answer q1, q2, q3; departments q1, q2. Three centre respondents, one
    # with q3 "na" (dropped listwise) → 2 complete; four department respondents → the
    # department group (k = 2, n = 4) has more complete cases and is reported.
    system = system_from_dict(WORKED_SYSTEM)
    units = [UnitRef("C", "centre"), UnitRef("D", "department")]
    answers = [
        {"q1": "5", "q2": "4", "q3": "5", "q4": "yes"},
        {"q1": "3", "q2": "3", "q3": "na", "q4": "yes"},
        {"q1": "2", "q2": "1", "q3": "2", "q4": "no"},
        {"q1": "5", "q2": "5", "q4": "yes"},
        {"q1": "4", "q2": "3", "q4": "yes"},
        {"q1": "2", "q2": "3", "q4": "no"},
        {"q1": "1", "q2": "1", "q4": "no"},
    ]
    prepared = scoring_prepare(
        system=system,
        units=units,
        unit_index=[0, 0, 0, 1, 1, 1, 1],
        levels=answers_encode(system=system, answers=answers),
    )
    reliability = category_reliability(prepared=prepared)
    # Department item points: q1 100, 80, 30, 0; q2 100, 60, 60, 0.
    expected = cronbach_alpha(np.array([[100, 100], [80, 60], [30, 60], [0, 0]], dtype=float))
    assert reliability["A"] == {
        "alpha": pytest.approx(expected.alpha),
        "alpha_std": pytest.approx(expected.alpha_std),
        "k": 2,
        "n": 4,
        "kinds": ["department"],
    }
    # Category B has one scored item (q4): α is undefined, said as None.
    assert reliability["B"] == {"alpha": None, "alpha_std": None, "k": 1, "n": 7, "kinds": ["centre", "department"]}


# --- sample size -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sd", "margin", "population", "expected"),
    [
        (20, 4, None, 97),
        (20, 4, 500, 81),
        (15, 3, None, 97),
        (25, 5, None, 97),
        (20, 3, None, 171),
        (25, 4, 500, 116),
        (15, 4, 500, 49),
        (20, 4, 50, 34),  # 96.04 / (1 + 95.04/50) = 33.1 → 34
        (20, 4, 0, 0),
    ],
)
def test_sample_size_for_a_mean_matches_the_reference_table(
    sd: float, margin: float, population: int | None, expected: int
) -> None:
    assert sample_size_for_mean(sd=sd, margin=margin, population=population) == expected


def test_sample_size_does_not_round_floating_point_noise_up_and_refuses_nonsense() -> None:
    # (2·10/2)² is exactly 100 respondents, whatever the floating point says.
    assert sample_size_for_mean(sd=10, margin=2, population=None, z=2.0) == 100
    with pytest.raises(InvalidInput) as bad:
        sample_size_for_mean(sd=0, margin=4, population=None)
    assert bad.value.code == "appraisal_sample_size_input"
