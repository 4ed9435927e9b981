"""The sample design's rules: sizes, quotas, the seeded stratified draw, round codes. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.contexts.appraisal.frame_sheet import frame_sheet_read
from zhengwu.contexts.appraisal.sampling import (
    UNSPECIFIED_CELL,
    Design,
    FrameRecord,
    quotas_allocate,
    reserve_pick,
    round_code_period,
    sample_size_for_mean,
    unit_draw,
    unit_plan,
)
from zhengwu.kernel.errors import InvalidInput

HUGE = 10**9


@pytest.mark.parametrize(
    ("sd", "margin", "population", "n"),
    [
        # appraisal-methods.md §2.5, worked sample sizes for means.
        (15, 3, HUGE, 97),
        (15, 4, HUGE, 55),
        (15, 5, HUGE, 35),
        (20, 3, HUGE, 171),
        (20, 4, HUGE, 97),
        (20, 5, HUGE, 62),
        (25, 3, HUGE, 267),
        (25, 4, HUGE, 151),
        (25, 5, HUGE, 97),
        (15, 4, 500, 49),
        (20, 4, 500, 81),
        (25, 4, 500, 116),
        # Never above the frame; an empty frame needs nobody.
        (20, 4, 60, 38),
        (20, 1, 50, 49),
        (20, 4, 1, 1),
        (20, 4, 0, 0),
    ],
)
def test_sample_size_for_a_mean_matches_the_reference_table(sd: float, margin: float, population: int, n: int) -> None:
    assert sample_size_for_mean(sd=sd, margin=margin, population=population) == n


def test_sample_size_refuses_impossible_parameters() -> None:
    with pytest.raises(InvalidInput) as refused:
        sample_size_for_mean(sd=20, margin=0, population=100)
    assert refused.value.code == "sample_parameters_invalid"


def test_unit_plan_applies_the_floor_the_cap_and_the_reserves() -> None:
    design = Design(margin=5, assumed_sd=20, min_per_unit=30, reserve_ratio=0.5)
    # Large frame: Cochran gives 62 (above the floor); reserves ⌈31⌉.
    big = unit_plan(frame_size=10_000, design=design)
    assert (big.wanted, big.n, big.reserve_n, big.shortfall) == (62, 62, 31, 0)
    # Small frame: FPC gives ⌈30.6⌉ = 31 of 60, reserves ⌈15.5⌉ = 16 of the 29 left.
    small = unit_plan(frame_size=60, design=design)
    assert (small.wanted, small.n, small.reserve_wanted, small.reserve_n) == (31, 31, 16, 16)
    # FPC gives 25 of 40, the floor raises it to 30, and only 10 are left for the 15 reserves.
    tight = unit_plan(frame_size=40, design=design)
    assert (tight.n, tight.reserve_n, tight.reserve_shortfall, tight.shortfall) == (30, 10, 5, 0)
    # The floor wins over a loose margin.
    loose = unit_plan(frame_size=10_000, design=Design(margin=10, assumed_sd=20, min_per_unit=30))
    assert (loose.wanted, loose.n) == (30, 30)
    # A frame smaller than the floor: everyone, and the shortfall is reported.
    short = unit_plan(frame_size=12, design=design)
    assert (short.wanted, short.n, short.reserve_n, short.shortfall) == (30, 12, 0, 18)


def test_quotas_by_largest_remainder_sum_to_n_and_never_exceed_a_cell() -> None:
    quotas = quotas_allocate(cell_sizes={"投资项目审批": 130, "一般事项": 270, "其他": 100}, n=81)
    # Exact shares 21.06, 43.74, 16.2 → floors 21, 43, 16, the one seat left to 一般事项 (.74).
    assert quotas == {"一般事项": 44, "投资项目审批": 21, "其他": 16}
    assert sum(quotas.values()) == 81
    thirds = quotas_allocate(cell_sizes={"a": 1, "b": 1, "c": 1}, n=2)
    # Equal remainders and sizes: the name decides, so the result does not depend on dict order.
    assert thirds == {"a": 1, "b": 1, "c": 0}
    assert quotas_allocate(cell_sizes={"c": 1, "b": 1, "a": 1}, n=2) == thirds
    whole = quotas_allocate(cell_sizes={"a": 7, "b": 3}, n=10)
    assert whole == {"a": 7, "b": 3}
    sizes = {"x": 17, "y": 5, "z": 18}
    for n in range(41):
        split = quotas_allocate(cell_sizes=sizes, n=n)
        assert sum(split.values()) == n
        # Each quota is its exact share rounded down or up (|quota − n·N_h/N| < 1).
        assert all(abs(split[c] * 40 - n * size) < 40 for c, size in sizes.items())
    with pytest.raises(InvalidInput):
        quotas_allocate(cell_sizes={"a": 3}, n=4)


def _frame(count: int, *, investment_every: int = 3) -> list[FrameRecord]:
    return [
        FrameRecord(
            uscc=f"91530100MA{i:07d}X",
            ref=i,
            matter_type="投资项目审批" if i % investment_every == 0 else "一般事项",
        )
        for i in range(count)
    ]


DESIGN = Design(margin=5, assumed_sd=20, min_per_unit=30, reserve_ratio=0.5)


def test_the_draw_is_reproducible_from_the_seed_and_independent_of_frame_order() -> None:
    frame = _frame(300)
    first = unit_draw(unit_code="C001", frame=frame, design=DESIGN, round_seed=20260701)
    again = unit_draw(unit_code="C001", frame=list(reversed(frame)), design=DESIGN, round_seed=20260701)
    assert (first.main, first.reserves) == (again.main, again.reserves)
    other_seed = unit_draw(unit_code="C001", frame=frame, design=DESIGN, round_seed=20260702)
    other_unit = unit_draw(unit_code="C002", frame=frame, design=DESIGN, round_seed=20260701)
    assert set(other_seed.main) != set(first.main)
    assert set(other_unit.main) != set(first.main)


def test_the_draw_meets_the_quotas_and_keeps_reserves_apart() -> None:
    frame = _frame(300)
    draw = unit_draw(unit_code="C001", frame=frame, design=DESIGN, round_seed=7)
    # N = 300: Cochran with FPC gives ⌈61.47 / 1.2016⌉ = ⌈51.2⌉ = 52; reserves 26.
    assert (draw.frame_size, draw.n, draw.reserve_n, draw.shortfall) == (300, 52, 26, 0)
    # 100 投资项目审批 and 200 一般事项: 17.33 and 34.67 → 17 and 35.
    assert draw.quotas == {"一般事项": 35, "投资项目审批": 17}
    by_ref = {r.ref: r for r in frame}
    drawn_cells = [by_ref[ref].matter_type for ref in draw.main]
    assert drawn_cells.count("投资项目审批") == 17
    assert drawn_cells.count("一般事项") == 35
    assert len(set(draw.main)) == 52
    assert len(set(draw.reserves)) == 26
    assert not set(draw.main) & set(draw.reserves)
    assert draw.cells[draw.reserves[0]] == by_ref[draw.reserves[0]].matter_type


def test_a_frame_smaller_than_n_is_taken_whole_and_reported() -> None:
    frame = [FrameRecord(uscc=f"U{i:02d}", ref=i) for i in range(12)]
    draw = unit_draw(unit_code="D034", frame=frame, design=DESIGN, round_seed=1)
    assert (draw.n, draw.reserve_n, draw.shortfall) == (12, 0, 18)
    assert sorted(draw.main) == list(range(12))
    assert draw.quotas == {UNSPECIFIED_CELL: 12}
    empty = unit_draw(unit_code="D033", frame=[], design=DESIGN, round_seed=1)
    assert (empty.n, empty.main, empty.reserves, empty.shortfall) == (0, (), (), 30)


def test_a_reserve_of_the_same_cell_is_released_first() -> None:
    waiting = [(11, "一般事项"), (12, "投资项目审批"), (13, "一般事项")]
    assert reserve_pick(cell="投资项目审批", waiting=waiting) == 12
    assert reserve_pick(cell="一般事项", waiting=waiting) == 11
    assert reserve_pick(cell="其他", waiting=waiting) == 11
    assert reserve_pick(cell="其他", waiting=[]) is None


@pytest.mark.parametrize(
    ("code", "start", "end"),
    [
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2028Q1", dt.date(2028, 1, 1), dt.date(2028, 3, 31)),
        ("2026T1", dt.date(2026, 1, 1), dt.date(2026, 4, 30)),
        ("2026T2", dt.date(2026, 5, 1), dt.date(2026, 8, 31)),
        ("2026T3", dt.date(2026, 9, 1), dt.date(2026, 12, 31)),
    ],
)
def test_round_codes_name_their_period(code: str, start: dt.date, end: dt.date) -> None:
    assert round_code_period(code) == (start, end)


@pytest.mark.parametrize("code", ["2026Q5", "2026Q0", "2026T4", "26Q3", "2026-Q3", "2026q3x", ""])
def test_malformed_round_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        round_code_period(code)
    assert refused.value.code == "round_code_invalid"


def test_a_csv_list_is_read_in_utf8_with_bom_and_in_gbk() -> None:
    text = (
        "序号,单位编号,统一社会信用代码,企业名称,手机号码,事项类型\n"
        "1,C001,91530100MA6K1234XY,昆明某建设有限公司,13987650001,一般事项\n"
    )
    for data in (text.encode("utf-8-sig"), text.encode("utf-8"), text.encode("gbk")):
        rows = frame_sheet_read(data=data, filename="名单.csv")
        assert [(r.number, r.values["unit_code"], r.values["enterprise_name"], r.values["email"]) for r in rows] == [
            (2, "C001", "昆明某建设有限公司", "")
        ]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "frame_file_empty"),
        (bytes(range(256)) * 40, "frame_file_invalid"),
        ("姓名,年龄\n张三,30\n".encode(), "frame_no_header"),
        (b"PK\x03\x04 not really a workbook", "frame_file_invalid"),
    ],
)
def test_a_file_that_is_not_a_frame_table_is_refused_whole(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        frame_sheet_read(data=data, filename="upload.csv")
    assert refused.value.code == code
