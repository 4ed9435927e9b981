"""The QC rules as pure functions: small worked examples, then a planted round with exact expected flags."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pytest

from zhengwu.contexts.appraisal.qc import (
    QcConfig,
    QcItems,
    QcRecord,
    flag_describe,
    flags_compute,
    flags_interviewers,
    flags_response,
    percent_match,
    robust_z,
    speed_indexes,
    straight_line_check,
)

ITEMS20 = tuple(f"r{i:02d}" for i in range(1, 21))
QC_ITEMS = QcItems(ratings=ITEMS20, categorical=ITEMS20)


def _hash(answers: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(answers, sort_keys=True).encode()).hexdigest()


# --- single rules ------------------------------------------------------------------------------------


def test_straight_lining_needs_ten_identical_answered_ratings() -> None:
    names = [f"r{i}" for i in range(12)]
    nine = dict.fromkeys(names[:9], "5") | dict.fromkeys(names[9:], "na")
    assert straight_line_check(nine, names) is None
    ten = dict.fromkeys(names[:10], "5") | {"r10": "na"}
    assert straight_line_check(ten, names) == {"code": "straight_line", "detail": {"value": "5", "items": 10}}
    varied = dict.fromkeys(names, "5") | {"r11": "4"}
    assert straight_line_check(varied, names) is None


def test_percent_match_counts_items_both_answered() -> None:
    codes = np.array(
        [
            [0, 1, 2, 0, -1],
            [0, 1, 2, 1, 3],
            [1, 0, 0, 1, 3],
        ]
    )
    pm, partner = percent_match(codes, min_items=3)
    # Record 0 and 1 share 3 of the 4 items both answered; 1 and 2 share 2 of 5.
    assert pm.tolist() == [0.75, 0.75, 0.4]
    assert partner.tolist() == [1, 0, 1]
    pm, _ = percent_match(codes, min_items=5)
    assert pm.tolist() == [-1.0, 0.4, 0.4]
    exclude = np.array([[False, True, False], [True, False, False], [False, False, False]])
    pm, partner = percent_match(codes, min_items=3, exclude=exclude)
    assert pm.tolist() == [0.0, 0.4, 0.4]


def test_speed_index_is_the_mean_of_capped_ratios_to_item_medians() -> None:
    answers = {"a": "5", "b": "4", "c": "3"}
    records = [
        QcRecord(1, "U1", "k1", "h1", answers, {"a": 1000, "b": 2000, "c": 3000}),
        QcRecord(2, "U1", "k2", "h2", answers, {"a": 2000, "b": 4000, "c": 6000}),
        QcRecord(3, "U1", "k3", "h3", answers, {"a": 4000, "b": 8000, "c": 12000}),
        # Timings of unanswered items do not count; two timed items are too few.
        QcRecord(4, "U1", "k4", "h4", {"a": "5", "b": "5"}, {"a": 100, "b": 100, "c": 100}),
    ]
    indexes = speed_indexes(records, min_items=3)
    # Medians over the answered: a 1500 (100, 1000, 2000, 4000), b 3000, c 6000.
    assert set(indexes) == {1, 2, 3}
    assert indexes[1] == (pytest.approx((1000 / 1500 + 2000 / 3000 + 3000 / 6000) / 3), 3)
    assert indexes[2] == (1.0, 3)
    assert indexes[3] == (1.0, 3)


def test_robust_z_uses_the_median_and_mad_of_the_peers_with_a_floor() -> None:
    z, median = robust_z(20.0, [10.0, 11.0, 12.0, 13.0], floor=0.1)
    assert median == 11.5
    assert z == pytest.approx((20 - 11.5) / (1.4826 * 1.0))
    z, median = robust_z(12.0, [10.0, 10.0, 10.0], floor=0.5)
    assert (z, median) == (4.0, 10.0)


def test_an_interviewers_statistic_is_compared_with_the_spread_it_has_by_chance() -> None:
    # Five honest interviewers whose means differ by a few points are not anomalies, however
    # small the MAD among them; one ten standard errors away is.
    items = QcItems(ratings=("a", "b"), categorical=("a", "b"), scoring={"1": 0, "2": 25, "3": 50, "4": 75, "5": 100})
    records = []
    rid = iter(range(1, 1000))
    for name, levels in {
        "iv1": ["3", "4"] * 5,
        "iv2": ["4", "3"] * 5,
        "iv3": ["3", "4", "4", "3"] * 2 + ["4", "3"],
        "iv4": ["4"] * 5 + ["3"] * 5,
        "iv5": ["5"] * 10,
    }.items():
        for level in levels:
            records.append(
                QcRecord(next(rid), "U1", f"k{next(rid)}", "h", {"a": level, "b": level}, {}, 60_000, "cati", name)
            )
    flags = flags_interviewers(records, items, QcConfig())
    assert {f[0]["detail"]["interviewer"] for f in flags.values()} == {"iv5"}
    assert len(flags) == 10
    (statistic,) = next(iter(flags.values()))[0]["detail"]["statistics"]
    assert statistic["name"] == "mean_score"
    assert (statistic["value"], statistic["median"]) == (100.0, 62.5)


def test_unverified_and_straight_line_are_found_at_submission() -> None:
    answers = dict.fromkeys(ITEMS20, "3")
    record = QcRecord(1, "U1", "k", "h", answers, uscc_valid=False, frame_match=True)
    assert flags_response(record, QC_ITEMS) == [
        {"code": "unverified", "detail": {"uscc_valid": False, "frame_match": True}},
        {"code": "straight_line", "detail": {"value": "3", "items": 20}},
    ]


def test_each_flag_reads_in_chinese() -> None:
    assert flag_describe({"code": "unverified", "detail": {"uscc_valid": False, "frame_match": False}}) == (
        "身份未核实：统一社会信用代码未通过校验；企业不在该单位本轮办件名单中"
    )
    assert flag_describe({"code": "duplicate", "detail": {"first": 3, "count": 2}}) == (
        "同一企业对同一单位重复作答（共2份，首份为第3号答卷）"
    )
    assert flag_describe({"code": "copy", "detail": {"others": [4, 5], "count": 3}}) == (
        "与同一单位其他企业的答卷内容完全相同（第4号、第5号，共3份）"
    )
    near = {"match": 0.9, "threshold": 0.8, "expected": 0.35, "z": 5.2, "other": 7}
    assert flag_describe({"code": "near_duplicate", "detail": near}) == (
        "与第7号答卷90%的题目答案相同，超过本组阈值80%（按双方作答分布随机相同约35%）"
    )
    assert flag_describe({"code": "straight_line", "detail": {"value": "5", "items": 12}}) == (
        "12道满意度题全部选择“非常满意”"
    )
    assert flag_describe({"code": "speeding", "detail": {"index": 0.31, "items": 20}}).startswith("作答速度指数0.31")
    anomaly = {
        "code": "interviewer_anomaly",
        "detail": {
            "interviewer": "fab",
            "statistics": [{"name": "mean_score", "value": 90.0, "median": 68.2, "z": 9.1}],
        },
    }
    assert flag_describe(anomaly) == "访员fab的访问数据异常：平均得分90.0（其他访员中位数68.2，稳健z值9.1）"


# --- a planted round ---------------------------------------------------------------------------------


@dataclass
class Planted:
    records: list[QcRecord] = field(default_factory=list)
    expected: dict[int, list[str]] = field(default_factory=dict)

    def add(self, record: QcRecord, *codes: str) -> QcRecord:
        self.records.append(record)
        if codes:
            self.expected[record.id] = list(codes)
        return record


def _honest(rng: np.random.Generator) -> dict[str, str]:
    mood = rng.normal(3.7, 0.4)
    while True:
        levels = np.clip(np.rint(mood + rng.normal(0, 0.9, len(ITEMS20))), 1, 5).astype(int)
        if len(set(levels.tolist())) > 1:
            break
    answers = {name: str(level) for name, level in zip(ITEMS20, levels, strict=True)}
    for name in ITEMS20:
        if rng.random() < 0.05:
            answers[name] = "na"
    return answers


def _timings(rng: np.random.Generator, answers: dict[str, str], scale: float = 1.0) -> dict[str, int]:
    return {name: int(scale * rng.lognormal(np.log(5000), 0.3)) for name in answers}


def planted_round(seed: int = 7) -> Planted:
    """Web responses about two units and CATI interviews by six interviewers, one of whom fabricates.

    Planted: a duplicate enterprise, a copied answer sheet, a near-copy, two straight-liners, two
    speeders, an unverified code and the fabricator's interviews; everything else is clean.
    """
    rng = np.random.default_rng(seed)
    planted = Planted()
    next_id = iter(range(1, 10_000))

    def record(answers: dict[str, str], *, unit: str, key: str | None = None, **kw: object) -> QcRecord:
        rid = next(next_id)
        timings = kw.pop("timings", None) or _timings(rng, answers)
        return QcRecord(
            id=rid,
            unit=unit,
            respondent_key=key or f"key{rid}",
            content_hash=_hash(answers),
            answers=answers,
            timings=timings,  # type: ignore[arg-type]
            duration_ms=sum(timings.values()),  # type: ignore[attr-defined]
            order=float(rid),
            **kw,  # type: ignore[arg-type]
        )

    for unit in ("U1", "U2"):
        for _ in range(40):
            planted.add(record(_honest(rng), unit=unit))
    # The same enterprise twice about U1: the second is the duplicate.
    planted.add(record(_honest(rng), unit="U1", key="twice"))
    planted.add(record(_honest(rng), unit="U1", key="twice"), "duplicate")
    # One answer sheet handed in by two enterprises about U2.
    copied = _honest(rng)
    planted.add(record(dict(copied), unit="U2"), "copy")
    planted.add(record(dict(copied), unit="U2"), "copy")
    # A near-copy about U1: two of twenty answers changed.
    original = _honest(rng)
    near = dict(original)
    for name in ITEMS20[:2]:
        near[name] = "1" if original[name] != "1" else "2"
    planted.add(record(original, unit="U1"), "near_duplicate")
    planted.add(record(near, unit="U1"), "near_duplicate")
    # Straight-liners, one per unit.
    planted.add(record(dict.fromkeys(ITEMS20, "5"), unit="U1"), "straight_line")
    planted.add(record(dict.fromkeys(ITEMS20, "4"), unit="U2"), "straight_line")
    # Speeders: a fifth of the usual time per question.
    for unit in ("U1", "U2"):
        answers = _honest(rng)
        planted.add(record(answers, unit=unit, timings=_timings(rng, answers, 0.2)), "speeding")
    # A code that failed its check character.
    planted.add(record(_honest(rng), unit="U2", uscc_valid=False), "unverified")
    # CATI: six honest interviewers and one who writes mostly 满意/非常满意 without asking.
    for interviewer in ("iv1", "iv2", "iv3", "iv4", "iv5", "iv6"):
        for i in range(15):
            planted.add(record(_honest(rng), unit=("U1", "U2")[i % 2], mode="cati", interviewer=interviewer))
    for i in range(15):
        made = {name: str(rng.choice(["4", "5"])) for name in ITEMS20}
        planted.add(record(made, unit=("U1", "U2")[i % 2], mode="cati", interviewer="fab"), "interviewer_anomaly")
    return planted


def test_the_planted_bad_responses_are_flagged_and_nothing_else() -> None:
    planted = planted_round()
    flags = flags_compute(planted.records, QC_ITEMS, QcConfig(seed=1))
    found = {rid: [f["code"] for f in fs] for rid, fs in flags.items()}
    assert found == planted.expected
    fab = next(r for r in planted.records if r.interviewer == "fab")
    (anomaly,) = flags[fab.id]
    assert anomaly["detail"]["interviewer"] == "fab"
    assert [s["name"] for s in anomaly["detail"]["statistics"]] == ["mean_score"]
    assert anomaly["detail"]["statistics"][0]["z"] > 3


def test_the_run_is_reproducible_and_does_not_depend_on_record_order() -> None:
    planted = planted_round()
    first = flags_compute(planted.records, QC_ITEMS, QcConfig(seed=1))
    again = flags_compute(list(reversed(planted.records)), QC_ITEMS, QcConfig(seed=1))
    assert first == again


def test_a_near_copy_states_its_match_and_its_group_threshold() -> None:
    planted = planted_round()
    flags = flags_compute(planted.records, QC_ITEMS, QcConfig(seed=1))
    near = [fs[0] for fs in flags.values() if fs[0]["code"] == "near_duplicate"]
    assert [f["detail"]["match"] for f in near] == [0.9, 0.9]
    assert all(0.8 <= f["detail"]["threshold"] < 0.9 for f in near)
    first, second = sorted(rid for rid, fs in flags.items() if fs[0]["code"] == "near_duplicate")
    assert flags[first][0]["detail"]["other"] == second
    assert flags[second][0]["detail"]["other"] == first
