"""Lists leave the platform as Excel workbooks, the format every office here opens.

Cells are written as text or numbers, never formulas: a value starting with ``=``, ``+``,
``-`` or ``@`` that came from a user (a company name, say) must not run in the reader's Excel.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from urllib.parse import quote

import xlsxwriter
from django.http import HttpResponse

from zhengwu.kernel.clock import CHINA_TZ, clock_now

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    *, filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """An .xlsx download of ``rows`` under ``headers``; ``filename`` without extension."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F1F3F4", "border": 1})
    money = workbook.add_format({"num_format": "#,##0.00"})
    widths = [len(h) * 2 + 2 for h in headers]
    for col, header in enumerate(headers):
        worksheet.write_string(0, col, header, bold)
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, bool) or value is None:
                worksheet.write_string(r, col, "" if value is None else ("是" if value else "否"))
            elif isinstance(value, int | float):
                # A measurement (a score, a rate): a number Excel can sort and average, as it is.
                worksheet.write_number(r, col, value)
            elif isinstance(value, Decimal):
                # An amount in yuan: a number Excel can add up, shown with its two decimals.
                worksheet.write_number(r, col, value, money)
                widths[col] = max(widths[col], len(f"{value:,.2f}") + 2)
            else:
                text = str(value)
                worksheet.write_string(r, col, text)
                widths[col] = max(widths[col], min(60, len(text) * 2))
    for col, width in enumerate(widths):
        worksheet.set_column(col, col, width)
    worksheet.freeze_panes(1, 0)
    workbook.close()
    stamp = clock_now().astimezone(CHINA_TZ).strftime("%Y%m%d-%H%M")
    name = f"{filename}-{stamp}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"export-{stamp}.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response
