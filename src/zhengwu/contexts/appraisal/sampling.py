"""The sample design of a round, as plain rules: how many enterprises per unit, quotas, the draw.

appraisal-methods.md §2.5: stratify by unit (every unit is its own stratum); within a unit,
quotas by matter type (e.g. 投资项目审批 vs 一般事项), allocated in proportion to the frame by
largest remainder; the size of each unit's sample is the one needed for a mean on the 100-point
scale with margin ±e at confidence z, assuming a standard deviation s, with the finite population
correction (Cochran), never below a floor and never above the frame.

The draw is reproducible: each unit's generator is seeded from the round's seed and the unit's
code, and the frame is put in a fixed order (by USCC) first, so drawing again from the same frame
gives the same sample — anyone holding the frame and the seed can check it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from zhengwu.kernel.errors import InvalidInput

# The cell of a frame entry whose matter type was left empty.
UNSPECIFIED_CELL = "未注明"
# Float noise must not push 96.0000000001 to 97: a computed size this close to an integer is it.
_CEIL_TOLERANCE = 1e-9


_ROUND_CODE = re.compile(r"(?P<year>\d{4})(?P<kind>[QT])(?P<part>\d)")


def round_code_period(code: str) -> tuple[dt.date, dt.date]:
    """The period a round code names: ``2026Q3`` a quarter, ``2026T2`` a four-month tertile.

    Rounds may run every four months instead of every quarter (appraisal-methods.md §0: Kunming
    moved to 4-month rounds in 2021); T1 is January–April, T2 May–August, T3 September–December.
    """
    match = _ROUND_CODE.fullmatch(code)
    months = {"Q": 3, "T": 4}
    if match is None or not 1 <= int(match["part"]) <= 12 // months[match["kind"]]:
        raise InvalidInput(
            "轮次编号格式应为“年份+Q+季度”（如2026Q3）或“年份+T+期数”（四个月一期，如2026T2）",
            code="round_code_invalid",
            detail={"code": code},
        )
    year, span, part = int(match["year"]), months[match["kind"]], int(match["part"])
    first_month = (part - 1) * span + 1
    start = dt.date(year, first_month, 1)
    after = dt.date(year + 1, 1, 1) if first_month + span > 12 else dt.date(year, first_month + span, 1)
    return start, after - dt.timedelta(days=1)


def cell_of(matter_type: str) -> str:
    """The quota cell of a frame entry: its matter type, or ``UNSPECIFIED_CELL`` when empty."""
    return matter_type.strip() or UNSPECIFIED_CELL


def _ceil(value: float) -> int:
    return math.ceil(value - _CEIL_TOLERANCE)


def _cochran_fpc(*, sd: float, margin: float, population: int, z: float) -> float:
    if sd <= 0 or margin <= 0 or z <= 0:
        raise InvalidInput(
            "标准差、允许误差和置信系数都必须大于0",
            code="sample_parameters_invalid",
            detail={"sd": sd, "margin": margin, "z": z},
        )
    n0 = (z * sd / margin) ** 2
    if population <= 0:
        return 0.0
    return n0 / (1 + (n0 - 1) / population)


def sample_size_for_mean(*, sd: float, margin: float, population: int, z: float = 1.96) -> int:
    """Cochran's sample size for a mean with the finite population correction, rounded up.

    ``n0 = (z·sd/margin)²``, ``n = n0 / (1 + (n0 − 1)/N)``; never above ``population``
    (e.g. sd 20, margin 4: 97 for a very large frame, 81 for N = 500).
    """
    return min(_ceil(_cochran_fpc(sd=sd, margin=margin, population=population, z=z)), max(population, 0))


@dataclass(frozen=True)
class Design:
    """A round's sample-design parameters."""

    margin: float = 5.0
    assumed_sd: float = 20.0
    z: float = 1.96
    min_per_unit: int = 30
    reserve_ratio: float = 0.5


@dataclass(frozen=True)
class UnitPlan:
    """How many a unit's frame of ``frame_size`` yields: target n, reserves, and what is missing."""

    frame_size: int
    wanted: int  # the n the design asks for, before capping at the frame
    n: int
    reserve_wanted: int
    reserve_n: int

    @property
    def shortfall(self) -> int:
        """How many the frame is short of the main sample the design asks for."""
        return self.wanted - self.n

    @property
    def reserve_shortfall(self) -> int:
        return self.reserve_wanted - self.reserve_n


def unit_plan(*, frame_size: int, design: Design) -> UnitPlan:
    """The target n of one unit: max(floor, Cochran with FPC), capped at the frame; then reserves."""
    if design.min_per_unit < 0 or not 0 <= design.reserve_ratio <= 10:
        raise InvalidInput(
            "每单位最少样本量不能为负，备用样本比例应在0至10之间",
            code="sample_parameters_invalid",
            detail={"min_per_unit": design.min_per_unit, "reserve_ratio": design.reserve_ratio},
        )
    by_formula = _ceil(_cochran_fpc(sd=design.assumed_sd, margin=design.margin, population=frame_size, z=design.z))
    wanted = max(design.min_per_unit, by_formula)
    n = min(wanted, frame_size)
    reserve_wanted = _ceil(design.reserve_ratio * n)
    reserve_n = min(reserve_wanted, frame_size - n)
    return UnitPlan(frame_size=frame_size, wanted=wanted, n=n, reserve_wanted=reserve_wanted, reserve_n=reserve_n)


