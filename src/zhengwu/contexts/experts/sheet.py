"""The Excel sheet experts are imported from: its columns, reading its rows, and its template.

One worksheet (the first, or the one named ``专家``), one header row, then one expert per row.
Columns are found by their header text, in any order; a trailing ``*`` (required) is ignored
and columns the platform does not know (a ``序号`` column, say) are ignored too. The template
(``template_xlsx``) has the headers, text-formatted code columns, and two more sheets: how to fill
in each column, and the specialty code table.

| Header | Field | Required | What |
|---|---|---|---|
| 姓名 | name | yes | as on the identity card, at most 50 characters |
| 身份证号码 | id_card | yes | 18 characters, GB 11643 check character; a text cell |
| 手机号码 | phone | yes | 11-digit mobile, or a landline with its area code |
| 工作单位 | employer_name | yes | current employer (COMPANY) |
| 工作单位统一社会信用代码 | employer_uscc | no | 18 characters, GB 32100 check character |
| 所在地区代码 | region_code | yes | 6-digit GB/T 2260 code (AREA) |
| 职称 | title_name | yes | e.g. 高级工程师 (PROFESSIONAL) |
| 职称级别 | title_level | yes | 正高级, 高级, 中级 or 初级 |
| 工作年限 | work_years | yes | whole years, 0–70 (WORK_YEAR) |
| 专家库类别 | base_type | yes | 综合评标专家库 or 政府采购评审专家库 (BASE_TYPE) |
| 主评专业代码 | main_specialty | yes | a code of the specialty table (MAJOR_CODE, IS_MAIN) |
| 其他专业代码 | other_specialties | no | codes separated by 、 , ; or spaces |
| 执业资格 | qualifications | no | e.g. 一级注册建造师 |
| 最高学历 | education | no | EDUCATION |
| 出生日期 | birth_date | no | if given, must agree with the identity number (BIRTHDAY) |
| 入库日期 | entered_on | no | ENTER_DATE; today when empty |

Dates may be date cells or text as ``2026-03-02``, ``2026/3/2``, ``20260302`` or ``2026年3月2日``.

``openpyxl`` reads the sheet; it is imported only when a sheet is read, so a deployable without
it still boots (the import then says it is unavailable).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from zhengwu.contexts.experts.models import BASE_TYPE_LABELS, TITLE_LEVEL_LABELS
from zhengwu.contexts.experts.specialties import SPECIALTIES, specialty_label
from zhengwu.kernel.errors import InvalidInput, ZhengwuError

# A few thousand rows are read and checked in one request (a few seconds); the limits keep a
# mistaken upload (a whole database dump) from tying up a worker.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
SHEET_NAME = "专家"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    # How the cell is read: text, code (text that Excel must not turn into a number), int,
    # date or list (several codes in one cell).
    kind: str
    hint: str


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", True, "text", "与身份证一致，不超过50个字符"),
    Column("id_card", "身份证号码", True, "code", "18位公民身份号码，末位校验码按GB 11643计算；请使用文本格式单元格"),
    Column("phone", "手机号码", True, "code", "11位手机号码，或带区号的固定电话"),
    Column("employer_name", "工作单位", True, "text", "当前工作单位全称"),
    Column(
        "employer_uscc",
        "工作单位统一社会信用代码",
        False,
        "code",
        "18位统一社会信用代码（知道时填写，抽取回避按此比对）",
    ),
    Column("region_code", "所在地区代码", True, "code", "6位行政区划代码（GB/T 2260），如530102"),
    Column("title_name", "职称", True, "text", "如：高级工程师、教授级高级工程师"),
    Column("title_level", "职称级别", True, "text", "、".join(TITLE_LEVEL_LABELS.values())),
    Column("work_years", "工作年限", True, "int", "整数，0至70"),
    Column("base_type", "专家库类别", True, "text", "、".join(BASE_TYPE_LABELS.values())),
    Column("main_specialty", "主评专业代码", True, "code", "见“专业代码”工作表"),
    Column("other_specialties", "其他专业代码", False, "list", "多个代码用顿号、逗号、分号或空格分隔"),
    Column("qualifications", "执业资格", False, "text", "如：一级注册建造师"),
    Column("education", "最高学历", False, "text", "如：本科、硕士研究生"),
    Column("birth_date", "出生日期", False, "date", "可不填；填写时须与身份证号码一致，格式如2026-03-02"),
    Column("entered_on", "入库日期", False, "date", "可不填，默认为导入当天；格式如2026-03-02"),
)
COLUMN_BY_HEADER = {c.header: c for c in COLUMNS}
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}

_LIST_SPLIT = re.compile(r"[,，、;；\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass(frozen=True)
class CellError:
    """A cell that could not be read as its column's kind (before the fields are checked)."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class SheetRow:
    """One row of the sheet: its Excel row number, the values read, and the cells not readable."""

    number: int
    values: dict[str, Any]
    errors: tuple[CellError, ...]


def _header_text(value: object) -> str:
    text = "" if value is None else str(value)
    return "".join(text.split()).rstrip("*＊").replace("（必填）", "").replace("(必填)", "")


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError(text)


