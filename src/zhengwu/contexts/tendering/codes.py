"""Codes of the national data standard (《公共资源交易平台系统数据规范》): project, tender project,
section and the 40-character unified deal code (统一交易标识码). Pure functions, no ORM.

Codes are issued once and never change (dataset validators ``UniqueValue`` + ``CannotModify``,
ebidding-rules.md §8.4); the makers here are deterministic so that the caller, which owns the
serial counters, can store what they return for good.

What the standard fixes and what this module chooses (ebidding-rules.md §8.3–8.4, §11 item 2):

- Lengths are fixed by the dataset validators: 项目编号 17 (dataset 500), 招标项目编号 20 =
  项目编号 + 3-digit sequence (501), 标段(包)编号 23 = 招标项目编号 + 3-digit sequence (502),
  统一交易标识码 40 (501/502 and every later dataset).
- The inner structure of the 17-character project code is **not** in the reference (the official
  编码规则 of 数据规范 V2.0 was not available). This platform's structure, documented here and
  fixed once codes are issued, is::

      E 530100 2025 00001 2
      │ │      │    │     └ check character, ISO 7064 MOD 37,36 over the first 16 characters
      │ │      │    └ serial within (trade type, region, year), 00001–99999
      │ │      └ year of registration
      │ └ region code (GB/T 2260, 6 digits)
      └ trade type: E 工程建设 (as in real codes such as E3302000501000045001; E is also the
        GB/T 4754 门类 建筑业), G 政府采购, L 土地使用权, P 国有产权

- The 统一交易标识码 follows the Fujian implementation (lishanling/GGZY, read only) with the 3-character
  行业分类 prefix the 40-character validator implies (inference in the reference; verify)::

      E48-91530100MA6K12345T-20250310-000123-U
      │   │                  │        │      └ check character, ISO 7064 MOD 37-2 (alphabet 0-9 A-Z *,
      │   │                  │        │        weights 2^i mod 37) over industry + USCC + date + serial,
      │   │                  │        │        hyphens excluded — the algorithm of that implementation
      │   │                  │        └ serial within (operator, day), 000001–999999
      │   │                  └ issue date yyyyMMdd (Beijing)
      │   └ 统一社会信用代码 of the platform operator (GB 32100)
      └ industry: GB/T 4754 门类 letter + 2-digit 大类 (INDUSTRIES_TYPE of dataset 500)

  The check character may be ``*`` (value 36), as MOD 37-2 allows.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from zhengwu.contexts.tendering.rules import TradeType
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.uscc import ALPHABET as USCC_ALPHABET
from zhengwu.kernel.uscc import uscc_validate

# -- ISO 7064 -------------------------------------------------------------------------------------

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MOD37_2_ALPHABET = _ALNUM + "*"
_ALNUM_VALUE = {ch: i for i, ch in enumerate(_ALNUM)}
_MOD37_2_VALUE = {ch: i for i, ch in enumerate(_MOD37_2_ALPHABET)}


def iso7064_mod37_36_check(data: str) -> str:
    """ISO 7064 hybrid system MOD 37,36: one check character from 0-9A-Z over 0-9A-Z data."""
    p = 36
    for ch in data:
        s = (p + _ALNUM_VALUE[ch]) % 36 or 36
        p = (2 * s) % 37
    return _ALNUM[(37 - p) % 36]


def iso7064_mod37_2_check(data: str) -> str:
    """ISO 7064 pure system MOD 37-2: one check character from 0-9A-Z* over 0-9A-Z data.

    The character c makes Σ value·2^i ≡ 1 (mod 37), i counted from 0 at the check character.
    """
    total = 0
    for ch in data:
        total = ((total + _MOD37_2_VALUE[ch]) * 2) % 37
    return _MOD37_2_ALPHABET[(1 - total) % 37]


# -- the parts ------------------------------------------------------------------------------------

TRADE_TYPE_LETTERS: dict[str, str] = {
    TradeType.CONSTRUCTION: "E",
    TradeType.PROCUREMENT: "G",
    TradeType.LAND: "L",
    TradeType.PROPERTY: "P",
}
_LETTER_TRADE_TYPES = {letter: trade for trade, letter in TRADE_TYPE_LETTERS.items()}

# First two digits of the GB/T 2260 codes of the provinces, autonomous regions, municipalities
# and the special administrative regions / Taiwan.
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()  # noqa: SIM905
)

# GB/T 4754-2017: 门类 (section letter) → range of its 大类 (divisions).
INDUSTRY_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5),  # 农、林、牧、渔业
    "B": (6, 12),  # 采矿业
    "C": (13, 43),  # 制造业
    "D": (44, 46),  # 电力、热力、燃气及水生产和供应业
    "E": (47, 50),  # 建筑业
    "F": (51, 52),  # 批发和零售业
    "G": (53, 60),  # 交通运输、仓储和邮政业
    "H": (61, 62),  # 住宿和餐饮业
    "I": (63, 65),  # 信息传输、软件和信息技术服务业
    "J": (66, 69),  # 金融业
    "K": (70, 70),  # 房地产业
    "L": (71, 72),  # 租赁和商务服务业
    "M": (73, 75),  # 科学研究和技术服务业
    "N": (76, 79),  # 水利、环境和公共设施管理业
    "O": (80, 82),  # 居民服务、修理和其他服务业
    "P": (83, 83),  # 教育
    "Q": (84, 85),  # 卫生和社会工作
    "R": (86, 90),  # 文化、体育和娱乐业
    "S": (91, 96),  # 公共管理、社会保障和社会组织
    "T": (97, 97),  # 国际组织
}

PROJECT_CODE_LENGTH = 17
TENDER_PROJECT_CODE_LENGTH = 20
SECTION_CODE_LENGTH = 23
DEAL_CODE_LENGTH = 40
PROJECT_SERIAL_MAX = 99_999
SEQUENCE_MAX = 999
DEAL_SERIAL_MAX = 999_999
YEAR_MIN, YEAR_MAX = 2000, 9999

_PROJECT_RE = re.compile(r"([A-Z])(\d{6})(\d{4})(\d{5})([0-9A-Z])")
_SEQ_RE = re.compile(r"\d{3}")
_DEAL_RE = re.compile(r"([A-Z]\d{2})-([0-9A-Z]{18})-(\d{8})-(\d{6})-([0-9A-Z*])")


def code_normalize(raw: str) -> str:
    """The canonical form of a typed code: full-width folded (NFKC), blanks removed, capitals."""
    return "".join(unicodedata.normalize("NFKC", raw).split()).upper()


def _require_int(value: object, name: str, code: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"{name}必须是{low}到{high}之间的整数",
            code=code,
            detail={"field": name, "value": repr(value), "min": low, "max": high},
        )
    return value


def region_code_problem(region_code: object) -> str | None:
    """Why ``region_code`` is not a GB/T 2260 code, or None."""
    if not isinstance(region_code, str) or not re.fullmatch(r"\d{6}", region_code):
        return "行政区划代码应为6位数字"
    if region_code[:2] not in _PROVINCES:
        return f"行政区划代码前两位“{region_code[:2]}”不是省级代码"
    return None


def region_code_validate(region_code: str) -> str:
    problem = region_code_problem(region_code)
    if problem:
        raise InvalidInput(problem, code="region_code_invalid", detail={"region_code": region_code})
    return region_code


def industry_code_problem(industry_code: object) -> str | None:
    """Why ``industry_code`` is not a GB/T 4754 门类 letter + 大类 pair, or None."""
    if not isinstance(industry_code, str) or not re.fullmatch(r"[A-Z]\d{2}", industry_code):
        return "行业分类应为1位门类字母加2位大类数字（GB/T 4754），如E48"
    section, division = industry_code[0], int(industry_code[1:])
    bounds = INDUSTRY_SECTIONS.get(section)
    if bounds is None:
        return f"行业门类“{section}”不存在（GB/T 4754：A–T）"
    low, high = bounds
    if not low <= division <= high:
        return f"大类{industry_code[1:]}不属于门类{section}（应为{low:02d}–{high:02d}）"
    return None


def industry_code_validate(industry_code: str) -> str:
    problem = industry_code_problem(industry_code)
    if problem:
        raise InvalidInput(problem, code="industry_code_invalid", detail={"industry_code": industry_code})
    return industry_code


# -- project, tender project and section codes ----------------------------------------------------


@dataclass(frozen=True)
class ProjectCode:
    code: str
    trade_type: TradeType
    region_code: str
    year: int
    serial: int


@dataclass(frozen=True)
class SectionCode:
    code: str
    project_code: str
    tender_project_code: str
    tender_index: int
    index: int


def project_code_make(*, region_code: str, year: int, trade_type: str, serial: int) -> str:
    """The 17-character project code for the ``serial``-th project of a trade type, region and year."""
    try:
        letter = TRADE_TYPE_LETTERS[TradeType(trade_type)]
    except ValueError:
        raise InvalidInput(
            f"未知的交易类型“{trade_type}”", code="trade_type_unknown", detail={"trade_type": trade_type}
        ) from None
    region_code_validate(region_code)
    _require_int(year, "年度", "project_year_invalid", YEAR_MIN, YEAR_MAX)
    _require_int(serial, "项目流水号", "project_serial_invalid", 1, PROJECT_SERIAL_MAX)
    body = f"{letter}{region_code}{year:04d}{serial:05d}"
    return body + iso7064_mod37_36_check(body)


def _project_problem(code: str) -> str | None:
    if len(code) != PROJECT_CODE_LENGTH:
        return f"项目编号应为{PROJECT_CODE_LENGTH}位，实为{len(code)}位"
    match = _PROJECT_RE.fullmatch(code)
    if match is None:
        return "项目编号格式应为：1位交易类型字母、6位行政区划、4位年度、5位流水号、1位校验码"
    letter, region, year, serial, check = match.groups()
    if letter not in _LETTER_TRADE_TYPES:
        return f"第1位交易类型“{letter}”无效（应为{'、'.join(_LETTER_TRADE_TYPES)}）"
    problem = region_code_problem(region)
    if problem:
        return problem
    if int(year) < YEAR_MIN:
        return f"年度{year}无效"
    if int(serial) < 1:
        return "流水号不能为00000"
    expected = iso7064_mod37_36_check(code[:-1])
    if check != expected:
        return f"第17位校验码应为“{expected}”，实为“{check}”"
    return None


def project_code_parse(code: str) -> ProjectCode:
    """Check a project code (normalised first) and return its parts; ``project_code_invalid`` if bad."""
    value = code_normalize(code) if isinstance(code, str) else ""
    problem = _project_problem(value) if value else "项目编号不能为空"
    if problem:
        raise InvalidInput(f"项目编号无效：{problem}", code="project_code_invalid", detail={"code": code})
    return ProjectCode(
        code=value,
        trade_type=TradeType(_LETTER_TRADE_TYPES[value[0]]),
        region_code=value[1:7],
        year=int(value[7:11]),
        serial=int(value[11:16]),
    )


def project_code_validate(code: str) -> str:
    """The normalised project code, or ``InvalidInput(code="project_code_invalid")``."""
    return project_code_parse(code).code


def tender_project_code_make(*, project_code: str, index: int = 1) -> str:
    """The 20-character tender-project code: the project code and a 3-digit sequence."""
    project = project_code_parse(project_code).code
    _require_int(index, "招标项目序号", "tender_project_index_invalid", 1, SEQUENCE_MAX)
    return f"{project}{index:03d}"


def tender_project_code_validate(code: str) -> str:
    """The normalised tender-project code, or ``InvalidInput(code="tender_project_code_invalid")``."""
    value = code_normalize(code) if isinstance(code, str) else ""
    problem = None
    if len(value) != TENDER_PROJECT_CODE_LENGTH:
        problem = f"招标项目编号应为{TENDER_PROJECT_CODE_LENGTH}位，实为{len(value)}位"
    elif not _SEQ_RE.fullmatch(value[17:]) or value[17:] == "000":
        problem = "第18–20位招标项目序号应为001–999"
    else:
        problem = _project_problem(value[:17])
    if problem:
        raise InvalidInput(f"招标项目编号无效：{problem}", code="tender_project_code_invalid", detail={"code": code})
    return value


def section_code_make(*, project_code: str, index: int, tender_index: int = 1) -> str:
    """The 23-character section (标段/包) code: project code, tender-project and section sequence.

    A project tendered as one tender project (the usual case) uses ``tender_index=1``; a re-tender
    keeps the section's code (the data standard counts it in 招标次数 instead).
    """
    tender_project = tender_project_code_make(project_code=project_code, index=tender_index)
    _require_int(index, "标段（包）序号", "section_index_invalid", 1, SEQUENCE_MAX)
    return f"{tender_project}{index:03d}"


def section_code_parse(code: str) -> SectionCode:
    """Check a section code (normalised first) and return its parts; ``section_code_invalid`` if bad."""
    value = code_normalize(code) if isinstance(code, str) else ""
    problem = None
    if len(value) != SECTION_CODE_LENGTH:
        problem = f"标段（包）编号应为{SECTION_CODE_LENGTH}位，实为{len(value)}位"
    elif not _SEQ_RE.fullmatch(value[17:20]) or value[17:20] == "000":
        problem = "第18–20位招标项目序号应为001–999"
    elif not _SEQ_RE.fullmatch(value[20:]) or value[20:] == "000":
        problem = "第21–23位标段（包）序号应为001–999"
    else:
        problem = _project_problem(value[:17])
    if problem:
        raise InvalidInput(f"标段（包）编号无效：{problem}", code="section_code_invalid", detail={"code": code})
    return SectionCode(
        code=value,
        project_code=value[:17],
        tender_project_code=value[:20],
        tender_index=int(value[17:20]),
        index=int(value[20:]),
    )


def section_code_validate(code: str) -> str:
    """The normalised section code, or ``InvalidInput(code="section_code_invalid")``."""
    return section_code_parse(code).code


# -- the unified deal code ------------------------------------------------------------------------


@dataclass(frozen=True)
class DealCode:
    code: str
    industry_code: str
    operator_uscc: str
    day: dt.date
    serial: int


def deal_code_make(*, industry_code: str, operator_uscc: str, day: dt.date, serial: int) -> str:
    """The 40-character 统一交易标识码 for the ``serial``-th deal the operator registers on ``day``.

    ``industry_code`` is the project's GB/T 4754 行业分类 (e.g. ``E48``); ``operator_uscc`` the
    统一社会信用代码 of the trading platform's operator; ``day`` the Beijing date of issue.
    """
    industry_code_validate(industry_code)
    verdict = uscc_validate(operator_uscc)
    if not verdict.valid or verdict.code != operator_uscc:
        raise InvalidInput(
            f"平台运营机构统一社会信用代码无效：{verdict.reason}",
            code="operator_uscc_invalid",
            detail={"uscc": operator_uscc},
        )
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise InvalidInput("日期必须是日期（北京时间）", code="deal_day_invalid", detail={"day": repr(day)})
    _require_int(serial, "交易流水号", "deal_serial_invalid", 1, DEAL_SERIAL_MAX)
    date_text = f"{day.year:04d}{day.month:02d}{day.day:02d}"
    serial_text = f"{serial:06d}"
    check = iso7064_mod37_2_check(f"{industry_code}{operator_uscc}{date_text}{serial_text}")
    return f"{industry_code}-{operator_uscc}-{date_text}-{serial_text}-{check}"


def _deal_problem(code: str) -> str | None:
    if len(code) != DEAL_CODE_LENGTH:
        return f"统一交易标识码应为{DEAL_CODE_LENGTH}位，实为{len(code)}位"
    match = _DEAL_RE.fullmatch(code)
    if match is None:
        return "格式应为：行业分类(3)-统一社会信用代码(18)-日期(8)-流水号(6)-校验码(1)"
    industry, uscc, date_text, serial, check = match.groups()
    problem = industry_code_problem(industry)
    if problem:
        return problem
    if any(ch not in USCC_ALPHABET for ch in uscc):
        return "统一社会信用代码含有不允许的字符"
    try:
        dt.date(int(date_text[:4]), int(date_text[4:6]), int(date_text[6:]))
    except ValueError:
        return f"日期“{date_text}”不存在"
    if int(serial) < 1:
        return "流水号不能为000000"
    expected = iso7064_mod37_2_check(f"{industry}{uscc}{date_text}{serial}")
    if check != expected:
        return f"校验码应为“{expected}”，实为“{check}”"
    return None


def deal_code_check(code: str) -> bool:
    """True when ``code`` is a well-formed 统一交易标识码 whose check character is right.

    Exact: no normalisation (a stored or received code is compared as it is).
    """
    return isinstance(code, str) and _deal_problem(code) is None


def deal_code_parse(code: str) -> DealCode:
    """Check a deal code (normalised first) and return its parts; ``deal_code_invalid`` if bad."""
    value = code_normalize(code) if isinstance(code, str) else ""
    problem = _deal_problem(value) if value else "统一交易标识码不能为空"
    if problem:
        raise InvalidInput(f"统一交易标识码无效：{problem}", code="deal_code_invalid", detail={"code": code})
    return DealCode(
        code=value,
        industry_code=value[:3],
        operator_uscc=value[4:22],
        day=dt.date(int(value[23:27]), int(value[27:29]), int(value[29:31])),
        serial=int(value[32:38]),
    )


def deal_code_validate(code: str) -> str:
    """The normalised deal code, or ``InvalidInput(code="deal_code_invalid")``."""
    return deal_code_parse(code).code
