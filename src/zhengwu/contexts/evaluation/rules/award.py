"""After the report: who may be awarded, and the periods that run from the award.

Pure: plain data in, violations and dates out. The numbers are the law's; each carries its article.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

ZBF = "《招标投标法》"
ZBTL = "《招标投标法实施条例》"
CGF = "《政府采购法》"
CGTL = "《政府采购法实施条例》"

# 招标条例 第五十五条: 国有资金占控股或者主导地位的依法必须进行招标的项目，招标人应当确定排名第一的
# 中标候选人为中标人。排名第一的中标候选人放弃中标、因不可抗力不能履行合同、不按照招标文件要求提交
# 履约保证金，或者被查实存在影响中标结果的违法行为等情形，不符合中标条件的，招标人可以按照评标委员会
# 提出的中标候选人名单排序依次确定其他中标候选人为中标人，也可以重新招标。
# 采购条例 第四十三条 / 第四十九条 likewise: in the report's order; the next one only when the one
# before refuses. The platform applies the order to every trade (the stricter reading; a tenderer
# who is free to choose by law records why it did not take the first).
AWARD_ORDER_ARTICLE = f"{ZBTL}第五十五条；{CGTL}第四十三条、第四十九条"


class PassOverReason(StrEnum):
    DECLINED = "declined"  # 放弃中标
    FORCE_MAJEURE = "force_majeure"  # 因不可抗力不能履行合同
    NO_PERFORMANCE_SECURITY = "no_performance_security"  # 不按照招标文件要求提交履约保证金
    VIOLATION = "violation"  # 被查实存在影响中标结果的违法行为
    REFUSED_CONTRACT = "refused_contract"  # 拒绝签订合同（采购条例 第四十九条）


PASS_OVER_LABELS: dict[str, str] = {
    PassOverReason.DECLINED: "放弃中标",
    PassOverReason.FORCE_MAJEURE: "因不可抗力不能履行合同",
    PassOverReason.NO_PERFORMANCE_SECURITY: "未按照招标文件要求提交履约保证金",
    PassOverReason.VIOLATION: "被查实存在影响中标结果的违法行为",
    PassOverReason.REFUSED_CONTRACT: "拒绝签订合同",
}


@dataclass(frozen=True)
class Periods:
    """How long each step after the award may take, in days, and where the number comes from."""

    contract_days: int
    contract_article: str
    report_days: int | None  # None: no written report to the supervising department
    report_article: str
    security_days: int
    security_working_days: bool
    security_article: str


# 招标投标法 第四十六条: 自中标通知书发出之日起三十日内订立书面合同; 第四十七条: 自确定中标人之日起
# 十五日内提交书面报告; 招标条例 第五十七条: 最迟在书面合同签订后5日内退还投标保证金及银行同期存款利息.
CONSTRUCTION_PERIODS = Periods(
    contract_days=30,
    contract_article=f"{ZBF}第四十六条",
    report_days=15,
    report_article=f"{ZBF}第四十七条",
    security_days=5,
    security_working_days=False,
    security_article=f"{ZBTL}第五十七条",
)
# 政府采购法 第四十六条: 自中标、成交通知书发出之日起三十日内签订合同; 采购条例 第三十三条: 自政府
# 采购合同签订之日起5个工作日内退还中标供应商的投标保证金 (the others within 5 working days of the
# award notice — the platform returns them with the winner's, at the latest date of the two, which
# a centre may shorten). No written report under procurement law (合同备案 instead).
PROCUREMENT_PERIODS = Periods(
    contract_days=30,
    contract_article=f"{CGF}第四十六条",
    report_days=None,
    report_article="",
    security_days=5,
    security_working_days=True,
    security_article=f"{CGTL}第三十三条",
)


def periods_for(trade_type: str) -> Periods:
    """The periods after the award for a trade type (procurement's own; the tender law's otherwise)."""
    return PROCUREMENT_PERIODS if trade_type == "procurement" else CONSTRUCTION_PERIODS


@dataclass(frozen=True)
class AwardViolation:
    code: str
    message: str
    article: str
    detail: Mapping[str, object]


def award_check(*, candidates: Sequence[str], chosen: str, passed_over: Mapping[str, str]) -> list[AwardViolation]:
    """Whether ``chosen`` may be awarded, given the ranked ``candidates`` and why those above were passed over.

    Every candidate ranked above the chosen one must be passed over with a known reason; nobody
    else may be (a reason for the chosen one or one below it is a contradiction, refused).
    """
    found: list[AwardViolation] = []
    if chosen not in candidates:
        return [
            AwardViolation(
                "award_not_candidate",
                "只能在评标委员会推荐的中标候选人中确定中标人",
                AWARD_ORDER_ARTICLE,
                {"bid_id": chosen},
            )
        ]
    position = candidates.index(chosen)
    above = list(candidates[:position])
    for bid_id in above:
        reason = passed_over.get(bid_id)
        rank = candidates.index(bid_id) + 1
        if not reason:
            found.append(
                AwardViolation(
                    "award_order",
                    f"应当按排名确定中标人；排名第{rank}的候选人未记录不符合中标条件的情形",
                    AWARD_ORDER_ARTICLE,
                    {"bid_id": bid_id, "rank": rank},
                )
            )
        elif reason not in PASS_OVER_LABELS:
            found.append(
                AwardViolation(
                    "pass_over_reason_unknown",
                    "未知的不符合中标条件情形",
                    AWARD_ORDER_ARTICLE,
                    {"bid_id": bid_id, "reason": reason, "known": sorted(PASS_OVER_LABELS)},
                )
            )
    for bid_id in passed_over:
        if bid_id not in above:
            found.append(
                AwardViolation(
                    "pass_over_not_above",
                    "只能对排在中标人之前的候选人记录不符合中标条件的情形",
                    AWARD_ORDER_ARTICLE,
                    {"bid_id": bid_id},
                )
            )
    return found
