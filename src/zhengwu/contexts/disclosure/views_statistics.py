"""Pages of the public statistics: each figure as a chart with its numbers, and their downloads."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from zhengwu.contexts.disclosure.charts import FIGURE_NAMES, Cell, Figure, chart_svg, figures_build
from zhengwu.contexts.disclosure.selectors import TRADE_TYPES
from zhengwu.contexts.disclosure.statistics import FIRST_YEAR, StatisticsQuery, statistics_get, statistics_query_parse
from zhengwu.contexts.disclosure.views import TRADE_TYPE_NAMES
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.web.exports import xlsx_response

STATISTICS_FORMATS = ("csv", "xlsx", "svg")
# What Excel would read as the start of a formula in a CSV text cell (numbers are left alone).
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _statistics(request: HttpRequest) -> tuple[StatisticsQuery, list[Figure]]:
    """The query the request's filters make and its figures; ``InvalidInput`` on a bad filter."""
    params = {name: request.GET.get(name, "").strip()[:40] for name in ("year", "trade_type")}
    query = statistics_query_parse(**params)
    return query, figures_build(statistics_get(query=query))


def _statistics_refused(request: HttpRequest, error: InvalidInput) -> HttpResponse:
    return render(request, "disclosure/statistics.html", {"error": error.message}, status=400)


def _cell_shown(value: Cell) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else str(value)


def _cell_csv(value: Cell) -> str:
    if isinstance(value, str) and value.startswith(_CSV_FORMULA_START):
        return "'" + value
    return str(value)


def statistics(request: HttpRequest) -> HttpResponse:
    """Public statistics: each figure as a chart, its numbers in a table, CSV and Excel downloads."""
    try:
        query, figures = _statistics(request)
    except InvalidInput as exc:
        return _statistics_refused(request, exc)
    # The year as resolved, so a download made later still holds the numbers shown.
    filters = urlencode({k: v for k, v in {"year": query.year, "trade_type": query.trade_type}.items() if v})
    current = clock_now().astimezone(CHINA_TZ).year
    context = {
        "year": query.year,
        "trade_type": query.trade_type or "",
        "years": range(current, max(FIRST_YEAR, current - 9) - 1, -1),
        "trade_types": [(code, TRADE_TYPE_NAMES[code]) for code in TRADE_TYPES],
        "figures": [
            {
                "figure": figure,
                # Drawn here from numbers and escaped labels (matplotlib escapes text; the title is escaped).
                "svg": mark_safe(chart_svg(figure.chart, prefix=f"chart-{figure.name}")),  # noqa: S308
                # (text, is a number) per cell: numbers are right-aligned.
                "headers": [
                    (header, bool(figure.rows) and not isinstance(figure.rows[0][i], str))
                    for i, header in enumerate(figure.headers)
                ],
                "rows": [[(_cell_shown(cell), not isinstance(cell, str)) for cell in row] for row in figure.rows],
                "filters": f"?{filters}",
            }
            for figure in figures
        ],
    }
    return render(request, "disclosure/statistics.html", context)


def statistics_download(request: HttpRequest, figure: str, fmt: str) -> HttpResponse:
    """One figure's numbers as CSV (UTF-8 with BOM, for Excel) or Excel, or its chart as SVG."""
    if figure not in FIGURE_NAMES or fmt not in STATISTICS_FORMATS:
        raise Http404(figure)
    try:
        query, figures = _statistics(request)
    except InvalidInput as exc:
        return _statistics_refused(request, exc)
    found = next(f for f in figures if f.name == figure)
    filename = "-".join(filter(None, ("statistics", figure, str(query.year), query.trade_type)))
    if fmt == "svg":
        return HttpResponse(chart_svg(found.chart, prefix=figure), content_type="image/svg+xml; charset=utf-8")
    if fmt == "xlsx":
        return xlsx_response(
            filename=filename, sheet=re.sub(r"[\[\]:*?/\\]", " ", found.title), headers=found.headers, rows=found.rows
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(found.headers)
    writer.writerows([_cell_csv(cell) for cell in row] for row in found.rows)
    # The BOM tells Excel the file is UTF-8; without it, Chinese headers open garbled.
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
