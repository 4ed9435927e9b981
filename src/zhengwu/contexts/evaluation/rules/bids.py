"""The bids as evaluation sees them: price, SME status, adjustments, and the compliance verdict.

A bid found non-compliant (否决投标 / 投标无效) keeps its reason code and is left out of everything
that follows: it never enters a base price, the lowest valid price, a ranking or the candidates
(招标条例 第五十一条; 采购条例 第三十四条: only bids meeting every substantive requirement are ranked).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from zhengwu.contexts.evaluation.rules.arithmetic import (
    CGTL,
    MOF_87,
    SME_19,
    SME_46,
    ZBTL,
    Rounding,
    Source,
    fen_check,
    parameter_check,
)
from zhengwu.kernel.errors import InvalidInput


class DisqualificationReason(StrEnum):
    """Why the committee rejected a bid; the code is stable, the label and article are for the report."""

    UNSIGNED = "unsigned"  # 未经投标单位盖章和单位负责人签字
    NO_CONSORTIUM_AGREEMENT = "no_consortium_agreement"  # 联合体未提交共同投标协议
    UNQUALIFIED = "unqualified"  # 不符合资格条件
    MULTIPLE_BIDS = "multiple_bids"  # 提交两个以上不同的投标文件或报价
    BELOW_COST = "below_cost"  # 报价低于成本
    ABOVE_PRICE_CAP = "above_price_cap"  # 报价高于最高投标限价
    NOT_RESPONSIVE = "not_responsive"  # 未实质性响应招标文件
    MISCONDUCT = "misconduct"  # 串通投标、弄虚作假、行贿
    RELATED_BIDDERS = "related_bidders"  # 单位负责人为同一人或存在控股、管理关系
    NO_BID_SECURITY = "no_bid_security"  # 未按规定提交投标保证金（政府采购）
    OVER_BUDGET = "over_budget"  # 报价超过采购预算（政府采购）
    ABNORMALLY_LOW = "abnormally_low"  # 报价明显低于其他报价且不能证明其合理性（政府采购）
    OTHER = "other"  # 招标文件规定的其他否决情形（须写明理由）


DISQUALIFICATION_LABELS: dict[str, str] = {
    DisqualificationReason.UNSIGNED: "投标文件未经投标单位盖章和单位负责人签字",
    DisqualificationReason.NO_CONSORTIUM_AGREEMENT: "投标联合体没有提交共同投标协议",
    DisqualificationReason.UNQUALIFIED: "投标人不符合国家或者招标文件规定的资格条件",
    DisqualificationReason.MULTIPLE_BIDS: "同一投标人提交两个以上不同的投标文件或者投标报价",
    DisqualificationReason.BELOW_COST: "投标报价低于成本",
    DisqualificationReason.ABOVE_PRICE_CAP: "投标报价高于招标文件设定的最高投标限价",
    DisqualificationReason.NOT_RESPONSIVE: "投标文件没有对招标文件的实质性要求和条件作出响应",
    DisqualificationReason.MISCONDUCT: "投标人有串通投标、弄虚作假、行贿等违法行为",
    DisqualificationReason.RELATED_BIDDERS: "单位负责人为同一人或者存在控股、管理关系的不同单位参加同一标段投标",
    DisqualificationReason.NO_BID_SECURITY: "未按照招标文件要求提交投标保证金",
    DisqualificationReason.OVER_BUDGET: "投标报价超过采购预算或者最高限价",
    DisqualificationReason.ABNORMALLY_LOW: "投标报价明显低于其他报价且不能证明其报价合理性",
    DisqualificationReason.OTHER: "招标文件规定的其他否决投标情形",
}

# The article behind each reason and how far it was checked (ebidding-rules §3.1 #21–22, §3.3 #5, §4.3).
DISQUALIFICATION_ARTICLES: dict[str, tuple[str, Source]] = {
    DisqualificationReason.UNSIGNED: (f"{ZBTL}第五十一条第（一）项", "law"),
    DisqualificationReason.NO_CONSORTIUM_AGREEMENT: (f"{ZBTL}第五十一条第（二）项", "law"),
    DisqualificationReason.UNQUALIFIED: (f"{ZBTL}第五十一条第（三）项", "law"),
    DisqualificationReason.MULTIPLE_BIDS: (f"{ZBTL}第五十一条第（四）项", "law"),
    DisqualificationReason.BELOW_COST: (f"{ZBTL}第五十一条第（五）项", "law"),
    DisqualificationReason.ABOVE_PRICE_CAP: (f"{ZBTL}第五十一条第（五）项", "law"),
    DisqualificationReason.NOT_RESPONSIVE: (f"{ZBTL}第五十一条第（六）项", "law"),
    DisqualificationReason.MISCONDUCT: (f"{ZBTL}第五十一条第（七）项", "law"),
    DisqualificationReason.RELATED_BIDDERS: (f"{ZBTL}第三十四条", "law"),
    DisqualificationReason.NO_BID_SECURITY: (f"{CGTL}第三十三条", "law"),
    DisqualificationReason.OVER_BUDGET: (f"{MOF_87}第六十三条", "gk"),
    DisqualificationReason.ABNORMALLY_LOW: (f"{MOF_87}第六十条", "gk"),
    DisqualificationReason.OTHER: ("招标文件", "law"),
}


@dataclass(frozen=True)
class Disqualification:
    """The committee's verdict that a bid is rejected, with its reason code and a note for the report."""

    reason: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.reason not in DisqualificationReason.__members__.values():
            raise InvalidInput(
                "未知的否决投标理由",
                code="disqualification_reason_unknown",
                detail={"reason": self.reason, "known": [r.value for r in DisqualificationReason]},
            )
        if self.reason == DisqualificationReason.OTHER and not self.note.strip():
            # a rejection outside the statutory list must say which clause of the documents it applies
            raise InvalidInput(
                "以其他理由否决投标的，必须写明依据的招标文件条款", code="disqualification_note_required"
            )

    @property
    def label(self) -> str:
        return DISQUALIFICATION_LABELS[self.reason]

    @property
    def article(self) -> str:
        return DISQUALIFICATION_ARTICLES[self.reason][0]