def quotas_allocate(*, cell_sizes: dict[str, int], n: int) -> dict[str, int]:
    """Share ``n`` across the cells in proportion to their sizes, by largest remainder.

    Exact integer arithmetic: cell h gets ⌊n·N_h/N⌋, and the seats left over go to the largest
    remainders (ties: the larger cell, then the cell's name, so the result never depends on
    dict order). The quotas sum to ``n`` and no cell gets more than it holds.
    """
    total = sum(cell_sizes.values())
    if n < 0 or any(size < 0 for size in cell_sizes.values()) or n > total:
        raise InvalidInput("配额总数不能超过抽样框规模", code="quota_invalid", detail={"n": n, "frame_size": total})
    if total == 0:
        return dict.fromkeys(sorted(cell_sizes), 0)
    quotas = {cell: n * size // total for cell, size in cell_sizes.items()}
    left = n - sum(quotas.values())
    by_remainder = sorted(cell_sizes, key=lambda c: (-(n * cell_sizes[c] % total), -cell_sizes[c], c))
    for cell in by_remainder[:left]:
        quotas[cell] += 1
    return {cell: quotas[cell] for cell in sorted(quotas)}


@dataclass(frozen=True)
class FrameRecord:
    """One enterprise in a unit's frame: its USCC (the sort key), a reference, its matter type."""

    uscc: str
    ref: int
    matter_type: str = ""


@dataclass(frozen=True)
class UnitDraw:
    """A unit's drawn sample: the plan, the quotas, the main sample and the reserves in release order."""

    unit_code: str
    plan: UnitPlan
    quotas: dict[str, int]
    main: tuple[int, ...]  # refs, cell by cell
    reserves: tuple[int, ...]  # refs, in the order they are released
    cells: dict[int, str] = field(default_factory=dict)  # ref → cell

    @property
    def frame_size(self) -> int:
        return self.plan.frame_size

    @property
    def n(self) -> int:
        return self.plan.n

    @property
    def reserve_n(self) -> int:
        return self.plan.reserve_n

    @property
    def shortfall(self) -> int:
        return self.plan.shortfall


def unit_generator(*, round_seed: int, unit_code: str) -> np.random.Generator:
    """The unit's own generator: seeded by a hash of the round's seed and the unit's code."""
    digest = hashlib.sha256(f"zhengwu.appraisal.sample|{round_seed}|{unit_code}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def _shuffled(rng: np.random.Generator, records: Sequence[FrameRecord]) -> list[FrameRecord]:
    # Order by uniform keys rather than Generator.permutation: the stream of doubles is the part of
    # numpy's generators least likely to change between versions, so an old draw can be re-checked.
    keys = rng.random(len(records))
    return [records[i] for i in np.argsort(keys, kind="stable")]


def unit_draw(*, unit_code: str, frame: Iterable[FrameRecord], design: Design, round_seed: int) -> UnitDraw:
    """Draw one unit's sample: quota by quota (cells in name order), then the reserves at random.

    The reserves come from what the main draw left in every cell, in one random order: they are
    released one by one as main-sample invitations fail (the same cell first, see
    ``reserve_pick``).
    """
    records = sorted(frame, key=lambda r: r.uscc)
    if len({r.uscc for r in records}) != len(records):
        raise InvalidInput(
            "同一单位的抽样框中有重复的统一社会信用代码", code="frame_duplicate", detail={"unit": unit_code}
        )
    plan = unit_plan(frame_size=len(records), design=design)
    by_cell: dict[str, list[FrameRecord]] = {}
    for record in records:
        by_cell.setdefault(cell_of(record.matter_type), []).append(record)
    quotas = quotas_allocate(cell_sizes={c: len(rs) for c, rs in by_cell.items()}, n=plan.n)
    rng = unit_generator(round_seed=round_seed, unit_code=unit_code)
    main: list[FrameRecord] = []
    left: list[FrameRecord] = []
    for cell in sorted(by_cell):
        shuffled = _shuffled(rng, by_cell[cell])
        main.extend(shuffled[: quotas[cell]])
        left.extend(shuffled[quotas[cell] :])
    reserves = _shuffled(rng, left)[: plan.reserve_n]
    return UnitDraw(
        unit_code=unit_code,
        plan=plan,
        quotas=quotas,
        main=tuple(r.ref for r in main),
        reserves=tuple(r.ref for r in reserves),
        cells={r.ref: cell_of(r.matter_type) for r in (*main, *reserves)},
    )


def reserve_pick(*, cell: str, waiting: Sequence[tuple[int, str]]) -> int | None:
    """The reserve to release for a failed invitation of ``cell``.

    ``waiting`` lists the unit's unreleased reserves as (ref, cell) in release order; the first of
    the same cell keeps the quota, else the first of any cell keeps the unit's n.
    """
    for ref, reserve_cell in waiting:
        if reserve_cell == cell:
            return ref
    return waiting[0][0] if waiting else None
