"""The statistics of a round: bootstrap, ranks and their uncertainty, change, reliability, sample size.

Plain numpy, no database (appraisal-methods.md §2.5, §2.7, §2.9). No GPL code: every
formula is implemented here from its published form.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from zhengwu.contexts.appraisal.scoring import Prepared, city_score_compute, unit_aggregate
from zhengwu.kernel.errors import InvalidInput

# Resamples drawn per pass over the units. Part of what a seed reproduces: do not change it
# casually, or old seeds give other (equally valid) draws.
_CHUNK = 250


# --- bootstrap -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bootstrap:
    """B resamples of the whole pipeline: unit totals (B × U, NaN = unit not scored in that draw) and city scores."""

    totals: np.ndarray
    city: np.ndarray


def bootstrap_run(
    *,
    prepared: Prepared,
    resamples: int,
    rng: np.random.Generator,
    city_weighting: str = "unit",
    progress: Callable[[int, int], None] | None = None,
) -> Bootstrap:
    """Stratified bootstrap: resample respondents with replacement within each unit and rerun the pipeline.

    Each draw keeps every unit's number of respondents. A draw is a vector of counts per
    respondent, so the unit's indicator sums (values and answer counts together) are one matrix
    product ``counts (B × n_u) @ packed (n_u × 2·Ks)``; suppression, renormalisation and the
    totals then run exactly as for the point estimate (``scoring.unit_aggregate``). The same
    ``rng`` state gives the same draws. ``progress(done, resamples)`` is called after each chunk.
    """
    if resamples < 1:
        raise InvalidInput("自助法重抽样次数须为正数", code="appraisal_bootstrap_range")
    n_units = len(prepared.units)
    totals = np.full((resamples, n_units), np.nan)
    for first in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - first)
        for u in range(n_units):
            start, stop = int(prepared.starts[u]), int(prepared.starts[u + 1])
            n_u = stop - start
            if n_u == 0:
                continue
            # Counts of a uniform multinomial, drawn as indices and binned: far cheaper than
            # Generator.multinomial over hundreds of categories.
            picks = rng.integers(0, n_u, size=(size, n_u))
            picks += (np.arange(size) * n_u)[:, None]
            counts = np.bincount(picks.ravel(), minlength=size * n_u).reshape(size, n_u).astype(np.float64)
            sums = counts @ prepared.packed[start:stop]
            totals[first : first + size, u] = unit_aggregate(prepared=prepared, unit=u, sums=sums).totals
        if progress is not None:
            progress(first + size, resamples)
    city = city_score_compute(totals=totals, n=prepared.n, weighting=city_weighting)
    return Bootstrap(totals=totals, city=np.asarray(city))


def ci_percentile(samples: np.ndarray, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along axis 0 (NaN draws left out): the (1 − level)/2 and (1 + level)/2 quantiles."""
    tail = (1.0 - level) / 2.0 * 100.0
    with warnings.catch_warnings():
        # A unit never scored has an all-NaN column: its interval is NaN, which is the answer.
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(samples, [tail, 100.0 - tail], axis=0)
    return low, high


def bootstrap_se(samples: np.ndarray) -> np.ndarray:
    """The bootstrap standard error along axis 0: the standard deviation of the draws (NaN left out)."""
    finite = np.sum(~np.isnan(samples), axis=0)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(samples, axis=0)
        squares = np.nansum((samples - mean) ** 2, axis=0)
        return np.where(finite > 1, np.sqrt(squares / np.maximum(finite - 1, 1)), np.nan)


# --- ranks ---------------------------------------------------------------------------------------


def ranks_compute(*, totals: np.ndarray, groups: Sequence[str] | np.ndarray) -> np.ndarray:
    """Ranks within each group along the last axis: 1 = best, ties share the better rank, NaN stays NaN.

    A unit's rank is one plus the number of units of its group with a strictly higher total
    ("competition" ranking: 90, 80, 80, 70 → 1, 2, 2, 4).
    """
    totals = np.asarray(totals, dtype=np.float64)
    groups = np.asarray(groups)
    ranks = np.full(totals.shape, np.nan)
    for group in dict.fromkeys(groups.tolist()):
        cols = np.flatnonzero(groups == group)
        t = totals[..., cols]
        higher = (t[..., None, :] > t[..., :, None]).sum(axis=-1)
        ranks[..., cols] = np.where(np.isnan(t), np.nan, 1.0 + higher)
    return ranks


@dataclass(frozen=True)
class RankStats:
    """Per unit, over the bootstrap draws in which it was scored."""

    median: np.ndarray  # median rank
    low: np.ndarray  # lower end of the rank interval (a rank, i.e. the better end)
    high: np.ndarray  # upper end
    p_last: np.ndarray  # share of draws in which no unit of its group scored lower
    p_bottom: np.ndarray  # share of draws with fewer than ``bottom`` units of its group lower


