"""Quality control of responses as pure rules over plain data (appraisal-methods.md §5.1–5.6).

Every check returns flags, ``{"code": ..., "detail": {...}}``; a flag is a reason to review a
response, never a verdict and never a deletion (§5.2: "never auto-delete"). The checks:

- ``unverified``: the USCC failed its check character, or is not in the unit's frame (§5.5).
- ``duplicate``: the same enterprise (``respondent_key``) answered about the same unit more than
  once in the round; every response after the first is flagged.
- ``copy``: the same answers (``content_hash``) from different enterprises about the same unit.
  Only answer sets with at least two distinct values count: two honest "all 满意" respondents
  share a hash by nature, and straight-lining has its own flag.
- ``near_duplicate``: the maximum percent match (Kuriakose & Robbins) within a unit and an
  interviewer (web responses form their own group per unit), over the items both answered. A
  fixed 85 % flags too much when answers are homogeneous (Pew), so a match is flagged only when
  it passes three bars: the fixed floor ``near_duplicate_floor`` (0.8: the flag is for
  near-copies, not for "unusually similar"); the group's **permutation null** — each item's
  answers shuffled across the group's respondents ``near_duplicate_permutations`` times (seeded,
  so a run is reproducible), keeping every item's distribution and breaking who answered what,
  and the observed match must exceed the null's ``near_duplicate_quantile`` of maximum matches
  (this answers homogeneous *items*); and the pair's own chance agreement — given each
  record's mix of answers, p = Σ_v f_i(v)·f_j(v), the match must lie ``near_duplicate_z``
  binomial standard errors above p (this answers homogeneous *respondents*: two enterprises
  that find nearly everything 非常满意 agree without copying, which an item shuffle cannot
  see). Groups of fewer than three records are not tested; exact copies are ``copy``.
- ``straight_line``: every answered 5-level item has the same value, over at least 10 items.
- ``speeding``: the speed index SI = mean over the displayed (answered and timed) items of
  min(1, t_item / median_item) below 0.5, from the client's per-question timings.
- ``interviewer_anomaly``: per CATI interviewer, the median duration, the share of
  straight-lined interviews and the mean score, each as a robust z against the other
  interviewers: (value − their median) / max(1.4826·MAD of theirs, the spread the value has by
  chance with this interviewer's number of interviews). With a handful of interviewers the MAD
  can be near zero, and an honest interviewer's figure still strays by chance; beyond 3 every
  interview of that interviewer is flagged, with the statistic.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zhengwu.contexts.appraisal.system import DEFAULT_SCORING, RATING_LABELS

Flag = dict[str, Any]

FLAG_CODES = (
    "unverified",
    "duplicate",
    "copy",
    "near_duplicate",
    "straight_line",
    "speeding",
    "interviewer_anomaly",
)
FLAG_LABELS = {
    "unverified": "身份未核实",
    "duplicate": "重复作答",
    "copy": "内容雷同",
    "near_duplicate": "高度相似",
    "straight_line": "直线作答",
    "speeding": "作答过快",
    "interviewer_anomaly": "访员异常",
}
STATISTIC_LABELS = {
    "median_duration": "访问时长中位数（秒）",
    "straight_line_share": "直线作答比例",
    "mean_score": "平均得分",
}
RATING_VALUES = ("1", "2", "3", "4", "5")
_MAD_SCALE = 1.4826


@dataclass(frozen=True)
class QcRecord:
    """What the checks read of one response."""

    id: int
    unit: str
    respondent_key: str
    content_hash: str
    answers: Mapping[str, str]
    timings: Mapping[str, int] = field(default_factory=dict)
    duration_ms: int = 0
    mode: str = "web"
    interviewer: str = ""
    uscc_valid: bool = True
    frame_match: bool = True
    order: float = 0.0  # submission order: the first of duplicates is the earliest


@dataclass(frozen=True)
class QcConfig:
    straight_line_min_items: int = 10
    speeding_index: float = 0.5
    speeding_min_items: int = 3
    near_duplicate_floor: float = 0.8
    near_duplicate_quantile: float = 0.99
    near_duplicate_permutations: int = 50
    near_duplicate_min_items: int = 10
    near_duplicate_z: float = 3.5
    interviewer_z: float = 3.0
    interviewer_min_peers: int = 3
    seed: int = 0


@dataclass(frozen=True)
class QcItems:
    """Which questionnaire items each check reads."""

    ratings: tuple[str, ...]  # rating5 items: straight-lining, scores
    categorical: tuple[str, ...]  # rating5, yes_no, select_one: percent match, copies
    scoring: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SCORING))


def flag_make(code: str, **detail: Any) -> Flag:
    return {"code": code, "detail": detail}


# --- one response ----------------------------------------------------------------------------------


def straight_line_check(answers: Mapping[str, str], ratings: Sequence[str], *, min_items: int = 10) -> Flag | None:
    """All answered 5-level items identical, over at least ``min_items`` of them ("na" is not an answer)."""
    values = [answers[name] for name in ratings if answers.get(name) in RATING_VALUES]
    if len(values) >= min_items and len(set(values)) == 1:
        return flag_make("straight_line", value=values[0], items=len(values))
    return None


def unverified_check(*, uscc_valid: bool, frame_match: bool) -> Flag | None:
    if uscc_valid and frame_match:
        return None
    return flag_make("unverified", uscc_valid=uscc_valid, frame_match=frame_match)


def flags_response(record: QcRecord, items: QcItems, config: QcConfig | None = None) -> list[Flag]:
    """The checks that need no other response (run at submission)."""
    config = config or QcConfig()
    found = [
        unverified_check(uscc_valid=record.uscc_valid, frame_match=record.frame_match),
        straight_line_check(record.answers, items.ratings, min_items=config.straight_line_min_items),
    ]
    return [f for f in found if f is not None]


# --- duplicates and copies -------------------------------------------------------------------------


def _informative(answers: Mapping[str, str], categorical: Sequence[str]) -> bool:
    values = {answers[name] for name in categorical if answers.get(name) and answers[name] != "na"}
    return len(values) >= 2


def flags_duplicates(records: Sequence[QcRecord], items: QcItems) -> dict[int, list[Flag]]:
    """``duplicate`` (same enterprise, same unit: all but the first) and ``copy`` (same answers, other enterprises)."""
    out: dict[int, list[Flag]] = defaultdict(list)
    by_respondent: dict[tuple[str, str], list[QcRecord]] = defaultdict(list)
    by_content: dict[tuple[str, str], list[QcRecord]] = defaultdict(list)
    for record in records:
        by_respondent[(record.unit, record.respondent_key)].append(record)
        if _informative(record.answers, items.categorical):
            by_content[(record.unit, record.content_hash)].append(record)
    for group in by_respondent.values():
        group.sort(key=lambda r: (r.order, r.id))
        for record in group[1:]:
            out[record.id].append(flag_make("duplicate", first=group[0].id, count=len(group)))
    for group in by_content.values():
        if len({r.respondent_key for r in group}) < 2:
            continue
        group.sort(key=lambda r: (r.order, r.id))
        for record in group:
            others = [r.id for r in group if r.respondent_key != record.respondent_key]
            if others:
                out[record.id].append(flag_make("copy", others=others[:5], count=len(group)))
    return dict(out)


# --- near-duplicates -------------------------------------------------------------------------------


def answers_encode(records: Sequence[QcRecord], names: Sequence[str]) -> np.ndarray:
    """An n × K integer matrix: each item's answers numbered per item, −1 where unanswered."""
    codes = np.full((len(records), len(names)), -1, dtype=np.int64)
    for k, name in enumerate(names):
        numbering: dict[str, int] = {}
        for i, record in enumerate(records):
            value = record.answers.get(name)
            if value:
                codes[i, k] = numbering.setdefault(value, len(numbering))
    return codes


