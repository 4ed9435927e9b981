"""The calendar file format and its validation. Pure: no ORM, no I/O.

A calendar file is UTF-8 CSV (a byte-order mark, as spreadsheet programs write, is accepted):

    # comment lines start with '#'; blank lines are ignored
    date,kind,name,source
    2025-01-28,holiday,春节,国办发明电〔2024〕12号
    2025-01-26,workday,春节,国办发明电〔2024〕12号

``kind`` is ``holiday`` (放假) or ``workday`` (调休上班, which must fall on a Saturday or Sunday).
One record per line: quoted fields may not span lines, so that every error names a real line.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import KINDS, WORKDAY

HEADER = ("date", "kind", "name", "source")
# A year is about 40 lines; a file this big is the wrong file.
FILE_MAX_BYTES = 1_000_000
NAME_MAX = 50
SOURCE_MAX = 200
# How many problems one error message lists; the detail carries all of them.
_ERRORS_SHOWN = 10
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class CalendarRow:
    """One dated entry of the calendar, with the line of the file it came from."""

    date: dt.date
    kind: str
    name: str
    source: str
    line: int = 0


def _decode(data: bytes | str) -> str:
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if size > FILE_MAX_BYTES:
        raise InvalidInput(
            f"日历文件过大（{size}字节，上限{FILE_MAX_BYTES}字节）",
            code="calendar_file_too_large",
            detail={"size": size, "limit": FILE_MAX_BYTES},
        )
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            f"日历文件不是UTF-8编码（第{line}行无法解码）",
            code="calendar_file_encoding",
            detail={"errors": [{"line": line, "message": "无法按UTF-8解码"}], "byte_offset": exc.start},
        ) from exc


def _row_check(fields: list[str], line: int) -> tuple[CalendarRow | None, list[str]]:
    problems: list[str] = []
    if len(fields) != len(HEADER):
        return None, [f"应有{len(HEADER)}列（date,kind,name,source），实有{len(fields)}列"]
    raw_date, kind, name, source = (f.strip() for f in fields)
    day: dt.date | None = None
    if not _DATE_RE.fullmatch(raw_date):
        problems.append(f"日期“{raw_date}”格式应为YYYY-MM-DD")
    else:
        try:
            day = dt.date.fromisoformat(raw_date)
        except ValueError:
            problems.append(f"日期“{raw_date}”不存在")
    if kind not in KINDS:
        problems.append(f"类型“{kind}”无效，应为holiday（放假）或workday（调休上班）")
    elif kind == WORKDAY and day is not None and day.weekday() < 5:
        problems.append(f"调休上班日{raw_date}不是周六或周日")
    if not name:
        problems.append("名称不能为空")
    elif len(name) > NAME_MAX:
        problems.append(f"名称超过{NAME_MAX}个字符")
    if not source:
        problems.append("来源（文号）不能为空")
    elif len(source) > SOURCE_MAX:
        problems.append(f"来源超过{SOURCE_MAX}个字符")
    if problems or day is None:
        return None, problems
    return CalendarRow(date=day, kind=kind, name=name, source=source, line=line), []


def calendar_rows_parse(data: bytes | str) -> list[CalendarRow]:
    """Parse and validate a calendar file; all or nothing.

    Raises ``InvalidInput`` (code ``calendar_file_invalid``) listing every bad line, with
    ``detail["errors"]`` as ``[{"line": n, "message": ...}, ...]``; returns the rows sorted by date.
    """
    text = _decode(data)
    errors: list[dict[str, object]] = []
    rows: list[CalendarRow] = []
    first_line_of: dict[dt.date, int] = {}
    header_seen = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            fields = next(csv.reader([raw], strict=True))
        except csv.Error as exc:
            errors.append({"line": number, "message": f"CSV格式错误：{exc}"})
            continue
        if not header_seen:
            header_seen = True
            if tuple(f.strip().lower() for f in fields) != HEADER:
                errors.append({"line": number, "message": "第一行（表头）应为 date,kind,name,source"})
                break
            continue
        row, problems = _row_check(fields, number)
        errors.extend({"line": number, "message": p} for p in problems)
        if row is None:
            continue
        if row.date in first_line_of:
            errors.append({"line": number, "message": f"日期{row.date.isoformat()}与第{first_line_of[row.date]}行重复"})
            continue
        first_line_of[row.date] = number
        rows.append(row)
    if not errors and not rows:
        errors.append({"line": 0, "message": "文件中没有任何日期行"})
    if errors:
        shown = "；".join(
            (f"第{e['line']}行：{e['message']}" if e["line"] else str(e["message"])) for e in errors[:_ERRORS_SHOWN]
        )
        more = f"；另有{len(errors) - _ERRORS_SHOWN}处错误" if len(errors) > _ERRORS_SHOWN else ""
        raise InvalidInput(
            f"日历文件有{len(errors)}处错误，未导入任何内容：{shown}{more}",
            code="calendar_file_invalid",
            detail={"errors": errors},
        )
    return sorted(rows, key=lambda r: r.date)