def rank_stats_compute(
    *, totals: np.ndarray, groups: Sequence[str] | np.ndarray, interval: float = 0.90, bottom: int = 3
) -> RankStats:
    """Rank uncertainty from bootstrap totals (B × U): median rank, rank interval, P(last), P(bottom ``bottom``).

    "Last" counts ties: a unit is last in a draw when no unit of its group scored strictly
    lower. Units not scored in a draw (NaN) are left out of that draw's ranking, and each unit's
    shares are over the draws in which it was scored. The interval's ends are ranks actually
    drawn (inverted-CDF quantiles).
    """
    totals = np.asarray(totals, dtype=np.float64)
    groups = np.asarray(groups)
    ranks = ranks_compute(totals=totals, groups=groups)
    lower = np.zeros(totals.shape)
    for group in dict.fromkeys(groups.tolist()):
        cols = np.flatnonzero(groups == group)
        t = totals[..., cols]
        lower[..., cols] = (t[..., None, :] < t[..., :, None]).sum(axis=-1)
    scored = ~np.isnan(totals)
    drawn = scored.sum(axis=0)
    tail = (1.0 - interval) / 2.0
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: units never scored
        median = np.nanmedian(ranks, axis=0)
        low = np.nanquantile(ranks, tail, axis=0, method="inverted_cdf")
        high = np.nanquantile(ranks, 1.0 - tail, axis=0, method="inverted_cdf")
        p_last = np.where(drawn > 0, (scored & (lower == 0)).sum(axis=0) / drawn, np.nan)
        p_bottom = np.where(drawn > 0, (scored & (lower < bottom)).sum(axis=0) / drawn, np.nan)
    return RankStats(median=median, low=low, high=high, p_last=p_last, p_bottom=p_bottom)


@dataclass(frozen=True)
class LastCheck:
    """Whether the last unit of a group is statistically set apart from the next one up."""

    last: str
    next: str | None
    distinguishable: bool
    p_last: float
    last_ci_high: float
    next_ci_low: float | None


def last_check(
    *,
    codes: Sequence[str],
    totals: Sequence[float],
    ci_low: Sequence[float],
    ci_high: Sequence[float],
    p_last: Sequence[float],
) -> LastCheck | None:
    """Is "last" distinguishable from the next-to-last unit? Pass the units of one group (one kind).

    Distinguishable means the last unit's upper CI bound lies below the next-to-last unit's
    lower bound (non-overlapping 95 % intervals, a conservative test). Units tied for last, or a
    group of one, are never distinguishable. P(last) is reported beside it for the reader.
    Returns None for an empty group.
    """
    order = sorted(range(len(codes)), key=lambda i: (totals[i], codes[i]))
    if not order:
        return None
    last = order[0]
    if len(order) == 1:
        return LastCheck(codes[last], None, False, float(p_last[last]), float(ci_high[last]), None)
    nxt = order[1]
    separated = totals[last] < totals[nxt] and ci_high[last] < ci_low[nxt]
    return LastCheck(
        last=codes[last],
        next=codes[nxt],
        distinguishable=bool(separated),
        p_last=float(p_last[last]),
        last_ci_high=float(ci_high[last]),
        next_ci_low=float(ci_low[nxt]),
    )


# --- change against the previous round -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    difference: float
    z: float
    p: float


def change_test(*, current: float, current_se: float, previous: float, previous_se: float) -> Change:
    """Change against the previous round with its two-sided p-value (Welch-style z on bootstrap SEs).

    ``z = (current − previous) / √(se_current² + se_previous²)``, p from the normal
    distribution: the two rounds are independent samples (§2.9). With both SEs zero a change is
    certain (p = 0) and no change has p = 1.
    """
    difference = current - previous
    se = math.sqrt(current_se**2 + previous_se**2)
    if not math.isfinite(se):
        return Change(difference, math.nan, math.nan)
    if se == 0:
        if difference == 0:
            return Change(difference, 0.0, 1.0)
        return Change(difference, math.copysign(math.inf, difference), 0.0)
    z = difference / se
    # Two-sided normal tail: 2·(1 − Φ(|z|)) = erfc(|z|/√2), exact without a statistics library.
    return Change(difference, z, math.erfc(abs(z) / math.sqrt(2.0)))


