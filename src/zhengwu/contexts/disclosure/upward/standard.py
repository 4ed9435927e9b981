"""The datasets of 《公共资源交易平台系统数据规范》 and their field rules, and the checks on a record. Pure, no ORM.

The field lists are ``data/ggzy_v4_fields.txt``, a verbatim copy of
``shared/reference/data-standard/ggzy_v4_fields.txt`` (26 key datasets as one provincial platform
validates them; field names keep their original spellings, ``BID_ECTION_NUM`` and ``PRICE_UINT``
included). Each field is ``NAME(中文名)[flags]``: ``M`` mandatory, ``len=N`` fixed length, ``max=N``
maximum length, ``date=FORMAT``, ``num``, ``dom=N`` code set, ``AreaCodeMatch``,
``TenderProjectCodeMatch`` (the 招标项目 must have been reported first), ``CannotModify`` …

What is checked here, for a sender checking itself and for the receiving platform alike: M, len,
max, date formats, num, the shape of an area code (6 digits; the national region table is not
held). Not checked: code-set membership (``dom``, ``EnumMatch``: the official 代码集 values are
not available) and ``UniqueValue`` (names repeat, and 550 lists one record per package under one
project code); the receiver enforces what needs its store — ``TenderProjectCodeMatch`` and
``CannotModify`` — itself. Lengths count characters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

DATE_FORMATS = {"yyyyMMddHHmmss": ("%Y%m%d%H%M%S", 14), "yyyyMMdd": ("%Y%m%d", 8)}
TIMESTAMP_FORMAT = "yyyyMMddHHmmss"
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_AREA = re.compile(r"^\d{6}$")
_FIELD = re.compile(r"^([A-Z][A-Z0-9_]*)\((.*)\)\[(.*)\]$")
_HEADER = re.compile(r"^## (\d+) ([A-Z][A-Z0-9_]*) (.+)$")


@dataclass(frozen=True)
class FieldRule:
    """One field of a dataset and the rules the list gives it."""

    name: str
    label: str
    mandatory: bool = False
    length: int | None = None
    max_length: int | None = None
    date_format: str | None = None
    numeric: bool = False
    domain: str | None = None
    area_code: bool = False
    immutable: bool = False
    parent_tender_project: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset (数据集): its number (``DATA_NO``), English and Chinese names and its fields in order."""

    data_no: int
    data_en: str
    data_cn: str
    fields: tuple[FieldRule, ...]

    def field(self, name: str) -> FieldRule | None:
        """The rule of the field ``name``, or None if the dataset has no such field."""
        return _field_index(self.data_no).get(name)

    @property
    def construction(self) -> bool:
        """True for the 工程建设 datasets, whose records also carry ``TRADE_PLAT`` and ``PUB_SERVICE_PLAT``."""
        return 500 <= self.data_no <= 523 or 800 <= self.data_no <= 909 or 9000 <= self.data_no <= 9640


# The fields every record's CONTEXT carries besides the dataset's own (ebidding-rules §8.5): the
# operators' 18-character USCCs and the record's time stamp; for 工程建设 also the 11-character
# platform codes.
ENVELOPE_FIELDS = (
    FieldRule("PLATFORM_CODE", "交易系统标识码", mandatory=True, length=18),
    FieldRule("PUB_SERVICE_PLAT_CODE", "交易服务系统标识码", mandatory=True, length=18),
    FieldRule("DATA_TIMESTAMP", "数据时间戳", mandatory=True, date_format=TIMESTAMP_FORMAT),
)
CONSTRUCTION_ENVELOPE_FIELDS = (
    FieldRule("TRADE_PLAT", "电子招标投标交易平台标识码", mandatory=True, length=11),
    FieldRule("PUB_SERVICE_PLAT", "电子招标投标公共服务平台标识码", mandatory=True, length=11),
)


def _rule(name: str, label: str, flags: str) -> FieldRule:
    options: dict[str, object] = {}
    for flag in (f.strip() for f in flags.split(",") if f.strip()):
        key, _, value = flag.partition("=")
        if key == "M":
            options["mandatory"] = True
        elif key == "len":
            options["length"] = int(value)
        elif key == "max":
            options["max_length"] = int(value)
        elif key == "date":
            options["date_format"] = value
        elif key == "num":
            options["numeric"] = True
        elif key == "dom":
            options["domain"] = value
        elif key == "AreaCodeMatch":
            options["area_code"] = True
        elif key == "CannotModify":
            options["immutable"] = True
        elif key == "TenderProjectCodeMatch":
            options["parent_tender_project"] = True
        # EnumMatch and UniqueValue are read but not enforced (see the module's docstring).
    return FieldRule(name=name, label=label, **options)  # type: ignore[arg-type]


