"""The indicator system as an XLSForm workbook (.xlsx): its interchange form (appraisal-methods.md §3.6).

The canonical form is ``system.SystemDef``; this module only writes it out and reads it back, so
that the evaluator's staff can review a system in Excel and field tools (ODK, KoboToolbox) can
load the questionnaire. The layout follows the XLSForm conventions, with what XLSForm has no words
for in custom columns and extra sheets, which pyxform passes through or ignores:

- ``survey``: ``type`` (``select_one rating5``, ``select_one yesno``, ``select_one <list>``,
  ``text``, ``note``), ``name``, ``label::zh``, ``relevant``, ``required`` (``yes`` or blank), and
  the custom columns ``indicator``, ``weight``, ``applies_to`` and ``appraisal_kind`` (the
  canonical kind; a free-text problem is a ``text`` row with ``appraisal_kind`` = ``problem``).
- ``choices``: ``list_name``, ``name``, ``label::zh`` — the ``rating5`` list (5 非常满意 … 1 非常不满意
  and ``na``), ``yesno``, and one list per screening question.
- ``settings``: ``form_title``, ``form_id`` (the system's code), ``version``, ``default_language``
  and the custom ``min_answers``.
- ``categories`` (code, name, weight, applies_to), ``indicators`` (code, name, category, weight,
  source, applies_to, worst, best) and ``scoring`` (level, points).

Reading checks the workbook's shape and says which sheet and row is wrong; what the definition
means (weights, references, unfed indicators …) is then checked by ``system.system_from_dict``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import xlsxwriter

from zhengwu.contexts.appraisal.system import RATING_LABELS, SCORED_KINDS, SystemDef
from zhengwu.kernel.errors import InvalidInput, ZhengwuError

# An indicator system is a few hundred rows; the limits stop a mistaken upload (a data export,
# a zip bomb) from tying up a worker.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 3000

RATING_LIST = "rating5"
YESNO_LIST = "yesno"
NA_LABEL = "不了解/未办理"
RATING_CHOICES = (*((level, RATING_LABELS[level]) for level in ("5", "4", "3", "2", "1")), ("na", NA_LABEL))
YESNO_CHOICES = (("yes", "是"), ("no", "否"), ("na", "不了解/不适用"))

SURVEY_COLUMNS = (
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
CHOICES_COLUMNS = ("list_name", "name", "label::zh")
SETTINGS_COLUMNS = ("form_title", "form_id", "version", "default_language", "min_answers")
CATEGORY_COLUMNS = ("code", "name", "weight", "applies_to")
INDICATOR_COLUMNS = ("code", "name", "category", "weight", "source", "applies_to", "worst", "best")
SCORING_COLUMNS = ("level", "points")

# Alternative spellings of a column that XLSForm tools accept, the canonical one first.
_ALIASES = {
    "label::zh": ("label::zh", "label::Chinese (zh)", "label"),
    "list_name": ("list_name", "list name"),
}
# Columns a sheet cannot do without; the others default when absent.
_REQUIRED = {
    "survey": ("type", "name", "label::zh"),
    "choices": ("list_name", "name", "label::zh"),
    "settings": ("form_id",),
    "categories": ("code", "name", "weight"),
    "indicators": ("code", "name", "category", "weight"),
    "scoring": ("level", "points"),
}
_OPTIONAL_SHEETS = ("scoring",)  # absent: the default map (system.DEFAULT_SCORING)
# Rows that carry no question: metadata a field tool records by itself, and groups (ignored, so
# a group may not carry skip logic — it would be lost).
_IGNORED_TYPES = frozenset(
    {"start", "end", "today", "deviceid", "audit", "begin_group", "end_group", "begin group", "end group"}
)
_GROUP_TYPES = frozenset({"begin_group", "begin group"})
_TRUE = frozenset({"yes", "true", "true()", "1", "是"})
_FALSE = frozenset({"", "no", "false", "false()", "0", "否"})


# --- writing -------------------------------------------------------------------------------------


def _list_name(item_name: str) -> str:
    # A screening question's own list; never one of the two shared lists.
    return f"{item_name}_choices" if item_name in (RATING_LIST, YESNO_LIST) else item_name


def _survey_type(kind: str, name: str) -> str:
    if kind == "rating5":
        return f"select_one {RATING_LIST}"
    if kind == "yes_no":
        return f"select_one {YESNO_LIST}"
    if kind == "select_one":
        return f"select_one {_list_name(name)}"
    if kind == "note":
        return "note"
    return "text"  # text and problem


def system_to_xlsform(*, system: SystemDef, version: str) -> bytes:
    """The system as an XLSForm workbook; ``version`` goes to ``settings.version`` (e.g. "3" or "2026Q3")."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    header = workbook.add_format({"bold": True, "bg_color": "#F1F3F4", "border": 1})

    def sheet(name: str, columns: tuple[str, ...], rows: list[tuple[object, ...]], widths: dict[str, int]) -> None:
        worksheet = workbook.add_worksheet(name)
        for col, column in enumerate(columns):
            worksheet.write_string(0, col, column, header)
            worksheet.set_column(col, col, widths.get(column, 14))
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, int | float) and not isinstance(value, bool):
                    worksheet.write_number(r, col, value)
                else:
                    worksheet.write_string(r, col, str(value))
        worksheet.freeze_panes(1, 0)

    survey_rows: list[tuple[object, ...]] = []
    choice_rows: list[tuple[object, ...]] = [(RATING_LIST, v, label) for v, label in RATING_CHOICES]
    choice_rows += [(YESNO_LIST, v, label) for v, label in YESNO_CHOICES]
    for item in system.items:
        scored = item.kind in SCORED_KINDS
        survey_rows.append(
            (
                _survey_type(item.kind, item.name),
                item.name,
                item.label,
                item.relevant,
                "yes" if item.required else "",
                item.indicator,
                item.weight if scored or item.weight != 1.0 else None,
                item.applies_to,
                item.kind,
            )
        )
        if item.kind == "select_one":
            choice_rows += [(_list_name(item.name), value, label) for value, label in item.choices]
    sheet("survey", SURVEY_COLUMNS, survey_rows, {"type": 24, "name": 16, "label::zh": 60, "relevant": 44})
    sheet("choices", CHOICES_COLUMNS, choice_rows, {"label::zh": 40})
    sheet(
        "settings",
        SETTINGS_COLUMNS,
        [(system.title, system.code, version, "zh", system.min_answers)],
        {"form_title": 40, "form_id": 20},
    )
    sheet(
        "categories",
        CATEGORY_COLUMNS,
        [(c.code, c.name, c.weight, c.applies_to) for c in system.categories],
        {"name": 30},
    )
    sheet(
        "indicators",
        INDICATOR_COLUMNS,
        [(i.code, i.name, i.category, i.weight, i.source, i.applies_to, i.worst, i.best) for i in system.indicators],
        {"name": 36},
    )
    sheet("scoring", SCORING_COLUMNS, [(level, system.scoring[level]) for level in sorted(system.scoring)], {})
    workbook.close()
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------------


