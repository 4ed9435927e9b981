"""The indicator system as an XLSForm workbook: its layout, the round trip, and every refusal (no database)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest

from zhengwu.contexts.appraisal import xlsform
from zhengwu.contexts.appraisal.indicators_default import system_default
from zhengwu.contexts.appraisal.system import system_digest, system_from_dict
from zhengwu.contexts.appraisal.xlsform import system_from_xlsform, system_to_xlsform
from zhengwu.kernel.errors import InvalidInput

DEFAULT = system_from_dict(system_default())
DEFAULT_XLSX = system_to_xlsform(system=DEFAULT, version="1")

Sheet = Any  # an openpyxl worksheet


def _rows(data: bytes, sheet: str) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _edited(edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    """The default workbook with ``edit`` applied, as Excel would save it."""
    workbook = openpyxl.load_workbook(io.BytesIO(DEFAULT_XLSX))
    edit(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _survey_row(workbook: openpyxl.Workbook, name: str) -> int:
    sheet = workbook["survey"]
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == name)


def _set(sheet: str, row: int, column: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(workbook: openpyxl.Workbook) -> None:
        ws = workbook[sheet]
        header = [c.value for c in ws[1]]
        ws.cell(row, header.index(column) + 1).value = value

    return edit


def test_the_default_survives_the_round_trip_with_the_same_digest() -> None:
    data = system_from_xlsform(data=DEFAULT_XLSX)
    back = system_from_dict(data)
    assert back == DEFAULT
    assert system_digest(back) == system_digest(DEFAULT)


def test_an_edited_and_resaved_workbook_still_reads_the_same() -> None:
    # Excel (here openpyxl) rewrites the file: shared strings, styles, number cells.
    resaved = _edited(lambda workbook: None)
    assert system_digest(system_from_dict(system_from_xlsform(data=resaved))) == system_digest(DEFAULT)


def test_the_workbook_follows_the_xlsform_layout() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(DEFAULT_XLSX), read_only=True)
    assert workbook.sheetnames == ["survey", "choices", "settings", "categories", "indicators", "scoring"]
    workbook.close()
    survey = _rows(DEFAULT_XLSX, "survey")
    assert survey[0] == (
        "type",
        "name",
        "label::zh",
        "relevant",
        "required",
        "indicator",
        "weight",
        "applies_to",
        "appraisal_kind",
    )
    by_name = {row[1]: row for row in survey[1:]}
    assert len(by_name) == 147
    assert by_name["q_intro"][0] == "note"
    assert by_name["q_channel"][0] == "select_one q_channel"
    assert by_name["q_c01_i01"][:3] == ("select_one rating5", "q_c01_i01", DEFAULT.items[6].label)
    assert by_name["q_c01_i01"][4:] == ("yes", "C01.I01", 1, "all", "rating5")
    assert by_name["q_c02_i05"][0] == "select_one yesno"
    assert by_name["q_c05_i01"][3] == "${q_channel} = 'online' or ${q_channel} = 'both'"
    assert by_name["q_problem"][0] == "text"
    assert by_name["q_problem"][4] is None  # not required
    assert by_name["q_problem"][8] == "problem"
    choices = _rows(DEFAULT_XLSX, "choices")
    assert choices[0] == ("list_name", "name", "label::zh")
    assert [row for row in choices if row[0] == "rating5"] == [
        ("rating5", "5", "非常满意"),
        ("rating5", "4", "满意"),
        ("rating5", "3", "基本满意"),
        ("rating5", "2", "不满意"),
        ("rating5", "1", "非常不满意"),
        ("rating5", "na", "不了解/未办理"),
    ]
    assert [row[1] for row in choices if row[0] == "yesno"] == ["yes", "no", "na"]
    assert [row[1] for row in choices if row[0] == "q_channel"] == ["hall", "online", "both"]
    assert _rows(DEFAULT_XLSX, "settings") == [
        ("form_title", "form_id", "version", "default_language", "min_answers"),
        ("昆明市政务服务第三方评价指标体系", "KM-GOV-SERVICE", "1", "zh", 10),
    ]
    categories = _rows(DEFAULT_XLSX, "categories")
    assert categories[0] == ("code", "name", "weight", "applies_to")
    assert categories[1] == ("C01", "整体满意度", 0.1, "all")
    assert len(categories) == 19
    indicators = _rows(DEFAULT_XLSX, "indicators")
    assert indicators[0] == ("code", "name", "category", "weight", "source", "applies_to", "worst", "best")
    assert len(indicators) == 152
    visits = next(row for row in indicators if row[1] == "平均跑动次数（次/件）")
    assert visits[2:] == ("C12", 0.125, "objective", "all", 3, 0)
    assert _rows(DEFAULT_XLSX, "scoring") == [
        ("level", "points"),
        ("1", 0),
        ("2", 30),
        ("3", 60),
        ("4", 80),
        ("5", 100),
    ]


def test_a_plain_xlsform_with_only_the_required_columns_reads() -> None:
    # As a field tool would author it: "list name" with a space, plain "label", no scoring sheet.
    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "indicator", "required"])
    survey.append(["begin_group", "g1", "第一部分", None, None])
    survey.append(["select one rating5", "q1", "总体满意度", "A.1", "yes"])
    survey.append(["end_group", None, None, None, None])
    choices = workbook.create_sheet("choices")
    choices.append(["list name", "name", "label"])
    for value in (5, 4, 3, 2, 1):
        choices.append(["rating5", value, str(value)])
    workbook.create_sheet("settings").append(["form_id"])
    workbook["settings"].append(["MINI"])
    workbook.create_sheet("categories").append(["code", "name", "weight"])
    workbook["categories"].append(["A", "总体", 1])
    workbook.create_sheet("indicators").append(["code", "name", "category", "weight"])
    workbook["indicators"].append(["A.1", "总体满意度", "A", 1])
    out = io.BytesIO()
    workbook.save(out)
    system = system_from_dict(system_from_xlsform(data=out.getvalue()))
    assert (system.code, system.title, system.min_answers) == ("MINI", "MINI", 10)
    assert [(i.name, i.kind, i.indicator, i.required, i.choices) for i in system.items] == [
        ("q1", "rating5", "A.1", True, ())
    ]
    assert system.scoring == {"5": 100.0, "4": 80.0, "3": 60.0, "2": 30.0, "1": 0.0}


def _without(sheet: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(workbook: openpyxl.Workbook) -> None:
        del workbook[sheet]

    return edit


def _rename_header(sheet: str, column: str, to: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(workbook: openpyxl.Workbook) -> None:
        for cell in workbook[sheet][1]:
            if cell.value == column:
                cell.value = to

    return edit


def _survey_set(name: str, column: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(workbook: openpyxl.Workbook) -> None:
        _set("survey", _survey_row(workbook, name), column, value)(workbook)

    return edit


def _survey_row_number(name: str) -> int:
    workbook = openpyxl.load_workbook(io.BytesIO(DEFAULT_XLSX))
    return _survey_row(workbook, name)


# The indicators-sheet row of the first objective indicator (header in row 1).
VISITS_ROW = 2 + [i.code for i in DEFAULT.indicators].index("C12.I04")


BAD_WORKBOOKS: list[tuple[str, Callable[[openpyxl.Workbook], None], str, str]] = [
    ("no categories sheet", _without("categories"), "xlsform_sheet_missing", "缺少“categories”工作表"),
    ("no choices sheet", _without("choices"), "xlsform_sheet_missing", "缺少“choices”工作表"),
    ("no type column", _rename_header("survey", "type", "kind"), "xlsform_column_missing", "survey 表：缺少“type”列"),
    (
        "no weight column",
        _rename_header("indicators", "weight", "w"),
        "xlsform_column_missing",
        "indicators 表：缺少“weight”列",
    ),
    (
        "unknown type",
        _survey_set("q_c01_i01", "type", "integer"),
        "xlsform_type_unknown",
        f"survey 表第 {_survey_row_number('q_c01_i01')} 行：题型“integer”无法识别",
    ),
    (
        "unknown list",
        _survey_set("q_c01_i02", "type", "select_one foo"),
        "xlsform_list_unknown",
        f"survey 表第 {_survey_row_number('q_c01_i02')} 行：题型“select_one foo”的选项表 foo 不存在",
    ),
    (
        "item weight not a number",
        _survey_set("q_c01_i03", "weight", "很重要"),
        "xlsform_weight",
        f"survey 表第 {_survey_row_number('q_c01_i03')} 行：权重“很重要”不是数字",
    ),
    (
        "category weight zero",
        _set("categories", 3, "weight", 0),
        "xlsform_weight",
        "categories 表第 3 行：权重“0”必须大于0",
    ),
    (
        "indicator weight empty",
        _set("indicators", 5, "weight", None),
        "xlsform_weight",
        "indicators 表第 5 行：权重不能为空",
    ),
    (
        "goalpost not a number",
        _set("indicators", VISITS_ROW, "worst", "三次"),
        "xlsform_number",
        f"indicators 表第 {VISITS_ROW} 行：worst“三次”不是数字",
    ),
    (
        "kind contradicts type",
        _survey_set("q_suggest", "appraisal_kind", "rating5"),
        "xlsform_kind_mismatch",
        f"survey 表第 {_survey_row_number('q_suggest')} 行：题型“text”与 appraisal_kind“rating5”不符",
    ),
    (
        "required not yes",
        _survey_set("q_c01_i01", "required", "maybe"),
        "xlsform_value",
        f"survey 表第 {_survey_row_number('q_c01_i01')} 行：required 列只能填 yes 或留空，不能是“maybe”",
    ),
    (
        "duplicate choice",
        _set("choices", 3, "name", "5"),
        "xlsform_choice_duplicate",
        "choices 表第 3 行：选项表 rating5 中选项值“5”重复",
    ),
]


@pytest.mark.parametrize(
    ("edit", "code", "message"), [case[1:] for case in BAD_WORKBOOKS], ids=[case[0] for case in BAD_WORKBOOKS]
)
def test_a_faulty_workbook_is_refused_naming_the_sheet_and_row(
    edit: Callable[[openpyxl.Workbook], None], code: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        system_from_xlsform(data=_edited(edit))
    assert (refused.value.code, refused.value.message) == (code, message)


def test_the_goalpost_case_names_the_visits_indicator() -> None:
    assert VISITS_ROW == 86
    assert _rows(DEFAULT_XLSX, "indicators")[VISITS_ROW - 1][:2] == ("C12.I04", "平均跑动次数（次/件）")


def test_a_file_that_is_not_an_xlsx_or_too_large_is_refused() -> None:
    with pytest.raises(InvalidInput) as not_xlsx:
        system_from_xlsform(data=b"type,name,label\ntext,q1,Q\n")
    assert not_xlsx.value.code == "xlsform_not_xlsx"
    with pytest.raises(InvalidInput) as too_large:
        system_from_xlsform(data=b"PK" + b"\0" * xlsform.MAX_BYTES)
    assert (too_large.value.code, too_large.value.message) == ("xlsform_too_large", "文件不能超过5MB")


def test_a_sheet_with_too_many_rows_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsform, "MAX_ROWS", 100)
    with pytest.raises(InvalidInput) as refused:
        system_from_xlsform(data=DEFAULT_XLSX)
    assert (refused.value.code, refused.value.detail["sheet"]) == ("xlsform_too_many_rows", "survey")


def test_a_group_carrying_skip_logic_is_refused_rather_than_dropped() -> None:
    def edit(workbook: openpyxl.Workbook) -> None:
        survey = workbook["survey"]
        survey.insert_rows(2)
        survey.cell(2, 1).value = "begin_group"
        survey.cell(2, 2).value = "g_online"
        survey.cell(2, 4).value = "${q_channel} = 'online'"

    with pytest.raises(InvalidInput) as refused:
        system_from_xlsform(data=_edited(edit))
    assert refused.value.code == "xlsform_group_relevant"
    assert refused.value.detail == {"sheet": "survey", "row": 2}


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (_set("indicators", 2, "category", "C99"), "system_category_missing"),
        (_survey_set("q_c01_i02", "name", "q_c01_i01"), "system_item_duplicate"),
        (_survey_set("q_c01_i01", "indicator", "C12.I04"), "system_item_indicator"),
        (_set("categories", 2, "applies_to", "hall"), "system_applies_to"),
        (_set("scoring", 2, "points", 120), "system_scoring"),
        (_set("settings", 2, "form_id", None), "system_code"),
    ],
)
def test_what_the_definition_means_is_checked_by_system_from_dict(
    edit: Callable[[openpyxl.Workbook], None], code: str
) -> None:
    data = system_from_xlsform(data=_edited(edit))
    with pytest.raises(InvalidInput) as refused:
        system_from_dict(data)
    assert refused.value.code == code