def specs_parse(text: str) -> dict[int, DatasetSpec]:
    """The datasets of a field list in the reference's format (``## DataNo DATA_EN 中文名`` + a line of fields)."""
    specs: dict[int, DatasetSpec] = {}
    header: tuple[int, str, str] | None = None
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        matched = _HEADER.match(line)
        if matched:
            header = (int(matched.group(1)), matched.group(2), matched.group(3).strip())
            continue
        if header is None:
            raise ValueError(f"field list before any dataset header: {line[:60]!r}")
        rules = []
        for item in (part.strip() for part in line.split("; ") if part.strip()):
            field_match = _FIELD.match(item)
            if field_match is None:
                raise ValueError(f"dataset {header[0]}: unreadable field {item!r}")
            rules.append(_rule(field_match.group(1), field_match.group(2), field_match.group(3)))
        specs[header[0]] = DatasetSpec(data_no=header[0], data_en=header[1], data_cn=header[2], fields=tuple(rules))
        header = None
    return specs


@cache
def datasets() -> dict[int, DatasetSpec]:
    """Every dataset whose field list this platform holds, by ``DATA_NO``."""
    text = resources.files("zhengwu.contexts.disclosure.upward").joinpath("data/ggzy_v4_fields.txt").read_text("utf-8")
    return specs_parse(text)


@cache
def _field_index(data_no: int) -> dict[str, FieldRule]:
    return {rule.name: rule for rule in datasets()[data_no].fields}


def dataset_get(data_no: int) -> DatasetSpec:
    """The dataset ``data_no``; KeyError if this platform holds no field list for it."""
    return datasets()[data_no]


# -- checks -------------------------------------------------------------------------------------


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


def date_valid(value: str, date_format: str) -> bool:
    """True if ``value`` is a real date (and time) written in ``date_format`` (yyyyMMddHHmmss or yyyyMMdd)."""
    pattern, length = DATE_FORMATS.get(date_format, ("", 0))
    if not pattern or len(value) != length or not value.isdigit():
        return False
    try:
        dt.datetime.strptime(value, pattern)  # noqa: DTZ007 - a format check, the instant is not used
    except ValueError:
        return False
    return True


def value_problems(rule: FieldRule, value: str | None) -> list[str]:
    """What is wrong with ``value`` for ``rule`` (Chinese messages naming the field); [] if it is fine."""
    name = f"{rule.name}（{rule.label}）"
    if value is None or value == "":
        return [f"{name}不能为空"] if rule.mandatory else []
    problems = []
    if rule.length is not None and len(value) != rule.length:
        problems.append(f"{name}长度应为{rule.length}位，实为{len(value)}位")
    if rule.max_length is not None and len(value) > rule.max_length:
        problems.append(f"{name}长度不能超过{rule.max_length}，实为{len(value)}")
    if rule.date_format is not None and not date_valid(value, rule.date_format):
        problems.append(f"{name}应为{rule.date_format}格式的日期：{_shown(value)}")
    if rule.numeric and not _NUMBER.match(value):
        problems.append(f"{name}应为数值：{_shown(value)}")
    if rule.area_code and not _AREA.match(value):
        problems.append(f"{name}应为6位行政区划代码：{_shown(value)}")
    return problems


def context_rules(spec: DatasetSpec) -> tuple[FieldRule, ...]:
    """Every field a record of ``spec`` may carry in its CONTEXT: the dataset's own, then the envelope's."""
    extra = ENVELOPE_FIELDS + (CONSTRUCTION_ENVELOPE_FIELDS if spec.construction else ())
    return spec.fields + extra


def record_problems(spec: DatasetSpec, fields: Mapping[str, str], *, with_envelope: bool = True) -> list[str]:
    """Every problem of a record of ``spec``: unknown fields, then each field's rules, in the list's order.

    ``with_envelope=False`` checks the dataset's own fields only (a sender checking a record
    before the envelope's fields are added).
    """
    rules = context_rules(spec) if with_envelope else spec.fields
    known = {rule.name for rule in rules}
    problems = [f"数据集{spec.data_no}没有字段{name}" for name in fields if name not in known]
    for rule in rules:
        problems.extend(value_problems(rule, fields.get(rule.name)))
    return problems
