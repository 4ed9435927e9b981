"""platform.web.sheets: the tables offices upload, read the same way for every list."""

from __future__ import annotations

import io

import openpyxl
import pytest

from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.web.sheets import sheet_rows_read


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_workbook_a_gbk_csv_and_a_tab_separated_file_read_alike() -> None:
    expected = [("题名", "复本数"), ("中国共产党简史", "2")]
    data = _xlsx([["题名", "复本数"], ["中国共产党简史", 2]])
    workbook = sheet_rows_read(data=data, filename="目录.xlsx", max_rows=10, code="x")
    assert [(str(a), str(b)) for a, b in workbook] == expected
    gbk = "题名,复本数\r\n中国共产党简史,2\r\n".encode("gb18030")
    assert sheet_rows_read(data=gbk, filename="目录.csv", max_rows=10, code="x") == expected
    tabs = "\ufeff题名\t复本数\n中国共产党简史\t2\n".encode()
    assert sheet_rows_read(data=tabs, filename="目录.txt", max_rows=10, code="x") == expected


def test_reading_stops_one_row_past_the_limit() -> None:
    text = "n\n" + "".join(f"{i}\n" for i in range(100))
    rows = sheet_rows_read(data=text.encode(), filename="a.csv", max_rows=5, code="x")
    assert len(rows) == 7  # the header, five rows, and the one that shows there are too many


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls"),
        (b"PK\x03\x04 not a workbook", "fake.xlsx"),
        (bytes(range(256)) * 4, "noise.csv"),
        ("a,b\n".encode("utf-16"), "wide.csv"),
    ],
)
def test_what_is_not_a_table_is_refused_with_the_callers_code(data: bytes, filename: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        sheet_rows_read(data=data, filename=filename, max_rows=10, code="my_upload_invalid")
    assert caught.value.code == "my_upload_invalid"