def _number_text(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _cell(column: Column, value: object) -> tuple[object, CellError | None]:
    """The value of one cell as its column wants it, or the reason it cannot be read."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ("" if column.kind not in ("date", "int", "list") else None), None
    if column.kind == "date":
        try:
            return _date(value), None
        except ValueError:
            return None, CellError(
                column.field, "date_invalid", f"{column.header}“{str(value)[:20]}”不是有效日期，格式如2026-03-02"
            )
    if column.kind == "int":
        if isinstance(value, (bool, dt.date)):
            return None, CellError(column.field, f"{column.field}_invalid", f"{column.header}应为整数")
        if isinstance(value, int | float):
            return (int(value) if float(value).is_integer() else str(value)), None
        return str(value).strip(), None
    if column.kind == "list":
        text = _number_text(value) if isinstance(value, int | float) else str(value)
        return [part for part in _LIST_SPLIT.split(text.upper()) if part], None
    if isinstance(value, dt.date):
        return None, CellError(column.field, f"{column.field}_invalid", f"{column.header}不应是日期")
    if column.field == "id_card" and isinstance(value, int | float):
        # Excel keeps 15 significant digits: an 18-digit number typed into a number cell has
        # already lost its last digits (and any X), so it cannot be trusted.
        return None, CellError(
            "id_card",
            "id_card_numeric_cell",
            "身份证号码单元格为数字格式，末几位已被Excel改变；请将该列设为文本格式后重新填写",
        )
    if isinstance(value, int | float):
        return _number_text(value), None
    return str(value).strip(), None


def sheet_rows(data: bytes) -> tuple[list[str], Iterator[SheetRow]]:
    """The missing required headers and the data rows of an uploaded workbook.

    Raises InvalidInput (``import_file_invalid``, ``import_file_too_large``, ``import_no_header``)
    when the file cannot be read as an .xlsx sheet at all; an unreadable cell is a row's problem.
    """
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"文件不能超过{MAX_BYTES // (1024 * 1024)}MB", code="import_file_too_large", detail={"max_bytes": MAX_BYTES}
        )
    try:
        # Imported here: optional at boot, see the module docstring.
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ZhengwuError("服务器未安装Excel读取组件，暂不能导入", code="import_unavailable") from exc
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not an .xlsx
        raise InvalidInput(
            "无法读取该文件，请上传Excel工作簿（.xlsx）",
            code="import_file_invalid",
            detail={"error": type(exc).__name__},
        ) from exc
    sheet = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        workbook.close()
        raise InvalidInput("工作表为空：第1行应为表头", code="import_no_header", detail={"row": 1})
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        column = COLUMN_BY_HEADER.get(_header_text(value))
        if column is not None and column.field not in positions:
            positions[column.field] = index
    missing = [c.header for c in COLUMNS if c.required and c.field not in positions]
    if not positions:
        workbook.close()
        raise InvalidInput(
            "第1行不是专家导入表头，请使用导入模板", code="import_no_header", detail={"row": 1, "missing": missing}
        )

    def read() -> Iterator[SheetRow]:
        try:
            for number, raw in enumerate(rows, start=2):
                if raw is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                    continue
                if number - 1 > MAX_ROWS:
                    raise InvalidInput(
                        f"一次最多导入{MAX_ROWS}行，请分批导入",
                        code="import_too_many_rows",
                        detail={"max_rows": MAX_ROWS},
                    )
                values: dict[str, Any] = {}
                errors: list[CellError] = []
                for field, index in positions.items():
                    value, error = _cell(COLUMN_BY_FIELD[field], raw[index] if index < len(raw) else None)
                    values[field] = value
                    if error is not None:
                        errors.append(error)
                yield SheetRow(number=number, values=values, errors=tuple(errors))
        finally:
            workbook.close()

    return missing, read()


def template_xlsx() -> bytes:
    """The import template: the header row, how to fill each column, and the specialty codes."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#F1F3F4", "border": 1})
    required = workbook.add_format({"bold": True, "bg_color": "#FDE7E9", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(SHEET_NAME)
    for col, column in enumerate(COLUMNS):
        sheet.write_string(
            0, col, column.header + ("*" if column.required else ""), required if column.required else bold
        )
        width = max(12, len(column.header) * 2 + 4)
        fmt = text if column.kind in ("code", "list", "text") else date if column.kind == "date" else None
        sheet.set_column(col, col, width, fmt)
    sheet.freeze_panes(1, 0)
    guide = workbook.add_worksheet("填写说明")
    for col, title in enumerate(("列名", "是否必填", "填写要求")):
        guide.write_string(0, col, title, bold)
    for row, column in enumerate(COLUMNS, start=1):
        guide.write_string(row, 0, column.header)
        guide.write_string(row, 1, "必填" if column.required else "选填")
        guide.write_string(row, 2, column.hint)
    guide.write_string(len(COLUMNS) + 2, 0, "第1行为表头，从第2行起每行一位专家；空行跳过。")
    guide.write_string(
        len(COLUMNS) + 3, 0, "有误的行不导入，其余行照常导入，导入结果逐行列出错误（行号、列名、原因）。"
    )
    guide.set_column(0, 0, 26)
    guide.set_column(1, 1, 10)
    guide.set_column(2, 2, 80)
    codes = workbook.add_worksheet("专业代码")
    codes.write_string(0, 0, "专业代码", bold)
    codes.write_string(0, 1, "专业名称", bold)
    for row, code in enumerate(sorted(SPECIALTIES), start=1):
        codes.write_string(row, 0, code)
        codes.write_string(row, 1, specialty_label(code).partition(" ")[2])
    codes.set_column(0, 0, 12)
    codes.set_column(1, 1, 50)
    workbook.close()
    return buffer.getvalue()
