"""The calendar file format: every bad line named, nothing half-read. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.kernel.errors import InvalidInput
from zhengwu.platform.workdays.rules import CalendarRow, calendar_rows_parse

GOOD = """# arrangement for a made-up year
date,kind,name,source

2031-01-01,holiday,元旦,测试文号〔2030〕1号
2031-01-04,workday,元旦,测试文号〔2030〕1号
"2031-01-02",holiday,"元旦, 连休",测试文号〔2030〕1号
"""


def _errors(data: bytes | str) -> list[dict[str, object]]:
    with pytest.raises(InvalidInput) as caught:
        calendar_rows_parse(data)
    assert caught.value.code == "calendar_file_invalid" or caught.value.code == "calendar_file_encoding"
    return list(caught.value.detail["errors"])


def test_a_good_file_gives_its_rows_sorted_by_date_with_their_lines() -> None:
    rows = calendar_rows_parse(GOOD)
    assert rows == [
        CalendarRow(dt.date(2031, 1, 1), "holiday", "元旦", "测试文号〔2030〕1号", line=4),
        CalendarRow(dt.date(2031, 1, 2), "holiday", "元旦, 连休", "测试文号〔2030〕1号", line=6),
        CalendarRow(dt.date(2031, 1, 4), "workday", "元旦", "测试文号〔2030〕1号", line=5),
    ]


def test_bytes_with_a_byte_order_mark_are_read_like_text() -> None:
    assert calendar_rows_parse(b"\xef\xbb\xbf" + GOOD.encode("utf-8")) == calendar_rows_parse(GOOD)


def test_every_bad_line_is_reported_with_its_number() -> None:
    text = "\n".join(
        [
            "date,kind,name,source",
            "2031-01-01,holiday,元旦,X",
            "2031-01-06,workday,调休,X",  # a Monday
            "2031-02-30,holiday,假,X",
            "2031-1-5,holiday,假,X",
            "2031-01-01,holiday,元旦,X",
            "2031-03-01,vacation,,X",
            "2031-03-02,holiday,假",
            "2031-03-03,holiday,假,",
        ]
    )
    assert _errors(text) == [
        {"line": 3, "message": "调休上班日2031-01-06不是周六或周日"},
        {"line": 4, "message": "日期“2031-02-30”不存在"},
        {"line": 5, "message": "日期“2031-1-5”格式应为YYYY-MM-DD"},
        {"line": 6, "message": "日期2031-01-01与第2行重复"},
        {"line": 7, "message": "类型“vacation”无效，应为holiday（放假）或workday（调休上班）"},
        {"line": 7, "message": "名称不能为空"},
        {"line": 8, "message": "应有4列（date,kind,name,source），实有3列"},
        {"line": 9, "message": "来源（文号）不能为空"},
    ]


def test_the_message_names_the_lines_and_says_nothing_was_imported() -> None:
    with pytest.raises(InvalidInput) as caught:
        calendar_rows_parse("date,kind,name,source\n2031-01-01,holiday,元旦,X\n2031-13-01,holiday,假,X\n")
    assert caught.value.message == "日历文件有1处错误，未导入任何内容：第3行：日期“2031-13-01”不存在"


def test_a_wrong_header_stops_at_once() -> None:
    assert _errors("# c\nday,type,name,source\n2031-01-01,holiday,元旦,X\n") == [
        {"line": 2, "message": "第一行（表头）应为 date,kind,name,source"}
    ]


def test_a_file_without_rows_is_refused() -> None:
    assert _errors("# nothing\ndate,kind,name,source\n") == [{"line": 0, "message": "文件中没有任何日期行"}]
    assert _errors("") == [{"line": 0, "message": "文件中没有任何日期行"}]


def test_a_file_that_is_not_utf8_names_the_line() -> None:
    data = "date,kind,name,source\n2031-01-01,holiday,元旦,X\n".encode() + "2031-01-02,holiday,春节,X\n".encode("gbk")
    with pytest.raises(InvalidInput) as caught:
        calendar_rows_parse(data)
    assert caught.value.code == "calendar_file_encoding"
    assert caught.value.message == "日历文件不是UTF-8编码（第3行无法解码）"


def test_a_broken_quote_is_a_line_error() -> None:
    assert _errors('date,kind,name,source\n"2031-01-01,holiday,元旦,X\n') == [
        {"line": 2, "message": "CSV格式错误：unexpected end of data"}
    ]


def test_an_oversized_file_is_refused_before_parsing() -> None:
    data = b"date,kind,name,source\n" + b"# padding\n" * 100_000
    with pytest.raises(InvalidInput) as caught:
        calendar_rows_parse(data)
    assert caught.value.code == "calendar_file_too_large"
    assert caught.value.detail == {"size": len(data), "limit": 1_000_000}
