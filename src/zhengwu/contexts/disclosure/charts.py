"""The statistics as figures: for each, the table of its numbers and a chart of them as SVG.

The table is what a download contains and what the page shows under the chart; the chart is
drawn from the same numbers by matplotlib (headless Agg backend, no pyplot), with text left as
text in the SVG (Noto Sans CJK SC, so Chinese labels render and can be read by screen readers and
searched). A chart is drawn once per distinct content: the SVG is cached under the hash of what
it shows, so an unchanged figure is never drawn again per request.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import html
import io
import json
import logging
import re
import threading
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengwu.contexts.disclosure.statistics import (
    CountGroup,
    Statistics,
    TradeGroup,
    district_name,
)
from zhengwu.kernel.money import FEN_PER_YUAN, money_from_fen

if TYPE_CHECKING:
    from matplotlib.axes import Axes

logger = logging.getLogger(__name__)

Cell = str | int | Decimal

TRADE_TYPE_LABELS = {
    "construction": _("Construction works"),
    "procurement": _("Government procurement"),
    "land": _("Land-use rights"),
    "property": _("State-owned property"),
}
ROLE_LABELS = {"tenderer": _("Tenderer"), "agency": _("Tendering agency"), "bidder": _("Bidder")}
FIGURE_NAMES: tuple[str, ...] = (
    "trades-by-type",
    "trades-by-month",
    "trades-by-district",
    "savings-by-type",
    "savings-by-month",
    "notices-by-month",
    "subjects-by-role",
    "subjects-by-district",
    "subjects-by-month",
)
CJK_FONT = "Noto Sans CJK SC"
COLOURS = ("#1f4e8c", "#b3261e", "#2e7d32", "#8a5300", "#5f6368", "#6a1b9a")
CACHE_SECONDS = 7 * 24 * 3600
# matplotlib's settings are process-wide: one chart is drawn at a time.
_DRAW_LOCK = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Panel:
    """One plot of a chart: a bar per category (stacked when several series), ``texts`` at the bar ends."""

    label: str
    series: tuple[tuple[str, tuple[float, ...]], ...]
    texts: tuple[str, ...]
    # Counts: whole-number ticks only.
    integer: bool = False


@dataclasses.dataclass(frozen=True)
class Chart:
    """What a chart shows: its title, its categories and one panel per measure."""

    title: str
    categories: tuple[str, ...]
    panels: tuple[Panel, ...]
    horizontal: bool

    def digest(self) -> str:
        """SHA-256 of everything drawn: the chart's cache key."""
        text = json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class Figure:
    """A figure of the statistics: the table of its numbers (the downloads) and its chart."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: Chart
    note: str = ""


# Labels ---------------------------------------------------------------------------------------


def _type_label(code: str) -> str:
    return str(TRADE_TYPE_LABELS.get(code, code)) if code else gettext("Unknown")


def _district_label(code: str) -> str:
    return district_name(code) if code else gettext("Unknown")


def _wan(fen: int) -> Decimal:
    """Fen as 万元 (ten thousand yuan) to two decimals: the unit of the charts' money axes."""
    return (Decimal(fen) / (FEN_PER_YUAN * 10_000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _rate(group: TradeGroup) -> Cell:
    return group.savings_rate if group.savings_rate is not None else ""


def _month_label(month: str) -> str:
    return month[5:]


# The figures ----------------------------------------------------------------------------------


def _count_and_value(
    title: str, categories: tuple[str, ...], groups: tuple[TradeGroup, ...], horizontal: bool
) -> Chart:
    return Chart(
        title=title,
        categories=categories,
        panels=(
            Panel(
                label=gettext("Number of trades"),
                series=(("", tuple(float(g.count) for g in groups)),),
                texts=tuple(str(g.count) for g in groups),
                integer=True,
            ),
            Panel(
                label=gettext("Value (10,000 yuan)"),
                series=(("", tuple(float(_wan(g.price_fen)) for g in groups)),),
                texts=tuple(f"{_wan(g.price_fen):,.2f}" for g in groups),
            ),
        ),
        horizontal=horizontal,
    )


def _savings_chart(title: str, categories: tuple[str, ...], groups: tuple[TradeGroup, ...], horizontal: bool) -> Chart:
    return Chart(
        title=title,
        categories=categories,
        panels=(
            Panel(
                label=gettext("Savings (10,000 yuan)"),
                series=(("", tuple(float(_wan(g.savings_fen)) for g in groups)),),
                texts=tuple(f"{_wan(g.savings_fen):,.2f}" for g in groups),
            ),
            Panel(
                label=gettext("Savings rate (%)"),
                series=(("", tuple(float(g.savings_rate or 0) for g in groups)),),
                texts=tuple(f"{g.savings_rate}%" if g.savings_rate is not None else "—" for g in groups),
            ),
        ),
        horizontal=horizontal,
    )


def _counts_chart(
    title: str, label: str, categories: tuple[str, ...], groups: tuple[CountGroup, ...], horizontal: bool
) -> Chart:
    return Chart(
        title=title,
        categories=categories,
        panels=(
            Panel(
                label=label,
                series=(("", tuple(float(g.count) for g in groups)),),
                texts=tuple(str(g.count) for g in groups),
                integer=True,
            ),
        ),
        horizontal=horizontal,
    )


def _savings_row(first: tuple[Cell, ...], group: TradeGroup) -> tuple[Cell, ...]:
    return (
        *first,
        group.count,
        money_from_fen(group.budget_fen),
        money_from_fen(group.price_fen),
        money_from_fen(group.savings_fen),
        _rate(group),
    )


def _trade_figures(stats: Statistics, year: int) -> list[Figure]:
    by_type, by_month, by_district = stats.trades_by_type, stats.trades_by_month, stats.trades_by_district
    type_names = tuple(_type_label(g.key) for g in by_type)
    months = tuple(_month_label(g.key) for g in by_month)
    districts = tuple(_district_label(g.key) for g in by_district)
    total = gettext("All trade types")
    savings_headers = (
        gettext("Number of trades"),
        gettext("Budget (yuan)"),
        gettext("Award price (yuan)"),
        gettext("Savings (yuan)"),
        gettext("Savings rate (%)"),
    )
    titles = {
        "trades-by-type": gettext("Trades by trade type, %(year)s") % {"year": year},
        "trades-by-month": gettext("Trades by month, %(year)s") % {"year": year},
        "trades-by-district": gettext("Trades by district, %(year)s") % {"year": year},
        "savings-by-type": gettext("Budget savings by trade type, %(year)s") % {"year": year},
        "savings-by-month": gettext("Budget savings by month, %(year)s") % {"year": year},
    }
    value_headers = (gettext("Number of trades"), gettext("Value (yuan)"))
    return [
        Figure(
            name="trades-by-type",
            title=titles["trades-by-type"],
            headers=(gettext("Trade type"), *value_headers),
            rows=(
                *((name, g.count, money_from_fen(g.price_fen)) for name, g in zip(type_names, by_type, strict=True)),
                (total, stats.trades_total.count, money_from_fen(stats.trades_total.price_fen)),
            ),
            chart=_count_and_value(titles["trades-by-type"], type_names, by_type, horizontal=True),
        ),
        Figure(
            name="trades-by-month",
            title=titles["trades-by-month"],
            headers=(gettext("Month"), *value_headers),
            rows=tuple((g.key, g.count, money_from_fen(g.price_fen)) for g in by_month),
            chart=_count_and_value(titles["trades-by-month"], months, by_month, horizontal=False),
        ),
        Figure(
            name="trades-by-district",
            title=titles["trades-by-district"],
            headers=(gettext("Region code"), gettext("District"), *value_headers),
            rows=tuple(
                (g.key, name, g.count, money_from_fen(g.price_fen))
                for name, g in zip(districts, by_district, strict=True)
            ),
            chart=_count_and_value(titles["trades-by-district"], districts, by_district, horizontal=True),
        ),
        Figure(
            name="savings-by-type",
            title=titles["savings-by-type"],
            headers=(gettext("Trade type"), *savings_headers),
            rows=(
                *(_savings_row((name,), g) for name, g in zip(type_names, by_type, strict=True)),
                _savings_row((total,), stats.trades_total),
            ),
            chart=_savings_chart(titles["savings-by-type"], type_names, by_type, horizontal=True),
            note=gettext("Savings = budget − award price; the rate is savings divided by the budget."),
        ),
        Figure(
            name="savings-by-month",
            title=titles["savings-by-month"],
            headers=(gettext("Month"), *savings_headers),
            rows=tuple(_savings_row((g.key,), g) for g in by_month),
            chart=_savings_chart(titles["savings-by-month"], months, by_month, horizontal=False),
        ),
    ]


def _notice_figure(stats: Statistics, year: int) -> Figure:
    title = gettext("Notices published by month, %(year)s") % {"year": year}
    names = tuple(_type_label(code) for code in stats.notice_types)
    rows = stats.notices_by_month
    return Figure(
        name="notices-by-month",
        title=title,
        headers=(gettext("Month"), *names, gettext("All trade types")),
        rows=tuple((m.month, *(m.by_type[code] for code in stats.notice_types), m.total) for m in rows),
        chart=Chart(
            title=title,
            categories=tuple(_month_label(m.month) for m in rows),
            panels=(
                Panel(
                    label=gettext("Notices published"),
                    series=tuple(
                        (name, tuple(float(m.by_type[code]) for m in rows))
                        for name, code in zip(names, stats.notice_types, strict=True)
                    ),
                    texts=tuple(str(m.total) for m in rows),
                    integer=True,
                ),
            ),
            horizontal=False,
        ),
    )


def _subject_figures(stats: Statistics, year: int) -> list[Figure]:
    subjects = gettext("Market subjects")
    roles = tuple(str(ROLE_LABELS.get(g.key, g.key)) for g in stats.subjects_by_role)
    districts = tuple(_district_label(g.key) for g in stats.subjects_by_district)
    titles = {
        "role": gettext("Listed market subjects by role"),
        "district": gettext("Listed market subjects by district"),
        "month": gettext("Market subjects first listed by month, %(year)s") % {"year": year},
    }
    note = gettext(
        "Subjects listed now, by the month they were first listed; subjects since taken off the list are not counted."
    )
    if stats.subjects_listed_unknown:
        unrecorded = gettext("The month of first listing was not recorded for %(count)s listed subjects.")
        note += " " + unrecorded % {"count": stats.subjects_listed_unknown}
    return [
        Figure(
            name="subjects-by-role",
            title=titles["role"],
            headers=(gettext("Role"), subjects),
            rows=tuple(zip(roles, (g.count for g in stats.subjects_by_role), strict=True)),
            chart=_counts_chart(titles["role"], subjects, roles, stats.subjects_by_role, horizontal=True),
            note=gettext("As listed now; a subject may hold several roles. %(total)s subjects in all.")
            % {"total": stats.subjects_total},
        ),
        Figure(
            name="subjects-by-district",
            title=titles["district"],
            headers=(gettext("Region code"), gettext("District"), subjects),
            rows=tuple((g.key, name, g.count) for name, g in zip(districts, stats.subjects_by_district, strict=True)),
            chart=_counts_chart(titles["district"], subjects, districts, stats.subjects_by_district, horizontal=True),
            note=gettext("As listed now."),
        ),
        Figure(
            name="subjects-by-month",
            title=titles["month"],
            headers=(gettext("Month"), gettext("Newly listed")),
            rows=tuple((g.key, g.count) for g in stats.subjects_by_month),
            chart=_counts_chart(
                titles["month"],
                gettext("Newly listed"),
                tuple(_month_label(g.key) for g in stats.subjects_by_month),
                stats.subjects_by_month,
                horizontal=False,
            ),
            note=note,
        ),
    ]


def figures_build(stats: Statistics) -> list[Figure]:
    """Every figure of ``stats``, in the order of ``FIGURE_NAMES``."""
    year = stats.query.year
    figures = [*_trade_figures(stats, year), _notice_figure(stats, year), *_subject_figures(stats, year)]
    assert tuple(f.name for f in figures) == FIGURE_NAMES
    return figures


# Drawing --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _font_family() -> tuple[str, ...]:
    """Noto Sans CJK SC if installed; without it the text is still text, drawn by the reader's fonts."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    if CJK_FONT in names:
        return (CJK_FONT, "DejaVu Sans")
    logger.warning("disclosure charts: font %s not found; Chinese labels rely on the reader's fonts", CJK_FONT)
    return ("DejaVu Sans",)


def _draw_panel(ax: Axes, chart: Chart, panel: Panel) -> None:
    from matplotlib.ticker import MaxNLocator

    positions = list(range(len(chart.categories)))
    base = [0.0] * len(positions)
    container = None
    for index, (name, values) in enumerate(panel.series):
        colour = COLOURS[index % len(COLOURS)] if len(panel.series) > 1 else COLOURS[0]
        if chart.horizontal:
            container = ax.barh(positions, values, left=base, color=colour, label=name or None, height=0.6)
        else:
            container = ax.bar(positions, values, bottom=base, color=colour, label=name or None, width=0.6)
        base = [b + v for b, v in zip(base, values, strict=True)]
    if container is not None:
        ax.bar_label(container, labels=list(panel.texts), padding=3, fontsize=9)
    top = max([*base, 0.0])
    low = min([*base, 0.0])
    # Room for the labels at the bar ends; an all-zero panel still gets an axis.
    span = (top - low) or 1.0
    limits = (low - (0.15 * span if low < 0 else 0), top + 0.2 * span)
    if chart.horizontal:
        ax.set_yticks(positions, list(chart.categories))
        ax.invert_yaxis()
        ax.set_xlim(*limits)
        ax.set_xlabel(panel.label)
    else:
        ax.set_xticks(positions, list(chart.categories))
        ax.set_ylim(*limits)
        ax.set_ylabel(panel.label)
    if panel.integer:
        (ax.xaxis if chart.horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    if len(panel.series) > 1:
        ax.legend(fontsize=8, frameon=False, ncols=min(4, len(panel.series)), loc="upper left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _draw(chart: Chart) -> str:
    """The chart as an SVG document (the XML declaration and doctype removed)."""
    # matplotlib is imported on the first drawing, not when the public site starts: most requests
    # draw nothing (drawings are cached), and the API's figures need only the numbers.
    import matplotlib
    from matplotlib.figure import Figure as Canvas

    # Headless and safe in a server process (no pyplot, no display).
    matplotlib.use("Agg")
    rows = max(1, len(chart.categories))
    panel_height = 0.34 * rows + 0.9 if chart.horizontal else 2.4
    settings = matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            # Stable element ids, so the same chart always gives the same SVG.
            "svg.hashsalt": "zhengwu-statistics",
            "font.family": list(_font_family()),
            "font.size": 10,
            # Labels come from received data: a "$" is a dollar sign, not mathematics.
            "text.parse_math": False,
            "axes.unicode_minus": False,
        }
    )
    with _DRAW_LOCK, settings:
        canvas = Canvas(figsize=(6.4, 0.5 + panel_height * len(chart.panels)), layout="constrained")
        canvas.suptitle(chart.title, fontsize=12)
        axes = canvas.subplots(len(chart.panels), 1, squeeze=False)
        for ax, panel in zip(axes[:, 0], chart.panels, strict=True):
            _draw_panel(ax, chart, panel)
        buffer = io.StringIO()
        canvas.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def chart_svg(chart: Chart, *, prefix: str) -> str:
    """The chart as SVG with a ``<title>``, its element ids prefixed so several fit in one page.

    Drawn once per distinct chart: the drawing is cached under the chart's digest.
    """
    key = f"disclosure:chart:{chart.digest()}"
    svg = cache.get(key)
    if not isinstance(svg, str):
        svg = _draw(chart)
        cache.set(key, svg, CACHE_SECONDS)
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    svg = re.sub(r'(url\(#|href="#)', rf"\1{prefix}-", svg)
    title = f'<title id="{prefix}-title">{html.escape(chart.title)}</title>'
    return re.sub(
        r"<svg\b([^>]*)>",
        lambda match: f'<svg{match[1]} role="img" aria-labelledby="{prefix}-title">{title}',
        svg,
        count=1,
    )