class SmeStatus(StrEnum):
    """What the bidder declared for the SME price deduction (中小企业声明函)."""

    NONE = "none"
    SMALL_MICRO = "small_micro"  # 小微企业 offering goods/services it makes or provides
    CONSORTIUM_SHARE = "consortium_share"  # 联合体或分包中小微企业合同份额达到招标文件规定比例（如30%）


SME_STATUS_LABELS: dict[str, str] = {
    SmeStatus.NONE: "不适用价格扣除",
    SmeStatus.SMALL_MICRO: "小微企业",
    SmeStatus.CONSORTIUM_SHARE: "联合体（分包）中小微企业份额达标",
}


@dataclass(frozen=True)
class SmeDeduction:
    """The SME price deduction of government procurement (中小企业价格扣除).

    46号 第九条 as raised by 19号 (reference §4.3 [GK], amounts not verified): small and micro
    firms get 10%–20% off their price for goods and services (3%–5% for works), a consortium or
    subcontracting with at least 30% small-firm share gets 4%–6% (1%–2% for works). The tender
    documents fix the rates, so they are parameters here and are not checked against those ranges.

    The deducted price is used for the price score only (reference §4.3: "used for evaluation
    only"; §4.6 A: the contract price stays the bid price); it also becomes the lowest valid price
    when it is the lowest, which moves every other bidder's price score.
    """

    small_micro_rate: Decimal = Decimal("0.10")
    consortium_rate: Decimal | None = None
    article: str = f"{SME_46}第九条；{SME_19}"

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "small_micro_rate",
            parameter_check(
                self.small_micro_rate, field="小微企业价格扣除比例", minimum=0, maximum=1, maximum_open=True
            ),
        )
        if self.consortium_rate is not None:
            object.__setattr__(
                self,
                "consortium_rate",
                parameter_check(
                    self.consortium_rate, field="联合体价格扣除比例", minimum=0, maximum=1, maximum_open=True
                ),
            )

    def rate_for(self, status: str) -> Decimal:
        """The deduction a bid with ``status`` gets (0 where the documents grant none)."""
        if status == SmeStatus.SMALL_MICRO:
            return self.small_micro_rate
        if status == SmeStatus.CONSORTIUM_SHARE and self.consortium_rate is not None:
            return self.consortium_rate
        return Decimal(0)


@dataclass(frozen=True)
class PriceAdjustment:
    """A quantified adjustment of the 经评审的最低投标价法 (12号令 [GK]: 价格比较一览表).

    The tender documents state how each factor (payment terms, delivery time, a priced deviation)
    turns into money; the committee records the amount, positive (adds to the evaluated price) or
    negative. It changes the ranking only, never the contract price.
    """

    code: str
    amount_fen: int
    reason: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.amount_fen, bool) or not isinstance(self.amount_fen, int):
            raise InvalidInput("调整金额必须是以分为单位的整数", code="adjustment_invalid", detail={"code": self.code})


@dataclass(frozen=True, kw_only=True)
class BidEntry:
    """One opened bid as the committee evaluates it. ``price_fen`` is the (arithmetically corrected) bid price."""

    bid_id: str
    price_fen: int
    sme: str = SmeStatus.NONE
    disqualification: Disqualification | None = None
    adjustments: tuple[PriceAdjustment, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.bid_id, str) or not self.bid_id:
            raise InvalidInput("投标编号不能为空", code="bid_id_invalid", detail={"bid_id": repr(self.bid_id)})
        fen_check(self.price_fen, field="投标报价")
        if self.sme not in SmeStatus.__members__.values():
            raise InvalidInput("未知的中小企业声明类型", code="sme_status_unknown", detail={"sme": self.sme})

    @property
    def valid(self) -> bool:
        return self.disqualification is None


def bids_check(bids: Sequence[BidEntry]) -> None:
    """Refuse a bid list with a repeated bid id (each opened bid is evaluated once)."""
    seen: set[str] = set()
    for bid in bids:
        if bid.bid_id in seen:
            raise InvalidInput("投标编号重复", code="bid_duplicate", detail={"bid_id": bid.bid_id})
        seen.add(bid.bid_id)


def bids_valid(bids: Iterable[BidEntry]) -> list[BidEntry]:
    """The bids that passed the compliance review, in their given order."""
    return [bid for bid in bids if bid.valid]


def evaluation_price_compute(
    *, bid: BidEntry, sme_deduction: SmeDeduction | None, rounding: Rounding, with_adjustments: bool = False
) -> int:
    """The price a bid is evaluated at, in fen: after the SME deduction and, if asked, the adjustments.

    The deduction applies to the bid price (46号 第九条 [GK]); the adjustments of the lowest
    evaluated price method are added afterwards. A deducted price that falls between two fen is
    rounded to the fen by ``rounding``. The result must stay positive.
    """
    price = Fraction(bid.price_fen)
    if sme_deduction is not None:
        price *= 1 - Fraction(sme_deduction.rate_for(bid.sme))
    fen = rounding.fen(price)
    if with_adjustments:
        fen += sum(adjustment.amount_fen for adjustment in bid.adjustments)
    if fen <= 0:
        raise InvalidInput(
            "评审价格必须大于零", code="evaluation_price_invalid", detail={"bid_id": bid.bid_id, "fen": fen}
        )
    return fen
