"""Reading a 办件名单 (the list of enterprises that dealt with the units): .xlsx or .csv into rows.

One header row, then one enterprise per row. Columns are found by their header, in any order;
unknown columns (a 序号, say) are ignored. Required: 单位编号, 统一社会信用代码, 企业名称;
optional: 联系人, 手机号码, 电子邮箱, 事项类型, 企业规模.

A CSV may be UTF-8 (with or without the BOM Excel writes) or GBK (what a Chinese Excel saves as
"CSV"); GB 18030 is tried for the latter, being GBK's superset. A file that cannot be read as a
table with that header at all is refused as a whole; a bad cell is its row's problem, checked by
``rounds.frame_import``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.web.sheets import sheet_rows_read

# A whole quarter of 74 units' dealings is some tens of thousands of rows; the limits keep a
# mistaken upload (a database dump) from tying up a worker.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000

# Field → its header, in the order of the template.
COLUMNS: dict[str, str] = {
    "unit_code": "单位编号",
    "uscc": "统一社会信用代码",
    "enterprise_name": "企业名称",
    "contact_name": "联系人",
    "phone": "手机号码",
    "email": "电子邮箱",
    "matter_type": "事项类型",
    "size": "企业规模",
}
REQUIRED = ("unit_code", "uscc", "enterprise_name")
_ALIASES = {
    "手机号": "phone",
    "手机": "phone",
    "邮箱": "email",
    "电子邮件": "email",
    "企业统一社会信用代码": "uscc",
    "信用代码": "uscc",
}
HEADER_FIELDS: dict[str, str] = {
    **{header: name for name, header in COLUMNS.items()},
    **{name: name for name in COLUMNS},
    **_ALIASES,
}


@dataclass(frozen=True)
class SheetRow:
    """One data row: its number in the file (the header is row 1), its cells, unreadable cells."""

    number: int
    values: dict[str, str]
    problems: tuple[tuple[str, str], ...]  # (code, Chinese reason)


def _header_field(value: object) -> str | None:
    text = "".join(("" if value is None else str(value)).split()).rstrip("*＊").lstrip("\ufeff")
    return HEADER_FIELDS.get(text) or HEADER_FIELDS.get(text.lower())


def _cell_text(field: str, value: object) -> tuple[str, tuple[str, str] | None]:
    if value is None:
        return "", None
    if isinstance(value, bool):
        return str(value), None
    if isinstance(value, int | float):
        if field == "uscc":
            # Excel keeps 15 significant digits: an 18-digit code typed into a number cell has
            # already lost its last digits, so it cannot be trusted.
            return "", (
                "frame_uscc_numeric_cell",
                "统一社会信用代码单元格为数字格式，末几位已被Excel改变；请设为文本格式后重填",
            )
        return (str(int(value)) if float(value).is_integer() else str(value)), None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(), None
    return str(value).strip(), None


def frame_sheet_read(*, data: bytes, filename: str) -> list[SheetRow]:
    """The data rows of an uploaded 办件名单; InvalidInput when it is not such a table at all."""
    if not data:
        raise InvalidInput("上传的文件为空", code="frame_file_empty")
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"文件不能超过{MAX_BYTES // (1024 * 1024)}MB", code="frame_file_too_large", detail={"max_bytes": MAX_BYTES}
        )
    table = sheet_rows_read(data=data, filename=filename, max_rows=MAX_ROWS, code="frame_file_invalid")
    if len(table) > MAX_ROWS + 1:
        raise InvalidInput(
            f"一次最多导入{MAX_ROWS}行，请分批导入", code="frame_too_many_rows", detail={"max_rows": MAX_ROWS}
        )
    header_at = next((i for i, raw in enumerate(table) if any(v not in (None, "") for v in raw)), None)
    if header_at is None:
        raise InvalidInput("文件中没有任何内容", code="frame_file_empty")
    positions: dict[str, int] = {}
    for index, value in enumerate(table[header_at]):
        field = _header_field(value)
        if field is not None and field not in positions:
            positions[field] = index
    missing = [COLUMNS[f] for f in REQUIRED if f not in positions]
    if missing:
        raise InvalidInput(
            "第1行应为办件名单表头，缺少列：" + "、".join(missing),
            code="frame_no_header",
            detail={"missing": missing, "expected": list(COLUMNS.values())},
        )
    rows: list[SheetRow] = []
    for offset, raw in enumerate(table[header_at + 1 :], start=header_at + 2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
            continue
        values: dict[str, str] = {}
        problems: list[tuple[str, str]] = []
        for field in COLUMNS:
            position = positions.get(field)
            text, problem = _cell_text(field, raw[position] if position is not None and position < len(raw) else None)
            values[field] = text
            if problem is not None:
                problems.append(problem)
        rows.append(SheetRow(number=offset, values=values, problems=tuple(problems)))
    return rows
