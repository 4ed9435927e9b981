"""The quarterly reports' charts: matplotlib (headless Agg, no pyplot) → SVG → a ``data:`` URI.

Each function takes plain numbers and labels and returns the URI the report's ``<img>`` embeds,
so the PDF renderer reads nothing from disk or network. Text stays text in the SVG, set in Noto
Sans CJK SC (the fonts the PDF embeds too); every label is Chinese.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

CJK_FONT = "Noto Sans CJK SC"
BLUE, RED, GREY, GREEN = "#1f4e8c", "#b3261e", "#9aa0a6", "#2e7d32"
# matplotlib's settings are process-wide: one chart is drawn at a time.
_DRAW_LOCK = threading.Lock()


@dataclass(frozen=True)
class TrendPoint:
    label: str
    score: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class RankPoint:
    name: str
    total: float
    ci_low: float
    ci_high: float
    highlight: bool = False  # last place, or the unit the report is for


@functools.lru_cache(maxsize=1)
def _font_family() -> tuple[str, ...]:
    from matplotlib import font_manager

    if CJK_FONT in {f.name for f in font_manager.fontManager.ttflist}:
        return (CJK_FONT, "DejaVu Sans")
    logger.warning("appraisal report charts: font %s not found; Chinese labels will not render", CJK_FONT)
    return ("DejaVu Sans",)


def _svg_uri(draw: object, *, width: float, height: float) -> str:
    """Run ``draw(figure)`` on a fresh figure and return the result as an SVG ``data:`` URI."""
    import matplotlib
    from matplotlib.figure import Figure as Canvas

    matplotlib.use("Agg")
    context = matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "zhengwu-appraisal-report",
            "font.family": list(_font_family()),
            "font.size": 9,
            # Unit names come from data: a "$" is a dollar sign, not mathematics.
            "text.parse_math": False,
            "axes.unicode_minus": False,
        }
    )
    with _DRAW_LOCK, context:
        figure = Canvas(figsize=(width, height), layout="constrained")
        draw(figure)  # type: ignore[operator]
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def _clean(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]


def trend_chart(*, points: Sequence[TrendPoint], title: str) -> str:
    """The city score round by round, with its confidence interval as whiskers."""

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        xs = list(range(len(points)))
        scores = [p.score for p in points]
        errors = [[p.score - p.ci_low for p in points], [p.ci_high - p.score for p in points]]
        ax.errorbar(xs, scores, yerr=errors, color=BLUE, marker="o", capsize=4, linewidth=1.6)
        for x, p in zip(xs, points, strict=True):
            ax.annotate(f"{p.score:.2f}", (x, p.ci_high), textcoords="offset points", xytext=(0, 4), ha="center")
        ax.set_xticks(xs, [p.label for p in points])
        low = min(p.ci_low for p in points) if points else 0.0
        high = max(p.ci_high for p in points) if points else 100.0
        ax.set_ylim(max(0.0, low - 3), min(100.0, high + 3))
        ax.set_ylabel("满意度得分（百分制）")
        ax.set_title(title)
        ax.grid(axis="y", color="#e0e0e0")
        _clean(ax)

    return _svg_uri(draw, width=6.2, height=2.6)


def ranking_chart(*, points: Sequence[RankPoint], title: str) -> str:
    """Dot and whisker: each unit's total with its 95 % interval, best at the top; highlighted in red."""

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        ys = list(range(len(points)))
        for y, p in zip(ys, points, strict=True):
            colour = RED if p.highlight else BLUE
            ax.plot([p.ci_low, p.ci_high], [y, y], color=colour, linewidth=1.4)
            ax.plot([p.total], [y], "o", color=colour, markersize=4)
        ax.set_yticks(ys, [p.name for p in points], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("得分及95%置信区间")
        ax.set_title(title)
        ax.grid(axis="x", color="#e0e0e0")
        _clean(ax)

    return _svg_uri(draw, width=6.2, height=0.9 + 0.2 * max(1, len(points)))


def category_chart(*, names: Sequence[str], unit: Sequence[float | None], average: Sequence[float | None]) -> str:
    """The unit's category scores next to its kind's average (a missing score draws no bar)."""

    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        ys = list(range(len(names)))
        ax.barh([y - 0.2 for y in ys], [v or 0.0 for v in unit], height=0.38, color=BLUE, label="本单位")
        ax.barh([y + 0.2 for y in ys], [v or 0.0 for v in average], height=0.38, color=GREY, label="同类单位平均")
        for y, value in zip(ys, unit, strict=True):
            if value is not None:
                ax.annotate(f"{value:.1f}", (value, y - 0.2), textcoords="offset points", xytext=(3, -3), fontsize=7)
        ax.set_yticks(ys, list(names), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 110)
        ax.set_xlabel("类别得分（百分制）")
        figure.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
        _clean(ax)

    return _svg_uri(draw, width=6.2, height=0.8 + 0.32 * max(1, len(names)))


def count_chart(*, names: Sequence[str], counts: Sequence[int], title: str) -> str:
    """Horizontal bars of counts (problems by category), largest first as given."""

    def draw(figure: Figure) -> None:
        from matplotlib.ticker import MaxNLocator

        ax = figure.subplots()
        ys = list(range(len(names)))
        bars = ax.barh(ys, list(counts), height=0.6, color=GREEN)
        ax.bar_label(bars, labels=[str(c) for c in counts], padding=3, fontsize=8)
        ax.set_yticks(ys, list(names), fontsize=8)
        ax.invert_yaxis()
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max([*counts, 1]) * 1.15)
        ax.set_title(title)
        _clean(ax)

    return _svg_uri(draw, width=6.2, height=0.8 + 0.3 * max(1, len(names)))
