"""Importing calendar files and loading the shipped defaults: all or nothing, audited, cached right."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import InvalidInput, PermissionDenied
from zhengwu.platform.audit.selectors import audit_entries_last, audit_entry_count
from zhengwu.platform.workdays.models import CalendarDay
from zhengwu.platform.workdays.selectors import calendar_get, workday_add, workday_is
from zhengwu.platform.workdays.services import calendar_defaults_load, calendar_import

pytestmark = pytest.mark.django_db
D = dt.date

STAFF = Actor(user_id=7, username="staff1", display_name="工作人员", roles=frozenset({"centre_staff"}))
BIDDER = Actor(user_id=8, username="bidder1", roles=frozenset({"bidder"}))

# A made-up year, so that no test data can be mistaken for an official arrangement.
FILE_2031 = """# test arrangement
date,kind,name,source
2031-01-01,holiday,元旦,测试〔2030〕1号
2031-01-02,holiday,元旦,测试〔2030〕1号
2031-01-04,workday,元旦,测试〔2030〕1号
"""
BAD_2031 = """date,kind,name,source
2031-01-01,holiday,元旦,测试〔2030〕1号
2031-01-06,workday,元旦,测试〔2030〕1号
2031-02-29,holiday,春节,测试〔2030〕1号
"""


def _table() -> list[tuple[dt.date, str, str, str, dt.datetime]]:
    return list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "source", "imported_at"))


def _write(tmp_path: Path, text: str, name: str = "cal.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- importing -----------------------------------------------------------------------------------


def test_import_adds_a_year_and_the_calendar_sees_it_at_once() -> None:
    with pytest.raises(InvalidInput):
        workday_is(day=D(2031, 1, 4))  # 2031 not loaded yet; the calendar is now cached
    before = audit_entry_count()

    result = calendar_import(data=FILE_2031.encode(), file_name="cn-2031.csv", by=STAFF)

    assert result.created == (D(2031, 1, 1), D(2031, 1, 2), D(2031, 1, 4))
    assert (result.updated, result.deleted, result.unchanged) == ((), (), 0)
    assert result.loaded_years == (2024, 2025, 2026, 2031)
    assert list(CalendarDay.objects.filter(date__year=2031).values_list("date", "kind", "name", "source")) == [
        (D(2031, 1, 1), "holiday", "元旦", "测试〔2030〕1号"),
        (D(2031, 1, 2), "holiday", "元旦", "测试〔2030〕1号"),
        (D(2031, 1, 4), "workday", "元旦", "测试〔2030〕1号"),
    ]
    assert workday_is(day=D(2031, 1, 4)) is True  # a Saturday made a working day
    assert workday_add(start=D(2030, 12, 31), days=1) == D(2031, 1, 3)
    assert audit_entry_count() == before + 1
    (entry,) = audit_entries_last(count=1)
    assert (entry.action, entry.object_type, entry.object_id) == (
        "workdays.calendar.import",
        "workdays.calendar",
        "2031",
    )
    assert entry.actor_username == "staff1"
    assert entry.before == {"rows": 108}
    assert entry.after["rows"] == 111
    assert entry.after["created"] == ["2031-01-01", "2031-01-02", "2031-01-04"]
    assert entry.after["counts"] == {"created": 3, "updated": 0, "deleted": 0}
    assert entry.after["file"] == "cn-2031.csv"
    assert entry.after["digest"].startswith("intl:")


def test_importing_the_same_file_again_changes_nothing() -> None:
    calendar_import(data=FILE_2031, file_name="cn-2031.csv", by=STAFF)
    table = _table()
    result = calendar_import(data=FILE_2031, file_name="cn-2031.csv", by=STAFF)
    assert (result.created, result.updated, result.deleted, result.unchanged) == ((), (), (), 3)
    assert _table() == table


def test_a_bad_file_changes_nothing_and_names_its_lines() -> None:
    table = _table()
    entries = audit_entry_count()
    with pytest.raises(InvalidInput) as caught:
        calendar_import(data=BAD_2031, file_name="bad.csv", by=STAFF)
    assert caught.value.code == "calendar_file_invalid"
    assert caught.value.detail["errors"] == [
        {"line": 3, "message": "调休上班日2031-01-06不是周六或周日"},
        {"line": 4, "message": "日期“2031-02-29”不存在"},
    ]
    assert _table() == table
    assert audit_entry_count() == entries
    with pytest.raises(InvalidInput) as missing:
        workday_is(day=D(2031, 1, 1))
    assert missing.value.code == "calendar_year_missing"


def test_import_overwrites_a_date_it_lists() -> None:
    text = "date,kind,name,source\n2025-10-06,holiday,中秋节,更正〔2030〕1号\n"
    result = calendar_import(data=text, file_name="fix.csv", by=STAFF)
    assert result.updated == (D(2025, 10, 6),)
    day = CalendarDay.objects.get(date=D(2025, 10, 6))
    assert (day.kind, day.name, day.source) == ("holiday", "中秋节", "更正〔2030〕1号")
    (entry,) = audit_entries_last(count=1)
    assert entry.after["updated"] == [
        {
            "date": "2025-10-06",
            "before": "holiday 国庆节、中秋节 国办发明电〔2024〕12号",
            "after": "holiday 中秋节 更正〔2030〕1号",
        }
    ]


def test_replace_year_makes_the_year_exactly_the_file() -> None:
    others = list(CalendarDay.objects.exclude(date__year=2026).values_list("date", "kind", "name", "source"))
    text = "\n".join(
        [
            "date,kind,name,source",
            "2026-01-01,holiday,元旦,替换〔2030〕2号",
            "2026-01-02,holiday,元旦,国办发明电〔2025〕7号",
            "2026-01-03,holiday,元旦,国办发明电〔2025〕7号",
            "2026-01-04,workday,元旦,国办发明电〔2025〕7号",
        ]
    )
    result = calendar_import(data=text, file_name="2026.csv", replace_year=2026, by=STAFF)
    assert result.updated == (D(2026, 1, 1),)
    assert result.created == ()
    assert result.unchanged == 3
    assert len(result.deleted) == 35  # the other 35 dates of 2026
    assert D(2026, 10, 1) in result.deleted
    assert list(CalendarDay.objects.filter(date__year=2026).values_list("date", flat=True)) == [
        D(2026, 1, 1), D(2026, 1, 2), D(2026, 1, 3), D(2026, 1, 4),
    ]  # fmt: skip
    assert list(CalendarDay.objects.exclude(date__year=2026).values_list("date", "kind", "name", "source")) == others
    assert workday_is(day=D(2026, 10, 1)) is True  # now an ordinary Thursday
    (entry,) = audit_entries_last(count=1)
    assert entry.after["replace_year"] == 2026
    assert entry.after["deleted"][0] == {"date": "2026-02-14", "before": "workday 春节 国办发明电〔2025〕7号"}
    assert entry.after["counts"] == {"created": 0, "updated": 1, "deleted": 35}


def test_replace_year_refuses_a_file_without_that_year() -> None:
    table = _table()
    with pytest.raises(InvalidInput) as caught:
        calendar_import(data=FILE_2031, file_name="cn-2031.csv", replace_year=2026, by=STAFF)
    assert caught.value.code == "calendar_replace_year_empty"
    assert _table() == table


def test_only_staff_or_the_system_may_import() -> None:
    table = _table()
    entries = audit_entry_count()
    with pytest.raises(PermissionDenied) as caught:
        calendar_import(data=FILE_2031, file_name="cn-2031.csv", by=BIDDER)
    assert caught.value.code == "calendar_permission_denied"
    with pytest.raises(PermissionDenied):
        calendar_defaults_load(by=BIDDER)
    assert _table() == table
    assert audit_entry_count() == entries
    calendar_import(data=FILE_2031, file_name="cn-2031.csv", by=Actor.system("cli:ops"))
    assert calendar_get().year_loaded(2031)


# -- shipped defaults ----------------------------------------------------------------------------


def test_load_defaults_restores_missing_dates_and_is_idempotent() -> None:
    shipped = _table()
    CalendarDay.objects.filter(date__year=2025).delete()
    with pytest.raises(InvalidInput):
        workday_is(day=D(2025, 3, 3))

    first = calendar_defaults_load(by=STAFF)
    assert len(first.created) == 33
    assert (first.unchanged, first.conflicts) == (75, ())
    assert first.loaded_years == (2024, 2025, 2026)
    after_first = _table()
    assert [row[:4] for row in after_first] == [row[:4] for row in shipped]
    assert workday_is(day=D(2025, 1, 26)) is True

    second = calendar_defaults_load(by=STAFF)
    assert (second.created, second.unchanged, second.conflicts) == ((), 108, ())
    assert _table() == after_first
    (entry,) = audit_entries_last(count=1)
    assert entry.action == "workdays.calendar.load_defaults"
    assert entry.after["counts"] == {"created": 0, "unchanged": 108, "conflicts": 0}


def test_load_defaults_never_overwrites_an_operators_correction() -> None:
    CalendarDay.objects.filter(date=D(2024, 10, 7)).update(name="国庆节（本地更正）")
    result = calendar_defaults_load(by=STAFF)
    assert result.conflicts == (D(2024, 10, 7),)
    assert result.created == ()
    assert CalendarDay.objects.get(date=D(2024, 10, 7)).name == "国庆节（本地更正）"


# -- the command ---------------------------------------------------------------------------------


def test_command_import_then_show(tmp_path: Path) -> None:
    out = StringIO()
    call_command("calendar", "import", _write(tmp_path, FILE_2031, "cn-2031.csv"), stdout=out)
    assert out.getvalue().splitlines() == [
        "imported cn-2031.csv",
        "created:   3  2031-01-01, 2031-01-02, 2031-01-04",
        "updated:   0  -",
        "deleted:   0  -",
        "unchanged: 0",
        "loaded years: 2024, 2025, 2026, 2031",
    ]
    (entry,) = audit_entries_last(count=1)
    assert entry.actor_username.startswith("cli:")

    out = StringIO()
    call_command("calendar", "show", "2031", stdout=out)
    assert out.getvalue().splitlines() == [
        "2031: loaded",
        "Holidays (放假): 2",
        "  2031-01-01 Wed  元旦  [测试〔2030〕1号]",
        "  2031-01-02 Thu  元旦  [测试〔2030〕1号]",
        "Adjusted working days (调休上班): 1",
        "  2031-01-04 Sat  元旦  [测试〔2030〕1号]",
        # 365 − 104 weekend days − 2 weekday holidays + 1 adjusted day
        "Counts: 2 holidays (2 on Monday-Friday), 1 adjusted working days, 260 working days in 2031.",
    ]


def test_command_show_counts_an_official_year_and_warns_about_a_missing_one() -> None:
    out = StringIO()
    call_command("calendar", "show", "2025", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2025: loaded"
    assert "  2025-01-26 Sun  春节  [国办发明电〔2024〕12号]" in lines
    assert lines[-1] == "Counts: 28 holidays (18 on Monday-Friday), 5 adjusted working days, 248 working days in 2025."

    out = StringIO()
    call_command("calendar", "show", "2027", stdout=out, no_color=True)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("2027: NOT LOADED")
    assert lines[-1] == "Counts: 0 holidays (0 on Monday-Friday), 0 adjusted working days."


def test_command_rejects_a_bad_file_line_by_line_and_imports_nothing(tmp_path: Path) -> None:
    table = _table()
    with pytest.raises(CommandError) as caught:
        call_command("calendar", "import", _write(tmp_path, BAD_2031))
    assert str(caught.value).splitlines() == [
        "日历文件有2处错误，未导入任何内容 [calendar_file_invalid]",
        "  第3行：调休上班日2031-01-06不是周六或周日",
        "  第4行：日期“2031-02-29”不存在",
    ]
    assert _table() == table


def test_command_reports_a_missing_file_and_a_bad_replace_year(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("calendar", "import", str(tmp_path / "absent.csv"))
    with pytest.raises(CommandError, match=r"calendar_replace_year_empty"):
        call_command("calendar", "import", _write(tmp_path, FILE_2031), "--replace-year", "2026")
    assert CalendarDay.objects.filter(date__year=2026).count() == 39


def test_command_load_defaults_reports_what_it_did() -> None:
    CalendarDay.objects.filter(date__in=[D(2026, 10, 10), D(2026, 9, 20)]).delete()
    out = StringIO()
    call_command("calendar", "load-defaults", stdout=out)
    assert out.getvalue().splitlines() == [
        "shipped files: cn-2024.csv, cn-2025.csv, cn-2026.csv",
        "created:   2  2026-09-20, 2026-10-10",
        "updated:   0  -",
        "deleted:   0  -",
        "unchanged: 106",
        "loaded years: 2024, 2025, 2026",
    ]
    assert CalendarDay.objects.count() == 108
