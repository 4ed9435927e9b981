"""Tables come in as the offices keep them: an Excel workbook (.xlsx) or a CSV file.

One reader for every upload of a list (a 办件名单, a library catalogue …): the first sheet of a
workbook, or a CSV in UTF-8 or GB18030 (what Excel in a Chinese Windows saves) separated by
commas or tabs. It stops a row after the limit so that the caller can say the file is too long
without reading all of it. A file that is none of these is refused with the caller's error code.
"""

from __future__ import annotations

import csv
import io

import openpyxl

from zhengwu.kernel.errors import InvalidInput

_OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def sheet_rows_read(*, data: bytes, filename: str, max_rows: int, code: str) -> list[tuple[object, ...]]:
    """The rows of an uploaded table, header included: at most ``max_rows + 2`` (one more than a
    header and ``max_rows`` data rows, so the caller sees there were too many).

    Raises ``InvalidInput`` with ``code`` for an old .xls, a damaged workbook, a text in neither
    encoding, or a CSV that cannot be parsed. Size and emptiness are the caller's to check.
    """
    name = (filename or "").lower()
    if name.endswith(".xls") or data[:8] == _OLD_EXCEL_MAGIC:
        raise InvalidInput("不支持旧版Excel（.xls）文件，请另存为.xlsx或CSV后上传", code=code)
    if data[:4] == _ZIP_MAGIC or name.endswith(".xlsx"):
        return _xlsx_rows(data, max_rows=max_rows, code=code)
    return _csv_rows(data, max_rows=max_rows, code=code)


def _xlsx_rows(data: bytes, *, max_rows: int, code: str) -> list[tuple[object, ...]]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not an .xlsx
        raise InvalidInput(
            "无法读取该文件，请上传Excel工作簿（.xlsx）或CSV文件", code=code, detail={"error": type(exc).__name__}
        ) from exc
    try:
        rows: list[tuple[object, ...]] = []
        for raw in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(tuple(raw))
            if len(rows) > max_rows + 1:
                break
        return rows
    finally:
        workbook.close()


def _csv_rows(data: bytes, *, max_rows: int, code: str) -> list[tuple[object, ...]]:
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise InvalidInput("无法识别文件编码，请以UTF-8或GBK编码保存CSV文件", code=code)
    if "\x00" in text:
        raise InvalidInput("该文件不是CSV表格，请上传Excel工作簿（.xlsx）或CSV文件", code=code)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        rows: list[tuple[object, ...]] = []
        for raw in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(tuple(raw))
            if len(rows) > max_rows + 1:
                break
        return rows
    except csv.Error as exc:
        raise InvalidInput("无法按CSV格式读取该文件", code=code, detail={"error": str(exc)[:200]}) from exc