def _one_hot(codes: np.ndarray) -> np.ndarray:
    n, k = codes.shape
    widths = np.maximum(codes.max(axis=0, initial=-1) + 1, 0) if n else np.zeros(k, dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(widths)[:-1])).astype(np.int64)
    hot = np.zeros((n, int(widths.sum())), dtype=np.float64)
    rows, cols = np.nonzero(codes >= 0)
    hot[rows, offsets[cols] + codes[rows, cols]] = 1.0
    return hot


def percent_match(
    codes: np.ndarray, *, min_items: int, exclude: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each record's maximum share of matching answers with another record, and that record's index.

    Over the items both answered; pairs with fewer than ``min_items`` such items, the record
    itself and the pairs in ``exclude`` (n × n, True = do not compare) do not count (−1, −1).
    """
    n = codes.shape[0]
    if n < 2:
        return np.full(n, -1.0), np.full(n, -1, dtype=np.int64)
    hot = _one_hot(codes)
    answered = (codes >= 0).astype(np.float64)
    matches = hot @ hot.T
    common = answered @ answered.T
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(common >= min_items, matches / np.maximum(common, 1), -1.0)
    np.fill_diagonal(share, -1.0)
    if exclude is not None:
        share[exclude] = -1.0
    partner = share.argmax(axis=1)
    return share[np.arange(n), partner], partner


def near_duplicate_threshold(codes: np.ndarray, *, rng: np.random.Generator, config: QcConfig) -> float:
    """The permutation null's quantile of the maximum percent match for this group (see the module notes)."""
    n, k = codes.shape
    nulls = []
    columns = np.arange(k)
    for _ in range(config.near_duplicate_permutations):
        order = rng.permuted(np.tile(np.arange(n)[:, None], (1, k)), axis=0)
        shuffled = codes[order, columns]
        pm, _ = percent_match(shuffled, min_items=config.near_duplicate_min_items)
        nulls.append(pm[pm >= 0])
    pooled = np.concatenate(nulls) if nulls else np.empty(0)
    if pooled.size == 0:
        return 1.0
    return float(np.quantile(pooled, config.near_duplicate_quantile))


def match_expected(records: Sequence[QcRecord], names: Sequence[str]) -> np.ndarray:
    """The share of matches expected by chance for each pair, given each record's own mix of answers.

    p_ij = Σ_v f_i(v)·f_j(v), with f_i(v) the share of record i's answered items answered v: two
    enterprises that both find nearly everything 非常满意 agree on most items without copying.
    """
    vocabulary: dict[str, int] = {}
    counts: list[dict[int, int]] = []
    for record in records:
        row: dict[int, int] = {}
        for name in names:
            value = record.answers.get(name)
            if value:
                code = vocabulary.setdefault(value, len(vocabulary))
                row[code] = row.get(code, 0) + 1
        counts.append(row)
    shares = np.zeros((len(records), max(len(vocabulary), 1)))
    for i, row in enumerate(counts):
        total = sum(row.values())
        for code, count in row.items():
            shares[i, code] = count / total
    expected: np.ndarray = shares @ shares.T
    return expected


def flags_near_duplicates(
    records: Sequence[QcRecord], items: QcItems, config: QcConfig, *, skip: Iterable[int] = ()
) -> dict[int, list[Flag]]:
    """``near_duplicate`` within each unit × interviewer group; records in ``skip`` (exact copies) are not
    flagged again.

    A record is flagged when its best match (a) reaches the floor, (b) exceeds the group's
    permutation null (items shuffled across respondents: what homogeneous items produce by
    chance) and (c) exceeds, by ``near_duplicate_z`` standard errors, the match expected from the
    two records' own mixes of answers (what homogeneous respondents produce by chance).
    """
    skipped = set(skip)
    groups: dict[tuple[str, str], list[QcRecord]] = defaultdict(list)
    for record in records:
        groups[(record.unit, record.interviewer)].append(record)
    out: dict[int, list[Flag]] = {}
    for key in sorted(groups):
        group = sorted(groups[key], key=lambda r: r.id)
        if len(group) < 3:
            continue  # with two records a shuffle cannot tell a copy from chance; exact copies are caught anyway
        codes = answers_encode(group, items.categorical)
        keys = np.array([r.respondent_key for r in group])
        # An enterprise answering twice is a duplicate, not a copy of someone else.
        same = keys[:, None] == keys[None, :]
        pm, partner = percent_match(codes, min_items=config.near_duplicate_min_items, exclude=same)
        candidates = [i for i, r in enumerate(group) if r.id not in skipped and pm[i] >= config.near_duplicate_floor]
        if not candidates:
            continue
        rng = np.random.default_rng([config.seed, zlib.crc32(f"{key[0]}|{key[1]}".encode())])
        null = near_duplicate_threshold(codes, rng=rng, config=config)
        threshold = max(config.near_duplicate_floor, null)
        expected = match_expected(group, items.categorical)
        answered = (codes >= 0).astype(np.float64)
        common = answered @ answered.T
        for i in candidates:
            j = int(partner[i])
            p, k = float(expected[i, j]), float(common[i, j])
            spread = math.sqrt(k * p * (1 - p))
            z = (pm[i] * k - k * p) / spread if spread > 0 else 0.0
            if pm[i] > null and z >= config.near_duplicate_z:
                out[group[i].id] = [
                    flag_make(
                        "near_duplicate",
                        match=round(float(pm[i]), 3),
                        threshold=round(threshold, 3),
                        expected=round(p, 3),
                        z=round(float(z), 1),
                        other=group[j].id,
                    )
                ]
    return out


# --- speeding --------------------------------------------------------------------------------------


def speed_indexes(records: Sequence[QcRecord], *, min_items: int = 3) -> dict[int, tuple[float, int]]:
    """SI per record over its answered, timed items: mean of min(1, t / median t of the item); (SI, items)."""
    per_item: dict[str, list[int]] = defaultdict(list)
    for record in records:
        for name, ms in record.timings.items():
            if record.answers.get(name):
                per_item[name].append(int(ms))
    medians = {name: float(np.median(values)) for name, values in per_item.items()}
    out: dict[int, tuple[float, int]] = {}
    for record in records:
        ratios = [
            min(1.0, int(ms) / medians[name])
            for name, ms in record.timings.items()
            if record.answers.get(name) and medians.get(name, 0.0) > 0
        ]
        if len(ratios) >= min_items:
            out[record.id] = (float(np.mean(ratios)), len(ratios))
    return out


def flags_speeding(records: Sequence[QcRecord], config: QcConfig) -> dict[int, list[Flag]]:
    indexes = speed_indexes(records, min_items=config.speeding_min_items)
    return {
        rid: [flag_make("speeding", index=round(si, 3), items=n)]
        for rid, (si, n) in indexes.items()
        if si < config.speeding_index
    }


# --- interviewers ----------------------------------------------------------------------------------


def robust_z(value: float, peers: Sequence[float], *, floor: float) -> tuple[float, float]:
    """(z, median of peers): (value − median) / max(1.4826·MAD, floor)."""
    reference = np.asarray(peers, dtype=np.float64)
    median = float(np.median(reference))
    mad = float(np.median(np.abs(reference - median)))
    scale = max(_MAD_SCALE * mad, floor)
    return (value - median) / scale, median


def _record_score(record: QcRecord, items: QcItems) -> float | None:
    scores = [items.scoring[record.answers[n]] for n in items.ratings if record.answers.get(n) in items.scoring]
    return float(np.mean(scores)) if scores else None


def _robust_sd(values: Sequence[float]) -> float:
    array = np.asarray(values, dtype=np.float64)
    return float(_MAD_SCALE * np.median(np.abs(array - np.median(array)))) if array.size else 0.0


@dataclass(frozen=True)
class InterviewerStatistic:
    value: float
    chance: float  # how far an honest interviewer's value strays by chance, with this many interviews


def interviewer_statistics(
    records: Sequence[QcRecord], items: QcItems, config: QcConfig
) -> dict[str, dict[str, InterviewerStatistic]]:
    """Per CATI interviewer: median duration (s), share of straight-lined interviews, mean score (0–100).

    Each with the spread it has by chance for an honest interviewer with as many interviews,
    from all CATI interviews pooled: 1.2533·s/√n for a median (s robust), s/√n for a mean,
    √(p(1−p)/n) for a share (p at least 1 %).
    """
    by_interviewer: dict[str, list[QcRecord]] = defaultdict(list)
    for record in records:
        if record.mode == "cati" and record.interviewer:
            by_interviewer[record.interviewer].append(record)
    cati = [r for group in by_interviewer.values() for r in group]
    straight = {
        r.id: straight_line_check(r.answers, items.ratings, min_items=config.straight_line_min_items) is not None
        for r in cati
    }
    scores = {r.id: _record_score(r, items) for r in cati}
    all_durations = [r.duration_ms / 1000.0 for r in cati if r.duration_ms > 0]
    all_scores = [s for s in scores.values() if s is not None]
    duration_sd = _robust_sd(all_durations)
    score_sd = float(np.std(all_scores)) if all_scores else 0.0
    share = max(float(np.mean(list(straight.values()))) if straight else 0.0, 0.01)
    out: dict[str, dict[str, InterviewerStatistic]] = {}
    for name, group in by_interviewer.items():
        stats: dict[str, InterviewerStatistic] = {}
        durations = [r.duration_ms / 1000.0 for r in group if r.duration_ms > 0]
        if durations:
            stats["median_duration"] = InterviewerStatistic(
                float(np.median(durations)), 1.2533 * duration_sd / math.sqrt(len(durations))
            )
        stats["straight_line_share"] = InterviewerStatistic(
            float(np.mean([straight[r.id] for r in group])), math.sqrt(share * (1 - min(share, 0.99)) / len(group))
        )
        own = [s for r in group if (s := scores[r.id]) is not None]
        if own:
            stats["mean_score"] = InterviewerStatistic(float(np.mean(own)), score_sd / math.sqrt(len(own)))
        out[name] = stats
    return out


def flags_interviewers(records: Sequence[QcRecord], items: QcItems, config: QcConfig) -> dict[int, list[Flag]]:
    """``interviewer_anomaly`` on every interview of an interviewer whose statistic is an outlier among the others.

    Robust z = (value − median of the others) / max(1.4826·MAD of the others, the value's chance
    spread): the MAD of a handful of interviewers can be near zero, and an honest interviewer's
    statistic still strays by chance.
    """
    stats = interviewer_statistics(records, items, config)
    anomalies: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(stats):
        found = []
        for statistic in STATISTIC_LABELS:
            own = stats[name].get(statistic)
            if own is None:
                continue
            peers = [s[statistic].value for other, s in stats.items() if other != name and statistic in s]
            if len(peers) < config.interviewer_min_peers:
                continue
            # The peers' median is itself a noisy estimate (variance ≈ π/2 · σ²/m for m peers).
            chance = own.chance * math.sqrt(1 + math.pi / (2 * len(peers)))
            z, median = robust_z(own.value, peers, floor=max(chance, 1e-9))
            if abs(z) > config.interviewer_z:
                found.append(
                    {"name": statistic, "value": round(own.value, 3), "median": round(median, 3), "z": round(z, 1)}
                )
        if found:
            anomalies[name] = found
    return {
        r.id: [flag_make("interviewer_anomaly", interviewer=r.interviewer, statistics=anomalies[r.interviewer])]
        for r in records
        if r.mode == "cati" and r.interviewer in anomalies
    }


# --- a whole round ---------------------------------------------------------------------------------


def flags_compute(records: Sequence[QcRecord], items: QcItems, config: QcConfig | None = None) -> dict[int, list[Flag]]:
    """Every flag of every record of a round, in the order of ``FLAG_CODES`` (records without flags are absent)."""
    config = config or QcConfig()
    found: dict[int, list[Flag]] = defaultdict(list)
    for record in records:
        found[record.id].extend(flags_response(record, items, config))
    duplicates = flags_duplicates(records, items)
    copies = {rid for rid, flags in duplicates.items() if any(f["code"] == "copy" for f in flags)}
    for part in (
        duplicates,
        flags_near_duplicates(records, items, config, skip=copies),
        flags_speeding(records, config),
        flags_interviewers(records, items, config),
    ):
        for rid, flags in part.items():
            found[rid].extend(flags)
    rank = {code: i for i, code in enumerate(FLAG_CODES)}
    return {rid: sorted(flags, key=lambda f: rank[f["code"]]) for rid, flags in found.items() if flags}


# --- words -----------------------------------------------------------------------------------------


def _percent(value: Any) -> str:
    return f"{float(value) * 100:.0f}%"


def flag_describe(flag: Mapping[str, Any]) -> str:
    """The flag in a sentence for the reviewer (Chinese)."""
    code, detail = flag.get("code", ""), flag.get("detail") or {}
    if code == "unverified":
        reasons = []
        if not detail.get("uscc_valid", True):
            reasons.append("统一社会信用代码未通过校验")
        if not detail.get("frame_match", True):
            reasons.append("企业不在该单位本轮办件名单中")
        return "身份未核实：" + "；".join(reasons or ["未核实"])
    if code == "duplicate":
        return f"同一企业对同一单位重复作答（共{detail.get('count')}份，首份为第{detail.get('first')}号答卷）"
    if code == "copy":
        others = "、".join(f"第{i}号" for i in detail.get("others", []))
        return f"与同一单位其他企业的答卷内容完全相同（{others}，共{detail.get('count')}份）"
    if code == "near_duplicate":
        return (
            f"与第{detail.get('other')}号答卷{_percent(detail.get('match', 0))}的题目答案相同，"
            f"超过本组阈值{_percent(detail.get('threshold', 0))}"
            f"（按双方作答分布随机相同约{_percent(detail.get('expected', 0))}）"
        )
    if code == "straight_line":
        label = RATING_LABELS.get(str(detail.get("value")), str(detail.get("value")))
        return f"{detail.get('items')}道满意度题全部选择“{label}”"
    if code == "speeding":
        return (
            f"作答速度指数{float(detail.get('index', 0)):.2f}"
            f"（低于0.5：多数题目用时不到中位用时的一半，共{detail.get('items')}题）"
        )
    if code == "interviewer_anomaly":
        parts = [
            f"{STATISTIC_LABELS.get(s['name'], s['name'])}{s['value']}（其他访员中位数{s['median']}，稳健z值{s['z']}）"
            for s in detail.get("statistics", [])
        ]
        return f"访员{detail.get('interviewer')}的访问数据异常：" + "；".join(parts)
    return FLAG_LABELS.get(code, code)