def benjamini_hochberg(p: Sequence[float] | np.ndarray, *, q: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini–Hochberg step-up at false discovery rate ``q``: (reject mask, adjusted p-values).

    With the m finite p-values sorted ascending, reject the first i* where i* is the largest i
    with p_(i) ≤ i·q/m. Adjusted p_(i) = min over j ≥ i of m·p_(j)/j, capped at 1. NaN p-values
    are not tested (not rejected, adjusted NaN) and do not count in m.
    """
    p = np.asarray(p, dtype=np.float64)
    reject = np.zeros(p.shape, dtype=bool)
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    m = tested.size
    if m == 0:
        return reject, adjusted
    order = tested[np.argsort(p[tested], kind="stable")]
    sorted_p = p[order]
    ranks = np.arange(1, m + 1)
    passing = np.flatnonzero(sorted_p <= ranks * q / m)
    if passing.size:
        reject[order[: passing[-1] + 1]] = True
    stepped = np.minimum.accumulate((sorted_p * m / ranks)[::-1])[::-1]
    adjusted[order] = np.minimum(stepped, 1.0)
    return reject, adjusted


# --- reliability -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alpha:
    alpha: float  # NaN when undefined
    alpha_std: float  # standardised α from the mean inter-item correlation, NaN when undefined
    k: int  # items
    n: int  # complete cases used


def cronbach_alpha(matrix: np.ndarray) -> Alpha:
    """Cronbach's α of an (n respondents × k items) matrix, with listwise deletion.

    ``α = k/(k − 1) · (1 − Σ σ²_i / σ²_total)`` with sample variances (ddof = 1) and the total
    the row sum; ``α_std = k·r̄ / (1 + (k − 1)·r̄)`` with r̄ the mean inter-item correlation.
    Rows with any NaN are dropped (listwise deletion, not pingouin's pairwise default). Needs
    k ≥ 2 items and n ≥ 2 complete rows; α is NaN when the total has no variance, α_std when an
    item has none.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    k = matrix.shape[1] if matrix.ndim == 2 else 0
    complete = matrix[~np.isnan(matrix).any(axis=1)] if k else np.empty((0, 0))
    n = complete.shape[0]
    if k < 2 or n < 2:
        return Alpha(math.nan, math.nan, k, n)
    item_var = complete.var(axis=0, ddof=1)
    total_var = complete.sum(axis=1).var(ddof=1)
    alpha = k / (k - 1) * (1.0 - item_var.sum() / total_var) if total_var > 0 else math.nan
    alpha_std = math.nan
    if (item_var > 0).all():
        corr = np.corrcoef(complete, rowvar=False)
        r_bar = (corr.sum() - k) / (k * (k - 1))
        alpha_std = k * r_bar / (1 + (k - 1) * r_bar)
    return Alpha(float(alpha), float(alpha_std), k, n)


def category_reliability(*, prepared: Prepared) -> dict[str, dict[str, object]]:
    """Cronbach's α per category, on the item points (0–100) of the category's scored items.

    The rule: a category's items may differ by unit kind (halls and departments answer
    different subsets), and α needs one item set. Respondents are therefore grouped by the set
    of the category's items their questionnaire contains; kinds that share a set are pooled.
    Within a group, only respondents who answered every item count (listwise deletion: "na"
    drops the respondent for that category). The category reports the group with the most
    complete cases, naming its kinds. Categories with fewer than two items in every group get
    α = None. Result: {code: {"alpha", "alpha_std", "k", "n", "kinds"}}.
    """
    out: dict[str, dict[str, object]] = {}
    for c, code in enumerate(prepared.category_codes):
        in_category = prepared.item_category == c
        groups: dict[tuple[int, ...], list[int]] = {}
        for g in range(len(prepared.kinds)):
            cols = tuple(np.flatnonzero(in_category & prepared.item_applicable[g]).tolist())
            if cols:
                groups.setdefault(cols, []).append(g)
        best: tuple[Alpha, list[int]] | None = None
        for cols, kinds in groups.items():
            rows = np.isin(prepared.response_kind, kinds)
            result = cronbach_alpha(prepared.item_scores[np.ix_(rows, np.array(cols, dtype=np.int64))])
            if best is None or (result.n, result.k) > (best[0].n, best[0].k):
                best = (result, kinds)
        if best is None:
            continue
        result, kinds = best
        out[code] = {
            "alpha": None if math.isnan(result.alpha) else result.alpha,
            "alpha_std": None if math.isnan(result.alpha_std) else result.alpha_std,
            "k": result.k,
            "n": result.n,
            "kinds": [prepared.kinds[g] for g in kinds],
        }
    return out


# --- sample size -----------------------------------------------------------------------------------


def sample_size_for_mean(*, sd: float, margin: float, population: int | None, z: float = 1.96) -> int:
    """Respondents needed to estimate a mean to ±``margin`` at confidence ``z`` (§2.5), rounded up.

    ``n0 = (z·sd/margin)²``; with a finite population N, ``n = n0 / (1 + (n0 − 1)/N)``, never
    more than N. E.g. sd 20, margin ±4 → 97; the same with N = 500 → 81.
    """
    if not (sd > 0 and margin > 0 and z > 0):
        raise InvalidInput("标准差、误差界和 z 值须为正数", code="appraisal_sample_size_input")
    if population is not None and population < 0:
        raise InvalidInput("总体规模不能为负数", code="appraisal_sample_size_input")
    n = (z * sd / margin) ** 2
    if population is not None:
        if population == 0:
            return 0
        n = n / (1 + (n - 1) / population)
    # Floating-point noise just above a whole number (100.00000000000001) must not add a respondent.
    needed = math.ceil(n - 1e-9)
    return min(needed, population) if population is not None else needed