def _fail(sheet: str, row: int | None, message: str, code: str, **detail: Any) -> InvalidInput:
    where = f"{sheet} 表第 {row} 行：" if row is not None else f"{sheet} 表："
    return InvalidInput(where + message, code=code, detail={"sheet": sheet, "row": row, **detail})


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: object, sheet: str, row: int, column: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _fail(sheet, row, f"{column}“{_text(value)[:20]}”不是数字", "xlsform_number", column=column) from None


def _weight(value: object, sheet: str, row: int, *, required: bool = False) -> float | None:
    try:
        weight = _number(value, sheet, row, "权重")
    except InvalidInput:
        raise _fail(sheet, row, f"权重“{_text(value)[:20]}”不是数字", "xlsform_weight") from None
    if weight is None and required:
        raise _fail(sheet, row, "权重不能为空", "xlsform_weight")
    if weight is not None and not weight > 0:
        raise _fail(sheet, row, f"权重“{_text(value)}”必须大于0", "xlsform_weight")
    return weight


class _Sheet:
    """One worksheet's data rows as {column: value}, with their Excel row numbers."""

    def __init__(self, name: str, rows: list[tuple[object, ...]]) -> None:
        self.name = name
        header = [_text(v) for v in rows[0]] if rows else []
        self.positions: dict[str, int] = {}
        for canonical in {*_REQUIRED.get(name, ()), *_columns_of(name)}:
            for spelling in _ALIASES.get(canonical, (canonical,)):
                if spelling in header:
                    self.positions[canonical] = header.index(spelling)
                    break
        for column in _REQUIRED.get(name, ()):
            if column not in self.positions:
                raise _fail(name, None, f"缺少“{column}”列", "xlsform_column_missing", column=column)
        self._rows = rows[1:]

    def __iter__(self) -> Iterator[tuple[int, dict[str, object]]]:
        for number, raw in enumerate(self._rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            yield number, {c: (raw[i] if i < len(raw) else None) for c, i in self.positions.items()}


def _columns_of(sheet: str) -> tuple[str, ...]:
    return {
        "survey": SURVEY_COLUMNS,
        "choices": CHOICES_COLUMNS,
        "settings": SETTINGS_COLUMNS,
        "categories": CATEGORY_COLUMNS,
        "indicators": INDICATOR_COLUMNS,
        "scoring": SCORING_COLUMNS,
    }[sheet]


def _workbook_sheets(data: bytes) -> dict[str, _Sheet]:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"文件不能超过{MAX_BYTES // (1024 * 1024)}MB", code="xlsform_too_large", detail={"max_bytes": MAX_BYTES}
        )
    try:
        # Imported here, as in experts.sheet: a deployable without openpyxl still boots.
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ZhengwuError("服务器未安装Excel读取组件，暂不能导入", code="xlsform_unavailable") from exc
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not an .xlsx
        raise InvalidInput(
            "无法读取该文件，请上传XLSForm格式的Excel工作簿（.xlsx）",
            code="xlsform_not_xlsx",
            detail={"error": type(exc).__name__},
        ) from exc
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        sheets: dict[str, _Sheet] = {}
        for wanted in _REQUIRED:
            if wanted not in names:
                if wanted in _OPTIONAL_SHEETS:
                    continue
                raise InvalidInput(
                    f"缺少“{wanted}”工作表", code="xlsform_sheet_missing", detail={"sheet": wanted, "row": None}
                )
            rows: list[tuple[object, ...]] = []
            for raw in workbook[names[wanted]].iter_rows(values_only=True):
                rows.append(tuple(raw))
                if len(rows) > MAX_ROWS + 1:
                    raise InvalidInput(
                        f"{wanted} 表超过{MAX_ROWS}行", code="xlsform_too_many_rows", detail={"sheet": wanted}
                    )
            sheets[wanted] = _Sheet(wanted, rows)
    finally:
        workbook.close()
    return sheets


