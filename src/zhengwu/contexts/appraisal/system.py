"""The indicator system as plain data: categories → indicators → questionnaire items.

This is the canonical model (appraisal-methods.md §3.6): the database keeps it as JSON
(``IndicatorSystem.definition``), XLSForm is only its interchange form, and scoring, the
questionnaire and the reports all read these dataclasses. ``system_from_dict`` is the one place
that checks a definition; everything after it may trust the structure.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from zhengwu.kernel.errors import InvalidInput

# Which units an element applies to: halls and departments answer different subsets.
APPLIES_TO = ("all", "centre", "department")
ITEM_KINDS = (
    "rating5",  # 1 非常不满意 … 5 非常满意, or "na" (不了解/未办理: missing, never zero)
    "yes_no",  # "yes" / "no" / "na"
    "select_one",  # one of ``choices``; screening and profile questions, not scored
    "text",  # free text, not scored
    "problem",  # free text naming a problem; becomes a feedback ticket
    "note",  # shown, not answered
)
SCORED_KINDS = ("rating5", "yes_no")
INDICATOR_SOURCES = ("survey", "objective")
# The 5-level map quoted in Chinese practice guides (appraisal-methods.md §2.1 (b)): 很满意 100,
# 满意 80, 基本满意 60, 不太满意 30, 不满意 0. A system may state another; it is frozen with the system.
DEFAULT_SCORING = {"5": 100.0, "4": 80.0, "3": 60.0, "2": 30.0, "1": 0.0}
RATING_LABELS = {"5": "非常满意", "4": "满意", "3": "基本满意", "2": "不满意", "1": "非常不满意"}


@dataclass(frozen=True)
class CategoryDef:
    code: str
    name: str
    weight: float
    applies_to: str = "all"


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name: str
    category: str
    weight: float
    source: str = "survey"
    applies_to: str = "all"
    # Objective indicators: fixed goalposts for 100·(worst − y)/(worst − best) (§2.2), set per year
    # so that quarters stay comparable. ``worst`` above ``best`` means "lower is better".
    worst: float | None = None
    best: float | None = None


@dataclass(frozen=True)
class ItemDef:
    name: str
    kind: str
    label: str
    indicator: str = ""  # the indicator a scored item feeds
    weight: float = 1.0  # within its indicator
    relevant: str = ""  # XLSForm skip logic, e.g. "${q_channel} = 'hall'"
    required: bool = True
    applies_to: str = "all"
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SystemDef:
    code: str
    title: str
    categories: tuple[CategoryDef, ...]
    indicators: tuple[IndicatorDef, ...]
    items: tuple[ItemDef, ...]
    scoring: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SCORING))
    # Below this many answers a unit's indicator is not published (§2.8).
    min_answers: int = 10

    def category(self, code: str) -> CategoryDef:
        return next(c for c in self.categories if c.code == code)

    def indicators_of(self, category: str) -> list[IndicatorDef]:
        return [i for i in self.indicators if i.category == category]

    def items_for(self, kind: str) -> list[ItemDef]:
        """The questionnaire a respondent about a unit of ``kind`` is shown, in order."""
        indicator_kind = {i.code: i.applies_to for i in self.indicators}
        category_kind = {i.code: self.category(i.category).applies_to for i in self.indicators}
        out = []
        for item in self.items:
            scopes = {item.applies_to}
            if item.indicator:
                scopes |= {indicator_kind[item.indicator], category_kind[item.indicator]}
            if all(scope in ("all", kind) for scope in scopes):
                out.append(item)
        return out


def system_to_dict(system: SystemDef) -> dict[str, Any]:
    data = asdict(system)
    for item in data["items"]:
        item["choices"] = [list(pair) for pair in item["choices"]]
    return data


def system_digest(system: SystemDef) -> str:
    """A content hash stored with every response and result: which questionnaire was answered."""
    canonical = json.dumps(system_to_dict(system), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _fail(message: str, code: str, **detail: Any) -> InvalidInput:
    return InvalidInput(message, code=code, detail=detail)


def _weight(value: Any, where: str) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise _fail(f"{where}的权重“{value}”不是数字", "system_weight", where=where) from None
    if not weight > 0:
        raise _fail(f"{where}的权重必须大于0", "system_weight", where=where)
    return weight


def _applies(value: Any, where: str) -> str:
    value = value or "all"
    if value not in APPLIES_TO:
        raise _fail(f"{where}的适用对象“{value}”无效（all / centre / department）", "system_applies_to", where=where)
    return str(value)


def system_from_dict(data: dict[str, Any]) -> SystemDef:
    """Check a definition and return it as a ``SystemDef``; every fault is a specific ``InvalidInput``."""
    try:
        code = str(data["code"]).strip()
        title = str(data.get("title") or code).strip()
        raw_categories = list(data["categories"])
        raw_indicators = list(data["indicators"])
        raw_items = list(data["items"])
    except (KeyError, TypeError):
        raise _fail("指标体系缺少 code、categories、indicators 或 items", "system_shape") from None
    if not code:
        raise _fail("指标体系编号不能为空", "system_code")
    categories = []
    for raw in raw_categories:
        where = f"类别 {raw.get('code', '?')}"
        categories.append(
            CategoryDef(
                code=str(raw.get("code", "")).strip(),
                name=str(raw.get("name", "")).strip(),
                weight=_weight(raw.get("weight"), where),
                applies_to=_applies(raw.get("applies_to"), where),
            )
        )
    _unique([c.code for c in categories], "类别编号", "system_category_duplicate")
    category_codes = {c.code for c in categories}
    indicators = []
    for raw in raw_indicators:
        where = f"指标 {raw.get('code', '?')}"
        source = raw.get("source") or "survey"
        if source not in INDICATOR_SOURCES:
            raise _fail(f"{where}的数据来源“{source}”无效（survey / objective）", "system_source", where=where)
        category = str(raw.get("category", "")).strip()
        if category not in category_codes:
            raise _fail(f"{where}所属类别“{category}”不存在", "system_category_missing", where=where)
        worst, best = raw.get("worst"), raw.get("best")
        if source == "objective":
            try:
                worst, best = float(worst), float(best)
            except (TypeError, ValueError):
                raise _fail(f"{where}是客观指标，须给出最差值和最优值", "system_goalposts", where=where) from None
            if worst == best:
                raise _fail(f"{where}的最差值与最优值不能相同", "system_goalposts", where=where)
        indicators.append(
            IndicatorDef(
                code=str(raw.get("code", "")).strip(),
                name=str(raw.get("name", "")).strip(),
                category=category,
                weight=_weight(raw.get("weight"), where),
                source=source,
                applies_to=_applies(raw.get("applies_to"), where),
                worst=None if worst is None else float(worst),
                best=None if best is None else float(best),
            )
        )
    _unique([i.code for i in indicators], "指标编号", "system_indicator_duplicate")
    by_code = {i.code: i for i in indicators}
    items = []
    for raw in raw_items:
        name = str(raw.get("name", "")).strip()
        where = f"题目 {name or '?'}"
        kind = raw.get("kind")
        if kind not in ITEM_KINDS:
            raise _fail(f"{where}的题型“{kind}”无效", "system_item_kind", where=where)
        indicator = str(raw.get("indicator") or "").strip()
        if kind in SCORED_KINDS:
            if indicator not in by_code:
                raise _fail(f"{where}计分，但所属指标“{indicator}”不存在", "system_item_indicator", where=where)
            if by_code[indicator].source != "survey":
                raise _fail(f"{where}不能计入客观指标“{indicator}”", "system_item_indicator", where=where)
        choices = tuple((str(a), str(b)) for a, b in raw.get("choices") or ())
        if kind == "select_one" and not choices:
            raise _fail(f"{where}是单选题，须有选项", "system_item_choices", where=where)
        items.append(
            ItemDef(
                name=name,
                kind=kind,
                label=str(raw.get("label", "")).strip(),
                indicator=indicator,
                weight=_weight(raw.get("weight", 1.0), where),
                relevant=str(raw.get("relevant") or "").strip(),
                required=bool(raw.get("required", True)),
                applies_to=_applies(raw.get("applies_to"), where),
                choices=choices,
            )
        )
    _unique([i.name for i in items], "题目名称", "system_item_duplicate")
    for item in items:
        if not item.name.isidentifier():
            raise _fail(f"题目名称“{item.name}”只能含字母、数字和下划线", "system_item_name", where=item.name)
    fed = {i.indicator for i in items if i.kind in SCORED_KINDS}
    unfed = [i.code for i in indicators if i.source == "survey" and i.code not in fed]
    if unfed:
        raise _fail(f"调查指标没有计分题目：{'、'.join(unfed[:5])}", "system_indicator_unfed", indicators=unfed)
    scoring = {str(k): float(v) for k, v in (data.get("scoring") or DEFAULT_SCORING).items()}
    if sorted(scoring) != ["1", "2", "3", "4", "5"]:
        raise _fail("计分对照须给出1至5级的分值", "system_scoring")
    if any(not 0 <= v <= 100 for v in scoring.values()):
        raise _fail("计分对照的分值须在0至100之间", "system_scoring")
    return SystemDef(
        code=code,
        title=title,
        categories=tuple(categories),
        indicators=tuple(indicators),
        items=tuple(items),
        scoring=scoring,
        min_answers=int(data.get("min_answers", 10)),
    )


def _unique(codes: list[str], what: str, error_code: str) -> None:
    if any(not c for c in codes):
        raise _fail(f"{what}不能为空", error_code)
    seen: set[str] = set()
    dupes = sorted({c for c in codes if c in seen or seen.add(c)})  # type: ignore[func-returns-value]
    if dupes:
        raise _fail(f"{what}重复：{'、'.join(dupes)}", error_code, duplicates=dupes)
