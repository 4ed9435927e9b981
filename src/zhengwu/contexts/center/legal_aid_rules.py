"""The rules of the legal-aid desk (法律援助进中心): economic eligibility, case status, review period.

Plain data and functions, no database, no Django. Articles are those of 《中华人民共和国法律援助法》
(2021, in force 2022-01-01), cited from memory and not checked against the gazette text here;
figures a province or the centre sets (the economic-difficulty standard, the review period's
unit) are parameters, never hard-wired.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from zhengwu.kernel.errors import Conflict, InvalidInput
from zhengwu.kernel.workdays import WorkCalendar

LAW = "《中华人民共和国法律援助法》"

# -- economic eligibility ------------------------------------------------------------------------

# 第三十四条: the economic-difficulty standard (经济困难标准) is set by each province's people's
# government and adjusted over time. Kunming practice is said to tie it to the local minimum wage
# or the 低保 standard — UNVERIFIED. The default below is Yunnan's first-tier monthly minimum wage
# as we understand it (1,990 元/月, tier 一类 covering Kunming's main districts) — also UNVERIFIED;
# the settings layer must pass the figure the 司法局 currently publishes as ``standard_fen``.
LEGAL_AID_STANDARD_FEN_DEFAULT = 199_000


class ExemptCategory(StrEnum):
    """第四十二条: applicants who prove they belong to one of these are exempt from the means check.

    法律援助申请人有材料证明属于下列人员之一的，免予核查经济困难状况 (items 一 to 四).
    第三十二条 separately lists matters not subject to the economic condition at all: those are a
    property of the matter, not of the applicant (``UnrestrictedMatter``).
    """

    VULNERABLE_NO_INCOME = "vulnerable_no_income"  # （一）无固定生活来源的未成年人、老年人、残疾人等特定群体
    ASSISTANCE_RECIPIENT = "assistance_recipient"  # （二）社会救助、司法救助或者优抚对象
    MIGRANT_WORKER_WAGES_INJURY = (
        "migrant_worker_wages_injury"  # （三）申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员
    )
    OTHER_BY_REGULATION = "other_by_regulation"  # （四）法律、法规、规章规定的其他人员


EXEMPT_CATEGORY_LABELS: dict[str, str] = {
    ExemptCategory.VULNERABLE_NO_INCOME: "无固定生活来源的未成年人、老年人、残疾人等特定群体",
    ExemptCategory.ASSISTANCE_RECIPIENT: "社会救助、司法救助或者优抚对象",
    ExemptCategory.MIGRANT_WORKER_WAGES_INJURY: "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员",
    ExemptCategory.OTHER_BY_REGULATION: "法律、法规、规章规定的其他人员",
}
EXEMPT_CATEGORY_ARTICLE = f"{LAW}第四十二条"


class UnrestrictedMatter(StrEnum):
    """第三十二条: matters in which an application is not subject to the economic condition at all.

    有下列情形之一，当事人申请法律援助的，不受经济困难条件的限制 (items 一 to 五). Stored in the
    case's exemption field like a 第四十二条 category: either way the means check does not decide.
    """

    HERO_MARTYR_KIN = "hero_martyr_kin"  # （一）英雄烈士近亲属为维护英雄烈士的人格权益
    GOOD_SAMARITAN = "good_samaritan"  # （二）因见义勇为行为主张相关民事权益
    WRONGFUL_CONVICTION = "wrongful_conviction"  # （三）再审改判无罪请求国家赔偿
    ABUSE_VICTIM = "abuse_victim"  # （四）遭受虐待、遗弃或者家庭暴力的受害人主张相关权益
    OTHER_MATTER_BY_REGULATION = "other_matter_by_regulation"  # （五）法律、法规、规章规定的其他情形


UNRESTRICTED_MATTER_LABELS: dict[str, str] = {
    UnrestrictedMatter.HERO_MARTYR_KIN: "英雄烈士近亲属为维护英雄烈士的人格权益",
    UnrestrictedMatter.GOOD_SAMARITAN: "因见义勇为行为主张相关民事权益",
    UnrestrictedMatter.WRONGFUL_CONVICTION: "再审改判无罪请求国家赔偿",
    UnrestrictedMatter.ABUSE_VICTIM: "遭受虐待、遗弃或者家庭暴力的受害人主张相关权益",
    UnrestrictedMatter.OTHER_MATTER_BY_REGULATION: "法律、法规、规章规定的其他情形",
}
UNRESTRICTED_MATTER_ARTICLE = f"{LAW}第三十二条"
# Every ground on which the means check does not decide, for the application form's one choice.
EXEMPTION_LABELS: dict[str, str] = {
    **{code: f"第四十二条：{label}" for code, label in EXEMPT_CATEGORY_LABELS.items()},
    **{code: f"第三十二条：{label}" for code, label in UNRESTRICTED_MATTER_LABELS.items()},
}
STANDARD_ARTICLE = f"{LAW}第三十四条"


@dataclass(frozen=True)
class EligibilityVerdict:
    """Whether the applicant meets the economic condition, and why (in Chinese).

    ``per_person_income_fen`` is for display, rounded half up to the fen; the decision itself
    compares exactly (household income ≤ standard × household size), so rounding never turns a
    case that is a fraction of a fen over the standard into an eligible one.
    """

    eligible: bool
    reason: str
    per_person_income_fen: int
    exempt_category: ExemptCategory | UnrestrictedMatter | None
    article: str


def _require_int(value: object, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(
            f"{name}必须是不小于{minimum}的整数", code="number_invalid", detail={"field": name, "value": repr(value)}
        )
    return value


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


def eligibility_assess(
    *,
    household_size: int,
    monthly_income_fen: int,
    exempt_category: ExemptCategory | str | None = None,
    standard_fen: int,
) -> EligibilityVerdict:
    """Assess economic eligibility: a matter free of the condition (第三十二条), an applicant exempt
    from the check (第四十二条), or income per person ≤ the standard (第三十四条)."""
    _require_int(household_size, "household_size", minimum=1)
    _require_int(monthly_income_fen, "monthly_income_fen", minimum=0)
    _require_int(standard_fen, "standard_fen", minimum=0)
    # Half up to the fen, in integers: (2a + b) // 2b.
    per_person = (2 * monthly_income_fen + household_size) // (2 * household_size)
    if exempt_category is not None and exempt_category in UNRESTRICTED_MATTER_LABELS:
        matter = UnrestrictedMatter(exempt_category)
        return EligibilityVerdict(
            eligible=True,
            reason=f"属于{UNRESTRICTED_MATTER_LABELS[matter]}，依{UNRESTRICTED_MATTER_ARTICLE}不受经济困难条件的限制",
            per_person_income_fen=per_person,
            exempt_category=matter,
            article=UNRESTRICTED_MATTER_ARTICLE,
        )
    if exempt_category is not None:
        try:
            category = ExemptCategory(exempt_category)
        except ValueError:
            raise InvalidInput(
                f"未知的免予核查经济困难状况人员类别“{exempt_category}”",
                code="legal_aid_exempt_unknown",
                detail={"exempt_category": str(exempt_category)},
            ) from None
        return EligibilityVerdict(
            eligible=True,
            reason=f"申请人属于{EXEMPT_CATEGORY_LABELS[category]}，依{EXEMPT_CATEGORY_ARTICLE}免予核查经济困难状况",
            per_person_income_fen=per_person,
            exempt_category=category,
            article=EXEMPT_CATEGORY_ARTICLE,
        )
    shown = f"家庭人均月收入{_yuan(per_person)}（{household_size}人，月收入合计{_yuan(monthly_income_fen)}）"
    if monthly_income_fen <= standard_fen * household_size:
        return EligibilityVerdict(
            eligible=True,
            reason=f"{shown}，不高于经济困难标准{_yuan(standard_fen)}，符合经济困难条件",
            per_person_income_fen=per_person,
            exempt_category=None,
            article=STANDARD_ARTICLE,
        )
    return EligibilityVerdict(
        eligible=False,
        reason=f"{shown}，高于经济困难标准{_yuan(standard_fen)}，不符合经济困难条件",
        per_person_income_fen=per_person,
        exempt_category=None,
        article=STANDARD_ARTICLE,
    )


# -- case status ---------------------------------------------------------------------------------


class CaseStatus(StrEnum):
    APPLIED = "applied"  # 申请
    REVIEWING = "reviewing"  # 审查
    ACCEPTED = "accepted"  # 受理（决定给予法律援助）
    REFUSED = "refused"  # 不予受理（决定不予法律援助）
    ASSIGNED = "assigned"  # 指派律师
    IN_PROGRESS = "in_progress"  # 办理中
    CLOSED = "closed"  # 结案
    WITHDRAWN = "withdrawn"  # 撤回申请（含未按要求补充材料视为撤回）
    TERMINATED = "terminated"  # 终止法律援助（第四十八条）


CASE_STATUS_LABELS: dict[str, str] = {
    CaseStatus.APPLIED: "申请",
    CaseStatus.REVIEWING: "审查",
    CaseStatus.ACCEPTED: "受理",
    CaseStatus.REFUSED: "不予受理",
    CaseStatus.ASSIGNED: "指派律师",
    CaseStatus.IN_PROGRESS: "办理中",
    CaseStatus.CLOSED: "结案",
    CaseStatus.WITHDRAWN: "撤回申请",
    CaseStatus.TERMINATED: "终止援助",
}

# The forward path, and the two ways out of it: an application may be withdrawn before the
# decision (by the applicant, or deemed withdrawn when the materials asked for never came), and aid
# once granted may be terminated (第四十八条: the person no longer qualifies, the matter ended, they
# engaged their own lawyer …). Refused, closed, withdrawn and terminated are final. Not modelled:
# the applicant's objection to a refusal (第四十九条, decided by the 司法行政部门).
CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.APPLIED: frozenset({CaseStatus.REVIEWING, CaseStatus.WITHDRAWN}),
    CaseStatus.REVIEWING: frozenset({CaseStatus.ACCEPTED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.ASSIGNED, CaseStatus.TERMINATED}),
    CaseStatus.REFUSED: frozenset(),
    CaseStatus.ASSIGNED: frozenset({CaseStatus.IN_PROGRESS, CaseStatus.TERMINATED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.CLOSED, CaseStatus.TERMINATED}),
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
    CaseStatus.TERMINATED: frozenset(),
}
# Before the decision, the statuses in which the review period runs (or waits for materials).
UNDECIDED = frozenset({CaseStatus.APPLIED, CaseStatus.REVIEWING})


def _require_status(value: CaseStatus | str, name: str) -> CaseStatus:
    try:
        return CaseStatus(value)
    except ValueError:
        raise InvalidInput(
            f"未知的案件状态“{value}”", code="legal_aid_status_unknown", detail={"field": name, "status": str(value)}
        ) from None


def case_transition(*, current: CaseStatus | str, target: CaseStatus | str) -> None:
    """Allow a status change or raise ``Conflict`` (code ``legal_aid_transition_forbidden``)."""
    source = _require_status(current, "current")
    goal = _require_status(target, "target")
    if goal not in CASE_TRANSITIONS[source]:
        allowed = "、".join(CASE_STATUS_LABELS[s] for s in sorted(CASE_TRANSITIONS[source])) or "无（已是最终状态）"
        raise Conflict(
            f"案件状态不能从“{CASE_STATUS_LABELS[source]}”变为“{CASE_STATUS_LABELS[goal]}”；可变为：{allowed}",
            code="legal_aid_transition_forbidden",
            detail={
                "current": source.value,
                "target": goal.value,
                "allowed": sorted(s.value for s in CASE_TRANSITIONS[source]),
            },
        )


# -- review period -------------------------------------------------------------------------------

# 第四十三条: the legal-aid institution reviews an application and decides whether to grant aid
# within 七日 of receiving it. The law's text is read as 七日 (calendar days); 司法部《办理法律援助
# 案件程序规定》第十三条 and local practice state 7个工作日 — which is what the desk works to and
# the default here. Both the number and the unit are configurable; the period starts the day after
# receipt (民法典 第二百零一条). Time spent by the applicant supplying missing materials is not
# counted (程序规定 第十三条) — the caller restarts from the day the materials are complete.
REVIEW_PERIOD_DAYS = 7
REVIEW_PERIOD_IN_WORKING_DAYS = True


def review_deadline(
    *,
    received_on: dt.date,
    calendar: WorkCalendar,
    days: int = REVIEW_PERIOD_DAYS,
    working_days: bool = REVIEW_PERIOD_IN_WORKING_DAYS,
) -> dt.date:
    """The last day of the review period for an application received on ``received_on``.

    In working days: the n-th working day after receipt. In calendar days: the n-th day after
    receipt, moved off a rest day (民法典 第二百零三条).
    """
    if isinstance(received_on, dt.datetime) or not isinstance(received_on, dt.date):
        raise TypeError(f"received_on must be a datetime.date, got {type(received_on).__name__}")
    if working_days:
        return calendar.workday_period_last_day(received_on, days)
    return calendar.period_last_day(received_on, days)


# -- statistics ----------------------------------------------------------------------------------


def stats_by_month_and_type(records: Iterable[tuple[dt.date, str]]) -> dict[str, dict[str, int]]:
    """Count cases by month (``"YYYY-MM"``) and case type, months and types in ascending order.

    Months without a case are absent; a report that wants zero rows fills them in itself.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for day, case_type in records:
        if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
            raise TypeError(f"record date must be a datetime.date, got {type(day).__name__}")
        counts[(f"{day.year:04d}-{day.month:02d}", case_type)] += 1
    result: dict[str, dict[str, int]] = {}
    for (month, case_type), n in sorted(counts.items()):
        result.setdefault(month, {})[case_type] = n
    return result