def _choices(sheet: _Sheet) -> dict[str, list[tuple[str, str]]]:
    lists: dict[str, list[tuple[str, str]]] = {}
    for row, values in sheet:
        list_name, name = _text(values["list_name"]), _text(values["name"])
        if not list_name or not name:
            raise _fail("choices", row, "选项表名（list_name）和选项值（name）不能为空", "xlsform_value")
        entries = lists.setdefault(list_name, [])
        if any(existing == name for existing, _ in entries):
            raise _fail("choices", row, f"选项表 {list_name} 中选项值“{name}”重复", "xlsform_choice_duplicate")
        entries.append((name, _text(values["label::zh"])))
    return lists


def _item(row: int, values: dict[str, object], lists: dict[str, list[tuple[str, str]]]) -> dict[str, Any] | None:
    """One survey row as a canonical item, or None for a row that carries no question."""
    type_text = " ".join(_text(values["type"]).split())
    name = _text(values["name"])
    relevant = _text(values.get("relevant"))
    declared = _text(values.get("appraisal_kind"))
    if type_text in _IGNORED_TYPES:
        if type_text in _GROUP_TYPES and relevant:
            raise _fail("survey", row, "分组不能带跳转条件（relevant），请写在各题上", "xlsform_group_relevant")
        return None
    choices: list[tuple[str, str]] = []
    prefix = next((p for p in ("select_one ", "select one ") if type_text.startswith(p)), None)
    if prefix is not None:
        list_name = type_text[len(prefix) :].strip()
        if list_name not in lists:
            raise _fail(
                "survey",
                row,
                f"题型“{type_text}”的选项表 {list_name} 不存在",
                "xlsform_list_unknown",
                list_name=list_name,
            )
        inferred = {RATING_LIST: "rating5", YESNO_LIST: "yes_no"}.get(list_name, "select_one")
        allowed = {inferred, "select_one"}
        choices = lists[list_name]
    elif type_text == "text":
        inferred, allowed = "text", {"text", "problem"}
    elif type_text == "note":
        inferred, allowed = "note", {"note"}
    else:
        raise _fail("survey", row, f"题型“{type_text}”无法识别", "xlsform_type_unknown", type=type_text)
    kind = declared or inferred
    if kind not in allowed:
        raise _fail(
            "survey",
            row,
            f"题型“{type_text}”与 appraisal_kind“{declared}”不符",
            "xlsform_kind_mismatch",
            type=type_text,
            appraisal_kind=declared,
        )
    if not name:
        raise _fail("survey", row, "题目名称（name）不能为空", "xlsform_value")
    required_text = _text(values.get("required")).lower()
    if required_text not in _TRUE | _FALSE:
        raise _fail("survey", row, f"required 列只能填 yes 或留空，不能是“{required_text}”", "xlsform_value")
    weight = _weight(values.get("weight"), "survey", row)
    return {
        "name": name,
        "kind": kind,
        "label": _text(values["label::zh"]),
        "indicator": _text(values.get("indicator")),
        "weight": 1.0 if weight is None else weight,
        "relevant": relevant,
        "required": required_text in _TRUE,
        "applies_to": _text(values.get("applies_to")) or "all",
        # Scored items answer on the shared lists; only the other questions carry their own.
        "choices": [list(c) for c in choices] if kind == "select_one" else [],
    }


def system_from_xlsform(*, data: bytes) -> dict[str, Any]:
    """Read an XLSForm workbook into the canonical dict that ``system.system_from_dict`` checks.

    Raises ``InvalidInput`` naming the sheet and row: ``xlsform_too_large``, ``xlsform_not_xlsx``,
    ``xlsform_sheet_missing``, ``xlsform_column_missing``, ``xlsform_too_many_rows``,
    ``xlsform_type_unknown``, ``xlsform_list_unknown``, ``xlsform_kind_mismatch``,
    ``xlsform_weight``, ``xlsform_number``, ``xlsform_choice_duplicate``, ``xlsform_group_relevant``
    or ``xlsform_value``.
    """
    sheets = _workbook_sheets(data)
    lists = _choices(sheets["choices"])
    items = [item for row, values in sheets["survey"] if (item := _item(row, values, lists)) is not None]
    settings = next(iter(sheets["settings"]), None)
    if settings is None:
        raise _fail("settings", 2, "缺少设置行（form_id）", "xlsform_value")
    settings_row, setting = settings
    min_answers = _number(setting.get("min_answers"), "settings", settings_row, "min_answers")
    if min_answers is not None and (not min_answers.is_integer() or min_answers < 1):
        raise _fail("settings", settings_row, "min_answers 须为正整数", "xlsform_value")
    categories = [
        {
            "code": _text(values["code"]),
            "name": _text(values["name"]),
            "weight": _weight(values["weight"], "categories", row, required=True),
            "applies_to": _text(values.get("applies_to")) or "all",
        }
        for row, values in sheets["categories"]
    ]
    indicators = [
        {
            "code": _text(values["code"]),
            "name": _text(values["name"]),
            "category": _text(values["category"]),
            "weight": _weight(values["weight"], "indicators", row, required=True),
            "source": _text(values.get("source")) or "survey",
            "applies_to": _text(values.get("applies_to")) or "all",
            "worst": _number(values.get("worst"), "indicators", row, "worst"),
            "best": _number(values.get("best"), "indicators", row, "best"),
        }
        for row, values in sheets["indicators"]
    ]
    data_out: dict[str, Any] = {
        "code": _text(setting["form_id"]),
        "title": _text(setting.get("form_title")),
        "categories": categories,
        "indicators": indicators,
        "items": items,
        "min_answers": 10 if min_answers is None else int(min_answers),
    }
    if "scoring" in sheets:
        scoring: dict[str, float] = {}
        for row, values in sheets["scoring"]:
            points = _number(values["points"], "scoring", row, "points")
            if points is None:
                raise _fail("scoring", row, "分值（points）不能为空", "xlsform_number", column="points")
            scoring[_text(values["level"])] = points
        data_out["scoring"] = scoring
    return data_out
